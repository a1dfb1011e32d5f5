"""Ollama's API (/api/...), driven by the official ``ollama`` Python client against a real HTTP server.

The routes are mounted with ``mount_api`` (as /v1's are) behind the server's own HTTP guard, served by uvicorn in
this process, over an AppState with the tiny models: two text-only chat models, the tiny vision model
(tests/tiny_vision.py) and the tiny embedding model (tests/tiny_embedding.py), plus the fake chat backend
(tests/fake_backends.py) for slow answers that a client leaves. One slow test asks the real SmolLM2 model.
"""

from __future__ import annotations

import base64
import io
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import numpy as np
import ollama
import pytest

from tests.fake_backends import FAKE_CHAT, FakeBehaviour, register_fake_backends
from tests.tiny_embedding import HIDDEN

KEY = "sk-test-ollama"
VLM = "tiny-vlm"
OPTIONS = {"temperature": 0, "num_predict": 8, "seed": 1}


# -- the server ----------------------------------------------------------------------------------------------------
@dataclass
class Server:
    url: str  # http://127.0.0.1:PORT, open (no key, like 127.0.0.1 without --api-key)
    keyed_url: str  # the same routes behind KEY
    state: object
    fakes: FakeBehaviour

    def client(self, **kw) -> ollama.Client:
        return ollama.Client(host=self.url, timeout=120, **kw)

    def post(self, path: str, body: object, url: str | None = None, **kw) -> httpx.Response:
        content = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return httpx.post((url or self.url) + path, content=content, timeout=120,
                          headers={"Content-Type": "application/json", **kw.pop("headers", {})}, **kw)


