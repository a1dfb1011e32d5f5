"""The registry: which models exist, which are loaded, and loading them once.

Loaded models are process-wide and live here behind one lock. ``ensure_loaded`` and
``unload`` do torch work, so they are called from jobs on the inference worker.
Chat and image models share one memory budget: before a load, other models are
unloaded (least recently used first) until the new plan fits.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from .catalog import ModelSpec, builtin_catalog, scan_image_models, scan_text_models, with_image_components
from .config import Settings
from .errors import UnknownModel
from .hardware import HardwareInfo
from .hub_cache import scan_hub_cache
from .model_settings import ModelSettingsStore
from .plan import LoadPlan, LoadPrefs, gb, plan_image_load, plan_text_load
from .tiers import default_model, tier_of

log = logging.getLogger(__name__)


class Backend(Protocol):
    """What a loaded model is: see backends/text.py and backends/image.py."""

    spec: ModelSpec
    plan: LoadPlan

    def load(self, on_status: Callable[[str], None]) -> None: ...

    def unload(self) -> None: ...


BackendFactory = Callable[[ModelSpec, LoadPlan, Settings], Backend]
Planner = Callable[[ModelSpec, HardwareInfo, LoadPrefs], LoadPlan]
Scanner = Callable[[Settings], list[ModelSpec]]


@dataclass
class _Loaded:
    backend: Backend
    last_used: float = field(default_factory=time.monotonic)


def _default_scanners() -> dict[str, Scanner]:
    # Chat models in the Hugging Face cache (image models there are found by the image scanner).
    return {"text": lambda s: scan_text_models(s.models_dir), "cache": lambda s: scan_hub_cache(kinds=("text",)),
            "image": _scan_images}


def _scan_images(settings: Settings) -> list[ModelSpec]:
    """Image models in the models folder, then diffusers models in the Hugging Face cache."""
    cached = [with_image_components(s) for s in scan_hub_cache(kinds=("image",))]
    return scan_image_models(settings.models_dir) + cached


class Registry:
    def __init__(
        self,
        settings: Settings,
        hardware: Callable[[], HardwareInfo],
        factories: Mapping[str, BackendFactory],
        planners: Mapping[str, Planner] | None = None,
        scanners: Mapping[str, Scanner] | None = None,
        catalog: tuple[ModelSpec, ...] | None = None,
    ) -> None:
        self.settings = settings
        self._hardware = hardware
        self._factories = dict(factories)
        self._planners = {"text": plan_text_load, "image": plan_image_load, **(planners or {})}
        self._scanners = {**_default_scanners(), **(scanners or {})}
        self._catalog = builtin_catalog() if catalog is None else catalog
        self.model_settings = ModelSettingsStore(settings.data_dir)
        self._lock = threading.RLock()
        self._specs: list[ModelSpec] | None = None
        self._loaded: dict[str, _Loaded] = {}  # key: kind/name

    # -- what exists ------------------------------------------------------------------------------
    def refresh(self) -> list[ModelSpec]:
        """Rescan the models folder (the Refresh button)."""
        found: list[ModelSpec] = []
        for kind, scan in self._scanners.items():
            try:
                found.extend(scan(self.settings))
            except OSError as exc:
                log.warning("could not scan %s models: %s", kind, exc)
        # One entry per name (models folder before the HF cache); a catalog model on disk keeps its details.
        known = {(s.kind, s.name): s for s in self._catalog}
        unique: dict[tuple[str, str], ModelSpec] = {}
        for s in found:
            if (s.kind, s.name) not in unique and s.kind in self._factories:
                c = known.get((s.kind, s.name))
                unique[(s.kind, s.name)] = s if c is None else replace(
                    s, repo_id=s.repo_id or c.repo_id, license=s.license or c.license, gated=s.gated or c.gated,
                    description=s.description or c.description, tier=s.tier or c.tier)
        found = list(unique.values())
        local_names = set(unique)
        catalog = [s for s in self._catalog if (s.kind, s.name) not in local_names and s.kind in self._factories]
        with self._lock:
            self._specs = found + catalog
            return list(self._specs)

    def specs(self, kind: str | None = None) -> list[ModelSpec]:
        with self._lock:
            specs = self._specs if self._specs is not None else self.refresh()
        return [s for s in specs if kind is None or s.kind == kind]

    def names(self, kind: str) -> list[str]:
        return [s.name for s in self.specs(kind)]

    def resolve(self, name: str, kind: str) -> ModelSpec:
        """A model by its name (or repo id); an unknown name lists the known ones."""
        name = (name or "").strip()
        specs = self.specs(kind)
        for spec in specs:
            if name in (spec.name, spec.repo_id):
                return spec
        known = ", ".join(s.name for s in specs) or "none"
        what = "chat" if kind == "text" else "image"
        if not name:
            raise UnknownModel(f"No {what} model was chosen.", f"Pick one of: {known}.")
        raise UnknownModel(f"Unknown {what} model '{name}'.", f"Known {what} models: {known}.")

    def default_name(self, kind: str, wait: bool = True) -> str | None:
        """The model selected at start: the CLI's choice, else the first on disk, else the one the catalog
        recommends for this computer's hardware tier. With ``wait=False`` (building the page) the tier is
        not detected just for this: None until the hardware is known; the page fills it in when it loads."""
        wanted = self.settings.text_model if kind == "text" else self.settings.image_model
        specs = self.specs(kind)
        if wanted:
            return self.resolve(wanted, kind).name
        on_disk = [s for s in specs if s.source in ("local", "cache")]
        if on_disk or not specs:
            return on_disk[0].name if on_disk else None
        peek = getattr(self._hardware, "peek", None)
        hw = self._hardware() if wait or peek is None else peek()
        if hw is None:
            return None
        best = default_model([s for s in specs if s.source == "hub"], kind, tier_of(hw))
        return (best or specs[0]).name

    # -- planning ------------------------------------------------------------------------------------
    def prefs_for(self, spec: ModelSpec) -> LoadPrefs:
        """The user's overrides for this model (Models tab), falling back to the command line's."""
        s = self.settings
        return self.model_settings.get(spec.kind, spec.name).prefs(
            LoadPrefs(device=s.device, dtype=s.dtype, quantization=s.quantization))

    def plan(self, spec: ModelSpec, prefs: LoadPrefs | None = None) -> LoadPlan:
        """The plan this model would get now, counting memory held by other loaded models as
        reclaimable (they are unloaded first if needed)."""
        hw = self._hardware()
        with self._lock:
            held = [e.backend for k, e in self._loaded.items() if k != self._key(spec)]
        held_gpu = sum(b.plan.estimated_bytes for b in held if b.plan.device != "cpu")
        held_cpu = sum(b.plan.estimated_bytes for b in held if b.plan.device == "cpu")
        now = hw
        hw = hw.with_free(free_vram=hw.free_vram + held_gpu, available_ram=hw.available_ram + held_cpu)
        plan = self._planners[spec.kind](spec, hw, prefs or self.prefs_for(spec))
        # Say so when the models loaded now would have to go first (chat and images share the memory).
        on_cpu = plan.device == "cpu"
        in_pool = [b.spec.name for b in held if (b.plan.device == "cpu") == on_cpu]
        if in_pool and (now.available_ram if on_cpu else now.free_vram) < plan.estimated_bytes * 1.1:
            plan = replace(plan, reason=f"{plan.reason}; {', '.join(in_pool)} will be unloaded first to make room")
        return plan

    # -- loading (call these on the inference worker) ------------------------------------------------
    @staticmethod
    def _key(spec: ModelSpec) -> str:
        return f"{spec.kind}/{spec.name}"

    def loaded(self) -> list[Backend]:
        with self._lock:
            return [e.backend for e in self._loaded.values()]

    def get_loaded(self, spec: ModelSpec) -> Backend | None:
        with self._lock:
            entry = self._loaded.get(self._key(spec))
            return entry.backend if entry else None

    def ensure_loaded(self, spec: ModelSpec, on_status: Callable[[str], None] = lambda s: None,
                      prefs: LoadPrefs | None = None) -> Any:
        """The loaded backend for ``spec``: loads it once (evicting others if memory is short).

        Only the inference worker calls this, so loads never overlap; the lock guards the
        bookkeeping, not the long load itself, so the page can read the registry meanwhile."""
        key = self._key(spec)
        with self._lock:
            entry = self._loaded.get(key)
        # Same way of loading = reuse; the reason text differs (it quotes the free memory of the moment).
        if entry is not None and (
                prefs is None or replace(entry.backend.plan, reason="") == replace(self.plan(spec, prefs), reason="")):
            entry.last_used = time.monotonic()
            return entry.backend
        if entry is not None:
            self.unload(spec.name, spec.kind)
        plan = self.plan(spec, prefs)
        evicted = self.evict_for(plan, keep=key)
        if evicted:
            on_status(f"Unloaded {', '.join(evicted)} to make room.")
            plan = self.plan(spec, prefs)
            plan = replace(plan, reason=f"{plan.reason}; unloaded {', '.join(evicted)} to make room")
        on_status(f"Loading {spec.name}: {plan.describe()} ({plan.reason})")
        backend = self._factories[spec.kind](spec, plan, self.settings)
        started = time.monotonic()
        backend.load(on_status)
        log.info("loaded %s in %.1f s: %s", spec.name, time.monotonic() - started, plan.reason)
        with self._lock:
            self._loaded[key] = _Loaded(backend)
        return backend

    def evict_for(self, plan: LoadPlan, keep: str = "") -> list[str]:
        """Unload other models, least recently used first, until ``plan`` fits. Returns their names."""
        evicted: list[str] = []
        with self._lock:
            while True:
                hw = self._hardware()
                on_cpu = plan.device == "cpu"
                free = hw.available_ram if on_cpu else hw.free_vram
                others = sorted(((k, e) for k, e in self._loaded.items() if k != keep),
                                key=lambda kv: kv[1].last_used)
                same_pool = [(k, e) for k, e in others if (e.backend.plan.device == "cpu") == on_cpu]
                if free >= plan.estimated_bytes * 1.1 or not same_pool:
                    return evicted
                key, entry = same_pool[0]
                log.info("evicting %s: %s needed, %s free", key, gb(plan.estimated_bytes), gb(free))
                self.unload(entry.backend.spec.name, entry.backend.spec.kind)
                evicted.append(entry.backend.spec.name)

    def unload(self, name: str, kind: str) -> bool:
        """Free a loaded model. Returns False when it was not loaded."""
        with self._lock:
            entry = self._loaded.pop(f"{kind}/{name}", None)
        if entry is None:
            return False
        entry.backend.unload()
        return True

    def unload_all(self) -> None:
        for backend in self.loaded():
            self.unload(backend.spec.name, backend.spec.kind)
