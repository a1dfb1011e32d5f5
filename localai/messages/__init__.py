"""Texts for people, by key: ``Message`` values, one catalog per language (``en.py``, ``ru.py``) and
``render``, which the edges call (the page in the request's language, the HTTP API in English, the
console in ``--lang`` or the locale's language).

Services and backends never write finished sentences: they raise ``UserError(key, hint_key, **params)``
(errors.py) or hand out ``Message(key, **params)`` (status lines, notices, plan reasons). A param may
itself be a ``Message`` (a reason built of parts); everything else is put in as it is (names, numbers,
paths, commands).
"""

from .catalogs import LANGS, catalog, placeholders
from .language import language_from_environment, language_from_header, language_of, normalize
from .message import Message, render, text

__all__ = ["LANGS", "Message", "catalog", "language_from_environment", "language_from_header", "language_of",
           "normalize", "placeholders", "render", "text"]
