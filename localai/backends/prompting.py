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
from typing import TYPE_CHECKING, Any

from ..chat_images import CONVERSATION_IMAGES, IMAGES_KEY, checked_images, count_images
from ..errors import Cancelled, InvalidInput, first_line
from ..messages import Message
from ..untrusted_input import without_lone_surrogates
from .trimming import earliest_fitting, estimated_lengths, first_guess

if TYPE_CHECKING:
    from ..jobs import CancelToken

FALLBACK_STOPS = ("\nUser:", "\nSystem:")
ROLES = ("system", "user", "assistant", "tool")
ASKING_ROLES = ("user", "tool")  # what a conversation may end with: a question, or a tool's result to read


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


def normalize_messages(messages: Sequence[dict]) -> list[dict[str, Any]]:
    """Role and plain text of each message; a lone surrogate (not text: the tokenizer and SQLite refuse it)
    becomes U+FFFD. A message's pictures (``images``: picture files, see ``chat_images.py``) are checked and
    kept; a message without any has no ``images`` key. Tool calls are kept as the chat templates take them
    (see ``api_tools.py``): an assistant message's ``tool_calls``, a tool message's ``tool_call_id`` and ``name``."""
    out: list[dict[str, Any]] = []
    for i, m in enumerate(messages):
        role = m.get("role")
        if role not in ROLES:
            raise InvalidInput("error.chat.unknown_role", "hint.chat.roles", role=role).about("messages")
        message: dict[str, Any] = {"role": role, "content": without_lone_surrogates(flatten_content(m.get("content")))}
        if m.get(IMAGES_KEY):
            message[IMAGES_KEY] = checked_images(m[IMAGES_KEY], f"messages[{i}].images")
        if role == "assistant" and m.get("tool_calls"):
            message["tool_calls"] = [dict(call) for call in m["tool_calls"]]
        if role == "tool":
            message.update({k: str(m[k]) for k in ("tool_call_id", "name") if m.get(k)})
        out.append(message)
    CONVERSATION_IMAGES.check(count_images(out), "messages")
    return out


def fallback_prompt(messages: Sequence[dict[str, str]]) -> str:
    """A plain transcript for models without a chat template; generation stops at the next 'User:'."""
    lines = []
    for m in messages:
        label = {"system": "System", "user": "User", "assistant": "Assistant", "tool": "Tool"}[m["role"]]
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
        if out and out[-1]["role"] == m["role"] and not _tool_parts(out[-1]) and not _tool_parts(m):
            joined = {"role": m["role"], "content": f"{out[-1]['content']}\n\n{m['content']}"}
            if out[-1].get(IMAGES_KEY) or m.get(IMAGES_KEY):  # a message's pictures stay with its text
                joined[IMAGES_KEY] = [*out[-1].get(IMAGES_KEY, ()), *m.get(IMAGES_KEY, ())]
            out[-1] = joined
        else:
            out.append(dict(m))
    return out


def _tool_parts(message: dict[str, Any]) -> bool:
    """Whether a message is (or makes) a tool call: never joined with another, each call keeps its own turn."""
    return message["role"] == "tool" or bool(message.get("tool_calls"))


# What to try, in order, when a chat template raises: the conversation as it is, then adapted.
ADAPTATIONS: tuple[Callable[[Sequence[dict[str, str]]], list[dict[str, str]]], ...] = (
    list, merge_system, join_same_roles, lambda msgs: join_same_roles(merge_system(msgs)))


class TemplateRefused(Exception):
    """The model's chat template raised for every adaptation of the conversation."""


def _apply_template(tokenizer: Any, messages: list[dict[str, str]], tools: Sequence[dict] = ()) -> str:
    return tokenizer.apply_chat_template(messages, tools=list(tools) or None, tokenize=False,
                                         add_generation_prompt=True)


def template_takes_tools(tokenizer: Any) -> bool:
    """Whether the model's chat template shows the model its tools (it reads a ``tools`` variable)."""
    template = getattr(tokenizer, "chat_template", None)
    if isinstance(template, dict):  # named templates: transformers picks "tool_use" when tools are given
        return "tool_use" in template or any("tools" in str(t) for t in template.values())
    return bool(template) and "tools" in str(template)


def render(tokenizer: Any, messages: Sequence[dict[str, str]],
           adapt: Callable[[Sequence[dict[str, str]]], list[dict[str, str]]] = list, tools: Sequence[dict] = (),
           ) -> tuple[str, list[dict[str, str]], bool]:
    """The prompt text, the messages it shows, and whether the model's own template made it."""
    if not getattr(tokenizer, "chat_template", None):
        return fallback_prompt(messages), list(messages), False
    adapted = adapt(messages)
    return _apply_template(tokenizer, adapted, tools), adapted, True


def find_adaptation(tokenizer: Any, messages: Sequence[dict[str, str]], tools: Sequence[dict] = ()
                    ) -> Callable[[Sequence[dict[str, str]]], list[dict[str, str]]]:
    """The first adaptation of ``messages`` that the model's chat template accepts (see ``ADAPTATIONS``),
    or ``TemplateRefused`` with the template's own words."""
    from jinja2.exceptions import TemplateError  # noqa: PLC0415  (light; transformers renders with jinja2)

    if not getattr(tokenizer, "chat_template", None):
        return list
    refusal: Exception | None = None
    for adapt in ADAPTATIONS:
        try:
            _apply_template(tokenizer, adapt(messages), tools)
            return adapt
        except TemplateError as exc:
            refusal = refusal or exc
    raise TemplateRefused(first_line(refusal or Exception("the template failed"), 200))


