"""Which chat models read pictures, and the clear refusal when a text-only model is sent one.

Light: specs and plans only (the registry's planner is pure); nothing is loaded here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .catalog import ModelSpec, takes_images
from .chat_images import has_images
from .errors import InvalidInput, UserError

if TYPE_CHECKING:
    from .registry import Registry

ON_DISK = ("local", "cache")
SHOWN = 4  # vision models named in a hint at most


def vision_models_that_fit(registry: Registry) -> tuple[list[ModelSpec], list[ModelSpec]]:
    """(vision models on this computer that its memory can load, those of the catalog it could download), each
    smallest first. A model fits when the registry's planner finds a way to load it."""
    on_disk: list[ModelSpec] = []
    to_download: list[ModelSpec] = []
    for spec in registry.specs("text"):
        if not takes_images(spec) or spec.source not in (*ON_DISK, "hub"):
            continue
        try:
            registry.plan(spec)
        except UserError:  # too big for this computer (or its size is unknown)
            continue
        (on_disk if spec.source in ON_DISK else to_download).append(spec)
    by_size = lambda s: (s.gated, s.params)  # noqa: E731
    return sorted(on_disk, key=by_size), sorted(to_download, key=by_size)


def check_images_allowed(registry: Registry, spec: ModelSpec, messages: Sequence[dict[str, Any]]) -> None:
    """``InvalidInput`` when ``messages`` carry pictures and ``spec`` reads only text: it says so plainly and
    names the vision models that fit this computer (those on it first; else those to download)."""
    if not has_images(messages) or takes_images(spec):
        return
    on_disk, to_download = vision_models_that_fit(registry)
    names = ", ".join(s.name for s in (on_disk or to_download)[:SHOWN])
    raise InvalidInput("error.vision.text_only_model",
                       "hint.vision.pick_vision_model" if on_disk else
                       "hint.vision.download_vision_model" if to_download else "hint.vision.no_vision_model_fits",
                       name=spec.name, names=names).about("model")
