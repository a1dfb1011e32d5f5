"""File inputs take uploads only: an event whose file value names a web address is refused.

Gradio's file components (``gr.File``, ``gr.UploadButton``, ``gr.Image``, ...) take a value
``{"path": ..., "meta": {"_type": "gradio.FileData"}}``. The page puts there the path of a file it
uploaded first (``/gradio_api/upload``), but a client may write ``"path": "https://..."`` and
Gradio then downloads that address before our handler runs (``Block.async_move_resource_to_block_cache``,
from ``processing_utils.async_move_files_to_cache`` in ``Blocks.preprocess_data``): the server
would contact another host, ``--offline`` or not.

``NoUrlFileInputs`` reads the JSON body of every POST to Gradio's routes (``/gradio_api/...``: the
queue, ``run``, ``call``) before Gradio does and refuses it with a 400 and a plain message when a
file value's ``path`` is a web address (any ``scheme://`` or ``//host``), or its ``url`` names another
host than the one the request was sent to (the page sends back only the ``url``s this server made).
Uploads (multipart bodies) and everything outside ``/gradio_api/`` pass untouched.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from .asgi_request import header, read_body, replay
from .messages import language_from_header, text

WEB_ADDRESS = re.compile(r"^\s*(?:[a-z][a-z0-9+.\-]*:)?[\\/]{2}", re.IGNORECASE)
GRADIO_PREFIX = "/gradio_api/"


def _dicts(data: Any) -> Iterator[dict]:
    """Every dict inside ``data``, without recursion (a deeply nested body cannot overflow the stack)."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _host(address: str) -> str:
    try:
        return (urlsplit(address.strip()).hostname or "").lower()
    except ValueError:
        return "?"


def names_web_file(data: Any, own_host: str) -> bool:
    """Does a file value in ``data`` point at a web address (other than this server, for ``url``)?"""
    for item in _dicts(data):
        path, url = item.get("path"), item.get("url")
        if isinstance(path, str) and WEB_ADDRESS.match(path):
            return True
        if isinstance(path, str) and isinstance(url, str) and WEB_ADDRESS.match(url) and _host(url) != own_host:
            return True
    return False


class NoUrlFileInputs:
    """ASGI middleware: refuse Gradio events whose file values are web addresses (see the module text)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if (scope["type"] != "http" or scope.get("method") != "POST"
                or not scope.get("path", "").startswith(GRADIO_PREFIX)
                or header(scope, b"content-type").lower().startswith("multipart/")):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        if body is None:
            return
        try:
            data = json.loads(body) if body.strip() else None
        except (ValueError, RecursionError):
            data = None  # not JSON: Gradio refuses it itself
        own = header(scope, b"x-forwarded-host").split(",")[0] or header(scope, b"host")
        if data is not None and names_web_file(data, _host("//" + own.strip())):
            from starlette.responses import JSONResponse  # noqa: PLC0415

            lang = language_from_header(header(scope, b"accept-language"))
            await JSONResponse({"detail": text(lang, "error.upload_only")}, status_code=400)(scope, receive, send)
            return
        await self.app(scope, replay(body, receive), send)
