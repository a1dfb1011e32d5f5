"""--listen: before logging in, a client learns nothing about the app beyond the login form."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app_process import RunningApp, running_app
from tests.security.http_client import send

LOGIN = ("alice", "wonderland-7")


@pytest.fixture(scope="module")
def app(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    extra = ["--listen", "--host", "127.0.0.1", "--auth", ":".join(LOGIN), "--api-key", "sk-test"]
    with running_app(models_dir, tmp_path_factory.mktemp("listen"), extra=extra) as running:
        yield running


def test_the_login_page_describes_no_endpoint_and_names_no_model(app: RunningApp) -> None:
    page = send(app.url, "GET", "/")
    assert page.status == 200
    for secret in ("tiny-llama", "tiny-qwen2", "/send", "parameter_name", "chat.input"):
        assert secret not in page.text, secret
    assert '"auth_required":true' in page.text.replace(" ", "")


@pytest.mark.parametrize("path", ["/openapi.json", "/docs", "/redoc", "/gradio_api/info", "/gradio_api/openapi.json",
                                  "/config", "/gradio_api/runs", "/v1/models", "/gradio_api/info?all_endpoints=true"])
def test_no_api_description_before_login(app: RunningApp, path: str) -> None:
    answer = send(app.url, "GET", path)
    assert answer.status != 200 or path == "/gradio_api/runs", (path, answer.status)
    for secret in ("tiny-llama", "/send", "/v1/chat/completions", "parameter_name"):
        assert secret not in answer.text, (path, secret)


def test_after_login_the_page_has_its_components(app: RunningApp) -> None:
    login = send(app.url, "POST", "/login", {"Content-Type": "application/x-www-form-urlencoded",
                                             "Origin": app.url.rstrip("/")},
                 f"username={LOGIN[0]}&password={LOGIN[1]}".encode())
    assert login.status == 200, login.text
    cookie = "; ".join(part.split(";")[0] for part in [login.headers["set-cookie"]])
    config = send(app.url, "GET", "/config", {"Cookie": cookie})
    assert config.status == 200 and json.loads(config.body)["components"]
    assert "tiny-llama" in config.text  # the logged-in page still lists the models
    assert "/openapi.json" not in send(app.url, "GET", "/openapi.json", {"Cookie": cookie}).text


def test_uploads_need_a_login(app: RunningApp) -> None:
    boundary = "----localai-test"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n\r\nhello\r\n"
            f"--{boundary}--\r\n").encode()
    answer = send(app.url, "POST", "/gradio_api/upload", {"Content-Type": f"multipart/form-data; boundary={boundary}"},
                  body)
    assert answer.status == 401
