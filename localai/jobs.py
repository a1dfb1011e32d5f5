"""Jobs, the lanes that run them, their cancel tokens and their typed events.

Two lanes (see DESIGN.md):

- the **torch lane**: ONE long-lived thread that does all torch work, text and image, model loads and
  hardware detection (a second thread doing torch work slows CPU decode by a third, ENVIRONMENT.md);
- the **network lane**: a few threads for downloads (later remote engines), never torch work, so a
  download or a remote chat never waits behind a local image.

Callers submit a function to a lane, then iterate ``job.events()``: ``Queued`` positions (per lane),
``Status`` lines, the job's own output (``TextDelta``, ``Step``, ``DownloadStep``, ``ImageReady``,
``Notice``), ``Stopping`` once cancelled, and one ending: ``Done(result)``, ``CancelledBeforeStart()``
(cancelled while waiting: it never ran), or the job's ``UserError`` raised. Abandoning the iterator
(a closed tab, a dropped HTTP stream) cancels the job.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

from .errors import Busy, InternalError, UserError, first_line
from .messages import Message

if TYPE_CHECKING:
    from .downloads import DownloadProgress

log = logging.getLogger(__name__)

# A status line or notice is a ``Message`` (messages/): the page renders it through
# ``ui.job_view.message_text`` only, the HTTP API does not show it.


# -- events ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Queued:
    """Waiting in the lane's line; 1 = next to run."""

    position: int


@dataclass(frozen=True)
class Status:
    """What the job is doing now (loading a model, asking the Hub for files...)."""

    message: Message


@dataclass(frozen=True)
class Generating:
    """The model is loaded and now writing or drawing: its output follows."""


@dataclass(frozen=True)
class TextDelta:
    """The next piece of a chat answer."""

    text: str


@dataclass(frozen=True)
class Step:
    """An image's denoising progress."""

    i: int  # steps done over the whole request, 1..total
    total: int  # steps x images
    eta: float  # seconds left, from the average step so far
    image: int = 0  # which image (0-based) is being drawn
    image_step: int = 0  # step within that image, 1..steps


@dataclass(frozen=True)
class DownloadStep:
    """A download's progress: bytes, files, speed, time left."""

    progress: DownloadProgress


@dataclass(frozen=True)
class ImageReady:
    """An image is drawn (``image.finished``) or was stopped part way (shown, not saved)."""

    image: Any  # backends' GeneratedImage


@dataclass(frozen=True)
class Notice:
    """Something the user should know about the answer (old messages left out, a setting adjusted)."""

    message: Message


@dataclass(frozen=True)
class Stopping:
    """Cancel was asked for; the job stops at its next check. Always before the job's ending."""


@dataclass(frozen=True)
class Done:
    """The job's ending when it ran: its result (a stopped chat keeps its partial answer here)."""

    result: Any


@dataclass(frozen=True)
class CancelledBeforeStart:
    """The job's ending when it was cancelled while waiting in line: it never ran."""


JobEvent = Union[Queued, Status, Generating, TextDelta, Step, DownloadStep, ImageReady, Notice, Stopping, Done,
                 CancelledBeforeStart]


@dataclass(frozen=True)
class _Failed:
    """The job raised: the last item of its stream, raised again by ``events()`` (never yielded)."""

    error: BaseException


# -- cancel token and job ----------------------------------------------------------------------------------
class CancelToken:
    """Set once by the job's owner; checked by the backend at each token or step.

    ``on_cancel`` runs once, on the first ``cancel()``: a job uses it to put ``Stopping`` into its own
    stream, so that the reader shows "Stopping..." in order, before the ending, never after it (a
    separate reply from the Stop button could arrive after the result).
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


class Job:
    """One unit of work on a lane, owned by one user session or one API request."""

    def __init__(self, fn: Callable[[Job], Any], owner: str, description: str, job_id: str) -> None:
        self.fn = fn
        self.owner = owner
        self.description = description
        self.id = job_id
        self._events: queue.Queue[JobEvent | _Failed] = queue.Queue()
        self.cancel = CancelToken(on_cancel=lambda: self.emit(Stopping()))
        self.result: Any = None  # stays None when it never ran
        self.error: BaseException | None = None
        self.finished = threading.Event()
        self._stop_in_lane: Callable[[Job], None] = lambda job: job.cancel.cancel()  # set by the lane

    def stop(self) -> None:
        """Cancel this job: a waiting one leaves its line at once (ending ``CancelledBeforeStart``),
        a running one stops at its next check (``Stopping`` comes first, then its ending)."""
        self._stop_in_lane(self)

    def emit(self, event: JobEvent) -> None:
        """Called from the lane's thread: hand an event to whoever is reading this job."""
        self._events.put(event)

    def _end(self, ending: Done | CancelledBeforeStart | _Failed) -> None:
        self.finished.set()
        self._events.put(ending)

    def events(self) -> Iterator[JobEvent]:
        """Events until the job ends with ``Done`` or ``CancelledBeforeStart``, or raises its error.

        Closing this iterator early (GeneratorExit) cancels the job.
        """
        ended = False
        try:
            while True:
                event = self._events.get()
                if isinstance(event, _Failed):
                    ended = True
                    raise event.error
                ended = isinstance(event, (Done, CancelledBeforeStart))
                yield event
                if ended:
                    return
        finally:
            if not ended:
                self.stop()

    def wait(self) -> Any:
        """Block until the job ends, discarding its other events: the result, None when it never ran,
        or the job's error raised."""
        for event in self.events():
            if isinstance(event, Done):
                return event.result
        return None


