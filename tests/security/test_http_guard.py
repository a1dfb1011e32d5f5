"""Attacks from web pages in the user's own browser, replayed against the real app (a subprocess).

DNS rebinding (a page points its name at 127.0.0.1 and talks to LocalAI as its own server), reading
answers through CORS, cross-site form posts to the API, cross-site uploads, huge bodies, framing.
Programs (curl, the openai package) send no Origin and must keep working.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.app_process import RunningApp, running_app
from tests.security.http_client import send, send_head_of_large_body

EVIL = {"Host": "evil.example:7860", "Origin": "http://evil.example:7860"}
FRIEND = "http://friend.example:3000"
SECURITY_HEADERS = {"x-frame-options": "DENY", "x-content-type-options": "nosniff", "referrer-policy": "no-referrer"}


@pytest.fixture(scope="module")
def app(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    extra = ["--allowed-hosts", "mybox.lan", "--cors-origin", FRIEND, "--max-upload-mb", "1"]
    with running_app(models_dir, tmp_path_factory.mktemp("guarded"), extra=extra) as running:
        yield running


def own(app: RunningApp) -> str:
    return urlsplit(app.url).netloc  # "127.0.0.1:PORT"


def queue_join_body() -> bytes:
    return json.dumps({"data": [], "fn_index": 0, "session_hash": "attacker", "event_data": None,
                       "trigger_id": None}).encode()


# -- 1. DNS rebinding ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/v1/models"),  # the curl
    ("GET", "/"),
    ("GET", "/config"),
    ("GET", "/gradio_api/info"),
    ("POST", "/gradio_api/queue/join"),  # the page's conversation handlers go through the queue
    ("GET", "/gradio_api/queue/data?session_hash=attacker"),  # server-sent events
    ("POST", "/v1/chat/completions"),
])
def test_a_rebound_host_name_is_refused_everywhere(app: RunningApp, method: str, path: str) -> None:
    body = queue_join_body() if method == "POST" else None
    answer = send(app.url, method, path, {**EVIL, "Content-Type": "application/json"}, body)
    assert answer.status == 403
    assert "access-control-allow-origin" not in answer.headers
    if not path.startswith("/v1/"):
        assert "--allowed-hosts evil.example" in answer.text  # says what to do
        assert "Traceback" not in answer.text


def test_the_refusal_is_in_the_browsers_language(app: RunningApp) -> None:
    answer = send(app.url, "GET", "/", {"Host": "evil.example", "Accept-Language": "ru-RU,ru;q=0.9"})
    assert answer.status == 403 and "--allowed-hosts evil.example" in answer.text
    assert any("а" <= ch <= "я" for ch in answer.text.lower())


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}", "LOCALHOST",
                                  "mybox.lan:{port}", "{hostname}:{port}"])
def test_this_computers_own_names_are_answered(app: RunningApp, host: str) -> None:
    port = urlsplit(app.url).port
    answer = send(app.url, "GET", "/v1/models", {"Host": host.format(port=port, hostname=socket.gethostname())})
    assert answer.status == 200, answer.text


# -- 1. CORS: no other site reads the answers ------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/v1/models", "/config", "/gradio_api/info"])
def test_another_sites_page_gets_no_cors_and_no_answer(app: RunningApp, path: str) -> None:
    answer = send(app.url, "GET", path, {"Origin": "http://evil.example"})
    assert answer.status == 403 and "access-control-allow-origin" not in answer.headers
    assert "--cors-origin http://evil.example" in answer.text


def test_a_cors_preflight_from_another_site_is_not_allowed(app: RunningApp) -> None:
    answer = send(app.url, "OPTIONS", "/v1/chat/completions",
                  {"Origin": "http://evil.example", "Access-Control-Request-Method": "POST",
                   "Access-Control-Request-Headers": "content-type"})
    assert answer.status == 403 and "access-control-allow-origin" not in answer.headers


def test_cors_origin_lets_one_named_site_call_the_api(app: RunningApp) -> None:
    pre = send(app.url, "OPTIONS", "/v1/models", {"Origin": FRIEND, "Access-Control-Request-Method": "GET"})
    assert pre.status == 204 and pre.headers["access-control-allow-origin"] == FRIEND
    answer = send(app.url, "GET", "/v1/models", {"Origin": FRIEND})
    assert answer.status == 200 and answer.headers["access-control-allow-origin"] == FRIEND


def test_the_pages_own_requests_pass(app: RunningApp) -> None:
    answer = send(app.url, "GET", "/config", {"Origin": f"http://{own(app)}"})
    assert answer.status == 200 and json.loads(answer.body)["components"]
    port = urlsplit(app.url).port
    local = send(app.url, "GET", "/config", {"Host": f"localhost:{port}", "Origin": f"http://localhost:{port}"})
    assert local.status == 200


# -- 5. cross-site requests --------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["text/plain", "application/x-www-form-urlencoded",
                                  "multipart/form-data; boundary=x", None])
def test_the_api_takes_json_only(app: RunningApp, kind: str | None) -> None:
    """A page's <form method=post enctype=text/plain> reaches the API without a CORS preflight."""
    body = json.dumps({"model": "tiny-llama", "prompt": "a cat"}).encode()
    headers = {"Content-Type": kind} if kind else {}
    answer = send(app.url, "POST", "/v1/images/generations", headers, body)
    assert answer.status == 415
    error = json.loads(answer.body)["error"]
    assert "application/json" in error["message"] and error["code"] == "unsupported_media_type"


