"""``POST /login`` through the app's ``LoginThrottle`` (login_throttle.py).

Gradio's auth callback gets only the name and the password, so the throttle sits in front of
Gradio's login route as ASGI middleware: it reads the form's user name and the client's address,
refuses at once with a 429 (``Retry-After`` and a message that says when to try again) an attempt
the throttle does not allow, and otherwise lets Gradio check the password and records the outcome
(200: logged in; anything else, or a dropped connection: a wrong password).

The client address is the connection's, as uvicorn reports it: from a reverse proxy on this computer
(127.0.0.1 / ::1) the one the proxy names in ``X-Forwarded-For``, from anywhere else the connection's
own (a client's own ``X-Forwarded-For`` is ignored). Either way the per-name limit holds.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from .asgi_request import BodyTooLarge, header, read_body, replay
from .login_throttle import LoginThrottle, Refusal
from .messages import language_from_header, text

LOGIN_PATHS = ("/login", "/login/")
MAX_FORM_BYTES = 64 * 1024


async def form_user(scope: dict, body: bytes) -> str:
    """The ``username`` field of a login form (urlencoded or multipart); "" when there is none."""
    from starlette.requests import Request  # noqa: PLC0415

    try:
        async with Request(scope, replay(body, _no_more)).form(max_files=0, max_fields=20) as form:
            value = form.get("username")
    except Exception:  # noqa: BLE001 - a malformed form: Gradio answers it; we throttle it by address
        return ""
    return value.strip() if isinstance(value, str) else ""


async def _no_more() -> dict:
    return {"type": "http.disconnect"}


def refusal_text(refusal: Refusal, lang: str) -> str:
    if refusal.locked_out:
        return text(lang, "error.login.locked", time=time.strftime("%H:%M", time.localtime(refusal.retry_at)),
                    minutes=max(1, math.ceil(refusal.retry_after_s / 60)))
    return text(lang, "error.login.wait", seconds=refusal.retry_after_s)


class LoginThrottleMiddleware:
    """ASGI middleware: login attempts go through ``throttle`` (one owned by the app)."""

    def __init__(self, app: Any, throttle: LoginThrottle) -> None:
        self.app = app
        self.throttle = throttle

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or scope.get("path") not in LOGIN_PATHS:
            await self.app(scope, receive, send)
            return
        from starlette.responses import JSONResponse  # noqa: PLC0415

        lang = language_from_header(header(scope, b"accept-language"))
        try:
            body = await read_body(receive, MAX_FORM_BYTES)
        except BodyTooLarge:
            await JSONResponse({"detail": text(lang, "error.login.form_too_large")}, status_code=413)(
                scope, receive, send)
            return
        if body is None:
            return
        address = (scope.get("client") or ("?", 0))[0]
        verdict = self.throttle.begin(await form_user(scope, body), address)
        if isinstance(verdict, Refusal):
            await JSONResponse({"detail": refusal_text(verdict, lang)}, status_code=429,
                               headers={"Retry-After": str(verdict.retry_after_s)})(scope, receive, send)
            return
        status: list[int] = []

        async def watch(message: dict) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        try:
            await self.app(scope, replay(body, receive), watch)
        finally:
            self.throttle.finish(verdict, status[:1] == [200])
