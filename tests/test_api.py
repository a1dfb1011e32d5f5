"""The OpenAI-compatible API, driven by the official ``openai`` client against a real HTTP server.

The /v1 routes are mounted on a FastAPI app served by uvicorn in this process (the same routes
app.py hands to Gradio's server), over an AppState built on the tiny models, with the fake
backends (tests/fake_backends.py) registered beside them: what the API does with requests,
errors, streams and disconnects is tested on the fakes; the tiny models check that real
answers and real pictures come through.
"""

from __future__ import annotations

import base64
import io
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import openai
import pytest

from localai.auth import ApiKey
from localai.errors import OutOfMemory
from localai.jobs import Generating, TextDelta
from tests.app_process import serve_in_thread
from tests.fake_backends import FAKE_CHAT, FAKE_IMAGE, FakeBehaviour, register_fake_backends

KEY = "sk-test-key"


@dataclass
class Server:
    url: str  # .../v1, open (no key, like 127.0.0.1 without --api-key)
    keyed_url: str  # .../v1 of the same routes behind KEY
    state: object
    fakes: FakeBehaviour  # how the fake backends behave (slow, ...)

    def client(self, **kw) -> openai.OpenAI:
        return openai.OpenAI(base_url=self.url, api_key="anything", max_retries=0, timeout=60, **kw)


