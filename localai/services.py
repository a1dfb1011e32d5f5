"""The one API that the UI and the HTTP edge both call.

Each request is checked first, then becomes a job on the inference worker; callers
iterate ``job.events()`` for queue positions, status lines, text and the final result.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .backends.prompting import normalize_messages
from .backends.text import ChatOptions, ChatResult
from .catalog import ModelSpec
from .errors import InvalidInput
from .jobs import InferenceWorker, Job
from .plan import LoadPlan
from .registry import Registry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelInfo:
    spec: ModelSpec
    loaded: bool
    plan: LoadPlan | None
    problem: str  # why it cannot be planned, if so


class Services:
    def __init__(self, registry: Registry, worker: InferenceWorker) -> None:
        self.registry = registry
        self.worker = worker

    # -- models ----------------------------------------------------------------------------------
    def list_models(self, kind: str | None = None) -> list[ModelSpec]:
        return self.registry.specs(kind)

    def model_info(self, name: str, kind: str) -> ModelInfo:
        from .errors import UserError  # noqa: PLC0415

        spec = self.registry.resolve(name, kind)
        loaded = self.registry.get_loaded(spec)
        if loaded is not None:
            return ModelInfo(spec, True, loaded.plan, "")
        try:
            return ModelInfo(spec, False, self.registry.plan(spec), "")
        except UserError as exc:
            return ModelInfo(spec, False, None, str(exc))

    def load(self, name: str, kind: str, owner: str = "local") -> Job:
        spec = self.registry.resolve(name, kind)

        def run(job: Job) -> LoadPlan:
            return self.registry.ensure_loaded(spec, lambda s: job.emit("status", s)).plan

        return self.worker.submit(run, owner, f"load {spec.name}")

    def unload(self, name: str, kind: str, owner: str = "local") -> bool:
        spec = self.registry.resolve(name, kind)
        return bool(self.worker.call(lambda: self.registry.unload(spec.name, kind), owner, f"unload {spec.name}"))

    # -- chat --------------------------------------------------------------------------------------
    def chat(self, model: str, messages: Sequence[dict[str, Any]], options: ChatOptions | None = None,
             owner: str = "local") -> Job:
        """Submit a chat job. Events: "queued" (position), "status" (loading...), "text" (chunks),
        "notice" (e.g. old messages left out), then "done" with a ``ChatResult``."""
        options = options or ChatOptions()
        options.validate()
        msgs = normalize_messages(messages)
        if not msgs or msgs[-1]["role"] != "user" or not msgs[-1]["content"].strip():
            raise InvalidInput("The message is empty.", "Type something to send.")
        spec = self.registry.resolve(model, "text")

        def run(job: Job) -> ChatResult:
            if job.cancel.cancelled:
                return _cancelled(spec)
            backend = self.registry.ensure_loaded(spec, lambda s: job.emit("status", s))
            prompt = backend.prepare(msgs, options)
            if prompt.dropped:
                job.emit("notice", f"The conversation is longer than {spec.name} can read at once "
                                   f"({backend.context_length} tokens): the {prompt.dropped} oldest messages "
                                   "were left out of its view (the system prompt is kept).")
            job.emit("status", "generating")
            return backend.stream_chat(prompt, options, job.cancel, lambda text: job.emit("text", text))

        return self.worker.submit(run, owner, f"chat {spec.name}")

    def cancel(self, owner: str) -> int:
        """Cancel this owner's jobs (only theirs)."""
        return self.worker.cancel_owner(owner)


def _cancelled(spec: ModelSpec) -> ChatResult:
    return ChatResult("", 0, 0, 0.0, 0.0, "cancelled", 0, -1, None, spec.name)
