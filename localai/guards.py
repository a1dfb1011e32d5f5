"""The request guards app.py puts in front of Gradio: file inputs take uploads only (no_url_inputs.py)."""

from __future__ import annotations

from typing import Any


def guard_middleware() -> list[Any]:
    """Starlette ``Middleware`` entries for ``launch(app_kwargs={"middleware": ...})``."""
    from starlette.middleware import Middleware  # noqa: PLC0415

    from .no_url_inputs import NoUrlFileInputs  # noqa: PLC0415

    return [Middleware(NoUrlFileInputs)]