@pytest.fixture(scope="module")
def server(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from fastapi import FastAPI

    from localai.api import mount_api
    from localai.config import parse_settings
    from localai.state import build_state
    from tests.tiny_pipelines import with_tiny_sd

    tmp = tmp_path_factory.mktemp("api")
    models = with_tiny_sd(models_dir, tmp / "models")
    settings = parse_settings(["--models-dir", str(models), "--data-dir", str(tmp / "data"),
                               "--outputs-dir", str(tmp / "outputs"), "--no-browser", "--offline"], env={})
    state = build_state(settings)
    fakes = register_fake_backends(state.registry)
    open_app, keyed_app = FastAPI(), FastAPI()
    mount_api(open_app, state.services, ApiKey(None, False))
    mount_api(keyed_app, state.services, ApiKey(KEY, False))
    url, srv1, t1 = serve_in_thread(open_app)
    keyed_url, srv2, t2 = serve_in_thread(keyed_app)
    yield Server(url, keyed_url, state, fakes)
    for srv, thread in ((srv1, t1), (srv2, t2)):
        srv.should_exit = True
        thread.join(timeout=10)
    state.lanes.torch.call(state.registry.unload_all)
    state.lanes.shutdown()


def ask(text: str) -> list[dict]:
    return [{"role": "system", "content": "You are helpful."}, {"role": "user", "content": text}]


def hold_torch_lane(state) -> tuple[threading.Event, object]:
    """Occupy the torch lane until the returned event is set."""
    release, started = threading.Event(), threading.Event()

    def block(job):
        started.set()
        release.wait(30)

    job = state.lanes.torch.submit(block, owner="test-blocker", description="block")
    assert started.wait(10)
    return release, job


def wait_until(cond, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


# -- models ------------------------------------------------------------------------------------------------
def test_models_lists_local_models_by_folder_name(server):
    models = server.client().models.list()
    ids = [m.id for m in models.data]
    assert "tiny-llama" in ids and "tiny-qwen2" in ids and "tiny-sd" in ids
    assert FAKE_CHAT in ids and FAKE_IMAGE in ids, "every registered backend's models are offered"
    assert all(m.object == "model" for m in models.data)
    assert not any("Qwen2.5-7B" in i for i in ids), "catalog models that are not on disk are not offered"


# -- chat --------------------------------------------------------------------------------------------------
def test_chat_completion_answers_with_usage(server):
    out = server.client().chat.completions.create(model="tiny-llama", messages=ask("Hello there"), max_tokens=12,
                                                  seed=3, temperature=0.8)
    choice = out.choices[0]
    assert out.object == "chat.completion" and out.model == "tiny-llama" and out.id.startswith("chatcmpl-")
    assert choice.message.role == "assistant" and choice.message.content
    assert choice.finish_reason == "length"
    assert out.usage.completion_tokens == 12 and out.usage.prompt_tokens > 5
    assert out.usage.total_tokens == out.usage.prompt_tokens + out.usage.completion_tokens


def test_a_follow_up_says_how_many_prompt_tokens_came_from_the_cache(server):
    client = server.client()
    story = " ".join(["The quick brown fox jumps over the lazy dog near the river bank."] * 13)
    first = [{"role": "user", "content": f"Remember this: {story}"}]
    out = client.chat.completions.create(model="tiny-llama", messages=first, max_tokens=8, temperature=0)
    follow_up = [*first, {"role": "assistant", "content": out.choices[0].message.content},
                 {"role": "user", "content": "And then?"}]
    again = client.chat.completions.create(model="tiny-llama", messages=follow_up, max_tokens=8, temperature=0)
    cached = again.usage.prompt_tokens_details.cached_tokens
    assert out.usage.prompt_tokens - 64 <= cached < again.usage.prompt_tokens, "OpenAI's cached_tokens field"


def test_chat_stream_sends_chunks_then_usage_then_done(server):
    client = server.client()
    kwargs = {"model": "tiny-qwen2", "messages": ask("Tell me a story"), "max_tokens": 20, "seed": 5,
              "temperature": 0.9}
    whole = client.chat.completions.create(**kwargs).choices[0].message.content
    chunks = list(client.chat.completions.create(stream=True, stream_options={"include_usage": True}, **kwargs))
    assert chunks[0].choices[0].delta.role == "assistant"
    texts = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(texts) >= 5, "the answer arrives piece by piece"
    assert "".join(texts) == whole, "same seed, same answer, streamed or not"
    finals = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(finals) == 1 and finals[0].choices[0].finish_reason == "length"
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == 20
    assert all(c.usage is None for c in chunks[:-1])


def test_raw_stream_ends_with_done_and_has_no_usage_unless_asked(server):
    body = {"model": FAKE_CHAT, "messages": ask("Hi"), "max_tokens": 5, "stream": True}
    with httpx.stream("POST", server.url + "/chat/completions", json=body, timeout=60) as resp:
        assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in resp.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    events = [json.loads(line[len("data: "):]) for line in lines[:-1]]
    assert all("usage" not in e for e in events)


def test_stop_string_and_text_parts_are_honoured(server):
    client = server.client()
    messages = [{"role": "user", "content": [{"type": "text", "text": "Say "}, {"type": "text", "text": "more"}]}]
    full = client.chat.completions.create(model=FAKE_CHAT, messages=messages, max_tokens=30, temperature=0)
    text = full.choices[0].message.content
    stop = text[8:10]
    assert stop.strip(), f"need a stop string inside {text!r}"
    cut = client.chat.completions.create(model=FAKE_CHAT, messages=messages, max_tokens=30, temperature=0,
                                         stop=[stop])
    assert cut.choices[0].message.content == text[:text.index(stop)]
    assert cut.choices[0].finish_reason == "stop"


# -- errors ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "param"), [
    ({"messages": [{"role": "user", "content": "hi"}]}, "model"),
    ({"model": FAKE_CHAT}, "messages"),
    ({"model": FAKE_CHAT, "messages": []}, "messages"),
    ({"model": FAKE_CHAT, "messages": [{"role": "function", "content": "x"}]}, "messages[0].role"),
    ({"model": FAKE_CHAT, "messages": [{"role": "tool", "content": "x"}]}, "messages[0].tool_call_id"),
    ({"model": FAKE_CHAT, "messages": [{"role": "user", "content": "hi"}], "temperature": 3}, "temperature"),
    ({"model": FAKE_CHAT, "messages": [{"role": "user", "content": "hi"}], "temperature": "hot"}, "temperature"),
    ({"model": FAKE_CHAT, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 0}, "max_tokens"),
    ({"model": FAKE_CHAT, "messages": [{"role": "user", "content": "hi"}], "stop": ["a"] * 5}, "stop"),
    ({"model": FAKE_CHAT, "messages": [{"role": "user", "content": "hi"}], "n": 2}, "n"),
    ({"model": FAKE_CHAT, "messages": [{"role": "user", "content": [{"type": "image_url"}]}]},
     "messages[0].content"),
])
def test_bad_chat_requests_are_400_naming_the_field(server, body, param):
    resp = httpx.post(server.url + "/chat/completions", json=body, timeout=30)
    assert resp.status_code == 400
    err = resp.json()["error"]
    assert err["type"] == "invalid_request_error" and err["param"] == param and err["message"]


