"""One request must not freeze everyone (issue 11, item 2): trimming a long conversation to the context.

Before: the oldest message was dropped one at a time, re-rendering and re-tokenizing the whole
conversation each time: 1,000 messages took 4 s, 10,000 more than 300 s on the one torch thread,
and a client that went away did not stop it. Now each message is tokenized once and the cut is
found with a handful of renders near it; the job's cancel token is checked while the prompt is
prepared. The tiny tokenizer and template (tests/tiny_models.py) are real ones: what is measured
here is their work.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from localai.backends.prompting import build_prompt, find_adaptation, normalize_messages, render
from localai.errors import Cancelled
from localai.jobs import CancelToken, Done, TextDelta
from localai.options import ChatOptions
from tests.tiny_models import GEMMA_STYLE_TEMPLATE, build_tokenizer

CONTEXT, MAX_NEW = 2048, 256


@pytest.fixture(scope="module")
def chatml() -> Any:
    return build_tokenizer(with_chat_template=True)


@pytest.fixture(scope="module")
def plain() -> Any:
    return build_tokenizer(with_chat_template=False)  # the "User: ... Assistant:" fallback transcript


@pytest.fixture(scope="module")
def gemma_style() -> Any:
    tokenizer = build_tokenizer(with_chat_template=True)
    tokenizer.chat_template = GEMMA_STYLE_TEMPLATE  # no system role, turns must alternate
    return tokenizer


def conversation(turns: int, system: str | None = "SYSTEM-RULES stay.", seed: int = 0) -> list[dict[str, str]]:
    rng = random.Random(seed)
    words = "the quick brown fox jumps over a lazy dog near seven stars".split()
    msgs = [{"role": "system", "content": system}] if system else []
    for i in range(turns):
        question = " ".join(rng.choices(words, k=rng.randrange(1, 30)))
        answer = " ".join(rng.choices(words, k=rng.randrange(1, 60)))
        msgs += [{"role": "user", "content": f"Question {i}: {question}"},
                 {"role": "assistant", "content": f"Answer {i}: {answer}"}]
    msgs.append({"role": "user", "content": "LAST-QUESTION?"})
    return msgs


def dropping_one_at_a_time(tokenizer: Any, messages: list[dict], context: int, max_new: int) -> tuple[int, str]:
    """What trimming did before the fix (the reference for what is kept): (messages dropped, prompt text)."""
    msgs = normalize_messages(messages)
    adapt = find_adaptation(tokenizer, msgs)
    budget = context - min(max_new, context // 2)
    system = [m for m in msgs[:1] if m["role"] == "system"]
    turns, dropped = msgs[len(system):], 0
    while True:
        text = render(tokenizer, system + turns, adapt)[0]
        if len(tokenizer(text, add_special_tokens=False)["input_ids"]) <= budget or len(turns) <= 1:
            return dropped, text
        turns, dropped = turns[1:], dropped + 1
        while len(turns) > 1 and turns[0]["role"] != "user":
            turns, dropped = turns[1:], dropped + 1


def counting(tokenizer: Any, on_call: Callable[[], None] = lambda: None) -> tuple[Callable[[str], int], list[int]]:
    """A ``count_tokens`` that records how many characters it tokenized, call by call."""
    seen: list[int] = []

    def count(text: str) -> int:
        seen.append(len(text))
        on_call()
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    return count, seen


# -- linear time ---------------------------------------------------------------------------------------------
def test_ten_thousand_messages_are_trimmed_in_well_under_a_second_or_two(chatml):
    history = conversation(5000)  # 10,002 messages
    started = time.perf_counter()
    prompt = build_prompt(chatml, history, CONTEXT, MAX_NEW)
    seconds = time.perf_counter() - started
    assert seconds < 3, f"trimming 10,000 messages took {seconds:.1f} s (it took minutes before the fix)"
    assert prompt.dropped > 9000
    assert prompt.messages[0]["content"] == "SYSTEM-RULES stay.", "the system prompt is kept"
    assert prompt.messages[1]["role"] == "user", "never an answer without its question"
    assert prompt.messages[-1]["content"] == "LAST-QUESTION?"
    assert len(chatml(prompt.text, add_special_tokens=False)["input_ids"]) <= CONTEXT - MAX_NEW


def test_each_message_is_tokenized_about_once_not_once_per_dropped_message(chatml):
    history = conversation(1000)
    count, seen = counting(chatml)
    prompt = build_prompt(chatml, history, CONTEXT, MAX_NEW, count_tokens=count)
    text_size = sum(len(m["content"]) for m in history)
    assert prompt.dropped > 900
    # Before the fix: ~900 renders of the whole conversation, ~450x its size. Now: each message once, plus a
    # few prompts about one context long.
    assert sum(seen) < 2 * text_size, f"tokenized {sum(seen) / text_size:.1f}x the conversation"


@pytest.mark.parametrize("turns", [0, 1, 5, 40, 120, 400])
@pytest.mark.parametrize("shape", ["chatml", "fallback", "gemma-style", "no-system", "runs-of-one-role"])
def test_the_same_messages_are_kept_as_when_dropping_one_at_a_time(chatml, plain, gemma_style, turns, shape):
    tokenizer = {"fallback": plain, "gemma-style": gemma_style}.get(shape, chatml)
    history = conversation(turns, system=None if shape == "no-system" else "Be brief.", seed=turns)
    if shape == "runs-of-one-role":  # two questions in a row, an answer first: cuts only before a question
        history[1:1] = [{"role": "assistant", "content": "Hello! " * 20}]
        for i in range(3, len(history) - 1, 7):
            history[i] = {"role": "user", "content": history[i]["content"]}
    context, max_new = 512, 64
    want_dropped, want_text = dropping_one_at_a_time(tokenizer, history, context, max_new)
    prompt = build_prompt(tokenizer, history, context, max_new)
    assert (prompt.dropped, prompt.text) == (want_dropped, want_text)


# -- cancel while the prompt is prepared -------------------------------------------------------------------
def test_a_cancelled_job_stops_preparing_its_prompt(chatml):
    cancel = CancelToken()
    count, seen = counting(chatml, on_call=cancel.cancel)  # cancelled as soon as the work has begun
    with pytest.raises(Cancelled):
        build_prompt(chatml, conversation(5000), CONTEXT, MAX_NEW, count_tokens=count, cancel=cancel)
    assert len(seen) <= 256, f"{len(seen)} texts were still tokenized after the cancel"


def test_a_job_cancelled_before_preparing_does_no_tokenizing(chatml):
    cancel = CancelToken()
    cancel.cancel()
    count, seen = counting(chatml)
    with pytest.raises(Cancelled):
        build_prompt(chatml, conversation(10), CONTEXT, MAX_NEW, count_tokens=count, cancel=cancel)
    assert seen == []


class SlowTokenizer:
    """The model's tokenizer, taking ``delay`` seconds per call: prompt preparation that lasts."""

    def __init__(self, tokenizer: Any, delay: float) -> None:
        self._tokenizer, self.delay, self.calls, self.started = tokenizer, delay, 0, threading.Event()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        self.started.set()
        time.sleep(self.delay)
        return self._tokenizer(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tokenizer, name)


