"""Cancel is per job, through the page's own handlers: the Chat tab's Stop cancels that chat and
nothing else (not the same browser session's image, not a model load); the Image tab's Cancel leaves
the chat alone; nobody can cancel someone else's job; a closed tab cancels all of its session's jobs.

The handlers are the ones ``build_ui`` wires to the buttons, called as Gradio calls them; the torch
lane is held busy so that every job is still waiting in line when Stop is pressed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from localai.jobs import CancelledBeforeStart, Done, Stopping
from localai.ui.common import owner_of

WAIT = 10.0


@pytest.fixture(scope="module")
def page(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """The app's state with a tiny image model, and the page built on it."""
    from localai.config import parse_settings
    from localai.state import build_state
    from localai.ui import build_ui
    from tests.tiny_pipelines import with_tiny_sd

    tmp = tmp_path_factory.mktemp("tab-cancel")
    models = with_tiny_sd(models_dir, tmp / "models")
    settings = parse_settings(["--models-dir", str(models), "--data-dir", str(tmp / "data"),
                               "--outputs-dir", str(tmp / "outputs"), "--no-browser"], env={})
    state = build_state(settings)
    demo = build_ui(state)
    yield SimpleNamespace(state=state, demo=demo)
    state.lanes.torch.call(state.registry.unload_all)
    state.lanes.shutdown()


def handler(demo: Any, elem_id: str | None, event: str = "click") -> Any:
    """The function wired to ``event`` of the component with ``elem_id`` (None: the page's own events)."""
    ids = {bid for bid, block in demo.blocks.items() if getattr(block, "elem_id", None) == elem_id}
    for fn in demo.fns.values():
        if any((target in ids if elem_id else target is None) and name == event for target, name in fn.targets):
            return fn.fn
    raise LookupError(f"nothing is wired to {event} of #{elem_id}")


def browser(session: str) -> SimpleNamespace:
    """What Gradio passes as ``gr.Request``: no login, one browser session, English."""
    return SimpleNamespace(username=None, session_hash=session, headers={"accept-language": "en"})


def hold_torch_lane(state: Any) -> threading.Event:
    release, started = threading.Event(), threading.Event()

    def block(job: Any) -> None:
        started.set()
        release.wait(30)

    state.lanes.torch.submit(block, owner="test-blocker", description="block")
    assert started.wait(WAIT)
    return release


def start_chat(demo: Any, request: Any) -> Iterator[tuple]:
    send = handler(demo, "chat-send")
    updates = send("Hello there", [], None, "", "tiny-llama", "Be brief.", 0.7, 0.9, 40, 8, 1.1, 1, request=request)
    next(updates)  # the question is on the page, the answer waits in line
    return updates


def start_drawing(demo: Any, request: Any) -> Iterator[tuple]:
    generate = handler(demo, "image-generate")
    updates = generate("tiny-sd", "a red fox", "", 7, 2, 5.0, 64, 64, 1, "Euler", [], [], request=request)
    next(updates)
    return updates


def last_status(updates: Iterator[tuple], index: int) -> str:
    outputs = list(updates)
    return outputs[-1][index]


def test_stop_in_the_chat_tab_cancels_that_chat_and_nothing_else(page: SimpleNamespace) -> None:
    state, demo, alice = page.state, page.demo, browser("alice-tab")
    release = hold_torch_lane(state)
    try:
        drawing = start_drawing(demo, alice)
        load = state.services.load("tiny-qwen2", "text", owner=owner_of(alice))  # from the Models tab
        chat = start_chat(demo, alice)
        handler(demo, "chat-stop")(request=alice)
        assert [j.description for j in state.lanes.jobs_of(owner_of(alice))] == ["images tiny-sd", "load tiny-qwen2"]
    finally:
        release.set()
    assert "Stopped before the answer started." in last_status(chat, 2)
    assert "Done" in last_status(drawing, 1), "the same session's drawing went on"
    assert load.wait().device == "cpu", "the model load went on"


def test_cancel_in_the_image_tab_leaves_the_chat_alone(page: SimpleNamespace) -> None:
    state, demo, alice = page.state, page.demo, browser("alice-tab-2")
    release = hold_torch_lane(state)
    try:
        chat = start_chat(demo, alice)
        drawing = start_drawing(demo, alice)
        handler(demo, "image-cancel")(request=alice)
    finally:
        release.set()
    assert "Cancelled before it started." in last_status(drawing, 1)
    assert "tokens/s" in last_status(chat, 2), "the chat answered"


def test_another_session_cannot_stop_your_chat(page: SimpleNamespace) -> None:
    state, demo, alice, bob = page.state, page.demo, browser("alice-tab-3"), browser("bob-tab")
    release = hold_torch_lane(state)
    try:
        chat = start_chat(demo, alice)
        handler(demo, "chat-stop")(request=bob)  # Bob presses Stop in his own page
        [job] = state.lanes.jobs_of(owner_of(alice))
        assert state.services.cancel(job.id, owner_of(bob)) is False, "a job id alone is not enough"
        assert not job.cancel.cancelled
    finally:
        release.set()
    assert "tokens/s" in last_status(chat, 2)


def test_a_closed_tab_cancels_all_of_its_sessions_jobs(page: SimpleNamespace) -> None:
    state, demo, alice, bob = page.state, page.demo, browser("alice-tab-4"), browser("bob-tab-2")
    release = hold_torch_lane(state)
    try:
        mine = [state.lanes.torch.submit(lambda job: "ran", owner=owner_of(alice)) for _ in range(2)]
        theirs = state.lanes.torch.submit(lambda job: "ran", owner=owner_of(bob))
        handler(demo, None, "unload")(request=alice)  # Alice closed her tab
    finally:
        release.set()
    for job in mine:
        events = list(job.events())
        assert events[-2:] == [Stopping(), CancelledBeforeStart()]
    assert list(theirs.events())[-1] == Done("ran")
