"""Drives transformers' continuous-batching manager on the calling thread (the torch lane's own).

The manager is never ``start()``-ed: its loop thread would be a second thread doing torch work, which
slows CPU decode by a third (ENVIRONMENT.md). Instead ``BatchRunner.run`` calls one loop step at a time:

1. admit the requests handed over (the first ones, then whatever ``more()`` gives between steps);
2. end the requests cancelled or stopped by a stop string (the manager drops them at its next step);
3. one decode step of every live request together (a new one prefills in the same step);
4. hand each request its new tokens, end those at end-of-sequence or max tokens;
5. memory running out in a step: the newest request fails with the usual out-of-memory message, the
   others start again from where they were (their prompt plus the answer so far, mostly from the cache).

The manager's internals used here (``_create_batch_processor``, ``_generation_loop_body``, the runner's
``_sample``, the cache's ledger) are private: ``BatchRunner(...)`` raises ``BatchingUnavailable`` when they
are not what this expects, and the backend then answers one request at a time.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..errors import OutOfMemory
from .cache_budget import HEADROOM, CacheSize, cache_size, kv_bytes_per_token, make_room, protected_blocks
from .sampler import RowSampling, install_sampler

log = logging.getLogger(__name__)

MAX_BATCH_TOKENS = 512  # tokens per step: a long prompt is prefilled in chunks, the others decode in between
MAX_REQUESTS = 16  # requests decoding together


class BatchingUnavailable(Exception):
    """This model (or this transformers) cannot batch: serve it one request at a time."""


class Cancellable(Protocol):
    @property
    def cancelled(self) -> bool: ...


@dataclass
class EngineRequest:
    """One answer to generate. The callbacks run on the runner's thread, between steps."""

    prompt_ids: list[int]
    max_new_tokens: int
    sampling: RowSampling
    cancel: Cancellable
    on_tokens: Callable[[list[int]], None]  # the new tokens of a step
    stopped: Callable[[], bool]  # a stop string has been seen: end it
    on_end: Callable[[EngineRequest, BaseException | None], None]
    # kept by the runner
    generated: list[int] = field(default_factory=list)
    finish_reason: str = ""  # "stop" | "length" | "cancelled" once ended
    cached_tokens: int = 0  # prompt tokens taken from the cache, not recomputed
    order: int = 0  # admission order: the newest fails first when memory runs out
    _id: str = ""
    _seen: int = 0  # tokens of the manager's current copy of this request already handed on


