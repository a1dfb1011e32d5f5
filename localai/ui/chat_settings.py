"""The Chat tab's settings: presets, the system prompt, the sampling sliders and the seed.

Built by ``build_chat_settings`` wherever the chat tab places them; ``chat_presets.wire_chat_settings`` wires
the presets (pick, save, replace, delete one, reset to the model's defaults). The chat reads
their values through ``ChatSettings.values`` (in that order) and a conversation restores them through
``ChatSettings.sampling`` (the order of ``SAVED_OPTIONS``, after the system prompt).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from ..options import CHAT_NUMBERS, CHAT_SEED, PAGE_SAMPLING, ChatOptions
from ..presets import BUILTIN_ID, BUILTINS
from .option_inputs import slider
from .translator import Translator

SLIDER_IDS = {"temperature": "chat-temperature", "top_p": "chat-top-p", "top_k": "chat-top-k",
              "max_new_tokens": "chat-max-new", "repetition_penalty": "chat-repetition"}


@dataclass
class PresetControls:
    """The preset picker and what acts on presets."""

    picker: Any
    reset_btn: Any
    delete_btn: Any
    delete_ask: Any  # shown to confirm a delete
    delete_text: Any
    confirm_delete_btn: Any
    keep_btn: Any
    name: Any
    save_btn: Any
    replace_ask: Any  # shown when the name is taken
    replace_text: Any
    replace_btn: Any
    keep_old_btn: Any


@dataclass
class ChatSettings:
    system: Any
    temperature: Any
    top_p: Any
    top_k: Any
    max_new: Any
    repetition: Any
    seed: Any
    presets: PresetControls | None = None

    @property
    def sliders(self) -> list[Any]:
        """The sampling sliders, in the order of ``PAGE_SAMPLING``."""
        return [self.temperature, self.top_p, self.top_k, self.max_new, self.repetition]

    @property
    def sampling(self) -> list[Any]:
        """The sliders and the seed: the order of ``SAVED_OPTIONS``."""
        return [*self.sliders, self.seed]

    @property
    def values(self) -> list[Any]:
        """The system prompt, then the sliders and the seed: what a chat turn reads."""
        return [self.system, *self.sampling]


def page_sampling(services: Any, model: str | None) -> ChatOptions:
    """The sliders' starting values for ``model``: its generation_config.json values (within the sliders'
    ranges), else the page's defaults."""
    if not model:
        return ChatOptions()
    try:
        defaults = services.chat_defaults(model)
    except Exception:  # noqa: BLE001 - an unknown model: the plan line says what is wrong
        return ChatOptions()
    ranges = {name: CHAT_NUMBERS[name].slider_range for name in PAGE_SAMPLING}
    return defaults.with_values({name: min(max(getattr(defaults, name), lo), hi) for name, (lo, hi) in ranges.items()})


def _confirm(text_id: str, yes_label: Any, yes_id: str, no_label: Any, no_id: str) -> tuple[Any, ...]:
    """A hidden question with two buttons: (its column, its text, yes, no)."""
    with gr.Column(visible=False, elem_id=f"{text_id}-ask") as ask:
        text = gr.Markdown("", elem_id=f"{text_id}-text")
        with gr.Row():
            yes = gr.Button(yes_label, size="sm", variant="stop", elem_id=yes_id)
            no = gr.Button(no_label, size="sm", elem_id=no_id)
    return ask, text, yes, no


def _build_picker(tr: Translator) -> tuple[Any, ...]:
    picker = gr.Dropdown([(tr.ui(b.name_key), f"{BUILTIN_ID}{b.id}") for b in BUILTINS], value=None,
                         label=tr.ui("preset.picker"), info=tr.ui("preset.picker_info"), elem_id="chat-preset")
    with gr.Row():
        reset_btn = gr.Button(tr.ui("preset.reset"), size="sm", elem_id="chat-reset")
        delete_btn = gr.Button(tr.ui("preset.delete"), size="sm", interactive=False,
                               elem_id="chat-preset-delete")
    ask, text, yes, no = _confirm("chat-preset-delete", tr.ui("preset.confirm_delete"), "chat-preset-confirm-delete",
                                  tr.ui("preset.keep"), "chat-preset-keep")
    return picker, reset_btn, delete_btn, ask, text, yes, no


def _build_save(tr: Translator) -> tuple[Any, ...]:
    with gr.Row(equal_height=True):
        name = gr.Textbox(label=tr.ui("preset.name"), placeholder=tr.ui("preset.name_placeholder"), lines=1,
                          max_lines=1, scale=3, min_width=120, elem_id="chat-preset-name")
        save_btn = gr.Button(tr.ui("preset.save"), size="sm", scale=1, min_width=100, elem_id="chat-preset-save")
    ask, text, yes, no = _confirm("chat-preset-replace", tr.ui("preset.replace"), "chat-preset-replace",
                                  tr.ui("preset.keep_old"), "chat-preset-keep-old")
    return name, save_btn, ask, text, yes, no


def build_chat_settings(tr: Translator, start: ChatOptions, system_text: str) -> ChatSettings:
    """The inputs, laid out where this is called: the preset picker (built-in presets until the page loads the
    user's own), the system prompt, the sliders and the seed, then "Save as preset"."""
    picker, reset_btn, delete_btn, delete_ask, delete_text, confirm_delete_btn, keep_btn = _build_picker(tr)
    system = gr.Textbox(system_text, label=tr.ui("chat.system"), info=tr.ui("chat.system_info"), lines=4,
                        elem_id="chat-system")
    with gr.Accordion(tr.ui("chat.sampling"), open=True):
        # The page's defaults, or the chosen model's own (its generation_config.json) where it has them.
        temperature, top_p, top_k, max_new, repetition = (
            slider(CHAT_NUMBERS[name], tr, getattr(start, name), elem_id=SLIDER_IDS[name]) for name in PAGE_SAMPLING)
        seed = gr.Number(CHAT_SEED.default, label=tr.ui(CHAT_SEED.label_key), info=tr.ui(CHAT_SEED.info_key),
                         precision=0, elem_id="chat-seed")
    name, save_btn, replace_ask, replace_text, replace_btn, keep_old_btn = _build_save(tr)
    presets = PresetControls(picker, reset_btn, delete_btn, delete_ask, delete_text, confirm_delete_btn, keep_btn,
                             name, save_btn, replace_ask, replace_text, replace_btn, keep_old_btn)
    return ChatSettings(system, temperature, top_p, top_k, max_new, repetition, seed, presets)

