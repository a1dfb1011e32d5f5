"""GGUF files: their header read without loading the tensors, and the scan that lists them.

A GGUF file (llama.cpp's format) starts with its metadata (key/value pairs: architecture, context
length, file type, the tokenizer) and a table of its tensors (name, shape, quantization type), then
the tensor data. ``read_gguf_header`` reads the first two and stops: the parameter count is the sum
of the tensors' element counts, the size on disk is the file's. Big arrays (the vocabulary, merges)
are skipped over, never built, so a header of a multi-GB file reads in a fraction of a second.

``scan_gguf_models`` lists ``<models_dir>/text/*.gguf``; ``scan_hub_cache_gguf`` the GGUF files in
the Hugging Face cache. Both give ``ModelSpec(backend="gguf")``. No torch import here.
"""

from __future__ import annotations

import logging
import mmap
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalog import ModelSpec

log = logging.getLogger(__name__)

GGUF_MAGIC = b"GGUF"
GGUF_BACKEND = "gguf"
# Value types of the GGUF spec: type id -> struct format of one value (strings and arrays are read apart).
_SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
_STRING, _ARRAY = 8, 9
_MAX_STRING = 64 * 1024 * 1024  # a longer "string" means a broken or foreign file
_MAX_COUNT = 1 << 40
# Parts of a split model (llama.cpp's gguf-split): transformers reads single files only.
SPLIT_PART = re.compile(r"-\d{5}-of-\d{5}\.gguf$", re.IGNORECASE)
# Not language models: vision projectors (multimodal add-ons) and the like.
NOT_CHAT_ARCHITECTURES = ("clip", "mmproj")


class GGUFHeaderError(ValueError):
    """The file is not a GGUF file we can read (wrong magic, unknown version, truncated, broken)."""


