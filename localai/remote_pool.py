"""The remote servers the user added, their health, and which one serves the next request.

``Remotes`` holds one ``RemoteClient`` per server and what its last health check found (reachable,
its models, the latency, the problem). A background thread checks each server: every
``check_every_s`` while it answers, every ``retry_every_s`` while it does not. A request goes to the
server with the fewest requests in flight among those that answer and have the model
(``routed``); a server that fails a request is skipped (``mark_failed``) until its health check
passes again. Nothing is contacted unless the user added it; with ``enabled=False`` (--no-remotes)
nothing is contacted at all.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from .catalog import ModelSpec
from .errors import InvalidInput, UserError
from .messages import Message
from .remote_client import RemoteClient, RemoteModel, RemoteTimeouts
from .remote_errors import NoRemoteServer, RemoteError, RemoteModelGone
from .remote_servers import RemoteServer, check_name, normalize_url
from .remote_store import RemoteStore

log = logging.getLogger(__name__)

BACKENDS = {"text": "remote", "image": "remote_image"}  # the registry's backend for a remote model of each kind
MAX_SERVERS = 32

T = TypeVar("T")


@dataclass(frozen=True)
class ServerView:
    """One server as the page shows it (never its key)."""

    name: str
    url: str
    has_key: bool
    origin: str  # "flag" | "saved"
    reachable: bool | None  # None: not checked yet
    models: tuple[RemoteModel, ...]
    latency_ms: float | None
    problem: UserError | None
    checked_at: float  # time.time() of the last check; 0: never
    in_flight: int


@dataclass
class _Server:
    server: RemoteServer
    client: RemoteClient
    reachable: bool | None = None
    models: tuple[RemoteModel, ...] = ()
    latency_ms: float | None = None
    problem: UserError | None = None
    checked_at: float = 0.0
    in_flight: int = 0
    next_check: float = 0.0  # time.monotonic() of the next health check
    served: int = 0  # requests routed to it since start

    def view(self) -> ServerView:
        s = self.server
        return ServerView(s.name, s.url, s.has_key, s.origin, self.reachable, self.models, self.latency_ms,
                          self.problem, self.checked_at, self.in_flight)


@dataclass(frozen=True)
class Lease:
    """A request's server, counted in flight while the ``routed`` block runs."""

    server: RemoteServer
    client: RemoteClient


