"""OpenAI-compatible HTTP API over ``services``, on the same server (and port) as the page.

    GET  /v1/models                 chat and image models on disk (local ones by folder name); extras:
                                    capabilities, context_length (see model_capabilities.py)
    POST /v1/chat/completions       model, messages, max_tokens, temperature, top_p, seed, stop,
                                    stream (server-sent events ending in "data: [DONE]"),
                                    frequency_penalty, presence_penalty, stream_options.include_usage;
                                    extras: top_k, repetition_penalty. Fields left out take the model's
                                    own generation_config.json defaults, else neutral sampling.
                                    content: text, or text and image_url parts (base64 data URLs, for
                                    vision models; see api_chat_content.py); tools, tool_choice,
                                    parallel_tool_calls and tool / tool-calling messages (see api_tools.py);
                                    response_format json_object / json_schema (constrained decoding, see
                                    structured_output.py)
    POST /v1/images/generations     model, prompt, n, size "WxH", response_format "b64_json";
                                    extras: negative_prompt, steps, guidance_scale, seed, scheduler
    POST /v1/images/edits           multipart/form-data (the only /v1 routes that take it; see
    POST /v1/images/variations      api_image_edits.py): a picture edited or varied, answered as above
    POST /v1/embeddings             model (optional), input (a string or strings), encoding_format float|base64,
                                    dimensions (the model's own only); see api_embeddings.py
    POST /v1/completions            model, prompt (raw: no chat template), max_tokens (16), echo, stream...;
                                    see api_completions.py

Each request is one job on the torch lane, owned by that request alone, so it waits in the
same FIFO as the page's jobs and nobody else can cancel it. A client that disconnects (a dropped
stream, a closed connection while waiting) cancels its job. Errors are OpenAI-style JSON:
``{"error": {"message", "type", "param", "code"}}`` with the ``UserError``'s status (400 bad
request, 401 no or wrong key, 404 unknown model, 503 busy or out of memory).

The response is held back until the model is loaded and writing, so that loading errors
(not enough memory, a broken folder) still get their own status; after that, an error that
happens mid-stream is sent as an ``error`` event.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from .auth import ApiKey
from .backends.base import ChatResult
from .api_chat_content import parse_content
from .errors import InternalError, InvalidInput, UserError
from .job_feed import ClientGone, JobFeed
from .jobs import Done, ImageReady, TextDelta
from .options import (
    CHAT_CHARACTERS,
    CHAT_MESSAGES,
    CHAT_NUMBERS,
    CHAT_SEED,
    GUIDANCE,
    IMAGE_COUNT,
    IMAGE_SEED,
    IMAGE_STEPS,
    MAX_NEW_TOKENS,
    MAX_STOP_STRINGS,
    NEUTRAL_SAMPLING,
    ChatOptions,
    Number,
    shown,
)
from .messages import Message, render
from .untrusted_input import lone_surrogate_at, parse_json

log = logging.getLogger(__name__)

ON_DISK = ("local", "cache", "remote")  # what the API serves: models on disk here, and those of remote servers
ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
               404: "invalid_request_error", 422: "invalid_request_error"}


# -- errors ----------------------------------------------------------------------------------------------
class BadField(InvalidInput):
    """A request field with the wrong type or value, named in the message and as ``param`` in the error JSON."""

    def __init__(self, param: str, key: str, hint_key: str | None = None, /, **params: Any) -> None:
        super().__init__(key, hint_key, field=param, **params)
        self.field = param


class Unauthorized(UserError):
    status = 401
    code = "invalid_api_key"


ServerError = InternalError


# The request field for a field of ChatOptions / ImageRequest that an error from services names.
API_FIELDS = {"num_images": "n", "width": "size", "height": "size", "max_new_tokens": "max_tokens"}


def error_body(exc: UserError) -> dict[str, Any]:
    status = exc.status
    kind = ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    param = API_FIELDS.get(exc.field, exc.field) if exc.field else None
    return {"error": {"message": str(exc), "type": kind, "param": param, "code": exc.code}}


def error_response(exc: UserError) -> JSONResponse:
    headers = {}
    if exc.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if exc.code == "busy":
        headers["Retry-After"] = "5"
    elif exc.status >= 500:
        headers["x-should-retry"] = "false"  # the openai client would otherwise retry out-of-memory
    return JSONResponse(error_body(exc), status_code=exc.status, headers=headers)


# -- reading request fields ------------------------------------------------------------------------------
JSON_TYPE_KEYS = {str: "api.type.str", int: "api.type.int", float: "api.type.float", bool: "api.type.bool",
                  list: "api.type.list", dict: "api.type.dict"}


def _get(body: dict, name: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
    value = body.get(name)
    if value is None:
        return default
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
        what = [Message(JSON_TYPE_KEYS[k]) if k in JSON_TYPE_KEYS else k.__name__ for k in kinds]
        if len(what) == 1:
            raise BadField(name, "error.api.field_type", kind=what[0])
        raise BadField(name, "error.api.field_types", kind=what[0], other=what[1])
    return value


def _number(body: dict, name: str, option: Number) -> float | int | None:
    """A number field within ``option``'s bounds (declared in options.py), or None when not sent."""
    value = _get(body, name, int if option.whole else (int, float))
    if value is None:
        return None
    if not option.allows(value):
        if option.lo_open and value == option.lo:
            raise BadField(name, "error.api.field_above", lo=shown(option.lo))
        raise BadField(name, "error.api.field_range", lo=shown(option.lo), hi=shown(option.hi), value=shown(value))
    return value if option.whole else float(value)


