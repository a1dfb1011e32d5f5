"""What an image request is: the family defaults, the scheduler names users know, and the checks.

Pure data and checks, no torch. ``ImageRequest.check(family)`` raises ``InvalidInput`` with a
plain message for each bad field before any work is queued; ``with_defaults`` fills what the
user left to the model family.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Any

from .errors import InvalidInput
from .options import (
    DEFAULT_SCHEDULER,
    GUIDANCE,
    IMAGE_COUNT,
    IMAGE_PROMPT,
    IMAGE_SEED,
    IMAGE_SIDE,
    IMAGE_STEPS,
    LORA_COUNT,
    LORA_WEIGHT,
    STRENGTH,
    shown,
)

# The bounds declared in options.py, by the names the image code uses.
MAX_SEED = int(IMAGE_SEED.hi)
MAX_IMAGES = int(IMAGE_COUNT.hi)
MAX_STEPS = int(IMAGE_STEPS.hi)
MAX_GUIDANCE = float(GUIDANCE.hi)
MIN_SIDE = int(IMAGE_SIDE.lo)


@dataclass(frozen=True)
class Family:
    """How a family of image models is used: defaults and limits."""

    label: str
    size: int  # native side in pixels (the default width and height)
    steps: int
    guidance: float
    max_side: int
    max_steps: int = MAX_STEPS
    multiple: int = 8  # width and height must be multiples of this
    flow: bool = False  # flow-matching (SD3, FLUX): its own Euler scheduler only
    big_transformer: bool = False  # FLUX / SD3-class: the transformer can be 4-bit quantized
    negative_prompt: bool = True


FAMILIES: dict[str, Family] = {
    "sd15": Family("SD 1.x", 512, 25, 7.0, 1536),
    "sd2": Family("SD 2.x", 768, 25, 7.0, 1536),
    "sd-turbo": Family("SD-Turbo", 512, 1, 0.0, 1024, max_steps=8),
    "sdxl": Family("SDXL", 1024, 30, 6.0, 2048),
    "sdxl-turbo": Family("SDXL-Turbo", 512, 1, 0.0, 1024, max_steps=8),
    "sd3": Family("SD3 / 3.5", 1024, 28, 4.5, 2048, multiple=16, flow=True, big_transformer=True),
    "flux": Family("FLUX", 1024, 28, 3.5, 2048, multiple=16, flow=True, big_transformer=True, negative_prompt=False),
    "flux-schnell": Family("FLUX schnell", 1024, 4, 0.0, 2048, max_steps=8, multiple=16, flow=True,
                           big_transformer=True, negative_prompt=False),
    "": Family("diffusers pipeline", 512, 25, 7.0, 2048),
}


def family_of(family: str, name: str = "") -> Family:
    """The family entry for a spec's family string (FLUX schnell told apart by its name)."""
    if family == "flux" and "schnell" in name.lower():
        return FAMILIES["flux-schnell"]
    return FAMILIES.get(family, FAMILIES[""])


# Scheduler names as AUTOMATIC1111 and ComfyUI users know them -> diffusers class and options.
SCHEDULERS: dict[str, tuple[str, dict]] = {
    "Euler": ("EulerDiscreteScheduler", {}),
    "Euler a": ("EulerAncestralDiscreteScheduler", {}),
    "DPM++ 2M": ("DPMSolverMultistepScheduler", {}),
    "DPM++ 2M Karras": ("DPMSolverMultistepScheduler", {"use_karras_sigmas": True}),
    "DPM++ 2M SDE": ("DPMSolverMultistepScheduler", {"algorithm_type": "sde-dpmsolver++"}),
    "DPM++ 2M SDE Karras": ("DPMSolverMultistepScheduler", {"algorithm_type": "sde-dpmsolver++",
                                                            "use_karras_sigmas": True}),
    "DPM2": ("KDPM2DiscreteScheduler", {}),
    "DPM2 Karras": ("KDPM2DiscreteScheduler", {"use_karras_sigmas": True}),
    "DPM2 a": ("KDPM2AncestralDiscreteScheduler", {}),
    "DPM2 a Karras": ("KDPM2AncestralDiscreteScheduler", {"use_karras_sigmas": True}),
    "Heun": ("HeunDiscreteScheduler", {}),
    "LMS": ("LMSDiscreteScheduler", {}),
    "LMS Karras": ("LMSDiscreteScheduler", {"use_karras_sigmas": True}),
    "DDIM": ("DDIMScheduler", {}),
    "PLMS": ("PNDMScheduler", {}),
    "UniPC": ("UniPCMultistepScheduler", {}),
    "DEIS": ("DEISMultistepScheduler", {}),
}
# Flow-matching models (SD3, FLUX) have one sampler: Euler on the flow.
FLOW_SCHEDULERS: dict[str, tuple[str, dict]] = {"Euler": ("FlowMatchEulerDiscreteScheduler", {})}
def scheduler_names(family: str) -> list[str]:
    """The choices offered for a family; "Default" keeps the model's own scheduler."""
    table = FLOW_SCHEDULERS if family_of(family).flow else SCHEDULERS
    return [DEFAULT_SCHEDULER, *table]


