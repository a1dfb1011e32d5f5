"""Models as data: ``ModelSpec``, the curated catalog, and the scan of local folders.

Sizes come from the models' own metadata (safetensors headers), never from guesses.
No torch import here.
"""

from __future__ import annotations

import json
import logging
import struct
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

PICKLE_SUFFIXES = (".bin", ".ckpt", ".pt", ".pth")


@dataclass(frozen=True)
class ModelSpec:
    name: str  # what the user picks and the API's "model"
    kind: str  # "text" | "image"
    source: str  # "local" (a folder or file we own) | "hub" (catalog, download on demand) | "cache"
    repo_id: str | None = None
    path: Path | None = None  # folder (or single .safetensors file) on disk
    params: int = 0  # parameter count; 0 when unknown
    weight_bytes: int = 0  # bytes of weights on disk
    family: str = ""  # "llama", "qwen2", "sd15", "sdxl", "flux", ...
    license: str = ""
    gated: bool = False
    context_length: int = 0
    description: str = ""
    tier: str = ""  # hardware tier the catalog recommends it for

    @property
    def size_text(self) -> str:
        parts = []
        if self.params:
            parts.append(f"{self.params / 1e9:.2g}B params" if self.params >= 1e8 else f"{self.params / 1e6:.3g}M params")
        if self.weight_bytes:
            parts.append(f"{self.weight_bytes / 1e9:.2f} GB")
        return ", ".join(parts)


def _spec(name: str, kind: str, repo: str, params: float, gb: float, family: str, license: str, tier: str,
          gated: bool = False, ctx: int = 0, description: str = "") -> ModelSpec:
    return ModelSpec(name=name, kind=kind, source="hub", repo_id=repo, params=int(params * 1e9),
                     weight_bytes=int(gb * 1e9), family=family, license=license, gated=gated,
                     context_length=ctx, description=description, tier=tier)


def builtin_catalog() -> tuple[ModelSpec, ...]:
    """Curated models, smallest first per kind; figures from the models' own safetensors files."""
    t, i = "text", "image"
    return (
        _spec("Qwen2.5-0.5B-Instruct", t, "Qwen/Qwen2.5-0.5B-Instruct", 0.494, 0.99, "qwen2", "apache-2.0", "cpu", ctx=32768,
              description="Tiny and quick; fine for simple chat on any computer."),
        _spec("Qwen2.5-1.5B-Instruct", t, "Qwen/Qwen2.5-1.5B-Instruct", 1.54, 3.09, "qwen2", "apache-2.0", "cpu", ctx=32768,
              description="Good small all-rounder; runs on CPU."),
        _spec("SmolLM2-1.7B-Instruct", t, "HuggingFaceTB/SmolLM2-1.7B-Instruct", 1.71, 3.42, "llama", "apache-2.0", "6gb", ctx=8192,
              description="Small English chat model."),
        _spec("Phi-3.5-mini-instruct", t, "microsoft/Phi-3.5-mini-instruct", 3.82, 7.64, "phi3", "mit", "6gb", ctx=131072,
              description="Strong reasoning for its size."),
        _spec("Qwen2.5-7B-Instruct", t, "Qwen/Qwen2.5-7B-Instruct", 7.62, 15.23, "qwen2", "apache-2.0", "12gb", ctx=32768,
              description="Capable general assistant, many languages."),
        _spec("Mistral-7B-Instruct-v0.3", t, "mistralai/Mistral-7B-Instruct-v0.3", 7.25, 14.5, "mistral", "apache-2.0", "12gb",
              ctx=32768, description="Popular 7B chat model."),
        _spec("Qwen2.5-14B-Instruct", t, "Qwen/Qwen2.5-14B-Instruct", 14.77, 29.5, "qwen2", "apache-2.0", "24gb", ctx=32768,
              description="Noticeably smarter; needs a 16-24 GB GPU."),
        _spec("Qwen2.5-32B-Instruct", t, "Qwen/Qwen2.5-32B-Instruct", 32.76, 65.5, "qwen2", "apache-2.0", "48gb", ctx=32768,
              description="Near top open quality; 24 GB GPU in 4-bit."),
        _spec("Llama-3.1-8B-Instruct", t, "meta-llama/Llama-3.1-8B-Instruct", 8.03, 16.07, "llama", "llama3.1", "12gb",
              gated=True, ctx=131072, description="Meta's 8B; needs a Hugging Face login and license acceptance."),
        _spec("SD-Turbo", i, "stabilityai/sd-turbo", 1.3, 2.6, "sd-turbo", "sai-nc-community", "cpu",
              description="512 px images in 1-4 steps; fastest."),
        _spec("Stable Diffusion 1.5", i, "stable-diffusion-v1-5/stable-diffusion-v1-5", 1.07, 2.13, "sd15", "creativeml-openrail-m",
              "6gb", description="The classic 512 px model with a huge ecosystem."),
        _spec("SDXL-Turbo", i, "stabilityai/sdxl-turbo", 3.5, 6.9, "sdxl-turbo", "sai-nc-community", "12gb",
              description="512 px SDXL quality in 1-4 steps."),
        _spec("SDXL 1.0", i, "stabilityai/stable-diffusion-xl-base-1.0", 3.5, 6.9, "sdxl", "openrail++", "12gb",
              description="1024 px, detailed images."),
        _spec("FLUX.1-schnell", i, "black-forest-labs/FLUX.1-schnell", 16.9, 33.7, "flux", "apache-2.0", "24gb",
              description="State-of-the-art quality in 4 steps; 24 GB GPU (or 4-bit on 12-16 GB)."),
        _spec("SD 3.5 Medium", i, "stabilityai/stable-diffusion-3.5-medium", 5.0, 10.0, "sd3", "stabilityai-community", "12gb",
              gated=True, description="Good prompt following; needs a Hugging Face login."),
    )


