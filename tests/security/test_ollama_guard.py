"""Ollama's API (/api/...) behind the same door as /v1, replayed against the real app (a subprocess).

A web page in the user's browser must not reach /api/chat: not by a cross-site form post (which needs no CORS
preflight), not from its own origin, not by rebinding its name to 127.0.0.1. Programs (the ollama client, curl)
send no Origin and get through with the key. The page's own Gradio routes (/gradio_api/...) are not shadowed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app_process import RunningApp, running_app
from tests.security.http_client import send

KEY = "sk-ollama-guard"
AUTH = {"Authorization": f"Bearer {KEY}"}
CHAT = json.dumps({"model": "tiny-llama", "messages": [{"role": "user", "content": "hi"}], "stream": False,
                   "options": {"num_predict": 2}}).encode()


@pytest.fixture(scope="module")
def app(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    with running_app(models_dir, tmp_path_factory.mktemp("ollama-guard"), extra=["--api-key", KEY]) as running:
        yield running


def _error(answer) -> str:
    assert answer.headers["content-type"].startswith("application/json"), answer.text
    body = json.loads(answer.body)
    assert set(body) == {"error"}, body  # Ollama's error shape, not OpenAI's
    return body["error"]


@pytest.mark.parametrize("kind", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                                  None])
def test_a_cross_site_form_post_is_refused(app: RunningApp, kind: str | None) -> None:
    """<form method=post enctype=text/plain action=http://127.0.0.1:7860/api/chat> sends no preflight."""
    headers = {**AUTH, **({"Content-Type": kind} if kind else {})}
    answer = send(app.url, "POST", "/api/chat", headers, CHAT)
    assert answer.status == 415 and "application/json" in _error(answer)


@pytest.mark.parametrize("site", [{"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                                  {"Referer": "http://evil.example/page.html"}])
def test_another_sites_script_is_refused(app: RunningApp, site: dict[str, str]) -> None:
    answer = send(app.url, "POST", "/api/chat", {**AUTH, "Content-Type": "application/json", **site}, CHAT)
    assert answer.status == 403 and "access-control-allow-origin" not in answer.headers
    assert "another web site" in _error(answer)


def test_a_foreign_origin_cannot_read_the_model_list(app: RunningApp) -> None:
    answer = send(app.url, "GET", "/api/tags", {**AUTH, "Origin": "http://evil.example"})
    assert answer.status == 403 and "access-control-allow-origin" not in answer.headers


@pytest.mark.parametrize(("method", "path"), [("POST", "/api/chat"), ("GET", "/api/tags"), ("GET", "/api/version")])
def test_a_rebound_host_name_is_refused(app: RunningApp, method: str, path: str) -> None:
    evil = {"Host": "evil.example:7860", "Origin": "http://evil.example:7860"}
    answer = send(app.url, method, path, {**AUTH, **evil, "Content-Type": "application/json"},
                  CHAT if method == "POST" else None)
    assert answer.status == 403 and "--allowed-hosts evil.example" in _error(answer)


def test_a_program_with_the_key_is_answered_and_without_it_is_not(app: RunningApp) -> None:
    assert send(app.url, "GET", "/api/tags").status == 401
    listed = send(app.url, "GET", "/api/tags", AUTH)
    assert listed.status == 200 and "tiny-llama" in [m["name"] for m in json.loads(listed.body)["models"]]
    answer = send(app.url, "POST", "/api/chat", {**AUTH, "Content-Type": "application/json"}, CHAT)
    assert answer.status == 200, answer.text
    assert json.loads(answer.body)["done"] is True and json.loads(answer.body)["eval_count"] == 2


@pytest.mark.parametrize("body", [b'{"model": "tiny-llama", "messages": [{"role": "user", "content": "x\\ud800"}]}',
                                  b"[" * 100_000 + b"]" * 100_000, b'{"model": "tiny-llama", "messages": [}'])
def test_broken_json_is_a_400_not_a_500(app: RunningApp, body: bytes) -> None:
    answer = send(app.url, "POST", "/api/chat", {**AUTH, "Content-Type": "application/json"}, body)
    assert answer.status == 400 and _error(answer)
    assert "Traceback" not in app.log()


def test_the_page_and_gradios_routes_still_answer(app: RunningApp) -> None:
    assert send(app.url, "GET", "/").status == 200
    info = send(app.url, "GET", "/gradio_api/info")
    assert info.status == 200 and "named_endpoints" in json.loads(info.body)
