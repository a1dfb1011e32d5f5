"""What every backend promises, and the results it hands back.

A backend serves one kind of model (``ModelSpec.backend`` names it) and is registered with the
registry by one ``register(...)`` call (see ``localai/backends/__init__.py``). Services talk to
backends only through these two protocols, so a new engine (GGUF, a remote server) is one new
file: it declares what it can do as flags, loads according to its ``LoadPlan``, and builds its
own prompt (chat templates are the backend's business; a remote server has no tokenizer here).

Everything here is light: no torch, no transformers, no diffusers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..catalog import ModelSpec
from ..gallery import GenerationInfo
from ..image_request import ImageRequest
from ..jobs import CancelToken
from ..messages import Message
from ..options import ChatOptions
from ..plan import LoadPlan

OnStatus = Callable[[Message], None]


# -- results ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChatResult:
    text: str
    prompt_tokens: int
    completion_tokens: int
    seconds: float  # generation time, from the call to the last token
    first_token_seconds: float
    finish_reason: str  # "stop" | "length" | "cancelled"
    dropped_messages: int
    seed: int
    plan: LoadPlan | None = None
    model: str = ""
    cached_tokens: int = 0  # prompt tokens taken from the conversation cache instead of computed again
    sources: tuple[Any, ...] = ()  # the parts of the conversation's documents the question was answered from

    @property
    def tokens_per_second(self) -> float:
        decode = self.seconds - self.first_token_seconds
        if self.completion_tokens > 1 and decode > 0:
            return (self.completion_tokens - 1) / decode
        return self.completion_tokens / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class ChatCall:
    """One chat request for a batching backend's ``serve_batch``: what to answer and where its output goes.
    The callbacks run on the torch lane's thread; exactly one of ``on_result`` / ``on_error`` is called."""

    messages: Sequence[dict]
    options: ChatOptions
    cancel: CancelToken
    on_text: Callable[[str], None]
    on_result: Callable[[ChatResult], None]
    on_error: Callable[[BaseException], None]  # a UserError (errors.Cancelled: stopped before it started) or a bug
    on_notice: Callable[[Message], None] | None = None
    on_start: Callable[[], None] | None = None


@dataclass(frozen=True)
class StepProgress:
    step: int  # steps done over the whole request, 1..total
    total: int  # steps x images
    eta_s: float  # seconds left, from the average step so far
    image: int  # which image (0-based) is being drawn
    image_step: int  # step within that image, 1..steps


@dataclass(frozen=True)
class GeneratedImage:
    image: Any  # PIL.Image
    info: GenerationInfo
    index: int
    finished: bool  # False: stopped early (the partially denoised image)
    steps_done: int
    path: Path | None = None  # set once saved


@dataclass(frozen=True)
class ImageResult:
    images: tuple[GeneratedImage, ...]
    request: ImageRequest
    sampler: str
    seconds: float
    cancelled: bool
    plan: LoadPlan | None = None
    model: str = ""
    notice: Message | None = None


# -- contracts ----------------------------------------------------------------------------------------------
class ChatBackend(Protocol):
    """A chat model that answers a conversation, streaming its text."""

    streaming: bool  # hands text to on_text as it is produced (else once, at the end)
    images_in: bool  # accepts images inside messages
    batching: bool  # decodes several conversations at once (then it has ``serve_batch``, below)
    spec: ModelSpec
    plan: LoadPlan

    def load(self, on_status: OnStatus) -> None:
        """Load according to ``plan``; raise a ``UserError`` that says what to do when it cannot."""

    def unload(self) -> None:
        """Free what ``load`` took."""

    def stream_chat(self, messages: Sequence[dict], options: ChatOptions, cancel: CancelToken,
                    on_text: Callable[[str], None], *, on_notice: Callable[[Message], None] | None = None,
                    on_start: Callable[[], None] | None = None) -> ChatResult:
        """Answer ``messages`` (role/content dicts, the last one the user's): build the prompt, generate until
        done, ``cancel`` or a stop string, handing new text to ``on_text``. ``on_notice`` gets what the user
        should know before the answer (e.g. old messages left out to fit the context); ``on_start`` is called
        once the prompt is accepted, before the first token (a refused prompt raises before it). ``cancel`` is
        checked while the prompt is prepared too: a job cancelled then raises ``errors.Cancelled``."""


class BatchingChatBackend(ChatBackend, Protocol):
    """A chat backend that decodes several requests together (``batching`` is True once loaded)."""

    def serve_batch(self, first: Sequence[ChatCall], more: Callable[[int], Sequence[ChatCall]]) -> None:
        """Answer ``first`` and what ``more(room)`` hands over between decode steps (at most ``room`` at a time),
        until every one of them has ended through its own ``on_result`` / ``on_error``."""


class ImageBackend(Protocol):
    """An image model that draws a request, reporting every step."""

    operations: frozenset[str]  # what it draws: "text-to-image" (later "image-to-image", "inpaint")
    spec: ModelSpec
    plan: LoadPlan

    def load(self, on_status: OnStatus) -> None:
        """Load according to ``plan``; raise a ``UserError`` that says what to do when it cannot."""

    def unload(self) -> None:
        """Free what ``load`` took."""

    def scheduler_names(self) -> list[str]:
        """The sampler names this loaded model accepts ("Default" first)."""

    def generate(self, request: ImageRequest, cancel: CancelToken, on_step: Callable[[StepProgress], None],
                 on_image: Callable[[GeneratedImage], GeneratedImage | None] | None = None) -> ImageResult:
        """Draw ``request`` (defaults filled), one image at a time; ``on_image`` may hand back a saved copy."""


LoadedBackend = ChatBackend | ImageBackend
