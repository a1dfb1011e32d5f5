"""The API's picture uploads (``POST /v1/images/edits`` and ``/v1/images/variations``), attacked against the real
app (a subprocess).

These two routes take ``multipart/form-data``, which a web page's ``<form>`` can send to 127.0.0.1 without
any CORS preflight, where every other /v1 route takes JSON only. So a page on another site must still be
refused (its ``Origin``, ``Sec-Fetch-Site`` or ``Referer``), and, for a browser that sends none of them, the
routes also need an ``Authorization: Bearer`` header, which no form can carry. Uploads are limited by
``--max-upload-mb``; with ``--listen`` the API key is needed.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image

from tests.app_process import RunningApp, running_app
from tests.security.http_client import send, send_head_of_large_body

ROUTES = ["/v1/images/edits", "/v1/images/variations"]
EVIL = "http://evil.example"
BOUNDARY = "----WebKitFormBoundary7MA4YWxkTrZu0gW"  # as Chrome names a form's boundary
KEY = "sk-listen-test"


@pytest.fixture(scope="module")
def app(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    with running_app(models_dir, tmp_path_factory.mktemp("uploads"), extra=["--max-upload-mb", "1"]) as running:
        yield running


@pytest.fixture(scope="module")
def listening(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    extra = ["--listen", "--host", "127.0.0.1", "--auth", "alice:wonderland-7", "--api-key", KEY]
    with running_app(models_dir, tmp_path_factory.mktemp("uploads-listen"), extra=extra) as running:
        yield running


def picture() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (30, 90, 160)).save(buf, format="PNG")
    return buf.getvalue()


def form(fields: dict[str, str], image: bytes | None = None) -> tuple[dict[str, str], bytes]:
    """A multipart body as a browser's form submits it: the fields, then the picture."""
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    if image is not None:
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="cat.png"\r\n'
                     f"Content-Type: image/png\r\n\r\n".encode() + image + b"\r\n")
    return {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}, b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def browser_post(page: str) -> dict[str, str]:
    """What a browser adds to a form a page on ``page`` submits across sites (no Authorization: it cannot)."""
    return {"Origin": page, "Referer": f"{page}/cute-cats.html", "Sec-Fetch-Site": "cross-site",
            "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document", "User-Agent": "Mozilla/5.0"}


def error(answer) -> dict:
    return json.loads(answer.body)["error"]


def own(app: RunningApp) -> str:
    return f"http://{urlsplit(app.url).netloc}"


def drawn(app: RunningApp) -> list[Path]:
    return sorted((Path(app.log_path).parent / "outputs").rglob("*.png"))


# -- another site's page ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("route", ROUTES)
def test_a_cross_site_form_post_is_refused(app: RunningApp, route: str) -> None:
    headers, body = form({"model": "tiny-sd", "prompt": "a cat"}, picture())
    answer = send(app.url, "POST", route, {**headers, **browser_post(EVIL)}, body)
    assert answer.status == 403, answer.text
    assert "evil.example" in error(answer)["message"] and "access-control-allow-origin" not in answer.headers
    assert drawn(app) == []


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("site", [{"Origin": EVIL}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"},
                                  {"Sec-Fetch-Site": "same-site"}, {"Referer": f"{EVIL}/page.html"}])
def test_any_sign_of_another_site_is_refused_even_with_a_bearer_header(app: RunningApp, route: str,
                                                                       site: dict[str, str]) -> None:
    """The site check holds on its own (a script that could add a header would still be another site)."""
    headers, body = form({"model": "tiny-sd", "prompt": "a cat"}, picture())
    answer = send(app.url, "POST", route, {**headers, **site, "Authorization": "Bearer x"}, body)
    assert answer.status == 403, answer.text


@pytest.mark.parametrize("route", ROUTES)
def test_a_form_from_a_browser_that_names_no_site_still_lacks_the_bearer_header(app: RunningApp, route: str) -> None:
    """An old browser (no Origin, no Sec-Fetch-*) on a page that hides its Referer: the form carries no
    Authorization header, and the routes take no form without one."""
    headers, body = form({"model": "tiny-sd", "prompt": "a cat"}, picture())
    for auth in ({}, {"Authorization": "Basic YWxpY2U6cHc="}, {"Authorization": "Bearer "}):
        answer = send(app.url, "POST", route, {**headers, "User-Agent": "Mozilla/4.0", **auth}, body)
        assert answer.status == 401, answer.text
        assert "Authorization: Bearer" in error(answer)["message"]
        assert answer.headers.get("www-authenticate") == "Bearer"
    assert drawn(app) == []


