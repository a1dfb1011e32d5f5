"""The vision chat backend: chat models that also read pictures (SmolVLM, Qwen2.5-VL, Gemma 3, LLaVA...).

A safetensors folder under ``models/text/`` (or the Hugging Face cache) whose config describes a
vision-language model (``catalog.is_vision_config``) is served here, through transformers'
``AutoModelForImageTextToText`` and the model's own ``AutoProcessor`` (its image processor, tokenizer and
chat template). Everything runs on the torch lane's thread, one request at a time (no batching engine).

A request, step by step (``prepare``):
1. check the messages (``normalize_messages``: each picture checked) and the cancel token;
2. decode each picture: upright (EXIF), RGB, made smaller when its longest side is over what the processor
   takes (``MAX_SIDE`` at most); the user is told;
3. find how the chat template takes the conversation (the same adaptations as text models: the system prompt
   moved into the first question, same-role turns joined);
4. leave out the oldest turns (and their pictures) until the prompt, pictures' tokens included, fits the
   context beside the answer.
Generation, streaming, stop strings, sampling and cancel are the text backend's (``generate``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

from ..catalog import VISION_BACKEND, ModelSpec
from ..chat_images import IMAGES_KEY, MAX_SIDE, fit_picture, open_picture
from ..errors import Cancelled, InvalidInput, ModelFolderInvalid, first_line
from ..jobs import CancelToken
from ..messages import Message
from ..options import ChatOptions
from ..plan import LoadPlan, LoadPrefs, plan_text_load
from .base import ChatResult
from .cpu_int8 import quantize_dynamic_int8
from .memory import load_failure
from .prompting import ADAPTATIONS, Prompt, dropped_notice, normalize_messages
from .trimming import earliest_fitting
from .transformers_chat import TransformersChatBackend

if TYPE_CHECKING:
    from ..hardware import HardwareInfo
    from ..registry import Registry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VisionPrompt(Prompt):
    """A prompt with its pictures, already through the model's processor."""

    encoding: Any = None  # the processor's tensors: input_ids, attention_mask, pixel_values, ...
    pictures: int = 0  # pictures in the prompt (those of left-out turns are not)
    made_smaller: int = 0  # pictures made smaller to fit what the processor takes
    max_side: int = MAX_SIDE


