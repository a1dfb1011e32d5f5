"""The images route of a remote OpenAI-compatible server: ``POST /v1/images/generations``.

One call draws the whole request (``n`` images) and the server answers them together as base64 PNGs,
so there is no step progress, and nothing comes back before the last image: the whole wait is before
the response's headers. Each call opens its own connection and keeps hold of its socket from the moment
it is connected (the plain TCP one, then the TLS one over https), and a cancel shuts that socket down:
the waiting thread wakes at once and the server sees the client leave (another LocalAI stops drawing).
The call is its own, beside ``remote_client.RemoteClient``'s, for what differs for images: a 404 means
either a server that does not draw (no such route) or one without the model, and the hints speak of
drawing, not of a conversation.

The body is OpenAI's (model, prompt, n, size "WxH", response_format "b64_json") with the extra fields
our own API takes (negative_prompt, steps, guidance_scale, seed, scheduler: ``api.parse_image_request``),
so another LocalAI draws exactly what was asked. Errors are ``remote_errors``' plain ones, naming the
server and its URL; never a traceback. Pillow and httpx only; no torch.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import socket
from dataclasses import dataclass
from typing import Any

from .errors import first_line
from .gallery import GenerationInfo
from .image_request import DEFAULT_SCHEDULER, ImageRequest
from .jobs import CancelToken
from .remote_errors import (
    RemoteBadReply, RemoteDropped, RemoteFailed, RemoteModelGone, RemoteRefused, RemoteTimeout,
    RemoteUnreachable, RemoteWrongKey,
)
from .remote_servers import RemoteServer

IMAGES_PATH = "/images/generations"
CONNECTED = ("connection.connect_tcp.complete", "connection.start_tls.complete")  # httpcore's trace events


@dataclass(frozen=True)
class RemoteImage:
    """One image of a remote server's reply."""

    image: Any  # PIL.Image, loaded
    seed: int | None  # the seed the server says it used (LocalAI's own field), else None
    sampler: str  # the sampler its PNG names (another LocalAI writes A1111 parameters), else ""


def image_body(model_id: str, request: ImageRequest) -> dict[str, Any]:
    """The JSON body for ``request`` (defaults filled) asking for ``model_id`` (its id on the server)."""
    body: dict[str, Any] = {"model": model_id, "prompt": request.prompt, "n": request.num_images,
                            "size": f"{request.width}x{request.height}", "response_format": "b64_json",
                            "steps": request.steps, "guidance_scale": request.guidance_scale, "seed": request.seed}
    if request.negative_prompt:
        body["negative_prompt"] = request.negative_prompt
    if request.scheduler != DEFAULT_SCHEDULER:  # the page offers Default only; an API client may ask for one
        body["scheduler"] = request.scheduler
    return body


def generate_images(server: RemoteServer, model_id: str, request: ImageRequest, cancel: CancelToken,
                    timeouts: Any) -> list[RemoteImage] | None:
    """Draw ``request`` on ``server`` (``timeouts``: a ``remote_client.RemoteTimeouts``): its images, in order;
    None when ``cancel`` closed the request. Raises the ``RemoteError`` that says what went wrong."""
    reply = post_images(server, image_body(model_id, request), cancel, timeouts, model_id)
    return None if reply is None else decode_images(reply, server, request.num_images)


def post_images(server: RemoteServer, body: dict[str, Any], cancel: CancelToken, timeouts: Any,
                model_id: str = "") -> dict[str, Any] | None:
    """``POST <server>/images/generations``: the JSON reply, or None when ``cancel`` shut the connection."""
    import httpx  # noqa: PLC0415

    sockets: list[Any] = []

    def shut_all() -> None:
        for sock in list(sockets):
            _shut(sock)

    def trace(event: str, info: dict[str, Any]) -> None:  # on the requesting thread, as the connection opens
        if event in CONNECTED:
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if sock is not None:
                sockets.append(sock)
                if cancel.cancelled:  # cancelled while it connected
                    _shut(sock)

    headers = {"Authorization": f"Bearer {server.key}"} if server.key else {}
    forget = cancel.when_cancelled(shut_all)
    try:
        if cancel.cancelled:
            return None
        with httpx.Client(headers=headers, trust_env=False,
                          timeout=httpx.Timeout(timeouts.first_token_s, connect=timeouts.connect_s)) as http:
            response = http.post(server.url + IMAGES_PATH, json=body, extensions={"trace": trace})
    except httpx.TimeoutException as exc:
        if cancel.cancelled:
            return None
        waited = timeouts.connect_s if isinstance(exc, httpx.ConnectTimeout) else timeouts.first_token_s
        raise RemoteTimeout("error.remote.timeout", "hint.remote.timeout", server=server.name, url=server.url,
                            seconds=f"{waited:g}") from None
    except (httpx.TransportError, httpx.StreamError, OSError) as exc:
        if cancel.cancelled:
            return None  # we shut it ourselves
        if isinstance(exc, httpx.ConnectError) or not sockets:
            raise RemoteUnreachable("error.remote.unreachable", "hint.remote.unreachable", server=server.name,
                                    url=server.url, error=_plain(exc)) from None
        raise RemoteDropped("error.remote.dropped", "hint.remote_image.dropped", server=server.name, url=server.url,
                            error=_plain(exc)) from None
    finally:
        forget()
    reply = _maybe_json(response.content)
    _check_status(server, response.status_code, reply, response.reason_phrase, model_id)
    if not isinstance(reply, dict):
        raise RemoteBadReply("error.remote.bad_reply", "hint.remote.bad_reply", server=server.name, url=server.url,
                             detail="not JSON")
    return reply