@pytest.mark.parametrize("route", ROUTES)
def test_another_sites_script_gets_no_preflight(app: RunningApp, route: str) -> None:
    answer = send(app.url, "OPTIONS", route, {"Origin": EVIL, "Access-Control-Request-Method": "POST",
                                              "Access-Control-Request-Headers": "authorization"})
    assert answer.status == 403 and "access-control-allow-origin" not in answer.headers


# -- only these two routes take forms -----------------------------------------------------------------------------
@pytest.mark.parametrize("route", ["/v1/images/generations", "/v1/chat/completions", "/v1/models",
                                   "/v1/images/edits/", "/v1/images/edit", "/v1/images/variations/x"])
def test_every_other_api_route_still_takes_json_only(app: RunningApp, route: str) -> None:
    headers, body = form({"model": "tiny-sd", "prompt": "a cat"}, picture())
    answer = send(app.url, "POST", route, {**headers, "Authorization": "Bearer x"}, body)
    assert answer.status == 415 and "application/json" in error(answer)["message"], answer.text


@pytest.mark.parametrize("kind", ["application/json", "text/plain", "application/x-www-form-urlencoded", None])
def test_the_picture_routes_take_forms_only(app: RunningApp, kind: str | None) -> None:
    headers = {"Authorization": "Bearer x", **({"Content-Type": kind} if kind else {})}
    answer = send(app.url, "POST", "/v1/images/edits", headers, b'{"model": "tiny-sd", "prompt": "a cat"}')
    assert answer.status == 415 and "multipart/form-data" in error(answer)["message"], answer.text


# -- programs and the page itself ---------------------------------------------------------------------------------
@pytest.mark.parametrize("route", ROUTES)
def test_a_program_with_a_bearer_header_reaches_the_route(app: RunningApp, route: str) -> None:
    headers, body = form({"model": "no-such-model", "prompt": "a cat"}, picture())
    answer = send(app.url, "POST", route, {**headers, "Authorization": "Bearer anything"}, body)
    assert answer.status == 404 and error(answer)["param"] == "model", answer.text
    page = send(app.url, "POST", route, {**headers, "Authorization": "Bearer anything", "Origin": own(app),
                                         "Sec-Fetch-Site": "same-origin"}, body)
    assert page.status == 404, "LocalAI's own page may use them"


# -- size --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("route", ROUTES)
def test_uploads_are_limited_by_max_upload_mb(app: RunningApp, route: str) -> None:
    limit = 1024 * 1024  # --max-upload-mb 1
    headers, body = form({"model": "tiny-sd", "prompt": "a cat"}, b"\x89PNG" + b"x" * limit)
    headers["Authorization"] = "Bearer x"
    announced = send_head_of_large_body(app.url, route, headers, len(body), body[:1000])
    assert announced.status == 413, "refused by Content-Length, before the body is read"
    assert "--max-upload-mb" in error(announced)["message"] and error(announced)["code"] == "request_too_large"
    # without a Content-Length: refused once more than the limit has come (the last piece is small, so that
    # the whole body is sent before the server answers and closes)
    chunked = send(app.url, "POST", route, headers, iter([body[:limit - 100], body[limit - 100:]]))
    assert chunked.status == 413 and "--max-upload-mb" in error(chunked)["message"]
    under = form({"model": "no-such-model", "prompt": "a cat"}, b"\x89PNG" + b"x" * (limit - 2000))
    assert send(app.url, "POST", route, {**under[0], "Authorization": "Bearer x"}, under[1]).status == 400, \
        "just under the limit is read (and refused for what it is: not a picture)"
    assert "Traceback" not in app.log()


# -- --listen: the key -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("route", ROUTES)
def test_with_listen_the_key_is_needed(listening: RunningApp, route: str) -> None:
    headers, body = form({"model": "no-such-model", "prompt": "a cat"}, picture())
    for auth, says in ((None, "Authorization: Bearer"), ("Bearer sk-wrong", "key is wrong"),
                       (f"Basic {KEY}", "Authorization: Bearer")):
        answer = send(listening.url, "POST", route, {**headers, **({"Authorization": auth} if auth else {})}, body)
        assert answer.status == 401 and says in error(answer)["message"], (auth, answer.text)
    right = send(listening.url, "POST", route, {**headers, "Authorization": f"Bearer {KEY}"}, body)
    assert right.status == 404 and error(right)["param"] == "model", right.text
    cross = send(listening.url, "POST", route, {**headers, **browser_post(EVIL), "Authorization": f"Bearer {KEY}"},
                 body)
    assert cross.status == 403