def test_json_with_a_charset_is_fine(app: RunningApp) -> None:
    answer = send(app.url, "POST", "/v1/chat/completions", {"Content-Type": "application/json; charset=utf-8"},
                  json.dumps({"model": "", "messages": []}).encode())
    assert answer.status == 400 and json.loads(answer.body)["error"]["param"] == "model"


def _multipart(size: int) -> tuple[dict[str, str], bytes]:
    boundary = "----localai-test"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.bin\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + b"x" * size + f"\r\n--{boundary}--\r\n".encode()
    return {"Content-Type": f"multipart/form-data; boundary={boundary}"}, body


@pytest.mark.parametrize("site", [{"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                                  {"Referer": "http://evil.example/page.html"}])
def test_another_sites_page_cannot_upload(app: RunningApp, site: dict[str, str]) -> None:
    headers, body = _multipart(1000)
    answer = send(app.url, "POST", "/gradio_api/upload", {**headers, **site}, body)
    assert answer.status == 403


def test_the_page_can_upload_a_small_file(app: RunningApp) -> None:
    headers, body = _multipart(1000)
    answer = send(app.url, "POST", "/gradio_api/upload", {**headers, "Origin": f"http://{own(app)}",
                                                           "Sec-Fetch-Site": "same-origin"}, body)
    assert answer.status == 200 and json.loads(answer.body)[0].endswith("big.bin")


def test_uploads_have_a_size_limit(app: RunningApp) -> None:
    headers, body = _multipart(2 * 1024 * 1024)  # --max-upload-mb 1
    answer = send(app.url, "POST", "/gradio_api/upload", headers, body)
    assert answer.status == 413 and "--max-upload-mb" in answer.text
    chunked = send(app.url, "POST", "/gradio_api/upload", headers, iter([body[:1 << 20], body[1 << 20:]]))
    assert chunked.status == 413


# -- 7. body size --------------------------------------------------------------------------------------------------
def test_a_60_mb_json_body_is_refused_before_it_is_read(app: RunningApp) -> None:
    answer = send_head_of_large_body(app.url, "/v1/chat/completions", {"Content-Type": "application/json"},
                                     60 * 1024 * 1024, b'{"model": "tiny-llama", "messages": [')
    assert answer.status == 413
    error = json.loads(answer.body)["error"]
    assert "MB" in error["message"] and error["code"] == "request_too_large"


def test_a_large_chunked_json_body_is_refused_too(app: RunningApp) -> None:
    content = "x" * (12 * 1024 * 1024)
    body = json.dumps({"model": "tiny-llama", "messages": [{"role": "user", "content": content}]}).encode()
    pieces = iter(body[i:i + (1 << 20)] for i in range(0, len(body), 1 << 20))
    answer = send(app.url, "POST", "/v1/chat/completions", {"Content-Type": "application/json"}, pieces)
    assert answer.status == 413 and json.loads(answer.body)["error"]["code"] == "request_too_large"
    assert "Traceback" not in app.log()


# -- 10. security headers ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("method", "path", "headers"), [
    ("GET", "/", {}), ("GET", "/v1/models", {}), ("GET", "/no/such/page", {}), ("GET", "/gradio_api/info", {}),
    ("GET", "/", {"Host": "evil.example"}),
])
def test_every_response_forbids_framing_and_sniffing(app: RunningApp, method: str, path: str,
                                                     headers: dict[str, str]) -> None:
    answer = send(app.url, method, path, headers)
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers.get(name) == value, (path, name)
    assert "frame-ancestors 'none'" in answer.headers.get("content-security-policy", "")
