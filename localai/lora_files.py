"""LoRA files: found in ``<models>/lora/``, read for the model family they were made for, and named in prompts.

Pure: a ``.safetensors`` header is JSON (its tensor names, shapes and ``__metadata__``), so the family is
read without torch. In order: the trainer's metadata (kohya's ``ss_base_model_version``, the model spec's
``modelspec.architecture``), then the keys (a second text encoder or FLUX's blocks), then the width of the
UNet's cross-attention (768 SD 1.x, 1024 SD 2.x, 2048 SDXL) and SDXL's second transformer block. A file
that says nothing is "" (unknown): it is tried, and a mismatch is then reported in plain words.

Prompts may carry AUTOMATIC1111's tags, ``<lora:name:0.8>``: ``split_lora_tags`` takes them out (the
saved PNG writes them back, so "Reuse settings" brings the same LoRAs).
"""

from __future__ import annotations

import json
import re
import struct
from dataclasses import dataclass
from pathlib import Path

from .errors import InvalidInput, ModelFolderInvalid

LORA_DIR = "lora"
MAX_HEADER = 64 * 1024 * 1024
TAG = re.compile(r"<lora:([^:<>]+?)(?::(-?[0-9]*\.?[0-9]+))?>", re.IGNORECASE)
# A model family -> the base its LoRAs are made for (Turbo models take their base model's LoRAs).
BASE_OF = {"sd15": "sd15", "sd2": "sd2", "sd-turbo": "sd2", "sdxl": "sdxl", "sdxl-turbo": "sdxl", "sd3": "sd3",
           "flux": "flux", "flux-schnell": "flux"}
BASE_LABEL = {"sd15": "SD 1.x", "sd2": "SD 2.x", "sdxl": "SDXL", "sd3": "SD3", "flux": "FLUX", "": "?"}
_META_HINTS = (("sdxl", "sdxl"), ("stable-diffusion-xl", "sdxl"), ("flux", "flux"), ("stable-diffusion-3", "sd3"),
               ("sd3", "sd3"), ("sd_v2", "sd2"), ("stable-diffusion-v2", "sd2"), ("sd_v1", "sd15"),
               ("stable-diffusion-v1", "sd15"))
_CROSS_DIM = {768: "sd15", 1024: "sd2", 2048: "sdxl"}
_LORA_KEY = re.compile(r"lora[_.](A|B|up|down)\b|\.lora_|lora_(unet|te)|\.alpha$|\.(lokr|hada)_", re.IGNORECASE)


@dataclass(frozen=True)
class LoraFile:
    name: str  # the file's stem: what the picker and the <lora:name:w> tag use
    path: Path
    base: str  # "sd15" | "sd2" | "sdxl" | "sd3" | "flux" | "" (unknown)
    size_bytes: int

    @property
    def base_label(self) -> str:
        return BASE_LABEL.get(self.base, self.base)


def read_header(path: Path) -> dict:
    """The JSON header of a ``.safetensors`` file; ``ModelFolderInvalid`` when it is not one."""
    try:
        with open(path, "rb") as f:
            (length,) = struct.unpack("<Q", f.read(8))
            if not 2 <= length <= MAX_HEADER:
                raise ValueError("header size")
            header = json.loads(f.read(length))
        if not isinstance(header, dict):
            raise ValueError("header is not a table")
        return header
    except (OSError, ValueError, struct.error) as exc:
        raise ModelFolderInvalid("error.lora.unreadable", "hint.lora.safetensors", name=path.name,
                                 error=type(exc).__name__) from None


def lora_base(header: dict) -> str:
    """The family a LoRA was made for, from its header (see the module's text); "" when it does not say."""
    meta = header.get("__metadata__") or {}
    said = " ".join(str(meta.get(k, "")) for k in ("ss_base_model_version", "modelspec.architecture")).lower()
    for hint, base in _META_HINTS:
        if hint in said:
            return base
    keys = [k for k in header if k != "__metadata__"]
    if any(k.startswith(("lora_te2_", "text_encoder_2.", "te2.")) for k in keys):
        return "sdxl"
    if any(m in k for k in keys for m in ("single_transformer_blocks", "double_blocks", "single_blocks")):
        return "flux"
    for key in keys:  # the cross-attention's input width: what the text encoder hands the UNet
        if re.search(r"attn2[._]to_k[._].*(lora_A|lora_down|lora\.down)", key):
            shape = header[key].get("shape") or []
            if len(shape) == 2 and shape[1] in _CROSS_DIM:
                return _CROSS_DIM[shape[1]]
    if any(re.search(r"transformer_blocks[._][1-9]", k) for k in keys if "unet" in k):
        return "sdxl"  # SD 1.x / 2.x have one transformer block per attention; SDXL has several
    return ""


def read_lora(path: Path) -> LoraFile:
    """One LoRA file, checked: a safetensors file whose tensors are LoRA weights (else a plain error)."""
    header = read_header(path)
    keys = [k for k in header if k != "__metadata__"]
    if not keys or not any(_LORA_KEY.search(k) for k in keys):
        raise ModelFolderInvalid("error.lora.not_lora", "hint.lora.what", name=path.name)
    return LoraFile(path.stem, path, lora_base(header), path.stat().st_size)


def scan_loras(models_dir: Path) -> list[LoraFile]:
    """The LoRA files in ``<models>/lora/`` (and one level of subfolders), by name; unreadable ones left out."""
    folder = Path(models_dir) / LORA_DIR
    if not folder.is_dir():
        return []
    found: dict[str, LoraFile] = {}
    for path in sorted([*folder.glob("*.safetensors"), *folder.glob("*/*.safetensors")]):
        try:
            lora = read_lora(path)
        except ModelFolderInvalid:
            continue
        found.setdefault(lora.name, lora)
    return sorted(found.values(), key=lambda lo: lo.name.lower())


def split_lora_tags(prompt: str) -> tuple[str, list[tuple[str, float]]]:
    """The prompt without its ``<lora:name:weight>`` tags, and the tags as (name, weight) (weight 1 if left out)."""
    tags = [(m.group(1).strip(), float(m.group(2)) if m.group(2) else 1.0) for m in TAG.finditer(prompt or "")]
    text = TAG.sub("", prompt or "")
    if not tags:
        return prompt or "", tags
    return re.sub(r"[ \t]+,", ",", re.sub(r"[ \t]{2,}", " ", text)).strip(" ,\t"), tags


def lora_tags(loras: tuple[tuple[str, float], ...]) -> str:
    """The A1111 tags of these LoRAs, as saved after the prompt: "<lora:name:0.8>"."""
    return " ".join(f"<lora:{name}:{weight:g}>" for name, weight in loras)


def pick_loras(wanted: tuple[tuple[str, float], ...], available: list[LoraFile], family: str,
               model: str) -> list[tuple[LoraFile, float]]:
    """The LoRA files for these names, checked against the model's family: an unknown name or a LoRA made for
    another family is ``InvalidInput`` naming it (and what there is, or what it is for)."""
    by_name = {lo.name.lower(): lo for lo in available}
    base = BASE_OF.get(family, "")
    picked = []
    for name, weight in wanted:
        lora = by_name.get(name.lower())
        if lora is None:
            raise InvalidInput("error.lora.unknown", "hint.lora.known", name=name,
                               known=", ".join(lo.name for lo in available) or "—").about("loras")
        if lora.base and base and lora.base != base:
            raise InvalidInput("error.lora.family", "hint.lora.family", name=lora.name, lora_family=lora.base_label,
                               model=model, family=BASE_LABEL.get(base, base)).about("loras")
        picked.append((lora, weight))
    return picked
