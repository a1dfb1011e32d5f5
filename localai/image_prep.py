"""An image request made ready before it is queued: which model draws it, its defaults, its source and mask
sized for that model, its LoRAs found and checked, and whether an upscale works in tiles.

Everything a user can get wrong is found here, so a bad request raises ``InvalidInput`` and changes nothing
(no job, no model loaded, no LoRA touched). Called by ``services.generate_images``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .errors import InvalidInput
from .image_edit import MASKED_MODES
from .image_request import ImageRequest
from .lora_files import BASE_OF, LORA_DIR, pick_loras, read_lora, scan_loras

if TYPE_CHECKING:
    from .catalog import ModelSpec
    from .registry import Registry


def inpainting_partner(registry: Registry, spec: ModelSpec) -> ModelSpec | None:
    """An inpainting model (``<name>-inpainting``, or another "*inpaint*" model of the same family) on this
    computer for ``spec``; None when there is none, or ``spec`` is one already."""
    if "inpaint" in spec.name.lower() or spec.source == "remote":
        return None
    candidates = [s for s in registry.specs("image") if "inpaint" in s.name.lower()
                  and s.source in ("local", "cache") and BASE_OF.get(s.family or "", "?") == BASE_OF.get(spec.family or "", "!")]
    named = [s for s in candidates if s.name.lower().startswith(spec.name.lower())]
    return (named or candidates or [None])[0]


def prepare_image_request(registry: Registry, spec: ModelSpec, request: ImageRequest) -> tuple[ModelSpec,
                                                                                           ImageRequest]:
    """(the model that draws it, the request ready for its backend): see the module's text."""
    if request.is_edit and spec.source == "remote":
        raise InvalidInput("error.edit.remote", "hint.edit.remote", model=spec.name).about("model")
    if request.mode in MASKED_MODES:
        spec = inpainting_partner(registry, spec) or spec
    fits_whole = None
    if request.mode == "upscale":
        loaded = registry.get_loaded(spec)
        plan = loaded.plan if loaded is not None else registry.plan(spec)
        hw = registry.hardware()
        if loaded is None:  # its weights are not in the free memory's figure yet
            taken = plan.estimated_bytes
            hw = hw.with_free(free_vram=hw.free_vram - taken * (plan.pool == "gpu"),
                              available_ram=hw.available_ram - taken * (plan.pool == "ram"))

        def fits_whole(width: int, height: int) -> bool:
            from .plan import upscale_fits_whole

            return upscale_fits_whole(plan, hw, spec.family, width, height, spec.name)

    req = request.with_defaults(spec.family, spec.name, fits_whole)
    if req.loras:
        if spec.source == "remote":
            raise InvalidInput("error.lora.remote", "hint.edit.remote", model=spec.name).about("loras")
        found = scan_loras(registry.settings.models_dir)
        known = {lo.name.lower() for lo in found}
        for name, _ in req.loras:  # a file of that name that is no LoRA (or unreadable) says what is wrong
            file = registry.settings.models_dir / LORA_DIR / f"{name}.safetensors"
            if name.lower() not in known and "/" not in name and "\\" not in name and file.is_file():
                read_lora(file)
        req = replace(req, picked_loras=tuple(pick_loras(req.loras, found, spec.family, spec.name)))
    return spec, req
