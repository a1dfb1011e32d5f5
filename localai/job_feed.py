"""A job's events read without blocking an asyncio server (the HTTP APIs' side of a job).

``JobFeed`` reads ``job.events()`` on a helper thread and hands each typed event to the event loop.
``close()`` (the client left) cancels the job: the helper closes the job's event iterator, and the job
is cancelled at once in case it is still waiting in line (no events come then).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from .jobs import Done, Generating, Job, JobEvent, TextDelta

POLL_S = 0.25  # how often a waiting request checks that its client is still there


class ClientGone(Exception):
    """The client disconnected while its request was waiting or running."""


class _End:
    """The helper thread has read the job's last event."""


class JobFeed:
    def __init__(self, job: Job, cancel: Callable[[], Any]) -> None:
        self.job = job
        self._cancel = cancel
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[JobEvent | BaseException | _End] = asyncio.Queue()
        self._closed = threading.Event()
        self._checked_at = time.monotonic()
        threading.Thread(target=self._pump, name=f"api-{job.id}", daemon=True).start()

    def _pump(self) -> None:
        events = self.job.events()
        try:
            for event in events:
                self._put(event)
                if self._closed.is_set():
                    break
        except BaseException as exc:  # noqa: BLE001 - the job's error, raised again on the loop
            self._put(exc)
        finally:
            events.close()  # an unfinished iterator cancels its job when closed
            self._put(_End())

    def _put(self, item: JobEvent | BaseException | _End) -> None:
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)
        except RuntimeError:  # the server is shutting down
            pass

    async def next(self, request: Any = None) -> JobEvent | None:
        """The next event, or None after the job's ending; raises the job's error. With ``request``,
        checks every POLL_S that the client is still connected and raises ClientGone (job cancelled) if not."""
        while True:
            if request is not None and time.monotonic() - self._checked_at >= POLL_S:
                self._checked_at = time.monotonic()  # checked between events too: they may never pause
                if await request.is_disconnected():
                    self.close()
                    raise ClientGone()
            try:
                item = await asyncio.wait_for(self._queue.get(), POLL_S if request is not None else None)
            except asyncio.TimeoutError:  # not the builtin TimeoutError before Python 3.11
                continue
            if isinstance(item, _End):
                return None
            if isinstance(item, BaseException):
                raise item
            return item

    async def started(self, request: Any = None) -> list[JobEvent]:
        """The events up to the answer's start (``Generating``, its first text, or ``Done``): waiting in line and for
        the model to load before a response begins, so that an error there keeps its HTTP status. The job is
        cancelled when waiting fails (an error, the client gone)."""
        head: list[JobEvent] = []
        try:
            while (event := await self.next(request)) is not None:
                head.append(event)
                if isinstance(event, (Generating, TextDelta, Done)):
                    break
        except BaseException:
            self.close()
            raise
        return head

    async def result(self, request: Any = None, head: Sequence[JobEvent] = ()) -> Any:
        """The job's result (its ``Done``), reading on after ``head`` (events already read); None when it ended
        without one. The feed is closed afterwards."""
        try:
            result = next((e.result for e in head if isinstance(e, Done)), None)
            while result is None and (event := await self.next(request)) is not None:
                result = event.result if isinstance(event, Done) else None
        finally:
            self.close()
        return result

    def close(self) -> None:
        if not self.job.finished.is_set():
            self._closed.set()
            self._cancel()
