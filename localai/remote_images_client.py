"""The images route of a remote OpenAI-compatible server: ``POST /v1/images/generations``.

One call draws the whole request (``n`` images) and the server answers them together as base64 PNGs,
so there is no step progress, and nothing comes back before the last image: the whole wait is before
the response's headers. The call is ``RemoteClient.post_json``: a connection of its own whose socket a
cancel shuts down (the waiting thread wakes at once and another LocalAI stops drawing), with the hints
of ``IMAGE_HINTS``: a 404 tells a server that does not draw (no such route) from one without the model,
and the hints speak of drawing, not of a conversation.

The body is OpenAI's (model, prompt, n, size "WxH", response_format "b64_json") with the extra fields
our own API takes (negative_prompt, steps, guidance_scale, seed, scheduler: ``api.parse_image_request``),
so another LocalAI draws exactly what was asked. Errors are ``remote_errors``' plain ones, naming the
server and its URL; never a traceback. Pillow and httpx only; no torch.
"""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass
from typing import Any

from .gallery import GenerationInfo
from .image_request import DEFAULT_SCHEDULER, ImageRequest
from .jobs import CancelToken
from .remote_client import CallHints, RemoteClient
from .remote_errors import RemoteBadReply
from .remote_servers import RemoteServer

IMAGES_PATH = "images/generations"


@dataclass(frozen=True)
class DrawnImage:
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


IMAGE_HINTS = CallHints(refused="hint.remote_image.refused", dropped="hint.remote_image.dropped",
                        no_route="error.remote_image.no_route", no_route_hint="hint.remote_image.is_image_server")


def generate_images(client: RemoteClient, model_id: str, request: ImageRequest,
                    cancel: CancelToken) -> list[DrawnImage] | None:
    """Draw ``request`` on ``client``'s server: its images, in order; None when ``cancel`` closed the request.
    Raises the ``RemoteError`` that says what went wrong."""
    reply = client.post_json(IMAGES_PATH, image_body(model_id, request), cancel, model=model_id, hints=IMAGE_HINTS)
    return None if reply is None else decode_images(reply, client.server, request.num_images)


def decode_images(reply: Any, server: RemoteServer, wanted: int) -> list[DrawnImage]:
    """The images of an images reply ``{"data": [{"b64_json": ...}, ...]}``; anything else is a
    ``RemoteBadReply`` that names the server (links instead of images, no image, bytes that are not one)."""
    from PIL import Image, UnidentifiedImageError

    data = reply.get("data") if isinstance(reply, dict) else None
    if not isinstance(data, list) or not data:
        raise RemoteBadReply("error.remote_image.no_images", "hint.remote_image.is_image_server",
                             server=server.name, url=server.url)
    images: list[DrawnImage] = []
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
        images.append(DrawnImage(image, seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
                                  GenerationInfo.from_parameters(parameters).sampler
                                  if isinstance(parameters, str) and parameters else ""))
    return images
