"""Ollama's API on the same server (and port) as the page and /v1, for tools that speak only Ollama.

    GET  /api/version       {"version"}: a version Ollama's clients accept (OLLAMA_VERSION)
    GET  /api/tags          chat models (on this computer and remote servers) and embedding models
    POST /api/show          one model: details, model_info (context length), parameters, capabilities
    GET  /api/ps            the models loaded now
    POST /api/chat          messages (images as base64), options, format ("json" or a JSON schema: structured
                            output), stream (default true: NDJSON, one JSON object a line, the last with done=true,
                            done_reason and the counts and durations in ns); tools and think are refused (400)
    POST /api/generate      prompt (+ system, images), the same way, the text in "response"
    POST /api/embed         input (a string or strings) -> {"model", "embeddings", ...}
    POST /api/embeddings    prompt -> {"embedding"} (Ollama's older route)
    pull, push, create, copy, delete, blobs: 501 (models are downloaded in the Models tab)

Request fields are checked in api_ollama_parse.py, models described in api_ollama_models.py. The requests go to
the same ``services`` calls as /v1's, with the same model names and the same key (``Authorization: Bearer KEY`` with
--api-key or --listen); the HTTP guard (http_guard.py) treats /api/ as it treats /v1/ (JSON only). Each request is
one job owned by that request alone, cancelled when the client disconnects. Errors are Ollama's ``{"error": "..."}``
with the status (400 bad request, 401 key, 404 "model 'x' not found", 503 busy or out of memory); an error after the
stream began is sent as a last ``{"error"}`` line, as Ollama does.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from .api import BadField, ServerError, Unauthorized, answering_errors
from .api_ollama_models import KINDS, listed, now, running, show, tag_entry
from .api_ollama_parse import OllamaChat, model_field, parse_chat, parse_embed, parse_generate
from .auth import ApiKey
from .backends.base import ChatResult
from .errors import InvalidInput, UnknownModel, UserError
from .job_feed import JobFeed
from .jobs import Done, TextDelta
from .options import MODEL_SAMPLING, NEUTRAL_SAMPLING
from .untrusted_input import lone_surrogate_at, parse_json

log = logging.getLogger(__name__)

OLLAMA_VERSION = "0.6.8"  # clients check it (Continue and Raycast need 0.6.4 or later); no thinking, no tools
NDJSON = "application/x-ndjson"


class NotSupported(UserError):
    status = 501
    code = "not_supported"


def error_response(exc: UserError) -> JSONResponse:
    """Ollama's error body, ``{"error": "..."}`` (the message, then what to do), with the error's status."""
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
    if exc.code == "busy":
        headers["Retry-After"] = "5"
    return JSONResponse({"error": str(exc)}, status_code=exc.status, headers=headers)


def _ns(seconds: float) -> int:
    return max(0, int(seconds * 1e9))


def final_stats(result: ChatResult, started: float) -> dict[str, Any]:
    """The last object's fields: done_reason, counts and durations in nanoseconds (Ollama's conventions)."""
    total = time.monotonic() - started
    return {"done": True, "done_reason": "length" if result.finish_reason == "length" else "stop",
            "total_duration": _ns(total), "load_duration": _ns(total - result.seconds),
            "prompt_eval_count": result.prompt_tokens, "prompt_eval_duration": _ns(result.first_token_seconds),
            "eval_count": result.completion_tokens,
            "eval_duration": _ns(result.seconds - result.first_token_seconds)}


def build_ollama_router(services: Any, api_key: ApiKey) -> APIRouter:
    """The /api routes as a FastAPI ``APIRouter`` (api.py's ``mount_api`` and ``app_kwargs`` add it)."""
    router = APIRouter(prefix="/api")

    def tag_names() -> str:
        return ", ".join(s.name for s in services.list_models() if listed(s)) or "none yet"

    def resolve(model: str, kind: str) -> str:
        """The name a model is listed under; Ollama's own 404 for an unknown one. A trailing ":latest" (which
        Ollama adds to names without a tag) is dropped when only the name without it is known."""
        if not model:
            raise BadField("model", "error.ollama.model_required", "hint.ollama.models", names=tag_names())
        specs = services.list_models()
        known = lambda name: any(name in (s.name, s.repo_id) for s in specs)  # noqa: E731
        name = model[: -len(":latest")] if model.endswith(":latest") and not known(model) else model
        try:
            return services.model_name(name, kind)
        except UnknownModel:
            if kind == "embedding" and known(name):
                return name  # a chat or image model: services.embed says so and names the embedding models
            raise UnknownModel("error.ollama.unknown_model", "hint.ollama.models", name=model,
                               names=tag_names()) from None

    def check_key(request: Request) -> None:
        if not api_key.allows(request.headers.get("authorization")):
            given = bool(request.headers.get("authorization"))
            raise Unauthorized("error.api.wrong_key" if given else "error.api.needs_key", "hint.api.send_key")

    async def start(request: Request) -> tuple[dict, str]:
        """Check the key, read the JSON body; returns (body, the owner of this request's job)."""
        check_key(request)
        owner = f"ollama:{uuid.uuid4().hex[:12]}"
        if request.method in ("GET", "HEAD"):
            return {}, owner
        try:  # strict JSON, nested a few levels at most (InvalidInput when deeper)
            body = parse_json(await request.body() or b"null")
        except ValueError:  # UnicodeDecodeError included
            raise InvalidInput("error.api.not_json") from None
        if not isinstance(body, dict):
            raise InvalidInput("error.api.not_object")
        if (where := lone_surrogate_at(body)) is not None:
            raise BadField(where, "error.api.lone_surrogate", "hint.api.valid_unicode")
        return body, owner

    ollama_errors = answering_errors("Ollama API", error_response)

    async def wait_for(job: Any, request: Request, owner: str) -> Any:
        """The job's result, waiting with the client (cancelled when it leaves)."""
        feed = JobFeed(job, lambda: services.cancel(job.id, owner))
        result = await feed.result(request)
        return result

    # -- chat and generate ---------------------------------------------------------------------------------------
    async def answer(request: Request, req: OllamaChat, owner: str, started: float,
                     piece: Callable[[str], dict[str, Any]]) -> Any:
        """Run one chat job and answer it as NDJSON lines or one object; ``piece(text)`` is the field that carries
        text ({"message": {...}} for /api/chat, {"response": ...} for /api/generate)."""
        # 1. the model (404 in Ollama's words); no messages: load it, as Ollama does
        name = await run_in_threadpool(resolve, req.model, "text")
        if not req.messages:
            spec = next(s for s in await run_in_threadpool(services.list_models, "text") if s.name == name)
            if spec.source != "remote":
                await wait_for(await run_in_threadpool(services.load, name, "text", owner), request, owner)
            return JSONResponse({"model": name, "created_at": now(), **piece(""), "done": True, "done_reason": "load"})
        # 2. a job in the torch lane's line, sampled with the model's defaults under the client's options
        defaults = await run_in_threadpool(services.chat_defaults, name, NEUTRAL_SAMPLING)
        job = await run_in_threadpool(services.chat, name, req.messages, defaults.with_values(req.sampling), owner)
        feed = JobFeed(job, lambda: services.cancel(job.id, owner))
        # 3. wait in line and for the model to load, holding the response so that errors keep their status
        head = await feed.started(request)
        # 4a. the whole answer at once
        if not req.stream:
            result = await feed.result(request, head)
            if result is None:
                raise ServerError("error.api.no_answer", "hint.api.try_again")
            return JSONResponse({"model": name, "created_at": now(), **piece(result.text),
                                 **final_stats(result, started)})

        # 4b. NDJSON; Starlette cancels this generator when the client disconnects, and closing the feed then
        #     cancels the job
        def line(data: dict[str, Any]) -> str:
            return json.dumps({"model": name, "created_at": now(), **data}, ensure_ascii=False) + "\n"

        async def lines() -> AsyncIterator[str]:
            pending = iter(head)
            try:
                while (event := next(pending, None) or await feed.next()) is not None:
                    if isinstance(event, TextDelta) and event.text:
                        yield line({**piece(event.text), "done": False})
                    elif isinstance(event, Done) and event.result is not None:
                        yield line({**piece(""), **final_stats(event.result, started)})
            except UserError as exc:
                log.info("Ollama API stream failed: %s", exc)
                yield json.dumps({"error": str(exc)}, ensure_ascii=False) + "\n"
            finally:
                feed.close()  # no-op when finished; cancels the job when the client went away

        return StreamingResponse(lines(), media_type=NDJSON, headers={"Cache-Control": "no-cache",
                                                                      "X-Accel-Buffering": "no"})

    @router.post("/chat")
    @ollama_errors
    async def chat(request: Request) -> Any:
        started = time.monotonic()
        body, owner = await start(request)
        return await answer(request, parse_chat(body), owner, started,
                            lambda text: {"message": {"role": "assistant", "content": text}})

    @router.post("/generate")
    @ollama_errors
    async def generate(request: Request) -> Any:
        started = time.monotonic()
        body, owner = await start(request)
        return await answer(request, parse_generate(body), owner, started, lambda text: {"response": text})

    # -- embeddings ----------------------------------------------------------------------------------------------
    async def embed(request: Request, field: str) -> tuple[str, list[list[float]], int, float]:
        """(model, vectors, tokens, seconds) for /api/embed (``input``) or /api/embeddings (``prompt``)."""
        started = time.monotonic()
        body, owner = await start(request)
        req = parse_embed(body, field)
        name = await run_in_threadpool(resolve, req.model, "embedding")
        size = await run_in_threadpool(services.embedding_dimensions, name)  # checks the model: nothing queued
        if req.dimensions is not None and size and req.dimensions != size:
            raise BadField("dimensions", "error.embed.dimensions", "hint.embed.dimensions", asked=req.dimensions,
                           size=size)
        if not req.texts:  # Ollama answers an empty input with no vectors
            return name, [], 0, time.monotonic() - started
        result = await wait_for(await run_in_threadpool(services.embed, req.texts, name, "passage", owner),
                                request, owner)
        if result is None:
            raise ServerError("error.embed.no_vectors", "hint.api.try_again")
        vectors = await run_in_threadpool(result.vectors.tolist)
        return result.model, vectors, result.prompt_tokens, time.monotonic() - started

    @router.post("/embed")
    @ollama_errors
    async def embed_route(request: Request) -> Any:
        model, vectors, tokens, seconds = await embed(request, "input")
        return JSONResponse({"model": model, "embeddings": vectors, "total_duration": _ns(seconds),
                             "load_duration": 0, "prompt_eval_count": tokens})

    @router.post("/embeddings")
    @ollama_errors
    async def embeddings_route(request: Request) -> Any:
        _, vectors, _, _ = await embed(request, "prompt")
        return JSONResponse({"embedding": vectors[0] if vectors else []})

    # -- models --------------------------------------------------------------------------------------------------
    @router.api_route("/version", methods=["GET", "HEAD"])
    @ollama_errors
    async def version(request: Request) -> Any:
        await start(request)
        return JSONResponse({"version": OLLAMA_VERSION})

    @router.get("/tags")
    @ollama_errors
    async def tags(request: Request) -> Any:
        await start(request)
        specs = await run_in_threadpool(services.list_models)
        return JSONResponse({"models": await run_in_threadpool(lambda: [tag_entry(s) for s in specs if listed(s)])})

    @router.post("/show")
    @ollama_errors
    async def show_route(request: Request) -> Any:
        body, _ = await start(request)
        model = model_field(body)

        def describe() -> dict[str, Any]:
            embedding = {s.name for s in services.list_models("embedding")}
            kind = "embedding" if model in embedding or model.removesuffix(":latest") in embedding else "text"
            name = resolve(model, kind)
            spec = next(s for s in services.list_models(kind) if s.name == name)
            if kind == "embedding":
                return show(spec, {}, services.embedding_dimensions(name))
            defaults = services.chat_defaults(name, NEUTRAL_SAMPLING)
            return show(spec, {f: getattr(defaults, f) for f in MODEL_SAMPLING})

        return JSONResponse(await run_in_threadpool(describe))

    @router.get("/ps")
    @ollama_errors
    async def ps(request: Request) -> Any:
        await start(request)
        loaded = await run_in_threadpool(services.loaded_models)
        return JSONResponse({"models": [running(m.spec, m.plan) for m in loaded if m.spec.kind in KINDS]})

    # -- what LocalAI leaves to its Models tab ---------------------------------------------------------------------
    def refuse(route: str) -> Callable:
        async def unsupported(request: Request) -> Any:
            check_key(request)
            raise NotSupported("error.ollama.not_supported", "hint.ollama.models_tab", route=f"/api/{route}")

        unsupported.__name__ = f"unsupported_{route}"
        return ollama_errors(unsupported)

    for route in ("pull", "push", "create", "copy"):
        router.add_api_route(f"/{route}", refuse(route), methods=["POST"])
    router.add_api_route("/delete", refuse("delete"), methods=["DELETE", "POST"])
    router.add_api_route("/blobs/{digest}", refuse("blobs"), methods=["HEAD", "POST"])

    @router.api_route("/{path:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"])
    @ollama_errors
    async def unknown_route(request: Request) -> Any:
        check_key(request)
        raise UnknownRoute("error.api.no_route", "hint.ollama.routes", method=request.method,
                           path=f"/api/{request.path_params['path']}")

    return router


class UnknownRoute(UserError):
    status = 404
    code = "unknown_url"