@dataclass
class Remotes:
    flag_servers: Sequence[RemoteServer] = ()
    store: RemoteStore | None = None
    enabled: bool = True
    timeouts: RemoteTimeouts = RemoteTimeouts()
    check_every_s: float = 30.0
    retry_every_s: float = 5.0
    on_change: Callable[[], None] | None = None  # the model list may have changed
    _servers: dict[str, _Server] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _wake: threading.Event = field(default_factory=threading.Event)
    _stopped: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        if not self.enabled:
            return
        saved = self.store.load() if self.store is not None else []
        for server in [*self.flag_servers, *saved]:
            if server.name not in self._servers:  # a --remote wins over a saved one of the same name
                self._servers[server.name] = _Server(server, RemoteClient(server, self.timeouts))

    # -- what the page shows --------------------------------------------------------------------------
    def views(self) -> list[ServerView]:
        with self._lock:
            return [s.view() for s in self._servers.values()]

    def view(self, name: str) -> ServerView:
        with self._lock:
            return self._get(name).view()

    def specs(self) -> list[ModelSpec]:
        """One model entry per (kind, id) over every server that listed it at its last check (a server down
        now still lists its models: asking for one then says which server is down and why)."""
        found: dict[tuple[str, str], list[str]] = {}
        with self._lock:
            for s in self._servers.values():
                for model in s.models:
                    found.setdefault((model.kind, model.id), []).append(s.server.name)
        return [ModelSpec(name=model_id, kind=kind, source="remote", backend=BACKENDS[kind], servers=tuple(names),
                          remote_id=model_id, description=", ".join(names))
                for (kind, model_id), names in found.items()]

    # -- adding, removing, checking -------------------------------------------------------------------
    def add(self, name: str, url: str, key: str | None = None) -> ServerView:
        """Add a server and check it now; it is saved (reachable or not) so that it can be fixed or removed."""
        self._require_enabled()
        server = RemoteServer(check_name(name), normalize_url(url), (key or "").strip() or None, origin="saved")
        with self._lock:
            if server.name in self._servers:
                raise InvalidInput("error.remote.duplicate", "hint.remote.other_name", name=server.name).about("name")
            if len(self._servers) >= MAX_SERVERS:
                raise InvalidInput("error.remote.too_many", "hint.remote.remove_one", max=MAX_SERVERS)
            self._servers[server.name] = _Server(server, RemoteClient(server, self.timeouts))
            self._save()
        self.start()
        return self.check(server.name)

    def remove(self, name: str) -> None:
        self._require_enabled()
        with self._lock:
            entry = self._get(name)
            if entry.server.origin == "flag":
                raise InvalidInput("error.remote.from_flag", "hint.remote.from_flag", server=name)
            del self._servers[name]
            self._save()
        entry.client.close()
        self._changed()

    def check(self, name: str) -> ServerView:
        """A health check now (the Test button): reachable, its models, the latency."""
        with self._lock:
            entry = self._get(name)
        self._check(entry)
        return entry.view()

    def check_all(self) -> None:
        with self._lock:
            entries = list(self._servers.values())
        for entry in entries:
            self._check(entry)

    # -- routing ---------------------------------------------------------------------------------------
    @contextmanager
    def routed(self, model_id: str, kind: str, exclude: Sequence[str] = ()) -> Iterator[Lease]:
        """The least busy server that answers and has the model, counted in flight inside the block.
        ``NoRemoteServer`` when none does (it names the servers that have the model and what is wrong)."""
        with self._lock:
            having = [s for s in self._servers.values() if any(m.id == model_id and m.kind == kind for m in s.models)]
            ready = [s for s in having if s.reachable and s.server.name not in exclude]
            if not ready:
                raise self._none_for(model_id, having)
            chosen = min(ready, key=lambda s: (s.in_flight, s.served))
            chosen.in_flight += 1
            chosen.served += 1
        try:
            yield Lease(chosen.server, chosen.client)
        finally:
            with self._lock:
                chosen.in_flight -= 1

    def failover(self, model_id: str, kind: str, attempt: Callable[[Lease], T], cancelled: Callable[[], bool]
                 ) -> tuple[str, T]:
        """``attempt(lease)`` on the least busy server with the model: (that server's name, its result). When it
        fails before anything came back (no ``partial``) through the server's fault or a model it no longer
        has, the server is set aside (``mark_failed`` / ``forget_model``) and the request tried once more on
        another server that has the model. Otherwise, or when ``cancelled()``, the error is raised."""
        tried: list[str] = []
        while True:
            with self.routed(model_id, kind, exclude=tried) as lease:
                name = lease.server.name
                try:
                    return name, attempt(lease)
                except RemoteError as exc:
                    gone = isinstance(exc, RemoteModelGone)
                    if gone:
                        self.forget_model(name, model_id)
                    elif exc.server_fault:
                        self.mark_failed(name, exc)
                    tried.append(name)
                    again = (exc.server_fault or gone) and not exc.partial and not cancelled()
                    if not (again and len(tried) == 1 and self.has_other(model_id, kind, tried)):
                        raise
                    log.info("a %s request to %s failed (%s); trying another server", kind, name, exc.message)

    def has_other(self, model_id: str, kind: str, exclude: Sequence[str]) -> bool:
        """Whether another answering server has the model (a failed request may be tried there)."""
        with self._lock:
            return any(s.reachable and s.server.name not in exclude and any(m.id == model_id and m.kind == kind
                                                                            for m in s.models)
                       for s in self._servers.values())

    def mark_failed(self, name: str, error: UserError) -> None:
        """A request to ``name`` failed: skip it until its health check passes (rechecked soon)."""
        with self._lock:
            entry = self._servers.get(name)
            if entry is None:
                return
            entry.reachable, entry.problem = False, error
            entry.next_check = time.monotonic() + self.retry_every_s
        log.info("remote %s failed a request, skipped until it answers again: %s", name, error.message)
        self._wake.set()

    def forget_model(self, name: str, model_id: str) -> None:
        """The server said it no longer has the model: read its list again."""
        with self._lock:
            entry = self._servers.get(name)
            if entry is None:
                return
            entry.models = tuple(m for m in entry.models if m.id != model_id)
            entry.next_check = 0.0
        self._wake.set()
        self._changed()

    # -- the health-check thread ------------------------------------------------------------------------
    def start(self) -> None:
        """Start checking the servers in the background (nothing to do without any)."""
        with self._lock:
            if not self.enabled or self._thread is not None or not self._servers:
                return
            self._thread = threading.Thread(target=self._loop, name="localai-remote-checks", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the health checks (the app is shutting down, or a test is done with them)."""
        self._stopped.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=self.timeouts.check_s + 1)
        self._stopped.clear()

    def _loop(self) -> None:
        while not self._stopped.is_set():
            now = time.monotonic()
            with self._lock:
                due = [s for s in self._servers.values() if s.next_check <= now]
            for entry in due:
                if self._stopped.is_set():
                    return
                self._check(entry)
            with self._lock:
                waits = [s.next_check - time.monotonic() for s in self._servers.values()]
            self._wake.wait(timeout=max(0.05, min(waits, default=self.check_every_s)))
            self._wake.clear()

    def _check(self, entry: _Server) -> None:
        try:
            models, latency = entry.client.models()
            reachable, problem = True, None
        except RemoteError as exc:
            models, latency, reachable, problem = entry.models, None, False, exc
        with self._lock:
            changed = (models != entry.models) or (reachable != entry.reachable)
            entry.models, entry.latency_ms, entry.reachable, entry.problem = tuple(models), latency, reachable, problem
            entry.checked_at = time.time()
            entry.next_check = time.monotonic() + (self.check_every_s if reachable else self.retry_every_s)
        if problem is not None and changed:
            log.info("remote %s (%s) is not answering: %s", entry.server.name, entry.server.url, problem.message)
        if changed:
            self._changed()

    # -- helpers -------------------------------------------------------------------------------------
    def _get(self, name: str) -> _Server:
        entry = self._servers.get((name or "").strip())
        if entry is None:
            raise InvalidInput("error.remote.unknown_server", "hint.remote.known_servers", server=name,
                               names=", ".join(self._servers) or "none").about("name")
        return entry

    def _require_enabled(self) -> None:
        if not self.enabled:
            raise InvalidInput("error.remote.disabled", "hint.remote.disabled")

    def _save(self) -> None:
        """Write the servers added from the page (call holding the lock)."""
        if self.store is not None:
            self.store.save([s.server for s in self._servers.values()])

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def _none_for(self, model_id: str, having: list[_Server]) -> NoRemoteServer:
        if not having:
            return NoRemoteServer("error.remote.no_server", "hint.remote.add_server", model=model_id)
        first = having[0].problem
        problem = Message(first.key, **first.params) if first is not None else Message("remote.not_checked")
        return NoRemoteServer("error.remote.none_answering", "hint.remote.none_answering", model=model_id,
                              servers=", ".join(s.server.name for s in having), problem=problem)
