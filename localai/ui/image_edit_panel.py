"""The Image tab's editor: "Edit a picture", a collapsed section under the advanced settings. A picture goes in
by drop, paste, or the Edit button of an image (in the grid or the Gallery tab), which opens the section. The
brush paints what to redraw (the painted layer is the mask). Then one of: image to image (the whole picture,
strokes included, redrawn at the strength), vary region (inpaint: only the painted part), zoom out 1.5x / 2x
or pan to a side (outpaint: the canvas grows and the new part is drawn). Draw uses the prompt bar's prompt and
the advanced settings (negative prompt, seed, steps, guidance, count, sampler); the size is the picture's.

The pure helpers turn the editor's value into the request's picture and mask."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from ..image_edit import DEFAULT_STRENGTH
from ..image_request import DEFAULT_SCHEDULER, ImageRequest
from ..options import STRENGTH
from .option_inputs import slider
from .translator import Translator


@dataclass(frozen=True)
class EditChoice:
    """One way to edit: the request's mode, the outpaint direction, and its name's catalog key."""

    mode: str
    outpaint: str
    label_key: str


EDIT_CHOICES = {
    "image-to-image": EditChoice("image-to-image", "", "edit.choice.image_to_image"),
    "inpaint": EditChoice("inpaint", "", "edit.choice.inpaint"),
    "zoom-1.5x": EditChoice("outpaint", "1.5x", "edit.choice.zoom_15"),
    "zoom-2x": EditChoice("outpaint", "2x", "edit.choice.zoom_2"),
    "pan-left": EditChoice("outpaint", "left", "edit.choice.pan_left"),
    "pan-right": EditChoice("outpaint", "right", "edit.choice.pan_right"),
    "pan-up": EditChoice("outpaint", "up", "edit.choice.pan_up"),
    "pan-down": EditChoice("outpaint", "down", "edit.choice.pan_down"),
}
FIRST_CHOICE = "image-to-image"
# Gradio 6.31 names two buttons apart from the text they show (axe: label-content-name-mismatch): the editor's layer
# button ("Show Layers", showing the layer's name) and each thumbnail of a gallery ("Thumbnail 1 of 3", showing its
# caption, in the Image and Gallery tabs). Their names start with the text shown; checked a moment after a change.
NAMES_JS = """
(() => {
  let pending = null;
  const fix = () => {
    pending = null;
    for (const el of document.querySelectorAll('.layer-title-button[aria-label], .thumbnail-item[aria-label]')) {
      const shown = el.innerText.trim().replace(/\\s+/g, ' ');
      const label = el.getAttribute('aria-label');
      const base = label === el.dataset.fixedLabel ? el.dataset.baseLabel : label;
      const fixed = shown ? `${shown}, ${base}` : base;
      if (label !== fixed) {
        Object.assign(el.dataset, {baseLabel: base, fixedLabel: fixed});
        el.setAttribute('aria-label', fixed);
      }
    }
  };
  new MutationObserver(() => { pending = pending || setTimeout(fix, 250); }).observe(document.documentElement,
    {subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['aria-label']});
})();
"""
MASK_COLOUR = "rgb(255, 255, 255)"  # the brush's first colour: white, as A1111 paints its masks


def mask_layer(tr: Translator, who: Any) -> Any:
    """The editor's one layer, the mask, named in the language of ``who`` (no other layers: one mask)."""
    return gr.LayerOptions(allow_additional_layers=False, layers=[tr(who, "edit.mask_layer")])


def edit_choices(tr: Translator, who: Any) -> list[tuple[str, str]]:
    """The choices as the radio lists them, (name in the language of ``who``, value)."""
    return [(tr(who, c.label_key), value) for value, c in EDIT_CHOICES.items()]


def choice_strength(choice: str | None) -> float:
    """The strength a choice starts at: its mode's default (inpaint and outpaint redraw their part fully)."""
    return DEFAULT_STRENGTH[EDIT_CHOICES.get(choice or FIRST_CHOICE, EDIT_CHOICES[FIRST_CHOICE]).mode]


def _pil(image: Any) -> Any:
    if image is None:
        return None
    from PIL import Image  # noqa: PLC0415

    return image if isinstance(image, Image.Image) else Image.fromarray(image)


def flattened(image: Any) -> Any:
    """An RGB picture: a transparent one laid on white (what the editor shows behind it)."""
    from PIL import Image  # noqa: PLC0415

    image = _pil(image)
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("RGB")
    return image.convert("RGB")


