"""Chat through services (the path the UI and the API use) on two tiny architectures."""

from __future__ import annotations

import threading

import pytest

from localai.backends.prompting import build_prompt
from localai.backends.transformers_chat import _Stream
from localai.options import ChatOptions
from localai.errors import InvalidInput, OutOfMemory
from localai.jobs import Done, Notice, Status, TextDelta
from localai.messages import render

MODELS = ["tiny-llama", "tiny-qwen2"]  # with and without a chat template


def run(job):
    """Collect a job's events: (text chunks, other events, result)."""
    chunks, others, result = [], [], None
    for event in job.events():
        if isinstance(event, TextDelta):
            chunks.append(event.text)
        elif isinstance(event, Done):
            result = event.result
        else:
            others.append(event)
    return chunks, others, result


def ask(text: str, system: str = "You are helpful.") -> list[dict]:
    return [{"role": "system", "content": system}, {"role": "user", "content": text}]


@pytest.mark.parametrize("model", MODELS)
def test_answer_streams_in_many_chunks(state, model):
    chunks, others, result = run(state.services.chat(model, ask("Hello there"), ChatOptions(max_new_tokens=40, seed=1)))
    assert len(chunks) >= 5, "the answer should arrive piece by piece"
    assert "".join(chunks) == result.text
    assert result.completion_tokens == 40 and result.finish_reason == "length"
    assert result.tokens_per_second > 0 and result.plan.device == "cpu"
    statuses = [render(e.message, "en") for e in others if isinstance(e, Status)]
    assert any("Loading" in s for s in statuses), "first use shows loading progress"


@pytest.mark.parametrize("model", MODELS)
def test_stop_ends_within_a_few_tokens_and_keeps_partial_answer(state, model):
    job = state.services.chat(model, ask("Tell me a long story"), ChatOptions(max_new_tokens=400), owner="alice")
    chunks, seen_at_cancel, result = [], None, None
    for event in job.events():
        if isinstance(event, TextDelta):
            chunks.append(event.text)
            if len(chunks) == 5:
                seen_at_cancel = len(chunks)
                assert state.services.cancel(job.id, "bob") is False, "nobody can cancel someone else's job"
                assert state.services.cancel(job.id, "alice") is True
        elif isinstance(event, Done):
            result = event.result
    assert result.finish_reason == "cancelled"
    assert result.completion_tokens <= seen_at_cancel + 8, "stop should end generation within a few tokens"
    assert result.text == "".join(chunks) and result.text, "the partial answer is kept"


def test_same_seed_regenerates_the_same_answer_and_another_seed_differs(state):
    opts = dict(max_new_tokens=24, temperature=1.0)
    first = run(state.services.chat("tiny-llama", ask("Hi"), ChatOptions(seed=7, **opts)))[2]
    again = run(state.services.chat("tiny-llama", ask("Hi"), ChatOptions(seed=7, **opts)))[2]
    other = run(state.services.chat("tiny-llama", ask("Hi"), ChatOptions(seed=8, **opts)))[2]
    assert first.text == again.text
    assert first.text != other.text


def test_chat_template_is_used_and_fallback_for_model_without_one(state):
    llama = state.lanes.torch.call(lambda: state.registry.ensure_loaded(state.registry.resolve("tiny-llama", "text")))
    qwen = state.lanes.torch.call(lambda: state.registry.ensure_loaded(state.registry.resolve("tiny-qwen2", "text")))
    msgs = ask("What is Python?", system="Be brief.")
    templated = build_prompt(llama.tokenizer, msgs, 512, 64)
    assert templated.templated and "<|im_start|>system\nBe brief." in templated.text
    assert templated.text.endswith("<|im_start|>assistant\n")
    fallback = build_prompt(qwen.tokenizer, msgs, 512, 64)
    assert not fallback.templated
    assert fallback.text == "System: Be brief.\nUser: What is Python?\nAssistant:"
    assert "\nUser:" in fallback.stops, "the fallback stops before the model writes the user's next turn"


