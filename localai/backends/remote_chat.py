"""The ``remote`` backend: a chat model that runs on an OpenAI-compatible server the user added (vLLM,
Ollama, llama.cpp's server, another LocalAI).

Nothing loads here and no memory is taken: each answer goes to the least busy server that has the
model (``Remotes.routed``), streamed back as it is written. A server that fails before the first token
is skipped and the request is tried once on another server with the model; a failure after text arrived
ends the answer with a plain error that carries the text so far. The server builds the prompt (it has
the tokenizer), so the conversation goes as role/content messages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from ..catalog import ModelSpec
from ..jobs import CancelToken
from ..messages import Message
from ..options import ChatOptions
from ..plan import LoadPlan, LoadPrefs
from .base import ChatResult, OnStatus

if TYPE_CHECKING:
    from ..hardware import HardwareInfo
    from ..registry import Registry
    from ..remote_client import StreamedAnswer
    from ..remote_pool import Lease, Remotes


def plan_remote(spec: ModelSpec, hw: HardwareInfo | None = None, prefs: LoadPrefs | None = None) -> LoadPlan:
    """A remote model's plan: held by another machine (pool "none"), nothing to choose here."""
    servers = ", ".join(spec.servers)
    return LoadPlan(device="remote", dtype="", pool="none", reason=Message("plan.remote", servers=servers),
                    extras=(("servers", servers),))


class RemoteChat:
    streaming = True
    images_in = False
    batching = False

    def __init__(self, spec: ModelSpec, plan: LoadPlan, remotes: Remotes) -> None:
        self.spec = spec
        self.plan = plan
        self.remotes = remotes

    def load(self, on_status: OnStatus) -> None:
        """Nothing to load: the server has the model."""

    def unload(self) -> None:
        """Nothing to free."""

    def stream_chat(self, messages: Sequence[dict], options: ChatOptions, cancel: CancelToken,
                    on_text: Callable[[str], None], *, on_notice: Callable[[Message], None] | None = None,
                    on_start: Callable[[], None] | None = None, on_status: OnStatus | None = None) -> ChatResult:
        model_id = self.spec.remote_id or self.spec.name

        def ask(lease: Lease) -> StreamedAnswer:
            if on_status is not None:
                on_status(Message("status.remote_asking", name=self.spec.name, server=lease.server.name))
            return lease.client.stream_chat(model_id, messages, options, cancel, on_text, on_start)

        server, answer = self.remotes.failover(model_id, "text", ask, lambda: cancel.cancelled)
        plan = plan_remote(replace(self.spec, servers=(server,)))  # the server that answered
        return ChatResult(answer.text, answer.prompt_tokens, answer.completion_tokens, answer.seconds,
                          answer.first_token_seconds, answer.finish_reason, 0, options.seed, plan, self.spec.name)


def register(registry: Registry, remotes: Remotes) -> None:
    registry.register("remote", kind="text", factory=lambda spec, plan: RemoteChat(spec, plan, remotes),
                      planner=plan_remote, lister=lambda: [s for s in remotes.specs() if s.kind == "text"])
