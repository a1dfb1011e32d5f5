"""Raw HTTP requests with any headers (a browser's, an attacker's) to an app started by tests.app_process."""

from __future__ import annotations

import http.client
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def send(url: str, method: str, path: str, headers: Mapping[str, str] | None = None,
         body: bytes | Iterable[bytes] | None = None, timeout: float = 60) -> Answer:
    """One request to the server at ``url``; ``Host`` is the server's own unless ``headers`` set one.
    An iterable body goes chunked (no Content-Length)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        all_headers = {"Host": parts.netloc, **(headers or {})}
        chunked = body is not None and not isinstance(body, bytes)
        try:
            conn.request(method, path, body=body, headers=all_headers, encode_chunked=chunked)
        except (BrokenPipeError, ConnectionResetError):  # refused before the whole body was sent: its answer waits
            pass
        resp = conn.getresponse()
        return Answer(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


def send_head_of_large_body(url: str, path: str, headers: Mapping[str, str], total: int,
                            first: bytes) -> Answer:
    """Announce a ``total``-byte body, send only ``first``, then read the answer: a server that
    refuses by ``Content-Length`` answers without waiting for the rest."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.putrequest("POST", path, skip_host=True, skip_accept_encoding=True)
        for name, value in {"Host": parts.netloc, "Content-Length": str(total), **headers}.items():
            conn.putheader(name, value)
        conn.endheaders(first)
        resp = conn.getresponse()
        return Answer(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()
