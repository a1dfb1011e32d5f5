"""What the diffusers backend needs to edit images and wear LoRAs, beside text-to-image.

- ``EditPipelines``: the image-to-image and inpainting pipelines made from the loaded one with diffusers'
  ``AutoPipelineFor*.from_pipe``: the same components (no second copy in memory, no reload).
- ``call_arguments``: a prepared request's source, mask and strength as the pipeline takes them.
- ``blend_tiles``: the upscaler's tiles drawn one by one and blended back over their overlaps.
- ``LoraSet``: the LoRAs on the pipeline, made to match each request (loaded when picked, weights set,
  unloaded when no longer picked, so the model is again exactly what it was).

Runs on the inference worker thread; heavy imports inside the functions.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput, ModelFolderInvalid
from ..messages import Message

if TYPE_CHECKING:
    from ..image_edit import Tiles
    from ..image_request import ImageRequest
    from ..lora_files import LoraFile

log = logging.getLogger(__name__)

PIPELINE_KIND = {"text-to-image": "text-to-image", "image-to-image": "image-to-image", "variation": "image-to-image",
                 "upscale": "image-to-image", "inpaint": "inpaint", "outpaint": "inpaint"}


def is_inpainting_model(pipe: Any) -> bool:
    """An inpainting model (``*-inpainting``): its UNet also reads the mask and the masked image (9 channels)."""
    unet = getattr(pipe, "unet", None)
    return unet is not None and int(getattr(unet.config, "in_channels", 4)) == 9


class EditPipelines:
    """The loaded pipeline and the ones made from it for editing, each made once, all sharing its components."""

    def __init__(self, base: Any) -> None:
        self.base = base
        self._made: dict[str, Any] = {}
        self.inpainting_model = is_inpainting_model(base)

    @property
    def operations(self) -> frozenset[str]:
        if self.inpainting_model:  # it needs a mask for everything it draws
            return frozenset({"inpaint"})
        return frozenset({"text-to-image", "image-to-image", "inpaint"})

    def for_kind(self, kind: str) -> Any:
        """The pipeline that draws ``kind``, with the base's current scheduler."""
        if kind == "text-to-image" or (kind == "inpaint" and self.inpainting_model):
            return self.base
        if kind not in self._made:
            from diffusers import AutoPipelineForImage2Image, AutoPipelineForInpainting

            auto = AutoPipelineForImage2Image if kind == "image-to-image" else AutoPipelineForInpainting
            made = auto.from_pipe(self.base)
            made.set_progress_bar_config(disable=True)
            self._made[kind] = made
        pipe = self._made[kind]
        pipe.scheduler = self.base.scheduler  # the sampler picked for this request
        return pipe

    def clear(self) -> None:
        self._made.clear()


def call_arguments(req: ImageRequest, accepts: set[str]) -> dict[str, Any]:
    """The pipeline's arguments for a prepared edit (see ``image_edit.prepare_edit``)."""
    kind = PIPELINE_KIND[req.mode]
    if kind == "text-to-image":
        return {}
    args: dict[str, Any] = {"image": req.image, "strength": req.strength}
    if kind == "inpaint":
        args["mask_image"] = req.mask
    if "width" not in accepts:  # image-to-image takes the source's size
        args.update(width=None, height=None)
    return args


def steps_for(req: ImageRequest) -> int:
    """The steps asked for, raised so that at least one is drawn at this strength (diffusers runs
    ``int(steps * strength)`` of them: 1 step at 0.35 would be none)."""
    import math

    if not req.is_edit:
        return int(req.steps)
    return max(int(req.steps), math.ceil(1 / max(float(req.strength), 1e-3)))


def blend_tiles(enlarged: Any, tiles: Tiles, draw_tile: Callable[[Any, int], Any]) -> Any:
    """Draw the enlarged image tile by tile (``draw_tile(tile_image, index)`` -> the redrawn tile) and blend
    each over its neighbours with a linear ramp across the overlap, so no seam shows."""
    import numpy as np
    from PIL import Image

    width, height = enlarged.size
    total = np.zeros((height, width, 3), dtype=np.float64)
    weight = np.zeros((height, width, 1), dtype=np.float64)
    for index, (x0, y0, x1, y1) in enumerate(tiles.boxes(width, height)):
        drawn = draw_tile(enlarged.crop((x0, y0, x1, y1)), index)
        if drawn is None:  # cancelled: what is not drawn stays as enlarged
            break
        pixels = np.asarray(drawn.convert("RGB").resize((x1 - x0, y1 - y0)), dtype=np.float64)
        ramp_x = _ramp(x1 - x0, tiles.overlap, x0 > 0, x1 < width)
        ramp_y = _ramp(y1 - y0, tiles.overlap, y0 > 0, y1 < height)
        w = (ramp_y[:, None] * ramp_x[None, :])[..., None]
        total[y0:y1, x0:x1] += pixels * w
        weight[y0:y1, x0:x1] += w
    base = np.asarray(enlarged.convert("RGB"), dtype=np.float64)
    out = np.where(weight > 0, total / np.maximum(weight, 1e-9), base)
    return Image.fromarray(np.clip(out + 0.5, 0, 255).astype(np.uint8))


