"""Structured output: OpenAI's ``response_format`` read once, carried as a value, and sent on as it came.

A request asks for

- ``{"type": "text"}`` (or nothing): free text;
- ``{"type": "json_object"}``: one JSON object, any keys;
- ``{"type": "json_schema", "json_schema": {"name": ..., "schema": {...}, "strict": ...}}``: JSON that
  validates against the schema.

``parse_response_format`` turns it into the value ``ChatOptions.response_format`` holds (hashable, so the
options stay a value): None, ``("json_object",)`` or ``("json_schema", schema as compact JSON text, name)``.
Local models decode under a grammar made from it (``backends/grammar.py``: every token the model could not
continue valid JSON with is masked out before sampling), so the answer parses and validates unless
``max_tokens`` ends it first (``finish_reason`` "length", as OpenAI does). ``strict`` is read but decoding is
always strict. Remote models get the field as it came (``wire_form``): their server enforces it.

Pure data, no heavy imports: the schema itself is checked where it is compiled, against the model's vocabulary.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import InvalidInput
from .messages import Message

FIELD = "response_format"
SCHEMA_FIELD = "response_format.json_schema.schema"
TYPES = ("text", "json_object", "json_schema")
JSON_OBJECT_SCHEMA = '{"type": "object"}'  # what json_object asks for: an object, any keys and values


def parse_response_format(value: Any) -> tuple[str, ...] | None:
    """``response_format`` of a chat request as ``ChatOptions.response_format`` holds it (None: free text).
    ``InvalidInput`` naming the field that is wrong (type, json_schema, its name, schema or strict)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidInput("error.structured.not_object", "hint.structured.format", field=FIELD).about(FIELD)
    kind = value.get("type", "text")
    if kind not in TYPES:
        where = f"{FIELD}.type"
        raise InvalidInput("error.structured.type", "hint.structured.format", field=where, types=", ".join(TYPES),
                           value=json.dumps(kind, ensure_ascii=False)[:80]).about(where)
    if kind == "text":
        return None
    if kind == "json_object":
        return ("json_object",)
    spec = value.get("json_schema")
    if not isinstance(spec, dict):
        where = f"{FIELD}.json_schema"
        raise InvalidInput("error.structured.json_schema", "hint.structured.format", field=where).about(where)
    name = spec.get("name", "")
    if not isinstance(name, str):
        where = f"{FIELD}.json_schema.name"
        raise InvalidInput("error.api.field_type", field=where, kind=Message("api.type.str")).about(where)
    if not isinstance(spec.get("strict", False), (bool, type(None))):
        where = f"{FIELD}.json_schema.strict"
        raise InvalidInput("error.api.field_type", field=where, kind=Message("api.type.bool")).about(where)
    schema = spec.get("schema")
    if not isinstance(schema, (dict, bool)):  # JSON Schema: an object, or true / false
        raise InvalidInput("error.structured.schema", "hint.structured.format", field=SCHEMA_FIELD).about(SCHEMA_FIELD)
    # keys in the client's order: the answer's properties come in the order the schema lists them
    return ("json_schema", json.dumps(schema, ensure_ascii=False, separators=(",", ":")), name)


def schema_text(response_format: tuple[str, ...]) -> str:
    """The JSON Schema (as text) that an answer in ``response_format`` must validate against."""
    return JSON_OBJECT_SCHEMA if response_format[0] == "json_object" else response_format[1]


def wire_form(response_format: tuple[str, ...] | None) -> dict[str, Any] | None:
    """``response_format`` as an OpenAI-compatible server takes it (a remote model's request)."""
    if response_format is None:
        return None
    if response_format[0] == "json_object":
        return {"type": "json_object"}
    _, schema, name = response_format
    return {"type": "json_schema", "json_schema": {"name": name or "answer", "schema": json.loads(schema),
                                                   "strict": True}}
