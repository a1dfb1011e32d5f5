"""The /v1 routes over the fake backends, served on 127.0.0.1 for the security tests of API inputs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx


@dataclass
class FakeApi:
    url: str  # .../v1
    state: Any

    def post(self, path: str, raw: bytes | str) -> httpx.Response:
        """POST a raw body (exactly these bytes, as an attacker would send them) as JSON."""
        data = raw.encode() if isinstance(raw, str) else raw
        return httpx.post(self.url + path, content=data, headers={"content-type": "application/json"}, timeout=60)


@contextmanager
def fake_api(folder: Path) -> Iterator[FakeApi]:
    """An app state with no models on disk but the fakes (fake-chat, fake-image), behind the API."""
    from fastapi import FastAPI

    from localai.api import mount_api
    from localai.auth import ApiKey
    from localai.config import parse_settings
    from localai.state import build_state
    from tests.fake_backends import register_fake_backends
    from tests.app_process import serve_in_thread

    for kind in ("text", "image"):
        (folder / "models" / kind).mkdir(parents=True, exist_ok=True)
    settings = parse_settings(["--models-dir", str(folder / "models"), "--data-dir", str(folder / "data"),
                               "--outputs-dir", str(folder / "outputs"), "--no-browser", "--offline"], env={})
    state = build_state(settings)
    register_fake_backends(state.registry)
    app = FastAPI()
    mount_api(app, state.services, ApiKey(None, False))
    url, server, thread = serve_in_thread(app)
    try:
        yield FakeApi(url, state)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        state.lanes.shutdown()
