"""Serving details decided before launch: privacy switches, the port (logins: see auth.py)."""

from __future__ import annotations

import os
import socket

from .auth import Logins, load_logins  # noqa: F401  (logins live in auth.py; kept importable from here)
from .config import Settings
from .errors import UserError

PRIVACY_ENV = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def apply_privacy_env(settings: Settings, environ: dict | None = None) -> None:
    """Switch off analytics and telemetry (before gradio / huggingface_hub are imported)."""
    env = os.environ if environ is None else environ
    for key, value in PRIVACY_ENV.items():
        env[key] = value
    if settings.offline:
        env["HF_HUB_OFFLINE"] = "1"
        env["TRANSFORMERS_OFFLINE"] = "1"


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
            return True
        except OSError:
            return False


def find_free_port(host: str, start: int, tries: int = 50) -> int:
    for port in range(start, start + tries):
        if port_is_free(host, port):
            return port
    raise UserError(f"Ports {start}-{start + tries - 1} are all in use.", "Pass a different one with --port.")


def lan_urls(host: str, port: int) -> list[str]:
    """Addresses other computers can use: each non-loopback IPv4 address of this computer when
    bound to all interfaces, else the bound host itself. Reads the interfaces; sends nothing."""
    if host not in ("0.0.0.0", "::", ""):
        shown = f"[{host}]" if ":" in host else host
        return [f"http://{shown}:{port}"]
    import psutil  # noqa: PLC0415

    urls = []
    for addrs in psutil.net_if_addrs().values():
        for addr in addrs:
            if addr.family == socket.AF_INET and not addr.address.startswith("127."):
                urls.append(f"http://{addr.address}:{port}")
    return sorted(set(urls))