def _model(body: dict, what: str, known: Callable[[], list[str]]) -> str:
    model = _get(body, "model", str, "")
    if not model.strip():
        raise BadField("model", "error.api.model_required", "hint.api.models",
                       what=Message("api.kind.chat" if what == "chat" else "api.kind.image"),
                       names=", ".join(known()) or "none yet")
    return model


# -- chat ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChatRequest:
    model: str
    messages: list[dict[str, Any]]  # role, content (text) and, when sent, images (picture files)
    sampling: dict[str, Any]  # only the ChatOptions fields the client sent
    stream: bool
    include_usage: bool
    tools: Any = None  # api_tools.ToolRequest: the tools offered to the model (None: none)

    def options(self, defaults: ChatOptions = NEUTRAL_SAMPLING) -> ChatOptions:
        """The client's sampling fields over ``defaults`` (the model's own, else neutral ones)."""
        return defaults.with_values(self.sampling)


# Request field -> ChatOptions field: OpenAI's, then this server's extras (top_k, repetition_penalty).
SAMPLING_FIELDS = {"temperature": "temperature", "top_p": "top_p", "frequency_penalty": "frequency_penalty",
                   "presence_penalty": "presence_penalty", "top_k": "top_k", "repetition_penalty": "repetition_penalty"}


def answering_errors(label: str, respond: Callable[[UserError], Response]) -> Callable[[Callable], Callable]:
    """A decorator for an API's routes: a ``UserError`` becomes ``respond(error)`` (the API's own error format), a
    client that left a 499, and a bug a plain "crashed" error (the traceback goes to the log only)."""

    def decorate(route: Callable) -> Callable:
        async def wrapped(request: Request) -> Any:
            try:
                return await route(request)
            except UserError as exc:
                log.info("%s %s %s: %s %s", label, request.method, request.url.path, exc.status, exc.message)
                return respond(exc)
            except ClientGone:
                log.info("%s %s %s: the client left; its job was cancelled", label, request.method, request.url.path)
                return Response(status_code=499)
            except Exception as exc:  # a bug: the log gets the traceback, the client a plain line
                log.exception("%s %s %s crashed", label, request.method, request.url.path)
                return respond(ServerError("error.api.crashed", "hint.api.console_log", error=type(exc).__name__))

        wrapped.__name__ = route.__name__
        return wrapped

    return decorate


