"""Remote servers the user added: an OpenAI-compatible engine on another computer (vLLM, Ollama,
llama.cpp's server, another LocalAI), by name and base URL, with an optional key.

A server comes from the command line (``--remote NAME=URL``, ``--remote-key NAME=KEY`` or the
environment variable ``LOCALAI_REMOTE_KEY_<NAME>``) or from the Models tab (saved in the data folder,
``remote_store.py``). The key is never printed, logged or sent to the page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from .errors import InvalidInput

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
KEY_ENV_PREFIX = "LOCALAI_REMOTE_KEY_"


@dataclass(frozen=True)
class RemoteServer:
    name: str  # "pc2": what the page and the model list call it
    url: str  # the base URL, normalized to end in /v1: "http://192.168.1.20:11434/v1"
    key: str | None = field(default=None, repr=False)  # sent as "Authorization: Bearer"; never shown
    origin: str = "saved"  # "flag" (--remote: cannot be removed from the page) | "saved" (the Models tab)

    @property
    def has_key(self) -> bool:
        return bool(self.key)


def check_name(name: str) -> str:
    """A server's name as given, trimmed; refused unless 1-32 letters, digits, '.', '_' or '-'."""
    name = (name or "").strip()
    if not NAME_PATTERN.match(name):
        raise InvalidInput("error.remote.bad_name", "hint.remote.name_rules", name=name).about("name")
    return name


def normalize_url(url: str) -> str:
    """``http(s)://host[:port][/path]`` with ``/v1`` at the end (added when missing, a trailing / dropped).
    Anything else (another scheme, no host, credentials or a query in it) is refused."""
    text = (url or "").strip()
    parts = urlsplit(text if "://" in text else f"http://{text}") if text else None
    if (parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.username
            or parts.password or parts.query or parts.fragment or any(c.isspace() for c in text)):
        raise InvalidInput("error.remote.bad_url", "hint.remote.url_form", url=text).about("url")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number or out of range
    except ValueError:
        raise InvalidInput("error.remote.bad_url", "hint.remote.url_form", url=text).about("url") from None
    path = parts.path.rstrip("/")
    if not path.endswith("/v1"):
        path = f"{path}/v1"
    return urlunsplit((parts.scheme, parts.netloc.lower(), path, "", ""))


def key_env_name(name: str) -> str:
    """The environment variable that may hold a server's key: LOCALAI_REMOTE_KEY_PC_2 for "pc-2"."""
    return KEY_ENV_PREFIX + re.sub(r"[^A-Z0-9]", "_", name.upper())


def servers_from_flags(remotes: Sequence[str], keys: Sequence[str] = (),
                       env: Mapping[str, str] | None = None) -> tuple[RemoteServer, ...]:
    """The servers of ``--remote NAME=URL`` flags, with keys from ``--remote-key NAME=KEY`` or the
    environment. A malformed flag, a repeated name or a key for no server is refused (InvalidInput)."""
    env = env or {}
    given_keys: dict[str, str] = {}
    for entry in keys:
        name, sep, key = entry.partition("=")
        if not sep or not key.strip():
            raise InvalidInput("error.remote.bad_key_flag", "hint.remote.key_flag_form")
        given_keys[check_name(name)] = key.strip()
    servers: list[RemoteServer] = []
    for entry in remotes:
        name, sep, url = entry.partition("=")
        if not sep:
            raise InvalidInput("error.remote.bad_flag", "hint.remote.flag_form", entry=entry)
        name = check_name(name)
        if any(s.name == name for s in servers):
            raise InvalidInput("error.remote.duplicate", "hint.remote.other_name", name=name)
        key = given_keys.get(name) or env.get(key_env_name(name)) or None
        servers.append(RemoteServer(name, normalize_url(url), key, origin="flag"))
    unknown = sorted(set(given_keys) - {s.name for s in servers})
    if unknown:
        raise InvalidInput("error.remote.key_without_server", "hint.remote.flag_form", name=unknown[0])
    return tuple(servers)
