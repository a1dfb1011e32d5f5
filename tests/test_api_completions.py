"""``POST /v1/completions`` (a raw prompt continued) and the capabilities ``GET /v1/models`` lists, driven by the
official ``openai`` client against a real HTTP server (tests/test_api.py's pattern).

The server's models folder: the shared tiny Llama (ChatML template) and Qwen2 (no template), a copy of the Llama
whose template takes tools, the tiny vision model, the tiny embedding model and the tiny Stable Diffusion; the
fake backends beside them, and a fake remote server's model. The real SmolLM2 (slow) continues "The capital of
France is" with Paris.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import openai
import pytest

from localai.auth import ApiKey
from localai.catalog import ModelSpec
from localai.model_capabilities import chat_template_text, model_capabilities, takes_tools
from tests.fake_backends import FAKE_CHAT, FAKE_IMAGE, register_fake_backends
from tests.fake_upstream import FakeUpstream
from tests.real_model import SMOLLM2_FOLDER

KEY = "sk-test-key"
STORY = "Once upon a time, in a small village by the sea, there lived"
# The tiny Llama's ChatML template, taking tools the way Qwen2.5's does (a system block listing them).
TOOLS_TEMPLATE = (
    "{% if tools %}{{ '<|im_start|>system\\n# Tools\\n' }}{% for tool in tools %}{{ tool | tojson }}{% endfor %}"
    "{{ '<|im_end|>\\n' }}{% endif %}"
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


@dataclass
class Server:
    url: str  # .../v1, open
    keyed_url: str  # the same routes behind KEY
    state: object
    models: Path

    def client(self) -> openai.OpenAI:
        return openai.OpenAI(base_url=self.url, api_key="anything", max_retries=0, timeout=60)


@pytest.fixture(scope="module")
def server(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from fastapi import FastAPI

    from localai.api import mount_api
    from localai.config import parse_settings
    from localai.state import build_state
    from tests.app_process import serve_in_thread
    from tests.tiny_embedding import save_tiny_embedding_model
    from tests.tiny_models import copy_with_chat_template
    from tests.tiny_pipelines import with_tiny_sd
    from tests.tiny_vision import save_tiny_vlm

    tmp = tmp_path_factory.mktemp("completions")
    models = with_tiny_sd(models_dir, tmp / "models")  # the shared tiny-llama and tiny-qwen2 (linked) + tiny-sd
    copy_with_chat_template(models_dir / "text" / "tiny-llama", models / "text" / "tiny-tools", TOOLS_TEMPLATE)
    save_tiny_vlm(models / "text" / "tiny-vlm")
    save_tiny_embedding_model(models / "embedding" / "tiny-e5")
    upstream = FakeUpstream(models=["far-model"]).__enter__()
    settings = parse_settings(["--models-dir", str(models), "--data-dir", str(tmp / "data"), "--outputs-dir",
                               str(tmp / "outputs"), "--no-browser", "--offline", "--remote", f"pc2={upstream.url}"],
                              env={})
    state = build_state(settings)
    state.services.remotes.check_all()
    register_fake_backends(state.registry)
    open_app, keyed_app = FastAPI(), FastAPI()
    mount_api(open_app, state.services, ApiKey(None, False))
    mount_api(keyed_app, state.services, ApiKey(KEY, False))
    url, srv1, t1 = serve_in_thread(open_app)
    keyed_url, srv2, t2 = serve_in_thread(keyed_app)
    yield Server(url, keyed_url, state, models)
    for srv, thread in ((srv1, t1), (srv2, t2)):
        srv.should_exit = True
        thread.join(timeout=10)
    state.services.remotes.stop()
    upstream.__exit__(None, None, None)
    state.lanes.torch.call(state.registry.unload_all)
    state.lanes.shutdown()


def raw_tokens(folder: Path, text: str) -> int:
    from transformers import AutoTokenizer

    return len(AutoTokenizer.from_pretrained(folder)(text)["input_ids"])


def post(server: Server, body: dict) -> httpx.Response:
    return httpx.post(server.url + "/completions", json=body, timeout=60)


# -- completions -------------------------------------------------------------------------------------------
def test_a_completion_continues_the_raw_prompt_with_usage(server):
    out = server.client().completions.create(model="tiny-llama", prompt=STORY, max_tokens=8, seed=3,
                                             temperature=0.8)
    choice = out.choices[0]
    assert out.object == "text_completion" and out.model == "tiny-llama" and out.id.startswith("cmpl-")
    assert choice.text and choice.index == 0 and choice.finish_reason == "length" and choice.logprobs is None
    # The prompt went in as it is: exactly its own tokens, no chat template around it.
    assert out.usage.prompt_tokens == raw_tokens(server.models / "text" / "tiny-llama", STORY)
    assert out.usage.completion_tokens == 8
    assert out.usage.total_tokens == out.usage.prompt_tokens + out.usage.completion_tokens
    chat = server.client().chat.completions.create(model="tiny-llama", max_tokens=1,
                                                   messages=[{"role": "user", "content": STORY}])
    assert chat.usage.prompt_tokens > out.usage.prompt_tokens, "the chat route wraps the text in the template"


def test_max_tokens_defaults_to_16_and_a_list_of_one_prompt_is_that_prompt(server):
    client = server.client()
    out = client.completions.create(model="tiny-qwen2", prompt=[STORY], seed=1)
    assert out.usage.completion_tokens == 16, "OpenAI's default max_tokens"
    same = client.completions.create(model="tiny-qwen2", prompt=STORY, seed=1)
    assert same.choices[0].text == out.choices[0].text


def test_the_same_seed_gives_the_same_text(server):
    client = server.client()

    def text(seed: int) -> str:
        return client.completions.create(model="tiny-llama", prompt=STORY, max_tokens=12, temperature=1.0,
                                         seed=seed).choices[0].text

    first = text(7)
    assert text(7) == first, "same seed, same text"
    assert len({first, text(8), text(9), text(10)}) > 1, "other seeds sample other texts"


def test_a_stream_sends_text_pieces_then_the_finish_then_usage_then_done(server):
    client = server.client()
    kwargs = {"model": "tiny-llama", "prompt": STORY, "max_tokens": 20, "seed": 5, "temperature": 0.9}
    whole = client.completions.create(**kwargs).choices[0].text
    chunks = list(client.completions.create(stream=True, stream_options={"include_usage": True}, **kwargs))
    assert all(c.object == "text_completion" for c in chunks)
    texts = [c.choices[0].text for c in chunks if c.choices and c.choices[0].text]
    assert len(texts) >= 5, "the text arrives piece by piece"
    assert "".join(texts) == whole, "same seed, same text, streamed or not"
    finals = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(finals) == 1 and finals[0].choices[0].finish_reason == "length"
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == 20
    assert all(c.usage is None for c in chunks[:-1])
    with httpx.stream("POST", server.url + "/completions", json={**kwargs, "stream": True}, timeout=60) as resp:
        assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in resp.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    assert all("usage" not in json.loads(line[len("data: "):]) for line in lines[:-1]), "no usage unless asked"


def test_echo_puts_the_prompt_before_the_text(server):
    client = server.client()
    kwargs = {"model": "tiny-llama", "prompt": STORY, "max_tokens": 6, "seed": 2, "temperature": 0.7}
    plain = client.completions.create(**kwargs).choices[0].text
    echoed = client.completions.create(echo=True, **kwargs)
    assert echoed.choices[0].text == STORY + plain
    assert echoed.usage.completion_tokens == 6, "the echoed prompt is not counted as completion"
    chunks = list(client.completions.create(echo=True, stream=True, **kwargs))
    assert chunks[0].choices[0].text == STORY
    assert "".join(c.choices[0].text for c in chunks) == STORY + plain


def test_a_stop_string_ends_the_text_before_it(server):
    client = server.client()
    full = client.completions.create(model="tiny-llama", prompt=STORY, max_tokens=30, temperature=0).choices[0].text
    stop = full[10:12]
    assert stop.strip(), f"need a stop string inside {full!r}"
    cut = client.completions.create(model="tiny-llama", prompt=STORY, max_tokens=30, temperature=0, stop=[stop])
    assert cut.choices[0].text == full[:full.index(stop)]
    assert cut.choices[0].finish_reason == "stop"


def test_the_key_is_needed_where_the_server_has_one(server):
    body = {"model": "tiny-llama", "prompt": "Hi", "max_tokens": 2}
    assert httpx.post(server.keyed_url + "/completions", json=body, timeout=30).status_code == 401
    keyed = openai.OpenAI(base_url=server.keyed_url, api_key=KEY, max_retries=0, timeout=60)
    assert keyed.completions.create(**body).usage.completion_tokens == 2


# -- errors ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "param", "words"), [
    ({"prompt": "hi"}, "model", "'model' is required"),
    ({"model": "tiny-llama"}, "prompt", "'prompt' is required"),
    ({"model": "tiny-llama", "prompt": [1, 2, 3]}, "prompt", "Token ids"),
    ({"model": "tiny-llama", "prompt": [[1, 2], [3]]}, "prompt", "Token ids"),
    ({"model": "tiny-llama", "prompt": ["one", "two"]}, "prompt", "2 prompts were sent"),
    ({"model": "tiny-llama", "prompt": []}, "prompt", "must be a string"),
    ({"model": "tiny-llama", "prompt": {"text": "hi"}}, "prompt", "must be a string"),
    ({"model": "tiny-llama", "prompt": ""}, "prompt", "empty"),
    ({"model": "tiny-llama", "prompt": "hi", "suffix": "end"}, "suffix", "not supported"),
    ({"model": "tiny-llama", "prompt": "hi", "logprobs": 2}, "logprobs", "not supported"),
    ({"model": "tiny-llama", "prompt": "hi", "best_of": 3}, "best_of", "not supported"),
    ({"model": "tiny-llama", "prompt": "hi", "n": 2}, "n", "n=1"),
    ({"model": "tiny-llama", "prompt": "hi", "max_tokens": 0}, "max_tokens", "between"),
    ({"model": "tiny-llama", "prompt": "hi", "temperature": 3}, "temperature", "between"),
    ({"model": "tiny-llama", "prompt": "hi", "stop": ["a"] * 5}, "stop", "stop"),
    ({"model": "tiny-llama", "prompt": "hi", "echo": "yes"}, "echo", "true or false"),
    ({"model": "tiny-llama", "prompt": "hi", "stream_options": {"include_usage": True}}, "stream_options",
     "stream"),
])
def test_bad_requests_are_400_naming_the_field(server, body, param, words):
    resp = post(server, body)
    assert resp.status_code == 400, resp.text
    err = resp.json()["error"]
    assert err["type"] == "invalid_request_error" and err["param"] == param
    assert words.lower() in err["message"].lower(), err["message"]


def test_the_fields_openai_sends_empty_are_accepted(server):
    resp = post(server, {"model": "tiny-llama", "prompt": "hi", "max_tokens": 2, "suffix": None, "logprobs": None,
                         "best_of": 1, "n": 1, "echo": False, "user": "someone"})
    assert resp.status_code == 200 and resp.json()["usage"]["completion_tokens"] == 2


def test_a_prompt_longer_than_the_context_is_a_clear_400(server):
    prompt = "the quick brown fox jumps over the lazy dog " * 120  # ~1000 tokens; tiny-llama reads 512
    with pytest.raises(openai.BadRequestError) as info:
        server.client().completions.create(model="tiny-llama", prompt=prompt, max_tokens=4)
    assert "tokens" in info.value.message and "512" in info.value.message
    assert info.value.body["param"] == "prompt"
    # One that fits gets what is left of the context.
    fits = "the quick brown fox " * 100
    n = raw_tokens(server.models / "text" / "tiny-llama", fits)
    assert n < 512
    out = server.client().completions.create(model="tiny-llama", prompt=fits, max_tokens=1000)
    assert out.usage.completion_tokens == 512 - n and out.choices[0].finish_reason == "length"


def test_an_unknown_model_is_answered_as_the_chat_route_answers_it(server):
    chat = httpx.post(server.url + "/chat/completions", json={"model": "no-such-model", "messages": [
        {"role": "user", "content": "hi"}]}, timeout=30)
    completion = post(server, {"model": "no-such-model", "prompt": "hi"})
    assert completion.status_code == chat.status_code == 404
    assert "no-such-model" in completion.json()["error"]["message"]


@pytest.mark.parametrize(("model", "words"), [
    ("tiny-vlm", "vision model"),
    ("far-model", "remote models"),
    (FAKE_CHAT, "answers chats only"),
])
def test_models_that_only_chat_are_refused_saying_to_use_chat(server, model, words):
    with pytest.raises(openai.BadRequestError) as info:
        server.client().completions.create(model=model, prompt="Hello", max_tokens=4)
    assert words in info.value.message and "/v1/chat/completions" in info.value.message
    assert info.value.body["param"] == "model"


def test_a_lone_surrogate_in_the_prompt_is_a_400(server):
    resp = httpx.post(server.url + "/completions", content=b'{"model": "tiny-llama", "prompt": "x\\ud800"}',
                      headers={"content-type": "application/json"}, timeout=30)
    assert resp.status_code == 400 and resp.json()["error"]["param"] == "prompt"


# -- /v1/models capabilities -------------------------------------------------------------------------------
def test_models_list_each_ones_capabilities_and_context_length(server):
    models = {m["id"]: m for m in httpx.get(server.url + "/models", timeout=30).json()["data"]}
    assert models["tiny-llama"]["capabilities"] == ["chat", "completion"], "its ChatML template takes no tools"
    assert models["tiny-tools"]["capabilities"] == ["chat", "completion", "tools"]
    assert models["tiny-qwen2"]["capabilities"] == ["chat", "completion"], "no template at all"
    assert models["tiny-vlm"]["capabilities"] == ["chat", "vision"]
    assert models["tiny-e5"]["capabilities"] == ["embeddings"]
    assert models["tiny-sd"]["capabilities"] == ["images"]
    assert models[FAKE_IMAGE]["capabilities"] == ["images"]
    assert models[FAKE_CHAT]["capabilities"] == ["chat"], "an engine without raw prompts"
    assert models["far-model"]["capabilities"] == ["chat"], "a remote model: chat requests only"
    assert models["tiny-llama"]["context_length"] == 512 and models["tiny-vlm"]["context_length"] == 512
    assert models[FAKE_CHAT]["context_length"] == 64
    assert "context_length" not in models["far-model"], "not known: left out"
    listed = server.client().models.list()  # the official client keeps the extra fields
    llama = next(m for m in listed.data if m.id == "tiny-llama")
    assert llama.capabilities == ["chat", "completion"] and llama.context_length == 512


def test_an_edited_template_is_read_again(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "tokenizer_config.json").write_text(json.dumps({"chat_template": "{{ messages }}"}))
    spec = ModelSpec(name="m", kind="text", source="local", path=folder)
    assert model_capabilities(spec) == ["chat", "completion"]
    (folder / "tokenizer_config.json").write_text(json.dumps({"chat_template": [
        {"name": "default", "template": "{{ messages }}"}, {"name": "tool_use", "template": "{{ tools }}"}]}))
    stat = (folder / "tokenizer_config.json").stat()
    os.utime(folder / "tokenizer_config.json", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert model_capabilities(spec) == ["chat", "completion", "tools"], "named templates, one of them for tools"
    (folder / "tokenizer_config.json").write_text("{broken")
    assert chat_template_text(folder) == "" and not takes_tools(spec), "a broken file is no template"


def test_a_gguf_files_template_is_read_from_its_header(tmp_path):
    from localai.gguf_files import gguf_spec
    from tests.tiny_gguf import write_tiny_gguf

    write_tiny_gguf(tmp_path / "tiny.gguf")
    spec = gguf_spec(tmp_path / "tiny.gguf", "tiny")
    assert spec is not None and spec.backend == "gguf"
    assert "messages" in chat_template_text(spec.path)
    assert model_capabilities(spec) == ["chat", "completion"], "its template takes no tools"


@pytest.mark.parametrize(("name", "tools"), [
    ("Qwen2.5-7B-Instruct", True), ("Llama-3.1-8B-Instruct", True), ("Mistral-7B-Instruct-v0.3", True),
    ("SmolLM2-1.7B-Instruct", False), ("Phi-3.5-mini-instruct", False), ("Qwen2.5-VL-3B-Instruct", False),
])
def test_catalog_models_not_on_disk_are_judged_by_their_family(name, tools):
    from localai.catalog import builtin_catalog

    spec = next(s for s in builtin_catalog() if s.name == name)
    assert spec.path is None
    assert takes_tools(spec) is tools


# -- the real model ----------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("model", [SMOLLM2_FOLDER])  # the GGUF file goes through the same backend (its load: ~15 s)
def test_the_real_model_completes_the_capital_of_france(real_models_dir, tmp_path_factory, model):
    from fastapi import FastAPI

    from localai.api import mount_api
    from localai.config import parse_settings
    from localai.state import build_state
    from tests.app_process import serve_in_thread

    tmp = tmp_path_factory.mktemp("real-completions")
    settings = parse_settings(["--models-dir", str(real_models_dir), "--data-dir", str(tmp / "data"),
                               "--outputs-dir", str(tmp / "outputs"), "--no-browser", "--offline"], env={})
    state = build_state(settings)
    app = FastAPI()
    mount_api(app, state.services, ApiKey(None, False))
    url, srv, thread = serve_in_thread(app)
    try:
        names = state.services.model_names("text")
        assert model in names, names
        client = openai.OpenAI(base_url=url, api_key="anything", max_retries=0, timeout=120)
        out = client.completions.create(model=model, prompt="The capital of France is", max_tokens=8, temperature=0)
        assert "Paris" in out.choices[0].text, out.choices[0].text
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
        state.lanes.torch.call(state.registry.unload_all)
        state.lanes.shutdown()
