"""The remote servers as a pool: their models listed beside the local ones, the least busy server
chosen, a failing one skipped until its health check passes, one retry on another server when a request
fails before its first token, and the servers saved (keys 0600) or given on the command line."""

from __future__ import annotations

import json
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from localai.backends.remote_base import plan_remote
from localai.backends.remote_chat import RemoteChat
from localai.config import parse_settings
from localai.errors import InvalidInput
from localai.jobs import CancelToken
from localai.options import ChatOptions
from localai.remote_errors import NoRemoteServer, RemoteDropped, RemoteUnreachable
from localai.remote_pool import Remotes
from localai.remote_servers import RemoteServer, key_env_name, normalize_url, servers_from_flags
from localai.remote_store import RemoteStore
from tests.fake_upstream import FakeUpstream

HI = [{"role": "user", "content": "Hello"}]


@pytest.fixture
def two() -> Iterator[tuple[FakeUpstream, FakeUpstream]]:
    with FakeUpstream(models=["shared", "only-a"]) as a, FakeUpstream(models=["shared"]) as b:
        yield a, b


def pool_of(*ups: FakeUpstream, names: tuple[str, ...] = ("pc-a", "pc-b"), **kw) -> Remotes:  # noqa: ANN003
    servers = [RemoteServer(n, normalize_url(u.url), origin="flag") for n, u in zip(names, ups, strict=False)]
    remotes = Remotes(servers, **kw)
    remotes.check_all()
    return remotes


def chat_on(remotes: Remotes, model: str = "shared") -> RemoteChat:
    spec = next(s for s in remotes.specs() if s.name == model)
    return RemoteChat(spec, plan_remote(spec), remotes)


# -- names, URLs, flags, the saved file ----------------------------------------------------------------------
@pytest.mark.parametrize(("given", "normal"), [
    ("http://192.168.1.20:11434", "http://192.168.1.20:11434/v1"),
    ("http://192.168.1.20:11434/v1/", "http://192.168.1.20:11434/v1"),
    ("gpu-box:8000", "http://gpu-box:8000/v1"),
    ("https://Example.LAN/openai", "https://example.lan/openai/v1"),
])
def test_urls_are_normalized_to_their_v1_base(given: str, normal: str) -> None:
    assert normalize_url(given) == normal


@pytest.mark.parametrize("bad", ["", "ftp://x", "http://", "http://u:p@host", "http://h:99999", "http://a b"])
def test_bad_urls_are_refused_plainly(bad: str) -> None:
    with pytest.raises(InvalidInput, match="is not a server address"):
        normalize_url(bad)


def test_flags_with_keys_from_the_flag_or_the_environment() -> None:
    servers = servers_from_flags(["pc-2=http://a:1", "gpu=http://b:2/v1"], ["pc-2=k1"],
                                 {key_env_name("gpu"): "k2"})
    assert [(s.name, s.url, s.key, s.origin) for s in servers] == [
        ("pc-2", "http://a:1/v1", "k1", "flag"), ("gpu", "http://b:2/v1", "k2", "flag")]
    assert "k1" not in repr(servers) and "k2" not in repr(servers), "keys are never printed"
    assert key_env_name("pc-2") == "LOCALAI_REMOTE_KEY_PC_2"


