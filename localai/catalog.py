"""Models as data: ``ModelSpec``, the curated catalog, and the scan of local folders.

Sizes come from the models' own metadata (safetensors headers), never from guesses.
No torch import here.
"""

from __future__ import annotations

import json
import logging
import struct
from dataclasses import dataclass, replace
from pathlib import Path

log = logging.getLogger(__name__)

PICKLE_SUFFIXES = (".bin", ".ckpt", ".pt", ".pth")
VISION_BACKEND = "vision"  # chat models that also read pictures (backends/vision_chat.py)
# The backend that serves a kind's models when a spec names none (see ModelSpec.backend).
DEFAULT_BACKENDS = {"text": "transformers", "image": "diffusers", "embedding": "transformers-embedding"}


@dataclass(frozen=True)
class ModelSpec:
    name: str  # what the user picks and the API's "model"
    kind: str  # "text" | "image"
    source: str  # "local" (a folder or file we own) | "hub" (catalog, download on demand) | "cache" | "remote"
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
    # Image models: (component, params) read from each component's safetensors headers, e.g.
    # (("unet", 859520964), ("vae", 83653863), ...); empty when unknown (the planner then splits
    # ``params`` the way the family's reference model does).
    components: tuple[tuple[str, int], ...] = ()
    # What serves it: "transformers", "diffusers", "gguf" (later "remote"); the registry keys its
    # factories, planners and scanners by this. Empty: the kind's default (DEFAULT_BACKENDS).
    backend: str = ""
    # Text models: values the KV cache keeps per token (layers x key/value heads x head size x 2, K and V),
    # read from the model's config; 0 when unknown. The planner sizes ``LoadPlan.cache_bytes`` from it.
    kv_values_per_token: int = 0
    # The weights' own quantization as their file names it (a GGUF file's "Q4_K_M", "Q8_0", "F16"); empty
    # for plain safetensors. Shown beside the size; the planner still plans the dequantized model.
    quantization: str = ""
    # Remote models (source "remote"): the servers that list it, and its id there (``name`` is that id, or
    # "<id> (remote)" when a model of this computer already has the name).
    servers: tuple[str, ...] = ()
    remote_id: str = ""

    def __post_init__(self) -> None:
        if not self.backend:
            object.__setattr__(self, "backend", DEFAULT_BACKENDS.get(self.kind, ""))

    @property
    def size_text(self) -> str:
        parts = []
        if self.params:
            parts.append(f"{self.params / 1e9:.2g}B params" if self.params >= 1e8 else f"{self.params / 1e6:.3g}M params")
        if self.weight_bytes:
            parts.append(f"{self.weight_bytes / 1e9:.2f} GB")
        if self.quantization:
            parts.append(self.quantization)
        return ", ".join(parts)


def _spec(name: str, kind: str, repo: str, params: float, gb: float, family: str, license: str, tier: str,
          gated: bool = False, ctx: int = 0, description: str = "", backend: str = "") -> ModelSpec:
    return ModelSpec(name=name, kind=kind, source="hub", repo_id=repo, params=int(params * 1e9),
                     weight_bytes=int(gb * 1e9), family=family, license=license, gated=gated,
                     context_length=ctx, description=description, tier=tier, backend=backend)


def takes_images(spec: ModelSpec) -> bool:
    """Whether a chat model reads pictures (a vision model). Remote models: not known, so no."""
    return spec.kind == "text" and spec.backend == VISION_BACKEND


def is_vision_config(config: dict) -> bool:
    """Whether a model's config.json describes a vision-language model (pictures and text in, text out): it has
    a ``vision_config``, or its architecture is an image-text-to-text one."""
    if not isinstance(config, dict):
        return False
    archs = [str(a) for a in config.get("architectures") or () if isinstance(a, str)]
    return isinstance(config.get("vision_config"), dict) or any(a.endswith("ForImageTextToText") for a in archs) or (
        any(a.endswith("ForConditionalGeneration") for a in archs)
        and any(k in config for k in ("image_token_id", "image_token_index")))