@pytest.fixture()
def slow_llama(state) -> Iterator[SlowTokenizer]:
    """tiny-llama loaded, its tokenizer slowed to 0.1 s per call."""
    backend = state.lanes.torch.call(lambda: state.registry.ensure_loaded(state.registry.resolve("tiny-llama", "text")))
    real = backend.tokenizer
    slow = SlowTokenizer(real, 0.1)
    backend.tokenizer = slow
    yield slow
    backend.tokenizer = real


def test_stop_while_the_prompt_is_prepared_ends_the_chat_at_once(state, slow_llama):
    history = conversation(1000)  # ~8 tokenizer calls for the messages alone: about a second, slowed
    job = state.services.chat("tiny-llama", history, ChatOptions(max_new_tokens=8))
    assert slow_llama.started.wait(10)
    job.cancel.cancel()
    stopped_at = time.perf_counter()
    events = list(job.events())
    assert time.perf_counter() - stopped_at < 0.5, "the preparation stopped at the next check"
    assert not any(isinstance(e, TextDelta) for e in events)
    result = next(e.result for e in events if isinstance(e, Done))
    assert result.finish_reason == "cancelled" and result.text == ""
    answer = state.services.chat("tiny-llama", conversation(1), ChatOptions(max_new_tokens=3)).wait()
    assert answer.completion_tokens == 3, "the torch lane serves the next request"


def test_a_client_that_leaves_while_its_prompt_is_prepared_stops_it(state, slow_llama):
    from fastapi import FastAPI

    from localai.api import mount_api
    from localai.auth import ApiKey
    from tests.app_process import serve_in_thread

    app = FastAPI()
    mount_api(app, state.services, ApiKey(None, False))
    url, server, thread = serve_in_thread(app)
    try:
        body = {"model": "tiny-llama", "messages": conversation(1000), "max_tokens": 8, "stream": True}
        with pytest.raises(httpx.ReadTimeout):  # the client gives up and closes its connection
            httpx.post(url + "/chat/completions", json=body, timeout=httpx.Timeout(30, read=0.5))
        assert slow_llama.started.is_set()
        left_at = time.perf_counter()
        state.lanes.torch.call(lambda: None)  # waits behind the chat job, if it still runs
        assert time.perf_counter() - left_at < 2, "the torch lane is free again soon after the client left"
        calls = slow_llama.calls
        time.sleep(0.5)
        assert slow_llama.calls == calls, "nothing more is tokenized for a client that left"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_the_messages_left_out_are_still_reported(state):
    job = state.services.chat("tiny-llama", conversation(300), ChatOptions(max_new_tokens=4))
    result = job.wait()
    assert result.dropped_messages > 0 and result.completion_tokens == 4


@pytest.fixture()
def settings(models_dir: Path, tmp_path: Path):
    from localai.config import parse_settings

    return parse_settings(["--models-dir", str(models_dir), "--data-dir", str(tmp_path / "data"),
                           "--outputs-dir", str(tmp_path / "outputs"), "--no-browser", "--offline"], env={})