def test_bad_request_through_the_client_and_an_empty_question(server):
    with pytest.raises(openai.BadRequestError) as info:
        server.client().chat.completions.create(model=FAKE_CHAT, messages=[{"role": "user", "content": "  "}])
    assert "empty" in info.value.message
    resp = httpx.post(server.url + "/chat/completions", content=b"{not json", timeout=30)
    assert resp.status_code == 400 and "JSON" in resp.json()["error"]["message"]


@pytest.mark.parametrize("stream", [False, True])
def test_message_too_long_for_the_model_is_400_streamed_or_not(server, stream):
    body = {"model": "tiny-llama", "messages": ask("fox " * 2000), "max_tokens": 16, "stream": stream}
    resp = httpx.post(server.url + "/chat/completions", json=body, timeout=60)
    assert resp.status_code == 400, resp.text
    assert "too long" in resp.json()["error"]["message"]


def test_unknown_model_is_404_listing_the_known_ones(server):
    with pytest.raises(openai.NotFoundError) as info:
        server.client().chat.completions.create(model="gpt-9", messages=ask("hi"))
    assert info.value.status_code == 404 and info.value.code == "model_not_found"
    assert FAKE_CHAT in info.value.message
    resp = httpx.get(server.url + "/embeddings", timeout=10)
    assert resp.status_code == 404 and resp.json()["error"]["message"]


def test_key_is_required_when_set(server):
    client = openai.OpenAI(base_url=server.keyed_url, api_key="sk-wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as info:
        client.models.list()
    assert info.value.status_code == 401 and info.value.code == "invalid_api_key"
    assert "wrong" in info.value.message
    with pytest.raises(openai.AuthenticationError):
        client.chat.completions.create(model=FAKE_CHAT, messages=ask("hi"), max_tokens=2)
    for headers in ({}, {"Authorization": "Basic " + KEY}, {"Authorization": "Bearer"}):
        for method, path in (("GET", "/models"), ("POST", "/chat/completions"), ("POST", "/images/generations")):
            resp = httpx.request(method, server.keyed_url + path, headers=headers, json={}, timeout=10)
            assert resp.status_code == 401 and resp.headers["www-authenticate"] == "Bearer", (headers, path)
            assert resp.json()["error"]["type"] == "authentication_error"
    good = openai.OpenAI(base_url=server.keyed_url, api_key=KEY, max_retries=0)
    assert FAKE_CHAT in [m.id for m in good.models.list().data]
    out = good.chat.completions.create(model=FAKE_CHAT, messages=ask("hi"), max_tokens=3)
    assert out.usage.completion_tokens == 3


def test_full_queue_is_503_busy_right_away(server):
    worker = server.state.lanes.torch
    release, _ = hold_torch_lane(server.state)
    old = worker.max_queue
    try:
        worker.max_queue = 1
        filler = worker.submit(lambda job: None, owner="test-filler")
        started = time.monotonic()
        with pytest.raises(openai.InternalServerError) as info:
            server.client().chat.completions.create(model=FAKE_CHAT, messages=ask("hi"), max_tokens=2)
        assert time.monotonic() - started < 5, "busy is answered at once, not after waiting"
        assert info.value.status_code == 503 and info.value.code == "busy"
        assert "busy" in info.value.message and "Try again" in info.value.message
        assert info.value.response.headers["retry-after"]
    finally:
        worker.max_queue = old
        release.set()
    filler.wait()


def test_out_of_memory_is_503_and_not_retried(server, monkeypatch):
    calls = []

    def failing_chat(model, messages, options=None, owner="local"):
        calls.append(owner)

        def run(job):
            raise OutOfMemory("Ran out of memory while loading tiny-llama.", "Try 4-bit.")

        return server.state.lanes.torch.submit(run, owner, "oom")

    monkeypatch.setattr(server.state.services, "chat", failing_chat)
    client = openai.OpenAI(base_url=server.url, api_key="x", max_retries=2)  # retries allowed: none should happen
    for stream in (False, True):
        with pytest.raises(openai.InternalServerError) as info:
            out = client.chat.completions.create(model=FAKE_CHAT, messages=ask("hi"), stream=stream)
            list(out) if stream else None
        assert info.value.status_code == 503 and info.value.code == "out_of_memory"
        assert "memory" in info.value.message
    assert len(calls) == 2


def test_error_in_the_middle_of_a_stream_arrives_as_an_error_event(server, monkeypatch):
    def chat(model, messages, options=None, owner="local"):
        def run(job):
            job.emit(Generating())
            job.emit(TextDelta("Once upon"))
            raise OutOfMemory("Ran out of memory while writing the answer.", "Lower 'Max new tokens'.")

        return server.state.lanes.torch.submit(run, owner, "oom mid-stream")

    monkeypatch.setattr(server.state.services, "chat", chat)
    stream = server.client().chat.completions.create(model=FAKE_CHAT, messages=ask("hi"), stream=True)
    seen = []
    with pytest.raises(openai.APIError) as info:
        for c in stream:
            seen.append(c.choices[0].delta.content)
    assert "Once upon" in seen and "memory" in info.value.message


# -- several users -----------------------------------------------------------------------------------------
def test_concurrent_streams_each_get_their_own_answer(server):
    prompts = [(f"Question number {i}: tell me about {word}", 100 + i)
               for i, word in enumerate(["foxes", "the sea", "bread", "mountains"])]
    client = server.client()
    expected = {seed: client.chat.completions.create(model=FAKE_CHAT, messages=ask(p), max_tokens=40,
                                                     seed=seed, temperature=1.0).choices[0].message.content
                for p, seed in prompts}
    assert len(set(expected.values())) == len(prompts), "different questions and seeds give different answers"
    got: dict[int, str] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(prompts))

    def stream(prompt: str, seed: int) -> None:
        try:
            barrier.wait()
            parts = []
            for c in server.client().chat.completions.create(model=FAKE_CHAT, messages=ask(prompt),
                                                              max_tokens=40, seed=seed, temperature=1.0,
                                                              stream=True):
                if c.choices and c.choices[0].delta.content:
                    parts.append(c.choices[0].delta.content)
            got[seed] = "".join(parts)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=stream, args=pa) for pa in prompts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert got == expected, "every stream completes with its own content and nothing mixed"


