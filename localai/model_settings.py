"""Per-model choices the user made in the Models tab, remembered under ``--data-dir``.

Each model (key ``kind/name``) may override the planner (device, dtype, quantization,
offload; "auto" leaves the choice to the planner, then to the command line) and opt in
to two unsafe things that are refused by default: pickle weights (``.bin`` / ``.ckpt`` /
``.pt``, which can run code when loaded) and ``trust_remote_code`` (Python files shipped
with the model). The file is JSON, written atomically (temp file + rename), so a crash
never leaves it half written.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from .errors import InvalidInput
from .options import LOAD_CHOICES
from .plan import LoadPrefs
from .storage import write_atomically

log = logging.getLogger(__name__)

FILE_NAME = "model_settings.json"


@dataclass(frozen=True)
class ModelSettings:
    device: str = "auto"
    dtype: str = "auto"
    quantization: str = "auto"
    offload: str = "auto"
    allow_pickle: bool = False  # load .bin/.ckpt/.pt weights (they can run code)
    trust_remote_code: bool = False  # run the Python files that come with the model

    def validate(self) -> None:
        for name, option in LOAD_CHOICES.items():
            option.check(getattr(self, name))

    def prefs(self, defaults: LoadPrefs = LoadPrefs()) -> LoadPrefs:
        """Load preferences: this model's choices, with "auto" falling back to ``defaults`` (the command line)."""
        pick = lambda mine, default: default if mine == "auto" else mine  # noqa: E731
        return LoadPrefs(device=pick(self.device, defaults.device), dtype=pick(self.dtype, defaults.dtype),
                         quantization=pick(self.quantization, defaults.quantization),
                         offload=pick(self.offload, defaults.offload))

    @property
    def is_default(self) -> bool:
        return self == ModelSettings()

    @classmethod
    def from_dict(cls, data: dict) -> ModelSettings:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for flag in ("allow_pickle", "trust_remote_code"):
            if flag in values:
                values[flag] = values[flag] is True
        for name in LOAD_CHOICES:
            if name in values:
                values[name] = str(values[name])
        return cls(**values)


def key_of(kind: str, name: str) -> str:
    return f"{kind}/{name}"


class ModelSettingsStore:
    """The settings file: read once, kept in memory, rewritten atomically on every change."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / FILE_NAME
        self._lock = threading.Lock()
        self._models: dict[str, ModelSettings] | None = None

    def _load(self) -> dict[str, ModelSettings]:
        if self._models is not None:
            return self._models
        models: dict[str, ModelSettings] = {}
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            for key, value in (raw.get("models") or {}).items():
                try:
                    ms = ModelSettings.from_dict(value)
                    ms.validate()
                    models[key] = ms
                except (InvalidInput, TypeError, AttributeError) as exc:
                    log.warning("ignoring the settings of %s in %s: %s", key, self.path, exc)
        except FileNotFoundError:
            pass
        except (OSError, ValueError, AttributeError) as exc:
            log.warning("could not read %s (%s); starting from defaults, the old file is kept as .bad", self.path, exc)
            try:
                os.replace(self.path, self.path.with_suffix(".json.bad"))
            except OSError:
                pass
        self._models = models
        return models

    def get(self, kind: str, name: str) -> ModelSettings:
        with self._lock:
            return self._load().get(key_of(kind, name), ModelSettings())

    def all(self) -> dict[str, ModelSettings]:
        with self._lock:
            return dict(self._load())

    def set(self, kind: str, name: str, settings: ModelSettings) -> ModelSettings:
        """Remember ``settings`` for this model (defaults remove its entry)."""
        settings.validate()
        with self._lock:
            models = dict(self._load())
            if settings.is_default:
                models.pop(key_of(kind, name), None)
            else:
                models[key_of(kind, name)] = settings
            self._write(models)
            self._models = models
        log.info("settings of %s/%s saved: %s", kind, name, settings)
        return settings

    def update(self, kind: str, name: str, **changes: object) -> ModelSettings:
        return self.set(kind, name, replace(self.get(kind, name), **changes))

    def _write(self, models: dict[str, ModelSettings]) -> None:
        data = {"version": 1, "models": {k: asdict(v) for k, v in sorted(models.items())}}
        text = json.dumps(data, indent=2) + "\n"
        write_atomically(self.path, lambda f: f.write(text.encode("utf-8")))  # a full disk: a plain UserError
