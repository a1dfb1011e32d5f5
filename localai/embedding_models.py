"""Embedding models as data: finding them on disk, how each one wants its texts, and the limits of a request.

An embedding model (kind "embedding") is an encoder's Hugging Face folder (BERT / XLM-RoBERTa class:
config.json, *.safetensors, tokenizer files) under ``<models>/embedding/<name>/``, or a catalog model in
the Hugging Face cache. ``backends/embedding.py`` loads and runs it; this module stays light (no torch,
no numpy at import) so the registry and the API can use it at start.

How a model wants its texts (``text_prompts``): the prompts its ``config_sentence_transformers.json``
declares, else the E5 family's "query: " / "passage: " prefixes (E5 is trained with them; told by its
name or repo id), else none (BGE-M3 style). How its vectors are pooled (``pooling_of``): what its
``1_Pooling/config.json`` says, else the CLS token for the BGE family, else the mean over the tokens.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .catalog import PICKLE_SUFFIXES, ModelSpec, count_params, pickle_params_estimate
from .errors import InvalidInput
from .untrusted_input import without_lone_surrogates

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

KIND = "embedding"
BACKEND = "transformers-embedding"
ROLES = ("query", "passage")  # what a text is: a question searched with, or a piece of a document searched in
MAX_INPUTS = 2048  # texts in one request (OpenAI's limit)
MAX_CHARACTERS = 2_000_000  # characters in one request, all texts together (about 500,000 tokens)

E5_PROMPTS = {"query": "query: ", "passage": "passage: "}
E5_INSTRUCT_PROMPTS = {"query": "Instruct: Given a question, retrieve passages that answer the question\nQuery: ",
                       "passage": ""}
_E5 = re.compile(r"(^|[^a-z0-9])e5($|[^a-z0-9])", re.IGNORECASE)
_BGE = re.compile(r"(^|[^a-z0-9])bge($|[^a-z0-9])", re.IGNORECASE)


@dataclass(frozen=True)
class EmbeddingResult:
    """What an embedding job hands back: one L2-normalised float32 row per text, in the order given."""

    vectors: np.ndarray  # shape (len(texts), dimensions), float32
    prompt_tokens: int  # tokens embedded, all texts together (after the cut at the model's window)
    model: str


# -- what is on disk ------------------------------------------------------------------------------------------
def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def embedding_spec_from_folder(folder: Path, name: str | None = None, source: str = "local",
                               known: ModelSpec | None = None) -> ModelSpec:
    """A spec for an encoder's folder, its size read from the safetensors headers of the folder itself (the
    weights of sentence-transformers' extra modules in subfolders are not loaded, so not counted). ``known``:
    the catalog's entry for it, whose details (repo id, license, description, tier) it keeps."""
    files = sorted(p for p in folder.glob("*.safetensors") if p.is_file())
    config = _read_json(folder / "config.json")
    params = 0
    try:
        params = count_params(files)
    except (OSError, ValueError, KeyError) as exc:
        log.warning("could not read the weights in %s: %s", folder, exc)
    if not files:  # pickle weights only: sized from the files, refused at load unless opted in
        files = sorted(p for p in folder.iterdir() if p.suffix in PICKLE_SUFFIXES and p.is_file())
        params = pickle_params_estimate(files, config)
    base = known or ModelSpec(name=name or folder.name, kind=KIND, source=source)
    return ModelSpec(
        name=name or base.name, kind=KIND, source=source, repo_id=base.repo_id, path=folder, params=params,
        weight_bytes=sum(f.stat().st_size for f in files), family=str(config.get("model_type", "") or base.family),
        license=base.license, context_length=int(config.get("max_position_embeddings") or base.context_length or 0),
        description=base.description, tier=base.tier, backend=BACKEND)


def scan_embedding_models(models_dir: Path) -> list[ModelSpec]:
    """Every folder under ``<models_dir>/embedding/``; whether it loads is checked when it is loaded."""
    root = Path(models_dir) / KIND
    if not root.is_dir():
        return []
    return [embedding_spec_from_folder(p) for p in sorted(root.iterdir()) if p.is_dir() and not p.name.startswith(".")]


