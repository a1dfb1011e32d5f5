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
from typing import TYPE_CHECKING

from ..jobs import CancelToken
from ..messages import Message
from ..options import ChatOptions
from .base import ChatResult, OnStatus
from .remote_base import RemoteModel, plan_remote

if TYPE_CHECKING:
    from ..registry import Registry
    from ..remote_client import StreamedAnswer
    from ..remote_pool import Lease, Remotes


class RemoteChat(RemoteModel):
    streaming = True
    images_in = False
    batching = False

    def stream_chat(self, messages: Sequence[dict], options: ChatOptions, cancel: CancelToken,
                    on_text: Callable[[str], None], *, on_notice: Callable[[Message], None] | None = None,
                    on_start: Callable[[], None] | None = None, on_status: OnStatus | None = None) -> ChatResult:
        model_id = self.model_id

        def ask(lease: Lease) -> StreamedAnswer:
            if on_status is not None:
                on_status(Message("status.remote_asking", name=self.spec.name, server=lease.server.name))
            return lease.client.stream_chat(model_id, messages, options, cancel, on_text, on_start)

        server, answer = self.remotes.failover(model_id, "text", ask, lambda: cancel.cancelled)
        return ChatResult(answer.text, answer.prompt_tokens, answer.completion_tokens, answer.seconds,
                          answer.first_token_seconds, answer.finish_reason, 0, options.seed, self.plan_on(server),
                          self.spec.name)


def register(registry: Registry, remotes: Remotes) -> None:
    registry.register("remote", kind="text", factory=lambda spec, plan: RemoteChat(spec, plan, remotes),
                      planner=plan_remote, lister=lambda: [s for s in remotes.specs() if s.kind == "text"])
