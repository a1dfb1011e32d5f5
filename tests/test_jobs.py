"""Lanes and jobs: the torch lane's one thread, FIFO, queue positions per lane, typed events, per-job
cancel, the network lane running beside a busy torch lane.

Jobs here are plain Python functions (no torch); ``threading.Event`` controls timing.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator

import pytest

from localai.errors import Busy, UserError
from localai.jobs import CancelledBeforeStart, Done, Job, Lane, Lanes, Queued, Stopping, TextDelta

WAIT = 2.0  # generous upper bound for anything that should happen "at once"


@pytest.fixture()
def worker() -> Iterator[Lane]:
    w = Lane("torch", max_queue=16)
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


def _occupy(worker: Lane, owner: str = "blocker") -> tuple[Job, threading.Event]:
    """Submit a job that holds the worker until the returned event is set."""
    started, release = threading.Event(), threading.Event()
    job = worker.submit(_blocker(started, release), owner=owner, description="blocker")
    assert started.wait(WAIT), "the worker did not start the first job"
    return job, release


def _kinds(events) -> list[type]:
    return [type(e) for e in events]


def test_jobs_run_in_fifo_order_on_one_worker_thread(worker: Lane) -> None:
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


def test_queued_jobs_see_their_position_count_down(worker: Lane) -> None:
    _, release = _occupy(worker)
    jobs = [worker.submit(lambda job, i=i: i, owner="u") for i in range(3)]
    release.set()
    for start, job in enumerate(jobs, start=1):
        events = list(job.events())
        assert events[-1] == Done(start - 1)
        positions = [e.position for e in events if isinstance(e, Queued)]
        assert positions[0] == start, positions
        assert positions[-1] == 1, positions
        # Never goes up, and passes through every position on its way to the front.
        assert all(a >= b for a, b in itertools.pairwise(positions)), positions
        assert sorted(set(positions), reverse=True) == list(range(start, 0, -1)), positions
        # Queue events all come before the job's own output.
        assert _kinds(events) == [Queued] * len(positions) + [Done]


def test_stopping_one_job_leaves_the_owners_other_jobs_alone(worker: Lane) -> None:
    ran: list[str] = []
    started, release = threading.Event(), threading.Event()
    alice_running = worker.submit(_blocker(started, release), owner="alice")
    assert started.wait(WAIT)
    alice_waiting = worker.submit(lambda job: ran.append("alice") or "alice's answer", owner="alice")
    bob = worker.submit(lambda job: ran.append("bob") or "bob's answer", owner="bob")
    assert [j.id for j in worker.jobs_of("alice")] == [alice_running.id, alice_waiting.id]

    alice_running.stop()
    assert alice_running.wait() == "cancelled"  # the running job saw its token and stopped
    assert alice_waiting.wait() == "alice's answer" and bob.wait() == "bob's answer"
    assert ran == ["alice", "bob"]
    assert not alice_waiting.cancel.cancelled and not bob.cancel.cancelled
    assert worker.jobs_of("alice") == [] and worker.find(alice_running.id) is None


def test_stop_shows_in_the_jobs_own_stream_once_and_before_the_result(worker: Lane) -> None:
    """The page shows "Stopping..." from the job's stream, so it can never land after the final status."""
    job, release = _occupy(worker, owner="alice")
    job.stop()
    job.stop()  # pressed twice
    job.cancel.cancel()
    events = [e for e in job.events() if not isinstance(e, Queued)]
    assert events == [Stopping(), Done("cancelled")]
    release.set()


def test_a_job_nobody_stopped_has_no_stopping_event(worker: Lane) -> None:
    job = worker.submit(lambda job: job.emit(TextDelta("hi")) or "ok", owner="u")
    assert [e for e in job.events() if not isinstance(e, Queued)] == [TextDelta("hi"), Done("ok")]


def test_job_cancelled_while_waiting_never_runs(worker: Lane) -> None:
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
    assert doomed.wait() is None and doomed.result is None