def _record_jobs(server, monkeypatch, method: str = "chat") -> list:
    """Keep every job that ``services.<method>`` submits, to check how it ended."""
    jobs = []
    real = getattr(server.state.services, method)

    def recording(*args, **kwargs):
        job = real(*args, **kwargs)
        jobs.append(job)
        return job

    monkeypatch.setattr(server.state.services, method, recording)
    return jobs


def test_dropped_stream_cancels_its_job_and_frees_the_worker(server, monkeypatch):
    jobs = _record_jobs(server, monkeypatch)
    monkeypatch.setattr(server.fakes, "token_seconds", 0.002)  # 20000 tokens would take 40 s
    client = server.client()
    client.chat.completions.create(model=FAKE_CHAT, messages=ask("warm up"), max_tokens=2)  # loaded
    stream = client.chat.completions.create(model=FAKE_CHAT, messages=ask("A very long story"),
                                            max_tokens=20000, temperature=1.0, stream=True)
    seen = 0
    for c in stream:
        seen += bool(c.choices and c.choices[0].delta.content)
        if seen == 3:
            break
    stream.close()  # the client drops the connection mid-answer
    job = jobs[-1]
    assert job.finished.wait(10), "the job ends once its client is gone"
    assert job.result.finish_reason == "cancelled" and job.result.completion_tokens < 20000
    started = time.monotonic()
    out = client.chat.completions.create(model=FAKE_CHAT, messages=ask("next"), max_tokens=5)
    assert out.usage.completion_tokens == 5 and time.monotonic() - started < 10


def test_client_leaving_a_long_answer_cancels_it(server, monkeypatch):
    jobs = _record_jobs(server, monkeypatch)
    monkeypatch.setattr(server.fakes, "token_seconds", 0.01)  # the answer outlasts the client's 1 s patience
    body = {"model": FAKE_CHAT, "messages": ask("A very long story"), "max_tokens": 20000}
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(server.url + "/chat/completions", json=body, timeout=httpx.Timeout(10, read=1.0))
    left = time.monotonic()
    assert jobs and jobs[0].finished.wait(10)
    assert time.monotonic() - left < 2 and jobs[0].result.finish_reason == "cancelled"


