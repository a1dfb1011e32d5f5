"""OpenAI's frequency and presence penalties as a transformers logits processor.

For each token already in the answer (not the prompt), its logit is lowered by
``frequency * count + presence * (count > 0)``: a positive frequency penalty makes a token less
likely the more often it has appeared, a positive presence penalty makes any repeat less likely
once; negative values encourage repeats. That is what the OpenAI API documents for these two
fields (range -2 to 2), unlike transformers' multiplicative ``repetition_penalty``.

It follows transformers' ``LogitsProcessor`` protocol (``__call__(input_ids, scores) -> scores``),
so ``LogitsProcessorList`` takes it, without importing torch or transformers here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FrequencyPresencePenalty:
    prompt_length: int  # tokens of input_ids that are the prompt: they are not penalised
    frequency: float = 0.0
    presence: float = 0.0

    @property
    def active(self) -> bool:
        return self.frequency != 0 or self.presence != 0

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        generated = input_ids[:, self.prompt_length:]
        if generated.shape[-1] == 0 or not self.active:
            return scores
        counts = scores.new_zeros(scores.shape)
        counts.scatter_add_(1, generated, scores.new_ones(generated.shape))
        return scores - self.frequency * counts - self.presence * (counts > 0).to(scores.dtype)
