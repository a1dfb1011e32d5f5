"""Errors meant for the user: what happened, and what to do about it.

Backends and services raise these; only the edges (UI, HTTP, CLI) turn them into
``gr.Error``, JSON or a console message. ``status`` is the HTTP status the API uses.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can understand and act on."""

    status: int = 400
    code: str = "invalid_request"

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class InvalidInput(UserError):
    """A request that cannot be carried out as given (empty prompt, bad size, ...)."""


class UnknownModel(UserError):
    status = 404
    code = "model_not_found"


class ModelFolderInvalid(UserError):
    """A model folder that is missing weights, config or tokenizer, or is broken."""

    status = 422
    code = "model_invalid"


class UnsafeModel(UserError):
    """Pickle weights or remote code that the user has not opted in to."""

    status = 403
    code = "model_unsafe"


class NotEnoughMemory(UserError):
    """The planner found no way to fit the model in this machine's memory."""

    status = 503
    code = "not_enough_memory"


class OutOfMemory(UserError):
    """Memory ran out while loading or generating; the memory has been freed."""

    status = 503
    code = "out_of_memory"


class Busy(UserError):
    """Too many jobs are waiting."""

    status = 503
    code = "busy"


class ModelUnavailable(UserError):
    """A model is not on disk and cannot be fetched (offline, gated, no network)."""

    status = 404
    code = "model_unavailable"


class InternalError(UserError):
    """A bug, not the user's fault: the log has the traceback, the user gets one plain line."""

    status = 500
    code = "internal_error"


class Cancelled(Exception):
    """Raised inside a job when its cancel token fires before any work started."""


def first_line(exc: BaseException, limit: int = 300) -> str:
    """An exception as one short plain line (never a traceback): its first line, or its type's name."""
    lines = str(exc).strip().splitlines()
    return lines[0][:limit] if lines else type(exc).__name__
