"""Privacy: with outbound sockets blocked, the app starts, chats and draws without trying to reach any
host but this one; only the outputs folder is served as files.

The app runs as a subprocess whose ``sitecustomize`` wraps ``socket.connect`` / ``connect_ex`` /
``sendto`` and ``getaddrinfo``: anything aimed at a non-loopback address or name is refused and
written to a log, which must stay empty.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlparse

import openai
import pytest

from tests.app_process import ROOT, RunningApp, running_app

GUARD = textwrap.dedent('''
    """Test-only: refuse and record every attempt to reach a host other than this computer."""
    import ipaddress, json, os, socket

    _LOG = os.environ["LOCALAI_NET_LOG"]
    _LOCAL_NAMES = {"localhost", "localhost.localdomain", "0.0.0.0", "::", ""}

    def _local(host):
        host = (host.decode() if isinstance(host, bytes) else str(host or "")).split("%")[0]
        if host in _LOCAL_NAMES:
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    def _record(kind, target):
        import traceback
        with open(_LOG, "a") as f:
            f.write(json.dumps({"kind": kind, "target": repr(target),
                                "stack": traceback.format_stack(limit=12)}) + "\\n")

    def _inet(sock):
        return sock.family in (socket.AF_INET, socket.AF_INET6)

    _connect, _connect_ex, _sendto = socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto
    _getaddrinfo = socket.getaddrinfo

    def connect(self, address):
        if _inet(self) and not _local(address[0]):
            _record("connect", address)
            raise ConnectionRefusedError(111, "outbound connections are blocked in this test")
        return _connect(self, address)

    def connect_ex(self, address):
        if _inet(self) and not _local(address[0]):
            _record("connect_ex", address)
            return 111
        return _connect_ex(self, address)

    def sendto(self, data, *args):
        address = args[-1]
        if _inet(self) and not _local(address[0]):
            _record("sendto", address)
            raise ConnectionRefusedError(111, "outbound packets are blocked in this test")
        return _sendto(self, data, *args)

    def getaddrinfo(host, *args, **kwargs):
        if not _local(host):
            _record("getaddrinfo", host)
            raise socket.gaierror(socket.EAI_NONAME, "name lookups are blocked in this test")
        return _getaddrinfo(host, *args, **kwargs)

    socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto = connect, connect_ex, sendto
    socket.getaddrinfo = getaddrinfo
    open(os.environ["LOCALAI_NET_LOG"] + ".ready", "w").close()
''')


@dataclass
class Guarded:
    app: RunningApp
    net_log: Path
    work: Path

    def attempts(self) -> list[dict]:
        if not self.net_log.exists():
            return []
        return [json.loads(line) for line in self.net_log.read_text().splitlines() if line.strip()]


def _guard_env(tmp: Path) -> dict[str, str]:
    guard_dir = tmp / "guard"
    guard_dir.mkdir(parents=True, exist_ok=True)
    (guard_dir / "sitecustomize.py").write_text(GUARD, encoding="utf-8")
    path = os.pathsep.join(p for p in (str(guard_dir), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path, "LOCALAI_NET_LOG": str(tmp / "net.log")}


@pytest.fixture(scope="module")
def guarded(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Guarded]:
    from tests.tiny_pipelines import with_tiny_sd

    work = tmp_path_factory.mktemp("privacy")
    models = with_tiny_sd(models_dir, work / "models")
    env = _guard_env(work)
    # No --offline: nothing should be fetched even when the network is allowed to the app.
    with running_app(models, work, env=env) as app:
        assert Path(env["LOCALAI_NET_LOG"] + ".ready").exists(), "the socket guard was not loaded"
        yield Guarded(app, Path(env["LOCALAI_NET_LOG"]), work)


def test_the_guard_refuses_and_records_outbound_connections(tmp_path: Path) -> None:
    env = {**os.environ, **_guard_env(tmp_path)}
    code = ("import socket\n"
            "try:\n    socket.socket().connect(('192.0.2.1', 80))\nexcept OSError as e:\n    print('refused', e)\n"
            "try:\n    socket.getaddrinfo('example.com', 443)\nexcept OSError as e:\n    print('refused', e)\n"
            "s = socket.create_server(('127.0.0.1', 0)); socket.create_connection(s.getsockname()).close()\n")
    out = subprocess.run([sys.executable, "-c", code], check=False, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("refused") == 2
    kinds = [json.loads(line)["kind"] for line in Path(env["LOCALAI_NET_LOG"]).read_text().splitlines()]
    assert kinds == ["connect", "getaddrinfo"], "loopback is allowed, the rest is recorded"


@pytest.mark.slow
def test_chat_and_images_contact_no_other_host(guarded: Guarded) -> None:
    client = openai.OpenAI(base_url=guarded.app.url + "/v1", api_key="local", max_retries=0, timeout=120)
    ids = [m.id for m in client.models.list().data]
    answer = client.chat.completions.create(model="tiny-llama", messages=[{"role": "user", "content": "Hi"}],
                                            max_tokens=8)
    assert answer.usage.completion_tokens == 8
    streamed = list(client.chat.completions.create(model="tiny-qwen2", max_tokens=8, stream=True,
                                                   messages=[{"role": "user", "content": "Hello"}]))
    assert streamed
    assert "tiny-sd" in ids
    out = client.images.generate(model="tiny-sd", prompt="a fox", size="64x64", extra_body={"steps": 2})
    assert base64.b64decode(out.data[0].b64_json)[:4] == b"\x89PNG"
    attempts = guarded.attempts()
    assert not attempts, f"the server tried to reach other hosts: {[(a['kind'], a['target']) for a in attempts]}"


# -- remote servers ----------------------------------------------------------------------------------------
REMOTE_MODEL = "tiny-remote"
REMOTE_KEY = "sk-privacy-remote"
FAR = "192.0.2.1"  # TEST-NET-1: a server the user added on another computer (nothing answers there)


@dataclass
class GuardedWithRemote:
    guarded: Guarded
    remote: RunningApp  # another LocalAI on 127.0.0.1 (not guarded): the server the user added


@pytest.fixture(scope="module")
def guarded_with_remote(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GuardedWithRemote]:
    from tests.tiny_models import save_tiny_llama

    work = tmp_path_factory.mktemp("privacy-remote")
    remote_models = work / "remote-models"
    save_tiny_llama(remote_models / "text" / REMOTE_MODEL, seed=7)
    (remote_models / "image").mkdir()
    env = _guard_env(work / "front")
    with running_app(remote_models, work / "remote", extra=["--api-key", REMOTE_KEY]) as remote, \
            running_app(models_dir, work / "front", env=env, extra=[
                "--remote", f"up={remote.url}", "--remote-key", f"up={REMOTE_KEY}",
                "--remote", f"far=http://{FAR}:8000"]) as app:
        assert Path(env["LOCALAI_NET_LOG"] + ".ready").exists(), "the socket guard was not loaded"
        yield GuardedWithRemote(Guarded(app, Path(env["LOCALAI_NET_LOG"]), work / "front"), remote)


@pytest.mark.slow
def test_with_remote_servers_added_only_they_are_contacted(guarded_with_remote: GuardedWithRemote) -> None:
    """The server on 127.0.0.1 answers through the app; the one on another computer is tried (the user added
    it, and the guard refuses and records it); no other host is ever contacted."""
    g, remote = guarded_with_remote.guarded, guarded_with_remote.remote
    client = openai.OpenAI(base_url=g.app.url + "/v1", api_key="local", max_retries=0, timeout=120)
    deadline = time.monotonic() + 60
    while REMOTE_MODEL not in (ids := [m.id for m in client.models.list().data]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert REMOTE_MODEL in ids and "tiny-llama" in ids, ids
    direct = openai.OpenAI(base_url=remote.url + "/v1", api_key=REMOTE_KEY, max_retries=0, timeout=120)
    own = direct.chat.completions.create(model=REMOTE_MODEL, messages=[{"role": "user", "content": "Hi"}],
                                         max_tokens=12, temperature=0).choices[0].message.content
    streamed = "".join(c.choices[0].delta.content or "" for c in client.chat.completions.create(
        model=REMOTE_MODEL, messages=[{"role": "user", "content": "Hi"}], max_tokens=12, temperature=0, stream=True)
        if c.choices)
    assert streamed == own, "the answer came from the server on 127.0.0.1"
    local = client.chat.completions.create(model="tiny-llama", messages=[{"role": "user", "content": "Hi"}],
                                           max_tokens=4)
    assert local.usage.completion_tokens == 4
    attempts = g.attempts()
    assert attempts, "the server the user added on another computer was tried (the guard sees remote requests)"
    others = [(a["kind"], a["target"]) for a in attempts if FAR not in a["target"]]
    assert not others, f"the app tried to reach hosts nobody added: {others}"


# -- files served ------------------------------------------------------------------------------------------
def _get(app: RunningApp, raw_path: str) -> int:
    """GET a path exactly as written (no client-side clean-up of '..')."""
    url = urlparse(app.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.request("GET", raw_path)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


@pytest.mark.slow
def test_no_folder_is_served_as_files(guarded: Guarded) -> None:
    """Not even the outputs folder: other users could read it (images reach the page through Gradio's cache)."""
    outputs = (guarded.work / "outputs").resolve()
    (outputs / "2026-01-01").mkdir(parents=True, exist_ok=True)
    picture = outputs / "2026-01-01" / "00001.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    secret = guarded.work / "secret.txt"
    secret.write_text("do not serve", encoding="utf-8")
    data_file = guarded.work / "data" / "notes.txt"
    data_file.parent.mkdir(parents=True, exist_ok=True)
    data_file.write_text("private", encoding="utf-8")

    refused = [
        f"/gradio_api/file={quote(str(picture))}",
        f"/gradio_api/file={outputs}/../secret.txt",
        f"/gradio_api/file={outputs}/2026-01-01/../../secret.txt",
        f"/gradio_api/file={quote(str(outputs))}/%2e%2e/secret.txt",
        f"/gradio_api/file={outputs}/..%2fsecret.txt",
        f"/gradio_api/file={secret}",
        f"/gradio_api/file={data_file}",
        f"/gradio_api/file={ROOT / 'app.py'}",
        "/gradio_api/file=/etc/passwd",
        f"/gradio_api/file/{secret}",
        f"/gradio_api/file/{outputs}/../secret.txt",
        "/gradio_api/file=https://example.com/x.png",
        "/gradio_api/file=HTTP://example.com/x.png",
        "/gradio_api/proxy=https://example.hf.space/file=x",
    ]
    for path in refused:
        assert _get(guarded.app, path) in (403, 404), path
    assert not guarded.attempts(), "refusing a URL must not fetch it first"
