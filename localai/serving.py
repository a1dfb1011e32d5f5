"""Serving details decided before launch: privacy switches, the port, logins."""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class Logins:
    pairs: tuple[tuple[str, str], ...]
    generated: bool  # True when we made up a password for --listen


def load_logins(settings: Settings) -> Logins:
    """Logins from --auth and --auth-file; with --listen and none given, a random one."""
    pairs: list[tuple[str, str]] = []
    entries = list(settings.auth)
    if settings.auth_file is not None:
        path = Path(settings.auth_file)
        try:
            entries += [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
        except OSError as exc:
            raise UserError(f"Cannot read the login file {path}: {exc.strerror}.",
                            "Check the path given to --auth-file.") from None
    for entry in entries:
        if not entry or entry.startswith("#"):
            continue
        user, sep, password = entry.partition(":")
        if not sep or not user or not password:
            raise UserError(f"A login must look like user:password (got '{entry.split(':')[0]}:...').",
                            "Fix --auth or the --auth-file line.")
        pairs.append((user, password))
    if pairs or not settings.listen:
        if settings.share and not pairs:
            raise UserError("--share makes the app reachable from the whole internet, so it needs a login.",
                            "Add --auth user:password (or --auth-file).")
        return Logins(tuple(pairs), False)
    return Logins((("localai", secrets.token_urlsafe(12)),), True)
