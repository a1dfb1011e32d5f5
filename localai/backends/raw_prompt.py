"""A completion's prompt (``POST /v1/completions``): the client's text given to the model as it is.

No chat template and no trimming: the text is tokenized the way ``generate`` encodes a prompt that was not
templated (with the tokenizer's own special tokens, e.g. a BOS where it adds one). A prompt that leaves no
room in the context for even one new token is refused; otherwise the answer is cut to what still fits.
"""

from __future__ import annotations

from typing import Any

from ..errors import InvalidInput
from .prompting import Prompt


def raw_prompt(tokenizer: Any, text: str, context_length: int, max_new_tokens: int,
               model_name: str = "this model") -> Prompt:
    """``text`` as a ``Prompt`` for ``generate``; ``InvalidInput`` about ``prompt`` when empty or too long."""
    tokens = len(tokenizer(text)["input_ids"])
    if tokens == 0:
        raise InvalidInput("error.complete.empty_prompt", "hint.complete.send_text").about("prompt")
    if tokens >= context_length:
        raise InvalidInput("error.complete.too_long", "hint.complete.shorten", n=tokens, name=model_name,
                           context=context_length).about("prompt")
    return Prompt(text, [], 0, False, (), min(max_new_tokens, context_length - tokens))
