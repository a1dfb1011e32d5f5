"""Serving details decided before launch: privacy switches, the port, the ``--lang`` middleware
(logins: see auth.py)."""

from __future__ import annotations

import errno
import os
import socket
import sys
from collections.abc import Callable, Sequence
from typing import Any

from .auth import Logins, load_logins  # noqa: F401  (logins live in auth.py; kept importable from here)
from .config import Settings
from .errors import UserError
from .messages import normalize

PRIVACY_ENV = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def apply_privacy_env(settings: Settings, environ: dict | None = None) -> None:
    """Switch off analytics and telemetry (before gradio / huggingface_hub are imported)."""
    env = os.environ if environ is None else environ
    for key, value in PRIVACY_ENV.items():
        env[key] = value
    if settings.offline:
        env["HF_HUB_OFFLINE"] = "1"
        env["TRANSFORMERS_OFFLINE"] = "1"


def port_is_free(host: str, port: int) -> bool:
    """Whether a server could bind ``host:port`` now. Like uvicorn, the probe sets SO_REUSEADDR (not on
    Windows, where it means something else), so a port whose old connections linger in TIME-WAIT after
    a crash counts as free; only a port another program listens on is taken."""
    try:
        family, kind, proto, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as s:
            if sys.platform != "win32":
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(addr)
    except OSError as exc:
        return exc.errno not in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1))
    return True


def find_free_port(host: str, start: int, tries: int = 50) -> int:
    for port in range(start, start + tries):
        if port_is_free(host, port):
            return port
    raise UserError("error.serving.ports_in_use", "hint.serving.other_port", first=start, last=start + tries - 1)


def choose_port(settings: Settings) -> int:
    """The port to serve on: a port given with --port is used as it is, or refused when another program
    has it; only the default port moves on to the next free one."""
    if not settings.port_given:
        return find_free_port(settings.host, settings.port)
    if not port_is_free(settings.host, settings.port):
        raise UserError("error.serving.port_taken", "hint.serving.port_taken", port=settings.port,
                        host=settings.host)
    return settings.port


def lan_urls(host: str, port: int) -> list[str]:
    """Addresses other computers can use: each non-loopback IPv4 address of this computer when
    bound to all interfaces, else the bound host itself. Reads the interfaces; sends nothing."""
    if host not in ("0.0.0.0", "::", ""):
        shown = f"[{host}]" if ":" in host else host
        return [f"http://{shown}:{port}"]
    import psutil  # noqa: PLC0415

    urls = []
    for addrs in psutil.net_if_addrs().values():
        for addr in addrs:
            if addr.family == socket.AF_INET and not addr.address.startswith("127."):
                urls.append(f"http://{addr.address}:{port}")
    return sorted(set(urls))


# --- forcing one language: the ASGI middleware that app.py installs for --lang ------------------------

class ForcedLanguage:
    """Makes every request look as if the browser asked for ``lang``: rewrites ``Accept-Language``,
    and adds a script to the page that makes ``navigator.language`` report ``lang`` before Gradio
    picks its locale (so Gradio's own texts, e.g. the login page, follow too)."""

    def __init__(self, app: Callable, lang: str) -> None:
        self.app = app
        self.lang = normalize(lang)
        self.header = b"ru-RU,ru;q=0.9" if self.lang == "ru" else b"en-US,en;q=0.9"
        self.script = ("<script>(()=>{const l=%r;try{Object.defineProperty(Navigator.prototype,'language',"
                       "{get:()=>l,configurable:true});Object.defineProperty(Navigator.prototype,'languages',"
                       "{get:()=>[l],configurable:true});}catch(e){}})();</script>"
                       % ("ru-RU" if self.lang == "ru" else "en-US")).encode()

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"accept-language"]
        scope = {**scope, "headers": [*headers, (b"accept-language", self.header)]}
        if scope["type"] != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, self._inject(send))

    def _inject(self, send: Callable) -> Callable:
        """Buffer an HTML response and put the script right after ``<head>``; pass others through."""
        start: dict | None = None
        chunks: list[bytes] = []

        async def wrapped(message: dict) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = {k.lower(): v for k, v in message.get("headers", [])}
                if b"text/html" in headers.get(b"content-type", b"") and b"content-encoding" not in headers:
                    start = message
                    return
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            at = body.find(b"<head>")
            if at >= 0:
                body = body[: at + 6] + self.script + body[at + 6:]
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body, "more_body": False})

        return wrapped


def language_middleware(forced: str | None) -> Sequence[Any]:
    """What app.py adds to ``launch(app_kwargs={"middleware": ...})``: nothing unless ``--lang`` is set."""
    if not forced:
        return []
    from starlette.middleware import Middleware  # noqa: PLC0415

    return [Middleware(ForcedLanguage, lang=forced)]
