"""Jobs for the ONE inference worker thread, their cancel tokens and their event streams.

All torch work (loading, text and image generation) runs on a single long-lived thread:
a second thread doing torch work slows CPU decode by a third (see ENVIRONMENT.md).
Callers submit a function, then iterate ``job.events()``: queue positions, status lines,
text chunks, progress steps, and finally the result (or the job's ``UserError``).
Abandoning the iterator (a closed tab, a dropped HTTP stream) cancels the job.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .errors import Busy, InternalError, UserError, first_line

log = logging.getLogger(__name__)


class CancelToken:
    """Set once by the job's owner; checked by the backend at each token or step.

    ``on_cancel`` runs once, on the first ``cancel()``: a job uses it to put a "stopping" event
    into its own stream, so that the reader shows "Stopping..." in order, before the result,
    and never after it (a separate reply from the Stop button could arrive after the result).
    """

    def __init__(self, on_cancel: Callable[[], None] | None = None) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._on_cancel = on_cancel

    def cancel(self) -> None:
        with self._lock:
            first = not self._event.is_set()
            self._event.set()
        if first and self._on_cancel is not None:
            self._on_cancel()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


@dataclass(frozen=True)
class Event:
    kind: str  # "queued" | "status" | "stopping" | "text" | "progress" | "image" | "notice" | "done"
    data: Any = None


_DONE = object()


class Job:
    def __init__(self, fn: Callable[[Job], Any], owner: str, description: str, job_id: int) -> None:
        self.fn = fn
        self.owner = owner
        self.description = description
        self.id = job_id
        self._events: queue.Queue = queue.Queue()
        self.cancel = CancelToken(on_cancel=lambda: self.emit("stopping"))
        self.result: Any = None
        self.error: BaseException | None = None
        self.finished = threading.Event()
        self.on_abandon: Callable[[Job], None] = lambda job: job.cancel.cancel()

    def emit(self, kind: str, data: Any = None) -> None:
        """Called from the worker: hand an event to whoever is reading this job."""
        self._events.put(Event(kind, data))

    def _finish(self) -> None:
        self.finished.set()
        self._events.put(_DONE)

    def events(self) -> Iterator[Event]:
        """Events until the job ends; ends with Event("done", result) or raises the job's error.

        Closing this iterator early (GeneratorExit) cancels the job.
        """
        completed = False
        try:
            while True:
                item = self._events.get()
                if item is _DONE:
                    completed = True
                    break
                yield item
            if self.error is not None:
                raise self.error
            yield Event("done", self.result)
        finally:
            if not completed:
                self.on_abandon(self)

    def wait(self) -> Any:
        """Block until done, discarding intermediate events; return the result or raise."""
        for event in self.events():
            if event.kind == "done":
                return event.data
        return None


class InferenceWorker:
    """One thread, one FIFO of jobs, a bounded queue, per-owner cancel."""

    def __init__(self, max_queue: int = 16, name: str = "localai-inference") -> None:
        self.max_queue = max_queue
        self._name = name
        self._pending: deque[Job] = deque()
        self._running: Job | None = None
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._thread: threading.Thread | None = None
        self._stopped = False

    # -- submitting -------------------------------------------------------------------------
    def submit(self, fn: Callable[[Job], Any], owner: str = "local", description: str = "") -> Job:
        with self._cond:
            if self._stopped:
                raise Busy("The server is shutting down.", "Try again in a moment.")
            if len(self._pending) >= self.max_queue:
                raise Busy(f"The server is busy: {len(self._pending)} jobs are already waiting.",
                           "Try again in a minute.")
            job = Job(fn, owner, description, next(self._ids))
            job.on_abandon = self.cancel_job
            self._pending.append(job)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()
            self._announce_positions()
            self._cond.notify_all()
        return job

    def call(self, fn: Callable[[], Any], owner: str = "local", description: str = "") -> Any:
        """Run ``fn`` on the worker and wait for its result (for short torch work: unload, probes)."""
        return self.submit(lambda job: fn(), owner, description).wait()

    # -- inspecting and cancelling --------------------------------------------------------------
    def position(self, job: Job) -> int:
        """0 while running, 1.. while waiting, -1 when finished."""
        with self._cond:
            if job is self._running:
                return 0
            try:
                return list(self._pending).index(job) + 1
            except ValueError:
                return -1

    def queue_length(self) -> int:
        with self._cond:
            return len(self._pending)

    def cancel_job(self, job: Job) -> None:
        """Cancel one job: a waiting one leaves the line at once, a running one stops at its next check."""
        with self._cond:
            job.cancel.cancel()
            if job in self._pending:
                self._pending.remove(job)
                job._finish()
                self._announce_positions()
            self._cond.notify_all()

    def cancel_owner(self, owner: str) -> int:
        """Cancel every job of this owner (running or waiting). Returns how many."""
        with self._cond:
            jobs = [j for j in self._pending if j.owner == owner]
            if self._running is not None and self._running.owner == owner:
                jobs.append(self._running)
            for job in jobs:
                self.cancel_job(job)
            return len(jobs)

    def shutdown(self) -> None:
        with self._cond:
            self._stopped = True
            for job in self._pending:
                job.cancel.cancel()
            self._cond.notify_all()

    # -- the worker thread -----------------------------------------------------------------------
    def _announce_positions(self) -> None:
        for i, job in enumerate(self._pending, start=1):
            job.emit("queued", i)

    def _next_job(self) -> Job | None:
        with self._cond:
            while True:
                # Jobs cancelled while waiting end without running.
                for job in [j for j in self._pending if j.cancel.cancelled]:
                    self._pending.remove(job)
                    job._finish()
                if self._pending:
                    self._running = self._pending.popleft()
                    self._announce_positions()
                    return self._running
                if self._stopped:
                    return None
                self._cond.wait(timeout=0.5)

    def _loop(self) -> None:
        while (job := self._next_job()) is not None:
            try:
                job.result = job.fn(job)
            except UserError as exc:
                log.info("job %s (%s) failed: %s", job.id, job.description, exc)
                job.error = exc
            except Exception as exc:  # never let the worker die; the log keeps the traceback
                log.exception("job %s (%s) crashed", job.id, job.description)
                first = first_line(exc)  # a plain line, never a traceback
                job.error = InternalError(f"Something went wrong: {type(exc).__name__}: {first}",
                                      "The console log has the details; please report it if it repeats.")
            finally:
                with self._cond:
                    self._running = None
                job._finish()