@pytest.mark.parametrize("model", MODELS)
def test_long_conversation_is_trimmed_from_the_oldest_turns_and_user_is_told(state, model):
    history = [{"role": "system", "content": "SYSTEM-RULES stay."}]
    for i in range(30):
        history.append({"role": "user", "content": f"Question {i}: " + "tell me about the quick brown fox " * 3})
        history.append({"role": "assistant", "content": f"Answer {i}: " + "the lazy dog sleeps " * 3})
    history.append({"role": "user", "content": "LAST-QUESTION?"})
    _, others, result = run(state.services.chat(model, history, ChatOptions(max_new_tokens=64)))
    notices = [render(e.message, "en") for e in others if isinstance(e, Notice)]
    assert notices and "left out" in notices[0]
    assert result.dropped_messages > 0
    backend = state.registry.get_loaded(state.registry.resolve(model, "text"))
    prompt = build_prompt(backend.tokenizer, history, backend.context_length, 64)
    assert prompt.messages[0]["content"] == "SYSTEM-RULES stay." and prompt.messages[-1]["content"] == "LAST-QUESTION?"
    assert prompt.messages[1]["role"] == "user", "trimming never leaves an answer without its question"
    assert "Question 0:" not in prompt.text and "Question 29:" in prompt.text
    assert result.prompt_tokens + result.completion_tokens <= backend.context_length


def test_message_longer_than_the_context_is_a_clear_error(state):
    with pytest.raises(InvalidInput, match="too long"):
        state.services.chat("tiny-llama", ask("fox " * 2000), ChatOptions(max_new_tokens=16)).wait()


def test_out_of_memory_frees_and_keeps_serving(state, monkeypatch):
    import torch

    run(state.services.chat("tiny-llama", ask("warm up"), ChatOptions(max_new_tokens=2)))
    backend = state.registry.get_loaded(state.registry.resolve("tiny-llama", "text"))
    real_forward = backend.model.forward  # the batching engine and generate() both come through it
    calls = threading.Event()

    def oom(*args, **kwargs):
        calls.set()
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(backend.model, "forward", oom)
    with pytest.raises(OutOfMemory) as err:
        state.services.chat("tiny-llama", ask("hi")).wait()
    assert calls.is_set() and "smaller model" in str(err.value)
    monkeypatch.setattr(backend.model, "forward", real_forward)
    result = state.services.chat("tiny-llama", ask("hi again"), ChatOptions(max_new_tokens=3)).wait()
    assert result.completion_tokens == 3


class _ByteTokenizer:
    """Decodes ids as characters: enough to test the incremental detokenizer."""

    def decode(self, ids, skip_special_tokens=True):
        return "".join(chr(i) for i in ids)


class _Ids(list):
    def reshape(self, *_):
        return self

    def tolist(self):
        return list(self)


def test_stop_string_ends_the_answer_without_showing_it():
    out: list[str] = []
    stream = _Stream(_ByteTokenizer(), out.append, ("\nUser:",))
    stream.put(_Ids([0]))  # the prompt
    for ch in "Hello!\nUser: more":
        stream.put(_Ids([ord(ch)]))
    stream.end()
    assert stream.stopped and "".join(out) == "Hello!" and stream.text == "Hello!"


def test_incremental_detokenizer_matches_decoding_the_whole_answer(state):
    """The streamed pieces, joined, equal one decode of all tokens (spaces and multi-byte characters too)."""
    backend = state.lanes.torch.call(lambda: state.registry.ensure_loaded(state.registry.resolve("tiny-llama", "text")))
    tok = backend.tokenizer
    text = "Hello world! Привет, мир — ünïcödé 🙂 and the quick brown fox jumps over the lazy dog."
    ids = tok(text, add_special_tokens=False)["input_ids"]
    out: list[str] = []
    stream = _Stream(tok, out.append, ())
    stream.put(_Ids([0]))  # the prompt
    for i in ids:
        stream.put(_Ids([i]))
    stream.end()
    assert "".join(out) == tok.decode(ids, skip_special_tokens=True) == stream.text
    assert all("\ufffd" not in piece for piece in out), "no half characters are shown"
