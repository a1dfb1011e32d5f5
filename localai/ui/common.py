"""Small helpers every tab uses: turning UserError into gr.Error, and who the user is."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from ..errors import UserError

log = logging.getLogger(__name__)


def owner_of(request: Any) -> str:
    """The per-user key for jobs: the login name when there is one, plus the browser session."""
    if request is None:
        return "local"
    user = getattr(request, "username", None) or "local"
    return f"{user}:{getattr(request, 'session_hash', None) or 'nosession'}"


def user_of(request: Any) -> str:
    """Whose data this is: the login name, or "local" when the app runs without logins."""
    return (getattr(request, "username", None) or "local") if request is not None else "local"


def user_error(exc: BaseException) -> Exception:
    """The gr.Error shown for an exception; unexpected ones are logged, never shown as tracebacks."""
    import gradio as gr  # noqa: PLC0415

    if isinstance(exc, UserError):
        return gr.Error(str(exc), title="LocalAI", print_exception=False)
    log.exception("unexpected error in the UI", exc_info=exc)
    return gr.Error(f"Something went wrong ({type(exc).__name__}). The console log has the details.", title="LocalAI")


def ui_handler(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a plain (non-generator) handler so that errors reach the page as plain messages."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            raise user_error(exc) from None

    return wrapper
