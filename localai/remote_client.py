"""Talking to one OpenAI-compatible server: its model list, a streamed chat answer, a JSON call.

One ``RemoteClient`` per server keeps its connections open between requests (no new handshake per
answer). Every failure becomes one of ``remote_errors``' plain errors; cancelling a job shuts the
connection down at once (the server sees the client leave and stops generating).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from .errors import first_line
from .jobs import CancelToken
from .options import ChatOptions
from .remote_errors import (
    RemoteBadReply, RemoteDropped, RemoteError, RemoteFailed, RemoteModelGone, RemoteRefused, RemoteTimeout,
    RemoteUnreachable, RemoteWrongKey,
)
from .remote_servers import RemoteServer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RemoteTimeouts:
    connect_s: float = 5.0  # to open a connection
    first_token_s: float = 300.0  # waiting for the server to start (a long prompt on a big model) or between chunks
    check_s: float = 5.0  # a health check's whole call


def timeouts_from_env(env: Mapping[str, str] | None = None) -> RemoteTimeouts:
    """Defaults, with ``LOCALAI_REMOTE_TIMEOUT_S`` (seconds to wait for an answer to start) when set."""
    value = (env if env is not None else os.environ).get("LOCALAI_REMOTE_TIMEOUT_S", "")
    try:
        return RemoteTimeouts(first_token_s=max(0.1, float(value))) if value else RemoteTimeouts()
    except ValueError:
        return RemoteTimeouts()


@dataclass(frozen=True)
class CallHints:
    """What a route's errors say beyond the common ones: the hint of a refusal and of a dropped connection,
    and, for a route not every server has, the error (and hint) of a 404/405 that means "no such route"
    rather than "no such model"."""

    refused: str = "hint.remote.refused"
    dropped: str = "hint.remote.dropped"
    no_route: str = ""
    no_route_hint: str = ""


CHAT_HINTS = CallHints()


@dataclass(frozen=True)
class RemoteModel:
    id: str  # what the server calls it
    kind: str  # "text" | "image" (a LocalAI's /v1/models says "kind"; other servers serve chat models)


@dataclass(frozen=True)
class StreamedAnswer:
    text: str
    finish_reason: str  # "stop" | "length" | "cancelled"
    prompt_tokens: int
    completion_tokens: int  # the server's count, else the chunks received
    seconds: float
    first_token_seconds: float


def chat_body(model_id: str, messages: Sequence[dict], options: ChatOptions) -> dict[str, Any]:
    """The OpenAI request for ``options``; values that are off are left out (servers differ in what they take)."""
    body: dict[str, Any] = {"model": model_id, "messages": list(messages), "stream": True,
                            "stream_options": {"include_usage": True},
                            "temperature": options.temperature, "top_p": options.top_p,
                            "max_tokens": options.max_new_tokens}
    if options.seed >= 0:
        body["seed"] = options.seed
    if options.stop:
        body["stop"] = list(options.stop)
    if options.top_k > 0:
        body["top_k"] = options.top_k  # vLLM, llama.cpp and LocalAI take it; others ignore it
    if options.repetition_penalty != 1.0:
        body["repetition_penalty"] = options.repetition_penalty
    if options.frequency_penalty:
        body["frequency_penalty"] = options.frequency_penalty
    if options.presence_penalty:
        body["presence_penalty"] = options.presence_penalty
    if options.response_format is not None:  # JSON mode / schema: the server constrains its own decoding
        from .structured_output import wire_form  # noqa: PLC0415

        body["response_format"] = wire_form(options.response_format)
    return body


class RemoteClient:
    """The HTTP side of one server (thread-safe: several requests may run at once)."""

    def __init__(self, server: RemoteServer, timeouts: RemoteTimeouts = RemoteTimeouts()) -> None:
        import httpx  # noqa: PLC0415

        self.server = server
        self.timeouts = timeouts
        headers = {"Authorization": f"Bearer {server.key}"} if server.key else {}
        timeout = httpx.Timeout(timeouts.first_token_s, connect=timeouts.connect_s)
        self._http = httpx.Client(base_url=server.url + "/", headers=headers, trust_env=False, timeout=timeout,
                                  limits=httpx.Limits(max_connections=16, max_keepalive_connections=4))
        # Answers get a connection of their own each (a local TCP connect costs well under a millisecond):
        # then the socket is known from the moment it connects, and Stop can shut it while the server is
        # still reading the prompt, before any reply has begun.
        self._streams = httpx.Client(base_url=server.url + "/", headers=headers, trust_env=False, timeout=timeout,
                                     limits=httpx.Limits(max_connections=256, max_keepalive_connections=0))

    def close(self) -> None:
        self._http.close()
        self._streams.close()

    # -- the calls --------------------------------------------------------------------------------------
    def models(self) -> tuple[list[RemoteModel], float]:
        """The server's models (``GET /v1/models``) and how long the call took, in milliseconds."""
        import httpx  # noqa: PLC0415

        started = time.perf_counter()
        with self._request("GET", "models", timeout=httpx.Timeout(self.timeouts.check_s)) as response:
            body = self._json(response)
        latency_ms = (time.perf_counter() - started) * 1000
        try:
            entries = body["data"]
            found = [RemoteModel(str(m["id"]), "image" if m.get("kind") == "image" else "text")
                     for m in entries if isinstance(m, dict) and m.get("kind") in (None, "chat", "text", "image")]
        except (KeyError, TypeError):
            raise self._bad_reply("no model list") from None
        return found, latency_ms

    def post_json(self, path: str, body: dict[str, Any], cancel: CancelToken, *, model: str = "",
                  hints: CallHints = CHAT_HINTS) -> dict[str, Any] | None:
        """``POST /v1/<path>`` with a JSON body (``model``: the model it asks for): the JSON reply, or None when
        ``cancel`` shut the connection (at once, even while the server is still working on it)."""
        try:
            with self._request("POST", path, json=body, cancel=cancel, model=model, hints=hints) as response:
                reply = self._json(response)
        except RemoteError:
            if cancel.cancelled:
                return None  # the error is our own closing of the connection
            raise
        return None if cancel.cancelled else reply

    def stream_chat(self, model_id: str, messages: Sequence[dict], options: ChatOptions, cancel: CancelToken,
                    on_text: Callable[[str], None], on_start: Callable[[], None] | None = None) -> StreamedAnswer:
        """A streamed ``POST /v1/chat/completions``: each piece of text to ``on_text`` as it arrives. An error
        after text arrived carries that text (``RemoteError.partial``); a cancelled job returns what it had."""
        answer = _Answer(time.perf_counter(), on_text)
        try:
            with self._request("POST", "chat/completions", json=chat_body(model_id, messages, options),
                               cancel=cancel, model=model_id) as response:
                if on_start is not None:
                    on_start()
                if "text/event-stream" not in response.headers.get("content-type", ""):
                    answer.whole(*self._whole_answer(self._json(response)))  # a server that does not stream
                else:
                    self._stream_into(answer, response, cancel)
        except RemoteError as exc:
            if not cancel.cancelled:
                raise exc.with_partial(answer.text) from None
        return answer.result("cancelled" if cancel.cancelled else None)

    def _stream_into(self, answer: _Answer, response: Any, cancel: CancelToken) -> None:
        """Read a server-sent-event stream into ``answer`` until ``data: [DONE]``, the end, or ``cancel``."""
        for line in response.iter_lines():
            if cancel.cancelled:
                return
            if not line.startswith("data:"):
                continue  # comments (": ping"), event names, blank separators
            data = line[5:].strip()
            if data == "[DONE]":
                return
            event = _maybe_json(data.encode())
            if not isinstance(event, dict):
                raise self._bad_reply("a stream event that is not JSON")
            if "error" in event:
                raise RemoteFailed("error.remote.failed_stream", "hint.remote.failed", server=self.server.name,
                                   error=_error_text(event))
            answer.event(event)
        if not answer.finished and not cancel.cancelled:  # no [DONE], no finish_reason: it was cut off
            raise RemoteDropped("error.remote.dropped", "hint.remote.dropped", server=self.server.name,
                                url=self.server.url, error="the stream ended before the answer did")

    # -- the plumbing -----------------------------------------------------------------------------------
    @contextmanager
    def _request(self, method: str, path: str, *, json: Any = None, timeout: Any = None,
                 cancel: CancelToken | None = None, model: str = "", hints: CallHints = CHAT_HINTS) -> Iterator[Any]:
        """One request, its response open inside the block; errors become plain ones."""
        import httpx  # noqa: PLC0415

        server = self.server
        http = self._http if cancel is None else self._streams
        sockets: list[Any] = []

        def trace(event: str, info: dict) -> None:  # httpx's trace extension: the socket, once connected
            if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):  # TLS: its own socket
                sockets.append(info["return_value"])
                if cancel is not None and cancel.cancelled:
                    _shut(sockets)

        forget = cancel.when_cancelled(lambda: _shut(sockets)) if cancel is not None else (lambda: None)
        try:
            request = http.build_request(method, path, json=json, extensions={"trace": trace},
                                         **({"timeout": timeout} if timeout is not None else {}))
            response = http.send(request, stream=True)
        except httpx.TimeoutException as exc:
            forget()
            waited = self.timeouts.connect_s if isinstance(exc, httpx.ConnectTimeout) else self.timeouts.first_token_s
            if timeout is not None:
                waited = self.timeouts.check_s
            raise RemoteTimeout("error.remote.timeout", "hint.remote.timeout", server=server.name, url=server.url,
                                seconds=f"{waited:g}") from None
        except (httpx.TransportError, OSError) as exc:
            forget()
            if sockets and not isinstance(exc, httpx.ConnectError):  # connected, then gone before it replied
                raise RemoteDropped("error.remote.dropped", hints.dropped, server=server.name, url=server.url,
                                    error=_plain(exc)) from None
            raise RemoteUnreachable("error.remote.unreachable", "hint.remote.unreachable", server=server.name,
                                    url=server.url, error=_plain(exc)) from None
        try:
            self._check_status(response, model, hints)
            yield response
        except httpx.TimeoutException:
            raise RemoteTimeout("error.remote.timeout", "hint.remote.timeout", server=server.name, url=server.url,
                                seconds=f"{self.timeouts.first_token_s:g}") from None
        except (httpx.TransportError, httpx.StreamError, OSError) as exc:
            if cancel is not None and cancel.cancelled:
                return  # we shut it ourselves
            raise RemoteDropped("error.remote.dropped", hints.dropped, server=server.name, url=server.url,
                                error=_plain(exc)) from None
        finally:
            forget()
            response.close()

    def _check_status(self, response: Any, model: str, hints: CallHints) -> None:
        status = response.status_code
        if status < 400:
            return
        response.read()
        reply = _maybe_json(response.content)
        said = _error_text(reply) or response.reason_phrase or str(status)
        name = self.server.name
        if status in (401, 403):
            raise RemoteWrongKey("error.remote.wrong_key", "hint.remote.wrong_key", server=name, url=self.server.url,
                                 status=status)
        if status in (404, 405) and hints.no_route and _no_such_route(status, reply):
            raise RemoteBadReply(hints.no_route, hints.no_route_hint, server=name, url=self.server.url)
        if status == 404:
            if model:
                raise RemoteModelGone("error.remote.model_gone", "hint.remote.model_gone", server=name, model=model)
            raise self._bad_reply(f"HTTP 404: {said}")
        if status in (400, 413, 422):
            raise RemoteRefused("error.remote.refused", hints.refused, server=name, error=said)
        raise RemoteFailed("error.remote.failed", "hint.remote.failed", server=name, status=status, error=said)

    def _json(self, response: Any) -> dict[str, Any]:
        response.read()
        body = _maybe_json(response.content)
        if not isinstance(body, dict):
            raise self._bad_reply("not JSON")
        return body

    def _whole_answer(self, body: dict) -> tuple[str, str, dict]:
        """(text, finish reason, usage) of a reply that came whole."""
        try:
            choice = body["choices"][0]
            usage = body.get("usage") or {}
            return str(choice["message"].get("content") or ""), choice.get("finish_reason") or "stop", usage
        except (KeyError, IndexError, TypeError, AttributeError):
            if "error" in body:
                raise RemoteFailed("error.remote.failed_stream", "hint.remote.failed", server=self.server.name,
                                   error=_error_text(body)) from None
            raise self._bad_reply("no choices in the answer") from None

    def _bad_reply(self, detail: str) -> RemoteBadReply:
        return RemoteBadReply("error.remote.bad_reply", "hint.remote.bad_reply", server=self.server.name,
                              url=self.server.url, detail=detail)


