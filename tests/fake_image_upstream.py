"""A fake remote image engine on 127.0.0.1: ``GET /v1/models`` (its image models marked ``"kind": "image"``,
as a LocalAI marks them) and ``POST /v1/images/generations`` (base64 PNGs), for the tests of remote image
models (tests/test_remote_images.py). A test changes ``behaviour`` to make it slow, refuse, fail or answer
nonsense, and reads what it was sent and whether a client closed its request before the answer.

    with fake_image_upstream(models=["sd-remote"]) as up:   # up.url is ".../v1"
        ...
        assert up.bodies[-1]["size"] == "64x48"

Each picture is one plain colour made from its seed (seed, seed + 1, ... for the images of a request),
so a test can tell which image came back.
"""

from __future__ import annotations

import asyncio
import base64
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.app_process import serve_in_thread


@dataclass
class UpstreamBehaviour:
    key: str | None = None  # the bearer key it requires (None: none)
    delay_s: float = 0.0  # how long it "draws" before answering (a client leaving meanwhile is noticed)
    status: int | None = None  # answer images requests with this status and an OpenAI-style error
    error: str = "it went wrong"  # that error's message
    reply: Any = None  # answer images requests with this JSON instead of images
    raw: bytes | None = None  # ... or with these bytes (not JSON)
    no_images_route: bool = False  # 404 {"detail": "Not Found"} like a server without the route
    parameters: str = ""  # an A1111 "parameters" chunk to put in each PNG, as another LocalAI does


@dataclass
class FakeImageUpstream:
    url: str  # the base URL, ".../v1"
    models: list[str]
    behaviour: UpstreamBehaviour
    bodies: list[dict] = field(default_factory=list)  # the images requests received, in order
    auth: list[str | None] = field(default_factory=list)  # their Authorization headers
    arrived: threading.Event = field(default_factory=threading.Event)  # an images request came in
    left: threading.Event = field(default_factory=threading.Event)  # a client closed one before its answer
    answered: int = 0  # images requests answered with images
    _stop: Any = None

    def stop(self) -> None:
        """Stop answering (the server is gone: its port refuses connections)."""
        if self._stop is not None:
            self._stop()
            self._stop = None


def colour_of(seed: int) -> tuple[int, int, int]:
    return (seed * 47) % 256, (seed * 91 + 30) % 256, (seed * 13 + 200) % 256


def png_b64(width: int, height: int, seed: int, parameters: str = "") -> str:
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    if parameters:
        info.add_text("parameters", parameters)
    buf = io.BytesIO()
    Image.new("RGB", (width, height), colour_of(seed)).save(buf, format="PNG", pnginfo=info)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def build_app(up: FakeImageUpstream) -> FastAPI:
    app = FastAPI()

    def refused(request: Request) -> Any:
        b = up.behaviour
        if b.key and request.headers.get("authorization") != f"Bearer {b.key}":
            return JSONResponse({"error": {"message": "Incorrect API key provided.", "type": "invalid_request_error",
                                           "code": "invalid_api_key"}}, status_code=401)
        return None

    @app.get("/v1/models")
    async def models(request: Request) -> Any:
        if (answer := refused(request)) is not None:
            return answer
        return {"object": "list", "data": [{"id": m, "object": "model", "owned_by": "local", "kind": "image"}
                                           for m in up.models]}

    @app.post("/v1/images/generations")
    async def images(request: Request) -> Any:
        b = up.behaviour
        up.auth.append(request.headers.get("authorization"))
        if (answer := refused(request)) is not None:
            return answer
        body = await request.json()
        up.bodies.append(body)
        up.arrived.set()
        waited = 0.0
        while waited < b.delay_s:
            if await request.is_disconnected():
                up.left.set()
                return Response(status_code=499)
            await asyncio.sleep(0.02)
            waited += 0.02
        if b.no_images_route:
            return JSONResponse({"detail": "Not Found"}, status_code=404)
        if b.status is not None:
            return JSONResponse({"error": {"message": b.error, "type": "server_error", "code": None}},
                                status_code=b.status)
        if b.raw is not None:
            return Response(b.raw, media_type="text/html")
        if b.reply is not None:
            return JSONResponse(b.reply)
        if body.get("model") not in up.models:
            return JSONResponse({"error": {"message": f"The model {body.get('model')!r} does not exist.",
                                           "type": "invalid_request_error", "code": "model_not_found"}},
                                status_code=404)
        width, height = (int(v) for v in str(body.get("size", "64x64")).split("x"))
        seed = int(body.get("seed") or 0)
        data = [{"b64_json": png_b64(width, height, seed + i, b.parameters), "seed": seed + i}
                for i in range(int(body.get("n") or 1))]
        up.answered += 1
        return {"created": 0, "data": data}

    return app


@contextmanager
def fake_image_upstream(models: list[str] | None = None, behaviour: UpstreamBehaviour | None = None
                        ) -> Iterator[FakeImageUpstream]:
    up = FakeImageUpstream("", list(models or ["sd-remote"]), behaviour or UpstreamBehaviour())
    url, server, thread = serve_in_thread(build_app(up))

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)

    up.url, up._stop = url, stop
    try:
        yield up
    finally:
        up.stop()
