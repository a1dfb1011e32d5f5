"""Embedding texts for ``services``: which embedding model, its checks, and its jobs on the torch lane.

``Services.embed`` / ``encoder`` / ``embedding_model`` hand over to ``Embeddings``. The embedding model is loaded
through the registry like any model (planned, counted in the shared memory budget, evicting and evicted), with
one rule of its own: when the user left its device on auto and it would push a chat or image model out of the
GPU, it runs on the CPU instead (it is small; reloading a chat model for every question is not).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

from .catalog import ModelSpec
from .embedding_models import KIND, ROLES, EmbeddingResult, checked_texts, embedding_size
from .errors import Cancelled, InvalidInput, ModelUnavailable, UnknownModel
from .jobs import Job, Lanes, Status
from .messages import Message
from .registry import Registry
from .sizes import format_bytes

if TYPE_CHECKING:
    from .backends.embedding import TransformersEncoder

ON_THIS_COMPUTER = ("local", "cache")
OTHER_KINDS = (("text", "error.embed.chat_model"), ("image", "error.embed.image_model"))


class Embeddings:
    def __init__(self, registry: Registry, lanes: Lanes) -> None:
        self.registry = registry
        self.lanes = lanes

    # -- which model --------------------------------------------------------------------------------------------
    def default_name(self) -> str | None:
        """--embedding-model when it is on this computer, else the first embedding model on it; None when none."""
        wanted = self.registry.settings.embedding_model
        if wanted:
            spec = self.registry.resolve(wanted, KIND)  # a mistyped name: UnknownModel listing the known ones
            return spec.name if spec.source in ON_THIS_COMPUTER else None
        return next((s.name for s in self.registry.specs(KIND) if s.source in ON_THIS_COMPUTER), None)

    def on_disk(self) -> list[str]:
        return [s.name for s in self.registry.specs(KIND) if s.source in ON_THIS_COMPUTER]

    def _how_to_get_one(self) -> tuple[str, dict[str, str]]:
        """The hint for a computer without an embedding model: the catalog's to download, else the folder."""
        hub = next((s for s in self.registry.specs(KIND) if s.source == "hub"), None)
        if hub is None:
            return "hint.embed.put_one", {"suggested": "", "size": ""}
        return "hint.embed.get_one", {"suggested": hub.name, "size": format_bytes(hub.weight_bytes)}

    def spec(self, model: str | None = None) -> ModelSpec:
        """The embedding model to use: ``model``, else --embedding-model, else the first on this computer. A chat
        or image model's name, an unknown name, none on this computer, or one not downloaded: a clear error."""
        name = (model or "").strip() or self.registry.settings.embedding_model or self.default_name()
        if not name:
            hint, params = self._how_to_get_one()
            raise ModelUnavailable("error.embed.none_on_disk", hint, **params).about("model")
        try:
            spec = self.registry.resolve(name, KIND)
        except UnknownModel:
            for kind, key in OTHER_KINDS:
                if any(name in (s.name, s.repo_id) for s in self.registry.specs(kind)):
                    usable = self.on_disk()
                    hint, params = ("hint.embed.use_these", {}) if usable else self._how_to_get_one()
                    raise InvalidInput(key, hint, name=name, names=", ".join(usable), **params).about("model") \
                        from None
            raise
        if spec.source not in ON_THIS_COMPUTER:
            raise ModelUnavailable("error.embed.not_downloaded", "hint.embed.download_this", name=spec.name,
                                   size=format_bytes(spec.weight_bytes), folder=f"models/{KIND}/{spec.name}/") \
                .about("model")
        return spec

    def dimensions(self, model: str | None = None) -> int:
        """The length of the model's vectors, from its config.json (0 when its folder does not say)."""
        return embedding_size(self.spec(model))

    # -- embedding ----------------------------------------------------------------------------------------------
    def submit(self, texts: Sequence[str], model: str | None, role: str, owner: str) -> Job:
        """Check the texts and the model, then embed on the torch lane (see ``Services.embed``)."""
        items = checked_texts(texts)
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        spec = self.spec(model)

        def run(job: Job) -> EmbeddingResult | None:
            if job.cancel.cancelled:
                return None
            encoder = self.ensure_loaded(spec, lambda s: job.emit(Status(s)))
            try:
                return encoder.embed(items, role, cancelled=lambda: job.cancel.cancelled)
            except Cancelled:
                return None

        return self.lanes.torch.submit(run, owner, f"embed {spec.name}")

    def encoder(self, model: str | None = None, on_status: Callable[[Message], None] | None = None
                ) -> TransformersEncoder:
        """The loaded embedding model, for code already on the torch lane."""
        if not self.lanes.torch.on_lane_thread():
            raise RuntimeError("Services.encoder() does torch work: call it on the torch lane (a job there, or "
                               "lanes.torch.call)")
        return self.ensure_loaded(self.spec(model), on_status or (lambda s: None))

    def ensure_loaded(self, spec: ModelSpec, on_status: Callable[[Message], None]) -> TransformersEncoder:
        """Load once (the registry plans it and makes room); on its first load, the CPU rather than the GPU when
        the GPU would first have to unload another model and the user left the device on auto."""
        prefs: Any = None
        if self.registry.get_loaded(spec) is None:
            wanted = self.registry.prefs_for(spec)
            plan = self.registry.plan(spec, wanted)
            if wanted.device == "auto" and plan.pool == "gpu" and self._would_evict(spec, plan.room_bytes):
                prefs = replace(wanted, device="cpu")
        return cast("TransformersEncoder", self.registry.ensure_loaded(spec, on_status, prefs))

    def _would_evict(self, spec: ModelSpec, room: int) -> bool:
        others = [b for b in self.registry.loaded() if b.plan.pool == "gpu" and (b.spec.kind, b.spec.name) != (
            spec.kind, spec.name)]
        return bool(others) and self.registry.hardware().free_vram < room * 1.1  # evict_for's margin
