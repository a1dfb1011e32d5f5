"""LoRAs in the Image tab's advanced settings: the LoRA files for the current model ("name · SD 1.x"), a weight,
and "Add to prompt", which writes AUTOMATIC1111's tag ``<lora:name:weight>`` into the prompt. The prompt carries
them (several at once; the saved PNG writes them back, so "Reuse settings" brings the same LoRAs)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import gradio as gr

from ..options import LORA_WEIGHT
from .option_inputs import slider
from .translator import Translator


LORA_CSS = """
#image-lora-row { align-items: center; }
#image-lora-add { flex: 0 0 auto; }
"""


def lora_choices(loras: list) -> list[tuple[str, str]]:
    """(label, name) of each LoRA file: "name · SD 1.x"."""
    return [(f"{lo.name} · {lo.base_label}", lo.name) for lo in loras]


def with_lora_tag(prompt: str, name: str, weight: float) -> str:
    """``prompt`` with ``<lora:name:weight>``: added at the end, or the weight changed where the prompt has a tag
    of that LoRA already."""
    tag = f"<lora:{name}:{round(float(weight), 2):g}>"
    same = re.compile(rf"<lora:{re.escape(name)}(?::-?[0-9]*\.?[0-9]+)?>", re.IGNORECASE)
    text = prompt or ""
    if same.search(text):
        return same.sub(lambda _: tag, text, count=1)
    return f"{text.rstrip()} {tag}" if text.strip() else tag


@dataclass(frozen=True)
class LoraPicker:
    """The components: the list, the weight, the button."""

    choice: Any
    weight: Any
    add_btn: Any


def build_lora_picker(tr: Translator) -> LoraPicker:
    """A row of the advanced settings; the list is filled for the model on load and when the model changes."""
    with gr.Row(elem_id="image-lora-row"):
        choice = gr.Dropdown([], value=None, label=tr.ui("lora.pick"), info=tr.ui("lora.info"), scale=3,
                             min_width=200, elem_id="image-lora")
        weight = slider(LORA_WEIGHT, tr, elem_id="image-lora-weight", scale=2, min_width=200)
        add_btn = gr.Button(tr.ui("lora.add"), size="sm", scale=0, min_width=120, elem_id="image-lora-add")
    return LoraPicker(choice, weight, add_btn)


def wire_lora_picker(picker: LoraPicker, services: Any, tr: Translator, demo: Any, model: Any, prompt: Any) -> None:
    """The list follows the model: filled on load, when the model changes, and read again when opened (a file put in
    models/lora/ meanwhile)."""
    shown = gr.State(None)  # the choices listed now (None: not yet)

    def listed(model_name: str | None, current: str | None, before: list | None, request: gr.Request) -> Any:
        try:
            loras = services.list_loras(model_name) if model_name else []
        except Exception:  # noqa: BLE001 - a model that cannot be read: the plan line says why
            loras = []
        choices = [list(c) for c in lora_choices(loras)]
        if choices == before:
            return gr.skip(), gr.skip()
        value = current if current in (name for _, name in choices) else None
        info = tr(request, "lora.info") if choices else tr(request, "lora.none")
        return gr.update(choices=[tuple(c) for c in choices], value=value, info=info), choices

    def add(prompt_text: str, name: str | None, weight: float, request: gr.Request) -> Any:
        if not name:
            tr.warning(request, tr(request, "lora.pick_first"))
            return gr.skip()
        return with_lora_tag(prompt_text, name, weight)

    def relisted(model_name: str | None, current: str | None, request: gr.Request) -> Any:
        return listed(model_name, current, None, request)

    lists = ([model, picker.choice, shown], [picker.choice, shown])
    demo.load(listed, *lists, queue=False)
    model.change(relisted, [model, picker.choice], [picker.choice, shown], queue=False)
    picker.choice.focus(listed, *lists, queue=False)
    picker.add_btn.click(add, [prompt, picker.choice, picker.weight], prompt)  # queued: its warning needs the queue