@pytest.fixture(scope="module")
def server(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from fastapi import FastAPI

    from localai.api import mount_api
    from localai.auth import ApiKey
    from localai.config import parse_settings
    from localai.http_guard import guard_for
    from localai.state import build_state
    from tests.app_process import serve_in_thread
    from tests.tiny_embedding import save_tiny_embedding_model
    from tests.tiny_vision import save_tiny_vlm

    tmp = tmp_path_factory.mktemp("ollama")
    models = tmp / "models"
    for name in ("tiny-llama", "tiny-qwen2"):
        (models / "text").mkdir(parents=True, exist_ok=True)
        (models / "text" / name).symlink_to(models_dir / "text" / name, target_is_directory=True)
    save_tiny_vlm(models / "text" / VLM)
    save_tiny_embedding_model(models / "embedding" / "tiny-e5")
    (models / "image").mkdir()
    settings = parse_settings(["--models-dir", str(models), "--data-dir", str(tmp / "data"), "--outputs-dir",
                               str(tmp / "outputs"), "--no-browser", "--offline", "--no-remotes"], env={})
    state = build_state(settings)
    fakes = register_fake_backends(state.registry)
    open_app, keyed_app = FastAPI(), FastAPI()
    mount_api(open_app, state.services, ApiKey(None, False))
    mount_api(keyed_app, state.services, ApiKey(KEY, False))
    guard = guard_for(settings)  # the server's own door: JSON only, origins, body size
    served = [serve_in_thread(guard(app)) for app in (open_app, keyed_app)]
    yield Server(served[0][0].removesuffix("/v1"), served[1][0].removesuffix("/v1"), state, fakes)
    for _, srv, thread in served:
        srv.should_exit = True
        thread.join(timeout=10)
    state.lanes.torch.call(state.registry.unload_all)
    state.lanes.shutdown()


def ask(text: str) -> list[dict]:
    return [{"role": "system", "content": "You are helpful."}, {"role": "user", "content": text}]


def png(color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (48, 48), color).save(buf, "PNG")
    return buf.getvalue()


def refused(call, status: int) -> str:
    """The error text of a call the server refuses with ``status``."""
    with pytest.raises(ollama.ResponseError) as caught:
        call()
    assert caught.value.status_code == status, caught.value
    return caught.value.error


# -- models ---------------------------------------------------------------------------------------------------------
def test_version_is_one_ollamas_clients_accept(server) -> None:
    answer = httpx.get(server.url + "/api/version")
    version = answer.json()["version"]
    assert answer.status_code == 200 and re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert tuple(int(p) for p in version.split(".")) >= (0, 6, 4)


def test_list_gives_chat_vision_and_embedding_models_with_details(server) -> None:
    models = {m.model: m for m in server.client().list().models}
    assert {"tiny-llama", "tiny-qwen2", VLM, "tiny-e5", FAKE_CHAT} <= set(models)
    assert not any("Qwen2.5-7B" in name for name in models), "catalog models not on disk are not listed"
    llama = models["tiny-llama"]
    assert isinstance(llama.modified_at, datetime) and llama.size > 0 and re.fullmatch(r"[0-9a-f]{64}", llama.digest)
    assert llama.details.format == "safetensors" and llama.details.family == "llama"
    assert llama.details.parameter_size.endswith(("M", "B"))
    raw = {m["name"]: m for m in httpx.get(server.url + "/api/tags").json()["models"]}
    assert raw["tiny-llama"]["capabilities"] == ["completion"] and raw[VLM]["capabilities"] == ["completion", "vision"]
    assert raw["tiny-e5"]["capabilities"] == ["embedding"]


def test_show_gives_capabilities_context_and_parameters(server) -> None:
    client = server.client()
    llama = client.show("tiny-llama")
    assert llama.capabilities == ["completion"] and llama.details.family == "llama"
    assert llama.modelinfo["general.architecture"] == "llama" and llama.modelinfo["llama.context_length"] > 0
    assert "temperature" in llama.parameters
    assert client.show(VLM).capabilities == ["completion", "vision"]
    e5 = client.show("tiny-e5")
    assert e5.capabilities == ["embedding"]
    assert any(k.endswith(".embedding_length") and v == HIDDEN for k, v in e5.modelinfo.items())
    assert client.show("tiny-llama:latest").capabilities == ["completion"], "Ollama's default tag is taken"
    assert refused(lambda: client.show("no-such-model"), 404).startswith("model 'no-such-model' not found")


# -- chat and generate ----------------------------------------------------------------------------------------------
def test_chat_answers_with_counts_and_durations(server) -> None:
    out = server.client().chat(model="tiny-llama", messages=ask("Hello there"), options=OPTIONS, stream=False)
    assert out.model == "tiny-llama" and out.done and out.done_reason == "length"
    assert out.message.role == "assistant" and out.message.content
    assert out.eval_count == 8 and out.prompt_eval_count > 5
    assert out.total_duration >= out.eval_duration > 0 and datetime.fromisoformat(out.created_at.replace("Z", "+00:00"))


def test_chat_stream_is_ndjson_pieces_then_one_done(server) -> None:
    client = server.client()
    whole = client.chat(model="tiny-qwen2", messages=ask("Tell me a story"), options=OPTIONS, stream=False)
    parts = list(client.chat(model="tiny-qwen2", messages=ask("Tell me a story"), options=OPTIONS, stream=True))
    assert len(parts) >= 3 and [p.done for p in parts] == [False] * (len(parts) - 1) + [True]
    assert "".join(p.message.content for p in parts) == whole.message.content, "greedy: the same answer"
    assert parts[-1].message.content == "" and parts[-1].eval_count == 8 and parts[-1].done_reason == "length"
    body = {"model": "tiny-llama", "messages": ask("hi"), "options": OPTIONS}  # no "stream": Ollama streams
    with httpx.stream("POST", server.url + "/api/chat", json=body) as raw:
        assert raw.headers["content-type"] == "application/x-ndjson"
        lines = [json.loads(line) for line in raw.iter_lines() if line]
    assert lines[-1]["done"] is True and all(set(line) >= {"model", "created_at", "message"} for line in lines)


def test_generate_answers_a_prompt_streamed_and_not(server) -> None:
    client = server.client()
    kwargs = {"model": "tiny-llama", "prompt": "Why is the sky blue?", "system": "Be short.", "options": OPTIONS}
    whole = client.generate(**kwargs)
    assert whole.done and whole.response and whole.eval_count == 8 and whole.done_reason == "length"
    parts = list(client.generate(stream=True, **kwargs))
    assert "".join(p.response for p in parts) == whole.response and parts[-1].done
    without_system = client.generate(model="tiny-llama", prompt="Why is the sky blue?", options=OPTIONS)
    assert without_system.prompt_eval_count < whole.prompt_eval_count, "the system prompt is in the prompt"


def test_options_reach_the_sampler(server) -> None:
    client = server.client()
    one = client.chat(model="tiny-llama", messages=ask("Hi"), options={"temperature": 1.2, "seed": 7,
                                                                        "num_predict": 12, "top_k": 20})
    again = client.chat(model="tiny-llama", messages=ask("Hi"), options={"temperature": 1.2, "seed": 7,
                                                                          "num_predict": 12, "top_k": 20})
    other = client.chat(model="tiny-llama", messages=ask("Hi"), options={"temperature": 1.2, "seed": 8,
                                                                          "num_predict": 12, "top_k": 20})
    assert one.message.content == again.message.content != other.message.content, "the seed is used"
    short = client.chat(model="tiny-llama", messages=ask("Hi"), options={"num_predict": 3, "num_ctx": 4096,
                                                                          "num_gpu": 1, "mirostat": 0})
    assert short.eval_count == 3, "Ollama's runner options are ignored, num_predict is not"


def test_empty_messages_load_the_model(server) -> None:
    out = server.client().chat(model="tiny-qwen2", messages=[])
    assert out.done and out.done_reason == "load"
    assert "tiny-qwen2" in [m.model for m in server.client().ps().models]


def test_ps_lists_the_loaded_models(server) -> None:
    server.client().chat(model="tiny-llama", messages=ask("Hi"), options=OPTIONS)
    running = {m.model: m for m in server.client().ps().models}
    assert "tiny-llama" in running and running["tiny-llama"].size > 0 and running["tiny-llama"].size_vram == 0
    assert running["tiny-llama"].expires_at is not None


def test_a_picture_reaches_the_vision_model(server) -> None:
    client = server.client()
    plain = client.chat(model=VLM, messages=[{"role": "user", "content": "What is this?"}], options=OPTIONS)
    seen = client.chat(model=VLM, messages=[{"role": "user", "content": "What is this?", "images": [png()]}],
                       options=OPTIONS)
    assert seen.prompt_eval_count > plain.prompt_eval_count, "the picture's tokens are in the prompt"
    assert seen.message.content and seen.done
    generated = client.generate(model=VLM, prompt="What is this?", images=[png((0, 90, 200))], options=OPTIONS)
    assert generated.prompt_eval_count == seen.prompt_eval_count and generated.response


PERSON = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 12},
                                          "age": {"type": "integer", "minimum": 0, "maximum": 150}},
          "required": ["name", "age"], "additionalProperties": False}


