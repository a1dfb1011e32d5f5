"""Finding and checking a model's files on disk, before any heavy library is imported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..catalog import PICKLE_SUFFIXES, ModelSpec
from ..errors import ModelFolderInvalid, ModelUnavailable, UnsafeModel

TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "vocab.json", "tokenizer_config.json")


def local_folder(spec: ModelSpec) -> Path:
    """The folder holding the model: its own path, or its snapshot in the Hugging Face cache."""
    if spec.path is not None:
        if not spec.path.exists():
            raise ModelFolderInvalid(f"The model folder {spec.path} no longer exists.",
                                     "Press Refresh in the Models tab, or put the model back.")
        return spec.path
    if spec.repo_id:
        from huggingface_hub import snapshot_download  # noqa: PLC0415
        from huggingface_hub.errors import LocalEntryNotFoundError  # noqa: PLC0415

        try:
            return Path(snapshot_download(spec.repo_id, local_files_only=True))
        except (LocalEntryNotFoundError, OSError, ValueError):
            pass
    raise ModelUnavailable(
        f"{spec.name} is not downloaded yet.",
        "Download it in the Models tab, or put a Hugging Face model folder at "
        f"models/{spec.kind}/{spec.name}/ and press Refresh.",
    )


def read_folder_json(path: Path, missing: str, missing_hint: str, broken_hint: str) -> dict[str, Any]:
    """A model folder's JSON file (config.json, model_index.json) as a dict, or a clear error naming it."""
    if not path.is_file():
        raise ModelFolderInvalid(missing, missing_hint)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except ValueError as exc:  # includes UnicodeDecodeError
        raise ModelFolderInvalid(f"The {path.name} in '{path.parent}' is broken ({exc}).", broken_hint) from None
    return data


def check_text_folder(folder: Path, allow_pickle: bool = False) -> None:
    """Raise a clear error naming the folder and what is missing or broken."""
    name = f"'{folder}'"
    read_folder_json(folder / "config.json", f"The model folder {name} has no config.json.",
                     "A chat model folder needs config.json, *.safetensors weights and tokenizer files, "
                     "as downloaded from Hugging Face.", "Download the model again or fix the file.")
    if not any(folder.glob("*.safetensors")):
        pickles = sorted(p.name for p in folder.iterdir() if p.suffix in PICKLE_SUFFIXES)
        if pickles and not allow_pickle:
            raise UnsafeModel(
                f"The model in {name} only has pickle weights ({', '.join(pickles[:3])}), which can run code when loaded.",
                "Use a safetensors version of this model, or opt in to pickle files for this model in the Models tab.")
        if not pickles:
            raise ModelFolderInvalid(f"The model folder {name} has no weights (*.safetensors).",
                                     "Copy the model's .safetensors files into it.")
    if not any((folder / f).is_file() for f in TOKENIZER_FILES):
        raise ModelFolderInvalid(f"The model folder {name} has no tokenizer (tokenizer.json or tokenizer.model).",
                                 "Copy the tokenizer files of this model into the folder.")


def needs_remote_code(folder: Path) -> bool:
    """True when the model's config asks for Python code shipped with it (``auto_map``) for an
    architecture this transformers does not have built in."""
    try:
        cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(cfg, dict) or not cfg.get("auto_map"):
        return False
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES  # noqa: PLC0415

    return str(cfg.get("model_type", "")) not in CONFIG_MAPPING_NAMES


def check_remote_code(folder: Path, allowed: bool) -> None:
    """Refuse a model that needs its own Python code unless the user opted in for it."""
    if allowed or not needs_remote_code(folder):
        return
    py = sorted(p.name for p in folder.glob("*.py"))
    raise UnsafeModel(
        f"The model in '{folder}' needs to run its own Python code ({', '.join(py[:3]) or 'trust_remote_code'}), "
        "which could do anything on this computer.",
        "Use a model that transformers supports directly, or, if you trust its authors, tick 'Trust remote code' "
        "for this model in the Models tab.")
