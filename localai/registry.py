"""The registry: which backends and models exist, which are loaded, and loading them once.

Backends are registered by name (``register("transformers", kind="text", factory=...,
planner=..., scanners=...)``, see ``backends/__init__.py``); every ``ModelSpec`` names its
backend, and its planner, factory and scanners are looked up by that name.
Loaded models are process-wide and live here behind one lock. ``ensure_loaded`` and
``unload`` do torch work, so they are called from jobs on the inference worker.
Models in the same memory pool (a plan's ``pool``: GPU or RAM) share one budget: before a
load, other models in that pool are unloaded (least recently used first) until the plan fits.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import cast

from .backends.base import ChatBackend, ImageBackend, LoadedBackend
from .catalog import ModelSpec, builtin_catalog
from .config import Settings
from .errors import UnknownModel
from .hardware import HardwareInfo
from .messages import Message
from .model_settings import ModelSettingsStore
from .plan import LoadPlan, LoadPrefs
from .sizes import format_bytes
from .tiers import default_model, tier_of

log = logging.getLogger(__name__)

BackendFactory = Callable[[ModelSpec, LoadPlan], LoadedBackend]  # a backend for this plan, not loaded yet
Planner = Callable[[ModelSpec, HardwareInfo, LoadPrefs], LoadPlan]  # pure: no torch, no I/O
Scanner = Callable[[Settings], list[ModelSpec]]  # the models of one backend found on this computer
Lister = Callable[[], list[ModelSpec]]  # models known right now elsewhere (remote servers): asked on every listing


@dataclass(frozen=True)
class BackendEntry:
    """One registered backend: what ``ModelSpec.backend`` names."""

    name: str  # "transformers", "diffusers", later "gguf", "remote"
    kind: str  # "text" | "image" | "embedding": what the user picks its models as
    factory: BackendFactory
    planner: Planner
    scanners: tuple[Scanner, ...] = ()
    lister: Lister | None = None


class UnknownBackend(LookupError):
    """A spec names a backend nobody registered (a programming error, not the user's)."""


@dataclass
class _Loaded:
    backend: LoadedBackend
    last_used: float = field(default_factory=time.monotonic)


class Registry:
    def __init__(
        self,
        settings: Settings,
        hardware: Callable[[], HardwareInfo],
        catalog: tuple[ModelSpec, ...] | None = None,
    ) -> None:
        self.settings = settings
        self._hardware = hardware
        self._backends: dict[str, BackendEntry] = {}
        self._catalog = builtin_catalog() if catalog is None else catalog
        self.model_settings = ModelSettingsStore(settings.data_dir)
        self._lock = threading.RLock()
        self._specs: list[ModelSpec] | None = None
        self._found = 0  # how many of _specs were found on this computer (the rest: the catalog's)
        self._loaded: dict[str, _Loaded] = {}  # key: kind/name

    # -- backends ---------------------------------------------------------------------------------
    def register(self, name: str, *, kind: str, factory: BackendFactory, planner: Planner,
                 scanners: Sequence[Scanner] = (), lister: Lister | None = None) -> None:
        """Serve the models whose spec names backend ``name`` (registering a name again replaces it).
        ``scanners`` find models on this computer (at start and on Refresh); ``lister`` hands the models known
        elsewhere right now (a remote server's), asked on every listing, never cached."""
        if kind not in ("text", "image", "embedding"):
            raise ValueError(f"backend {name!r}: kind must be 'text', 'image' or 'embedding', not {kind!r}")
        with self._lock:
            self._backends[name] = BackendEntry(name, kind, factory, planner, tuple(scanners), lister)
            self._specs = None  # rescan with it

    def backend(self, name: str) -> BackendEntry:
        """A registered backend by name; an unknown name lists the known ones."""
        with self._lock:
            entry = self._backends.get(name)
            known = ", ".join(self._backends) or "none"
        if entry is None:
            raise UnknownBackend(f"No backend named {name!r} is registered (known: {known}).")
        return entry

    def backend_names(self) -> list[str]:
        with self._lock:
            return list(self._backends)

    def _serves(self, spec: ModelSpec) -> bool:
        entry = self._backends.get(spec.backend)
        return entry is not None and entry.kind == spec.kind

    # -- what exists ------------------------------------------------------------------------------
    def refresh(self) -> list[ModelSpec]:
        """Rescan the models folder (the Refresh button)."""
        found: list[ModelSpec] = []
        with self._lock:
            entries = list(self._backends.values())
        for entry in entries:
            for scan in entry.scanners:
                try:
                    found.extend(scan(self.settings))
                except OSError as exc:
                    log.warning("could not scan the models of the %s backend: %s", entry.name, exc)
        # One entry per name (models folder before the HF cache); a catalog model on disk keeps its details.
        known = {(s.kind, s.name): s for s in self._catalog}
        unique: dict[tuple[str, str], ModelSpec] = {}
        for s in found:
            if (s.kind, s.name) not in unique and self._serves(s):
                c = known.get((s.kind, s.name))
                unique[(s.kind, s.name)] = s if c is None else replace(
                    s, repo_id=s.repo_id or c.repo_id, license=s.license or c.license, gated=s.gated or c.gated,
                    description=s.description or c.description, tier=s.tier or c.tier)
        found = list(unique.values())
        local_names = set(unique)
        catalog = [s for s in self._catalog if (s.kind, s.name) not in local_names and self._serves(s)]
        with self._lock:
            self._specs = found + catalog
            self._found = len(found)
        return self.specs()

    def specs(self, kind: str | None = None) -> list[ModelSpec]:
        """Models on this computer, then those of remote servers, then the catalog's to download."""
        with self._lock:
            if self._specs is None:
                specs = None
            else:
                specs, found, listers = self._specs, self._found, [e.lister for e in self._backends.values() if e.lister]
        if specs is None:
            return [s for s in self.refresh() if kind is None or s.kind == kind]
        live = self._live(listers, {(s.kind, s.name) for s in specs})
        return [s for s in (*specs[:found], *live, *specs[found:]) if kind is None or s.kind == kind]

    def _live(self, listers: list[Lister], taken: set[tuple[str, str]]) -> list[ModelSpec]:
        """What the listers know now; a name a model of this computer (or the catalog) has gets " (remote)"."""
        live: list[ModelSpec] = []
        for lister in listers:
            try:
                listed = lister()
            except Exception:  # noqa: BLE001 - a listing never breaks the model list
                log.exception("a model lister failed")
                continue
            for spec in listed:
                if not self._serves(spec):
                    continue
                if (spec.kind, spec.name) in taken:
                    spec = replace(spec, name=f"{spec.name} (remote)")
                if (spec.kind, spec.name) not in taken:
                    taken.add((spec.kind, spec.name))
                    live.append(spec)
        return live

    def names(self, kind: str) -> list[str]:
        return [s.name for s in self.specs(kind)]

    def resolve(self, name: str, kind: str) -> ModelSpec:
        """A model by its name (or repo id); an unknown name lists the known ones."""
        name = (name or "").strip()
        specs = self.specs(kind)
        for spec in (*(s for s in specs if s.name == name), *(s for s in specs if s.repo_id == name)):
            return spec  # an exact name first: a remote model named like a catalog model's repo id is that one
        known = ", ".join(s.name for s in specs) or "none"
        if kind == "embedding":
            raise UnknownModel("error.embed.unknown_model", "hint.embed.known", name=name, names=known)
        if not name:
            raise UnknownModel("error.model.none_chosen_text" if kind == "text" else "error.model.none_chosen_image",
                               "hint.model.pick_one", names=known)
        if kind == "text":
            raise UnknownModel("error.model.unknown_text", "hint.model.known_text", name=name, names=known)
        raise UnknownModel("error.model.unknown_image", "hint.model.known_image", name=name, names=known)

    def default_name(self, kind: str, wait: bool = True) -> str | None:
        """The model selected at start: the CLI's choice, else the first on disk, else the one the catalog
        recommends for this computer's hardware tier. With ``wait=False`` (building the page) the tier is
        not detected just for this: None until the hardware is known; the page fills it in when it loads."""
        wanted = {"text": self.settings.text_model, "image": self.settings.image_model,
                  "embedding": self.settings.embedding_model}.get(kind)
        specs = self.specs(kind)
        if wanted:
            return self.resolve(wanted, kind).name
        on_disk = [s for s in specs if s.source in ("local", "cache")] or [s for s in specs if s.source == "remote"]
        if on_disk or not specs:
            return on_disk[0].name if on_disk else None
        peek = getattr(self._hardware, "peek", None)
        hw = self._hardware() if wait or peek is None else peek()
        if hw is None:
            return None
        best = default_model([s for s in specs if s.source == "hub"], kind, tier_of(hw))
        return (best or specs[0]).name

    def hardware(self) -> HardwareInfo:
        """This computer's hardware, with its free memory as of now."""
        return self._hardware()

    # -- planning ------------------------------------------------------------------------------------
    def prefs_for(self, spec: ModelSpec) -> LoadPrefs:
        """The user's overrides for this model (Models tab), falling back to the command line's."""
        s = self.settings
        return self.model_settings.get(spec.kind, spec.name).prefs(
            LoadPrefs(device=s.device, dtype=s.dtype, quantization=s.quantization))

    def plan(self, spec: ModelSpec, prefs: LoadPrefs | None = None) -> LoadPlan:
        """The plan this model would get now, counting memory held by other loaded models as
        reclaimable (they are unloaded first if needed)."""
        planner = self.backend(spec.backend).planner
        if spec.source == "remote":  # another machine holds it: nothing here to detect, no memory to count
            return planner(spec, None, prefs or LoadPrefs())  # type: ignore[arg-type]
        hw = self._hardware()
        with self._lock:
            held = [e.backend for k, e in self._loaded.items() if k != self._key(spec)]
        held_gpu = sum(b.plan.held_bytes for b in held if b.plan.pool == "gpu")
        held_ram = sum(b.plan.held_bytes for b in held if b.plan.pool == "ram")
        now = hw
        hw = hw.with_free(free_vram=hw.free_vram + held_gpu, available_ram=hw.available_ram + held_ram)
        opt_ins = self.model_settings.get(spec.kind, spec.name)
        plan = replace(planner(spec, hw, prefs or self.prefs_for(spec)),
                       allow_pickle=opt_ins.allow_pickle, trust_remote_code=opt_ins.trust_remote_code)
        # Say so when the models loaded now would have to go first (chat and images share the memory).
        in_pool = [b.spec.name for b in held if b.plan.pool == plan.pool != "none"]
        if in_pool and _free_in(now, plan.pool) < plan.room_bytes * 1.1:
            plan = replace(plan, reason=Message("plan.will_unload", reason=plan.reason, names=", ".join(in_pool)))
        return plan

    # -- loading (call these on the inference worker) ------------------------------------------------
    @staticmethod
    def _key(spec: ModelSpec) -> str:
        return f"{spec.kind}/{spec.name}"

    def loaded(self) -> list[LoadedBackend]:
        with self._lock:
            return [e.backend for e in self._loaded.values()]

    def get_loaded(self, spec: ModelSpec) -> LoadedBackend | None:
        with self._lock:
            entry = self._loaded.get(self._key(spec))
            return entry.backend if entry else None

    def ensure_chat(self, spec: ModelSpec, on_status: Callable[[Message], None] = lambda s: None,
                    prefs: LoadPrefs | None = None) -> ChatBackend:
        """``ensure_loaded`` for a chat model."""
        if spec.kind != "text":
            raise ValueError(f"{spec.name} is an {spec.kind} model, not a chat model")
        return cast(ChatBackend, self.ensure_loaded(spec, on_status, prefs))

    def ensure_image(self, spec: ModelSpec, on_status: Callable[[Message], None] = lambda s: None,
                     prefs: LoadPrefs | None = None) -> ImageBackend:
        """``ensure_loaded`` for an image model."""
        if spec.kind != "image":
            raise ValueError(f"{spec.name} is a {spec.kind} model, not an image model")
        return cast(ImageBackend, self.ensure_loaded(spec, on_status, prefs))

    def ensure_loaded(self, spec: ModelSpec, on_status: Callable[[Message], None] = lambda s: None,
                      prefs: LoadPrefs | None = None) -> LoadedBackend:
        """The loaded backend for ``spec``: loads it once (evicting others if memory is short).

        Only the inference worker calls this, so loads never overlap; the lock guards the
        bookkeeping, not the long load itself, so the page can read the registry meanwhile."""
        key = self._key(spec)
        with self._lock:
            entry = self._loaded.get(key)
        # Same way of loading = reuse; the reason text differs (it quotes the free memory of the moment).
        if entry is not None and (
                prefs is None
                or replace(entry.backend.plan, reason=None) == replace(self.plan(spec, prefs), reason=None)):
            entry.last_used = time.monotonic()
            return entry.backend
        if entry is not None:
            self.unload(spec.name, spec.kind)
        plan = self.plan(spec, prefs)
        evicted = self.evict_for(plan, keep=key)
        if evicted:
            on_status(Message("status.unloaded_for_room", names=", ".join(evicted)))
            plan = self.plan(spec, prefs)
            plan = replace(plan, reason=Message("plan.unloaded", reason=plan.reason, names=", ".join(evicted)))
        on_status(Message("status.loading", name=spec.name, plan=plan.describe(), reason=plan.reason))
        backend = self.backend(spec.backend).factory(spec, plan)
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
            while plan.pool != "none":
                free = _free_in(self._hardware(), plan.pool)
                others = sorted(((k, e) for k, e in self._loaded.items() if k != keep),
                                key=lambda kv: kv[1].last_used)
                same_pool = [(k, e) for k, e in others if e.backend.plan.pool == plan.pool]
                if free >= plan.room_bytes * 1.1 or not same_pool:
                    return evicted
                key, entry = same_pool[0]
                log.info("evicting %s: %s needed, %s free", key, format_bytes(plan.room_bytes), format_bytes(free))
                self.unload(entry.backend.spec.name, entry.backend.spec.kind)
                evicted.append(entry.backend.spec.name)
            return evicted

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


def _free_in(hw: HardwareInfo, pool: str) -> int:
    """Free bytes in a memory pool now ("none": a model held elsewhere takes nothing here)."""
    return {"gpu": hw.free_vram, "ram": hw.available_ram}.get(pool, 0)