def painted_mask(layers: list, size: tuple[int, int]) -> Any:
    """The mask painted on the editor's layers, at ``size``: white where any layer has paint (its opacity)."""
    from PIL import Image, ImageChops  # noqa: PLC0415

    mask = Image.new("L", size, 0)
    for layer in layers or []:
        layer = _pil(layer)
        if layer is None:
            continue
        alpha = layer.getchannel("A") if layer.mode in ("RGBA", "LA", "PA") else layer.convert("L")
        if alpha.size != size:
            alpha = alpha.resize(size, Image.Resampling.NEAREST)
        mask = ImageChops.lighter(mask, alpha)
    return mask


def editor_parts(value: dict | None, choice: str) -> tuple[Any, Any] | None:
    """(the picture, the mask or None) that the edit ``choice`` draws from the editor's ``value``; None when the
    editor holds no picture. Image to image takes what is shown (strokes included), the others the picture under
    the strokes; inpaint takes the strokes as the mask."""
    if not value:
        return None
    background, composite = _pil(value.get("background")), _pil(value.get("composite"))
    if background is None and composite is None:
        return None
    mode = EDIT_CHOICES[choice].mode
    shown = composite if composite is not None else background
    picture = flattened(shown if mode == "image-to-image" or background is None else background)
    mask = painted_mask(value.get("layers") or [], picture.size) if mode == "inpaint" else None
    return picture, mask


def edit_request(choice: str, picture: Any, mask: Any, strength: float | None, prompt: str, negative: str,
                 seed: float | None, steps: float | None, guidance: float | None, count: float,
                 scheduler: str | None) -> ImageRequest:
    """The request of an edit: the prompt bar's prompt, the advanced settings, the size of the picture."""
    c = EDIT_CHOICES[choice]
    return ImageRequest(prompt=prompt or "", negative_prompt=negative or "",
                        seed=int(seed if seed is not None else -1), steps=int(steps) if steps else None,
                        guidance_scale=float(guidance) if guidance is not None else None, num_images=int(count or 1),
                        scheduler=scheduler or DEFAULT_SCHEDULER, mode=c.mode, image=picture, mask=mask,
                        strength=float(strength) if strength else None, outpaint=c.outpaint)


@dataclass(frozen=True)
class EditPanel:
    """The section's components."""

    accordion: Any
    editor: Any
    choice: Any
    strength: Any
    draw_btn: Any


def build_edit_panel(tr: Translator, lang: str) -> EditPanel:
    """The section, closed. The choices' names are set in the page's language on load (``edit_choices``)."""
    with gr.Accordion(tr.ui("edit.section"), open=False, elem_id="image-edit") as accordion:
        gr.Markdown(tr.ui("edit.how"), elem_id="image-edit-how")
        editor = gr.ImageEditor(label=tr.ui("edit.picture"), type="pil", image_mode="RGBA", format="png",
                                sources=("upload", "clipboard"), transforms=("crop",), layers=mask_layer(tr, lang),
                                brush=gr.Brush(colors=[MASK_COLOUR, "rgb(0, 0, 0)", "rgb(204, 50, 50)",
                                                       "rgb(50, 112, 204)"], default_color=MASK_COLOUR),
                                canvas_size=(512, 512), height=460, elem_id="image-editor")
        with gr.Row(elem_id="image-edit-options", equal_height=True):
            choice = gr.Radio(edit_choices(tr, lang), value=FIRST_CHOICE, label=tr.ui("edit.what"), scale=3,
                              elem_id="image-edit-mode")
            strength = slider(STRENGTH, tr, choice_strength(FIRST_CHOICE), elem_id="image-edit-strength", scale=1,
                              min_width=200)
        draw_btn = gr.Button(tr.ui("edit.draw"), variant="primary", elem_id="image-edit-draw")
    return EditPanel(accordion, editor, choice, strength, draw_btn)


@dataclass(frozen=True)
class EditActions:
    """The section's handlers."""

    tr: Translator
    runner: Any  # ImageRunner

    def draw(self, value: dict | None, choice: str, strength: float, model_name: str, prompt: str, negative: str,
             seed: float, steps: float, guidance: float, count: float, scheduler: str, shown_items: list,
             shown_made: list, request: gr.Request) -> Any:
        """Draw the edit (a generator of the runner's updates); without a picture, a warning and nothing else."""
        choice = choice if choice in EDIT_CHOICES else FIRST_CHOICE
        parts = editor_parts(value, choice)
        if parts is None:
            self.tr.warning(request, self.tr(request, "edit.drop_first"))
            return
        req = edit_request(choice, *parts, strength, prompt, negative, seed, steps, guidance, count, scheduler)
        what = self.tr(request, EDIT_CHOICES[choice].label_key)
        yield from self.runner.run(model_name, req, shown_items, shown_made, request, what)

    @staticmethod
    def load(picture: Any) -> tuple[Any, Any]:
        """A picture into the editor (its strokes cleared) and the section opened."""
        return gr.update(value=picture), gr.Accordion(open=True)
