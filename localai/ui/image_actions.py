"""Midjourney's buttons for one image: Vary (subtle), Vary (strong), Upscale 2x, and Edit (which loads it into the
editor, ``image_edit_panel.py``). In the Image tab they act on the image shown enlarged (the grid's toolbar) or the
one picked in the grid, else the newest (the row under it); in the Gallery tab on the selected saved image.

A variation draws the image's own prompt, negative prompt, steps, guidance and sampler (from its saved
parameters) with new random seeds, as many images as the form asks; an upscale draws one image twice the size
with its own seed. The pure helpers here build those requests; ``GridActions`` wires the buttons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from ..gallery import GenerationInfo
from ..image_edit import VARY_STRONG, VARY_SUBTLE
from ..image_request import DEFAULT_SCHEDULER, ImageRequest
from .common import user_error
from .image_reuse import saved_info
from .translator import Translator


@dataclass(frozen=True)
class Action:
    """One button: the request's mode and strength (None: the mode's default), and its texts' catalog keys."""

    mode: str
    strength: float | None
    label_key: str  # the button
    caption_key: str  # added to the new images' captions


ACTIONS = {
    "vary_subtle": Action("variation", VARY_SUBTLE, "edit.vary_subtle", "edit.caption.vary_subtle"),
    "vary_strong": Action("variation", VARY_STRONG, "edit.vary_strong", "edit.caption.vary_strong"),
    "upscale": Action("upscale", None, "edit.upscale", "edit.caption.upscale"),
}
EDIT = "edit"  # the fourth button: into the editor
BUTTONS = (*ACTIONS, EDIT)
BUTTON_KEYS = {**{kind: a.label_key for kind, a in ACTIONS.items()}, EDIT: "edit.open"}
# The enlarged view's toolbar holds Download, Fullscreen, Close and five text buttons: on a narrow screen it wraps
# onto two lines instead of pushing Close and Download out of sight.
ACTIONS_CSS = """
#image-gallery .icon-button-wrapper { flex-wrap: wrap; justify-content: flex-end; max-width: 100%; }
"""
ROW_IDS = {"vary_subtle": "image-vary-subtle", "vary_strong": "image-vary-strong", "upscale": "image-upscale",
           EDIT: "image-edit-open"}  # the buttons under the grid; in the toolbar the same with "-tool"


def chosen_index(index: int | None, shown_made: list) -> int | None:
    """The grid item the buttons act on: the picked one, else the newest (None when the grid is empty)."""
    if index is not None and 0 <= index < len(shown_made):
        return index
    return 0 if shown_made else None


def grid_source(index: int | None, shown_items: list, shown_made: list) -> tuple[Any, GenerationInfo | None] | None:
    """(the picture, its settings) of the grid item the buttons act on: its saved PNG, or for an image stopped
    early (not saved) the image itself; None when the grid is empty."""
    i = chosen_index(index, shown_made)
    if i is None:
        return None
    item = shown_made[i]
    source = item.get("path") or (shown_items[i][0] if i < len(shown_items) else None)
    return (source, item.get("info")) if source is not None else None


def action_model(info: GenerationInfo | None, current: str | None, models: list[str]) -> str | None:
    """The model that draws an action: the image's own when it is here, else the form's."""
    return info.model if info is not None and info.model in models else current


def action_request(kind: str, source: Any, info: GenerationInfo | None, prompt: str, count: int,
                   schedulers: list[str]) -> ImageRequest:
    """The request of button ``kind`` for the picture ``source`` made with ``info`` (None: settings unknown, the
    form's ``prompt`` and the model's defaults). ``count``: the form's number of images (an upscale draws one);
    ``schedulers``: those the drawing model takes (another sampler falls back to the model's own)."""
    action = ACTIONS[kind]
    saved = info is not None and info.steps > 0  # a settings line was read (else 0 steps, 0 guidance: not saved)
    sampler = info.sampler if info is not None and info.sampler in schedulers else DEFAULT_SCHEDULER
    upscale = action.mode == "upscale"
    return ImageRequest(
        prompt=info.prompt if info is not None and info.prompt.strip() else prompt or "",
        negative_prompt=info.negative_prompt if info is not None else "",
        seed=info.seed if upscale and saved else -1,  # variations: new seeds; the upscale redraws with its own
        steps=info.steps if saved else None,
        guidance_scale=float(info.cfg_scale) if saved else None,
        num_images=1 if upscale else int(count),
        scheduler=sampler,
        mode=action.mode,
        image=source,
        strength=action.strength,
    )