def test_format_json_and_a_schema_constrain_the_answer(server) -> None:
    import jsonschema

    client = server.client()
    person = client.chat(model="tiny-llama", messages=ask("Describe a person."), format=PERSON,
                         options={"temperature": 1.0, "seed": 5, "num_predict": 120})
    assert person.done_reason == "stop", "the schema's object closes well before 120 tokens"
    jsonschema.validate(json.loads(person.message.content), PERSON)
    streamed = "".join(p.message.content for p in client.chat(
        model="tiny-llama", messages=ask("Describe a person."), format=PERSON, stream=True,
        options={"temperature": 1.0, "seed": 5, "num_predict": 120}))
    assert streamed == person.message.content
    generated = client.generate(model="tiny-llama", prompt="Describe a person.", format="json",
                                options={"temperature": 1.0, "seed": 1, "num_predict": 40})
    assert generated.response.startswith("{")
    if generated.done_reason == "stop":
        assert isinstance(json.loads(generated.response), dict)


# -- embeddings -----------------------------------------------------------------------------------------------------
def test_embed_gives_one_normalised_vector_per_text(server) -> None:
    client = server.client()
    out = client.embed(model="tiny-e5", input=["hello there", "the lazy dog"])
    vectors = np.array(out.embeddings)
    assert out.model == "tiny-e5" and vectors.shape == (2, HIDDEN)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4) and out.prompt_eval_count > 2
    single = client.embed(model="tiny-e5", input="hello there")
    assert np.allclose(single.embeddings[0], vectors[0], atol=1e-5)
    old = client.embeddings(model="tiny-e5", prompt="hello there")
    assert np.allclose(old.embedding, vectors[0], atol=1e-5), "the older route gives the same vector"
    assert client.embed(model="tiny-e5", input=[]).embeddings == []


def test_embed_mistakes_say_what_to_use(server) -> None:
    client = server.client()
    assert "chat model" in refused(lambda: client.embed(model="tiny-llama", input="hi"), 400)
    assert "tiny-e5" in refused(lambda: client.embed(model="no-such-model", input="hi"), 404)
    assert "32" in refused(lambda: client.embed(model="tiny-e5", input="hi", dimensions=8), 400)
    assert "truncate" in refused(lambda: client.embed(model="tiny-e5", input="hi", truncate=False), 400)