def test_waiting_job_cancelled_ends_with_its_own_ending_and_no_output(worker: Lane) -> None:
    _, release = _occupy(worker)
    doomed = worker.submit(lambda job: job.emit(TextDelta("should not appear")) or "ran", owner="u")
    doomed.stop()
    release.set()
    events = list(doomed.events())
    assert TextDelta not in _kinds(events) and Done not in _kinds(events)
    assert events[-2:] == [Stopping(), CancelledBeforeStart()], "Stopping first, then the typed ending"


def test_cancelled_waiting_job_ends_at_once(worker: Lane) -> None:
    blocker, release = _occupy(worker)
    waiting = worker.submit(lambda job: "ran", owner="u")
    waiting.stop()
    try:
        assert waiting.finished.wait(0.3), "the cancelled waiting job is still queued behind the running one"
        assert worker.queue_length() == 0
    finally:
        release.set()
        blocker.wait()


def test_closing_the_event_iterator_cancels_the_job_and_frees_the_worker(worker: Lane) -> None:
    steps: list[int] = []
    stopped = threading.Event()

    def talk(job: Job) -> str:
        for i in range(10_000):  # would take minutes if nobody cancelled it
            if job.cancel.cancelled:
                stopped.set()
                return "stopped"
            steps.append(i)
            job.emit(TextDelta(f"chunk {i} "))
            threading.Event().wait(0.005)
        return "finished"

    job = worker.submit(talk, owner="tab-1")
    events = job.events()
    for event in events:
        if isinstance(event, TextDelta):
            break
    events.close()  # the browser tab went away
    assert job.cancel.cancelled
    assert stopped.wait(WAIT), "the job did not stop after its reader left"
    assert len(steps) < 1000
    nxt = worker.submit(lambda j: "next one ran", owner="tab-2")
    assert nxt.wait() == "next one ran"
    assert job.result == "stopped"


def test_closing_the_iterator_of_a_waiting_job_means_it_never_runs(worker: Lane) -> None:
    _, release = _occupy(worker)
    ran: list[str] = []
    job = worker.submit(lambda j: ran.append("abandoned"), owner="tab")
    events = job.events()
    assert next(events) == Queued(1)
    events.close()
    later = worker.submit(lambda j: ran.append("later") or "ok", owner="other")
    release.set()
    assert later.wait() == "ok"
    assert ran == ["later"]


def test_submit_beyond_max_queue_raises_busy_with_a_plain_message() -> None:
    worker = Lane("torch", max_queue=2)
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
        worker: Lane) -> None:
    def crash(job: Job) -> None:
        job.emit(TextDelta("partial "))
        raise ValueError("tensor shapes do not match")

    failing = worker.submit(crash, owner="u", description="crashy job")
    events: list = []
    with pytest.raises(UserError) as info:
        events.extend(failing.events())
    err = info.value
    assert events[-1] == TextDelta("partial ")  # output before the crash still arrived
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
    worker = Lane("torch")
    assert worker.call(lambda: 1) == 1
    worker.shutdown()
    with pytest.raises(Busy, match="shutting down"):
        worker.submit(lambda j: None)


# -- lanes -------------------------------------------------------------------------------------------------
@pytest.fixture()
def lanes() -> Iterator[Lanes]:
    both = Lanes(torch=Lane("torch", max_queue=16), network=Lane("network", max_queue=8, threads=4))
    yield both
    both.shutdown()


def test_a_network_job_runs_while_the_torch_lane_is_busy(lanes: Lanes) -> None:
    blocker, release = _occupy(lanes.torch)
    try:
        waiting_for_torch = lanes.torch.submit(lambda job: "torch answer", owner="u")
        download = lanes.network.submit(lambda job: "downloaded", owner="u")
        assert download.finished.wait(WAIT), "a download waits behind a local image"
        assert download.wait() == "downloaded"
        assert lanes.torch.position(waiting_for_torch) == 1
    finally:
        release.set()
    assert waiting_for_torch.wait() == "torch answer"
    assert blocker.wait() == "released"