def test_client_leaving_while_waiting_in_line_removes_its_job(server, monkeypatch):
    jobs = _record_jobs(server, monkeypatch)
    release, _ = hold_torch_lane(server.state)
    try:
        for stream in (True, False):
            body = {"model": FAKE_CHAT, "messages": ask("hi"), "max_tokens": 5, "stream": stream}
            with pytest.raises(httpx.ReadTimeout):
                httpx.post(server.url + "/chat/completions", json=body, timeout=httpx.Timeout(10, read=0.5))
            assert wait_until(lambda: jobs and jobs[-1].cancel.cancelled, 5), "the waiting job is cancelled"
        assert len(jobs) == 2
    finally:
        release.set()
    assert all(j.finished.wait(10) for j in jobs)
    assert wait_until(lambda: server.state.lanes.torch.queue_length() == 0)
    assert all(j.result is None for j in jobs), "cancelled while waiting: they never ran"


# -- images ------------------------------------------------------------------------------------------------
def test_image_generation_returns_pngs_of_the_requested_size(server):
    from PIL import Image

    out = server.client().images.generate(model="tiny-sd", prompt="a red fox in the snow", n=2, size="96x64",
                                          response_format="b64_json",
                                          extra_body={"steps": 2, "seed": 7, "negative_prompt": "blurry",
                                                      "guidance_scale": 5.0, "scheduler": "Euler a"})
    assert len(out.data) == 2
    pngs = [base64.b64decode(item.b64_json) for item in out.data]
    for png in pngs:
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert Image.open(io.BytesIO(png)).size == (96, 64)
    info = Image.open(io.BytesIO(pngs[1])).text.get("parameters", "")
    assert "Seed: 8" in info and "Steps: 2" in info, "the PNG carries its settings (image i uses seed + i)"
    again = server.client().images.generate(model="tiny-sd", prompt="a red fox in the snow", size="96x64",
                                            extra_body={"steps": 2, "seed": 7, "negative_prompt": "blurry",
                                                        "guidance_scale": 5.0, "scheduler": "Euler a"})
    assert Image.open(io.BytesIO(base64.b64decode(again.data[0].b64_json))).tobytes() == \
        Image.open(io.BytesIO(pngs[0])).tobytes(), "same seed, same picture"


@pytest.mark.parametrize(("body", "status", "param"), [
    ({"model": FAKE_IMAGE}, 400, "prompt"),
    ({"model": FAKE_IMAGE, "prompt": "fox", "size": "big"}, 400, "size"),
    ({"model": FAKE_IMAGE, "prompt": "fox", "size": "100x64"}, 400, "size"),  # not a multiple of 8
    ({"model": FAKE_IMAGE, "prompt": "fox", "response_format": "url"}, 400, "response_format"),
    ({"model": FAKE_IMAGE, "prompt": "fox", "steps": "many"}, 400, "steps"),
    ({"model": FAKE_IMAGE, "prompt": "fox", "n": 0}, 400, "n"),
    ({"model": FAKE_IMAGE, "prompt": "fox", "scheduler": "Magic"}, 400, "scheduler"),
    ({"model": "no-such-image-model", "prompt": "fox"}, 404, "model"),
    ({"model": FAKE_CHAT, "prompt": "fox"}, 404, "model"),  # a chat model is not an image model
])
def test_bad_image_requests(server, body, status, param):
    resp = httpx.post(server.url + "/images/generations", json=body, timeout=30)
    assert resp.status_code == status, (body, resp.text)
    err = resp.json()["error"]
    assert err["param"] == param and err["message"]
    assert server.state.lanes.torch.queue_length() == 0, "nothing is queued for a bad request"


def test_client_leaving_mid_drawing_cancels_the_job(server, monkeypatch):
    jobs = _record_jobs(server, monkeypatch, "generate_images")
    monkeypatch.setattr(server.fakes, "step_seconds", 0.01)  # 8 x 150 steps would take 12 s
    body = {"model": FAKE_IMAGE, "prompt": "a fox", "n": 8, "steps": 150, "size": "64x64"}
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(server.url + "/images/generations", json=body, timeout=httpx.Timeout(10, read=1.5))
    left = time.monotonic()
    assert jobs and jobs[0].finished.wait(10), "the drawing stops once its client is gone"
    assert time.monotonic() - left < 2, "within a few steps"
    result = jobs[0].result
    assert result.cancelled and len(result.images) < 8
