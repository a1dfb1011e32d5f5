"""Item 3 of issue 11: a file input given a web address instead of an upload makes the server fetch
nothing, with or without ``--offline``; the client is told plainly that files are uploads only.

The attack is replayed against the running app (app.py under the socket guard of test_privacy.py)
through Gradio's own queue API: every event whose inputs include a file component (the PNG info
file, the conversation import) gets ``{"path": "https://...", "meta": {"_type": "gradio.FileData"}}``.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from localai.no_url_inputs import names_web_file
from tests.app_process import running_app
from tests.test_privacy import Guarded, _guard_env

FILE_TYPES = {"file", "uploadbutton", "image", "gallery", "audio", "video", "multimodaltextbox", "model3d"}
ATTACKER = ("https://example.com/secret.png", "http://192.0.2.7/x.json", "HTTPS://example.com/a.json",
            "//example.com/b.png", "ftp://example.com/c.png")


def _file(path: str, url: str | None = None) -> dict:
    return {"path": path, "url": url, "orig_name": "x.png", "meta": {"_type": "gradio.FileData"}}


# -- which values are refused ----------------------------------------------------------------------------
@pytest.mark.parametrize("address", ATTACKER)
def test_a_file_value_naming_a_web_address_is_refused(address: str) -> None:
    assert names_web_file({"data": [_file(address)], "fn_index": 3}, "127.0.0.1")
    assert names_web_file({"data": [[{"type": "file", "file": _file(address)}]]}, "127.0.0.1"), "nested"


def test_uploaded_files_and_this_servers_own_links_pass() -> None:
    uploaded = "/tmp/gradio/3f2a/picture.png"
    own = "http://127.0.0.1:7860/gradio_api/file=/tmp/gradio/3f2a/picture.png"
    assert not names_web_file({"data": [_file(uploaded), "https://example.com is only text", None]}, "127.0.0.1")
    assert not names_web_file({"data": [_file(uploaded, own)]}, "127.0.0.1")
    assert names_web_file({"data": [_file(uploaded, "https://example.com/picture.png")]}, "127.0.0.1")


def test_a_deeply_nested_body_is_walked_without_overflowing() -> None:
    deep: list = [_file("https://example.com/deep.png")]
    for _ in range(50_000):
        deep = [deep]
    assert names_web_file({"data": deep}, "127.0.0.1")


# -- the attack on the running app -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def guarded(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Guarded]:
    work = tmp_path_factory.mktemp("no-url-inputs")
    env = _guard_env(work)
    with running_app(models_dir, work, env=env) as app:  # no --offline: nothing may be fetched anyway
        yield Guarded(app, Path(env["LOCALAI_NET_LOG"]), work)


def _file_events(url: str) -> list[tuple[dict, list[dict]]]:
    """Each event with a file input, and its input components."""
    with urllib.request.urlopen(url + "/config", timeout=30) as resp:
        config = json.load(resp)
    components = {c["id"]: c for c in config["components"]}
    events = []
    for dep in config["dependencies"]:
        inputs = [components[i] for i in dep["inputs"] if i in components]
        if any(c["type"] in FILE_TYPES for c in inputs):
            events.append((dep, inputs))
    return events


def _join(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url + "/gradio_api/queue/join", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _wait_for_the_event(url: str, session: str, limit_s: float = 30) -> None:
    """Read the session's event stream until its event ends (what happens when the join was accepted)."""
    started = time.monotonic()
    with urllib.request.urlopen(f"{url}/gradio_api/queue/data?session_hash={session}", timeout=limit_s) as resp:
        for line in resp:
            if b"process_completed" in line or time.monotonic() - started > limit_s:
                return


@pytest.mark.slow
@pytest.mark.parametrize("address", ["https://example.com/secret.png", "http://192.0.2.7/x.json"])
def test_file_inputs_given_a_web_address_fetch_nothing(guarded: Guarded, address: str) -> None:
    events = _file_events(guarded.app.url)
    assert {c["type"] for _, inputs in events for c in inputs} >= {"file", "uploadbutton"}, \
        "the PNG info file and the conversation import are file inputs"
    for n, (dep, inputs) in enumerate(events):
        session = f"attack{n}{abs(hash(address)) % 10_000}"
        data = [_file(address) if c["type"] in FILE_TYPES else c.get("props", {}).get("value") for c in inputs]
        trigger = dep["targets"][0][0] if dep.get("targets") else None
        status, answer = _join(guarded.app.url, {"data": data, "fn_index": dep["id"], "trigger_id": trigger,
                                                 "session_hash": session, "event_data": None})
        if status == 200:
            _wait_for_the_event(guarded.app.url, session)
        attempts = guarded.attempts()
        assert not attempts, f"{dep.get('api_name')}: the server reached out: {[a['target'] for a in attempts]}"
        assert status == 400, (dep.get("api_name"), status, answer)
        assert "upload" in answer["detail"] and "Traceback" not in answer["detail"]


@pytest.mark.slow
def test_the_refusal_speaks_the_browsers_language(guarded: Guarded) -> None:
    dep, inputs = _file_events(guarded.app.url)[0]
    data = [_file("https://example.com/x.png") if c["type"] in FILE_TYPES else None for c in inputs]
    request = urllib.request.Request(guarded.app.url + "/gradio_api/queue/join", method="POST",
                                     data=json.dumps({"data": data, "fn_index": dep["id"],
                                                      "session_hash": "ru1"}).encode(),
                                     headers={"Content-Type": "application/json", "Accept-Language": "ru-RU,ru"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 400
    assert "загруз" in json.loads(refused.value.read())["detail"]
    assert not guarded.attempts()


@pytest.mark.slow
def test_an_uploaded_file_still_goes_through(guarded: Guarded, tmp_path: Path) -> None:
    """The page's own way: upload first (multipart), then send the uploaded file's path."""
    import io

    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(picture, format="PNG")
    boundary = "localai-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.png\"\r\n"
            f"Content-Type: image/png\r\n\r\n").encode() + picture.getvalue() + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(guarded.app.url + "/gradio_api/upload", data=body, method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(request, timeout=30) as resp:
        (uploaded,) = json.load(resp)
    dep, inputs = next((d, i) for d, i in _file_events(guarded.app.url) if [c["type"] for c in i] == ["file"])
    status, answer = _join(guarded.app.url, {"data": [_file(uploaded)], "fn_index": dep["id"],
                                             "trigger_id": dep["targets"][0][0], "session_hash": "upload1",
                                             "event_data": None})
    assert status == 200 and answer.get("event_id"), answer
    _wait_for_the_event(guarded.app.url, "upload1")
    assert not guarded.attempts()