class _Answer:
    """An answer as it arrives: its text, timings, finish reason and the server's token counts."""

    def __init__(self, started: float, on_text: Callable[[str], None]) -> None:
        self.started = started
        self.on_text = on_text
        self.pieces: list[str] = []
        self.first_s = 0.0
        self.finish: str | None = None
        self.usage: dict = {}

    @property
    def text(self) -> str:
        return "".join(self.pieces)

    @property
    def finished(self) -> bool:
        return self.finish is not None

    def add(self, piece: str) -> None:
        if piece:
            if not self.pieces:
                self.first_s = time.perf_counter() - self.started
            self.pieces.append(piece)
            self.on_text(piece)

    def event(self, event: dict) -> None:
        if isinstance(event.get("usage"), dict):
            self.usage = event["usage"]
        for choice in event.get("choices") or ():
            if isinstance(choice, dict):
                self.add(str((choice.get("delta") or {}).get("content") or ""))
                self.finish = choice.get("finish_reason") or self.finish

    def whole(self, text: str, finish: str, usage: dict) -> None:
        self.add(text)
        self.finish, self.usage = finish, usage if isinstance(usage, dict) else {}

    def result(self, finish: str | None = None) -> StreamedAnswer:
        reason = finish or self.finish or "stop"
        completion = int(self.usage.get("completion_tokens") or len(self.pieces))
        return StreamedAnswer(self.text, reason if reason in ("stop", "length", "cancelled") else "stop",
                              int(self.usage.get("prompt_tokens") or 0), completion,
                              time.perf_counter() - self.started, self.first_s)


