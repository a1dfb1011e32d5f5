"""The catalogs: one table of texts per language, read from ``en.py`` / ``ru.py``."""

from __future__ import annotations

import string
from collections.abc import Mapping

LANGS = ("en", "ru")


def catalog(lang: str) -> Mapping[str, str]:
    """Every text of ``lang`` ("en" or "ru"), by key."""
    if lang == "ru":
        from .ru import TEXTS  # noqa: PLC0415
    else:
        from .en import TEXTS  # noqa: PLC0415
    return TEXTS


def placeholders(template: str) -> set[str]:
    """The ``{names}`` a template fills in."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