def text_context_length(config: dict) -> int:
    """A chat model's context from its config.json (a vision model's: its text part's); 0 when not said."""
    if not isinstance(config, dict):
        return 0
    text = config.get("text_config") if isinstance(config.get("text_config"), dict) else {}
    try:
        return int(config.get("max_position_embeddings") or text.get("max_position_embeddings") or 0)
    except (TypeError, ValueError):
        return 0


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
        # Vision models: chat that also reads pictures (params: every tensor, the vision tower included).
        _spec("SmolVLM-256M-Instruct", t, "HuggingFaceTB/SmolVLM-256M-Instruct", 0.256, 0.51, "idefics3", "apache-2.0",
              "cpu", ctx=8192, backend=VISION_BACKEND,
              description="Reads pictures; the smallest vision model, quick on any computer. English."),
        _spec("SmolVLM-500M-Instruct", t, "HuggingFaceTB/SmolVLM-500M-Instruct", 0.508, 1.02, "idefics3", "apache-2.0",
              "cpu", ctx=8192, backend=VISION_BACKEND,
              description="Reads pictures; better answers than 256M, still fine on a CPU. English."),
        _spec("Qwen2.5-VL-3B-Instruct", t, "Qwen/Qwen2.5-VL-3B-Instruct", 3.75, 7.51, "qwen2_5_vl", "qwen-research",
              "6gb", ctx=128000, backend=VISION_BACKEND,
              description="Reads pictures, documents and charts well; research license (non-commercial)."),
        _spec("gemma-3-4b-it", t, "google/gemma-3-4b-it", 4.30, 8.60, "gemma3", "gemma", "12gb", gated=True,
              ctx=131072, backend=VISION_BACKEND,
              description="Google's Gemma 3 with pictures, many languages; needs a Hugging Face login."),
        _spec("Qwen2.5-VL-7B-Instruct", t, "Qwen/Qwen2.5-VL-7B-Instruct", 8.29, 16.58, "qwen2_5_vl", "apache-2.0",
              "12gb", ctx=128000, backend=VISION_BACKEND,
              description="Reads pictures, documents and charts; strong vision model, many languages."),
        # Embedding models (kind "embedding"): they find the parts of long documents that answer a question.
        _spec("multilingual-e5-small", "embedding", "intfloat/multilingual-e5-small", 0.118, 0.47, "bert", "mit", "cpu",
              ctx=512, description="Finds the parts of long documents that answer a question; English, Russian and "
                                   "about 100 more languages."),
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


