"""Settings: the command line and environment, parsed once into a frozen dataclass.

This is the only place that parses arguments. Nothing here imports torch or gradio.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UserError
from .messages import render
from .options import DEVICE, DTYPE, LANGUAGE, MAX_QUEUE, MAX_UPLOAD_MB, PORT, QUANTIZATION
from .remote_servers import RemoteServer, servers_from_flags


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = PORT.default
    port_given: bool = False  # --port was on the command line: use exactly that port, never the next one
    listen: bool = False
    auth: tuple[str, ...] = ()  # "user:password" entries
    auth_file: Path | None = None
    admin: str | None = None  # the login that may change shared things (default: the first login)
    share: bool = False
    models_dir: Path = Path("models")
    data_dir: Path = Path("data")
    outputs_dir: Path = Path("outputs")
    offline: bool = False
    api_key: str | None = None
    text_model: str | None = None  # default chat model (name or repo id)
    image_model: str | None = None
    embedding_model: str | None = None  # the model that searches long documents and serves /v1/embeddings
    dtype: str = DTYPE.default
    quantization: str = QUANTIZATION.default
    device: str = DEVICE.default
    lang: str | None = None  # None: the browser's language
    open_browser: bool = True
    check: bool = False
    max_queue: int = MAX_QUEUE.default  # jobs waiting for the worker before new ones are refused
    allowed_hosts: tuple[str, ...] = ()  # more names this server answers to, besides this computer's own
    cors_origins: tuple[str, ...] = ()  # other web sites whose pages may call this server (CORS)
    max_upload_mb: int = MAX_UPLOAD_MB.default  # the largest file the page takes
    remote_servers: tuple[RemoteServer, ...] = ()  # --remote NAME=URL (with --remote-key / LOCALAI_REMOTE_KEY_<NAME>)
    no_remotes: bool = False  # --no-remotes: no remote server is used or contacted, not even saved ones
    extra: Mapping[str, str] = field(default_factory=dict)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="app.py",
        description="LocalAI: chat with open LLMs and draw images, privately, on this computer.",
    )
    p.add_argument("--host", default=None, help="address to bind (default 127.0.0.1; 0.0.0.0 with --listen)")
    p.add_argument("--port", type=int, default=None,
                   help=f"port (default {PORT.default}, or the next free one; a port given here is used or refused)")
    p.add_argument("--listen", action="store_true", help="serve the local network (a login is required)")
    p.add_argument("--auth", action="append", default=[], metavar="USER:PASS", help="a login; repeatable")
    p.add_argument("--auth-file", type=Path, default=None, help="file with one user:password per line")
    p.add_argument("--admin", default=None, metavar="USER",
                   help="the login that may change model settings, downloads and unloading (default: the first)")
    p.add_argument("--share", action="store_true", help="public link through third-party servers (privacy!)")
    p.add_argument("--models-dir", type=Path, default=None, help="where models live (default ./models)")
    p.add_argument("--data-dir", type=Path, default=None, help="conversations and settings (default ./data)")
    p.add_argument("--outputs-dir", type=Path, default=None, help="saved images (default ./outputs)")
    p.add_argument("--offline", action="store_true", help="never touch the network")
    p.add_argument("--api-key", default=None, help="key the OpenAI-compatible API requires")
    p.add_argument("--text-model", default=None, help="chat model to select at start")
    p.add_argument("--image-model", default=None, help="image model to select at start")
    p.add_argument("--embedding-model", default=None, metavar="NAME",
                   help="embedding model for long documents and /v1/embeddings (default: the first found)")
    for flag, option in (("--dtype", DTYPE), ("--quantization", QUANTIZATION), ("--device", DEVICE),
                         ("--lang", LANGUAGE)):
        p.add_argument(flag, choices=option.choices, default=option.default, help=option.help)
    p.add_argument("--max-queue", type=int, default=MAX_QUEUE.default, help="jobs allowed to wait before 'busy'")
    p.add_argument("--allowed-hosts", action="append", default=[], metavar="NAME",
                   help="another name this server answers to (e.g. a reverse proxy's); repeatable")
    p.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN",
                   help="a web site whose pages may call this server, e.g. https://app.example; repeatable")
    p.add_argument("--max-upload-mb", type=int, default=MAX_UPLOAD_MB.default, metavar="MB",
                   help=f"the largest file the page takes (default {MAX_UPLOAD_MB.default})")
    p.add_argument("--remote", action="append", default=[], metavar="NAME=URL",
                   help="an OpenAI-compatible server to use models from (vLLM, Ollama, llama.cpp server, another "
                        "LocalAI), e.g. pc2=http://192.168.1.20:11434; repeatable")
    p.add_argument("--remote-key", action="append", default=[], metavar="NAME=KEY",
                   help="the API key of a --remote server (or set LOCALAI_REMOTE_KEY_<NAME>); repeatable")
    p.add_argument("--no-remotes", action="store_true",
                   help="use no remote server, not even those added in the Models tab")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser window")
    p.add_argument("--check", action="store_true", help="check this system, print problems and fixes, exit")
    return p


def parse_settings(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from CLI flags, with LOCALAI_* environment variables as defaults."""
    env = os.environ if env is None else env
    parser = _parser()
    a = parser.parse_args(argv)
    try:
        remotes = () if a.no_remotes else servers_from_flags(a.remote, a.remote_key, env)
    except UserError as exc:
        parser.error(render(exc, "en"))  # exits with the usage line, like any other bad flag
    base = Path(env.get("LOCALAI_HOME", "."))
    host = a.host or ("0.0.0.0" if a.listen else "127.0.0.1")
    return Settings(
        host=host,
        port=PORT.default if a.port is None else a.port,
        port_given=a.port is not None,
        listen=a.listen or host not in ("127.0.0.1", "localhost", "::1"),
        auth=tuple(a.auth),
        auth_file=a.auth_file,
        admin=a.admin.strip() if a.admin else None,
        share=a.share,
        models_dir=a.models_dir or Path(env.get("LOCALAI_MODELS_DIR", base / "models")),
        data_dir=a.data_dir or Path(env.get("LOCALAI_DATA_DIR", base / "data")),
        outputs_dir=a.outputs_dir or Path(env.get("LOCALAI_OUTPUTS_DIR", base / "outputs")),
        offline=a.offline or env.get("LOCALAI_OFFLINE", "") == "1",
        api_key=a.api_key or env.get("LOCALAI_API_KEY") or None,
        text_model=a.text_model,
        image_model=a.image_model,
        embedding_model=a.embedding_model,
        dtype=a.dtype,
        quantization=a.quantization,
        device=a.device,
        lang=a.lang,
        open_browser=not a.no_browser,
        check=a.check,
        max_queue=max(int(MAX_QUEUE.lo), a.max_queue),
        allowed_hosts=_entries(a.allowed_hosts),
        cors_origins=tuple(origin.rstrip("/") for origin in _entries(a.cors_origin)),
        max_upload_mb=min(max(int(MAX_UPLOAD_MB.lo), a.max_upload_mb), int(MAX_UPLOAD_MB.hi)),
        remote_servers=remotes,
        no_remotes=a.no_remotes,
    )


def _entries(values: Sequence[str]) -> tuple[str, ...]:
    """Repeated flags, each of which may also list several values with commas."""
    return tuple(item.strip() for value in values for item in value.split(",") if item.strip())
