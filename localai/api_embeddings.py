"""``POST /v1/embeddings`` in OpenAI's format, over ``services.embed`` (RAG clients need it).

    model            optional: an embedding model (default: --embedding-model, else the first on this computer);
                     a chat or image model's name is a 400 naming the embedding models
    input            a string, or a list of 1 to 2048 strings, none empty; token-id arrays are refused (send text)
    encoding_format  "float" (default) or "base64" (each vector as little-endian float32 bytes, as OpenAI sends it;
                     the official client asks for it and decodes it itself)
    dimensions       accepted only when it is the model's own size: vectors are not shortened
    input_type       extra: "passage" (default; "document" is the same) or "query": E5 models are given
                     "passage: " / "query: " before each text (not when the text starts with one already)
    user             ignored

Each text longer than the model's window (512 tokens for E5) is cut there rather than refused; ``usage.prompt_tokens``
counts the tokens embedded. The request is one job on the torch lane, owned by the request alone, cancelled when
the client leaves. Answer: ``{"object": "list", "data": [{"object": "embedding", "index", "embedding"}], "model",
"usage": {"prompt_tokens", "total_tokens"}}``.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from .api import BadField, ServerError, _get
from .embedding_models import MAX_INPUTS
from .job_feed import JobFeed

FORMATS = ("float", "base64")
INPUT_TYPES = {"passage": "passage", "document": "passage", "query": "query"}


@dataclass(frozen=True)
class EmbeddingRequest:
    model: str | None  # None: the default embedding model
    texts: list[str]
    encoding_format: str  # "float" | "base64"
    dimensions: int | None
    role: str  # "passage" | "query"


def parse_embedding_request(body: dict) -> EmbeddingRequest:
    """Check a /v1/embeddings body field by field (400 naming the field when wrong); the texts themselves are
    checked by ``services.embed`` (empty, too many, too long)."""
    model = _get(body, "model", str, "").strip() or None
    given = body.get("input")
    if given is None:
        raise BadField("input", "error.embed.input_required")
    texts = [given] if isinstance(given, str) else given
    if not isinstance(texts, list):
        raise BadField("input", "error.embed.input_kind")
    if len(texts) > MAX_INPUTS:  # before looking at each one
        raise BadField("input", "error.embed.too_many", "hint.embed.split", count=len(texts), max=MAX_INPUTS)
    for i, item in enumerate(texts):
        if isinstance(item, (int, list)) and not isinstance(item, bool):  # token ids: [1, 2] or [[1, 2], [3]]
            raise BadField("input", "error.embed.tokens", "hint.embed.send_text")
        if not isinstance(item, str):
            raise BadField(f"input[{i}]", "error.embed.input_kind")
    fmt = _get(body, "encoding_format", str, "float")
    if fmt not in FORMATS:
        raise BadField("encoding_format", "error.embed.format", format=fmt)
    dimensions = _get(body, "dimensions", int)
    if dimensions is not None and dimensions < 1:
        raise BadField("dimensions", "error.embed.dimensions_positive")
    kind = _get(body, "input_type", str, "passage")
    if kind not in INPUT_TYPES:
        raise BadField("input_type", "error.embed.input_type", value=kind)
    return EmbeddingRequest(model, texts, fmt, dimensions, INPUT_TYPES[kind])


def _check_dimensions(asked: int | None, size: int) -> None:
    if asked is not None and size and asked != size:
        raise BadField("dimensions", "error.embed.dimensions", "hint.embed.dimensions", asked=asked, size=size)


def _encoded(row: Any, fmt: str) -> list[float] | str:
    if fmt == "base64":
        return base64.b64encode(row.astype("<f4").tobytes()).decode("ascii")
    return row.tolist()


def add_embedding_routes(router: APIRouter, services: Any, start: Callable[[Request], Awaitable[tuple[dict, str]]],
                         openai_errors: Callable) -> None:
    """Add the route to ``router`` (the /v1 one of api.py, before its catch-all route). ``start`` checks the key
    and reads the JSON body as every /v1 route does."""

    @router.post("/embeddings")
    @openai_errors
    async def embeddings(request: Request) -> Any:
        # 1. key, body, fields; the model and its size (nothing is queued for a mistake)
        body, owner = await start(request)
        req = parse_embedding_request(body)
        _check_dimensions(req.dimensions, await run_in_threadpool(services.embedding_dimensions, req.model))
        # 2. a job in the torch lane's line, cancelled when the client leaves
        job = await run_in_threadpool(services.embed, req.texts, req.model, req.role, owner)
        feed = JobFeed(job, lambda: services.cancel(job.id, owner))
        result = await feed.result(request)
        if result is None:
            raise ServerError("error.embed.no_vectors", "hint.api.try_again")
        _check_dimensions(req.dimensions, int(result.vectors.shape[1]))
        # 3. the vectors, in the order of the texts
        data = await run_in_threadpool(lambda: [
            {"object": "embedding", "index": i, "embedding": _encoded(row, req.encoding_format)}
            for i, row in enumerate(result.vectors)])
        return JSONResponse({"object": "list", "data": data, "model": result.model,
                             "usage": {"prompt_tokens": result.prompt_tokens, "total_tokens": result.prompt_tokens}})