def test_network_jobs_run_at_once_beside_each_other(lanes: Lanes) -> None:
    started = [threading.Event() for _ in range(3)]
    release = threading.Event()
    jobs = [lanes.network.submit(_blocker(s, release), owner=f"u{i}") for i, s in enumerate(started)]
    try:
        assert all(s.wait(WAIT) for s in started), "network jobs run concurrently"
        assert [lanes.network.position(j) for j in jobs] == [0, 0, 0]
    finally:
        release.set()
    assert [j.wait() for j in jobs] == ["released"] * 3


def test_queue_positions_are_per_lane(lanes: Lanes) -> None:
    _, release_torch = _occupy(lanes.torch)
    network = Lane("network", max_queue=8, threads=1)  # one at a time, so jobs wait in its line
    _, release_network = _occupy(network)
    try:
        torch_jobs = [lanes.torch.submit(lambda job: "t", owner="u") for _ in range(3)]
        download = network.submit(lambda job: "d", owner="u")
        assert [lanes.torch.position(j) for j in torch_jobs] == [1, 2, 3]
        assert network.position(download) == 1, "the torch lane's line does not push a download back"
        release_network.set()
        events = list(download.events())
        assert [e for e in events if isinstance(e, Queued)] == [Queued(1)] and events[-1] == Done("d")
    finally:
        release_torch.set()
        release_network.set()
        network.shutdown()
    assert [j.wait() for j in torch_jobs] == ["t"] * 3


def test_job_ids_are_unique_across_lanes_and_found_by_id(lanes: Lanes) -> None:
    blocker, release = _occupy(lanes.torch, owner="alice")
    try:
        download = lanes.network.submit(lambda job: threading.Event().wait(0.2) and "d", owner="alice")
        assert blocker.id != download.id
        assert lanes.find(blocker.id) is blocker and lanes.find(download.id) is download
        assert {j.id for j in lanes.jobs_of("alice")} == {blocker.id, download.id}
        assert lanes.jobs_of("bob") == []
    finally:
        release.set()
    assert blocker.wait() == "released"
    download.wait()
    assert lanes.find(blocker.id) is None, "an ended job is no longer found"


def test_a_lane_job_calling_its_own_lane_does_not_wait_for_itself(worker: Lane) -> None:
    assert worker.submit(lambda job: worker.call(lambda: "inner")).wait() == "inner"


# -- groups: jobs served together by one runner (continuous batching) --------------------------------------
def _group_runner(worker: Lane, served: list, gate: threading.Event, limit: int = 8):
    """A job fn that serves its group: it ends itself, then keeps taking the waiting jobs of its group and
    ends each with its payload doubled, until none is left (``gate`` holds it until the test queued the others)."""

    def fn(job: Job) -> str:
        assert gate.wait(WAIT)
        worker.finish(job, ("first", job.payload))
        while joined := worker.take_group(job.group, limit):
            for other in joined:
                served.append(other.payload)
                worker.finish(other, other.payload * 2)
        return "ignored: the job already ended"

    return fn


def test_a_group_runner_serves_the_jobs_of_its_group_waiting_in_line(worker: Lane) -> None:
    gate, served, called = threading.Event(), [], []
    first = worker.submit(_group_runner(worker, served, gate), group=("chat", "m"), payload=0)
    others = [worker.submit(lambda job: called.append(job.id), group=("chat", "m"), payload=i) for i in (1, 2, 3)]
    gate.set()
    assert first.wait() == ("first", 0)  # the runner's result, not what fn returned
    assert [j.wait() for j in others] == [2, 4, 6]
    assert served == [1, 2, 3] and called == []  # joined jobs are served, their fn never runs
    assert worker.queue_length() == 0


def test_a_job_of_another_group_in_front_is_not_overtaken(worker: Lane) -> None:
    gate, served, order = threading.Event(), [], []
    first = worker.submit(_group_runner(worker, served, gate), group=("chat", "m"), payload=0)
    early = worker.submit(lambda job: None, group=("chat", "m"), payload=1)
    image = worker.submit(lambda job: order.append(("image", list(served))), description="image")
    late = worker.submit(_group_runner(worker, served, threading.Event()), group=("chat", "m"), payload=5)
    late_gate_free = worker.submit(lambda job: order.append("after"), group=("chat", "m"), payload=7)
    gate.set()
    first.wait()
    assert early.wait() == 2
    image.wait()
    assert order[0] == ("image", [1])  # the image ran once the early chat was served, before the late ones
    # the late runner's own gate is never set: it times out in its assert -> its job fails, the lane lives on
    with pytest.raises(UserError):
        late.wait()
    late_gate_free.wait()
    assert order[-1] == "after"


