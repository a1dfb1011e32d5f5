"""The batching engine through the transformers backend, on two tiny architectures (Llama and Qwen2).

Each backend is loaded once per module; requests go in through ``serve_batch`` (what services does with
the torch lane's group of chat jobs) or ``stream_chat`` (one request), and answers are compared with the
one-at-a-time path (``generate``: plain transformers, no batching, no cache).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from localai.backends.base import ChatCall, ChatResult
from localai.backends.transformers_chat import TransformersChatBackend
from localai.catalog import scan_text_models
from localai.errors import OutOfMemory
from localai.jobs import CancelToken
from localai.options import ChatOptions
from localai.plan import LoadPlan

MODELS = ["tiny-llama", "tiny-qwen2"]
GREEDY = ChatOptions(temperature=0.0, repetition_penalty=1.0, max_new_tokens=24)


@pytest.fixture(scope="module", params=MODELS)
def backend(request, models_dir) -> TransformersChatBackend:
    spec = next(s for s in scan_text_models(models_dir) if s.name == request.param)
    loaded = TransformersChatBackend(spec, LoadPlan("cpu", "fp32"))
    loaded.load()
    assert loaded.batching and loaded.engine is not None
    yield loaded
    loaded.unload()


def ask(text: str) -> list[dict]:
    return [{"role": "system", "content": "You are helpful."}, {"role": "user", "content": text}]


class Call:
    """A ChatCall that records what happens to it."""

    def __init__(self, messages: list[dict], options: ChatOptions = GREEDY,
                 on_chunk: Callable[[Call], None] | None = None) -> None:
        self.cancel = CancelToken()
        self.chunks: list[str] = []
        self.result: ChatResult | None = None
        self.error: BaseException | None = None
        self.on_chunk = on_chunk

        def text(chunk: str) -> None:
            self.chunks.append(chunk)
            if self.on_chunk is not None:
                self.on_chunk(self)

        self.call = ChatCall(messages, options, self.cancel, text, on_result=self._result, on_error=self._error)

    def _result(self, result: ChatResult) -> None:
        assert self.result is None and self.error is None, "a call ends once"
        self.result = result

    def _error(self, error: BaseException) -> None:
        assert self.result is None and self.error is None, "a call ends once"
        self.error = error


def alone(backend: TransformersChatBackend, messages: list[dict], options: ChatOptions = GREEDY) -> ChatResult:
    """The one-at-a-time answer: plain generate, no batching, no cache."""
    prompt = backend.prepare(messages, options)
    return backend.generate(prompt, options, CancelToken(), lambda text: None)


def serve(backend: TransformersChatBackend, first: list[Call],
          joining: dict[int, list[Call]] | None = None) -> list[int]:
    """serve_batch with ``joining[k]`` handed over at the k-th time the engine asks between steps; returns how
    many requests were live (begun, not ended) at each ask."""
    joining = dict(joining or {})
    asked, live = [0], []
    everyone = list(first) + [c for calls in joining.values() for c in calls]

    def more(room: int) -> list[ChatCall]:
        asked[0] += 1
        live.append(sum(1 for c in everyone if c.chunks and c.result is None and c.error is None))
        return [c.call for c in joining.pop(asked[0], [])]

    backend.serve_batch([c.call for c in first], more)
    return live


QUESTIONS = ["Hello there, how are you?", "Tell me about Python.", "Write a short story about a fox.",
             "What is a local assistant?"]


def test_several_chats_decode_together_and_a_new_one_joins_between_steps(backend):
    first = [Call(ask(QUESTIONS[0])), Call(ask(QUESTIONS[1]))]
    late = Call(ask(QUESTIONS[2]))
    live = serve(backend, first, {5: [late]})
    assert max(live) == 3, "the late request decoded beside the first two"
    assert live[3] == 2, "the first two decode together from the start"
    for call, question in zip([*first, late], QUESTIONS):
        assert call.error is None
        reference = alone(backend, ask(question))
        assert call.result.text == reference.text, "temperature 0: the same answer batched and alone"
        assert call.result.completion_tokens == reference.completion_tokens == GREEDY.max_new_tokens
        assert call.result.finish_reason == "length" and "".join(call.chunks) == call.result.text


def test_same_seed_same_answer_whatever_runs_beside_it(backend):
    sampled = ChatOptions(temperature=1.0, top_p=0.9, top_k=40, repetition_penalty=1.1, seed=1234,
                          max_new_tokens=20)
    lone = Call(ask(QUESTIONS[0]), sampled)
    serve(backend, [lone])
    crowd = [Call(ask(QUESTIONS[0]), sampled), Call(ask(QUESTIONS[0]), ChatOptions(temperature=1.0, seed=99,
                                                                                    max_new_tokens=20)),
             Call(ask(QUESTIONS[1]), ChatOptions(temperature=0.8, seed=5, max_new_tokens=30))]
    serve(backend, crowd[1:2], {2: [crowd[0]], 3: crowd[2:]})
    assert lone.result.seed == crowd[0].result.seed == 1234
    assert crowd[0].result.text == lone.result.text, "the same seed gives the same answer beside others"
    assert crowd[1].result.text != lone.result.text, "another seed gives another answer"


def test_stop_strings_max_tokens_and_cancel_are_per_request(backend):
    long = GREEDY.__class__(**{**GREEDY.__dict__, "max_new_tokens": 40})
    reference = alone(backend, ask(QUESTIONS[1]), long)
    words = reference.text.split()
    stop = " " + words[len(words) // 2]
    cut = reference.text.index(stop)
    assert 0 < cut

    def cancel_at_five(call: Call) -> None:
        if len(call.chunks) == 5:
            call.cancel.cancel()

    short = Call(ask(QUESTIONS[0]), GREEDY.__class__(**{**GREEDY.__dict__, "max_new_tokens": 5}))
    stopped = Call(ask(QUESTIONS[1]), GREEDY.__class__(**{**long.__dict__, "stop": (stop,)}))
    cancelled = Call(ask(QUESTIONS[2]), long, on_chunk=cancel_at_five)
    untouched = Call(ask(QUESTIONS[3]), long)
    serve(backend, [short, stopped, cancelled, untouched])
    assert short.result.completion_tokens == 5 and short.result.finish_reason == "length"
    assert stopped.result.text == reference.text[:cut] and stopped.result.finish_reason == "stop"
    assert stop not in "".join(stopped.chunks), "the stop string itself is never shown"
    assert cancelled.result.finish_reason == "cancelled" and cancelled.result.completion_tokens < 12
    assert untouched.result.text == alone(backend, ask(QUESTIONS[3]), long).text, "the others are untouched"
    assert untouched.result.finish_reason == "length"


def conversation(backend: TransformersChatBackend) -> tuple[list[dict], ChatResult]:
    story = " ".join(["The quick brown fox jumps over the lazy dog near the river bank."] * 13)
    first = ask(f"Read this and remember it: {story}")
    return first, backend.stream_chat(first, GREEDY, CancelToken(), lambda text: None)


def test_a_follow_up_prefills_only_its_new_tokens_with_the_same_answer(backend):
    first, answer = conversation(backend)
    assert answer.prompt_tokens > 4 * backend.engine.size.page_tokens
    follow_up = [*first, {"role": "assistant", "content": answer.text}, {"role": "user", "content": "And then?"}]
    result = backend.stream_chat(follow_up, GREEDY, CancelToken(), lambda text: None)
    new_tokens = result.prompt_tokens - answer.prompt_tokens
    page = backend.engine.size.page_tokens
    assert result.cached_tokens >= answer.prompt_tokens - page, "the old turns come from the cache"
    assert result.prompt_tokens - result.cached_tokens <= new_tokens + backend.engine.size.page_tokens
    assert result.text == alone(backend, follow_up).text, "the same answer as without the cache"
    regenerate = backend.stream_chat(first, GREEDY, CancelToken(), lambda text: None)
    assert regenerate.text == answer.text and regenerate.cached_tokens > 0, "regenerate reuses the shared prefix"


def test_a_request_larger_than_the_cache_runs_without_it(backend):
    engine = backend.engine
    long = ask(" ".join(["Python is a programming language that lets you work quickly."] * 26))
    prompt_tokens = len(backend.tokenizer(backend.prepare(long, GREEDY).text)["input_ids"])
    small = type(engine)(backend.model, eos_token_ids=engine.eos_token_ids,
                         cache_bytes=1)  # the smallest cache there is
    assert not small.fits(prompt_tokens, GREEDY.max_new_tokens)
    backend.engine = small
    try:
        big, beside = Call(long), Call(ask(QUESTIONS[0]))
        serve(backend, [beside, big])
    finally:
        backend.engine = engine
    assert big.error is None and big.result.text == alone(backend, long).text
    assert big.result.cached_tokens == 0
    assert beside.result.text == alone(backend, ask(QUESTIONS[0])).text


def test_out_of_memory_in_a_step_fails_the_newest_request_and_the_rest_finish(backend, monkeypatch):
    import torch

    real_forward = backend.model.forward
    state = {"armed": False, "raised": 0}

    def forward(*args, **kwargs):
        if state["armed"]:
            state["armed"] = False
            state["raised"] += 1
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real_forward(*args, **kwargs)

    monkeypatch.setattr(backend.model, "forward", forward)
    first = [Call(ask(QUESTIONS[0])), Call(ask(QUESTIONS[1]))]
    newest = Call(ask(QUESTIONS[2]))

    def arm_after_joining(call: Call) -> None:
        if len(call.chunks) == 3:
            state["armed"] = True

    newest.on_chunk = arm_after_joining
    serve(backend, first, {4: [newest]})
    monkeypatch.setattr(backend.model, "forward", real_forward)
    assert state["raised"] == 1
    assert isinstance(newest.error, OutOfMemory) and "smaller model" in str(newest.error)
    for call, question in zip(first, QUESTIONS):
        assert call.error is None and call.result.text == alone(backend, ask(question)).text


def test_a_model_that_cannot_batch_answers_one_at_a_time_and_says_so(models_dir, monkeypatch):
    from localai.engine import batch_runner
    from localai.messages import Message, render

    def refuse(*args, **kwargs):
        raise batch_runner.BatchingUnavailable("AttributeError: no _generation_loop_body")

    monkeypatch.setattr(batch_runner.BatchRunner, "__init__", refuse)
    spec = next(s for s in scan_text_models(models_dir) if s.name == "tiny-llama")
    backend = TransformersChatBackend(spec, LoadPlan("cpu", "fp32"))
    statuses: list[Message] = []
    backend.load(statuses.append)
    assert not backend.batching and backend.engine is None
    line = render(statuses[-1], "en")
    assert "one request at a time" in line and "_generation_loop_body" in line
    assert "по одному" in render(statuses[-1], "ru")
    result = backend.stream_chat(ask("Hello"), GREEDY, CancelToken(), lambda text: None)
    assert result.completion_tokens == GREEDY.max_new_tokens
    backend.unload()


@pytest.mark.parametrize(("plan", "key"), [
    (LoadPlan("cuda", "bf16", quantization="nf4"), "batching.bitsandbytes"),
    (LoadPlan("cuda", "fp16", quantization="int8"), "batching.bitsandbytes"),
    (LoadPlan("cuda", "fp16", offload="device_map"), "batching.offload"),
    (LoadPlan("mps", "fp16"), "batching.mps"),
    (LoadPlan("cpu", "fp32", quantization="int8"), None),
])
def test_which_plans_batch(models_dir, plan, key):
    spec = next(s for s in scan_text_models(models_dir) if s.name == "tiny-llama")
    backend = TransformersChatBackend(spec, plan)

    class Config:
        _attn_implementation = "sdpa"

    backend.model = type("Model", (), {"config": Config()})()
    reason = backend._why_not_batching()
    assert (reason.key if reason else None) == key


def test_the_sampler_keeps_to_each_request_settings():
    import torch

    from localai.engine.sampler import next_token, row_sampling

    logits = torch.tensor([1.0, 3.0, 2.0, -1.0])
    greedy = row_sampling(ChatOptions(temperature=0.0, repetition_penalty=1.0), seed=0, prompt_length=0)
    assert greedy.plain and next_token(logits, [], greedy) == 1
    top1 = row_sampling(ChatOptions(temperature=1.5, top_k=1, top_p=1.0), seed=3, prompt_length=0)
    assert {next_token(logits, [], top1) for _ in range(20)} == {1}, "top-k 1 is the most likely token"
    narrow = row_sampling(ChatOptions(temperature=1.0, top_k=0, top_p=0.05), seed=3, prompt_length=0)
    assert {next_token(logits, [], narrow) for _ in range(20)} == {1}, "a tiny top-p keeps the most likely token"
    penalised = row_sampling(ChatOptions(temperature=0.0, repetition_penalty=2.0), seed=0, prompt_length=1)
    assert next_token(logits, [1], penalised) == 2, "a repeated token is less likely (3 / 2 < 2)"
    frequency = row_sampling(ChatOptions(temperature=0.0, repetition_penalty=1.0, frequency_penalty=1.5), seed=0,
                             prompt_length=1)
    assert next_token(logits, [1], frequency) == 1, "the prompt is not penalised by frequency"
    assert next_token(logits, [0, 1], frequency) == 2, "the answer is"
    a, b = (row_sampling(ChatOptions(temperature=1.0, top_k=0, top_p=1.0), seed=42, prompt_length=0) for _ in "ab")
    assert [next_token(logits, [], a) for _ in range(30)] == [next_token(logits, [], b) for _ in range(30)]


def test_the_least_recently_used_conversation_leaves_the_cache_first(backend):
    engine = backend.engine
    page = engine.size.page_tokens
    small = type(engine)(backend.model, eos_token_ids=engine.eos_token_ids,
                         cache_bytes=12 * page * engine.size.bytes_per_token)  # 12 blocks
    assert small.size.blocks == 12
    short = GREEDY.__class__(**{**GREEDY.__dict__, "max_new_tokens": 4})

    def chat(text: str, repeat: int) -> ChatResult:
        return backend.stream_chat(ask(" ".join([text] * repeat)), short, CancelToken(), lambda t: None)

    backend.engine = small
    try:
        older, newer = chat("The quick brown fox jumps over the lazy dog.", 18), chat("Python is a language.", 36)
        assert older.prompt_tokens > 3 * page and newer.prompt_tokens > 3 * page
        chat("A local assistant keeps your conversations private on your own computer.", 24)  # needs room
        again_newer = chat("Python is a language.", 36)
        again_older = chat("The quick brown fox jumps over the lazy dog.", 18)
    finally:
        backend.engine = engine
    assert again_newer.cached_tokens >= newer.prompt_tokens - page, "the more recent conversation was kept"
    assert again_older.cached_tokens == 0, "the least recently used one was dropped to make room"
