"""Tool calling in ``POST /v1/chat/completions`` (OpenAI's function tools), over ``api.py``'s chat route.

Request:
    tools                 [{"type": "function", "function": {"name", "description", "parameters"}}], each
                          checked (a bad one is a 400 naming its field, e.g. ``tools[0].function.name``);
                          they go into the model's own chat template (``apply_chat_template(tools=...)``)
    tool_choice           "auto" (default), "none" (the tools are not offered), "required", or
                          {"type": "function", "function": {"name"}} (only that tool is offered). Without
                          constrained decoding neither "required" nor a named tool can force a call: a model
                          that answers in words gets ``finish_reason: "stop"``, as with "auto".
    parallel_tool_calls   true (default) or false (only the first call of an answer is kept)
    messages              an assistant message may carry ``tool_calls`` (content null); a ``tool`` message
                          answers one of them by ``tool_call_id`` (and ``name``)

Answer: the calls the model wrote (``tool_calls.py`` reads them) as ``message.tool_calls`` with
``finish_reason: "tool_calls"``; the text around them is ``content`` (null when none). A call the model
botched (not JSON, a function not offered) gives no ``tool_calls``: its text is the content and the
finish reason "stop". Streamed, text comes as it is written until a call may be starting; the rest
waits for the end and comes as ``delta.tool_calls`` (one chunk per call, the arguments whole).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .api import BadField, _get
from .api_chat_content import parse_content
from .errors import first_line
from .messages import Message
from .tool_calls import ParsedAnswer, ToolCallStream, parse_tool_calls

MAX_TOOLS = 128  # OpenAI's own limit
TOOL_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")  # OpenAI's rule for function names
CHOICES = ("auto", "none", "required")
STR, LIST, OBJECT = Message("api.type.str"), Message("api.type.list"), Message("api.type.dict")


@dataclass(frozen=True)
class ToolRequest:
    """The tools a request offers the model (each as JSON text, for ``ChatOptions.tools``)."""

    offered: tuple[str, ...] = ()
    parallel: bool = True

    @property
    def names(self) -> list[str]:
        return [json.loads(t)["function"]["name"] for t in self.offered]


# -- the request -----------------------------------------------------------------------------------------
def parse_tools(body: dict) -> ToolRequest:
    """``tools``, ``tool_choice`` and ``parallel_tool_calls`` of a chat request, checked field by field."""
    tools = _get(body, "tools", list, [])
    if len(tools) > MAX_TOOLS:
        raise BadField("tools", "error.tools.too_many", max=MAX_TOOLS, value=len(tools))
    defined = [_tool(tool, f"tools[{i}]") for i, tool in enumerate(tools)]
    names = [d["function"]["name"] for d in defined]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise BadField(f"tools[{i}].function.name", "error.tools.duplicate", name=name)
    chosen = _choice(body.get("tool_choice"), names)
    offered = [] if chosen == "none" else [d for d in defined if chosen in CHOICES or d["function"]["name"] == chosen]
    parallel = _get(body, "parallel_tool_calls", bool, True)
    return ToolRequest(tuple(json.dumps(d, ensure_ascii=False) for d in offered), parallel)


def _tool(tool: Any, where: str) -> dict[str, Any]:
    if not isinstance(tool, dict):
        raise BadField(where, "error.api.field_type", kind=OBJECT)
    if tool.get("type", "function") != "function":
        raise BadField(f"{where}.type", "error.tools.type", type=str(tool.get("type"))[:40])
    function = tool.get("function")
    if not isinstance(function, dict):
        raise BadField(f"{where}.function", "error.api.field_type", kind=OBJECT)
    name = function.get("name")
    if not isinstance(name, str) or not TOOL_NAME.fullmatch(name):
        raise BadField(f"{where}.function.name", "error.tools.name")
    description = function.get("description")
    if description is not None and not isinstance(description, str):
        raise BadField(f"{where}.function.description", "error.api.field_type", kind=STR)
    parameters = function.get("parameters", {"type": "object", "properties": {}})
    _check_parameters(parameters, f"{where}.function.parameters")
    return {"type": "function", "function": {"name": name, **({"description": description} if description else {}),
                                             "parameters": parameters}}


def _check_parameters(schema: Any, where: str) -> None:
    """A function's ``parameters``: a JSON schema of an object (checked as a schema when ``jsonschema`` is there)."""
    if not isinstance(schema, dict):
        raise BadField(where, "error.api.field_type", kind=OBJECT)
    if schema.get("type", "object") != "object":
        raise BadField(f"{where}.type", "error.tools.parameters_type")
    try:
        from jsonschema import Draft202012Validator  # noqa: PLC0415
        from jsonschema.exceptions import SchemaError  # noqa: PLC0415
    except ImportError:  # the shape above is all that is checked then
        return
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise BadField(where, "error.tools.bad_schema", reason=first_line(exc.message, 200)) from None


