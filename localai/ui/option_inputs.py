"""Page inputs built from the option declarations in ``options.py``: their range, step, default
and label come from there, so the page accepts what the API and the command line accept."""

from __future__ import annotations

from typing import Any

import gradio as gr

from ..options import Choice, Number
from .translator import Translator


def slider(option: Number, tr: Translator, value: float | None = None, **kwargs: Any) -> Any:
    """A slider over the option's page range, starting at ``value`` (else the option's default)."""
    lo, hi = option.slider_range
    labels = {"label": tr.ui(option.label_key)} if option.label_key else {}
    if option.info_key:
        labels["info"] = tr.ui(option.info_key)
    return gr.Slider(lo, hi, value=option.default if value is None else value, step=option.step,
                     **labels, **kwargs)


def dropdown(option: Choice, tr: Translator, **kwargs: Any) -> Any:
    """A dropdown of the option's choices, starting at its default."""
    labels = {"label": tr.ui(option.label_key)} if option.label_key else {}
    if option.info_key:
        labels["info"] = tr.ui(option.info_key)
    return gr.Dropdown(list(option.choices), value=option.default, **labels, **kwargs)
