"""``Message(key, **params)``: a text for people, not yet in any language; ``render`` puts it in one."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .catalogs import catalog
from .language import normalize

log = logging.getLogger(__name__)


@dataclass(frozen=True, init=False)
class Message:
    """A catalog key and the values of its ``{placeholders}``; a value may itself be a ``Message``."""

    key: str
    params: Mapping[str, Any]

    def __init__(self, key: str, /, **params: Any) -> None:
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "params", params)

    def __hash__(self) -> int:
        return hash((self.key, tuple(sorted(self.params.items()))))

    def __str__(self) -> str:  # logs, and a message shown where no language is known
        return render(self, "en")

    def as_record(self) -> dict[str, Any]:
        """Plain JSON data (saved with an image); ``from_record`` makes the message again."""
        return {"key": self.key, "params": {name: value.as_record() if isinstance(value, Message)
                                            else value if isinstance(value, (int, float)) else str(value)
                                            for name, value in self.params.items()}}

    @classmethod
    def from_record(cls, record: Any) -> Message | None:
        """The message saved by ``as_record``; None for anything else (e.g. a file from an older LocalAI)."""
        if not isinstance(record, dict) or not isinstance(record.get("key"), str):
            return None
        params = record.get("params") if isinstance(record.get("params"), dict) else {}
        return cls(record["key"], **{str(name): cls.from_record(value) if isinstance(value, dict) else value
                                     for name, value in params.items()})


def render(item: Message | BaseException | str | None, lang: str) -> str:
    """``item`` in ``lang``: a ``Message``; a ``UserError`` (its message, then its hint); a plain string
    (text from elsewhere, e.g. a library's error, stays as it is); None -> ""."""
    if item is None:
        return ""
    if isinstance(item, str):
        return item
    if isinstance(item, Message):
        return _fill(item, normalize(lang))
    parts = getattr(item, "parts", None)  # a UserError
    if parts is not None:
        return " ".join(render(part, lang) for part in parts)
    return str(item)


def text(lang: str, key: str, **params: Any) -> str:
    """The text ``key`` in ``lang``, with its {placeholders} filled in."""
    return _fill(Message(key, **params), normalize(lang))


def _fill(message: Message, lang: str) -> str:
    template = catalog(lang).get(message.key)
    if template is None:
        template = catalog("en").get(message.key)
    if template is None:  # a key missing from the catalogs (tests/test_messages.py keeps this from happening)
        log.warning("no text for the key %r", message.key)
        return message.key
    values = {name: render(value, lang) if isinstance(value, (Message, BaseException)) else value
              for name, value in message.params.items()}
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        log.warning("the text %r (%s) does not take %s", message.key, lang, sorted(values))
        return template
