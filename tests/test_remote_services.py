"""Remote models through the app's one API (services) and its OpenAI API: listed beside the local ones,
answered on the network lane (never behind local torch work), stopped by their owner, refused plainly
when the server fails, and added or removed only by the admin or from this computer itself."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from localai.access import AdminOnly
from localai.auth import ApiKey
from localai.backends.base import ChatResult
from localai.config import parse_settings
from localai.jobs import Done, Generating, Status, TextDelta
from localai.remote_errors import RemoteDropped
from localai.state import build_state
from tests.app_process import serve_in_thread
from tests.fake_upstream import FakeUpstream

HI = [{"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    with FakeUpstream(models=["far-model", "tiny-llama"], key="sesame") as up:
        yield up


def app_state(models_dir: Path, tmp_path: Path, upstream: FakeUpstream, *extra: str):  # noqa: ANN201
    settings = parse_settings(["--models-dir", str(models_dir), "--data-dir", str(tmp_path / "data"),
                               "--outputs-dir", str(tmp_path / "out"), "--no-browser",
                               "--remote", f"pc2={upstream.url}", "--remote-key", "pc2=sesame", *extra], env={})
    state = build_state(settings)
    state.services.remotes.check_all()
    return state


@pytest.fixture
def state(models_dir: Path, tmp_path: Path, upstream: FakeUpstream) -> Iterator:
    st = app_state(models_dir, tmp_path, upstream)
    yield st
    st.services.remotes.stop()
    st.lanes.shutdown()


def test_remote_models_are_listed_beside_the_local_ones(state) -> None:  # noqa: ANN001
    names = state.services.model_names("text")
    assert "far-model" in names and "tiny-llama" in names
    assert "tiny-llama (remote)" in names, "a remote model never hides a local one of the same name"
    assert names.index("tiny-llama") < names.index("far-model")
    spec = state.registry.resolve("tiny-llama (remote)", "text")
    assert spec.remote_id == "tiny-llama" and spec.servers == ("pc2",)


def test_a_remote_answer_streams_on_the_network_lane(state, upstream: FakeUpstream) -> None:  # noqa: ANN001
    release = threading.Event()
    blocker = state.lanes.torch.submit(lambda job: release.wait(30), "someone", "long local work")
    try:
        job = state.services.chat("far-model", HI, owner="me")
        events = list(job.events())
    finally:
        release.set()
        blocker.wait()
    assert job.id.startswith("network-")
    assert any(isinstance(e, Status) and "pc2" in e.message.params["server"] for e in events)
    assert any(isinstance(e, Generating) for e in events)
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    result: ChatResult = events[-1].result
    assert isinstance(events[-1], Done) and text == result.text == "The capital of France is Paris."
    assert result.plan.pool == "none" and result.model == "far-model"
    assert upstream.requests[-1]["messages"] == HI


def test_only_the_owner_stops_it_and_the_server_sees_it(state, upstream: FakeUpstream) -> None:  # noqa: ANN001
    upstream.reply, upstream.token_delay = " ".join(["word"] * 300), 0.03
    job = state.services.chat("far-model", HI, owner="me")
    pieces = 0
    for event in job.events():
        if isinstance(event, TextDelta):
            pieces += 1
            if pieces == 3:
                assert not state.services.cancel(job.id, "someone else")
                assert state.services.cancel(job.id, "me")
        if isinstance(event, Done):
            assert event.result.finish_reason == "cancelled" and pieces < 20
    deadline = time.monotonic() + 5
    while upstream.left_early == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert upstream.left_early == 1


def test_a_server_dying_part_way_fails_the_job_with_the_text_so_far(state, upstream: FakeUpstream) -> None:  # noqa: ANN001
    upstream.die_after = 2
    job = state.services.chat("far-model", HI, owner="me")
    with pytest.raises(RemoteDropped) as caught:
        list(job.events())
    assert caught.value.partial == "The capital " and "pc2" in caught.value.message


def test_adding_and_removing_servers_is_for_the_admin_or_this_computer(models_dir: Path, tmp_path: Path,
                                                                       upstream: FakeUpstream) -> None:
    st = app_state(models_dir, tmp_path, upstream, "--listen", "--auth", "boss:pw1", "--auth", "guest:pw2")
    try:
        services = st.services
        assert services.may_manage_remotes("boss", "192.168.1.7")
        assert services.may_manage_remotes("guest", "127.0.0.1")
        assert not services.may_manage_remotes("guest", "192.168.1.7")
        with pytest.raises(AdminOnly, match="Only the admin \\(boss\\) can add or remove remote servers"):
            services.add_remote("sneaky", upstream.url, None, user="guest", client_host="192.168.1.7")
        assert [v.name for v in services.remote_servers()] == ["pc2"], "nothing changed"
        view = services.add_remote("pc3", upstream.url, "sesame", user="boss", client_host="192.168.1.7")
        assert view.reachable and view.has_key
        with pytest.raises(AdminOnly):
            services.remove_remote("pc3", user="guest", client_host="10.0.0.2")
        services.remove_remote("pc3", user="guest", client_host="127.0.0.1")
        assert [v.name for v in services.remote_servers()] == ["pc2"]
    finally:
        st.services.remotes.stop()
        st.lanes.shutdown()


def test_no_remotes_contacts_nothing(models_dir: Path, tmp_path: Path, upstream: FakeUpstream) -> None:
    st = app_state(models_dir, tmp_path, upstream, "--no-remotes")
    try:
        assert st.services.remote_servers() == [] and "far-model" not in st.services.model_names("text")
        assert upstream.requests == []
    finally:
        st.lanes.shutdown()


# -- the OpenAI API serves them too -------------------------------------------------------------------------
@pytest.fixture
def api(state) -> Iterator[str]:  # noqa: ANN001
    from fastapi import FastAPI

    from localai.api import mount_api

    app = FastAPI()
    mount_api(app, state.services, ApiKey(None, False))
    url, server, thread = serve_in_thread(app)
    yield url
    server.should_exit = True
    thread.join(timeout=10)


def test_the_api_lists_and_answers_with_remote_models(api: str, upstream: FakeUpstream) -> None:
    client = openai.OpenAI(base_url=api, api_key="x", max_retries=0, timeout=30)
    listed = {m.id: m for m in client.models.list().data}
    assert listed["far-model"].owned_by == "remote:pc2"
    answer = client.chat.completions.create(model="far-model", messages=HI)
    assert answer.choices[0].message.content == "The capital of France is Paris."
    assert answer.choices[0].finish_reason == "stop"
    streamed = "".join(c.choices[0].delta.content or "" for c in client.chat.completions.create(
        model="far-model", messages=HI, stream=True) if c.choices)
    assert streamed == "The capital of France is Paris."


def test_the_api_says_plainly_when_the_server_fails(api: str, state, upstream: FakeUpstream) -> None:  # noqa: ANN001
    upstream.status = 500
    reply = httpx.post(f"{api}/chat/completions", json={"model": "far-model", "messages": HI}, timeout=30)
    assert reply.status_code == 502
    error = reply.json()["error"]
    assert "pc2 failed (HTTP 500)" in error["message"] and "Traceback" not in reply.text
    refused = httpx.post(f"{api}/chat/completions", json={"model": "far-model", "messages": HI}, timeout=30)
    assert refused.status_code == 503 and "none of them is answering" in refused.json()["error"]["message"]
    upstream.status = None
    state.services.remotes.check_all()  # its health check passes: used again
    upstream.die_after = 2
    with httpx.stream("POST", f"{api}/chat/completions", timeout=30,
                      json={"model": "far-model", "messages": HI, "stream": True}) as stream:
        body = "".join(stream.iter_text())
    assert '"content": "The "' in body and "stopped answering part way" in body and body.endswith("[DONE]\n\n")