def test_take_group_respects_its_limit_and_announces_positions(worker: Lane) -> None:
    taken: list[list[int]] = []
    gate = threading.Event()
    waiting: list[Job] = []
    announced: list[int] = []

    def runner(job: Job) -> None:
        assert gate.wait(WAIT)
        while batch := worker.take_group(job.group, 2):
            taken.append([j.payload for j in batch])
            if len(taken) == 1:  # jobs 1 and 2 joined: job 3 is next in line now, and was told so
                announced.extend(e.position for e in _drain_queued(waiting[2]))
            for j in batch:
                worker.finish(j, None)

    worker.submit(runner, group="g", payload=0)
    waiting.extend(worker.submit(lambda job: None, group="g", payload=i) for i in range(1, 6))
    gate.set()
    for j in waiting:
        j.wait()
    assert taken == [[1, 2], [3, 4], [5]]
    assert announced[-1] == 1 and announced[0] > 1


def _drain_queued(job: Job) -> list[Queued]:
    """The Queued events already in a job's stream (without waiting for more)."""
    out = []
    while not job._events.empty():
        event = job._events.get_nowait()
        if isinstance(event, Queued):
            out.append(event)
    return out


def test_jobs_cancelled_while_waiting_are_not_taken(worker: Lane) -> None:
    gate, served = threading.Event(), []
    first = worker.submit(_group_runner(worker, served, gate), group="g", payload=0)
    keep = worker.submit(lambda job: None, group="g", payload=1)
    gone = worker.submit(lambda job: None, group="g", payload=2)
    gone.stop()
    gate.set()
    first.wait()
    assert keep.wait() == 2
    assert _kinds(gone.events()) == [CancelledBeforeStart] or gone.finished.is_set()
    assert served == [1]


def test_a_runner_fails_one_joined_job_and_ends_the_others(worker: Lane) -> None:
    gate = threading.Event()

    def runner(job: Job) -> None:
        assert gate.wait(WAIT)
        worker.finish(job, "ok")
        for j in worker.take_group(job.group, 8):
            if j.payload == "bad":
                worker.fail(j, UserError("error.worker.busy", "hint.worker.try_again_minute", count=1))
            elif j.payload == "crash":
                worker.fail(j, RuntimeError("boom\nTraceback (most recent call last): secret"))
            else:
                worker.finish(j, j.payload)

    worker.submit(runner, group="g")
    bad = worker.submit(lambda job: None, group="g", payload="bad")
    crash = worker.submit(lambda job: None, group="g", payload="crash")
    fine = worker.submit(lambda job: None, group="g", payload="fine")
    gate.set()
    with pytest.raises(UserError) as refused:
        bad.wait()
    assert refused.value.key == "error.worker.busy"
    with pytest.raises(UserError) as crashed:
        crash.wait()
    assert "boom" in str(crashed.value) and "Traceback" not in str(crashed.value)
    assert fine.wait() == "fine"


def test_cancelling_a_joined_job_reaches_its_runner(worker: Lane) -> None:
    gate, joined_ev, stopped = threading.Event(), threading.Event(), []

    def runner(job: Job) -> None:
        assert gate.wait(WAIT)
        worker.finish(job, None)
        (other,) = worker.take_group(job.group, 8)
        joined_ev.set()
        while not other.cancel.cancelled:
            threading.Event().wait(0.01)
        stopped.append(other.id)
        worker.finish(other, "partial")

    worker.submit(runner, group="g")
    other = worker.submit(lambda job: None, group="g", owner="alice")
    gate.set()
    assert joined_ev.wait(WAIT)
    assert worker.position(other) == 0  # running
    other.stop()
    events = list(other.events())
    assert _kinds(events)[-2:] == [Stopping, Done] and events[-1].result == "partial"
    assert stopped == [other.id]