def kv_values_per_token(config: dict) -> int:
    """Values a causal LM's KV cache keeps per token, from its config.json (layers x key/value heads x
    head size x 2, for K and V); 0 when the config does not say. Multimodal configs: their text part."""
    cfg = config.get("text_config") if isinstance(config.get("text_config"), dict) else config
    try:
        layers = int(cfg.get("num_hidden_layers") or cfg.get("n_layer") or 0)
        heads = int(cfg.get("num_attention_heads") or cfg.get("n_head") or 0)
        kv_heads = int(cfg.get("num_key_value_heads") or heads)
        hidden = int(cfg.get("hidden_size") or cfg.get("n_embd") or 0)
        head_dim = int(cfg.get("head_dim") or (hidden // heads if heads else 0))
    except (TypeError, ValueError, AttributeError):
        return 0
    return max(0, layers * kv_heads * head_dim * 2)


def weight_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.safetensors") if p.is_file())


def pickle_params_estimate(files: list[Path], config: dict) -> int:
    """Parameters of pickle weights (their headers cannot be read safely): bytes / bytes per value
    of the config's dtype. Used only for planning; loading them still needs the user's opt-in."""
    dtype = str(config.get("torch_dtype") or config.get("dtype") or "float32")
    per = 2 if dtype in ("float16", "bfloat16") else 4
    return sum(f.stat().st_size for f in files) // per


def _text_spec_from_folder(folder: Path) -> ModelSpec:
    """A chat model folder's spec; a vision-language model's (``is_vision_config``) names the vision backend."""
    params, ctx, family, cfg = 0, 0, "", {}
    files = weight_files(folder)
    try:
        params = count_params(files)
    except (OSError, ValueError, KeyError) as exc:
        log.warning("could not read weights in %s: %s", folder, exc)
    try:
        cfg = json.loads((folder / "config.json").read_text())
        ctx = text_context_length(cfg)
        family = str(cfg.get("model_type", ""))
    except (OSError, ValueError, AttributeError):
        cfg = {}
    if not files:  # pickle weights only: sized from the files, refused at load unless opted in
        files = sorted(p for p in folder.iterdir() if p.suffix in PICKLE_SUFFIXES and p.is_file())
        params = pickle_params_estimate(files, cfg if isinstance(cfg, dict) else {})
    return ModelSpec(name=folder.name, kind="text", source="local", path=folder, params=params,
                     weight_bytes=sum(f.stat().st_size for f in files), family=family, context_length=ctx,
                     kv_values_per_token=kv_values_per_token(cfg) if isinstance(cfg, dict) else 0,
                     backend=VISION_BACKEND if is_vision_config(cfg) else "")


def scan_text_models(models_dir: Path) -> list[ModelSpec]:
    """Every folder under ``<models_dir>/text/``; validity is checked when it is loaded."""
    root = models_dir / "text"
    if not root.is_dir():
        return []
    return [_text_spec_from_folder(p) for p in sorted(root.iterdir()) if p.is_dir() and not p.name.startswith(".")]


# --- image models: diffusers folders, single-file checkpoints, the Hugging Face cache -----------

# Families: "sd15" (SD 1.x), "sd2" (SD 2.x), "sd-turbo", "sdxl", "sdxl-turbo", "sd3", "flux";
# "" for a diffusers pipeline we do not know (it still loads, with SD 1.x-like defaults).
_PIPELINE_FAMILIES = {
    "StableDiffusionPipeline": "sd15",
    "StableDiffusionXLPipeline": "sdxl",
    "StableDiffusion3Pipeline": "sd3",
    "FluxPipeline": "flux",
}
# Which component a single-file checkpoint's tensor belongs to, by key prefix.
_SINGLE_FILE_PREFIXES = (
    ("model.diffusion_model.", "unet"),
    ("first_stage_model.", "vae"),
    ("cond_stage_model.", "text_encoder"),
    ("conditioner.embedders.0.", "text_encoder"),
    ("conditioner.embedders.1.", "text_encoder_2"),
)
SINGLE_FILE_SUFFIXES = (".safetensors", ".ckpt")


def _turbo(family: str, name: str) -> str:
    if "turbo" in name.lower():
        return {"sd15": "sd-turbo", "sd2": "sd-turbo", "sdxl": "sdxl-turbo"}.get(family, family)
    return family


def _file_variant(file: Path) -> str:
    """"fp16" for diffusion_pytorch_model.fp16.safetensors (or its shards), "" for the plain file."""
    parts = file.name.split(".")
    return parts[1].split("-")[0] if len(parts) >= 3 else ""


def component_weight_files(folder: Path) -> list[Path]:
    """The safetensors of one component folder, one variant only (plain files first, else fp16...)."""
    files = sorted(p for p in folder.glob("*.safetensors") if p.is_file())
    by_variant: dict[str, list[Path]] = {}
    for f in files:
        by_variant.setdefault(_file_variant(f), []).append(f)
    for variant in ("", "fp16", "bf16", *sorted(by_variant)):
        if variant in by_variant:
            return by_variant[variant]
    return []


def image_family_from_folder(folder: Path, name: str = "") -> str:
    try:
        index = json.loads((folder / "model_index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    family = _PIPELINE_FAMILIES.get(str(index.get("_class_name", "")).replace("Img2Img", "").replace("Inpaint", ""), "")
    if family == "sd15":
        try:
            te = json.loads((folder / "text_encoder" / "config.json").read_text(encoding="utf-8"))
            if int(te.get("hidden_size", 768)) == 1024:  # OpenCLIP ViT-H: SD 2.x
                family = "sd2"
        except (OSError, ValueError):
            pass
    return _turbo(family, name or folder.name)


def image_family_from_keys(keys: set[str] | list[str], name: str = "") -> str:
    """The family of a single-file checkpoint from its tensor names (no tensor data is read)."""
    keys = set(keys)
    has = lambda *prefixes: any(k.startswith(prefixes) for k in keys)  # noqa: E731
    if has("model.diffusion_model.joint_blocks.", "joint_blocks."):
        return "sd3"
    if has("model.diffusion_model.double_blocks.", "double_blocks."):
        return "flux"
    if has("conditioner.embedders.1.model."):
        return _turbo("sdxl", name)
    if has("conditioner.embedders.0.model."):
        return "sdxl-refiner"
    if has("cond_stage_model.model."):  # OpenCLIP text encoder: SD 2.x
        return _turbo("sd2", name)
    if has("cond_stage_model.transformer.", "model.diffusion_model.input_blocks."):
        return _turbo("sd15", name)
    return ""


def _params_of(header: dict) -> int:
    n_total = 0
    for key, meta in header.items():
        if key != "__metadata__":
            n = 1
            for d in meta["shape"]:
                n *= d
            n_total += n
    return n_total


def image_spec_from_folder(folder: Path, name: str, source: str = "local", repo_id: str | None = None) -> ModelSpec:
    """A spec for a diffusers folder (model_index.json + component folders), sizes from its headers."""
    components: list[tuple[str, int]] = []
    size = 0
    try:
        index = json.loads((folder / "model_index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("could not read %s/model_index.json: %s", folder, exc)
        index = {}
    for comp, value in sorted(index.items()):
        if comp.startswith("_") or not isinstance(value, list) or value[0] is None or not (folder / comp).is_dir():
            continue
        files = component_weight_files(folder / comp)
        try:
            params = sum(_params_of(safetensors_header(f)) for f in files)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("could not read weights in %s/%s: %s", folder, comp, exc)
            continue
        if params:
            components.append((comp, params))
            size += sum(f.stat().st_size for f in files)
    return ModelSpec(name=name, kind="image", source=source, repo_id=repo_id, path=folder,
                     params=sum(p for _, p in components), weight_bytes=size,
                     family=image_family_from_folder(folder, repo_id or name), components=tuple(components))


def _image_spec_from_file(file: Path) -> ModelSpec:
    name = file.stem
    if file.suffix != ".safetensors":  # pickle checkpoint: listed, refused at load unless opted in
        return ModelSpec(name=name, kind="image", source="local", path=file, weight_bytes=file.stat().st_size)
    try:
        header = safetensors_header(file)
    except (OSError, ValueError) as exc:
        log.warning("could not read %s: %s", file, exc)
        return ModelSpec(name=name, kind="image", source="local", path=file, weight_bytes=file.stat().st_size)
    family = image_family_from_keys([k for k in header if k != "__metadata__"], name)
    big = "transformer" if family in ("sd3", "flux") else "unet"
    counts: dict[str, int] = {}
    for key, meta in header.items():
        if key == "__metadata__":
            continue
        comp = next((c for prefix, c in _SINGLE_FILE_PREFIXES if key.startswith(prefix)), big)
        comp = big if comp == "unet" else comp
        n = 1
        for d in meta["shape"]:
            n *= d
        counts[comp] = counts.get(comp, 0) + n
    return ModelSpec(name=name, kind="image", source="local", path=file, params=sum(counts.values()),
                     weight_bytes=file.stat().st_size, family=family, components=tuple(sorted(counts.items())))


def scan_image_models(models_dir: Path) -> list[ModelSpec]:
    """Image models under ``<models_dir>/image/``: diffusers folders (``<name>/model_index.json``) and
    single-file SD 1.x / SDXL checkpoints (``<name>.safetensors``). The Hugging Face cache is
    scanned by ``hub_cache``."""
    found: list[ModelSpec] = []
    root = models_dir / "image"
    if not root.is_dir():
        return found
    for p in sorted(root.iterdir()):
        if p.name.startswith("."):
            continue
        if p.is_dir() and (p / "model_index.json").is_file() and not p.name.endswith(".config"):
            found.append(image_spec_from_folder(p, p.name))
        elif p.is_file() and p.suffix in SINGLE_FILE_SUFFIXES:
            found.append(_image_spec_from_file(p))
    return found


def with_image_components(spec: ModelSpec) -> ModelSpec:
    """An image spec found elsewhere (the Hugging Face cache) with its per-component sizes and exact
    family (SD 2.x, Turbo) read from its folder; everything else is kept."""
    if spec.kind != "image" or spec.path is None or not spec.path.is_dir():
        return spec
    found = image_spec_from_folder(spec.path, spec.name, spec.source, spec.repo_id)
    return replace(spec, components=found.components, params=found.params or spec.params,
                   family=found.family or spec.family)
