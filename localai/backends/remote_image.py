"""The ``remote_image`` backend: an image model that draws on a server the user added, one that offers
``POST /v1/images/generations`` (another LocalAI, whose /v1/models marks its image models "kind": "image").

Nothing loads here and no memory is taken. A request goes to the least busy server that has the model
(``Remotes.routed``); one that fails before any image came back is skipped until its health check passes
and the request is tried once more on another server with the model. The server draws the whole request
and answers with every image at once: there is no step progress, the page says which server is drawing.
Cancel shuts the connection down, so the server stops drawing too. The images come back as ours do:
one ``GeneratedImage`` each, with the request's settings (and the seed the server used), for services
to save in the user's folder.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import InvalidInput
from ..gallery import GenerationInfo
from ..image_request import DEFAULT_SCHEDULER, MAX_SEED, ImageRequest
from ..jobs import CancelToken
from ..messages import Message
from ..remote_images_client import DrawnImage, generate_images
from .base import GeneratedImage, ImageResult, OnStatus, StepProgress
from .remote_base import RemoteModel, plan_remote

if TYPE_CHECKING:
    from ..registry import Registry
    from ..remote_pool import Lease, Remotes

SERVER_FIELD = "Server"  # the A1111 parameter that names the server that drew an image


class RemoteImage(RemoteModel):
    """An image model on remote servers (an ``ImageBackend``; ``generate`` also takes ``on_status``)."""

    operations = frozenset({"text-to-image"})

    def scheduler_names(self) -> list[str]:
        """The server's own sampler only: what a remote server can use is not known here."""
        return [DEFAULT_SCHEDULER]

    def generate(self, request: ImageRequest, cancel: CancelToken, on_step: Callable[[StepProgress], None],
                 on_image: Callable[[GeneratedImage], GeneratedImage | None] | None = None, *,
                 on_status: OnStatus | None = None) -> ImageResult:
        """Draw ``request`` (defaults filled) on a server that has the model. ``on_step`` is never called (no
        server reports steps); ``on_status`` hears which server draws."""
        req = request
        if None in (req.steps, req.guidance_scale, req.width, req.height) or req.seed < 0:
            raise InvalidInput("error.image.unset_fields", "hint.image.with_defaults")
        model_id = self.model_id
        started = time.perf_counter()

        def draw(lease: Lease) -> list[DrawnImage] | None:  # 1. on the least busy server with the model
            if on_status is not None:
                on_status(Message("status.remote_image.drawing", name=self.spec.name, server=lease.server.name))
            return generate_images(lease.client, model_id, req, cancel)

        server, drawn = self.remotes.failover(model_id, "image", draw, lambda: cancel.cancelled)
        # 2. the images, with the settings they were drawn with, handed over one by one (saved by the caller)
        plan = self.plan_on(server)
        images: list[GeneratedImage] = []
        for i, got in enumerate(drawn or ()):
            seed = got.seed if got.seed is not None else (req.seed + i) % (MAX_SEED + 1)
            info = GenerationInfo(prompt=req.prompt, negative_prompt=req.negative_prompt, steps=req.steps,
                                  sampler=got.sampler or DEFAULT_SCHEDULER, cfg_scale=float(req.guidance_scale),
                                  seed=seed, width=got.image.width, height=got.image.height, model=self.spec.name,
                                  extra={SERVER_FIELD: server})
            image = GeneratedImage(got.image, info, i, True, req.steps)
            if on_image is not None:
                image = on_image(image) or image
            images.append(image)
        sampler = next((g.sampler for g in drawn or () if g.sampler), DEFAULT_SCHEDULER)
        return ImageResult(tuple(images), req, sampler, time.perf_counter() - started, drawn is None, plan,
                           self.spec.name)


def register(registry: Registry, remotes: Remotes) -> None:
    """Image models of the remote servers, listed live (whatever their last health check found)."""
    registry.register("remote_image", kind="image", factory=lambda spec, plan: RemoteImage(spec, plan, remotes),
                      planner=plan_remote, lister=lambda: [s for s in remotes.specs() if s.kind == "image"])
