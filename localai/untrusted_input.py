"""Text and JSON from outside the app (an API client, a browser, an imported file), made safe to handle.

Two things in them break code far from where they came in:

- a lone UTF-16 surrogate (``"x\\ud800"`` is valid JSON, and a browser can send it): Python keeps it
  in a ``str``, but it is not text, and encoding it fails later (the tokenizer, SQLite, the JSON of
  the response); the API refuses it, naming the field; the page and imports replace it with U+FFFD;
- JSON nested thousands of levels deep (Python's parser gives up with a ``RecursionError``):
  refused, as are ``NaN`` and ``Infinity``, which are not JSON at all.

Pure functions; no heavy imports.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .errors import InvalidInput
from .options import JSON_DEPTH, Limit

LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # a valid pair is one character in a Python str: these are alone
REPLACEMENT = "\ufffd"


def without_lone_surrogates(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD (what a UTF-8 decoder shows for broken text)."""
    return LONE_SURROGATE.sub(REPLACEMENT, text)


def cleaned(value: Any) -> Any:
    """A parsed JSON value (of bounded depth) with lone surrogates replaced in every string, keys included."""
    if isinstance(value, str):
        return without_lone_surrogates(value)
    if isinstance(value, list):
        return [cleaned(v) for v in value]
    if isinstance(value, dict):
        return {cleaned(k): cleaned(v) for k, v in value.items()}
    return value


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def parse_json(raw: bytes | str, depth: Limit = JSON_DEPTH) -> Any:
    """``raw`` parsed as strict JSON nested at most ``depth.max`` levels; ``InvalidInput`` when it nests deeper.
    Other malformed input raises ``ValueError`` (``UnicodeDecodeError`` for bytes that are not UTF-8)."""
    try:
        value = json.loads(raw, parse_constant=_not_json)
    except RecursionError:  # deeper than the parser goes (about 1,000 levels)
        raise InvalidInput(depth.error_key, depth.hint_key, max=depth.max, value=1000) from None
    depth.check(nesting(value, depth.max))
    return value


def nesting(value: Any, enough: int | None = None) -> int:
    """How deeply lists and objects nest in ``value`` (a scalar: 0, ``[]``: 1); counting stops past ``enough``."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if enough is not None and deepest > enough:
            break
        stack.extend((child, level + 1) for child in children)
    return deepest


def lone_surrogate_at(value: Any) -> str | None:
    """Where the first string (or key) holding a lone surrogate is, as a field path ("messages[0].content"),
    else None. ``value`` is parsed JSON of bounded depth."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if LONE_SURROGATE.search(item):
                return path or "(body)"
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{i}]") for i, child in reversed(list(enumerate(item))))
        elif isinstance(item, dict):
            for key, child in reversed(list(item.items())):
                name = without_lone_surrogates(key)  # the path is shown in the error: it must be text
                here = f"{path}.{name}" if path else name
                stack.extend(((child, here), (key, here)))  # the key is looked at first
    return None