# -- lanes -------------------------------------------------------------------------------------------------
class Lane:
    """A FIFO of jobs run by ``threads`` long-lived threads (1 for the torch lane), with a bounded line."""

    def __init__(self, name: str, max_queue: int = 16, threads: int = 1) -> None:
        self.name = name
        self.max_queue = max_queue
        self.threads = threads
        self._pending: deque[Job] = deque()
        self._running: list[Job] = []
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._workers: list[threading.Thread] = []
        self._stopped = False

    # -- submitting ------------------------------------------------------------------------------------
    def submit(self, fn: Callable[[Job], Any], owner: str = "local", description: str = "") -> Job:
        with self._cond:
            if self._stopped:
                raise Busy("error.worker.shutting_down", "hint.worker.try_again_moment")
            if len(self._pending) >= self.max_queue:
                raise Busy("error.worker.busy", "hint.worker.try_again_minute", count=len(self._pending))
            job = Job(fn, owner, description, f"{self.name}-{next(self._ids)}")
            job._stop_in_lane = self.cancel_job
            self._pending.append(job)
            if len(self._workers) < min(self.threads, len(self._running) + len(self._pending)):
                thread = threading.Thread(target=self._loop, name=f"localai-{self.name}-{len(self._workers) + 1}",
                                          daemon=True)
                self._workers.append(thread)
                thread.start()
            self._announce_positions()
            self._cond.notify_all()
        return job

    def call(self, fn: Callable[[], Any], owner: str = "local", description: str = "") -> Any:
        """Run ``fn`` on this lane and wait for its result (short work: unload, probes)."""
        if self.on_lane_thread():  # already here: waiting for a job behind ourselves would never end
            return fn()
        return self.submit(lambda job: fn(), owner, description).wait()

    # -- inspecting and cancelling ---------------------------------------------------------------------
    def on_lane_thread(self) -> bool:
        """Whether the calling thread is one of this lane's own."""
        return threading.current_thread() in self._workers

    def position(self, job: Job) -> int:
        """0 while running, 1.. while waiting, -1 when finished (or not of this lane)."""
        with self._cond:
            if job in self._running:
                return 0
            try:
                return list(self._pending).index(job) + 1
            except ValueError:
                return -1

    def queue_length(self) -> int:
        with self._cond:
            return len(self._pending)

    def find(self, job_id: str) -> Job | None:
        """A running or waiting job of this lane by its id."""
        with self._cond:
            return next((j for j in (*self._running, *self._pending) if j.id == job_id), None)

    def jobs_of(self, owner: str) -> list[Job]:
        """This owner's running and waiting jobs."""
        with self._cond:
            return [j for j in (*self._running, *self._pending) if j.owner == owner]

    def cancel_job(self, job: Job) -> None:
        """Cancel one job: a waiting one leaves the line at once, a running one stops at its next check."""
        with self._cond:
            job.cancel.cancel()
            if job in self._pending:
                self._pending.remove(job)
                job._end(CancelledBeforeStart())
                self._announce_positions()
            self._cond.notify_all()

    def shutdown(self) -> None:
        with self._cond:
            self._stopped = True
            for job in self._pending:
                job.cancel.cancel()
            self._cond.notify_all()

    # -- the lane's threads ----------------------------------------------------------------------------
    def _announce_positions(self) -> None:
        for i, job in enumerate(self._pending, start=1):
            job.emit(Queued(i))

    def _next_job(self) -> Job | None:
        with self._cond:
            while True:
                for job in [j for j in self._pending if j.cancel.cancelled]:  # they end without running
                    self._pending.remove(job)
                    job._end(CancelledBeforeStart())
                if self._pending:
                    job = self._pending.popleft()
                    self._running.append(job)
                    self._announce_positions()
                    return job
                if self._stopped:
                    return None
                self._cond.wait(timeout=0.5)

    def _loop(self) -> None:
        while (job := self._next_job()) is not None:
            ending: Done | _Failed
            try:
                job.result = job.fn(job)
                ending = Done(job.result)
            except UserError as exc:
                log.info("job %s (%s) failed: %s", job.id, job.description, exc)
                job.error = exc
                ending = _Failed(exc)
            except Exception as exc:  # never let the lane die; the log keeps the traceback
                log.exception("job %s (%s) crashed", job.id, job.description)
                first = first_line(exc)  # a plain line, never a traceback
                job.error = InternalError("error.worker.crashed", "hint.worker.report",
                                          error=f"{type(exc).__name__}: {first}")
                ending = _Failed(job.error)
            with self._cond:
                self._running.remove(job)
            job._end(ending)


@dataclass(frozen=True)
class Lanes:
    """The app's two lanes. Job ids name their lane ("torch-3"), so an id is unique across both."""

    torch: Lane
    network: Lane

    def find(self, job_id: str) -> Job | None:
        return self.torch.find(job_id) or self.network.find(job_id)

    def jobs_of(self, owner: str) -> list[Job]:
        return self.torch.jobs_of(owner) + self.network.jobs_of(owner)

    def shutdown(self) -> None:
        self.torch.shutdown()
        self.network.shutdown()