# --- reading the models' own metadata -------------------------------------------------------

def safetensors_header(file: Path) -> dict:
    """The JSON header of a .safetensors file (tensor names -> dtype, shape, offsets)."""
    with file.open("rb") as f:
        raw = f.read(8)
        if len(raw) != 8:
            raise ValueError(f"{file.name} is not a safetensors file (too short)")
        (n,) = struct.unpack("<Q", raw)
        if n > 100_000_000:
            raise ValueError(f"{file.name} has an implausible safetensors header")
        return json.loads(f.read(n))


def count_params(files: list[Path]) -> int:
    """Total parameters in safetensors files, read from their headers (no tensor data is read)."""
    total = 0
    for file in files:
        for key, meta in safetensors_header(file).items():
            if key == "__metadata__":
                continue
            n = 1
            for d in meta["shape"]:
                n *= d
            total += n
    return total


def weight_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.safetensors") if p.is_file())


def _text_spec_from_folder(folder: Path) -> ModelSpec:
    params, ctx, family = 0, 0, ""
    files = weight_files(folder)
    try:
        params = count_params(files)
    except (OSError, ValueError, KeyError) as exc:
        log.warning("could not read weights in %s: %s", folder, exc)
    try:
        cfg = json.loads((folder / "config.json").read_text())
        ctx = int(cfg.get("max_position_embeddings") or 0)
        family = str(cfg.get("model_type", ""))
    except (OSError, ValueError):
        pass
    return ModelSpec(name=folder.name, kind="text", source="local", path=folder, params=params,
                     weight_bytes=sum(f.stat().st_size for f in files), family=family, context_length=ctx)


def scan_text_models(models_dir: Path) -> list[ModelSpec]:
    """Every folder under ``<models_dir>/text/``; validity is checked when it is loaded."""
    root = models_dir / "text"
    if not root.is_dir():
        return []
    return [_text_spec_from_folder(p) for p in sorted(root.iterdir()) if p.is_dir() and not p.name.startswith(".")]