# -- errors ---------------------------------------------------------------------------------------------------------
def test_an_unknown_model_is_ollamas_404(server) -> None:
    client = server.client()
    error = refused(lambda: client.chat(model="llama3.2", messages=ask("hi")), 404)
    assert error.startswith("model 'llama3.2' not found") and "tiny-llama" in error
    assert refused(lambda: client.generate(model="llama3.2", prompt="hi"), 404).startswith("model 'llama3.2'")
    answer = server.post("/api/chat", {"model": "llama3.2", "messages": ask("hi")})
    assert answer.status_code == 404 and set(answer.json()) == {"error"}


@pytest.mark.parametrize(("body", "says"), [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "JSON object"),
    ({"messages": ask("hi")}, "model is required"),
    ({"model": "tiny-llama", "messages": "hi"}, "'messages' must be a list"),
    ({"model": "tiny-llama", "messages": [{"role": "robot", "content": "hi"}]}, "robot"),
    ({"model": "tiny-llama", "messages": ask("hi"), "options": {"temperature": "hot"}}, "options.temperature"),
    ({"model": "tiny-llama", "messages": ask("hi"), "options": {"top_p": 7}}, "options.top_p"),
    ({"model": "tiny-llama", "messages": ask("hi"), "options": {"stop": [1]}}, "stop"),
    ({"model": "tiny-llama", "messages": ask("hi"), "stream": "yes"}, "'stream' must be true or false"),
    ({"model": "tiny-llama", "messages": ask("hi"), "format": "yaml"}, "'format' must be \"json\" or a JSON schema"),
    ({"model": "tiny-llama", "messages": ask("hi"), "think": True}, "thinking"),
    ({"model": "tiny-llama", "messages": [{"role": "user", "content": "hi", "images": ["%%%"]}]}, "base64"),
    ({"model": "tiny-llama", "messages": [{"role": "user", "content": "hi", "images": [1]}]}, "base64-encoded"),
    ({"model": "tiny-llama", "messages": [{"role": "user", "content": "hi",
                                            "images": [base64.b64encode(b"not a picture").decode()]}]}, "picture"),
    ({"model": "tiny-llama", "messages": [{"role": "tool", "content": "42", "tool_name": "add"}]}, "function"),
    ({"model": "tiny-llama", "messages": [{"role": "system", "content": "Only a system message."}]}, ""),
])
def test_bad_chat_bodies_are_a_400_in_ollamas_format(server, body, says: str) -> None:
    answer = server.post("/api/chat", body)
    assert answer.status_code == 400, answer.text
    assert set(answer.json()) == {"error"} and says in answer.json()["error"]


