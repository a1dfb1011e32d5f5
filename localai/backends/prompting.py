"""Turning a conversation into a prompt: chat templates, the fallback, and context trimming.

Pure functions over a tokenizer; no model needed, so they are tested on their own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidInput

FALLBACK_STOPS = ("\nUser:", "\nSystem:")
ROLES = ("system", "user", "assistant")


def flatten_content(content: Any) -> str:
    """Gradio 6 and the OpenAI API may send content as a list of parts: keep the text."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or content.get("content") or "")
    if isinstance(content, (list, tuple)):
        return "".join(flatten_content(part) for part in content)
    return str(content)


def normalize_messages(messages: Sequence[dict]) -> list[dict[str, str]]:
    out = []
    for m in messages:
        role = m.get("role")
        if role not in ROLES:
            raise InvalidInput(f"Unknown message role '{role}'.", "Use system, user or assistant.")
        out.append({"role": role, "content": flatten_content(m.get("content"))})
    return out


def fallback_prompt(messages: Sequence[dict[str, str]]) -> str:
    """A plain transcript for models without a chat template; generation stops at the next 'User:'."""
    lines = []
    for m in messages:
        label = {"system": "System", "user": "User", "assistant": "Assistant"}[m["role"]]
        lines.append(f"{label}: {m['content'].strip()}")
    return "\n".join(lines) + "\nAssistant:"


@dataclass(frozen=True)
class Prompt:
    text: str
    messages: list[dict[str, str]]
    dropped: int  # how many old messages were left out to fit the context
    templated: bool  # False when the fallback transcript was used
    stops: tuple[str, ...]
    max_new_tokens: int  # what still fits in the context after the prompt


def render(tokenizer: Any, messages: Sequence[dict[str, str]]) -> tuple[str, bool]:
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(list(messages), tokenize=False, add_generation_prompt=True), True
    return fallback_prompt(messages), False


def dropped_notice(model_name: str, context_length: int, dropped: int) -> str:
    """What the user is told when the oldest messages were left out to fit the context."""
    return (f"The conversation is longer than {model_name} can read at once ({context_length} tokens): "
            f"the {dropped} oldest messages were left out of its view (the system prompt is kept).")


def build_prompt(tokenizer: Any, messages: Sequence[dict], context_length: int, max_new_tokens: int,
                 count_tokens: Callable[[str], int] | None = None, model_name: str = "this model") -> Prompt:
    """Render with the model's template (or the fallback), dropping the oldest turns until the
    prompt plus ``max_new_tokens`` fits the context. The system prompt is always kept."""
    msgs = normalize_messages(messages)
    if not msgs or msgs[-1]["role"] != "user" or not msgs[-1]["content"].strip():
        raise InvalidInput("There is no message to answer.", "Type a message first.")
    count = count_tokens or (lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"]))
    # The answer may take at most half the context; the rest is for the conversation.
    reserve = min(max_new_tokens, context_length // 2)
    budget = context_length - reserve
    system = [m for m in msgs[:1] if m["role"] == "system"]
    turns = msgs[len(system):]
    dropped = 0
    while True:
        text, templated = render(tokenizer, system + turns)
        n = count(text)
        if n <= budget:
            stops = () if templated else FALLBACK_STOPS
            return Prompt(text, system + turns, dropped, templated, stops, min(max_new_tokens, context_length - n))
        if len(turns) <= 1:
            raise InvalidInput(
                f"Your message is too long for this model: about {n} tokens, but only {budget} fit "
                f"(context {context_length} minus {reserve} tokens kept for the answer).",
                "Shorten the message or the system prompt, or lower 'Max new tokens'.")
        # Drop the oldest turn; never leave an assistant message first.
        turns = turns[1:]
        dropped += 1
        while len(turns) > 1 and turns[0]["role"] != "user":
            turns = turns[1:]
            dropped += 1
