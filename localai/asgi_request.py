"""Small helpers for ASGI middleware that must read a request before the app does."""

from __future__ import annotations

from collections.abc import Callable


class BodyTooLarge(Exception):
    """The request body is longer than the reader's limit."""


def header(scope: dict, name: bytes) -> str:
    """A request header's value ("" when absent); ``name`` in lower case."""
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


async def read_body(receive: Callable, limit: int | None = None) -> bytes | None:
    """The whole request body; None when the client went away first. Raises ``BodyTooLarge``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            raise BodyTooLarge(size)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def replay(body: bytes, receive: Callable) -> Callable:
    """A ``receive`` that gives ``body`` once, then waits on the real one (for the disconnect)."""
    sent = False

    async def again() -> dict:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again
