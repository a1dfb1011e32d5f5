"""Which language a request, or the console, wants."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def normalize(lang: str | None) -> str:
    """"ru", "ru-RU", "RU_ru" -> "ru"; anything else -> "en"."""
    return "ru" if (lang or "").strip().lower()[:2] == "ru" else "en"


def language_from_header(header: str | None) -> str:
    """The browser's first choice in an ``Accept-Language`` header (highest q wins, as browsers send it)."""
    best, best_q = "", -1.0
    for part in (header or "").split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and tag != "*" and q > best_q:
            best, best_q = tag, q
    return normalize(best)


def language_from_environment(environ: Mapping[str, str]) -> str:
    """The console's language, as POSIX programs pick it: LC_ALL, then LC_MESSAGES, then LANG."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if environ.get(name):
            return normalize(environ[name])
    return "en"


def language_of(request: Any, forced: str | None = None) -> str:
    """``--lang`` when set, else the request's ``Accept-Language`` (English without a request)."""
    if forced:
        return normalize(forced)
    headers = getattr(request, "headers", None)
    return language_from_header(headers.get("accept-language") if headers is not None else None)
