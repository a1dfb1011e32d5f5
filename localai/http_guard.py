"""The server's outermost door (ASGI middleware): which requests are answered at all.

In order, for every HTTP request and WebSocket handshake:

1. ``Host`` must be a name of this computer (``site_policy.SitePolicy``): a page that rebinds its
   own name to 127.0.0.1 gets 403 (DNS rebinding).
2. A request from another web site is refused with 403: a foreign ``Origin``, or for a request
   that changes something (POST, PUT, PATCH, DELETE) without one, ``Sec-Fetch-Site: cross-site``
   or a foreign ``Referer``. ``--cors-origin`` lets a listed site in; its CORS headers are the only
   ones sent (Gradio's own CORS middleware echoes any origin to a non-local ``Host``).
3. ``/v1`` and ``/api`` (Ollama's API) requests with a body must be ``Content-Type: application/json`` (a
   cross-site form post sends ``text/plain`` without a CORS preflight): 415 otherwise. The two picture routes
   of OpenAI's API (``FORM_ROUTES``: /v1/images/edits, /v1/images/variations) take ``multipart/form-data``
   instead, which a web page's form can send too; so they also need an ``Authorization: Bearer`` header (any value when
   there is no --api-key), which a form cannot send and a cross-site script cannot send without a CORS
   preflight (refused in 2): 401 without one. Browsers never add a Bearer header by themselves (they may
   add the Basic credentials of a proxy in front).
4. Bodies are limited: ``/v1`` to ``API_BODY_MB``, Gradio's upload route and ``FORM_ROUTES`` to
   ``--max-upload-mb``, everything else to ``API_BODY_MB``: 413, by ``Content-Length`` before reading, or
   while reading.
5. Every response gets ``X-Frame-Options: DENY``, ``Content-Security-Policy: frame-ancestors 'none'``
   (no framing: clickjacking), ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``.

Refusals are plain text in the request's language (OpenAI-style JSON in English under ``/v1``, Ollama's
``{"error": ...}`` under ``/api``).
``http_guard_kwargs`` puts the guard outside all of Gradio's middleware, before the server listens.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from .asgi_request import BodyTooLarge, read_body, replay
from .config import Settings
from .errors import UserError
from .messages import language_from_header, normalize, render
from .options import API_BODY_MB
from .site_policy import SitePolicy, site_policy, split_host

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
UPLOAD_PATH = "/gradio_api/upload"
FORM_ROUTES = frozenset({"/v1/images/edits", "/v1/images/variations"})  # /v1 routes that take multipart/form-data
API_PREFIXES = ("/v1/", "/api/")  # the OpenAI and Ollama APIs: JSON only, read first (Gradio's: /gradio_api/)
MB = 1024 * 1024
SECURITY_HEADERS = (
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)


class Refused(UserError):
    status = 403
    code = "forbidden"


class UnsupportedMediaType(UserError):
    status = 415
    code = "unsupported_media_type"


class TooLarge(UserError):
    status = 413
    code = "request_too_large"


class NoBearer(UserError):
    status = 401
    code = "missing_authorization"


@dataclass(frozen=True)
class BodyLimits:
    api_bytes: int  # /v1 and the page's own requests
    upload_bytes: int  # Gradio's upload route (--max-upload-mb)

    def for_path(self, path: str) -> int:
        return self.upload_bytes if _takes_uploads(path) else self.api_bytes


def _takes_uploads(path: str) -> bool:
    return path.rstrip("/") == UPLOAD_PATH or path in FORM_ROUTES


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def _mb(size: int) -> str:
    return f"{size / MB:.1f} MB" if size < 10 * MB else f"{size // MB} MB"


class HttpGuard:
    """ASGI middleware; see the module's docstring for what it refuses and adds."""

    def __init__(self, app: ASGIApp, policy: SitePolicy, limits: BodyLimits, lang: str | None = None) -> None:
        self.app = app
        self.policy = policy
        self.limits = limits
        self.lang = lang  # --lang, else each request's Accept-Language

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        origin = _header(scope, b"origin")
        try:
            self.check_site(scope, origin)
            if scope["type"] == "http":
                self.check_body(scope)
        except UserError as exc:
            await self.refuse(scope, receive, send, exc)
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        cors = origin is not None and self.policy.cors_allowed(origin) and not self.policy.same_origin(
            origin, _header(scope, b"host"))
        if cors and scope["method"] == "OPTIONS" and _header(scope, b"access-control-request-method"):
            await self.preflight(scope, send, origin)
            return
        await self.pass_on(scope, receive, send, origin if cors else None)

    # -- 1, 2: whose request is it ----------------------------------------------------------------------
    def check_site(self, scope: Scope, origin: str | None) -> None:
        host = _header(scope, b"host")
        if not self.policy.host_allowed(host):
            raise Refused("error.http.foreign_host", "hint.http.foreign_host", host=host or "",
                          name=split_host(host or "")[0] or "NAME")
        if origin is not None:
            if not self.policy.origin_allowed(origin, host):
                raise Refused("error.http.foreign_origin", "hint.http.foreign_origin", origin=origin)
            return
        if scope["type"] == "http" and scope["method"] in UNSAFE_METHODS:
            referer = _header(scope, b"referer")
            cross_site = (_header(scope, b"sec-fetch-site") or "").lower() in ("cross-site", "same-site")
            if cross_site or referer is not None and not self.policy.origin_allowed(_origin_of(referer), host):
                raise Refused("error.http.cross_site", "hint.http.cross_site")

    # -- 3, 4: what it sends ----------------------------------------------------------------------------
    def check_body(self, scope: Scope) -> None:
        path, method = scope.get("path", ""), scope["method"]
        if path.startswith(API_PREFIXES) and method in UNSAFE_METHODS - {"DELETE"}:
            kind = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
            if path in FORM_ROUTES:
                if kind != "multipart/form-data":
                    raise UnsupportedMediaType("error.http.form_required", "hint.http.form_required",
                                               got=kind or "none", path=path)
                scheme, _, token = (_header(scope, b"authorization") or "").strip().partition(" ")
                if scheme.lower() != "bearer" or not token.strip():
                    raise NoBearer("error.http.form_needs_bearer", "hint.http.form_needs_bearer")
            elif kind != "application/json":
                raise UnsupportedMediaType("error.http.json_required", "hint.http.json_required",
                                           got=kind or "none")
        length = _header(scope, b"content-length")
        limit = self.limits.for_path(path)
        if length is not None and length.strip().isdigit() and int(length) > limit:
            raise self.too_large(path, int(length), limit)

    def too_large(self, path: str, size: int | None, limit: int) -> TooLarge:
        if _takes_uploads(path):
            return TooLarge("error.http.upload_too_large", "hint.http.upload_too_large",
                            size=_mb(size) if size else f"> {_mb(limit)}", limit=_mb(limit))
        return TooLarge("error.http.body_too_large", "hint.http.body_too_large",
                        size=_mb(size) if size else f"> {_mb(limit)}", limit=_mb(limit))

    # -- answering ---------------------------------------------------------------------------------------
    async def refuse(self, scope: Scope, receive: Receive, send: Send, exc: UserError) -> None:
        log.info("refused %s %s (Host %s): %s", scope.get("method", "WEBSOCKET"), scope.get("path", ""),
                 _header(scope, b"host"), exc.message)
        if scope["type"] == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008})  # before accept: the server answers 403
            return
        if scope.get("path", "").startswith("/v1/"):
            from .api import error_body  # noqa: PLC0415  (the API's one error shape; api.py imports FastAPI)

            body, kind = json.dumps(error_body(exc)).encode("utf-8"), b"application/json"
        elif scope.get("path", "").startswith("/api/"):  # Ollama's error shape
            body, kind = json.dumps({"error": str(exc)}).encode("utf-8"), b"application/json"
        else:
            lang = normalize(self.lang) if self.lang else language_from_header(_header(scope, b"accept-language"))
            body, kind = render(exc, lang).encode("utf-8"), b"text/plain; charset=utf-8"
        headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode()), *SECURITY_HEADERS]
        if exc.status == 413:
            headers.append((b"connection", b"close"))  # the rest of the body is not read
        elif exc.status == 401:
            headers.append((b"www-authenticate", b"Bearer"))
        await send({"type": "http.response.start", "status": exc.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def preflight(self, scope: Scope, send: Send, origin: str) -> None:
        headers = [(b"access-control-allow-origin", origin.encode("latin-1")), (b"vary", b"Origin"),
                   (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
                   (b"access-control-allow-headers", b"authorization, content-type"),
                   (b"access-control-max-age", b"600"), (b"content-length", b"0"), *SECURITY_HEADERS]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    async def pass_on(self, scope: Scope, receive: Receive, send: Send, cors_origin: str | None) -> None:
        """Call the app with a body counted against the limit and the response's headers fixed. A /v1
        body is read here first (it is small, and the API then never sees a cut-off one)."""
        limit, path = self.limits.for_path(scope.get("path", "")), scope.get("path", "")
        if path.startswith(API_PREFIXES) and scope["method"] in UNSAFE_METHODS:
            try:
                body = await read_body(receive, limit)
            except BodyTooLarge:
                await self.refuse(scope, receive, send, self.too_large(path, None, limit))
                return
            if body is None:
                return  # the client left before sending its whole body
            receive = replay(body, receive)
        state = {"read": 0, "over": False, "started": False}

        async def counted_receive() -> MutableMapping[str, Any]:
            if state["over"]:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                state["read"] += len(message.get("body", b""))
                if state["read"] > limit:
                    state["over"] = True
                    return {"type": "http.disconnect"}  # the app sees a client that went away
            return message

        async def fixed_send(message: MutableMapping[str, Any]) -> None:
            if state["over"] and not state["started"]:
                return  # the app's answer to a cut-off body is replaced by the 413 below
            if message["type"] == "http.response.start":
                state["started"] = True
                message["headers"] = _response_headers(message.get("headers", []), cors_origin)
            await send(message)

        try:
            await self.app(scope, counted_receive, fixed_send)
        except Exception:  # noqa: BLE001
            if not state["over"]:
                raise
            log.info("%s %s: the body was cut off at its limit", scope["method"], path)  # the app's reaction to it
        if state["over"] and not state["started"]:
            await self.refuse(scope, receive, send, self.too_large(path, None, limit))


def _origin_of(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}" if sep else "null"


def _response_headers(headers: Any, cors_origin: str | None) -> list[tuple[bytes, bytes]]:
    """The app's headers without any CORS header of its own, with ours and the security headers."""
    kept = [(k, v) for k, v in headers if not k.lower().startswith(b"access-control-")
            and k.lower() not in {name for name, _ in SECURITY_HEADERS}]
    if cors_origin is not None:
        kept += [(b"access-control-allow-origin", cors_origin.encode("latin-1")), (b"vary", b"Origin")]
    return [*kept, *SECURITY_HEADERS]


def guard_for(settings: Settings) -> Callable[[ASGIApp], HttpGuard]:
    """What wraps the server's app: the site policy and body limits of this run."""
    policy = site_policy(settings)
    limits = BodyLimits(api_bytes=API_BODY_MB * MB, upload_bytes=settings.max_upload_mb * MB)
    return lambda app: HttpGuard(app, policy, limits, settings.lang)


def http_guard_kwargs(settings: Settings, app_kwargs: dict[str, Any]) -> dict[str, Any]:
    """``app_kwargs`` for ``Blocks.launch`` with the guard outermost and FastAPI's route listing off.

    Gradio adds its CORS and compression middleware outside the ones in ``app_kwargs``, so the guard
    is put around the app's whole middleware stack in its lifespan start-up: Starlette builds the stack
    for that first call, and uvicorn opens the port only after start-up, so no request passes unguarded.
    """
    wrap = guard_for(settings)
    earlier = app_kwargs.get("lifespan")

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[Any]:
        app.middleware_stack = wrap(app.middleware_stack or app.build_middleware_stack())
        if earlier is None:
            yield None
        else:
            async with earlier(app) as value:
                yield value

    return {**app_kwargs, "lifespan": lifespan, "openapi_url": None}  # /openapi.json listed every route
