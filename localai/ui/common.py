"""Small helpers every tab uses: turning UserError into gr.Error, who the user is, saved images for the page."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..messages import language_of, render, text

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


def page_image(path: str | Path) -> str:
    """A saved image as the page may show it: a copy in Gradio's upload cache, in a folder named by a keyed
    hash of its content (so only a page that was handed it can fetch it). The outputs folder itself is never
    served as files: other users could read it."""
    from gradio import processing_utils, utils  # noqa: PLC0415

    return processing_utils.save_file_to_cache(path, utils.get_upload_folder())


def user_error(exc: BaseException, lang: str = "en") -> Exception:
    """The gr.Error shown for an exception, in ``lang``; unexpected ones are logged, never shown as tracebacks."""
    import gradio as gr  # noqa: PLC0415

    if isinstance(exc, gr.Error):  # already a message for the page
        return exc
    if isinstance(exc, UserError):
        return gr.Error(render(exc, lang), title="LocalAI", print_exception=False)
    log.exception("unexpected error in the UI", exc_info=exc)
    return gr.Error(text(lang, "error.unexpected", name=type(exc).__name__), title="LocalAI")


def ui_handler(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a plain (non-generator) handler so that errors reach the page as plain messages, in the
    language of the handler's ``gr.Request`` argument when it has one (``--lang`` reaches it through
    the ``ForcedLanguage`` middleware)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            request = next((a for a in (*args, *kwargs.values()) if _is_request(a)), None)
            raise user_error(exc, language_of(request)) from None

    return wrapper


def _is_request(value: Any) -> bool:
    return type(value).__name__ == "Request" and hasattr(value, "headers")