def scheduler_table(flow: bool) -> dict[str, tuple[str, dict]]:
    return FLOW_SCHEDULERS if flow else SCHEDULERS


def _name_key(config: dict) -> tuple[bool, str]:
    return bool(config.get("use_karras_sigmas")), config.get("algorithm_type") or "dpmsolver++"


def scheduler_name_of(class_name: str, config: dict) -> str:
    """The user-facing name of a configured scheduler ("DPM++ 2M Karras"), else its class name."""
    for table in (SCHEDULERS, FLOW_SCHEDULERS):
        for name, (cls, opts) in table.items():
            if cls == class_name and _name_key(config) == _name_key(opts):
                return name
    return class_name


@dataclass(frozen=True)
class ImageRequest:
    """One drawing request: from text, or an edit of a source image (``mode``, see ``image_edit.py``).
    ``None`` fields take the model family's default (an edit's size comes from its source)."""

    prompt: str
    negative_prompt: str = ""
    seed: int = IMAGE_SEED.default  # -1: random; image i of a batch uses seed + i
    steps: int | None = None
    guidance_scale: float | None = None
    width: int | None = None
    height: int | None = None
    num_images: int = IMAGE_COUNT.default
    scheduler: str = DEFAULT_SCHEDULER
    mode: str = "text-to-image"
    image: Any = None  # the source of an edit: bytes, a path, a PIL image or an array (a PIL image once prepared)
    mask: Any = None  # inpaint: what to redraw (painted, or transparent with ``transparent_mask``)
    strength: float | None = None  # how much of the source is redrawn, (0, 1]
    outpaint: str = ""  # outpaint: "1.5x", "2x", "left", "right", "up", "down"
    loras: tuple[tuple[str, float], ...] = ()  # (LoRA name, weight), also from <lora:name:weight> in the prompt
    transparent_mask: bool = False  # OpenAI's convention: the mask's transparent pixels are redrawn
    source_hash: str = ""  # set when prepared: the source's fingerprint, saved with the result
    tiles: Any = None  # set when prepared: the upscaler's ``Tiles`` when it works in tiles
    picked_loras: tuple = ()  # set by services: ``loras`` as (LoraFile, weight), checked against the model

    @property
    def is_edit(self) -> bool:
        return self.mode != "text-to-image"

    def check(self) -> None:
        """Checks that need no model: each bad field gets its own message."""
        if not (self.prompt or "").strip():
            raise InvalidInput("error.image.empty_prompt", "hint.image.describe").about("prompt")
        IMAGE_PROMPT.check(len(self.prompt), "prompt")
        IMAGE_PROMPT.check(len(self.negative_prompt or ""), "negative_prompt")
        if not isinstance(self.seed, int) or not -1 <= self.seed <= MAX_SEED:
            raise InvalidInput("error.image.seed", "hint.image.seed", max=MAX_SEED).about("seed")
        if not isinstance(self.num_images, int) or not 1 <= self.num_images <= MAX_IMAGES:
            raise InvalidInput("error.image.count", "hint.image.count", max=MAX_IMAGES,
                               value=self.num_images).about("num_images")
        if self.steps is not None and (not isinstance(self.steps, int) or not 1 <= self.steps <= MAX_STEPS):
            raise InvalidInput("error.image.steps", "hint.image.steps", max=MAX_STEPS, value=self.steps).about("steps")
        if self.guidance_scale is not None and not 0 <= self.guidance_scale <= MAX_GUIDANCE:
            raise InvalidInput("error.image.guidance", "hint.image.guidance", max=shown(MAX_GUIDANCE),
                               value=shown(self.guidance_scale)).about("guidance_scale")
        if self.scheduler not in (DEFAULT_SCHEDULER, *SCHEDULERS, *FLOW_SCHEDULERS):
            raise InvalidInput("error.image.unknown_scheduler", "hint.choose_one", name=self.scheduler,
                               choices=", ".join([DEFAULT_SCHEDULER, *SCHEDULERS])).about("scheduler")
        self._check_edit()

    def _check_edit(self) -> None:
        from .image_edit import MODES, OUTPAINT  # noqa: PLC0415

        if self.mode not in MODES:
            raise InvalidInput("error.edit.mode", "hint.choose_one", value=self.mode,
                               choices=", ".join(MODES)).about("mode")
        if self.strength is not None:
            STRENGTH.check(self.strength, "strength")
        if self.is_edit and self.image is None:
            raise InvalidInput("error.edit.no_image", "hint.edit.add_image", mode=self.mode).about("image")
        if self.mode == "outpaint" and self.outpaint not in OUTPAINT:
            raise InvalidInput("error.edit.outpaint", "hint.choose_one", value=self.outpaint,
                               choices=", ".join(OUTPAINT)).about("outpaint")
        if len(self.loras) > LORA_COUNT.hi:
            raise InvalidInput("error.lora.count", "hint.lora.count", max=shown(LORA_COUNT.hi)).about("loras")
        for _, weight in self.loras:
            LORA_WEIGHT.check(weight, "loras")

    def with_defaults(self, family: str, name: str = "", fits_whole: Any = None) -> ImageRequest:
        """This request for a model of ``family``: defaults filled, limits checked, seed drawn; ``<lora:name:w>``
        tags taken out of the prompt into ``loras``; an edit's source (and mask) read and sized for the model
        (``fits_whole(width, height)``: whether an upscale can be drawn whole, else it works in tiles)."""
        from .lora_files import split_lora_tags  # noqa: PLC0415

        self.check()
        fam = family_of(family, name)
        prompt, tagged = split_lora_tags(self.prompt)
        loras = merged_loras(self.loras, tagged)
        if not prompt.strip():
            raise InvalidInput("error.image.empty_prompt", "hint.image.describe").about("prompt")
        req = replace(
            self,
            prompt=prompt.strip(),
            loras=loras,
            negative_prompt=(self.negative_prompt or "").strip(),
            steps=fam.steps if self.steps is None else self.steps,
            guidance_scale=fam.guidance if self.guidance_scale is None else float(self.guidance_scale),
            width=fam.size if self.width is None else self.width,
            height=fam.size if self.height is None else self.height,
            seed=random.randrange(MAX_SEED + 1) if self.seed == -1 else self.seed,
        )
        if req.is_edit:
            from .image_edit import prepare_edit  # noqa: PLC0415

            req = prepare_edit(req, fam, MIN_SIDE, fits_whole)
        for side, value in (("width", req.width), ("height", req.height)):
            if not isinstance(value, int) or value % fam.multiple or not MIN_SIDE <= value <= fam.max_side:
                raise InvalidInput("error.image.width" if side == "width" else "error.image.height", "hint.image.side",
                                   value=value, family=fam.label, multiple=fam.multiple, min=MIN_SIDE,
                                   max=fam.max_side, size=fam.size).about(side)
        if req.steps > fam.max_steps:
            raise InvalidInput("error.image.family_steps", "hint.image.usual_steps", family=fam.label,
                               max=fam.max_steps, value=req.steps, steps=fam.steps).about("steps")
        if req.scheduler not in scheduler_names(family):
            raise InvalidInput("error.image.scheduler_family", "hint.choose_one", name=req.scheduler,
                               family=fam.label, choices=", ".join(scheduler_names(family))).about("scheduler")
        return req


def merged_loras(picked: tuple[tuple[str, float], ...], tagged: list[tuple[str, float]]) -> tuple[tuple[str, float], ...]:
    """The LoRAs picked by name and those tagged in the prompt, each once (a prompt tag's weight wins)."""
    weights = dict(picked)
    weights.update(tagged)
    if len(weights) > LORA_COUNT.hi:
        raise InvalidInput("error.lora.count", "hint.lora.count", max=shown(LORA_COUNT.hi)).about("loras")
    for _, weight in tagged:
        LORA_WEIGHT.check(weight, "prompt")
    return tuple(weights.items())