def sampling_fields(body: dict) -> dict[str, Any]:
    """The sampling fields a /v1 body sets (temperature, top_p, penalties, top_k, stop), as ChatOptions fields."""
    sampling: dict[str, Any] = {}
    for name, option_name in SAMPLING_FIELDS.items():
        value = _number(body, name, CHAT_NUMBERS[option_name])
        if value is not None:
            sampling[option_name] = value
    stop = body.get("stop")
    stop = [stop] if isinstance(stop, str) else stop
    if stop is not None and (not isinstance(stop, list) or not all(isinstance(s, str) and s for s in stop)
                             or len(stop) > MAX_STOP_STRINGS):
        raise BadField("stop", "error.api.stop", max=MAX_STOP_STRINGS)
    if stop:
        sampling["stop"] = tuple(stop)
    return sampling


def parse_chat_request(body: dict, known: Callable[[], list[str]] = list) -> ChatRequest:
    """Check a /v1/chat/completions body field by field (400 with the field's name when wrong)."""
    model = _model(body, "chat", known)
    messages = _get(body, "messages", list)
    if not messages:
        raise BadField("messages", "error.api.messages_list")
    CHAT_MESSAGES.check(len(messages), "messages")  # before any work per message
    from .api_tools import is_tool_message, parse_tool_message, parse_tools  # noqa: PLC0415  (it imports this module)

    msgs = []
    for i, m in enumerate(messages):
        if not isinstance(m, dict):
            raise BadField(f"messages[{i}]", "error.api.message_object", item=f"messages[{i}]")
        if is_tool_message(m):  # a tool's result, or an assistant's tool calls
            msgs.append(parse_tool_message(m, i, msgs))
            continue
        role = m.get("role")
        role = "system" if role == "developer" else role
        if role not in ("system", "user", "assistant"):
            raise BadField(f"messages[{i}].role", "error.api.role", item=f"messages[{i}]", role=role)
        text, pictures = parse_content(m.get("content"), f"messages[{i}].content")  # pictures: data URLs only
        msgs.append({"role": role, "content": text, **({"images": pictures} if pictures else {})})
    CHAT_CHARACTERS.check(sum(len(m["content"]) for m in msgs), "messages")
    if body.get("functions"):  # OpenAI's old form of function calling
        raise BadField("functions", "error.api.no_tools")
    tools = parse_tools(body)
    if _get(body, "n", int, 1) != 1:
        raise BadField("n", "error.api.only_n1")
    from .structured_output import parse_response_format  # noqa: PLC0415

    sampling: dict[str, Any] = {}
    response_format = parse_response_format(_get(body, "response_format", dict))  # JSON mode, JSON schema
    if response_format is not None:
        sampling["response_format"] = response_format
    sampling.update(sampling_fields(body))
    max_tokens = _number(body, "max_completion_tokens", MAX_NEW_TOKENS) or _number(body, "max_tokens", MAX_NEW_TOKENS)
    if max_tokens:
        sampling["max_new_tokens"] = max_tokens
    seed = _number(body, "seed", CHAT_SEED)  # as on the page: -1 or none -> a random one
    if seed is not None:
        sampling["seed"] = seed
    stream = _get(body, "stream", bool, False)
    stream_options = _get(body, "stream_options", dict, {})
    if stream_options and not stream:
        raise BadField("stream_options", "error.api.stream_options")
    if not isinstance(stream_options.get("include_usage", False), bool):
        raise BadField("stream_options.include_usage", "error.api.field_type", kind=Message("api.type.bool"))
    include_usage = bool(stream_options.get("include_usage", False))
    if tools.offered:
        sampling["tools"] = tools.offered
    return ChatRequest(model, msgs, sampling, stream, include_usage, tools)


def _usage(result: ChatResult) -> dict[str, Any]:
    # OpenAI's prompt_tokens_details.cached_tokens: prompt tokens the conversation cache supplied
    return {"prompt_tokens": result.prompt_tokens, "completion_tokens": result.completion_tokens,
            "total_tokens": result.prompt_tokens + result.completion_tokens,
            "prompt_tokens_details": {"cached_tokens": result.cached_tokens}}


