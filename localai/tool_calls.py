"""Reading a model's tool calls out of its answer text (pure: no torch, no tokenizer).

Models trained for tools write their calls in one of a few formats, all handled here:

    Hermes / Qwen 2.5 / Qwen 3   <tool_call>{"name": "f", "arguments": {...}}</tool_call>   (one or several,
                                 text may come before and after)
    Llama 3.1 / 3.2              {"name": "f", "parameters": {...}}, the whole answer, possibly after
                                 <|python_tag|>; several separated by ";" or new lines
    Mistral (v0.3 tokenizers)    [TOOL_CALLS] [{"name": "f", "arguments": {...}}, ...]

Special tokens such as ``<|python_tag|>`` and ``[TOOL_CALLS]`` are usually dropped when the answer is
decoded, so a bare JSON object or list of calls making up the whole answer counts as calls too.

A call is taken only when every call in the answer reads: JSON that parses, a ``name`` among the tools
offered, arguments that are a JSON object. Otherwise the answer is "botched": no calls at all, the text
is the answer's content (the API then says ``finish_reason: "stop"``).

``ToolCallStream`` lets a streamed answer show its text as it comes while holding back what may be the
start of a call, so a call never leaks out as text.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

HERMES_OPEN, HERMES_CLOSE = "<tool_call>", "</tool_call>"
MISTRAL_MARK = "[TOOL_CALLS]"
LLAMA_MARK = "<|python_tag|>"
MARKERS = (HERMES_OPEN, MISTRAL_MARK, LLAMA_MARK)
HERMES_CALL = re.compile(r"<tool_call>(.*?)(?:</tool_call>|\Z)", re.DOTALL)
SEPARATORS = " \t\r\n;,"  # between Llama's JSON calls


@dataclass(frozen=True)
class ToolCall:
    """One call as OpenAI's API shows it: ``arguments`` is the JSON text of an object."""

    name: str
    arguments: str
    id: str = field(default_factory=lambda: f"call_{secrets.token_hex(12)}")

    def as_openai(self) -> dict[str, Any]:
        return {"id": self.id, "type": "function", "function": {"name": self.name, "arguments": self.arguments}}


@dataclass(frozen=True)
class ParsedAnswer:
    """An answer split into its calls and the text outside them (``outside``: unstripped, in order)."""

    calls: tuple[ToolCall, ...]
    outside: str
    botched: bool = False  # something that looked like a call did not read; then ``calls`` is empty

    @property
    def content(self) -> str | None:
        """The answer's text for OpenAI's ``message.content``: None when there is only calls."""
        text = self.outside.strip()
        return text or None


class _Botched(ValueError):
    """A call that does not read (bad JSON, no name, a name not offered, arguments that are not an object)."""


def _call(obj: Any, names: Collection[str]) -> ToolCall:
    if not isinstance(obj, dict) or not isinstance(obj.get("name"), str):
        raise _Botched("not a call")
    if obj["name"] not in names:
        raise _Botched(f"unknown function {obj['name']!r}")
    args = obj.get("arguments", obj.get("parameters", {}))
    if isinstance(args, str):  # some models write the arguments as a JSON string
        try:
            args = json.loads(args) if args.strip() else {}
        except ValueError:
            raise _Botched("arguments are not JSON") from None
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise _Botched("arguments are not an object")
    return ToolCall(obj["name"], json.dumps(args, ensure_ascii=False))


def _json_values(text: str) -> list[Any]:
    """The JSON values making up all of ``text`` (separated by white space, ";" or ","); ``_Botched`` if any
    part is not JSON."""
    decoder, values, at = json.JSONDecoder(), [], 0
    while True:
        while at < len(text) and text[at] in SEPARATORS:
            at += 1
        if at == len(text):
            return values
        try:
            value, at = decoder.raw_decode(text, at)
        except ValueError:
            raise _Botched("not JSON") from None
        values.append(value)


def _calls_in_json(text: str, names: Collection[str]) -> list[ToolCall]:
    calls = []
    for value in _json_values(text):
        for obj in value if isinstance(value, list) else [value]:
            calls.append(_call(obj, names))
    if not calls:
        raise _Botched("no calls")
    return calls


def looks_like_json_call(text: str) -> bool:
    """Whether a whole answer may be Llama- or Mistral-style JSON calls (an object or a list of them)."""
    stripped = text.strip()
    return stripped.startswith(("{", "[")) and '"name"' in stripped


def parse_tool_calls(text: str, names: Collection[str]) -> ParsedAnswer:
    """The calls in a model's answer ``text`` to the tools named ``names`` (see the module's formats)."""
    try:
        if HERMES_OPEN in text:
            calls = [_call(_one_json(m.group(1)), names) for m in HERMES_CALL.finditer(text)]
            return ParsedAnswer(tuple(calls), HERMES_CALL.sub("", text))
        for mark in (MISTRAL_MARK, LLAMA_MARK):
            if mark in text:
                before, _, after = text.partition(mark)
                return ParsedAnswer(tuple(_calls_in_json(after, names)), before)
        if looks_like_json_call(text):
            return ParsedAnswer(tuple(_calls_in_json(text, names)), "")
    except _Botched:
        return ParsedAnswer((), text, botched=True)
    return ParsedAnswer((), text)


def _one_json(text: str) -> Any:
    values = _json_values(text.strip())
    if len(values) != 1:
        raise _Botched("not one JSON value")
    return values[0]


class ToolCallStream:
    """A streamed answer's text, held back where a call may be starting.

    ``feed`` takes each new piece of the answer and returns the text that can be shown now; ``finish``
    reads the whole answer and returns it parsed, with the content not shown yet."""

    def __init__(self, names: Collection[str]) -> None:
        self.names = names
        self.text = ""
        self.shown = 0  # characters of self.text already handed out (never past the first call)
        self.holding = False  # a call (or what may be one) has started: the rest waits for the end

    def feed(self, piece: str) -> str:
        self.text += piece
        if self.holding:
            return ""
        if not self.shown:  # the answer's start: a JSON call would begin here
            stripped = self.text.lstrip()
            if not stripped:
                return ""
            if stripped[0] in "{[":
                self.holding = True
                return ""
        found = [at for at in (self.text.find(m, max(0, self.shown - len(m))) for m in MARKERS) if at >= 0]
        if found:
            self.holding = True
            upto = min(found)
        else:
            upto = len(self.text) - _partial_marker(self.text)
        out = self.text[self.shown:upto]
        self.shown = max(self.shown, upto)
        return out

    def finish(self) -> tuple[ParsedAnswer, str]:
        """The whole answer parsed, and the content still to show (after the calls, or all held text)."""
        parsed = parse_tool_calls(self.text, self.names)
        if parsed.calls and parsed.outside.startswith(self.text[:self.shown]):
            return parsed, parsed.outside[self.shown:].rstrip() if parsed.outside[self.shown:].strip() else ""
        return parsed, self.text[self.shown:]


def _partial_marker(text: str) -> int:
    """The length of the longest end of ``text`` that is the start of a call marker."""
    best = 0
    for mark in MARKERS:
        for n in range(min(len(mark) - 1, len(text)), best, -1):
            if text.endswith(mark[:n]):
                best = n
                break
    return best