@dataclass(frozen=True)
class GGUFHeader:
    """What a GGUF file says about itself, read from its header."""

    version: int
    metadata: dict[str, Any]  # scalar and string values; arrays as their element count only
    tensor_count: int
    params: int  # elements of all tensors: the dequantized model's parameter count
    tensor_types: dict[str, int] = field(default_factory=dict)  # quantization type name -> elements of that type

    @property
    def architecture(self) -> str:
        return str(self.metadata.get("general.architecture", ""))

    @property
    def context_length(self) -> int:
        value = self.metadata.get(f"{self.architecture}.context_length", 0)
        return int(value) if isinstance(value, int) else 0

    @property
    def kv_values_per_token(self) -> int:
        """Values the KV cache keeps per token (layers x key/value heads x head size x 2); 0 when the header
        does not say (or gives per-layer arrays)."""
        def number(key: str) -> int:
            value = self.metadata.get(f"{self.architecture}.{key}", 0)
            return int(value) if isinstance(value, int) and not isinstance(value, (bool, _ArrayLength)) else 0

        layers, heads, hidden = number("block_count"), number("attention.head_count"), number("embedding_length")
        kv_heads = number("attention.head_count_kv") or heads
        head_dim = number("attention.key_length") or (hidden // heads if heads else 0)
        return max(0, layers * kv_heads * head_dim * 2)

    @property
    def quantization(self) -> str:
        """The file's quantization type as llama.cpp names it ("Q4_K_M", "Q8_0", "F16"): ``general.file_type``,
        else the type holding most of the weights."""
        name = file_type_name(self.metadata.get("general.file_type"))
        if name:
            return name
        if not self.tensor_types:
            return ""
        return max(self.tensor_types.items(), key=lambda kv: kv[1])[0]


def file_type_name(file_type: Any) -> str:
    """llama.cpp's name of a ``general.file_type`` value: 15 -> "Q4_K_M"; "" when unknown."""
    if not isinstance(file_type, int) or isinstance(file_type, bool):
        return ""
    import gguf  # noqa: PLC0415  (numpy only; the names come from the gguf package itself)

    try:
        name = gguf.LlamaFileType(file_type).name
    except ValueError:
        return ""
    for prefix in ("MOSTLY_", "ALL_"):
        name = name.removeprefix(prefix)
    return "" if name == "GUESSED" else name


def _tensor_type_name(type_id: int) -> str:
    import gguf  # noqa: PLC0415

    try:
        return gguf.GGMLQuantizationType(type_id).name
    except ValueError:
        return f"type {type_id}"


class _Cursor:
    """Reads little- or big-endian values from a buffer, failing clearly at its end."""

    def __init__(self, data: Any, order: str) -> None:
        self.data = data
        self.order = order
        self.at = 0

    def take(self, fmt: str) -> Any:
        size = struct.calcsize(fmt)
        if self.at + size > len(self.data):
            raise GGUFHeaderError("the file ends inside its header (truncated?)")
        (value,) = struct.unpack_from(self.order + fmt, self.data, self.at)
        self.at += size
        return value

    def string(self) -> str:
        n = self.take("Q")
        if n > _MAX_STRING or self.at + n > len(self.data):
            raise GGUFHeaderError("a string in the header runs past the end of the file")
        raw = bytes(self.data[self.at:self.at + n])
        self.at += n
        return raw.decode("utf-8", errors="replace")

    def skip_string(self) -> None:
        n = self.take("Q")
        if n > _MAX_STRING or self.at + n > len(self.data):
            raise GGUFHeaderError("a string in the header runs past the end of the file")
        self.at += n

    def value(self, type_id: int) -> Any:
        if type_id in _SCALARS:
            return self.take(_SCALARS[type_id])
        if type_id == _STRING:
            return self.string()
        if type_id == _ARRAY:
            item_type, count = self.take("I"), self.take("Q")
            if count > _MAX_COUNT:
                raise GGUFHeaderError("an array in the header is implausibly long")
            if item_type in _SCALARS:  # fixed size: jump over it
                self.at += count * struct.calcsize(_SCALARS[item_type])
                if self.at > len(self.data):
                    raise GGUFHeaderError("an array in the header runs past the end of the file")
            elif item_type == _STRING:
                for _ in range(count):
                    self.skip_string()
            else:  # arrays of arrays: read (and drop) each one
                for _ in range(count):
                    self.value(item_type)
            return _ArrayLength(count)
        raise GGUFHeaderError(f"unknown value type {type_id} in the header")


class _ArrayLength(int):
    """An array value of the header, kept only as its length."""


def read_gguf_header(file: Path) -> GGUFHeader:
    """The metadata and tensor table of a GGUF file; no tensor data is read. ``GGUFHeaderError`` when it is
    not a GGUF file this reader knows (versions 2 and 3)."""
    with file.open("rb") as f:
        if f.read(4) != GGUF_MAGIC:
            raise GGUFHeaderError(f"{file.name} is not a GGUF file (no GGUF magic at its start)")
        try:
            data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError as exc:  # an empty file cannot be mapped
            raise GGUFHeaderError(f"{file.name} is too short to be a GGUF file") from exc
    try:
        return _parse(data, file.name)
    finally:
        data.close()


def _parse(data: Any, name: str) -> GGUFHeader:
    if len(data) < 24:
        raise GGUFHeaderError(f"{name} is too short to be a GGUF file")
    (version,) = struct.unpack_from("<I", data, 4)
    order = "<"
    if version & 0xFFFF == 0 and version:  # written on a big-endian machine
        order, (version,) = ">", struct.unpack_from(">I", data, 4)
    if version not in (2, 3):
        raise GGUFHeaderError(f"{name} is GGUF version {version}; versions 2 and 3 are supported")
    cur = _Cursor(data, order)
    cur.at = 8
    tensor_count, kv_count = cur.take("Q"), cur.take("Q")
    if tensor_count > _MAX_COUNT or kv_count > _MAX_COUNT:
        raise GGUFHeaderError(f"{name} has an implausible GGUF header")
    metadata: dict[str, Any] = {}
    for _ in range(kv_count):
        key = cur.string()
        metadata[key] = cur.value(cur.take("I"))
    params = 0
    types: dict[str, int] = {}
    type_names: dict[int, str] = {}
    for _ in range(tensor_count):
        cur.skip_string()
        n_dims = cur.take("I")
        if n_dims > 8:
            raise GGUFHeaderError(f"{name}: a tensor with {n_dims} dimensions")
        elements = 1
        for _ in range(n_dims):
            elements *= cur.take("Q")
        type_id = cur.take("I")
        cur.take("Q")  # offset of its data
        params += elements
        type_name = type_names.get(type_id) or type_names.setdefault(type_id, _tensor_type_name(type_id))
        types[type_name] = types.get(type_name, 0) + elements
    return GGUFHeader(version, metadata, tensor_count, params, types)


# --- the scan -------------------------------------------------------------------------------------

def gguf_spec(file: Path, name: str, source: str = "local", repo_id: str | None = None) -> ModelSpec | None:
    """A chat model spec for one GGUF file, read from its header; None for what is not a chat model
    (a vision projector) or not readable (logged)."""
    try:
        header = read_gguf_header(file)
    except (OSError, GGUFHeaderError) as exc:
        log.warning("skipping %s: %s", file, exc)
        return None
    if header.architecture in NOT_CHAT_ARCHITECTURES or header.metadata.get("general.type") == "mmproj":
        log.info("skipping %s: a %s file, not a chat model", file, header.architecture or "mmproj")
        return None
    label = header.metadata.get("general.name")
    description = f"GGUF {header.quantization}" + (f" · {label}" if isinstance(label, str) and label else "")
    return ModelSpec(name=name, kind="text", source=source, repo_id=repo_id, path=file, params=header.params,
                     weight_bytes=file.stat().st_size, family=header.architecture,
                     license=str(header.metadata.get("general.license", "") or ""),
                     context_length=header.context_length, kv_values_per_token=header.kv_values_per_token,
                     description=description,
                     backend=GGUF_BACKEND, quantization=header.quantization)


def _listable(file: Path) -> bool:
    if SPLIT_PART.search(file.name):
        log.info("skipping %s: a part of a split GGUF model (merge it into one file with llama.cpp's gguf-split)",
                 file)
        return False
    return file.is_file() and not file.name.startswith(".")


def scan_gguf_models(models_dir: Path) -> list[ModelSpec]:
    """Every ``<models_dir>/text/*.gguf`` file, listed under its file name."""
    root = models_dir / "text"
    if not root.is_dir():
        return []
    files = sorted(p for p in root.iterdir() if p.suffix.lower() == ".gguf" and _listable(p))
    return [s for s in (gguf_spec(p, p.name) for p in files) if s is not None]


def scan_hub_cache_gguf(cache_dir: Path | None = None) -> list[ModelSpec]:
    """GGUF files in the Hugging Face cache, each listed as ``<repo id>/<file name>``."""
    from huggingface_hub import scan_cache_dir  # noqa: PLC0415

    from .hub_cache import hub_cache_dir  # noqa: PLC0415

    root = hub_cache_dir() if cache_dir is None else Path(cache_dir)
    if not root.is_dir():
        return []
    try:
        info = scan_cache_dir(root)
    except Exception as exc:  # a broken cache must not stop the app; the log says why
        log.warning("could not scan the Hugging Face cache at %s for GGUF files: %s", root, exc)
        return []
    found: dict[str, ModelSpec] = {}
    for repo in info.repos:
        if repo.repo_type != "model":
            continue
        # The newest snapshot first ("main" before others): one entry per file name.
        revisions = sorted(repo.revisions, key=lambda r: ("main" in r.refs, r.last_modified), reverse=True)
        for revision in revisions:
            for file in _gguf_files(Path(revision.snapshot_path)):
                name = f"{repo.repo_id}/{file.name}"
                if name not in found:
                    spec = gguf_spec(file, name, source="cache", repo_id=repo.repo_id)
                    if spec is not None:
                        found[name] = spec
    return sorted(found.values(), key=lambda s: s.name.lower())


def _gguf_files(folder: Path) -> Sequence[Path]:
    try:
        return sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".gguf" and _listable(p))
    except OSError as exc:
        log.warning("could not read %s: %s", folder, exc)
        return []