def _choice(choice: Any, names: list[str]) -> str:
    """"auto", "none", "required", or the name of the one tool chosen."""
    if choice is None:
        return "auto"
    if isinstance(choice, str) and choice in CHOICES:
        name = choice
    elif isinstance(choice, dict) and choice.get("type", "function") == "function":
        function = choice.get("function")
        name = function.get("name") if isinstance(function, dict) else None
        if not isinstance(name, str):
            raise BadField("tool_choice.function.name", "error.api.field_type", kind=STR)
        if name not in names:
            raise BadField("tool_choice.function.name", "error.tools.choice_unknown", name=name[:64],
                           names=", ".join(names) or "-")
    else:
        raise BadField("tool_choice", "error.tools.choice")
    if name not in ("auto", "none") and not names:
        raise BadField("tool_choice", "error.tools.choice_without_tools")
    return name


def is_tool_message(message: dict) -> bool:
    """Whether a request's message is tool calling's business: a tool's result, or an assistant's calls."""
    return message.get("role") == "tool" or (message.get("role") == "assistant" and "tool_calls" in message
                                             and message["tool_calls"] is not None)


def parse_tool_message(message: dict, i: int, earlier: Sequence[dict]) -> dict[str, Any]:
    """A tool message or an assistant message with ``tool_calls``, in the form the chat templates take:
    ``{"role": "assistant", "content", "tool_calls": [{"id", "type", "function": {"name", "arguments": {}}}]}``
    and ``{"role": "tool", "content", "tool_call_id", "name"}``. ``earlier``: the messages before it (parsed)."""
    where = f"messages[{i}]"
    text, pictures = parse_content(message.get("content"), f"{where}.content")
    if pictures:
        raise BadField(f"{where}.content", "error.tools.no_pictures", item=where)
    if message["role"] == "tool":
        call_id = message.get("tool_call_id")
        if not isinstance(call_id, str) or not call_id:
            raise BadField(f"{where}.tool_call_id", "error.tools.call_id_missing", item=where)
        asked = {c["id"]: c["function"]["name"] for m in earlier for c in m.get("tool_calls", ())}
        if call_id not in asked:
            raise BadField(f"{where}.tool_call_id", "error.tools.call_id_unknown", item=where, id=call_id[:64])
        name = message.get("name") or ""
        if not isinstance(name, str):
            raise BadField(f"{where}.name", "error.api.field_type", kind=STR)
        return {"role": "tool", "content": text, "tool_call_id": call_id, "name": name or asked[call_id]}
    calls = message["tool_calls"]
    if not isinstance(calls, list):
        raise BadField(f"{where}.tool_calls", "error.api.field_type", kind=LIST)
    return {"role": "assistant", "content": text,
            "tool_calls": [_earlier_call(call, f"{where}.tool_calls[{j}]") for j, call in enumerate(calls)]}


def _earlier_call(call: Any, where: str) -> dict[str, Any]:
    if not isinstance(call, dict):
        raise BadField(where, "error.api.field_type", kind=OBJECT)
    call_id, function = call.get("id"), call.get("function")
    if not isinstance(call_id, str) or not call_id:
        raise BadField(f"{where}.id", "error.api.field_type", kind=STR)
    if not isinstance(function, dict):
        raise BadField(f"{where}.function", "error.api.field_type", kind=OBJECT)
    if not isinstance(function.get("name"), str) or not function["name"]:
        raise BadField(f"{where}.function.name", "error.api.field_type", kind=STR)
    arguments = function.get("arguments") or {}
    if isinstance(arguments, str):  # OpenAI's form: JSON text; the templates take the object
        try:
            arguments = json.loads(arguments)
        except ValueError:
            arguments = None
    if not isinstance(arguments, dict):
        raise BadField(f"{where}.function.arguments", "error.tools.arguments")
    return {"id": call_id, "type": "function", "function": {"name": function["name"], "arguments": arguments}}


# -- the answer ------------------------------------------------------------------------------------------
def _kept(parsed: ParsedAnswer, tools: ToolRequest) -> list[dict[str, Any]]:
    calls = [c.as_openai() for c in parsed.calls]
    return calls if tools.parallel else calls[:1]


def answer_message(text: str, finish: str, tools: ToolRequest) -> tuple[dict[str, Any], str]:
    """``choices[0].message`` and ``finish_reason`` of a whole answer (``finish``: "stop" or "length")."""
    if not tools.offered:
        return {"role": "assistant", "content": text}, finish
    parsed = parse_tool_calls(text, tools.names)
    if not parsed.calls:
        return {"role": "assistant", "content": text}, finish
    return {"role": "assistant", "content": parsed.content, "tool_calls": _kept(parsed, tools)}, "tool_calls"


class StreamedTools:
    """A streamed answer's deltas when tools are offered: text while no call may be starting, the calls at
    the end (see ``ToolCallStream``)."""

    def __init__(self, tools: ToolRequest) -> None:
        self.tools = tools
        self.stream = ToolCallStream(tools.names) if tools.offered else None

    def text(self, piece: str) -> str:
        return piece if self.stream is None else self.stream.feed(piece)

    def end(self, finish: str) -> tuple[list[dict[str, Any]], str]:
        """The last deltas (text held back, then the calls) and the finish reason."""
        if self.stream is None:
            return [], finish
        parsed, rest = self.stream.finish()
        deltas: list[dict[str, Any]] = [{"content": rest}] if rest else []
        if not parsed.calls:
            return deltas, finish
        deltas += [{"tool_calls": [{"index": k, **call}]} for k, call in enumerate(_kept(parsed, self.tools))]
        return deltas, "tool_calls"