def _ramp(length: int, overlap: int, fade_in: bool, fade_out: bool) -> Any:
    import numpy as np

    ramp = np.ones(length)
    if overlap > 0:
        edge = (np.arange(overlap) + 1) / (overlap + 1)
        if fade_in:
            ramp[:overlap] = np.minimum(ramp[:overlap], edge)
        if fade_out:
            ramp[-overlap:] = np.minimum(ramp[-overlap:], edge[::-1])
    return ramp


# A LoRA's text-encoder weights, in the key layouts trainers save (diffusers / peft, kohya).
TEXT_ENCODER_PREFIXES = ("text_encoder", "te.", "te1.", "te2.", "lora_te_", "lora_te1_", "lora_te2_", "lora_te3_")


def text_encoder_peft() -> str | None:
    """None when the installed peft can put LoRAs on transformers' text encoders; else the version needed."""
    from importlib.metadata import PackageNotFoundError, version

    from packaging.version import Version

    try:
        from transformers.integrations.peft import MIN_PEFT_VERSION
    except ImportError:
        return None
    try:
        return None if Version(version("peft")) >= Version(MIN_PEFT_VERSION) else MIN_PEFT_VERSION
    except PackageNotFoundError:
        return MIN_PEFT_VERSION


def adapter_name(lora: LoraFile) -> str:
    return "lora_" + re.sub(r"\W", "_", lora.name)


class LoraSet:
    """The LoRAs worn by one pipeline: ``use(picked)`` makes them exactly the picked ones, at their weights."""

    def __init__(self, pipe: Any, model: str) -> None:
        self.pipe = pipe
        self.model = model
        self.loaded: dict[str, Any] = {}  # adapter name -> the file's path
        self.image_part_only: list[str] = []  # LoRAs whose text-encoder part could not be applied

    def use(self, picked: list[tuple[LoraFile, float]]) -> list[Message]:
        """Wear exactly ``picked``; returns what the user should know (a part of a LoRA left out)."""
        wanted = {adapter_name(lora): (lora, weight) for lora, weight in picked}
        if not wanted:
            self.unload_all()
            return []
        gone = [name for name in self.loaded if name not in wanted]
        if gone:
            self.pipe.delete_adapters(gone)
            for name in gone:
                self.loaded.pop(name)
        for name, (lora, _) in wanted.items():
            if self.loaded.get(name) != lora.path:
                if name in self.loaded:  # the file under this name changed
                    self.pipe.delete_adapters([name])
                self._load(name, lora)
        self.pipe.set_adapters(list(wanted), adapter_weights=[weight for _, weight in wanted.values()])
        partial = [lora.name for name, (lora, _) in wanted.items() if lora.name in self.image_part_only]
        if partial:
            return [Message("notice.lora_image_part", names=", ".join(partial), needed=text_encoder_peft())]
        return []

    def _load(self, name: str, lora: LoraFile) -> None:
        if not hasattr(self.pipe, "load_lora_weights"):
            raise InvalidInput("error.lora.unsupported", "hint.lora.unsupported", model=self.model).about("loras")
        try:
            import peft  # noqa: F401
        except ImportError:
            raise InvalidInput("error.lora.needs_peft", "hint.lora.needs_peft").about("loras") from None
        try:
            self.pipe.load_lora_weights(self._weights(lora), adapter_name=name)
        except Exception as exc:  # noqa: BLE001 - a file that does not fit this model: said in plain words
            log.warning("LoRA %s did not load into %s: %s", lora.path, self.model, exc)
            try:
                self.pipe.delete_adapters([name])
            except Exception:  # noqa: BLE001 - nothing of it was loaded
                log.debug("nothing to remove after the failed LoRA", exc_info=True)
            raise ModelFolderInvalid("error.lora.does_not_fit", "hint.lora.does_not_fit", name=lora.name,
                                     model=self.model, error=type(exc).__name__).about("loras") from None
        self.loaded[name] = lora.path

    def _weights(self, lora: LoraFile) -> Any:
        """The file to load, or its weights without the text-encoder part when the installed peft is older
        than transformers needs for text encoders (the image model's part is applied; the user is told)."""
        if lora.name in self.image_part_only:
            self.image_part_only.remove(lora.name)
        if text_encoder_peft() is None:
            return str(lora.path)
        from safetensors.torch import load_file

        weights = load_file(str(lora.path))
        kept = {k: v for k, v in weights.items() if not k.startswith(TEXT_ENCODER_PREFIXES)}
        if len(kept) < len(weights):
            self.image_part_only.append(lora.name)
        return kept

    def unload_all(self) -> None:
        if self.loaded:
            self.pipe.unload_lora_weights()  # the LoRA layers removed: the model is exactly as loaded
            self.loaded.clear()