def scan_cached_embedding_models(catalog: Sequence[ModelSpec], cache_dir: Path | None = None) -> list[ModelSpec]:
    """The catalog's embedding models already in the Hugging Face cache (e.g. fetched by sentence-transformers
    before): the snapshot ``refs/main`` points to, when it has a config and weights. Reads no tensor data."""
    from .hub_cache import hub_cache_dir  # noqa: PLC0415

    root = hub_cache_dir() if cache_dir is None else Path(cache_dir)
    found: list[ModelSpec] = []
    for spec in catalog:
        if spec.kind != KIND or not spec.repo_id:
            continue
        repo = root / ("models--" + spec.repo_id.replace("/", "--"))
        try:
            snapshot = repo / "snapshots" / (repo / "refs" / "main").read_text(encoding="utf-8").strip()
        except OSError:
            continue
        if (snapshot / "config.json").is_file() and any(snapshot.glob("*.safetensors")):
            found.append(embedding_spec_from_folder(snapshot, spec.name, "cache", known=spec))
    return found


def embedding_size(spec: ModelSpec) -> int:
    """The length of this model's vectors (its config's hidden size); 0 when its folder does not say."""
    if spec.path is None:
        return 0
    try:
        return max(0, int(_read_json(spec.path / "config.json").get("hidden_size") or 0))
    except (TypeError, ValueError):
        return 0


# -- how a model wants its texts ---------------------------------------------------------------------------------
def _names(spec: ModelSpec) -> str:
    return f"{spec.name} {spec.repo_id or ''}"


def text_prompts(spec: ModelSpec, folder: Path | None = None) -> dict[str, str]:
    """The text put before a query's and a passage's text for this model ({} when none)."""
    if folder is not None:
        prompts = _read_json(folder / "config_sentence_transformers.json").get("prompts")
        if isinstance(prompts, dict) and any(isinstance(v, str) and v for v in prompts.values()):
            passage = prompts.get("passage", prompts.get("document", ""))
            return {"query": str(prompts.get("query", "") or ""), "passage": str(passage or "")}
    if _E5.search(_names(spec)):
        return dict(E5_INSTRUCT_PROMPTS if "instruct" in _names(spec).lower() else E5_PROMPTS)
    return {}


def pooling_of(spec: ModelSpec, folder: Path | None = None) -> str:
    """"cls" (the first token's vector) or "mean" (the mean over the text's tokens)."""
    if folder is not None:
        pooling = _read_json(folder / "1_Pooling" / "config.json")
        if pooling.get("pooling_mode_cls_token"):
            return "cls"
        if pooling.get("pooling_mode_mean_tokens"):
            return "mean"
    return "cls" if _BGE.search(_names(spec)) else "mean"


# -- the limits of one request ------------------------------------------------------------------------------------
def checked_texts(texts: Sequence[str] | str) -> list[str]:
    """The texts to embed, checked before any work: at least one, at most MAX_INPUTS, none empty, MAX_CHARACTERS
    in all. A text longer than the model's window is not refused: it is cut there (``backends/embedding.py``)."""
    items = [texts] if isinstance(texts, str) else list(texts)
    if not items:
        raise InvalidInput("error.embed.no_input", "hint.embed.send_text").about("input")
    if len(items) > MAX_INPUTS:
        raise InvalidInput("error.embed.too_many", "hint.embed.split", count=len(items), max=MAX_INPUTS).about("input")
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise InvalidInput("error.embed.not_text", "hint.embed.send_text", index=i).about("input")
        if not item.strip():
            raise InvalidInput("error.embed.empty_text", "hint.embed.send_text", index=i).about("input")
    total = sum(len(item) for item in items)
    if total > MAX_CHARACTERS:
        raise InvalidInput("error.embed.too_long", "hint.embed.split", count=total, max=MAX_CHARACTERS).about("input")
    return [without_lone_surrogates(item) for item in items]
