"""What can go wrong with a remote server, in plain words that name the server and its URL.

Every error here is a ``UserError`` (the page shows it, the API answers it as JSON, never a traceback).
``server_fault`` says whether the server itself failed (unreachable, timed out, a wrong key, an answer
that is not the OpenAI format, an internal error): such a server is skipped until its health check
passes, and a request that failed before its first token may be tried on another server. ``partial``
is the text that streamed before it failed (the page keeps it).
"""

from __future__ import annotations

from typing import Any

from .errors import UserError


class RemoteError(UserError):
    status = 502
    code = "remote_failed"
    server_fault = True

    def __init__(self, key: str, hint_key: str | None = None, /, **params: Any) -> None:
        super().__init__(key, hint_key, **params)
        self.server: str = str(params.get("server", ""))
        self.partial = ""

    def with_partial(self, text: str) -> RemoteError:
        self.partial = text
        return self


class RemoteUnreachable(RemoteError):
    code = "remote_unreachable"


class RemoteWrongKey(RemoteError):
    code = "remote_wrong_key"


class RemoteModelGone(RemoteError):
    status = 404
    code = "remote_model_gone"
    server_fault = False  # the server is fine; its model list is read again


class RemoteTimeout(RemoteError):
    status = 504
    code = "remote_timeout"


class RemoteBadReply(RemoteError):
    code = "remote_bad_reply"


class RemoteFailed(RemoteError):
    """The server answered with an error of its own (5xx, 429, an error event in the stream)."""


class RemoteRefused(RemoteError):
    """The server turned the request itself down (400/422: a prompt too long, a value it does not take)."""

    status = 400
    code = "remote_refused"
    server_fault = False


class RemoteDropped(RemoteError):
    """The server stopped in the middle of an answer."""

    code = "remote_dropped"


class NoRemoteServer(RemoteError):
    """No reachable server has the model now."""

    status = 503
    code = "no_remote_server"
    server_fault = False
