"""Several chats through services at once: they decode together on the torch lane (tiny models).

What stays as it was with one chat at a time: queue positions, "busy", per-user cancel, and a job of
another kind waiting in front is never overtaken (the batch drains, that job runs, then the next chats).
"""

from __future__ import annotations

import threading
import time

import pytest

from localai.errors import Busy
from localai.jobs import CancelledBeforeStart, Done, Generating, Queued, Status, TextDelta
from localai.messages import render
from localai.options import ChatOptions

GREEDY = ChatOptions(temperature=0.0, repetition_penalty=1.0, max_new_tokens=40)
QUESTIONS = ["Hello there, how are you?", "Tell me about Python.", "Write a short story about a fox."]


def ask(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def collect(job, log: list, name: str) -> dict:
    """Read a job's events in a thread, noting (time, name, event kind) in ``log``."""
    out: dict = {"chunks": [], "queued": [], "error": None, "result": None, "ending": None}

    def read() -> None:
        try:
            for event in job.events():
                if isinstance(event, TextDelta):
                    out["chunks"].append(event.text)
                    if len(out["chunks"]) == 1:
                        log.append((time.perf_counter(), name, "first text"))
                elif isinstance(event, Queued):
                    out["queued"].append(event.position)
                elif isinstance(event, Generating):
                    log.append((time.perf_counter(), name, "generating"))
                elif isinstance(event, (Done, CancelledBeforeStart)):
                    out["ending"] = event
                    out["result"] = getattr(event, "result", None)
                    log.append((time.perf_counter(), name, "end"))
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            out["error"] = exc

    out["thread"] = threading.Thread(target=read, daemon=True)
    out["thread"].start()
    return out


def wait_all(*outs: dict) -> None:
    for out in outs:
        out["thread"].join(timeout=60)
        assert not out["thread"].is_alive()


def alone(state, question: str, options: ChatOptions = GREEDY) -> str:
    return state.services.chat("tiny-llama", ask(question), options).wait().text


def engine_of(state):
    return state.registry.get_loaded(state.registry.resolve("tiny-llama", "text")).engine


def test_chats_for_one_model_decode_together_with_their_own_answers(state):
    references = [alone(state, q) for q in QUESTIONS]
    log: list = []
    outs = [collect(state.services.chat("tiny-llama", ask(q), GREEDY, owner=f"user{i}"), log, f"chat{i}")
            for i, q in enumerate(QUESTIONS)]
    wait_all(*outs)
    assert [o["result"].text for o in outs] == references, "greedy answers are the same batched and alone"
    ends = [t for t, _, kind in log if kind == "end"]
    firsts = [t for t, _, kind in log if kind == "first text"]
    assert max(firsts) < min(ends), "every chat was writing before any of them ended: they decoded together"


def test_a_follow_up_through_services_starts_from_the_cache(state):
    story = " ".join(["The quick brown fox jumps over the lazy dog near the river bank."] * 13)
    first = ask(f"Remember this: {story}")
    answer = state.services.chat("tiny-llama", first, GREEDY).wait()
    follow_up = [*first, {"role": "assistant", "content": answer.text}, {"role": "user", "content": "And then?"}]
    result = state.services.chat("tiny-llama", follow_up, GREEDY).wait()
    assert result.cached_tokens >= answer.prompt_tokens - engine_of(state).size.page_tokens


def test_a_job_of_another_kind_waiting_in_front_is_not_overtaken(state):
    alone(state, "warm up")
    log: list = []
    lane = state.lanes.torch
    first = state.services.chat("tiny-llama", ask(QUESTIONS[0]), ChatOptions(temperature=0.0, max_new_tokens=120),
                                owner="alice")
    running = collect(first, log, "running")
    while not running["chunks"]:
        time.sleep(0.005)
    seen: dict = {}
    jobs: dict = {}

    def image(job) -> None:  # what an image job sees when its turn comes
        seen.update(chat_in_front_ended=first.finished.is_set(), chat_behind_position=lane.position(jobs["behind"]))

    other = lane.submit(image, "carol", "images")
    jobs["behind"] = state.services.chat("tiny-llama", ask(QUESTIONS[1]), GREEDY, owner="bob")
    behind = collect(jobs["behind"], log, "behind")
    wait_all(running, behind)
    other.wait()
    assert seen == {"chat_in_front_ended": True, "chat_behind_position": 1}, "the batch drained, nobody overtook"
    assert behind["queued"] and behind["queued"][0] == 2, "it saw its place in line behind the other job"
    assert behind["result"].completion_tokens == GREEDY.max_new_tokens


def test_cancel_is_per_user_and_per_request_inside_a_batch(state):
    reference = alone(state, QUESTIONS[1], ChatOptions(temperature=0.0, repetition_penalty=1.0, max_new_tokens=80))
    log: list = []
    long = ChatOptions(temperature=0.0, repetition_penalty=1.0, max_new_tokens=80)
    alice = state.services.chat("tiny-llama", ask(QUESTIONS[0]), long, owner="alice")
    bob = state.services.chat("tiny-llama", ask(QUESTIONS[1]), long, owner="bob")
    a, b = collect(alice, log, "alice"), collect(bob, log, "bob")
    while len(a["chunks"]) < 3 or len(b["chunks"]) < 3:
        time.sleep(0.005)
    assert state.services.cancel(bob.id, "alice") is False, "nobody cancels someone else's request"
    assert state.services.cancel(alice.id, "alice") is True
    wait_all(a, b)
    assert a["result"].finish_reason == "cancelled" and a["result"].completion_tokens < 80
    assert b["result"].finish_reason == "length" and b["result"].text == reference, "the other request is untouched"


def test_a_waiting_chat_is_cancelled_before_it_starts_and_the_line_stays_bounded(state):
    alone(state, "warm up")
    gate = threading.Event()
    blocker = state.lanes.torch.submit(lambda job: gate.wait(10), "carol", "images")
    while state.lanes.torch.position(blocker) != 0:
        time.sleep(0.005)
    waiting = state.services.chat("tiny-llama", ask(QUESTIONS[0]), GREEDY, owner="bob")
    assert state.lanes.torch.position(waiting) == 1
    fillers = []
    try:
        with pytest.raises(Busy):
            for _ in range(state.lanes.torch.max_queue + 1):
                fillers.append(state.services.chat("tiny-llama", ask("hi"), GREEDY, owner="dave"))
        assert state.services.cancel(waiting.id, "bob") is True
        assert waiting.wait() is None, "cancelled while waiting: it never ran"
    finally:
        for job in fillers:
            job.stop()
        gate.set()
        blocker.wait()


def test_the_status_line_says_when_a_model_answers_one_at_a_time(state, monkeypatch):
    from localai.engine import batch_runner

    def refuse(*args, **kwargs):
        raise batch_runner.BatchingUnavailable("TypeError: unexpected keyword")

    monkeypatch.setattr(batch_runner.BatchRunner, "__init__", refuse)
    job = state.services.chat("tiny-llama", ask("Hello"), GREEDY)
    statuses = []
    result = None
    for event in job.events():
        if isinstance(event, Status):
            statuses.append(render(event.message, "en"))
        elif isinstance(event, Done):
            result = event.result
    assert any("one request at a time" in line for line in statuses), statuses
    assert result.completion_tokens == GREEDY.max_new_tokens
