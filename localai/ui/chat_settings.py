"""The Chat tab's settings: the system prompt, the sampling sliders and the seed.

Built by ``build_chat_settings`` wherever the chat tab places them; the chat reads their values
through ``ChatSettings.values`` (in that order) and a conversation restores them through
``ChatSettings.saved`` (the order of ``SAVED_OPTIONS``, after the system prompt).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from ..options import CHAT_NUMBERS, CHAT_SEED, PAGE_SAMPLING, ChatOptions
from .option_inputs import slider
from .translator import Translator

SLIDER_IDS = {"temperature": "chat-temperature", "top_p": "chat-top-p", "top_k": "chat-top-k",
              "max_new_tokens": "chat-max-new", "repetition_penalty": "chat-repetition"}


@dataclass
class ChatSettings:
    system: Any
    temperature: Any
    top_p: Any
    top_k: Any
    max_new: Any
    repetition: Any
    seed: Any

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


def build_chat_settings(tr: Translator, start: ChatOptions, system_text: str) -> ChatSettings:
    """The inputs, laid out where this is called."""
    system = gr.Textbox(system_text, label=tr.ui("chat.system"), info=tr.ui("chat.system_info"), lines=4,
                        elem_id="chat-system")
    with gr.Accordion(tr.ui("chat.sampling"), open=True):
        # The page's defaults, or the chosen model's own (its generation_config.json) where it has them.
        temperature, top_p, top_k, max_new, repetition = (
            slider(CHAT_NUMBERS[name], tr, getattr(start, name), elem_id=SLIDER_IDS[name]) for name in PAGE_SAMPLING)
        seed = gr.Number(CHAT_SEED.default, label=tr.ui(CHAT_SEED.label_key), info=tr.ui(CHAT_SEED.info_key),
                         precision=0, elem_id="chat-seed")
    return ChatSettings(system, temperature, top_p, top_k, max_new, repetition, seed)