def caption_of(kind: str, tr: Translator, lang: str) -> str:
    """What the new images' captions add, in ``lang``: "vary (subtle)"."""
    return tr(lang, ACTIONS[kind].caption_key)


def build_action_tools(tr: Translator, lang: str) -> dict[str, Any]:
    """The buttons of the enlarged view's toolbar (not rendered: ``gr.Gallery(buttons=[...])`` shows them). The
    toolbar takes plain text, not the page's translations: ``label_updates`` sets them in the page's language."""
    return {kind: gr.Button(tr(lang, key), size="sm", elem_id=f"{ROW_IDS[kind]}-tool", render=False)
            for kind, key in BUTTON_KEYS.items()}


def build_action_row(tr: Translator) -> dict[str, Any]:
    """The same buttons in the row under the grid (``#image-actions``)."""
    return {kind: gr.Button(tr.ui(key), size="sm", scale=0, min_width=110, elem_id=ROW_IDS[kind])
            for kind, key in BUTTON_KEYS.items()}


def label_updates(tr: Translator, request: Any) -> tuple[Any, ...]:
    """The toolbar buttons' texts in the request's language, in ``BUTTONS`` order."""
    return tuple(gr.update(value=tr(request, BUTTON_KEYS[kind])) for kind in BUTTONS)


@dataclass(frozen=True)
class GridActions:
    """The handlers of Vary and Upscale, for the grid and for a saved PNG. ``form``: the inputs after the image's
    own (the current model, the prompt bar's prompt, the image count, the grid's items and made)."""

    services: Any
    tr: Translator
    runner: Any  # ImageRunner

    def _draw(self, kind: str, source: Any, info: GenerationInfo | None, current_model: str, prompt: str, count: float,
              shown_items: list, shown_made: list, request: Any) -> Any:
        model = action_model(info, current_model, self.services.model_names("image"))
        try:
            schedulers = self.services.image_defaults(model)[2] if model else [DEFAULT_SCHEDULER]
        except Exception:  # noqa: BLE001 - an unknown model: generate_images says so in plain words
            schedulers = [DEFAULT_SCHEDULER]
        req = action_request(kind, source, info, prompt, int(count or 1), schedulers)
        what = caption_of(kind, self.tr, self.tr.lang(request))
        yield from self.runner.run(model or "", req, shown_items, shown_made, request, what)

    def _settings(self, source: Any, info: GenerationInfo | None, request: Any) -> GenerationInfo | None:
        """The settings saved in the PNG ``source`` (else ``info``); a PNG that cannot be read is a plain error."""
        if not isinstance(source, str):
            return info
        try:
            return saved_info(source, info)
        except Exception as exc:  # noqa: BLE001 - shown as a plain message, never a traceback
            raise user_error(exc, self.tr.lang(request)) from None

    def on_grid(self, kind: str) -> Any:
        """The handler of button ``kind`` in the Image tab: (picked, current model, prompt, count, items, made)."""

        def act(index: int | None, current_model: str, prompt: str, count: float, shown_items: list,
                shown_made: list, request: gr.Request) -> Any:
            picked = grid_source(index, shown_items, shown_made)
            if picked is None:
                self.tr.warning(request, self.tr(request, "edit.pick_first"))
                return
            source, info = picked
            yield from self._draw(kind, source, self._settings(source, info, request), current_model, prompt, count,
                                  shown_items, shown_made, request)

        return act

    def on_saved(self, kind: str) -> Any:
        """The handler of button ``kind`` in the Gallery tab: (its PNG, current model, prompt, count, items, made)."""

        def act(path: str | None, current_model: str, prompt: str, count: float, shown_items: list,
                shown_made: list, request: gr.Request) -> Any:
            if not path:  # the Gallery tab has said so already
                return
            yield from self._draw(kind, path, self._settings(path, None, request), current_model, prompt, count,
                                  shown_items, shown_made, request)

        return act
