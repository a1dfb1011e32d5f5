"""Turning a conversation into a prompt: chat templates, the fallback, and context trimming.

Pure functions over a tokenizer; no model needed, so they are tested on their own.

Some chat templates refuse conversations the page and the API send every day: Gemma's raises
"System role not supported", Mistral's "Conversation roles must alternate user/assistant/...".
Then the conversation is adapted the way those models' own authors advise (the system prompt goes
at the top of the first user turn; consecutive messages of one role are joined) and rendered
again; a template that still refuses is a clear ``InvalidInput`` naming the model and its reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidInput, first_line
from ..messages import Message

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
            raise InvalidInput("error.chat.unknown_role", "hint.chat.roles", role=role)
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


def merge_system(messages: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    """The system prompt moved to the top of the first user turn (for templates without a system role)."""
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system" and m["content"].strip())
    rest = [dict(m) for m in messages if m["role"] != "system"]
    first_user = next((m for m in rest if m["role"] == "user"), None)
    if system and first_user is not None:
        first_user["content"] = f"{system}\n\n{first_user['content']}"
    return rest


def join_same_roles(messages: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    """Consecutive messages of one role joined into one (for templates that demand alternating turns)."""
    out: list[dict[str, str]] = []
    for m in messages:
        if out and out[-1]["role"] == m["role"]:
            out[-1] = {"role": m["role"], "content": f"{out[-1]['content']}\n\n{m['content']}"}
        else:
            out.append(dict(m))
    return out


# What to try, in order, when a chat template raises: the conversation as it is, then adapted.
ADAPTATIONS: tuple[Callable[[Sequence[dict[str, str]]], list[dict[str, str]]], ...] = (
    list, merge_system, join_same_roles, lambda msgs: join_same_roles(merge_system(msgs)))


class TemplateRefused(Exception):
    """The model's chat template raised for every adaptation of the conversation."""


def _apply_template(tokenizer: Any, messages: list[dict[str, str]]) -> str:
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


def render(tokenizer: Any, messages: Sequence[dict[str, str]],
           adapt: Callable[[Sequence[dict[str, str]]], list[dict[str, str]]] = list,
           ) -> tuple[str, list[dict[str, str]], bool]:
    """The prompt text, the messages it shows, and whether the model's own template made it."""
    if not getattr(tokenizer, "chat_template", None):
        return fallback_prompt(messages), list(messages), False
    adapted = adapt(messages)
    return _apply_template(tokenizer, adapted), adapted, True


def find_adaptation(tokenizer: Any, messages: Sequence[dict[str, str]]
                    ) -> Callable[[Sequence[dict[str, str]]], list[dict[str, str]]]:
    """The first adaptation of ``messages`` that the model's chat template accepts (see ``ADAPTATIONS``),
    or ``TemplateRefused`` with the template's own words."""
    from jinja2.exceptions import TemplateError  # noqa: PLC0415  (light; transformers renders with jinja2)

    if not getattr(tokenizer, "chat_template", None):
        return list
    refusal: Exception | None = None
    for adapt in ADAPTATIONS:
        try:
            _apply_template(tokenizer, adapt(messages))
            return adapt
        except TemplateError as exc:
            refusal = refusal or exc
    raise TemplateRefused(first_line(refusal or Exception("the template failed"), 200))


def dropped_notice(model_name: str, context_length: int, dropped: int) -> Message:
    """What the user is told when the oldest messages were left out to fit the context."""
    return Message("notice.messages_left_out", name=model_name, n=context_length, k=dropped)


def build_prompt(tokenizer: Any, messages: Sequence[dict], context_length: int, max_new_tokens: int,
                 count_tokens: Callable[[str], int] | None = None, model_name: str = "this model") -> Prompt:
    """Render with the model's template (or the fallback), dropping the oldest turns until the
    prompt plus ``max_new_tokens`` fits the context. The system prompt is always kept."""
    msgs = normalize_messages(messages)
    if not msgs or msgs[-1]["role"] != "user" or not msgs[-1]["content"].strip():
        raise InvalidInput("error.chat.nothing_to_answer", "hint.chat.type_first")
    try:
        return _fit(tokenizer, msgs, context_length, max_new_tokens, count_tokens, find_adaptation(tokenizer, msgs))
    except TemplateRefused as exc:
        raise _refused(model_name, str(exc)) from None


def _refused(model_name: str, reason: str) -> InvalidInput:
    return InvalidInput("error.chat.template_refused", "hint.chat.template_refused", name=model_name, reason=reason)


def _fit(tokenizer: Any, msgs: list[dict[str, str]], context_length: int, max_new_tokens: int,
         count_tokens: Callable[[str], int] | None,
         adapt: Callable[[Sequence[dict[str, str]]], list[dict[str, str]]]) -> Prompt:
    from jinja2.exceptions import TemplateError  # noqa: PLC0415

    count = count_tokens or (lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"]))
    # The answer may take at most half the context; the rest is for the conversation.
    reserve = min(max_new_tokens, context_length // 2)
    budget = context_length - reserve
    system = [m for m in msgs[:1] if m["role"] == "system"]
    turns = msgs[len(system):]
    dropped = 0
    while True:
        try:
            text, shown, templated = render(tokenizer, system + turns, adapt)
        except TemplateError as exc:  # a shorter conversation the template still refuses
            raise TemplateRefused(first_line(exc, 200)) from None
        n = count(text)
        if n <= budget:
            stops = () if templated else FALLBACK_STOPS
            return Prompt(text, shown, dropped, templated, stops, min(max_new_tokens, context_length - n))
        if len(turns) <= 1:
            raise InvalidInput("error.chat.too_long", "hint.chat.shorten", n=n, budget=budget, context=context_length,
                               reserve=reserve)
        # Drop the oldest turn; never leave an assistant message first.
        turns = turns[1:]
        dropped += 1
        while len(turns) > 1 and turns[0]["role"] != "user":
            turns = turns[1:]
            dropped += 1
