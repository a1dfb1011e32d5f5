"""The transformers chat backend: safetensors folders (models/text/, the Hugging Face cache).

Everything here runs on the inference worker thread. The prompt is built here, with the
model's own chat template (see ``prompting.py``). Tokens are decoded as they are generated
and handed to ``on_text``; the cancel token and stop strings end generation through a
``StoppingCriteria`` within a token or two.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..catalog import ModelSpec
from ..errors import ModelFolderInvalid, OutOfMemory, first_line
from ..jobs import CancelToken
from ..options import ChatOptions
from ..messages import Message
from ..plan import LoadPlan
from .base import ChatCall, ChatResult
from .cpu_int8 import quantize_dynamic_int8
from .memory import TORCH_DTYPES, free_memory, is_oom, load_failure
from .model_files import check_remote_code, check_text_folder, local_folder
from .penalties import FrequencyPresencePenalty
from .prompting import Prompt, build_prompt, dropped_notice
from .raw_prompt import raw_prompt

if TYPE_CHECKING:
    from ..engine.batch_runner import BatchRunner, EngineRequest
    from ..registry import Registry
    from .grammar import GrammarMask, Grammars

log = logging.getLogger(__name__)


@dataclass
class _Stream:
    """Incremental detokenizer: emits new text as tokens arrive, holds back possible stop-string prefixes.

    Only a short window of recent tokens is decoded per step (the tokens since the last emitted
    text, plus the one before them so that word-joining spaces come out right), so the cost per
    token stays flat however long the answer grows.
    """

    tokenizer: Any
    on_text: Callable[[str], None]
    stops: Sequence[str]
    ids: list[int] = field(default_factory=list)
    emitted: int = 0  # characters of self.text already handed out
    text: str = ""
    stopped: bool = False
    first_token_at: float = 0.0
    prompt_seen: bool = False
    prefix: int = 0  # window start: the token before the undecoded ones
    read: int = 0  # tokens already turned into self.text

    def _decode_new(self) -> str:
        before = self.tokenizer.decode(self.ids[self.prefix:self.read], skip_special_tokens=True)
        after = self.tokenizer.decode(self.ids[self.prefix:], skip_special_tokens=True)
        return after[len(before):] if len(after) > len(before) else ""

    def put(self, value: Any) -> None:
        """generate()'s streamer call: the prompt first, then each step's tokens as a tensor."""
        if not self.prompt_seen:  # generate() first hands over the prompt
            self.prompt_seen = True
            return
        self.add([int(t) for t in value.reshape(-1).tolist()])

    def add(self, tokens: Sequence[int]) -> None:
        """New answer tokens (the batching engine hands them over as lists)."""
        if self.stopped:
            return
        if not self.ids:
            self.first_token_at = time.perf_counter()
        self.ids.extend(tokens)
        new = self._decode_new()
        if not new or new.endswith("\ufffd"):  # nothing yet, or an unfinished multi-byte character
            return
        self.text += new
        self.prefix, self.read = self.read, len(self.ids)
        hold = 0
        for stop in self.stops:
            at = self.text.find(stop, max(0, self.emitted - len(stop)))
            if at != -1:
                self.text, self.stopped = self.text[:at], True
                break
            hold = max(hold, len(stop) - 1)
        upto = len(self.text) if self.stopped else max(self.emitted, len(self.text) - hold)
        if upto > self.emitted:
            self.on_text(self.text[self.emitted:upto])
            self.emitted = upto

    def end(self) -> None:
        if not self.stopped:
            self.text += self._decode_new().rstrip("\ufffd")
            self.read = len(self.ids)
        if len(self.text) > self.emitted:
            self.on_text(self.text[self.emitted:])
            self.emitted = len(self.text)


@dataclass(frozen=True)
class WeightsSource:
    """Where a chat model loads from: a folder, what ``from_pretrained`` needs besides the plan (e.g.
    ``gguf_file``), and what a failed load names and suggests."""

    folder: Path
    from_pretrained: dict[str, Any] = field(default_factory=dict)
    shown_as: Path | None = None  # what errors name (default: the folder)
    tokenizer_error_key: str = "error.load.tokenizer"
    tokenizer_hint_key: str = "hint.load.tokenizer"
    broken_hint_key: str = "hint.load.text_folder"


class TransformersChatBackend:
    """A transformers causal LM loaded according to a ``LoadPlan`` (a ``ChatBackend``)."""

    streaming = True
    images_in = False
    batching = False

    def __init__(self, spec: ModelSpec, plan: LoadPlan) -> None:
        self.spec = spec
        self.plan = plan
        self.model: Any = None
        self.tokenizer: Any = None
        self.folder: Path | None = None
        self.context_length = 2048
        self.use_safetensors = True
        self.engine: BatchRunner | None = None  # set at load when this model batches
        self.batching = False
        self.one_at_a_time: Message | None = None  # why it does not batch (the status line says it)
        self.grammars: Grammars | None = None  # response formats compiled for this model (at the first asked)

    # -- loading ------------------------------------------------------------------------------------
    def _weights_source(self) -> WeightsSource:
        """Where ``load`` reads the model from, checked first: the spec's safetensors folder (the GGUF backend
        overrides this one method)."""
        folder = local_folder(self.spec)
        check_text_folder(folder, allow_pickle=self.plan.allow_pickle)
        check_remote_code(folder, allowed=self.plan.trust_remote_code)
        self.use_safetensors = any(folder.glob("*.safetensors"))  # False only for opted-in pickle weights
        return WeightsSource(folder)

    def load(self, on_status: Callable[[Message], None] = lambda s: None) -> None:
        source = self._weights_source()
        folder = self.folder = source.folder
        shown_as = source.shown_as or folder
        import torch  # noqa: PLC0415
        from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: PLC0415

        on_status(Message("status.loading_tokenizer", name=self.spec.name))
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True,
                                                           trust_remote_code=self.plan.trust_remote_code,
                                                           **source.from_pretrained)
        except Exception as exc:
            log.exception("loading the tokenizer of %s failed", shown_as)
            raise ModelFolderInvalid(source.tokenizer_error_key, source.tokenizer_hint_key, folder=shown_as,
                                     error=first_line(exc, 200)) from None
        try:
            on_status(Message("status.loading_weights", name=self.spec.name, plan=self.plan.describe()))
            self.model = AutoModelForCausalLM.from_pretrained(folder, **self._load_kwargs(torch),
                                                              **source.from_pretrained)
            if self.plan.offload != "device_map" and self.plan.quantization in ("none",) and self.plan.device != "cpu":
                self.model.to(self.plan.device)
            if self.plan.device == "cpu" and self.plan.quantization == "int8":
                self.model = quantize_dynamic_int8(self.model)
            self.model.eval()
        except Exception as exc:
            self.unload()
            raise load_failure(
                exc, name=self.spec.name, plan=self.plan.describe(), source=shown_as,
                oom_hint_key="hint.memory.load_oom_text", broken_key="error.load.text_failed",
                broken_hint_key=source.broken_hint_key) from None
        cfg = self.model.config
        self.context_length = int(getattr(cfg, "max_position_embeddings", 0) or self.spec.context_length or 2048)
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self._start_engine()
        on_status(Message("status.ready", name=self.spec.name))
        if self.one_at_a_time is not None:
            on_status(Message("status.one_at_a_time", name=self.spec.name, reason=self.one_at_a_time))

    # -- batching -----------------------------------------------------------------------------------
    def _why_not_batching(self) -> Message | None:
        """Why this plan cannot use the batching engine (None: it can)."""
        plan = self.plan
        if plan.quantization in ("int8", "nf4") and not (plan.device == "cpu" and plan.quantization == "int8"):
            return Message("batching.bitsandbytes")
        if plan.offload == "device_map":
            return Message("batching.offload")
        if plan.device == "mps":
            return Message("batching.mps")
        attention = str(getattr(self.model.config, "_attn_implementation", "") or "")
        if attention != "sdpa" and not attention.startswith("flash"):
            return Message("batching.attention", attention=attention or "?")
        return None

    def _start_engine(self) -> None:
        """Set up the batching engine, or say why this model answers one request at a time."""
        from ..engine.batch_runner import BatchingUnavailable, BatchRunner  # noqa: PLC0415

        self.engine, self.batching, self.one_at_a_time = None, False, self._why_not_batching()
        if self.one_at_a_time is not None:
            log.info("%s answers one request at a time: %s", self.spec.name, self.one_at_a_time)
            return
        eos = self.model.generation_config.eos_token_id
        eos = eos if eos is not None else self.tokenizer.eos_token_id
        eos_ids = [int(t) for t in (eos if isinstance(eos, (list, tuple)) else [eos]) if t is not None]
        try:
            cache_bytes = int(getattr(self.plan, "cache_bytes", 0))  # the planner's budget (0: the engine's default)
            self.engine = BatchRunner(self.model, eos_token_ids=eos_ids, cache_bytes=cache_bytes)
        except BatchingUnavailable as exc:
            log.warning("%s cannot batch, it answers one request at a time: %s", self.spec.name, exc)
            self.one_at_a_time = Message("batching.unavailable", error=first_line(exc, 160))
            return
        self.batching = True

    def _load_kwargs(self, torch: Any) -> dict[str, Any]:
        plan = self.plan
        kwargs: dict[str, Any] = {"local_files_only": True, "trust_remote_code": self.plan.trust_remote_code,
                                  "use_safetensors": self.use_safetensors}
        compute = getattr(torch, TORCH_DTYPES[plan.dtype])
        kwargs["dtype"] = compute
        if plan.quantization in ("int8", "nf4") and not (plan.device == "cpu" and plan.quantization == "int8"):
            from transformers import BitsAndBytesConfig  # noqa: PLC0415

            if plan.quantization == "int8":
                kwargs["quantization_config"] = BitsAndBytesConfig(
                    load_in_8bit=True, llm_int8_enable_fp32_cpu_offload=plan.offload == "device_map")
            else:
                kwargs["quantization_config"] = BitsAndBytesConfig(
                    load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                    bnb_4bit_compute_dtype=compute, llm_int8_enable_fp32_cpu_offload=plan.offload == "device_map")
            kwargs["device_map"] = "auto" if plan.offload == "device_map" else {"": plan.device if plan.device != "cuda" else 0}
        elif plan.offload == "device_map":
            kwargs["device_map"] = "auto"
        if plan.device == "cpu" and plan.quantization == "int8":
            kwargs["dtype"] = torch.float32  # dynamic quantization works on fp32 Linear layers
        return kwargs

    def unload(self) -> None:
        self.engine, self.batching = None, False
        self.grammars = None
        self.model = None
        self.tokenizer = None
        free_memory()

    # -- chatting ------------------------------------------------------------------------------------
    def prepare(self, messages: Sequence[dict], options: ChatOptions, cancel: CancelToken | None = None) -> Prompt:
        """The prompt for ``messages``: the model's chat template (adapted when it refuses the system role or
        unalternated turns), the oldest turns dropped to fit the context. A cancelled job raises ``Cancelled``."""
        return build_prompt(self.tokenizer, messages, self.context_length, options.max_new_tokens,
                            model_name=self.spec.name, cancel=cancel, tools=[json.loads(t) for t in options.tools])

    def _grammar(self, options: ChatOptions) -> GrammarMask | None:
        """A new answer's grammar for ``options.response_format`` (None: free text); ``InvalidInput`` about the
        schema when it cannot be used. Compiled once per format and model (see ``grammar.py``)."""
        if options.response_format is None:
            return None
        if self.grammars is None:
            from .grammar import grammars_for  # noqa: PLC0415

            self.grammars = grammars_for(self.model, self.tokenizer)
        return self.grammars.mask(options.response_format)

    def stream_chat(self, messages: Sequence[dict], options: ChatOptions, cancel: CancelToken,
                    on_text: Callable[[str], None], *, on_notice: Callable[[Message], None] | None = None,
                    on_start: Callable[[], None] | None = None) -> ChatResult:
        """Answer ``messages``, handing text to ``on_text`` as it is produced (through the batching engine when
        this model batches, so that even a lone request keeps its conversation in the cache)."""
        if self.engine is not None:
            ended: dict[str, Any] = {}
            call = ChatCall(messages, options, cancel, on_text, on_result=lambda r: ended.update(result=r),
                            on_error=lambda e: ended.update(error=e), on_notice=on_notice, on_start=on_start)
            self.serve_batch([call], lambda room: ())
            if "error" in ended:
                raise ended["error"]
            return ended["result"]
        prompt = self.prepare(messages, options, cancel)
        if prompt.dropped and on_notice is not None:
            on_notice(dropped_notice(self.spec.name, self.context_length, prompt.dropped))
        self._grammar(options)  # a schema it cannot use is refused before the answer starts
        if on_start is not None:
            on_start()
        return self.generate(prompt, options, cancel, on_text)

    def complete(self, text: str, options: ChatOptions, cancel: CancelToken, on_text: Callable[[str], None], *,
                 on_start: Callable[[], None] | None = None) -> ChatResult:
        """Continue ``text`` as it is (``POST /v1/completions``: no chat template; see ``raw_prompt.py``), on its
        own: plain ``generate``, never joining the batching engine (a raw prompt has no conversation to cache)."""
        prompt = raw_prompt(self.tokenizer, text, self.context_length, options.max_new_tokens, self.spec.name)
        if on_start is not None:
            on_start()
        return self.generate(prompt, options, cancel, on_text)

    def serve_batch(self, first: Sequence[ChatCall], more: Callable[[int], Sequence[ChatCall]]) -> None:
        """Answer ``first`` and what ``more(room)`` hands over between decode steps, decoding them together.

        A request larger than the cache runs on its own (plain ``generate``, no cache) once the batch has
        drained; while one waits, no new request joins, so it is not overtaken."""
        engine = self.engine
        if engine is None:
            raise RuntimeError("serve_batch on a model that does not batch")
        alone: list[tuple[ChatCall, Prompt]] = []

        def admitted(calls: Sequence[ChatCall]) -> list[EngineRequest]:
            requests = []
            for call in calls:
                started = self._engine_request(call, alone)
                if started is not None:
                    requests.append(started)
            return requests

        engine.run(admitted(first), lambda room: () if alone else admitted(more(room)))
        for call, prompt in alone:
            try:
                call.on_result(self.generate(prompt, call.options, call.cancel, call.on_text))
            except Exception as exc:  # the call's own error; the next one still runs
                call.on_error(exc)

    def _engine_request(self, call: ChatCall, alone: list[tuple[ChatCall, Prompt]]) -> EngineRequest | None:
        """The engine's request for ``call`` (None: it ended already, or it waits in ``alone``)."""
        from ..engine.batch_runner import EngineRequest  # noqa: PLC0415
        from ..engine.sampler import row_sampling  # noqa: PLC0415

        engine = self.engine
        assert engine is not None
        started = time.perf_counter()
        try:
            prompt = self.prepare(call.messages, call.options, call.cancel)
            grammar = self._grammar(call.options)  # response_format: each row samples under its own grammar
        except Exception as exc:  # Cancelled while preparing, a refused prompt or schema
            call.on_error(exc)
            return None
        if prompt.dropped and call.on_notice is not None:
            call.on_notice(dropped_notice(self.spec.name, self.context_length, prompt.dropped))
        if call.on_start is not None:
            call.on_start()
        ids = self.tokenizer(prompt.text, add_special_tokens=not prompt.templated)["input_ids"]
        if not engine.fits(len(ids), prompt.max_new_tokens):
            log.info("a prompt of %d tokens (+%d) is larger than the cache: it runs on its own", len(ids),
                     prompt.max_new_tokens)
            alone.append((call, prompt))
            return None
        options = call.options
        stream = _Stream(self.tokenizer, call.on_text, tuple(prompt.stops) + tuple(options.stop), prompt_seen=True)
        seed = options.seed if options.seed >= 0 else random.randrange(2**31)

        def ended(request: EngineRequest, error: BaseException | None) -> None:
            if error is not None:
                call.on_error(error)
                return
            stream.end()
            n = len(stream.ids)
            finish = "cancelled" if call.cancel.cancelled else (
                "length" if n >= prompt.max_new_tokens and not stream.stopped else "stop")
            now = time.perf_counter()
            call.on_result(ChatResult(
                text=stream.text, prompt_tokens=len(ids), completion_tokens=n, seconds=now - started,
                first_token_seconds=(stream.first_token_at or now) - started, finish_reason=finish,
                dropped_messages=prompt.dropped, seed=seed, plan=self.plan, model=self.spec.name,
                cached_tokens=request.cached_tokens))

        return EngineRequest(list(ids), prompt.max_new_tokens,
                             row_sampling(options, seed, len(ids), self.model.device, grammar=grammar),
                             call.cancel, on_tokens=stream.add, stopped=lambda: stream.stopped, on_end=ended)

    def _encode(self, prompt: Prompt) -> Any:
        """What ``generate`` hands the model: the prompt's tokens (a subclass may add pictures)."""
        return self.tokenizer(prompt.text, return_tensors="pt", add_special_tokens=not prompt.templated)

    def generate(self, prompt: Prompt, options: ChatOptions, cancel: CancelToken,
                 on_text: Callable[[str], None]) -> ChatResult:
        """Generate an answer to a prompt built by ``prepare``, on its own (plain ``generate``, no cache)."""
        import torch  # noqa: PLC0415
        from transformers import LogitsProcessorList, StoppingCriteria, StoppingCriteriaList  # noqa: PLC0415

        started = time.perf_counter()
        enc = {k: v.to(self.model.device) for k, v in self._encode(prompt).items()}
        prompt_tokens = int(enc["input_ids"].shape[-1])
        stream = _Stream(self.tokenizer, on_text, tuple(prompt.stops) + tuple(options.stop))

        class _Stop(StoppingCriteria):
            def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
                done = cancel.cancelled or stream.stopped
                return torch.full((input_ids.shape[0],), done, dtype=torch.bool, device=input_ids.device)

        seed = options.seed if options.seed >= 0 else random.randrange(2**31)
        torch.manual_seed(seed)
        sample = options.temperature > 0
        gen: dict[str, Any] = dict(
            max_new_tokens=prompt.max_new_tokens,
            do_sample=sample,
            repetition_penalty=options.repetition_penalty,
            pad_token_id=self.tokenizer.pad_token_id,
            streamer=stream,
            stopping_criteria=StoppingCriteriaList([_Stop()]),
        )
        penalty = FrequencyPresencePenalty(prompt_tokens, options.frequency_penalty, options.presence_penalty)
        processors: list[Any] = [penalty] if penalty.active else []
        grammar = self._grammar(options)
        if grammar is not None:  # generate() puts it before temperature / top-k / top-p
            from .grammar import GrammarLogitsProcessor  # noqa: PLC0415

            processors.append(GrammarLogitsProcessor(grammar, prompt_tokens))
        if processors:
            gen["logits_processor"] = LogitsProcessorList(processors)
        if sample:
            gen.update(temperature=options.temperature, top_p=options.top_p, top_k=options.top_k or None)
        else:
            gen.update(temperature=None, top_p=None, top_k=None)
        try:
            with torch.inference_mode():
                self.model.generate(**enc, **gen)
        except Exception as exc:
            if is_oom(exc):
                free_memory()
                raise OutOfMemory("error.memory.chat_oom", "hint.memory.chat_oom") from None
            raise
        stream.end()
        n = len(stream.ids)
        finish = "cancelled" if cancel.cancelled else ("length" if n >= prompt.max_new_tokens and not stream.stopped
                                                       else "stop")
        now = time.perf_counter()
        return ChatResult(
            text=stream.text, prompt_tokens=prompt_tokens, completion_tokens=n, seconds=now - started,
            first_token_seconds=(stream.first_token_at or now) - started, finish_reason=finish,
            dropped_messages=prompt.dropped, seed=seed, plan=self.plan, model=self.spec.name)


def register(registry: Registry) -> None:
    """Chat models in safetensors folders: ``models/text/<name>/``, then the Hugging Face cache."""
    from ..catalog import scan_text_models  # noqa: PLC0415
    from ..hub_cache import scan_hub_cache  # noqa: PLC0415
    from ..plan import plan_text_load  # noqa: PLC0415

    registry.register("transformers", kind="text", factory=TransformersChatBackend, planner=plan_text_load,
                      scanners=(lambda s: scan_text_models(s.models_dir), lambda s: scan_hub_cache(kinds=("text",))))