def dropped_notice(model_name: str, context_length: int, dropped: int) -> Message:
    """What the user is told when the oldest messages were left out to fit the context."""
    return Message("notice.messages_left_out", name=model_name, n=context_length, k=dropped)


def build_prompt(tokenizer: Any, messages: Sequence[dict], context_length: int, max_new_tokens: int,
                 count_tokens: Callable[[str], int] | None = None, model_name: str = "this model",
                 cancel: CancelToken | None = None, tools: Sequence[dict] = ()) -> Prompt:
    """Render with the model's template (or the fallback), leaving out the oldest turns when the
    prompt plus ``max_new_tokens`` does not fit the context. The system prompt is always kept, and an
    assistant message never comes first. ``cancel`` (the job's token) is checked as the work goes: a
    cancelled job raises ``Cancelled`` instead of finishing a prompt nobody waits for. ``tools`` (OpenAI
    function tools) go into the template; a template that does not show tools refuses them."""
    msgs = normalize_messages(messages)
    last = msgs[-1] if msgs else None
    if last is None or last["role"] not in ASKING_ROLES or (last["role"] == "user" and not last["content"].strip()):
        raise InvalidInput("error.chat.nothing_to_answer", "hint.chat.type_first")
    if tools and not template_takes_tools(tokenizer):
        raise InvalidInput("error.tools.no_template", "hint.tools.pick_model", name=model_name).about("tools")
    check = _checker(cancel)
    try:
        check()
        adapt = find_adaptation(tokenizer, msgs, tools)
        return _fit(tokenizer, msgs, context_length, max_new_tokens, count_tokens, adapt, check, tools)
    except TemplateRefused as exc:
        raise _refused(model_name, str(exc)) from None


def _checker(cancel: CancelToken | None) -> Callable[[], None]:
    def check() -> None:
        if cancel is not None and cancel.cancelled:
            raise Cancelled()

    return check


def _refused(model_name: str, reason: str) -> InvalidInput:
    return InvalidInput("error.chat.template_refused", "hint.chat.template_refused", name=model_name, reason=reason)


@dataclass(frozen=True)
class _Rendered:
    text: str
    shown: list[dict[str, str]]
    templated: bool
    tokens: int


def _fit(tokenizer: Any, msgs: list[dict[str, str]], context_length: int, max_new_tokens: int,
         count_tokens: Callable[[str], int] | None,
         adapt: Callable[[Sequence[dict[str, str]]], list[dict[str, str]]], check: Callable[[], None],
         tools: Sequence[dict] = ()) -> Prompt:
    """The prompt of the longest recent part of the conversation that fits (see ``trimming.py``)."""
    from jinja2.exceptions import TemplateError  # noqa: PLC0415

    count = count_tokens or (lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"]))
    # The answer may take at most half the context; the rest is for the conversation.
    reserve = min(max_new_tokens, context_length // 2)
    budget = context_length - reserve
    system = [m for m in msgs[:1] if m["role"] == "system"]
    turns = msgs[len(system):]
    # Where the shown part may start: the first turn, or any user turn (never an answer without its question).
    cuts = [0] + [i for i in range(1, len(turns)) if turns[i]["role"] == "user"]
    renders: dict[int, _Rendered] = {}

    def rendered(k: int) -> _Rendered:
        if k not in renders:
            check()
            try:
                text, shown, templated = render(tokenizer, system + turns[cuts[k]:], adapt, tools)
            except TemplateError as exc:  # a shorter conversation the template still refuses
                raise TemplateRefused(first_line(exc, 200)) from None
            renders[k] = _Rendered(text, shown, templated, count(text))
        return renders[k]

    last = len(cuts) - 1
    if rendered(last).tokens > budget:
        raise InvalidInput("error.chat.too_long", "hint.chat.shorten", n=rendered(last).tokens, budget=budget,
                           context=context_length, reserve=reserve).about("messages")
    guess = last
    if last > 0:
        # Each message tokenized once; the template's own tokens per message estimated from the last render.
        counts = _content_tokens(tokenizer, [m["content"] for m in msgs], count_tokens, check)
        tokens = counts[len(system):]
        always_shown = len(system) + len(turns) - cuts[last]
        overhead = rendered(last).tokens - sum(counts[:len(system)]) - sum(tokens[cuts[last]:])
        estimate = estimated_lengths(tokens[:cuts[last]], max(0.0, overhead / always_shown), rendered(last).tokens)
        guess = first_guess(cuts, estimate, budget)
    best = earliest_fitting(len(cuts), lambda k: rendered(k).tokens <= budget, guess)
    assert best is not None  # the last cut fits (checked above)
    chosen = rendered(best)
    stops = () if chosen.templated else FALLBACK_STOPS
    return Prompt(chosen.text, chosen.shown, cuts[best], chosen.templated, stops,
                  min(max_new_tokens, context_length - chosen.tokens))


TOKENIZE_BATCH = 256  # messages tokenized per call (the cancel token is checked between calls)


def _content_tokens(tokenizer: Any, texts: Sequence[str], count_tokens: Callable[[str], int] | None,
                    check: Callable[[], None]) -> list[int]:
    """How many tokens each text has on its own, each text tokenized once."""
    out: list[int] = []
    for at in range(0, len(texts), TOKENIZE_BATCH):
        check()
        batch = list(texts[at:at + TOKENIZE_BATCH])
        if count_tokens is not None:
            out.extend(count_tokens(t) for t in batch)
        else:
            out.extend(len(ids) for ids in tokenizer(batch, add_special_tokens=False)["input_ids"])
    return out
