"""The Image tab's advanced settings, collapsed under the prompt bar: negative prompt, seed, steps,
guidance, size, count, scheduler, unloading the model, and the PNG-info reader. Each starts at the
defaults of the model family picked first; ``family_updates`` moves them to another family's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from ..image_request import DEFAULT_SCHEDULER, MAX_SEED, MAX_STEPS, MIN_SIDE, Family
from ..options import GUIDANCE, IMAGE_COUNT
from .image_aspect import aspect_size
from .option_inputs import slider
from .translator import Translator


@dataclass(frozen=True)
class ImageSettings:
    """The components of the advanced settings."""

    accordion: Any
    negative: Any
    seed: Any
    random_btn: Any
    steps: Any
    guidance: Any
    width: Any
    height: Any
    count: Any
    scheduler: Any
    unload_btn: Any
    png_file: Any
    png_text: Any
    png_send: Any


def build_image_settings(tr: Translator, fam: Family | None, schedulers: list[str], aspect: str) -> ImageSettings:
    """The accordion, closed; sizes start at ``aspect`` on ``fam`` (the first model's family, None: no model)."""
    width_value, height_value = aspect_size(fam, aspect) if fam else (512, 512)
    side = {"minimum": MIN_SIDE, "maximum": fam.max_side if fam else 2048, "step": fam.multiple if fam else 8}
    with gr.Accordion(tr.ui("image.advanced"), open=False, elem_id="image-advanced") as accordion:
        negative = gr.Textbox(label=tr.ui("image.negative"), lines=1, elem_id="image-negative")
        with gr.Row(elem_id="image-seed-row"):
            seed = gr.Number(-1, label=tr.ui("common.seed"), info=tr.ui("common.seed_info"), precision=0,
                             minimum=-1, maximum=MAX_SEED, elem_id="image-seed", scale=4, min_width=160)
            random_btn = gr.Button(tr.ui("image.random"), size="sm", scale=0, elem_id="image-random-seed")
        with gr.Row():
            steps = gr.Slider(1, fam.max_steps if fam else MAX_STEPS, value=fam.steps if fam else 25, step=1,
                              label=tr.ui("image.steps"), info=tr.ui("image.steps_info"), elem_id="image-steps",
                              min_width=200)
            guidance = slider(GUIDANCE, tr, fam.guidance if fam else 7.0, elem_id="image-guidance", min_width=200)
        with gr.Row():
            width = gr.Slider(value=width_value, label=tr.ui("image.width"), elem_id="image-width", min_width=200,
                              **side)
            height = gr.Slider(value=height_value, label=tr.ui("image.height"), elem_id="image-height",
                               min_width=200, **side)
        with gr.Row():
            count = slider(IMAGE_COUNT, tr, elem_id="image-count", min_width=200)
            scheduler = gr.Dropdown(schedulers, value=DEFAULT_SCHEDULER, label=tr.ui("image.scheduler"),
                                    info=tr.ui("image.scheduler_info"), elem_id="image-scheduler", min_width=200)
        gr.Markdown(tr.ui("image.cancel_note"), elem_id="image-cancel-note")
        unload_btn = gr.Button(tr.ui("image.unload_model"), size="sm", elem_id="image-unload")
        with gr.Accordion(tr.ui("image.pnginfo"), open=False, elem_id="image-pnginfo"):
            png_file = gr.File(label=tr.ui("image.png_drop"), file_types=[".png"], type="filepath",
                               elem_id="image-pnginfo-file")
            png_text = gr.Textbox(label=tr.ui("image.png_parameters"), lines=6, interactive=False,
                                  buttons=["copy"], elem_id="image-pnginfo-text")
            png_send = gr.Button(tr.ui("image.png_send"), elem_id="image-pnginfo-send")
    return ImageSettings(accordion, negative, seed, random_btn, steps, guidance, width, height, count, scheduler,
                         unload_btn, png_file, png_text, png_send)


def family_updates(fam: Family, schedulers: list[str], aspect: str | None) -> tuple[Any, ...]:
    """Steps, guidance, width, height and scheduler for a model of ``fam``: its defaults, the sides at
    ``aspect`` (None: the family's square size)."""
    width, height = aspect_size(fam, aspect or "1:1")
    side = {"minimum": MIN_SIDE, "maximum": fam.max_side, "step": fam.multiple}
    return (gr.update(maximum=fam.max_steps, value=fam.steps), gr.update(value=fam.guidance),
            gr.update(value=width, **side), gr.update(value=height, **side),
            gr.update(choices=schedulers, value=DEFAULT_SCHEDULER))
