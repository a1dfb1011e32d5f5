"""The presets' events in the chat settings: pick one (it fills the system prompt, the sliders and the seed),
save the settings as one of the user's own (asking before replacing one of the same name), delete one of
the user's own (after a confirmation), and reset everything to the chat model's own defaults.

Each user sees the built-in presets and their own only (``services.presets``, keyed by the login name).
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from ..errors import UserError
from ..options import CHAT_SEED, PAGE_SAMPLING
from ..presets import BUILTIN_ID, PRESET_OPTIONS, PresetExists
from .chat_settings import ChatSettings, page_sampling
from .common import ui_handler, user_of
from .translator import Translator


def wire_chat_settings(settings: ChatSettings, services: Any, model: Any, tr: Translator, demo: Any) -> None:
    """Wire the presets of ``settings`` (built by ``build_chat_settings``). ``model``: the chat's model picker
    (what "Reset to the model's defaults" reads); ``demo``: the page (its load lists the user's own presets)."""
    presets = services.presets
    p = settings.presets
    values = settings.values  # the system prompt, the sliders, the seed

    def choices(user: str, lang: str) -> list[tuple[str, str]]:
        return [(preset.name, preset.id) for preset in presets.list(user, lang)]

    def on_load(request: gr.Request) -> Any:
        lang = tr.lang(request)
        try:
            listed = choices(user_of(request), lang)
        except UserError as exc:  # the presets file cannot be read: the built-in ones still work
            tr.warning(request, tr.msg(lang, exc))
            listed = [(preset.name, preset.id) for preset in presets.builtins(lang)]
        if presets.notice is not None:  # the file was damaged and is kept aside: say where
            tr.warning(request, tr.msg(lang, presets.notice))
        return gr.Dropdown(choices=listed, value=None)

    @ui_handler
    def pick(preset_id: str | None, request: gr.Request) -> tuple[Any, ...]:
        if not preset_id:
            return (gr.skip(),) * (len(values) + 4)
        preset = presets.get(user_of(request), preset_id, tr.lang(request))
        own = preset.builtin is None
        return (*preset.values, preset.name if own else "", gr.Button(interactive=own), _hidden(), _hidden())

    def save(name: str, system: str, temp: float, tp: float, tk: float, mnt: float, rep: float, sd: float | None,
             replace: bool, request: gr.Request) -> tuple[Any, ...]:
        user, lang = user_of(request), tr.lang(request)
        numbers = dict(zip(PRESET_OPTIONS, (temp, tp, tk, mnt, rep, sd)))
        try:
            preset = presets.save(user, name, system, numbers, replace=replace)
        except PresetExists as exc:  # ask first; nothing is saved until "Replace it"
            asked = tr(lang, "preset.ask_replace", name=exc.params["name"])
            return gr.skip(), gr.Column(visible=True), asked, gr.skip()
        tr.info(request, tr(lang, "preset.replaced" if replace else "preset.saved", name=preset.name))
        return gr.Dropdown(choices=choices(user, lang), value=preset.id), _hidden(), "", gr.Button(interactive=True)

    @ui_handler
    def save_new(name: str, system: str, temp: float, tp: float, tk: float, mnt: float, rep: float,
                 sd: float | None, request: gr.Request) -> tuple[Any, ...]:
        return save(name, system, temp, tp, tk, mnt, rep, sd, False, request)

    @ui_handler
    def save_replacing(name: str, system: str, temp: float, tp: float, tk: float, mnt: float, rep: float,
                       sd: float | None, request: gr.Request) -> tuple[Any, ...]:
        return save(name, system, temp, tp, tk, mnt, rep, sd, True, request)

    @ui_handler
    def ask_delete(preset_id: str | None, request: gr.Request) -> tuple[Any, Any]:
        if not preset_id or preset_id.startswith(BUILTIN_ID):
            tr.warning(request, tr(request, "preset.pick_own"))
            return gr.skip(), gr.skip()
        preset = presets.get(user_of(request), preset_id)
        return gr.Column(visible=True), tr(request, "preset.ask_delete", name=preset.name)

    @ui_handler
    def delete(preset_id: str | None, request: gr.Request) -> tuple[Any, ...]:
        user, lang = user_of(request), tr.lang(request)
        if not preset_id:
            return gr.skip(), _hidden(), gr.skip(), gr.skip()
        gone = presets.delete(user, preset_id)
        tr.info(request, tr(lang, "preset.deleted", name=gone.name))
        return gr.Dropdown(choices=choices(user, lang), value=None), _hidden(), gr.Button(interactive=False), ""

    def reset(model_name: str | None, request: gr.Request) -> tuple[Any, ...]:
        lang = tr.lang(request)
        defaults = page_sampling(services, model_name)  # its generation_config.json, else the page's defaults
        done = tr(lang, "preset.reset_done", model=model_name) if model_name else tr(lang, "preset.reset_page")
        tr.info(request, done)
        return (tr(lang, "chat.system_default"), *(getattr(defaults, name) for name in PAGE_SAMPLING),
                CHAT_SEED.default, gr.Dropdown(value=None), gr.Button(interactive=False), "", _hidden(), _hidden())

    asks = [p.delete_ask, p.replace_ask]
    p.picker.input(pick, p.picker, [*values, p.name, p.delete_btn, *asks])
    saved = [p.picker, p.replace_ask, p.replace_text, p.delete_btn]
    p.save_btn.click(save_new, [p.name, *values], saved)
    p.name.submit(save_new, [p.name, *values], saved)
    p.replace_btn.click(save_replacing, [p.name, *values], saved)
    p.keep_old_btn.click(_hidden, None, p.replace_ask, queue=False)
    p.delete_btn.click(ask_delete, p.picker, [p.delete_ask, p.delete_text])
    p.confirm_delete_btn.click(delete, p.picker, [p.picker, p.delete_ask, p.delete_btn, p.name])
    p.keep_btn.click(_hidden, None, p.delete_ask, queue=False)
    p.reset_btn.click(reset, model, [*values, p.picker, p.delete_btn, p.name, *asks])
    demo.load(on_load, None, p.picker)


def _hidden() -> Any:
    """A confirmation question put away (an update, made in a handler: never a new component)."""
    return gr.Column(visible=False)
