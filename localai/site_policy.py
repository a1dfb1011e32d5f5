"""Which names this server answers to and which web sites may call it (DNS rebinding, CORS, CSRF).

A web page the user visits can point its own name at 127.0.0.1 (DNS rebinding) and then talk to
LocalAI as if it were the page's own server: the browser sends ``Host: evil.example:7860``. So a
request is answered only when its ``Host`` is a name or address of this computer: ``localhost``
(and ``*.localhost``), the loopback addresses, this computer's host name and its network
addresses, the ``--host`` it binds, and the names given with ``--allowed-hosts``.

A browser names the page that made a request in ``Origin``. A request from LocalAI's own page
carries its own origin (the same name and port as ``Host``); one from any other page is refused
unless ``--cors-origin`` lists that page's origin. Programs (curl, the ``openai`` package) send no
``Origin`` and are not affected. Pure functions over strings; reading the network interfaces is
the only thing that touches the system.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .config import Settings
from .errors import UserError

LOCAL_NAMES = ("localhost", "127.0.0.1", "::1", "0.0.0.0", "::")
DEFAULT_PORTS = {"http": 80, "https": 443}
SHARE_SUFFIX = ".gradio.live"  # --share: the public tunnel's names


def split_host(value: str) -> tuple[str, int | None]:
    """``"Example.COM:7860"`` -> ``("example.com", 7860)``; ``"[::1]:7860"`` -> ``("::1", 7860)``.
    A value that is not a host (empty, a bad port) gives ``("", None)``."""
    value = value.strip().lower()
    if value.startswith("["):
        name, closed, rest = value[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
        if not closed or rest and not rest.startswith(":"):
            return "", None
    elif value.count(":") > 1:  # a bare IPv6 address
        name, port_text = value, ""
    else:
        name, _, port_text = value.partition(":")
    if port_text and not (port_text.isascii() and port_text.isdigit() and 0 < int(port_text) < 65536):
        return "", None
    return name.rstrip("."), int(port_text) if port_text else None


def parse_origin(origin: str) -> tuple[str, str, int] | None:
    """``"http://localhost:7860"`` -> ``("http", "localhost", 7860)``; None for ``"null"`` and anything
    else that is not ``scheme://host[:port]``."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in DEFAULT_PORTS or not parts.netloc or parts.path not in ("", "/") or parts.query:
        return None
    name, port = split_host(parts.netloc)
    if not name or "@" in parts.netloc:
        return None
    return parts.scheme, name, port or DEFAULT_PORTS[parts.scheme]


def own_addresses() -> set[str]:
    """This computer's network addresses, read from its interfaces now (they change with the network)."""
    import psutil  # noqa: PLC0415

    found = set()
    for addrs in psutil.net_if_addrs().values():
        for addr in addrs:
            if addr.family in (socket.AF_INET, socket.AF_INET6):
                found.add(addr.address.split("%")[0].lower())
    return found


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class SitePolicy:
    names: frozenset[str]  # host names and addresses this server answers to (lower case, no port)
    cors_origins: frozenset[tuple[str, str, int]] = frozenset()  # other sites' origins allowed (--cors-origin)
    name_suffixes: tuple[str, ...] = (".localhost",)
    addresses: Callable[[], Iterable[str]] = field(default=own_addresses, compare=False)

    def host_allowed(self, host_header: str | None) -> bool:
        """Is ``Host`` a name of this computer (or one the user allowed)? A missing ``Host`` (HTTP/1.0,
        a program) is allowed: a browser always sends one."""
        if host_header is None:
            return True
        name, _ = split_host(host_header)
        if not name:
            return False
        if name in self.names or name.endswith(self.name_suffixes):
            return True
        return _is_address(name) and name in set(self.addresses())

    def same_origin(self, origin: str, host_header: str | None) -> bool:
        """Did the request come from a page served by this server under the name it was sent to?"""
        parsed = parse_origin(origin)
        if parsed is None or host_header is None:
            return False
        _, origin_name, origin_port = parsed
        host_name, host_port = split_host(host_header)
        if origin_name != host_name:
            return False
        return origin_port == host_port if host_port is not None else origin_port in DEFAULT_PORTS.values()

    def cors_allowed(self, origin: str) -> bool:
        """Is ``origin`` another site that ``--cors-origin`` lets call this server?"""
        parsed = parse_origin(origin)
        return parsed is not None and parsed in self.cors_origins

    def origin_allowed(self, origin: str, host_header: str | None) -> bool:
        return self.same_origin(origin, host_header) or self.cors_allowed(origin)


def parse_cors_origin(entry: str) -> tuple[str, str, int]:
    parsed = parse_origin(entry)
    if parsed is None:
        raise UserError("error.serving.bad_cors_origin", "hint.serving.bad_cors_origin", origin=entry)
    return parsed


def site_policy(settings: Settings) -> SitePolicy:
    """The names and origins for this run: local names, this computer's name, ``--host``,
    ``--allowed-hosts`` and (with ``--share``) the tunnel's names."""
    names = {*LOCAL_NAMES, settings.host.lower().strip("[]")}
    hostname = socket.gethostname().lower()  # no DNS lookup: the name this computer gives itself
    if hostname:
        names |= {hostname, f"{hostname}.local", hostname.split(".")[0]}
    for entry in settings.allowed_hosts:
        name, _ = split_host(entry)
        if name:
            names.add(name)
    suffixes = (".localhost", SHARE_SUFFIX) if settings.share else (".localhost",)
    origins = frozenset(parse_cors_origin(entry) for entry in settings.cors_origins)
    return SitePolicy(frozenset(names), origins, suffixes)
