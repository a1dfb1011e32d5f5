"""Constrained decoding for ``response_format`` (see ``structured_output.py``), with ``xgrammar``.

``Grammars`` belongs to one loaded model: its tokenizer's vocabulary is read once (``TokenizerInfo``), and
each response format is compiled once into a grammar over that vocabulary (xgrammar's compiler keeps the
compiled grammars, up to ``CACHE_BYTES``). ``Grammars.mask(fmt)`` gives one answer its own ``GrammarMask``:
before each token it sets every token that cannot continue valid output to -inf; after each token it
advances. Once the JSON is complete only the model's end-of-sequence tokens are left, so the answer stops.

Two places sample: plain ``generate`` (``GrammarLogitsProcessor``, placed before temperature / top-k /
top-p, so those never leave it nothing to pick) and the batching engine's per-row sampler
(``engine/sampler.py``: a row with a mask is masked, then sampled, then the mask is advanced).

Whitespace between JSON tokens is not free (``any_whitespace=False``): the answer comes as one line with
", " and ": " separators. A small model left free to write spaces can write them until ``max_tokens``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from ..errors import InvalidInput
from ..structured_output import SCHEMA_FIELD, schema_text

log = logging.getLogger(__name__)

CACHE_BYTES = 64 * 2**20  # compiled grammars kept per model (xgrammar's own cache evicts the oldest)
_NATIVE_PREFIX = re.compile(r"^\s*(\[[0-9:]+\]\s*)?(\S+\.(cc|h|cpp):\d+:\s*)?(Check failed: \(.*?\) is false:\s*)?")


def plain_reason(exc: BaseException) -> str:
    """xgrammar's error in plain words: its first line without the C++ file and line it came from."""
    text = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
    text = _NATIVE_PREFIX.sub("", text).strip().rstrip(".")  # the message's own sentence ends it
    return (text[:297] + "...") if len(text) > 300 else text


class GrammarMask:
    """One answer's grammar: which tokens may come next, advanced token by token."""

    def __init__(self, compiled: Any, vocab_size: int) -> None:
        import xgrammar as xgr  # noqa: PLC0415

        self._xgr = xgr
        self._matcher = xgr.GrammarMatcher(compiled)
        self._bitmask = xgr.allocate_token_bitmask(1, vocab_size)
        self.vocab_size = vocab_size
        self.off_track = False  # a token the grammar did not allow was taken (a bug): masking stops

    @property
    def complete(self) -> bool:
        """The output is complete and its end-of-sequence token taken."""
        return self._matcher.is_terminated()

    def apply(self, logits: Any) -> Any:
        """``logits`` ([vocab] or [1, vocab]) with every token the grammar does not allow next set to -inf, in place."""
        if self.complete or self.off_track:
            return logits
        self._matcher.fill_next_token_bitmask(self._bitmask)
        device = logits.device
        if device.type == "cuda":
            self._xgr.apply_token_bitmask_inplace(logits, self._bitmask.to(device, non_blocking=True),
                                                  vocab_size=self.vocab_size)
            return logits
        work = logits if device.type == "cpu" else logits.to("cpu")
        self._xgr.apply_token_bitmask_inplace(work, self._bitmask, vocab_size=self.vocab_size)
        return work if work is logits else logits.copy_(work)

    def accept(self, token: int) -> None:
        """The token taken after the last ``apply``."""
        if self.complete or self.off_track:
            return
        if not self._matcher.accept_token(int(token)):
            log.warning("the grammar did not allow token %d: the rest of this answer is not constrained", token)
            self.off_track = True


class GrammarLogitsProcessor:
    """A ``generate`` logits processor over a ``GrammarMask`` (one answer, batch size 1)."""

    def __init__(self, mask: GrammarMask, prompt_length: int) -> None:
        self.mask = mask
        self.prompt_length = prompt_length

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        if input_ids.shape[-1] > self.prompt_length:  # the token picked last step
            self.mask.accept(int(input_ids[0, -1]))
        return self.mask.apply(scores)


class Grammars:
    """The response formats of one loaded model, compiled over its vocabulary (made at the first one asked)."""

    def __init__(self, tokenizer: Any, vocab_size: int, stop_token_ids: Sequence[int]) -> None:
        import xgrammar as xgr  # noqa: PLC0415

        self.vocab_size = max(int(vocab_size), len(tokenizer))
        info = xgr.TokenizerInfo.from_huggingface(tokenizer, vocab_size=self.vocab_size,
                                                  stop_token_ids=[int(t) for t in stop_token_ids] or None)
        self.compiler = xgr.GrammarCompiler(info, max_threads=1, cache_enabled=True, cache_limit_bytes=CACHE_BYTES)

    def compiled(self, response_format: tuple[str, ...]) -> Any:
        """The compiled grammar of ``response_format`` (kept); ``InvalidInput`` about the schema when xgrammar
        cannot use it, with its reason."""
        try:
            return self.compiler.compile_json_schema(schema_text(response_format), any_whitespace=False,
                                                     strict_mode=True)
        except (RuntimeError, ValueError, TypeError) as exc:
            raise InvalidInput("error.structured.bad_schema", "hint.structured.bad_schema", field=SCHEMA_FIELD,
                               reason=plain_reason(exc)).about(SCHEMA_FIELD) from None

    def mask(self, response_format: tuple[str, ...]) -> GrammarMask:
        """A fresh mask for one answer in ``response_format``."""
        return GrammarMask(self.compiled(response_format), self.vocab_size)


def grammars_for(model: Any, tokenizer: Any) -> Grammars:
    """``Grammars`` for a loaded transformers model: the mask covers its whole output layer, and the grammar
    ends on the end-of-sequence tokens that end its ``generate`` (and the batching engine's requests)."""
    eos = model.generation_config.eos_token_id
    eos = eos if eos is not None else tokenizer.eos_token_id
    eos_token_ids = [int(t) for t in (eos if isinstance(eos, (list, tuple)) else [eos]) if t is not None]
    config = model.config.get_text_config() if hasattr(model.config, "get_text_config") else model.config
    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    width = int(getattr(head, "out_features", 0) or 0)  # nn.Linear, and its dynamic int8 form
    return Grammars(tokenizer, max(width, int(getattr(config, "vocab_size", 0) or 0)), eos_token_ids)
