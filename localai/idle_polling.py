"""Keep an idle server idle: slow down Gradio's queue polling while nothing is waiting.

Gradio 6.31 (the newest release) polls its event queue with ``asyncio.sleep(0.001)`` when the
queue is empty and its progress tracker with ``asyncio.sleep(0.01)`` (``gradio/queueing.py``,
``Queue.sleep_when_free`` and ``Queue.progress_update_sleep_when_free``): about 1,100 wake-ups a
second on the server's event loop, measured at ~5% of one core with no page open and no job.
There is no public setting for either; Gradio itself uses 0.05 s and 0.1 s on Windows.

We use 0.02 s and 0.1 s everywhere: a new request waits at most 20 ms before Gradio picks it up
(a chat answer takes seconds), streamed answers are unaffected (they are sent as they come, not
polled), and ``gr.Progress`` bars refresh ten times a second. Idle CPU drops below 0.5% of a core.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

QUEUE_POLL_S = 0.02  # Gradio's default on Linux/macOS: 0.001
PROGRESS_POLL_S = 0.1  # Gradio's default on Linux/macOS: 0.01


def calm_idle_polling(blocks: Any) -> bool:
    """Lengthen the idle sleeps of ``blocks``' queue (call after ``blocks.queue(...)``, before
    ``launch``). Returns False, changing nothing, when this Gradio version has no such settings."""
    queue = getattr(blocks, "_queue", None)
    names = ("sleep_when_free", "progress_update_sleep_when_free")
    if queue is None or not all(isinstance(getattr(queue, n, None), (int, float)) for n in names):
        log.info("this Gradio version has no queue polling settings; idle CPU is Gradio's own")
        return False
    queue.sleep_when_free = max(queue.sleep_when_free, QUEUE_POLL_S)
    queue.progress_update_sleep_when_free = max(queue.progress_update_sleep_when_free, PROGRESS_POLL_S)
    return True