def _finish(result: ChatResult) -> str:
    return "length" if result.finish_reason == "length" else "stop"


# -- images ----------------------------------------------------------------------------------------------
SIZE = re.compile(r"^\s*([0-9]{1,5})\s*[xX×]\s*([0-9]{1,5})\s*$")  # ASCII digits only: "６４x６４" is refused


def parse_image_request(body: dict, known: Callable[[], list[str]] = list) -> tuple[str, Any]:
    """Check a /v1/images/generations body; returns (model, ImageRequest with unset fields left None)."""
    from .image_request import DEFAULT_SCHEDULER, ImageRequest  # noqa: PLC0415

    model = _model(body, "image", known)
    prompt = _get(body, "prompt", str, "")
    if not prompt.strip():
        raise BadField("prompt", "error.api.prompt_required")
    fmt = _get(body, "response_format", str, "b64_json")
    if fmt != "b64_json":
        raise BadField("response_format", "error.api.image_format", format=fmt)
    size = _get(body, "size", str, "auto")
    width = height = None
    if size != "auto":
        match = SIZE.match(size)
        if not match:
            raise BadField("size", "error.api.size", size=size)
        width, height = int(match[1]), int(match[2])
    seed = _number(body, "seed", IMAGE_SEED)
    return model, ImageRequest(
        prompt=prompt,
        negative_prompt=_get(body, "negative_prompt", str, ""),
        seed=IMAGE_SEED.default if seed is None else seed,
        steps=_number(body, "steps", IMAGE_STEPS),
        guidance_scale=_number(body, "guidance_scale", GUIDANCE),
        width=width,
        height=height,
        num_images=_number(body, "n", IMAGE_COUNT) or IMAGE_COUNT.default,
        scheduler=_get(body, "scheduler", str, DEFAULT_SCHEDULER),
    )


def _owner(spec: Any) -> str:
    """Where a model lives, for /v1/models' ``owned_by``: "local", "huggingface-cache" or "remote:pc2,pc3"."""
    if spec.source == "remote":
        return "remote:" + ",".join(spec.servers)
    return "local" if spec.source == "local" else "huggingface-cache"


def _png_b64(image: Any) -> str:
    path = getattr(image, "path", None)
    if path is not None and path.is_file():  # the saved file, with its generation metadata
        return base64.b64encode(path.read_bytes()).decode("ascii")
    buf = io.BytesIO()
    image.image.save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode("ascii")


async def images_response(services: Any, request: Request, model: str, image_request: Any, owner: str,
                          revised_prompt: str | None = None) -> JSONResponse:
    """Draw ``image_request`` as one job owned by ``owner`` (cancelled when the client leaves) and answer
    ``{"created", "data": [{"b64_json", "revised_prompt", "seed"}], "size", "output_format", "model"}``."""
    job = await run_in_threadpool(services.generate_images, model, image_request, owner)
    feed = JobFeed(job, lambda: services.cancel(job.id, owner))
    result, saved = None, []
    try:
        while (event := await feed.next(request)) is not None:
            if isinstance(event, ImageReady) and event.image.finished:
                saved.append(event.image)  # with the path of its PNG under --outputs-dir
            elif isinstance(event, Done):
                result = event.result
    finally:
        feed.close()
    if result is None:
        raise ServerError("error.api.no_images", "hint.api.try_again")
    images = saved or [im for im in result.images if im.finished]
    data = await run_in_threadpool(lambda: [{"b64_json": _png_b64(im), "revised_prompt": revised_prompt,
                                             "seed": im.info.seed} for im in images])
    return JSONResponse({"created": int(time.time()), "data": data,
                         "size": f"{result.request.width}x{result.request.height}",
                         "output_format": "png", "model": result.model})