@pytest.mark.parametrize(("remotes", "keys", "says"), [
    (["pc2"], [], "is not NAME=URL"), (["a=http://x", "a=http://y"], [], "already a server named a"),
    (["a=http://x"], ["b=k"], "names no --remote server"), (["bad name=http://x"], [], "cannot be a server name"),
])
def test_bad_flags_stop_with_a_plain_line(remotes: list[str], keys: list[str], says: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    argv = [x for r in remotes for x in ("--remote", r)] + [x for k in keys for x in ("--remote-key", k)]
    with pytest.raises(SystemExit) as ended:
        parse_settings(argv, env={})
    assert ended.value.code == 2 and says in capsys.readouterr().err


def test_no_remotes_ignores_the_flags() -> None:
    settings = parse_settings(["--remote", "a=http://x", "--no-remotes"], env={})
    assert settings.no_remotes and settings.remote_servers == ()


def test_saved_servers_are_private_to_this_account(tmp_path: Path, two: tuple[FakeUpstream, FakeUpstream]) -> None:
    a, _ = two
    store = RemoteStore(tmp_path / "remotes.json")
    remotes = Remotes(store=store)
    view = remotes.add("pc-a", a.url, "secret-key")
    assert view.reachable and view.has_key and [m.id for m in view.models] == ["shared", "only-a"]
    mode = stat.S_IMODE((tmp_path / "remotes.json").stat().st_mode)
    assert mode == 0o600
    assert json.loads((tmp_path / "remotes.json").read_text())["servers"][0]["key"] == "secret-key"
    again = Remotes(store=RemoteStore(tmp_path / "remotes.json"))
    assert [(v.name, v.has_key) for v in again.views()] == [("pc-a", True)]
    again.remove("pc-a")
    assert Remotes(store=RemoteStore(tmp_path / "remotes.json")).views() == []


def test_a_damaged_file_is_moved_aside(tmp_path: Path) -> None:
    (tmp_path / "remotes.json").write_text("{not json")
    assert RemoteStore(tmp_path / "remotes.json").load() == []
    assert list(tmp_path.glob("remotes.json.damaged-*"))


def test_adding_twice_or_removing_a_flag_server_is_refused(two: tuple[FakeUpstream, FakeUpstream]) -> None:
    remotes = pool_of(*two)
    with pytest.raises(InvalidInput, match="already a server named pc-a"):
        remotes.add("pc-a", two[0].url)
    with pytest.raises(InvalidInput, match="given on the command line"):
        remotes.remove("pc-a")
    with pytest.raises(InvalidInput, match="turned off"):
        Remotes(enabled=False).add("x", "http://127.0.0.1:9")


def test_an_unreachable_server_is_saved_with_its_problem(tmp_path: Path) -> None:
    remotes = Remotes(store=RemoteStore(tmp_path / "remotes.json"))
    view = remotes.add("gone", "http://127.0.0.1:9")
    assert view.reachable is False and "cannot be reached" in view.problem.message
    assert [v.name for v in remotes.views()] == ["gone"]


# -- the model list --------------------------------------------------------------------------------------------
def test_one_entry_per_model_with_the_servers_that_have_it(two: tuple[FakeUpstream, FakeUpstream]) -> None:
    specs = {s.name: s for s in pool_of(*two).specs()}
    assert specs["shared"].servers == ("pc-a", "pc-b") and specs["only-a"].servers == ("pc-a",)
    assert all(s.source == "remote" and s.backend == "remote" and s.kind == "text" for s in specs.values())
    assert plan_remote(specs["shared"]).pool == "none", "remote models take no memory here"


# -- routing --------------------------------------------------------------------------------------------------
def test_requests_go_to_the_least_busy_server(two: tuple[FakeUpstream, FakeUpstream]) -> None:
    a, b = two
    for up in two:
        up.reply, up.token_delay = " ".join(["w"] * 15), 0.05
    remotes = pool_of(a, b)
    threads = [threading.Thread(target=chat_on(remotes).stream_chat,
                                args=(HI, ChatOptions(), CancelToken(), lambda t: None)) for _ in range(4)]
    for t in threads:
        t.start()
        time.sleep(0.05)
    for t in threads:
        t.join(20)
    assert len(a.requests) == 2 and len(b.requests) == 2
    assert a.max_in_flight == 2 and b.max_in_flight == 2


def test_a_failing_server_is_skipped_and_the_request_retried_once_elsewhere(
        two: tuple[FakeUpstream, FakeUpstream]) -> None:
    a, b = two
    remotes = pool_of(a, b, retry_every_s=0.2)
    a.status = 503  # pc-a fails before its first token
    results = [chat_on(remotes).stream_chat(HI, ChatOptions(), CancelToken(), lambda t: None) for _ in range(3)]
    assert all(r.text == "The capital of France is Paris." for r in results)
    assert len(a.requests) == 1, "tried once, then skipped"
    assert remotes.view("pc-a").reachable is False and "503" in remotes.view("pc-a").problem.message
    assert results[0].plan.describe().params["servers"] == "pc-b"
    a.status = None
    remotes.start()  # its health check passes: it is used again
    deadline = time.monotonic() + 5
    while not remotes.view("pc-a").reachable and time.monotonic() < deadline:
        time.sleep(0.05)
    remotes.stop()
    for _ in range(2):
        chat_on(remotes).stream_chat(HI, ChatOptions(), CancelToken(), lambda t: None)
    assert len(a.requests) >= 2


def test_no_retry_once_text_has_arrived(two: tuple[FakeUpstream, FakeUpstream]) -> None:
    a, b = two
    remotes = pool_of(a, b)
    a.die_after = b.die_after = 2
    with pytest.raises(RemoteDropped) as caught:
        chat_on(remotes).stream_chat(HI, ChatOptions(), CancelToken(), lambda t: None)
    assert caught.value.partial == "The capital "
    assert len(a.requests) + len(b.requests) == 1, "an answer that began is not written twice"


def test_when_no_server_answers_it_says_which_and_why(two: tuple[FakeUpstream, FakeUpstream]) -> None:
    a, _ = two
    remotes = pool_of(a, names=("pc-a",))
    chat = chat_on(remotes, "only-a")
    a.close()
    with pytest.raises(RemoteUnreachable):
        chat.stream_chat(HI, ChatOptions(), CancelToken(), lambda t: None)
    with pytest.raises(NoRemoteServer) as caught:
        chat.stream_chat(HI, ChatOptions(), CancelToken(), lambda t: None)
    assert "only-a is on pc-a, but none of them is answering" in caught.value.message
    assert "cannot be reached" in caught.value.message