class VisionChatBackend(TransformersChatBackend):
    """A vision-language model loaded according to a ``LoadPlan`` (a ``ChatBackend`` that takes pictures)."""

    streaming = True
    images_in = True
    batching = False

    def __init__(self, spec: ModelSpec, plan: LoadPlan) -> None:
        super().__init__(spec, plan)
        self.processor: Any = None
        self.max_side = MAX_SIDE

    # -- loading ------------------------------------------------------------------------------------
    def load(self, on_status: Callable[[Message], None] = lambda s: None) -> None:
        source = self._weights_source()  # the folder checked: config, weights, tokenizer, opt-ins
        folder = self.folder = source.folder
        import torch  # noqa: PLC0415
        from transformers import AutoModelForImageTextToText, AutoProcessor  # noqa: PLC0415

        on_status(Message("status.vision.loading_processor", name=self.spec.name))
        try:
            self.processor = AutoProcessor.from_pretrained(folder, local_files_only=True,
                                                           trust_remote_code=self.plan.trust_remote_code)
        except Exception as exc:
            log.exception("loading the processor of %s failed", folder)
            said = f"{type(exc).__name__} {exc}".lower()  # processors of video-capable models need torchvision
            no_torchvision = find_spec("torchvision") is None and ("torchvision" in said or "video" in said)
            raise ModelFolderInvalid("error.vision.processor",
                                     "hint.vision.needs_torchvision" if no_torchvision else "hint.vision.processor",
                                     folder=folder, error=first_line(exc, 200)) from None
        self.tokenizer = getattr(self.processor, "tokenizer", None)
        if self.tokenizer is None or getattr(self.processor, "image_processor", None) is None:
            raise ModelFolderInvalid("error.vision.not_a_vision_processor", "hint.vision.processor", folder=folder)
        if not getattr(self.processor, "chat_template", None):
            self.processor.chat_template = getattr(self.tokenizer, "chat_template", None)
        if not self.processor.chat_template:
            raise ModelFolderInvalid("error.vision.no_chat_template", "hint.vision.chat_template", folder=folder)
        try:
            on_status(Message("status.loading_weights", name=self.spec.name, plan=self.plan.describe()))
            self.model = AutoModelForImageTextToText.from_pretrained(folder, **self._load_kwargs(torch))
            if self.plan.offload != "device_map" and self.plan.quantization == "none" and self.plan.device != "cpu":
                self.model.to(self.plan.device)
            if self.plan.device == "cpu" and self.plan.quantization == "int8":  # the language part only
                self.model = quantize_dynamic_int8(self.model, within=language_part(self.model))
            self.model.eval()
        except Exception as exc:
            self.unload()
            raise load_failure(exc, name=self.spec.name, plan=self.plan.describe(), source=folder,
                               oom_hint_key="hint.memory.load_oom_text", broken_key="error.load.text_failed",
                               broken_hint_key=source.broken_hint_key) from None
        text_config = self.model.config.get_text_config()
        self.context_length = int(getattr(text_config, "max_position_embeddings", 0) or self.spec.context_length
                                  or 2048)
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.max_side = processor_max_side(self.processor.image_processor)
        self.engine, self.batching, self.one_at_a_time = None, False, None
        on_status(Message("status.ready", name=self.spec.name))

    def unload(self) -> None:
        self.processor = None
        super().unload()

    # -- chatting ------------------------------------------------------------------------------------
    def stream_chat(self, messages: Sequence[dict], options: ChatOptions, cancel: CancelToken,
                    on_text: Callable[[str], None], *, on_notice: Callable[[Message], None] | None = None,
                    on_start: Callable[[], None] | None = None) -> ChatResult:
        """Answer ``messages`` (their pictures included), handing text to ``on_text`` as it is produced."""
        prompt = self.prepare(messages, options, cancel)
        if on_notice is not None:
            if prompt.made_smaller:
                on_notice(Message("notice.vision.made_smaller", n=prompt.made_smaller, side=prompt.max_side,
                                  name=self.spec.name))
            if prompt.dropped:
                on_notice(dropped_notice(self.spec.name, self.context_length, prompt.dropped))
        if on_start is not None:
            on_start()
        return self.generate(prompt, options, cancel, on_text)

    def prepare(self, messages: Sequence[dict], options: ChatOptions, cancel: CancelToken | None = None
                ) -> VisionPrompt:
        """The processed prompt for ``messages`` (see the module's steps). A cancelled job raises ``Cancelled``."""

        def check() -> None:
            if cancel is not None and cancel.cancelled:
                raise Cancelled()

        # 1. the messages and their pictures, checked
        msgs = normalize_messages(messages)
        if not msgs or msgs[-1]["role"] != "user" or not (msgs[-1]["content"].strip() or msgs[-1].get(IMAGES_KEY)):
            raise InvalidInput("error.chat.nothing_to_answer", "hint.chat.type_first")
        check()
        # 2. the pictures decoded, made smaller where needed
        made_smaller = 0
        for i, m in enumerate(msgs):
            pictures = []
            for j, data in enumerate(m.get(IMAGES_KEY, ())):
                check()
                picture, smaller = fit_picture(open_picture(data, f"messages[{i}].images[{j}]"), self.max_side)
                pictures.append(picture)
                made_smaller += smaller
            if pictures:
                msgs[i] = {**m, IMAGES_KEY: pictures}
        # 3. how the template takes the conversation; 4. what fits the context
        adapt = self._adaptation(msgs)
        prompt = self._fit(msgs, adapt, options.max_new_tokens, check)
        return replace(prompt, made_smaller=made_smaller, max_side=self.max_side)

    def _render(self, msgs: Sequence[dict[str, Any]], tokenize: bool) -> Any:
        return self.processor.apply_chat_template(template_messages(msgs), add_generation_prompt=True,
                                                  tokenize=tokenize, return_dict=tokenize,
                                                  return_tensors="pt" if tokenize else "auto")

    def _adaptation(self, msgs: list[dict[str, Any]]) -> Callable[[Sequence[dict]], list[dict]]:
        """The first adaptation of the conversation that the chat template renders (see prompting.ADAPTATIONS)."""
        from jinja2.exceptions import TemplateError  # noqa: PLC0415

        refusal: Exception | None = None
        for adapt in ADAPTATIONS:
            try:
                self._render(adapt(msgs), tokenize=False)
                return adapt
            except TemplateError as exc:
                refusal = refusal or exc
        raise InvalidInput("error.chat.template_refused", "hint.chat.template_refused", name=self.spec.name,
                           reason=first_line(refusal or Exception("the template failed"), 200))

    def _encoded(self, msgs: Sequence[dict[str, Any]]) -> Any:
        """The processor's tensors for ``msgs``; a conversation it refuses is the user's error, in its words."""
        from jinja2.exceptions import TemplateError  # noqa: PLC0415

        try:
            return self._render(msgs, tokenize=True)
        except (ValueError, TemplateError) as exc:  # e.g. more pictures than the template placed
            raise InvalidInput("error.vision.processor_refused", "hint.vision.processor_refused",
                               name=self.spec.name, reason=first_line(exc, 200)) from None

    def _fit(self, msgs: list[dict[str, Any]], adapt: Callable[[Sequence[dict]], list[dict]], max_new_tokens: int,
             check: Callable[[], None]) -> VisionPrompt:
        """The longest recent part of the conversation whose processed prompt fits the context."""
        reserve = min(max_new_tokens, self.context_length // 2)  # the answer takes at most half the context
        budget = self.context_length - reserve
        system = [m for m in msgs[:1] if m["role"] == "system"]
        turns = msgs[len(system):]
        cuts = [0] + [i for i in range(1, len(turns)) if turns[i]["role"] == "user"]
        encoded: dict[int, tuple[list[dict[str, Any]], Any]] = {}

        def at(k: int) -> tuple[list[dict[str, Any]], Any]:
            if k not in encoded:
                check()
                shown = adapt(system + turns[cuts[k]:])
                encoded[k] = (shown, self._encoded(shown))
            return encoded[k]

        def tokens(k: int) -> int:
            return int(at(k)[1]["input_ids"].shape[-1])

        best = earliest_fitting(len(cuts), lambda k: tokens(k) <= budget, 0)
        if best is None:
            last = len(cuts) - 1
            raise InvalidInput("error.chat.too_long", "hint.chat.shorten", n=tokens(last), budget=budget,
                               context=self.context_length, reserve=reserve).about("messages")
        shown, encoding = at(best)
        room = self.context_length - tokens(best)
        return VisionPrompt(text=self._render(shown, tokenize=False), messages=shown, dropped=cuts[best],
                            templated=True, stops=(), max_new_tokens=min(max_new_tokens, room), encoding=encoding,
                            pictures=sum(len(m.get(IMAGES_KEY, ())) for m in shown))

    def _encode(self, prompt: Prompt) -> Any:
        """The processor's tensors (``prepare`` made them); pictures in the model's own dtype."""
        assert isinstance(prompt, VisionPrompt), "prompts of this backend come from its prepare"
        import torch  # noqa: PLC0415

        dtype = self.model.dtype
        return {k: v.to(dtype) if v.is_floating_point() else v
                for k, v in prompt.encoding.items() if isinstance(v, torch.Tensor)}


def language_part(model: Any) -> Any:
    """The language model inside a vision-language model (what CPU int8 quantizes); a model whose language part
    transformers cannot find stays all fp32 (an empty module: nothing inside it)."""
    import torch  # noqa: PLC0415

    try:
        decoder = model.get_decoder()
    except (AttributeError, ValueError, NotImplementedError):
        decoder = None
    if decoder is None or decoder is model or decoder is getattr(model, "base_model", None):  # not its own part
        log.warning("%s: no language part found; it stays fp32", type(model).__name__)
        return torch.nn.Module()
    return decoder


def template_messages(msgs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Messages as the processors' chat templates take them: content as a list of parts, the message's pictures
    (decoded) first, then its text."""
    return [{"role": m["role"],
             "content": [*({"type": "image", "image": p} for p in m.get(IMAGES_KEY, ())),
                         {"type": "text", "text": m["content"]}]}
            for m in msgs]


def processor_max_side(image_processor: Any) -> int:
    """The longest side worth giving this image processor: ``MAX_SIDE``, or less when the processor says it
    resizes to less (a longest edge, or a fixed height and width). Qwen-style processors state pixel counts,
    not sides (``shortest_edge`` and ``longest_edge`` together): they get ``MAX_SIDE``."""
    size = getattr(image_processor, "size", None)
    get = getattr(size, "get", None)
    if get is None:
        return MAX_SIDE
    sides = [MAX_SIDE]
    if get("longest_edge") and not get("shortest_edge"):
        sides.append(int(get("longest_edge")))
    if get("height") and get("width"):
        sides.append(max(int(get("height")), int(get("width"))))
    return max(1, min(sides))


def plan_vision_load(spec: ModelSpec, hw: HardwareInfo, prefs: LoadPrefs = LoadPrefs()) -> LoadPlan:
    """The text planner's plan (the vision tower counted: ``spec.params`` is every tensor of the folder). On the
    CPU, torch int8 applies to the language part only; the reason says the picture part stays fp32."""
    plan = plan_text_load(spec, hw, prefs)
    if plan.device == "cpu" and plan.quantization == "int8":
        plan = replace(plan, reason=Message("plan.vision.int8_language_only", reason=plan.reason))
    return plan


def register(registry: Registry) -> None:
    """Vision models: found by the transformers backend's scanners (``catalog._text_spec_from_folder`` and the
    Hugging Face cache scan name this backend for them), listed with the chat models."""
    registry.register(VISION_BACKEND, kind="text", factory=VisionChatBackend, planner=plan_vision_load)
