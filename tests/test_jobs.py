"""The inference worker: one thread, FIFO, visible queue positions, per-owner cancel.

Jobs here are plain Python functions (no torch); ``threading.Event`` controls timing.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator

import pytest

from localai.errors import Busy, UserError
from localai.jobs import InferenceWorker, Job

WAIT = 2.0  # generous upper bound for anything that should happen "at once"


@pytest.fixture()
def worker() -> Iterator[InferenceWorker]:
    w = InferenceWorker(max_queue=16, name="test-inference")
    yield w
    w.shutdown()


def _blocker(started: threading.Event, release: threading.Event, ran: list | None = None):
    """A job that signals it has started, then waits until released (or cancelled)."""

    def fn(job: Job) -> str:
        if ran is not None:
            ran.append(job.id)
        started.set()
        while not release.wait(0.01):
            if job.cancel.cancelled:
                return "cancelled"
        return "released"

    return fn


def _occupy(worker: InferenceWorker, owner: str = "blocker") -> tuple[Job, threading.Event]:
    """Submit a job that holds the worker until the returned event is set."""
    started, release = threading.Event(), threading.Event()
    job = worker.submit(_blocker(started, release), owner=owner, description="blocker")
    assert started.wait(WAIT), "the worker did not start the first job"
    return job, release


def _kinds(events) -> list[str]:
    return [e.kind for e in events]


def test_jobs_run_in_fifo_order_on_one_worker_thread(worker: InferenceWorker) -> None:
    blocker, release = _occupy(worker)
    order: list[int] = []
    threads: list[int] = []

    def make(i: int):
        def fn(job: Job) -> int:
            order.append(i)
            threads.append(threading.get_ident())
            return i * 10

        return fn

    jobs = [worker.submit(make(i), owner=f"user{i % 2}") for i in range(5)]
    assert [worker.position(j) for j in jobs] == [1, 2, 3, 4, 5]
    release.set()
    assert [j.wait() for j in jobs] == [0, 10, 20, 30, 40]
    assert blocker.wait() == "released"
    assert order == [0, 1, 2, 3, 4]
    assert len(set(threads)) == 1
    assert threads[0] != threading.main_thread().ident
    assert threads[0] != threading.get_ident()
    # A later job (after the worker went idle) still runs on that same thread.
    assert worker.call(threading.get_ident) == threads[0]
    assert worker.position(jobs[0]) == -1


def test_queued_jobs_see_their_position_count_down(worker: InferenceWorker) -> None:
    _, release = _occupy(worker)
    jobs = [worker.submit(lambda job, i=i: i, owner="u") for i in range(3)]
    release.set()
    for start, job in enumerate(jobs, start=1):
        events = list(job.events())
        assert events[-1].kind == "done" and events[-1].data == start - 1
        positions = [e.data for e in events if e.kind == "queued"]
        assert positions[0] == start, positions
        assert positions[-1] == 1, positions
        # Never goes up, and passes through every position on its way to the front.
        assert all(a >= b for a, b in itertools.pairwise(positions)), positions
        assert sorted(set(positions), reverse=True) == list(range(start, 0, -1)), positions
        # Queue events all come before the job's own output.
        assert _kinds(events) == ["queued"] * len(positions) + ["done"]


def test_cancel_owner_cancels_only_that_owners_jobs(worker: InferenceWorker) -> None:
    ran: list[str] = []
    started, release = threading.Event(), threading.Event()
    alice_running = worker.submit(_blocker(started, release), owner="alice")
    assert started.wait(WAIT)
    bob = worker.submit(lambda job: ran.append("bob") or "bob's answer", owner="bob")
    alice_waiting = worker.submit(lambda job: ran.append("alice") or "alice's answer", owner="alice")

    assert worker.cancel_owner("alice") == 2
    assert worker.cancel_owner("nobody") == 0
    assert alice_running.wait() == "cancelled"  # the running job saw its token and stopped
    assert bob.wait() == "bob's answer"
    alice_waiting.wait()
    assert ran == ["bob"]
    assert alice_running.cancel.cancelled and alice_waiting.cancel.cancelled
    assert not bob.cancel.cancelled


def test_stop_shows_in_the_jobs_own_stream_once_and_before_the_result(worker: InferenceWorker) -> None:
    """The page shows "Stopping..." from the job's stream, so it can never land after the final status."""
    job, release = _occupy(worker, owner="alice")
    worker.cancel_owner("alice")
    worker.cancel_owner("alice")  # pressed twice
    job.cancel.cancel()
    events = [e for e in job.events() if e.kind != "queued"]
    assert _kinds(events) == ["stopping", "done"]
    assert events[-1].data == "cancelled"
    release.set()


def test_a_job_nobody_stopped_has_no_stopping_event(worker: InferenceWorker) -> None:
    job = worker.submit(lambda job: job.emit("text", "hi") or "ok", owner="u")
    assert [k for k in _kinds(job.events()) if k != "queued"] == ["text", "done"]


def test_job_cancelled_while_waiting_never_runs(worker: InferenceWorker) -> None:
    _, release = _occupy(worker)
    ran: list[str] = []
    doomed = worker.submit(lambda job: ran.append("doomed"), owner="u")
    after = worker.submit(lambda job: ran.append("after") or "ok", owner="v")
    doomed.cancel.cancel()
    release.set()
    assert after.wait() == "ok"
    assert doomed.finished.wait(WAIT)
    assert ran == ["after"]
    assert worker.position(doomed) == -1
    assert doomed.wait() is None


