"""Errors meant for the user: what happened, and what to do about it, by catalog key.

Backends and services raise ``UserError(key, hint_key, **params)``; only the edges (UI, HTTP, CLI)
turn them into ``gr.Error``, JSON or a console message, each in its own language
(``messages.render``). ``status`` is the HTTP status the API uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .messages import Message, render

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11 on


class UserError(Exception):
    """A problem the user can understand and act on: ``key`` says what happened, ``hint_key`` what to do.
    ``params`` fill the placeholders of both."""

    status: int = 400
    code: str = "invalid_request"
    field: str | None = None  # the request field it is about, when there is one (the API's ``param``)

    def __init__(self, key: str, hint_key: str | None = None, /, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.hint_key = hint_key
        self.params = params

    def about(self, field: str | None) -> Self:
        """This error, naming the request field it is about: ``raise InvalidInput(...).about("steps")``."""
        self.field = field
        return self

    @property
    def parts(self) -> tuple[Message, ...]:
        """The message, then the hint (when there is one)."""
        what = Message(self.key, **self.params)
        return (what,) if self.hint_key is None else (what, Message(self.hint_key, **self.params))

    @property
    def message(self) -> str:
        """What happened, in English (logs, tests)."""
        return render(self.parts[0], "en")

    @property
    def hint(self) -> str:
        """What to do, in English ("" when there is no hint)."""
        return render(self.parts[1], "en") if self.hint_key else ""

    def __str__(self) -> str:
        return render(self, "en")


class InvalidInput(UserError):
    """A request that cannot be carried out as given (empty prompt, bad size, ...)."""


class UnknownModel(UserError):
    status = 404
    code = "model_not_found"
    field = "model"


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
    """Raised inside a job when its cancel token fires before its answer has begun (e.g. while the prompt
    is prepared); the job then ends as cancelled, with nothing to show."""


def first_line(exc: BaseException, limit: int = 300) -> str:
    """An exception as one short plain line (never a traceback): its first line, or its type's name."""
    lines = str(exc).strip().splitlines()
    return lines[0][:limit] if lines else type(exc).__name__
