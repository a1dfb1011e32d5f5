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

Jobs may share a **group** (chat requests for one model: ``("chat", name)``). The lane runs the first of them as
usual; from inside it, ``lane.take_group(...)`` hands over the jobs of the same group waiting in line before any
other job, so one runner (the continuous-batching engine) serves them together on the lane's one thread and ends
each with ``lane.finish`` / ``lane.fail``. A job of another group waiting in front stops the joining: the runner
drains, that job runs, nobody is overtaken.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Hashable, Iterator
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
        self._actions: list[Callable[[], None]] = []

    def cancel(self) -> None:
        with self._lock:
            first = not self._event.is_set()
            self._event.set()
            actions, self._actions = self._actions, []
        if first and self._on_cancel is not None:
            self._on_cancel()
        for action in actions:
            action()

    def when_cancelled(self, action: Callable[[], None]) -> Callable[[], None]:
        """Run ``action`` on cancel (at once when cancelled already), e.g. shut a remote server's connection
        down so that a thread waiting on it wakes. Returns a function that forgets it (the work ended)."""
        with self._lock:
            if not self._event.is_set():
                self._actions.append(action)

                def forget() -> None:
                    with self._lock:
                        if action in self._actions:
                            self._actions.remove(action)

                return forget
        action()
        return lambda: None

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


class Job:
    """One unit of work on a lane, owned by one user session or one API request."""

    def __init__(self, fn: Callable[[Job], Any], owner: str, description: str, job_id: str,
                 group: Hashable | None = None, payload: Any = None) -> None:
        self.fn = fn
        self.owner = owner
        self.description = description
        self.id = job_id
        self.group = group  # jobs with an equal group may be served together (see Lane.take_group)
        self.payload = payload  # what a runner of the group serves for this job when it joins
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
    def submit(self, fn: Callable[[Job], Any], owner: str = "local", description: str = "", *,
               group: Hashable | None = None, payload: Any = None) -> Job:
        """Queue ``fn(job)``. Jobs with an equal ``group`` may be served together: a job of the group that is
        running takes the others waiting with ``take_group``, and serves their ``payload`` itself."""
        with self._cond:
            if self._stopped:
                raise Busy("error.worker.shutting_down", "hint.worker.try_again_moment")
            if len(self._pending) >= self.max_queue:
                raise Busy("error.worker.busy", "hint.worker.try_again_minute", count=len(self._pending))
            job = Job(fn, owner, description, f"{self.name}-{next(self._ids)}", group, payload)
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

    # -- serving a group together (from the lane's own thread) -------------------------------------------
    def take_group(self, group: Hashable, limit: int) -> list[Job]:
        """Up to ``limit`` jobs of ``group`` waiting in line before any job of another group: they leave the line
        and count as running; the caller (running a job of that group, on this lane's thread) serves their
        ``payload`` and ends each with ``finish`` or ``fail`` — their ``fn`` is never called. Jobs cancelled while
        waiting end as ``CancelledBeforeStart`` instead of being taken."""
        if group is None:
            raise ValueError("take_group needs a group")
        taken: list[Job] = []
        with self._cond:
            self._drop_cancelled()
            while self._pending and len(taken) < limit and self._pending[0].group == group and not self._stopped:
                job = self._pending.popleft()
                self._running.append(job)
                taken.append(job)
            if taken:
                self._announce_positions()
        return taken

    def waiting_behind(self, group: Hashable) -> bool:
        """Whether the next job in line belongs to another group (a runner of ``group`` should drain and let it
        run rather than keep going)."""
        with self._cond:
            return bool(self._pending) and self._pending[0].group != group

    def finish(self, job: Job, result: Any) -> None:
        """End a running job with its result (``Done``), before or without its ``fn`` returning."""
        self._end_running(job, Done(result))

    def fail(self, job: Job, error: BaseException) -> None:
        """End a running job with an error: a ``UserError`` as it is, anything else as the lane's plain
        "crashed" message (the log keeps the traceback)."""
        self._end_running(job, _Failed(self._as_user_error(job, error)))

    def _end_running(self, job: Job, ending: Done | _Failed) -> None:
        with self._cond:
            if job.finished.is_set():
                return
            if job in self._running:
                self._running.remove(job)
        if isinstance(ending, Done):
            job.result = ending.result
        else:
            job.error = ending.error
        job._end(ending)

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

    def _drop_cancelled(self) -> None:
        """Jobs cancelled while waiting leave the line, ending without running (call holding the lock)."""
        for job in [j for j in self._pending if j.cancel.cancelled]:
            self._pending.remove(job)
            job._end(CancelledBeforeStart())

    def _next_job(self) -> Job | None:
        with self._cond:
            while True:
                self._drop_cancelled()
                if self._pending:
                    job = self._pending.popleft()
                    self._running.append(job)
                    self._announce_positions()
                    return job
                if self._stopped:
                    return None
                self._cond.wait(timeout=0.5)

    @staticmethod
    def _as_user_error(job: Job, exc: BaseException) -> UserError:
        if isinstance(exc, UserError):
            log.info("job %s (%s) failed: %s", job.id, job.description, exc)
            return exc
        log.error("job %s (%s) crashed", job.id, job.description, exc_info=exc)
        # a plain line, never a traceback
        return InternalError("error.worker.crashed", "hint.worker.report",
                             error=f"{type(exc).__name__}: {first_line(exc)}")

    def _loop(self) -> None:
        while (job := self._next_job()) is not None:
            ending: Done | _Failed
            try:
                result = job.fn(job)
                ending = Done(result)
            except Exception as exc:  # never let the lane die; the log keeps the traceback
                ending = _Failed(self._as_user_error(job, exc))
            self._end_running(job, ending)  # nothing more when the job's runner already ended it


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
