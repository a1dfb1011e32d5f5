"""Talking to one OpenAI-compatible server (a fake one on 127.0.0.1): answers stream, Stop shuts the
connection at once (even while the server is still thinking), and every failure is a plain error that
names the server."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from localai.jobs import CancelToken
from localai.options import ChatOptions
from localai.remote_client import RemoteClient, RemoteTimeouts, chat_body, timeouts_from_env
from localai.remote_errors import (
    RemoteBadReply, RemoteDropped, RemoteFailed, RemoteModelGone, RemoteRefused, RemoteTimeout, RemoteUnreachable,
    RemoteWrongKey,
)
from localai.remote_servers import RemoteServer, normalize_url
from tests.fake_upstream import FakeUpstream

HI = [{"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    with FakeUpstream(models=["m1"], key="sesame") as up:
        yield up


def client(up: FakeUpstream, key: str | None = "sesame", timeouts: RemoteTimeouts = RemoteTimeouts()) -> RemoteClient:
    return RemoteClient(RemoteServer("pc2", normalize_url(up.url), key), timeouts)


def test_lists_models_with_latency(upstream: FakeUpstream) -> None:
    upstream.image_models = ["painter"]
    models, latency_ms = client(upstream).models()
    assert [(m.id, m.kind) for m in models] == [("m1", "text"), ("painter", "image")]
    assert 0 < latency_ms < 5000


def test_an_answer_streams_piece_by_piece(upstream: FakeUpstream) -> None:
    pieces: list[str] = []
    started = threading.Event()
    answer = client(upstream).stream_chat("m1", HI, ChatOptions(max_new_tokens=100), CancelToken(), pieces.append,
                                          on_start=started.set)
    assert answer.text == "The capital of France is Paris." == "".join(pieces)
    assert len(pieces) == 6 and started.is_set()
    assert answer.finish_reason == "stop" and answer.completion_tokens == 6 and answer.prompt_tokens == 3
    sent = upstream.requests[-1]
    assert sent["model"] == "m1" and sent["stream"] is True and sent["messages"] == HI and sent["max_tokens"] == 100


def test_stop_shuts_the_stream_and_the_server_sees_it(upstream: FakeUpstream) -> None:
    upstream.reply, upstream.token_delay = " ".join(["word"] * 200), 0.05
    cancel, pieces = CancelToken(), []
    threading.Timer(0.4, cancel.cancel).start()
    began = time.monotonic()
    answer = client(upstream).stream_chat("m1", HI, ChatOptions(max_new_tokens=500), cancel, pieces.append)
    assert time.monotonic() - began < 2
    assert answer.finish_reason == "cancelled" and 0 < len(pieces) < 30 and answer.text == "".join(pieces)
    deadline = time.monotonic() + 5
    while upstream.left_early == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert upstream.left_early == 1 and upstream.finished == 0


def test_stop_while_the_server_is_still_thinking(upstream: FakeUpstream) -> None:
    upstream.stall_s = 3
    cancel = CancelToken()
    threading.Timer(0.3, cancel.cancel).start()
    began = time.monotonic()
    answer = client(upstream).stream_chat("m1", HI, ChatOptions(), cancel, lambda text: None)
    assert time.monotonic() - began < 1.5, "Stop waited for the server to begin"
    assert answer.finish_reason == "cancelled" and answer.text == ""


def test_a_server_that_dies_part_way_keeps_the_text_so_far(upstream: FakeUpstream) -> None:
    upstream.die_after = 3
    with pytest.raises(RemoteDropped) as caught:
        client(upstream).stream_chat("m1", HI, ChatOptions(), CancelToken(), lambda text: None)
    assert caught.value.partial == "The capital of "
    assert "pc2" in caught.value.message and "stopped answering part way" in caught.value.message
    assert "kept" in caught.value.hint


@pytest.mark.parametrize(("setup", "error", "says"), [
    (lambda up: None, RemoteWrongKey, "refused the key (HTTP 401)"),
    (lambda up: setattr(up, "status", 500), RemoteFailed, "failed (HTTP 500): upstream said 500"),
    (lambda up: setattr(up, "status", 400), RemoteRefused, "turned the request down"),
    (lambda up: setattr(up, "bad_reply", True), RemoteBadReply, "did not answer in the OpenAI format"),
])
def test_plain_errors(upstream: FakeUpstream, setup, error, says: str) -> None:  # noqa: ANN001
    setup(upstream)
    key = "wrong" if error is RemoteWrongKey else "sesame"
    with pytest.raises(error) as caught:
        client(upstream, key).stream_chat("m1", HI, ChatOptions(), CancelToken(), lambda text: None)
    assert says in caught.value.message and "pc2" in caught.value.message
    assert "Traceback" not in str(caught.value) and caught.value.hint


def test_a_model_the_server_no_longer_has(upstream: FakeUpstream) -> None:
    with pytest.raises(RemoteModelGone, match="no longer has the model gone-now"):
        client(upstream).stream_chat("gone-now", HI, ChatOptions(), CancelToken(), lambda text: None)


def test_unreachable_names_the_url() -> None:
    dead = RemoteClient(RemoteServer("pc3", "http://127.0.0.1:9/v1"))
    with pytest.raises(RemoteUnreachable) as caught:
        dead.models()
    assert "http://127.0.0.1:9/v1" in caught.value.message and "cannot be reached" in caught.value.message


def test_a_server_that_stops_answering_times_out(upstream: FakeUpstream) -> None:
    upstream.stall_s = 3
    slow = client(upstream, timeouts=RemoteTimeouts(first_token_s=0.5))
    began = time.monotonic()
    with pytest.raises(RemoteTimeout, match=r"did not answer within 0.5 seconds"):
        slow.stream_chat("m1", HI, ChatOptions(), CancelToken(), lambda text: None)
    assert time.monotonic() - began < 2.5


def test_the_request_leaves_out_what_is_off() -> None:
    body = chat_body("m", HI, ChatOptions(top_k=0, repetition_penalty=1.0, seed=-1))
    assert not {"top_k", "repetition_penalty", "seed", "stop"} & set(body)
    body = chat_body("m", HI, ChatOptions(top_k=40, repetition_penalty=1.1, seed=7, stop=("END",)))
    assert (body["top_k"], body["repetition_penalty"], body["seed"], body["stop"]) == (40, 1.1, 7, ["END"])


def test_timeout_from_the_environment() -> None:
    assert timeouts_from_env({"LOCALAI_REMOTE_TIMEOUT_S": "12"}).first_token_s == 12
    assert timeouts_from_env({"LOCALAI_REMOTE_TIMEOUT_S": "soon"}) == RemoteTimeouts()
