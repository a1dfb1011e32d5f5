"""``POST /v1/completions``: OpenAI's legacy completions (a prompt in, its continuation out), over ``services.complete``.

    model             a text model on this computer (transformers or GGUF; GET /v1/models marks them "completion")
    prompt            a string, or a list holding one string: given to the model AS IT IS, with no chat template.
                      Several prompts in one request are refused (send one request each); token-id arrays too
    max_tokens        default 16, as OpenAI's; cut to what still fits the model's context after the prompt
    temperature, top_p, frequency_penalty, presence_penalty, stop, seed, top_k, repetition_penalty
                      as /v1/chat/completions (fields left out take the model's generation_config.json defaults)
    stream            server-sent events: ``choices[0].text`` pieces, a last chunk with ``finish_reason``, then
                      ``data: [DONE]``; ``stream_options.include_usage`` adds a usage chunk before it
    echo              true: the prompt comes back before the continuation (in the first chunk when streamed)
    suffix, logprobs, best_of > 1, n > 1
                      refused with a 400 naming the field
    user              ignored

A prompt with as many tokens as the model's context, or more, is a 400 (nothing is cut from it). Vision and
remote models are refused with a 400 saying to use /v1/chat/completions. The request is one job on the torch
lane, owned by the request alone, cancelled when the client leaves; it runs on its own (plain ``generate``),
never joining the batching engine's batch. Answer: ``{"id": "cmpl-...", "object": "text_completion", "created",
"model", "choices": [{"text", "index": 0, "logprobs": null, "finish_reason": "stop" | "length"}], "usage"}``.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from .api import BadField, ServerError, _finish, _get, _model, _number, error_body, sampling_fields
from .backends.base import ChatResult
from .errors import UserError
from .job_feed import JobFeed
from .jobs import Done, TextDelta
from .messages import Message
from .options import CHAT_SEED, MAX_NEW_TOKENS, NEUTRAL_SAMPLING, ChatOptions

log = logging.getLogger(__name__)

DEFAULT_MAX_TOKENS = 16  # OpenAI's default for /v1/completions


@dataclass(frozen=True)
class CompletionRequest:
    model: str
    prompt: str
    sampling: dict[str, Any]  # the ChatOptions fields the client sent (max_new_tokens always)
    stream: bool
    include_usage: bool
    echo: bool

    def options(self, defaults: ChatOptions = NEUTRAL_SAMPLING) -> ChatOptions:
        return defaults.with_values(self.sampling)


def _prompt(body: dict) -> str:
    given = body.get("prompt")
    if given is None:
        raise BadField("prompt", "error.complete.prompt_required")
    if isinstance(given, str):
        return given
    if not isinstance(given, list) or not given:
        raise BadField("prompt", "error.complete.prompt_kind")
    if any(isinstance(item, (int, list)) and not isinstance(item, bool) for item in given):  # [1, 2] or [[1, 2]]
        raise BadField("prompt", "error.complete.tokens", "hint.complete.send_text")
    if len(given) > 1:
        raise BadField("prompt", "error.complete.one_prompt", "hint.complete.one_prompt", count=len(given))
    if not isinstance(given[0], str):
        raise BadField("prompt", "error.complete.prompt_kind")
    return given[0]


def _refuse_unsupported(body: dict) -> None:
    """suffix, logprobs, best_of > 1 and n > 1: a 400 naming the field (left out, null or their no-op value: fine)."""
    unsupported = {"suffix": body.get("suffix") not in (None, ""), "logprobs": body.get("logprobs") is not None,
                   "best_of": body.get("best_of") not in (None, 1)}
    for name, sent in unsupported.items():
        if sent:
            raise BadField(name, "error.complete.not_supported", "hint.complete.not_supported")
    if _get(body, "n", int, 1) != 1:
        raise BadField("n", "error.api.only_n1")


def parse_completion_request(body: dict, known: Callable[[], list[str]] = list) -> CompletionRequest:
    """Check a /v1/completions body field by field (400 naming the field when wrong)."""
    model = _model(body, "chat", known)
    prompt = _prompt(body)
    _refuse_unsupported(body)
    sampling = sampling_fields(body)
    sampling["max_new_tokens"] = _number(body, "max_tokens", MAX_NEW_TOKENS) or DEFAULT_MAX_TOKENS
    seed = _number(body, "seed", CHAT_SEED)  # -1 or none: a random one
    if seed is not None:
        sampling["seed"] = seed
    stream = _get(body, "stream", bool, False)
    stream_options = _get(body, "stream_options", dict, {})
    if stream_options and not stream:
        raise BadField("stream_options", "error.api.stream_options")
    include_usage = stream_options.get("include_usage", False)
    if not isinstance(include_usage, bool):
        raise BadField("stream_options.include_usage", "error.api.field_type", kind=Message("api.type.bool"))
    return CompletionRequest(model, prompt, sampling, stream, include_usage, _get(body, "echo", bool, False))


def _usage(result: ChatResult) -> dict[str, Any]:
    return {"prompt_tokens": result.prompt_tokens, "completion_tokens": result.completion_tokens,
            "total_tokens": result.prompt_tokens + result.completion_tokens}


def add_completion_routes(router: APIRouter, services: Any, start: Callable[[Request], Awaitable[tuple[dict, str]]],
                          openai_errors: Callable, known: Callable[[], list[str]]) -> None:
    """Add the route to ``router`` (the /v1 one of api.py, before its catch-all route). ``start`` checks the key
    and reads the JSON body as every /v1 route does; ``known`` lists the text models (for a missing 'model')."""

    @router.post("/completions")
    @openai_errors
    async def completions(request: Request) -> Any:
        # 1. key, body, fields; the model's own sampling defaults under the client's fields (unknown model: 404)
        body, owner = await start(request)
        req = parse_completion_request(body, known)
        defaults = await run_in_threadpool(services.chat_defaults, req.model, NEUTRAL_SAMPLING)
        # 2. a job in the torch lane's line (a vision or remote model: 400 before any work)
        job = await run_in_threadpool(services.complete, req.model, req.prompt, req.options(defaults), owner)
        feed = JobFeed(job, lambda: services.cancel(job.id, owner))
        # 3. wait in line and for the model to load, holding the response so that errors (too long) keep their status
        head = await feed.started(request)
        ident, created = f"cmpl-{uuid.uuid4().hex[:24]}", int(time.time())
        model = services.model_name(req.model, "text")
        echoed = req.prompt if req.echo else ""

        def answer(text: str, finish: str | None) -> dict[str, Any]:
            return {"id": ident, "object": "text_completion", "created": created, "model": model,
                    "system_fingerprint": None,
                    "choices": [{"text": text, "index": 0, "logprobs": None, "finish_reason": finish}]}

        # 4a. the whole continuation at once
        if not req.stream:
            result = await feed.result(request, head)
            if result is None:
                raise ServerError("error.complete.no_text", "hint.api.try_again")
            return JSONResponse({**answer(echoed + result.text, _finish(result)), "usage": _usage(result)})

        # 4b. server-sent events; Starlette cancels this generator when the client disconnects
        def chunk(data: dict[str, Any], usage: dict[str, Any] | None = None) -> str:
            if req.include_usage:
                data = {**data, "usage": usage}
            return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

        async def sse() -> AsyncIterator[str]:
            pending = iter(head)
            try:
                if echoed:
                    yield chunk(answer(echoed, None))
                while (event := next(pending, None) or await feed.next()) is not None:
                    if isinstance(event, TextDelta):
                        yield chunk(answer(event.text, None))
                    elif isinstance(event, Done):
                        yield chunk(answer("", _finish(event.result)))
                        if req.include_usage:
                            yield chunk({**answer("", None), "choices": []}, _usage(event.result))
                yield "data: [DONE]\n\n"
            except UserError as exc:
                log.info("API completions stream failed: %s", exc)
                yield f"data: {json.dumps(error_body(exc), ensure_ascii=False)}\n\n"
                yield "data: [DONE]\n\n"
            finally:
                feed.close()  # no-op when finished; cancels the job when the client went away

        return StreamingResponse(sse(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
