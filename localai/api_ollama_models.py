"""LocalAI's models as Ollama's API describes them: /api/tags entries, /api/show and /api/ps (api_ollama.py).

Names are the same as /v1's (a local model's folder or file name, a remote model's id); Ollama's ``name:tag`` form
is not made up. ``digest`` is a SHA-256 of where the model lives (Ollama's is its manifest's: nothing here has
one), ``modified_at`` the folder's or file's time, ``size`` the weights' bytes on disk.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Any

from .catalog import ModelSpec, takes_images

ON_DISK = ("local", "cache", "remote")  # what /v1/models lists too
KINDS = ("text", "embedding")  # image models: Ollama's clients would try to chat with them
NEVER = "2318-01-01T00:00:00Z"  # /api/ps "expires_at": a model stays loaded until another needs its memory
FORMATS = {"gguf": "gguf", "remote": "remote"}  # else safetensors (transformers folders, vision models)


def rfc3339(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def now() -> str:
    return rfc3339(datetime.now(timezone.utc))


def listed(spec: ModelSpec) -> bool:
    """Whether /api/tags lists ``spec``: a chat or embedding model on this computer or a remote server."""
    return spec.source in ON_DISK and spec.kind in KINDS


def parameter_size(params: int) -> str:
    """Ollama's "7.6B" / "135M" ("" when unknown)."""
    if not params:
        return ""
    return f"{params / 1e9:.1f}B" if params >= 1e9 else f"{params / 1e6:.0f}M"


def capabilities(spec: ModelSpec) -> list[str]:
    if spec.kind == "embedding":
        return ["embedding"]
    return ["completion", "vision"] if takes_images(spec) else ["completion"]


def details(spec: ModelSpec, dimensions: int = 0) -> dict[str, Any]:
    family = spec.family or ("bert" if spec.kind == "embedding" else "")
    out: dict[str, Any] = {"parent_model": "", "format": FORMATS.get(spec.source if spec.source == "remote"
                                                                    else spec.backend, "safetensors"),
                           "family": family, "families": [family] if family else [],
                           "parameter_size": parameter_size(spec.params), "quantization_level": spec.quantization}
    if spec.context_length:
        out["context_length"] = spec.context_length
    if dimensions:
        out["embedding_length"] = dimensions
    return out


def digest(spec: ModelSpec) -> str:
    where = f"{spec.source}|{spec.name}|{spec.path or ''}|{spec.remote_id}|{spec.weight_bytes}|{spec.quantization}"
    return hashlib.sha256(where.encode("utf-8")).hexdigest()


def modified_at(spec: ModelSpec) -> str:
    try:
        if spec.path is not None:
            return rfc3339(datetime.fromtimestamp(spec.path.stat().st_mtime, timezone.utc))
    except OSError:
        pass
    return now()


def tag_entry(spec: ModelSpec) -> dict[str, Any]:
    """One model of /api/tags."""
    entry = {"name": spec.name, "model": spec.name, "modified_at": modified_at(spec), "size": spec.weight_bytes,
             "digest": digest(spec), "details": details(spec), "capabilities": capabilities(spec)}
    if spec.source == "remote":
        entry["remote_model"] = spec.remote_id or spec.name
    return entry


def show(spec: ModelSpec, sampling: dict[str, Any], dimensions: int = 0) -> dict[str, Any]:
    """/api/show: ``sampling`` is the model's own generation defaults (name -> value) shown as ``parameters``."""
    family = spec.family or ("bert" if spec.kind == "embedding" else "model")
    info: dict[str, Any] = {"general.architecture": family, "general.basename": spec.name,
                            "general.parameter_count": spec.params}
    if spec.context_length:
        info[f"{family}.context_length"] = spec.context_length
    if dimensions:
        info[f"{family}.embedding_length"] = dimensions
    parameters = "\n".join(f"{name:<30} {value}" for name, value in sampling.items())
    return {"license": spec.license, "modelfile": f"# Served by LocalAI\nFROM {spec.name}\n",
            "parameters": parameters, "details": details(spec, dimensions),
            "model_info": info, "capabilities": capabilities(spec), "modified_at": modified_at(spec)}


def running(spec: ModelSpec, plan: Any) -> dict[str, Any]:
    """One model of /api/ps (``plan``: its LoadPlan, or None)."""
    size = getattr(plan, "estimated_bytes", 0) or spec.weight_bytes
    on_gpu = getattr(plan, "device", "cpu") not in ("cpu", "remote")
    return {"name": spec.name, "model": spec.name, "size": size, "digest": digest(spec), "details": details(spec),
            "expires_at": NEVER, "size_vram": size if on_gpu else 0, "context_length": spec.context_length}