def test_tools_and_raw_generate_are_refused_plainly(server) -> None:
    tool = {"type": "function", "function": {"name": "add", "description": "Add", "parameters": {
        "type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}}}
    answer = server.post("/api/chat", {"model": "tiny-llama", "messages": ask("hi"), "tools": [tool]})
    assert answer.status_code == 400 and "function calling" in answer.json()["error"]
    raw = server.post("/api/generate", {"model": "tiny-llama", "prompt": "<|im_start|>hi", "raw": True})
    assert raw.status_code == 400 and "raw" in raw.json()["error"]


def test_a_text_only_model_given_a_picture_names_the_vision_models(server) -> None:
    client = server.client()
    error = refused(lambda: client.chat(model="tiny-llama", messages=[
        {"role": "user", "content": "What is this?", "images": [png()]}]), 400)
    assert "only text" in error and VLM in error


def test_model_management_is_left_to_the_models_tab(server) -> None:
    client = server.client()
    for call in (lambda: client.pull("llama3.2"), lambda: client.push("me/llama3.2"),
                 lambda: client.create(model="mario", from_="tiny-llama", system="Mario"),
                 lambda: client.delete("tiny-llama"), lambda: client.copy("tiny-llama", "copy")):
        assert "Models tab" in refused(call, 501)
    assert server.client().show("tiny-llama").capabilities, "nothing was deleted"
    unknown = httpx.get(server.url + "/api/nothing-here")
    assert unknown.status_code == 404 and "/api/tags" in unknown.json()["error"]


def test_the_key_is_needed_when_set(server) -> None:
    locked = ollama.Client(host=server.keyed_url, timeout=60)
    assert "API key" in refused(lambda: locked.list(), 401)
    assert "API key" in refused(lambda: locked.chat(model="tiny-llama", messages=ask("hi")), 401)
    wrong = ollama.Client(host=server.keyed_url, headers={"Authorization": "Bearer nope"})
    assert "wrong" in refused(lambda: wrong.list(), 401)
    keyed = ollama.Client(host=server.keyed_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=120)
    assert "tiny-llama" in [m.model for m in keyed.list().models]
    assert keyed.chat(model="tiny-llama", messages=ask("hi"), options=OPTIONS, stream=False).message.content
    assert httpx.get(server.keyed_url + "/api/version").status_code == 401


def test_the_guard_takes_json_only(server) -> None:
    """A web page's <form enctype=text/plain> reaches a server without a CORS preflight: refused."""
    answer = httpx.post(server.url + "/api/chat", content=json.dumps({"model": "tiny-llama", "messages": ask("hi")}),
                        headers={"Content-Type": "text/plain"})
    assert answer.status_code == 415 and "application/json" in answer.json()["error"]


# -- a client that leaves ------------------------------------------------------------------------------------------
def _record_jobs(server, monkeypatch) -> list:
    jobs = []
    real = server.state.services.chat

    def recording(*args, **kwargs):
        job = real(*args, **kwargs)
        jobs.append(job)
        return job

    monkeypatch.setattr(server.state.services, "chat", recording)
    return jobs


def test_a_dropped_stream_cancels_its_job(server, monkeypatch) -> None:
    jobs = _record_jobs(server, monkeypatch)
    monkeypatch.setattr(server.fakes, "token_seconds", 0.002)  # 20000 tokens would take 40 s
    client = server.client()
    client.chat(model=FAKE_CHAT, messages=ask("warm up"), options={"num_predict": 2}, stream=False)
    stream = client.chat(model=FAKE_CHAT, messages=ask("A very long story"), options={"num_predict": 20000},
                         stream=True)
    for seen, _ in enumerate(stream, 1):
        if seen == 3:
            break
    stream.close()  # the client drops the connection mid-answer
    job = jobs[-1]
    assert job.finished.wait(10), "the job ends once its client is gone"
    assert job.result.finish_reason == "cancelled" and job.result.completion_tokens < 20000
    started = time.monotonic()
    out = client.chat(model=FAKE_CHAT, messages=ask("next"), options={"num_predict": 5}, stream=False)
    assert out.eval_count == 5 and time.monotonic() - started < 10


def test_a_client_that_stops_waiting_cancels_its_answer(server, monkeypatch) -> None:
    jobs = _record_jobs(server, monkeypatch)
    monkeypatch.setattr(server.fakes, "token_seconds", 0.01)
    body = {"model": FAKE_CHAT, "messages": ask("A very long story"), "options": {"num_predict": 20000},
            "stream": False}
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(server.url + "/api/chat", json=body, timeout=httpx.Timeout(10, read=1.0))
    left = time.monotonic()
    assert jobs and jobs[0].finished.wait(10)
    assert time.monotonic() - left < 2 and jobs[0].result.finish_reason == "cancelled"


# -- the real model -------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_the_real_model_answers_paris_through_the_ollama_client(real_models_dir: Path, tmp_path: Path) -> None:
    from fastapi import FastAPI

    from localai.api import mount_api
    from localai.auth import ApiKey
    from localai.config import parse_settings
    from localai.state import build_state
    from tests.app_process import serve_in_thread
    from tests.real_model import SMOLLM2_FOLDER

    settings = parse_settings(["--models-dir", str(real_models_dir), "--data-dir", str(tmp_path / "data"),
                               "--outputs-dir", str(tmp_path / "outputs"), "--no-browser", "--offline"], env={})
    state = build_state(settings)
    app = FastAPI()
    mount_api(app, state.services, ApiKey(None, False))
    url, srv, thread = serve_in_thread(app)
    try:
        client = ollama.Client(host=url.removesuffix("/v1"), timeout=300)
        question = [{"role": "user", "content": "What is the capital of France?"}]
        out = client.chat(model=SMOLLM2_FOLDER, messages=question, options={"temperature": 0, "num_predict": 24})
        assert "Paris" in out.message.content and out.done_reason in ("stop", "length")
        streamed = "".join(p.message.content for p in client.chat(
            model=SMOLLM2_FOLDER, messages=question, options={"temperature": 0, "num_predict": 24}, stream=True))
        assert streamed == out.message.content
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
        state.lanes.torch.call(state.registry.unload_all)
        state.lanes.shutdown()