def _check_status(server: RemoteServer, status: int, reply: Any, reason: str, model_id: str) -> None:
    """An error status as the plain error it means (as ``remote_client`` reads them, and 404 told apart:
    a server without the images route, or one that has no such model)."""
    if status < 400:
        return
    said = _error_text(reply) or reason or str(status)
    if status in (401, 403):
        raise RemoteWrongKey("error.remote.wrong_key", "hint.remote.wrong_key", server=server.name, url=server.url,
                             status=status)
    if status in (404, 405):
        code = reply.get("error", {}).get("code") if isinstance(reply, dict) and isinstance(reply.get("error"),
                                                                                            dict) else None
        if status == 405 or code == "unknown_url" or not _error_text(reply):  # no such route ({"detail": ...})
            raise RemoteBadReply("error.remote_image.no_route", "hint.remote_image.is_image_server",
                                 server=server.name, url=server.url)
        raise RemoteModelGone("error.remote.model_gone", "hint.remote.model_gone", server=server.name,
                              model=model_id)
    if status in (400, 413, 422):
        raise RemoteRefused("error.remote.refused", "hint.remote_image.refused", server=server.name, error=said)
    raise RemoteFailed("error.remote.failed", "hint.remote.failed", server=server.name, status=status, error=said)


def decode_images(reply: Any, server: RemoteServer, wanted: int) -> list[RemoteImage]:
    """The images of an images reply ``{"data": [{"b64_json": ...}, ...]}``; anything else is a
    ``RemoteBadReply`` that names the server (links instead of images, no image, bytes that are not one)."""
    from PIL import Image, UnidentifiedImageError

    data = reply.get("data") if isinstance(reply, dict) else None
    if not isinstance(data, list) or not data:
        raise RemoteBadReply("error.remote_image.no_images", "hint.remote_image.is_image_server",
                             server=server.name, url=server.url)
    images: list[RemoteImage] = []
    for item in data[:wanted]:
        encoded = item.get("b64_json") if isinstance(item, dict) else None
        if not isinstance(encoded, str):
            raise RemoteBadReply("error.remote_image.no_b64", "hint.remote_image.is_image_server",
                                 server=server.name, url=server.url)
        try:
            image = Image.open(io.BytesIO(base64.b64decode(encoded, validate=True)))
            image.load()
        except (binascii.Error, ValueError, UnidentifiedImageError, OSError, Image.DecompressionBombError):
            raise RemoteBadReply("error.remote_image.not_an_image", "hint.remote_image.is_image_server",
                                 server=server.name, url=server.url) from None
        parameters = image.info.get("parameters")
        seed = item.get("seed")
        images.append(RemoteImage(image, seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
                                  GenerationInfo.from_parameters(parameters).sampler
                                  if isinstance(parameters, str) and parameters else ""))
    return images


def _shut(sock: Any) -> None:
    """Shut a socket down from another thread: that wakes the thread reading it (closing it would not)."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


def _maybe_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _error_text(body: Any) -> str:
    """The message of an OpenAI-style error body ({"error": {"message": ...}} or {"error": "..."}), one line."""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        error = error.get("message") or error.get("type") or ""
    return first_line(Exception(error), 300) if isinstance(error, str) and error.strip() else ""


def _plain(exc: BaseException) -> str:
    """What the network said, in one short line (e.g. "[Errno 111] Connection refused")."""
    cause = exc.__context__ or exc.__cause__
    return first_line(exc) if str(exc).strip() else (first_line(cause) if cause else type(exc).__name__)

