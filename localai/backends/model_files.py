"""Finding and checking a model's files on disk, before any heavy library is imported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..catalog import PICKLE_SUFFIXES, ModelSpec
from ..errors import ModelFolderInvalid, ModelUnavailable, UnsafeModel, UserError

TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "vocab.json", "tokenizer_config.json")


def local_folder(spec: ModelSpec) -> Path:
    """The folder holding the model: its own path, or its snapshot in the Hugging Face cache."""
    if spec.path is not None:
        if not spec.path.exists():
            raise ModelFolderInvalid("error.folder.gone", "hint.folder.refresh_or_restore", path=spec.path)
        return spec.path
    if spec.repo_id:
        from huggingface_hub import snapshot_download  # noqa: PLC0415
        from huggingface_hub.errors import LocalEntryNotFoundError  # noqa: PLC0415

        try:
            return Path(snapshot_download(spec.repo_id, local_files_only=True))
        except (LocalEntryNotFoundError, OSError, ValueError):
            pass
    raise ModelUnavailable("error.model.not_downloaded", "hint.model.download_or_copy", name=spec.name,
                           path=f"models/{spec.kind}/{spec.name}/")


def read_folder_json(path: Path, missing: UserError, broken_hint_key: str) -> dict[str, Any]:
    """A model folder's JSON file (config.json, model_index.json) as a dict, or a clear error naming it:
    ``missing`` when there is no such file."""
    if not path.is_file():
        raise missing
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except ValueError as exc:  # includes UnicodeDecodeError
        raise ModelFolderInvalid("error.folder.json_broken", broken_hint_key, file=path.name, folder=path.parent,
                                 error=exc) from None
    return data


def check_text_folder(folder: Path, allow_pickle: bool = False) -> None:
    """Raise a clear error naming the folder and what is missing or broken."""
    read_folder_json(folder / "config.json",
                     ModelFolderInvalid("error.folder.no_config", "hint.folder.text_needs", folder=folder),
                     "hint.folder.download_again_or_fix")
    if not any(folder.glob("*.safetensors")):
        pickles = sorted(p.name for p in folder.iterdir() if p.suffix in PICKLE_SUFFIXES)
        if pickles and not allow_pickle:
            raise UnsafeModel("error.unsafe.folder_pickle", "hint.unsafe.safetensors_or_opt_in", folder=folder,
                              files=", ".join(pickles[:3]))
        if not pickles:
            raise ModelFolderInvalid("error.folder.no_weights", "hint.folder.copy_weights", folder=folder)
    if not any((folder / f).is_file() for f in TOKENIZER_FILES):
        raise ModelFolderInvalid("error.folder.no_tokenizer", "hint.folder.copy_tokenizer", folder=folder)


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
    raise UnsafeModel("error.unsafe.remote_code", "hint.unsafe.remote_code", folder=folder,
                      files=", ".join(py[:3]) or "trust_remote_code")