class BatchRunner:
    """The batching engine of one loaded model."""

    def __init__(self, model: Any, *, eos_token_ids: Sequence[int], cache_bytes: int = 0,
                 max_batch_tokens: int = MAX_BATCH_TOKENS, max_requests: int = MAX_REQUESTS) -> None:
        import torch  # noqa: PLC0415

        self.model = model
        self.eos_token_ids = [int(t) for t in eos_token_ids] or [-1]
        self.max_requests = max_requests
        dtype_bytes = torch.tensor([], dtype=model.dtype).element_size()
        self.size: CacheSize = cache_size(cache_bytes, kv_bytes_per_token(model.config, dtype_bytes))
        self._ids = itertools.count(1)
        self._orders = itertools.count(1)
        self._sampling: dict[str, RowSampling] = {}
        self._matched: dict[str, int] = {}  # request id -> prompt tokens found in the cache
        self.prompt_tokens_computed = 0  # over the runner's life: what prefill really computed
        self.prompt_tokens_cached = 0
        try:
            self._set_up(max_batch_tokens)
        except (AttributeError, TypeError, ValueError, ImportError, KeyError) as exc:
            raise BatchingUnavailable(f"{type(exc).__name__}: {exc}") from exc

    def _set_up(self, max_batch_tokens: int) -> None:
        from transformers import ContinuousBatchingConfig, GenerationConfig  # noqa: PLC0415

        generation = GenerationConfig(do_sample=False, eos_token_id=self.eos_token_ids)  # no processors of its own
        config = ContinuousBatchingConfig(
            page_size=self.size.page_tokens, num_blocks=self.size.blocks, max_batch_tokens=max_batch_tokens,
            max_requests_per_batch=self.max_requests, use_async_batching=False, use_cuda_graph=False,
            allow_block_sharing=True, auto_switch_to_flash=False, safety_margin=HEADROOM / 2)
        self.manager = self.model.init_continuous_batching(generation_config=generation,
                                                           continuous_batching_config=config)
        self.processor = self.manager._create_batch_processor()
        self.manager.batch_processor = self.processor
        self.manager.current_batch = 0
        self.cache = self.processor.cache
        self.manager._generation_loop_body  # noqa: B018 - fail at set-up when it is gone
        install_sampler(self.processor.model_runner, self._sampling.get)
        matcher = self.cache.search_prefix_match

        def counted_match(request_id: str, prompt_ids: list[int]) -> int:
            found = matcher(request_id, prompt_ids)
            self._matched[request_id] = found
            return found

        self.cache.search_prefix_match = counted_match

    # -- what fits ----------------------------------------------------------------------------------
    def fits(self, prompt_tokens: int, max_new_tokens: int) -> bool:
        """Whether a request can run here (else: one at a time, without the cache)."""
        return self.size.fits(prompt_tokens + max_new_tokens)

    # -- running ------------------------------------------------------------------------------------
    def run(self, first: Sequence[EngineRequest], more: Callable[[int], Sequence[EngineRequest]] = lambda n: ()
            ) -> None:
        """Decode ``first`` and what ``more(room)`` hands over between steps (at most ``room``), until all ended."""
        import torch  # noqa: PLC0415

        active: dict[str, EngineRequest] = {}
        with torch.inference_mode():
            self._admit(first, active)
            while active:
                room = self.max_requests - len(active)
                if room > 0:
                    self._admit(more(room), active)
                self._end_finished_early(active)
                if active:
                    self._step(active)

    def _admit(self, requests: Sequence[EngineRequest], active: dict[str, EngineRequest]) -> None:
        for request in requests:
            request.order = next(self._orders)
            self._add(request, request.prompt_ids, request.max_new_tokens, active)

    def _add(self, request: EngineRequest, prompt: list[int], max_new: int, active: dict[str, EngineRequest]) -> None:
        request._id, request._seen = f"r{next(self._ids)}", 0
        blocks = -(-(len(prompt) + max_new) // self.size.page_tokens)
        make_room(self.cache, blocks + int(self.size.blocks * HEADROOM), keep=protected_blocks(self.cache, prompt))
        self._sampling[request._id] = request.sampling
        active[request._id] = request
        self.manager.add_request(prompt, request_id=request._id, max_new_tokens=max_new, streaming=True,
                                 eos_token_id=self.eos_token_ids)

    def _end(self, request: EngineRequest, active: dict[str, EngineRequest], reason: str,
             error: BaseException | None = None) -> None:
        active.pop(request._id, None)
        self._sampling.pop(request._id, None)
        self._matched.pop(request._id, None)
        request.finish_reason = reason
        try:
            request.on_end(request, error)
        except Exception:  # one request's reader must not end the others
            log.exception("ending request %s failed", request._id)

    def _end_finished_early(self, active: dict[str, EngineRequest]) -> None:
        for request in list(active.values()):
            if request.cancel.cancelled or request.stopped():
                self.manager.cancel_request(request._id)  # dropped (blocks kept for reuse) at the next step
                self._end(request, active, "cancelled" if request.cancel.cancelled else "stop")

    def _step(self, active: dict[str, EngineRequest]) -> None:
        from ..backends.memory import free_memory, is_oom  # noqa: PLC0415

        make_room(self.cache, int(self.size.blocks * HEADROOM))
        try:
            self.manager._generation_loop_body(self.processor, False)
        except Exception as exc:
            if is_oom(exc):
                free_memory()
                self._recover_from_oom(active)
            else:
                log.exception("a batch step failed")
                self.processor.reset()
                for request in list(active.values()):
                    self._end(request, active, "stop", exc)
            return
        while (output := self.manager.get_result(timeout=0)) is not None:
            self._route(output, active)

    def _route(self, output: Any, active: dict[str, EngineRequest]) -> None:
        request = active.get(output.request_id)
        if request is None:  # ended already (cancelled, stopped)
            return
        if output.request_id in self._matched:  # its prefill was just scheduled
            cached = self._matched.pop(output.request_id)
            request.cached_tokens += cached
            self.prompt_tokens_cached += cached
            self.prompt_tokens_computed += len(output.prompt_ids) - cached
        new = list(output.generated_tokens[request._seen:])
        request._seen += len(new)
        if new:
            request.generated.extend(new)
            request.on_tokens(new)
        if output.error:
            self._end(request, active, "stop", RuntimeError(output.error))
        elif output.is_finished():
            done = len(request.generated) >= request.max_new_tokens
            self._end(request, active, "length" if done and not request.stopped() else "stop")

    def _recover_from_oom(self, active: dict[str, EngineRequest]) -> None:
        """The newest request fails; the others start again from where they were."""
        newest = max(active.values(), key=lambda r: r.order)
        log.warning("out of memory in a batch of %d: the newest request fails", len(active))
        self.processor.reset()  # frees every request's blocks (full ones stay kept for reuse)
        survivors = [r for r in active.values() if r is not newest]
        self._end(newest, active, "stop", OutOfMemory("error.memory.chat_oom", "hint.memory.chat_oom"))
        for request in sorted(survivors, key=lambda r: r.order):
            active.pop(request._id, None)
            self._sampling.pop(request._id, None)
            left = request.max_new_tokens - len(request.generated)
            if left <= 0:
                self._end(request, active, "length")
            else:
                self._add(request, request.prompt_ids + request.generated, left, active)

    # -- what it holds ------------------------------------------------------------------------------
    def forget_conversations(self) -> int:
        """Drop every kept conversation: the next prompts start cold. Returns how many blocks were dropped."""
        from .cache_budget import free_blocks, kept_blocks  # noqa: PLC0415

        return make_room(self.cache, free_blocks(self.cache) + kept_blocks(self.cache))

    def describe(self) -> dict[str, int]:
        """The cache's size and what it holds (for logs and tests)."""
        from .cache_budget import free_blocks, kept_blocks  # noqa: PLC0415

        return {"blocks": self.size.blocks, "page_tokens": self.size.page_tokens,
                "free_blocks": free_blocks(self.cache),
                "kept_blocks": kept_blocks(self.cache), "prompt_tokens_cached": self.prompt_tokens_cached,
                "prompt_tokens_computed": self.prompt_tokens_computed}

