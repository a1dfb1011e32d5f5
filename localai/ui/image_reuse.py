"""Putting an image's settings back into the Image tab's form: from a shown image, a dropped PNG or
the Gallery tab. The PNG's own parameters are the source (what was saved is what is made again)."""

from __future__ import annotations

from typing import Any

import gradio as gr

from ..gallery import GenerationInfo, read_png_info
from ..image_request import DEFAULT_SCHEDULER
from ..messages import Message, render
from .image_aspect import aspect_of
from .translator import Translator

FORM_FIELDS = 10  # model, prompt, negative, seed, steps, guidance, width, height, scheduler, aspect


def png_parameters(path: str, tr: Translator, request: Any) -> tuple[str, GenerationInfo | None]:
    """The text shown for a dropped PNG (its parameters and how the model was loaded) and its settings."""
    meta = read_png_info(path)
    if meta.info is None:
        return tr(request, "image.png_none"), None
    shown = meta.parameters or meta.info.to_parameters()
    if meta.localai.get("plan"):
        plan, lang = meta.localai["plan"], tr.lang(request)
        reason = render(Message.from_record(plan.get("reason_message")) or plan.get("reason", ""), lang)
        shown += f"\n\n{tr(lang, 'image.png_loaded_as')}: {plan.get('device')} {plan.get('dtype')} — {reason}"
    return shown, meta.info


def saved_info(path: str | None, fallback: GenerationInfo | None) -> GenerationInfo | None:
    """The settings saved in the PNG at ``path``; ``fallback`` for an image that was not saved (stopped early)."""
    if path:
        info = read_png_info(path).info
        if info is not None:
            return info
    return fallback


def form_updates(services: Any, tr: Translator, info: GenerationInfo | None, current_model: str | None,
                 request: Any = None) -> tuple[Any, ...]:
    """Updates for the form's fields (``FORM_FIELDS`` of them) from ``info``; a warning and no change without it.
    A model that is not here keeps the current one (and says so); its scheduler is kept when the model takes it."""
    if info is None:
        tr.warning(request, tr(request, "image.png_first"))
        return (gr.skip(),) * FORM_FIELDS
    models = services.model_names("image")
    if info.model and info.model not in models:
        tr.warning(request, tr(request, "image.png_model_missing", model=info.model))
    target = info.model if info.model in models else current_model
    try:
        _, fam, names = services.image_defaults(target) if target else (None, None, [DEFAULT_SCHEDULER])
    except Exception:  # noqa: BLE001 - a model that cannot be read: the plan line says why
        fam, names = None, [DEFAULT_SCHEDULER]
    sched = info.sampler if info.sampler in names else DEFAULT_SCHEDULER
    value = lambda v: gr.update(value=v) if v else gr.skip()  # noqa: E731 - 0 / "" is "not saved": keep the form's
    aspect = aspect_of(fam, info.width, info.height) if fam and info.width and info.height else None
    return (gr.update(value=info.model) if info.model in models else gr.skip(), info.prompt,
            info.negative_prompt, info.seed, value(info.steps), gr.update(value=info.cfg_scale),
            value(info.width), value(info.height), gr.update(choices=names, value=sched),
            gr.update(value=aspect) if info.width and info.height else gr.skip())
