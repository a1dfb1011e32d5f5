"""The queue polls slowly while idle and quickly while the page is busy (see localai/idle_polling.py)."""

from __future__ import annotations

import asyncio

import gradio as gr

from localai import idle_polling
from localai.idle_polling import calm_idle_polling


def _queued_blocks() -> gr.Blocks:
    with gr.Blocks() as demo:
        gr.Button("x").click(lambda: None)
    demo.queue()
    return demo


class _Body:
    fn_index = None  # Gradio refuses it before touching anything else


def test_an_idle_queue_polls_ten_times_a_second_not_a_thousand():
    demo = _queued_blocks()
    assert demo._queue.sleep_when_free == 0.001  # Gradio's own, on Linux
    assert calm_idle_polling(demo)
    assert demo._queue.sleep_when_free == idle_polling.QUEUE_POLL_IDLE_S
    assert demo._queue.progress_update_sleep_when_free == idle_polling.PROGRESS_POLL_IDLE_S
    demo._queue.sleep_when_free = 0.001  # Gradio writing its value again changes nothing
    assert demo._queue.sleep_when_free == idle_polling.QUEUE_POLL_IDLE_S


def test_after_an_event_the_queue_polls_quickly_then_calms_down(monkeypatch):
    demo = _queued_blocks()
    calm_idle_polling(demo)
    queue = demo._queue
    clock = [1000.0]
    monkeypatch.setattr(idle_polling.time, "monotonic", lambda: clock[0])
    ok, message, _ = asyncio.run(queue.push(_Body(), None, None))  # Gradio's own push still runs
    assert not ok and "function index" in message
    assert queue.sleep_when_free == idle_polling.QUEUE_POLL_BUSY_S  # a click's .then() steps: picked up at once
    assert queue.progress_update_sleep_when_free == idle_polling.PROGRESS_POLL_BUSY_S
    clock[0] += idle_polling.BUSY_WINDOW_S + 0.1
    assert queue.sleep_when_free == idle_polling.QUEUE_POLL_IDLE_S


def test_progress_refreshes_quickly_while_a_job_runs():
    demo = _queued_blocks()
    calm_idle_polling(demo)
    demo._queue.active_jobs = [None, [object()]]
    assert demo._queue.progress_update_sleep_when_free == idle_polling.PROGRESS_POLL_BUSY_S


def test_calming_twice_or_without_a_queue_is_harmless():
    demo = _queued_blocks()
    assert calm_idle_polling(demo) and calm_idle_polling(demo)
    assert type(demo._queue).__mro__[1].__name__ == "Queue"  # not wrapped twice
    with gr.Blocks() as bare:
        gr.Markdown("x")
    bare._queue = None
    assert calm_idle_polling(bare) is False