def test_waiting_job_cancelled_ends_with_done_and_no_output(worker: InferenceWorker) -> None:
    _, release = _occupy(worker)
    doomed = worker.submit(lambda job: job.emit("text", "should not appear") or "ran", owner="u")
    worker.cancel_owner("u")
    release.set()
    events = list(doomed.events())
    assert "text" not in _kinds(events)
    assert events[-1].kind == "done" and events[-1].data is None


def test_cancelled_waiting_job_ends_at_once(worker: InferenceWorker) -> None:
    blocker, release = _occupy(worker)
    waiting = worker.submit(lambda job: "ran", owner="u")
    worker.cancel_owner("u")
    try:
        assert waiting.finished.wait(0.3), "the cancelled waiting job is still queued behind the running one"
        assert worker.queue_length() == 0
    finally:
        release.set()
        blocker.wait()


def test_closing_the_event_iterator_cancels_the_job_and_frees_the_worker(worker: InferenceWorker) -> None:
    steps: list[int] = []
    stopped = threading.Event()

    def talk(job: Job) -> str:
        for i in range(10_000):  # would take minutes if nobody cancelled it
            if job.cancel.cancelled:
                stopped.set()
                return "stopped"
            steps.append(i)
            job.emit("text", f"chunk {i} ")
            threading.Event().wait(0.005)
        return "finished"

    job = worker.submit(talk, owner="tab-1")
    events = job.events()
    for event in events:
        if event.kind == "text":
            break
    events.close()  # the browser tab went away
    assert job.cancel.cancelled
    assert stopped.wait(WAIT), "the job did not stop after its reader left"
    assert len(steps) < 1000
    nxt = worker.submit(lambda j: "next one ran", owner="tab-2")
    assert nxt.wait() == "next one ran"
    assert job.result == "stopped"


def test_closing_the_iterator_of_a_waiting_job_means_it_never_runs(worker: InferenceWorker) -> None:
    _, release = _occupy(worker)
    ran: list[str] = []
    job = worker.submit(lambda j: ran.append("abandoned"), owner="tab")
    events = job.events()
    assert next(events).kind == "queued"
    events.close()
    later = worker.submit(lambda j: ran.append("later") or "ok", owner="other")
    release.set()
    assert later.wait() == "ok"
    assert ran == ["later"]


def test_submit_beyond_max_queue_raises_busy_with_a_plain_message() -> None:
    worker = InferenceWorker(max_queue=2)
    try:
        _, release = _occupy(worker)  # running: does not count as waiting
        waiting = [worker.submit(lambda j, i=i: i) for i in range(2)]
        with pytest.raises(Busy) as info:
            worker.submit(lambda j: "too many")
        err = info.value
        assert isinstance(err, UserError)
        assert "busy" in err.message.lower() and "2" in err.message
        assert err.hint and "try again" in err.hint.lower()
        assert "Traceback" not in str(err) and "\n" not in str(err)
        assert err.status == 503
        release.set()
        assert [j.wait() for j in waiting] == [0, 1]
        # Once the queue has drained, new jobs are accepted again.
        assert worker.call(lambda: "accepted") == "accepted"
    finally:
        worker.shutdown()


def test_unexpected_exception_becomes_a_plain_user_error_and_the_worker_keeps_serving(
        worker: InferenceWorker) -> None:
    def crash(job: Job) -> None:
        job.emit("text", "partial ")
        raise ValueError("tensor shapes do not match")

    failing = worker.submit(crash, owner="u", description="crashy job")
    events: list = []
    with pytest.raises(UserError) as info:
        events.extend(failing.events())
    err = info.value
    assert _kinds(events)[-1] == "text"  # output before the crash still arrived
    assert "tensor shapes do not match" in err.message
    assert "Something went wrong" in err.message
    text = str(err)
    assert "Traceback" not in text and 'File "' not in text and "\n" not in text
    assert failing.error is err
    # Exception text spanning several lines (e.g. one carrying a remote traceback) keeps its first line only.
    def crash_verbose(job: Job) -> None:
        raise RuntimeError('worker died\n"""\nTraceback (most recent call last):\n  File "x.py", line 1')

    with pytest.raises(UserError) as info:
        worker.submit(crash_verbose).wait()
    assert "worker died" in info.value.message
    assert "Traceback" not in str(info.value) and "\n" not in str(info.value)
    # A UserError raised by a job reaches the caller unchanged.
    from localai.errors import InvalidInput

    with pytest.raises(InvalidInput, match="bad size"):
        worker.submit(lambda j: (_ for _ in ()).throw(InvalidInput("bad size"))).wait()
    # The worker thread survived both and serves the next jobs on the same thread.
    ident = worker.call(threading.get_ident)
    assert worker.submit(lambda j: "still serving").wait() == "still serving"
    assert worker.call(threading.get_ident) == ident


def test_shutdown_refuses_new_jobs_with_a_plain_message() -> None:
    worker = InferenceWorker()
    assert worker.call(lambda: 1) == 1
    worker.shutdown()
    with pytest.raises(Busy, match="shutting down"):
        worker.submit(lambda j: None)
