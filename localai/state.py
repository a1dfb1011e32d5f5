"""AppState: the process-wide objects, built once in app.py and passed down."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from .access import Access
from .config import Settings
from .hardware import HardwareInfo, current_free, detect_hardware
from .history import History
from .jobs import Lane, Lanes
from .registry import Registry
from .remote_client import timeouts_from_env
from .remote_pool import Remotes
from .remote_store import FILE_NAME as REMOTES_FILE, RemoteStore
from .services import Services

NETWORK_QUEUE = 8  # downloads and remote answers waiting at most (at least --max-queue)
NETWORK_THREADS = 16  # network jobs running at once (each remote answer holds one while it streams)


@dataclass
class HardwareMonitor:
    """Detects the hardware once (lazily: it imports torch), then refreshes free memory.

    With a ``torch_lane``, the first detection (torch import and a bitsandbytes probe: torch work)
    runs on the torch lane even when a UI thread asks first.
    """

    settings: Settings
    torch_lane: Lane | None = None
    _info: HardwareInfo | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def peek(self) -> HardwareInfo | None:
        """The hardware if it has been detected already; never starts a detection."""
        return self._info

    def __call__(self) -> HardwareInfo:
        if self._info is None and self.torch_lane is not None and not self.torch_lane.on_lane_thread():
            return self.torch_lane.call(self, description="detect hardware")
        with self._lock:
            if self._info is None:
                self._info = detect_hardware(self.settings.models_dir, self.settings.device)
                return self._info
            return current_free(self._info)


@dataclass
class AppState:
    settings: Settings
    hardware: HardwareMonitor
    registry: Registry
    lanes: Lanes
    services: Services
    history: History | None = None


def build_state(settings: Settings, hardware_info: HardwareInfo | None = None,
                access: Access | None = None) -> AppState:
    """The app's objects, with the built-in backends registered. ``hardware_info``: a machine known
    beforehand (tests describe one as a literal), else it is detected on first use. ``access``: who the
    admin is (app.py passes the one from the loaded logins; else from the settings)."""
    from .backends import register_builtin_backends, register_remote_backends  # noqa: PLC0415  (light: no torch)

    lanes = Lanes(torch=Lane("torch", settings.max_queue),
                  network=Lane("network", max(NETWORK_QUEUE, settings.max_queue), threads=NETWORK_THREADS))
    hardware = HardwareMonitor(settings, lanes.torch, _info=hardware_info)
    registry = Registry(settings, hardware)
    register_builtin_backends(registry)
    remotes = build_remotes(settings)
    register_remote_backends(registry, remotes)
    history = History(settings.data_dir / "history.sqlite3")
    services = Services(registry, lanes, history=history, access=access, remotes=remotes)
    remotes.start()  # the health checks (nothing runs without a server)
    return AppState(settings, hardware, registry, lanes, services, history=history)


def build_remotes(settings: Settings, env: Mapping[str, str] | None = None) -> Remotes:
    """The remote servers of --remote and of the Models tab (none with --no-remotes)."""
    env = os.environ if env is None else env
    period = env.get("LOCALAI_REMOTE_CHECK_S", "")
    return Remotes(settings.remote_servers, RemoteStore(settings.data_dir / REMOTES_FILE),
                   enabled=not settings.no_remotes, timeouts=timeouts_from_env(env),
                   check_every_s=float(period) if period.replace(".", "", 1).isdigit() else 30.0)