def _shut(streams: list[Any]) -> None:
    """Cancel from another thread: shut the request's socket down, which wakes the thread waiting on it at once
    (closing a socket another thread is reading does not), and the server sees the client leave."""
    for stream in streams:
        sock = stream.get_extra_info("socket")
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed


def _no_such_route(status: int, reply: Any) -> bool:
    """Whether a 404/405 says the server has no such route (a web framework's {"detail": "Not Found"}, or
    an OpenAI-style "unknown_url"), not that it lacks the model (an OpenAI error naming it)."""
    error = reply.get("error") if isinstance(reply, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return status == 405 or code == "unknown_url" or not _error_text(reply)


def _maybe_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _error_text(body: Any) -> str:
    """The message of an OpenAI-style error body ({"error": {"message": ...}} or {"error": "..."}), one line."""
    if not isinstance(body, dict):
        return ""
    error = body.get("error")
    if isinstance(error, dict):
        error = error.get("message") or error.get("type") or ""
    return first_line(Exception(error.strip().rstrip(".")), 300) if isinstance(error, str) and error.strip() else ""


def _plain(exc: BaseException) -> str:
    """What the network said, in one short line (e.g. "[Errno 111] Connection refused")."""
    cause = exc.__context__ or exc.__cause__
    text = first_line(exc) if str(exc).strip() else (first_line(cause) if cause else type(exc).__name__)
    return text
