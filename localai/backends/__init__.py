"""Model backends, one file each, behind the contracts in ``base.py``.

A backend is registered with one call: ``registry.register(name, kind=..., factory=..., planner=...,
scanners=...)``, made by the ``register(registry)`` function of its own module. Adding a backend is
one new file plus one line in ``BUILTIN`` below. Heavy imports (torch, transformers, diffusers)
happen inside each backend's ``load``, so importing these modules is cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..registry import Registry
    from ..remote_pool import Remotes

# modules here, each with register(registry)
BUILTIN = ("transformers_chat", "gguf_chat", "vision_chat", "diffusers_image", "embedding")


def register_builtin_backends(registry: Registry) -> None:
    for module in BUILTIN:
        importlib.import_module(f"{__name__}.{module}").register(registry)


REMOTE = ("remote_chat", "remote_image")  # backends over the remote servers: register(registry, remotes)


def register_remote_backends(registry: Registry, remotes: Remotes) -> None:
    for module in REMOTE:
        importlib.import_module(f"{__name__}.{module}").register(registry, remotes)