# -- the routes ------------------------------------------------------------------------------------------
def build_router(services: Any, api_key: ApiKey) -> APIRouter:
    """The /v1 routes as a FastAPI ``APIRouter`` (see ``mount_api``)."""
    router = APIRouter(prefix="/v1")

    def names(kind: str) -> Callable[[], list[str]]:
        return lambda: [s.name for s in services.list_models(kind) if s.source in ON_DISK]

    def authorize(request: Request) -> str:
        """Check the key; returns the owner of this request's job."""
        if not api_key.allows(request.headers.get("authorization")):
            given = bool(request.headers.get("authorization"))
            raise Unauthorized("error.api.wrong_key" if given else "error.api.needs_key", "hint.api.send_key")
        return f"api:{uuid.uuid4().hex[:12]}"

    async def start(request: Request) -> tuple[dict, str]:
        """Check the key, read the JSON body; returns (body, owner of this request's job)."""
        owner = authorize(request)
        if request.method == "GET":
            return {}, ""
        try:  # strict JSON, nested a few levels at most (InvalidInput when deeper)
            body = parse_json(await request.body() or b"null")
        except ValueError:  # UnicodeDecodeError included
            raise InvalidInput("error.api.not_json") from None
        if not isinstance(body, dict):
            raise InvalidInput("error.api.not_object")
        if (where := lone_surrogate_at(body)) is not None:  # "x\ud800": valid JSON, but not text
            raise BadField(where, "error.api.lone_surrogate", "hint.api.valid_unicode")
        return body, owner

    openai_errors = answering_errors("API", error_response)

    @router.get("/models")
    @openai_errors
    async def models(request: Request) -> Any:
        await start(request)

        def listed() -> list[dict[str, Any]]:  # capabilities read small files (chat templates): off the event loop
            return [{"id": s.name, "object": "model", "created": 0, "owned_by": _owner(s),
                     "kind": "chat" if s.kind == "text" else s.kind, "capabilities": services.model_capabilities(s),
                     **({"context_length": s.context_length} if s.context_length else {})}
                    for s in services.list_models() if s.source in ON_DISK and s.kind in ("text", "image", "embedding")]

        return JSONResponse({"object": "list", "data": await run_in_threadpool(listed)})

    @router.post("/chat/completions")
    @openai_errors
    async def chat_completions(request: Request) -> Any:
        # 1. key, body, fields
        body, owner = await start(request)
        req = parse_chat_request(body, names("text"))
        # 2. a job in the torch lane's line (Busy -> 503 when the line is full; unknown model -> 404), sampled
        #    with the model's own defaults (its generation_config.json), else neutral ones, under the client's fields
        defaults = await run_in_threadpool(services.chat_defaults, req.model, NEUTRAL_SAMPLING)
        job = await run_in_threadpool(services.chat, req.model, req.messages, req.options(defaults), owner)
        feed = JobFeed(job, lambda: services.cancel(job.id, owner))
        # 3. wait in line and for the model to load, holding the response so that errors keep their status
        head = await feed.started(request)
        ident, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
        model = services.model_name(req.model, "text")
        from .api_tools import StreamedTools, ToolRequest, answer_message  # noqa: PLC0415

        # 4a. the whole answer at once
        if not req.stream:
            result = await feed.result(request, head)
            if result is None:
                raise ServerError("error.api.no_answer", "hint.api.try_again")
            message, finish = answer_message(result.text, _finish(result), req.tools or ToolRequest())
            return JSONResponse({
                "id": ident, "object": "chat.completion", "created": created, "model": model,
                "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
                "usage": _usage(result), "system_fingerprint": None})

        # 4b. server-sent events; Starlette cancels this generator when the client disconnects
        def chunk(delta: dict | None, finish: str | None = None, usage: dict | None = None) -> str:
            data: dict[str, Any] = {"id": ident, "object": "chat.completion.chunk", "created": created,
                                    "model": model, "system_fingerprint": None,
                                    "choices": [] if delta is None else
                                    [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
            if req.include_usage:
                data["usage"] = usage
            return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

        async def sse() -> AsyncIterator[str]:
            pending = iter(head)
            tools = StreamedTools(req.tools or ToolRequest())  # holds back what may be a tool call
            try:
                yield chunk({"role": "assistant", "content": ""})
                while (event := next(pending, None) or await feed.next()) is not None:
                    if isinstance(event, TextDelta):
                        if text := tools.text(event.text):
                            yield chunk({"content": text})
                    elif isinstance(event, Done):
                        last, finish = tools.end(_finish(event.result))
                        for delta in last:
                            yield chunk(delta)
                        yield chunk({}, finish)
                        if req.include_usage:
                            yield chunk(None, usage=_usage(event.result))
                yield "data: [DONE]\n\n"
            except UserError as exc:
                log.info("API chat stream failed: %s", exc)
                yield f"data: {json.dumps(error_body(exc), ensure_ascii=False)}\n\n"
                yield "data: [DONE]\n\n"
            finally:
                feed.close()  # no-op when finished; cancels the job when the client went away

        return StreamingResponse(sse(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @router.post("/images/generations")
    @openai_errors
    async def images_generations(request: Request) -> Any:
        body, owner = await start(request)
        model, image_request = parse_image_request(body, names("image"))
        return await images_response(services, request, model, image_request, owner)

    from .api_image_edits import add_image_edit_routes  # noqa: PLC0415  (it imports this module)

    add_image_edit_routes(router, services, authorize, openai_errors, names("image"))  # before the catch-all

    from .api_embeddings import add_embedding_routes  # noqa: PLC0415  (it imports this module)

    add_embedding_routes(router, services, start, openai_errors)

    from .api_completions import add_completion_routes  # noqa: PLC0415  (it imports this module)

    add_completion_routes(router, services, start, openai_errors, names("text"))

    @router.api_route("/{path:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    @openai_errors
    async def unknown_route(request: Request) -> Any:
        await start(request)
        raise NotFoundRoute("error.api.no_route", "hint.api.routes", method=request.method,
                            path=f"/v1/{request.path_params['path']}")

    return router


class NoRemoteFetch:
    """ASGI middleware: refuse Gradio's routes that make the server fetch other hosts' URLs
    (``/gradio_api/file=https://...`` streams any public URL; ``/gradio_api/proxy=`` relays to
    Hugging Face Spaces). This app never needs them, and the server must contact no other host."""

    REFUSED = re.compile(r"^/gradio_api/(proxy=|file=\s*(https?:|//))", re.IGNORECASE)

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "http" and self.REFUSED.match(scope.get("path", "")):
            await Response(render(Message("error.api.no_proxy"), "en"), status_code=403,
                           media_type="text/plain")(scope, receive, send)
            return
        await self.app(scope, receive, send)


def app_kwargs(services: Any, api_key: ApiKey) -> dict[str, Any]:
    """What ``Blocks.launch(app_kwargs=...)`` passes to Gradio's FastAPI app: the /v1 routes, in place
    before the server answers its first request, and the ``NoRemoteFetch`` guard."""
    from starlette.middleware import Middleware  # noqa: PLC0415

    from .api_ollama import build_ollama_router  # noqa: PLC0415  (it imports this module)

    routes = [*build_router(services, api_key).routes, *build_ollama_router(services, api_key).routes]  # /v1, /api
    return {"routes": routes, "middleware": [Middleware(NoRemoteFetch)]}


class NotFoundRoute(UserError):
    status = 404
    code = "unknown_url"


def mount_api(app: Any, services: Any, api_key: ApiKey) -> None:
    """Add the /v1 routes and Ollama's /api routes to a FastAPI app (``Blocks.launch``'s, or any other)."""
    from .api_ollama import build_ollama_router  # noqa: PLC0415  (it imports this module)

    app.include_router(build_router(services, api_key))
    app.include_router(build_ollama_router(services, api_key))  # Ollama's API: /api/...
