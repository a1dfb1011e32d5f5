"""Keep an idle server idle: slow down Gradio's queue polling while nothing is happening.

Gradio 6.31 (the newest release) polls its event queue with ``asyncio.sleep(0.001)`` when the
queue is empty and its progress tracker with ``asyncio.sleep(0.01)`` (``gradio/queueing.py``,
``Queue.sleep_when_free`` and ``Queue.progress_update_sleep_when_free``): about 1,100 wake-ups a
second on the server's event loop, measured at ~5% of one core with no page open and no job.
There is no public setting for either; Gradio itself uses 0.05 s and 0.1 s on Windows. A fixed
0.02 s still measured 1.5% of a core on our 2-core test machine, 0.05 s 0.8%.

So the sleeps follow what the page does. For ``BUSY_WINDOW_S`` after an event arrives the queue is
polled every ``QUEUE_POLL_BUSY_S``: a click's chained steps (``.then``) each arrive as a new event
and are picked up at once. After that, every ``QUEUE_POLL_IDLE_S``: the first click after a quiet
spell waits at most 0.1 s (a chat answer takes seconds). ``gr.Progress`` bars refresh ten times a
second while a job runs, twice a second otherwise. Streamed answers are sent as they come, not
polled. Idle CPU: ~0.4% of a core.
"""

from __future__ import annotations

import logging
import time
from typing import Any

log = logging.getLogger(__name__)

QUEUE_POLL_BUSY_S = 0.005  # Gradio's default on Linux/macOS: 0.001
QUEUE_POLL_IDLE_S = 0.1
BUSY_WINDOW_S = 5.0
PROGRESS_POLL_BUSY_S = 0.1  # Gradio's default on Linux/macOS: 0.01
PROGRESS_POLL_IDLE_S = 0.5

_SETTINGS = ("sleep_when_free", "progress_update_sleep_when_free")


def _calm_queue_class(base: type) -> type:
    """``base`` (Gradio's Queue) whose two poll sleeps are read from what is happening now."""

    class CalmQueue(base):  # type: ignore[valid-type, misc]
        _localai_last_event = float("-inf")

        async def push(self, *args: Any, **kwargs: Any) -> Any:
            self._localai_last_event = time.monotonic()
            return await super().push(*args, **kwargs)

        def _localai_recent(self) -> bool:
            return time.monotonic() - self._localai_last_event < BUSY_WINDOW_S

        @property
        def sleep_when_free(self) -> float:
            return QUEUE_POLL_BUSY_S if self._localai_recent() else QUEUE_POLL_IDLE_S

        @sleep_when_free.setter
        def sleep_when_free(self, value: float) -> None:  # Gradio's own value, set in __init__: ours wins
            pass

        @property
        def progress_update_sleep_when_free(self) -> float:
            running = any(job is not None for job in getattr(self, "active_jobs", ()))
            return PROGRESS_POLL_BUSY_S if running or self._localai_recent() else PROGRESS_POLL_IDLE_S

        @progress_update_sleep_when_free.setter
        def progress_update_sleep_when_free(self, value: float) -> None:
            pass

    CalmQueue.__name__ = CalmQueue.__qualname__ = f"Calm{base.__name__}"
    return CalmQueue


def calm_idle_polling(blocks: Any) -> bool:
    """Make the poll sleeps of ``blocks``' queue follow the traffic (call after ``blocks.queue(...)``,
    before ``launch``). Returns False, changing nothing, when this Gradio version has no such settings."""
    queue = getattr(blocks, "_queue", None)
    if queue is None or not all(isinstance(getattr(queue, n, None), (int, float)) for n in _SETTINGS) \
            or not callable(getattr(queue, "push", None)):
        log.info("this Gradio version has no queue polling settings; idle CPU is Gradio's own")
        return False
    if not type(queue).__name__.startswith("Calm"):
        queue.__class__ = _calm_queue_class(type(queue))
    return True
