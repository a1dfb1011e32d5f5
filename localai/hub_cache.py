"""Models already in the standard Hugging Face cache (``HF_HOME``), found and reused.

Other programs (transformers, diffusers, ``hf download``) keep models in
``$HF_HOME/hub/models--org--name/snapshots/<commit>/``. ``scan_hub_cache`` lists the
complete chat and image models there as ``ModelSpec(source="cache")`` with their size
read from the files themselves. Catalog models keep their catalog name and details.
The cache location is read from the environment at call time, not at import.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from .catalog import (PICKLE_SUFFIXES, VISION_BACKEND, ModelSpec, builtin_catalog, count_params, is_vision_config,
                      kv_values_per_token, pickle_params_estimate, text_context_length)

log = logging.getLogger(__name__)

TEXT_ARCH_SUFFIXES = ("ForCausalLM", "LMHeadModel")
IMAGE_FAMILIES = {
    "StableDiffusionPipeline": "sd15",
    "StableDiffusionXLPipeline": "sdxl",
    "StableDiffusion3Pipeline": "sd3",
    "FluxPipeline": "flux",
}


def hub_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where huggingface_hub keeps downloads: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub."""
    env = os.environ if environ is None else environ
    explicit = env.get("HF_HUB_CACHE") or env.get("HUGGINGFACE_HUB_CACHE")
    if explicit:
        return Path(os.path.expandvars(explicit)).expanduser()
    home = env.get("HF_HOME")
    if not home:
        home = os.path.join(env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "huggingface")
    return Path(os.path.expandvars(home)).expanduser() / "hub"


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _text_weights(folder: Path) -> list[Path] | None:
    """The weight files a chat model folder would load, or None when some are missing."""
    index = _read_json(folder / "model.safetensors.index.json")
    if index:
        shards = sorted({folder / name for name in (index.get("weight_map") or {}).values()})
        return shards if shards and all(p.is_file() for p in shards) else None
    safetensors = sorted(p for p in folder.glob("*.safetensors") if p.is_file())
    if safetensors:
        return [folder / "model.safetensors"] if (folder / "model.safetensors").is_file() else safetensors
    pickles = sorted(p for p in folder.iterdir() if p.suffix in PICKLE_SUFFIXES and p.is_file())
    return pickles or None


def _image_weights(folder: Path, index: dict) -> list[Path] | None:
    """The weights of each diffusers component; None when a component folder is missing."""
    files: list[Path] = []
    for component, value in index.items():
        if component.startswith("_") or not isinstance(value, list) or value[0] is None:
            continue
        sub = folder / component
        if not sub.is_dir():
            return None
        weights = sorted(p for p in sub.glob("*.safetensors") if p.is_file())
        plain = [p for p in weights if p.name.count(".") == 1]  # "x.safetensors", not "x.fp16.safetensors"
        pickles = sorted(p for p in sub.iterdir() if p.suffix in PICKLE_SUFFIXES and p.is_file())
        files.extend(plain or weights or pickles)  # tokenizer / scheduler folders have none
    return files


def spec_from_snapshot(repo_id: str, folder: Path, catalog: Sequence[ModelSpec] = ()) -> ModelSpec | None:
    """A spec for a complete chat or image model in ``folder``; None for anything else."""
    index = _read_json(folder / "model_index.json")
    config = _read_json(folder / "config.json")
    if index:
        kind, family = "image", IMAGE_FAMILIES.get(str(index.get("_class_name", "")), "")
        weights = _image_weights(folder, index)
    elif is_vision_config(config) or any(
            str(a).endswith(TEXT_ARCH_SUFFIXES) for a in config.get("architectures") or ()):
        kind, family = "text", str(config.get("model_type", ""))
        weights = _text_weights(folder)
    else:
        return None
    if not weights:
        log.info("skipping %s in the Hugging Face cache: its weights are missing (an unfinished download?)", repo_id)
        return None
    try:
        tensors = [p for p in weights if p.suffix == ".safetensors"]
        params = count_params(tensors) if tensors else pickle_params_estimate(weights, config)
    except (OSError, ValueError, KeyError) as exc:
        log.warning("could not read the weights of %s in the cache: %s", repo_id, exc)
        params = 0
    size = sum(p.stat().st_size for p in weights)
    ctx = text_context_length(config) if kind == "text" else 0
    kv = kv_values_per_token(config) if kind == "text" else 0
    known = next((m for m in catalog if m.repo_id and m.repo_id.lower() == repo_id.lower() and m.kind == kind), None)
    if known is not None:
        return replace(known, source="cache", path=folder, params=params or known.params, weight_bytes=size,
                       kv_values_per_token=kv or known.kv_values_per_token)
    return ModelSpec(name=repo_id, kind=kind, source="cache", repo_id=repo_id, path=folder, params=params,
                     weight_bytes=size, family=family, context_length=ctx, kv_values_per_token=kv,
                     description="Found in the Hugging Face cache.",
                     backend=VISION_BACKEND if kind == "text" and is_vision_config(config) else "")


def scan_hub_cache(cache_dir: Path | None = None, catalog: Sequence[ModelSpec] | None = None,
                   kinds: Sequence[str] = ("text", "image")) -> list[ModelSpec]:
    """Complete models of ``kinds`` in the Hugging Face cache (reads file headers only)."""
    from huggingface_hub import scan_cache_dir  # noqa: PLC0415

    root = hub_cache_dir() if cache_dir is None else Path(cache_dir)
    if not root.is_dir():
        return []
    catalog = builtin_catalog() if catalog is None else catalog
    try:
        info = scan_cache_dir(root)
    except Exception as exc:  # a broken cache must not stop the app; the log says why
        log.warning("could not scan the Hugging Face cache at %s: %s", root, exc)
        return []
    for warning in info.warnings:
        log.info("Hugging Face cache: %s", warning)
    found: list[ModelSpec] = []
    for repo in info.repos:
        if repo.repo_type != "model" or not repo.revisions:
            continue
        revisions = sorted(repo.revisions, key=lambda r: ("main" in r.refs, r.last_modified), reverse=True)
        for revision in revisions:
            spec = spec_from_snapshot(repo.repo_id, Path(revision.snapshot_path), catalog)
            if spec is not None:
                if spec.kind in kinds:
                    found.append(spec)
                break
    return sorted(found, key=lambda s: (s.kind, s.name.lower()))
