"""The embedding model and ``POST /v1/embeddings``, with a tiny random BERT encoder built offline
(tests/tiny_embedding.py) saved twice: as ``tiny-e5`` (an E5 name: "query: " / "passage: " prefixes) and as
``tiny-plain`` (the same weights, no prefixes).

Through services (the torch lane): the vectors' shape, norm and order, batches equal to single texts, the E5
prefixes, the cut at the model's window, the memory plan and unloading, making room and not pushing a chat model
out of the GPU, the checks and their errors. Through the official ``openai`` client against the /v1 routes
behind the real HTTP guard: float and base64 vectors, usage, every client mistake a 4xx, the key.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import openai
import pytest

from localai.catalog import ModelSpec
from localai.config import parse_settings
from localai.errors import InvalidInput, ModelFolderInvalid, ModelUnavailable, NotEnoughMemory, UnknownModel
from localai.hardware import HardwareInfo
from localai.jobs import Done, Lane, Lanes, Status
from localai.messages import render
from localai.plan import LoadPlan, LoadPrefs, plan_text_load
from localai.plan_embedding import plan_embedding_load
from tests.fake_backends import FakeBehaviour, FakeChatBackend
from tests.tiny_embedding import HIDDEN, POSITIONS, save_tiny_embedding_model

GB = 10**9
KEY = "sk-test-embeddings"
LONG = " ".join(["the quick brown fox jumps over the lazy dog"] * 40)  # far more than 64 tokens


# -- models on disk ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_embedding_model(tmp_path_factory.mktemp("encoder") / "tiny")


def _models_with(root: Path, chat_models: Path | None, encoder: Path | None) -> Path:
    """A models folder: the session's tiny chat models (linked), and the encoder as tiny-e5 and tiny-plain."""
    root.mkdir(parents=True)
    (root / "image").mkdir()
    if chat_models is not None:
        (root / "text").symlink_to(chat_models / "text", target_is_directory=True)
    if encoder is not None:
        for name in ("tiny-e5", "tiny-plain"):
            folder = root / "embedding" / name
            folder.mkdir(parents=True)
            for file in encoder.iterdir():
                (folder / file.name).symlink_to(file)
    return root


def _state(models: Path, work: Path, *extra: str):
    from localai.state import build_state

    settings = parse_settings(["--models-dir", str(models), "--data-dir", str(work / "data"), "--outputs-dir",
                               str(work / "outputs"), "--no-browser", "--offline", *extra], env={})
    return build_state(settings)


def _close(state) -> None:
    state.lanes.torch.call(state.registry.unload_all)
    state.lanes.shutdown()


@pytest.fixture(scope="module")
def state(models_dir: Path, tiny_encoder: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    tmp = tmp_path_factory.mktemp("embeddings")
    st = _state(_models_with(tmp / "models", models_dir, tiny_encoder), tmp)
    yield st
    _close(st)


@pytest.fixture(scope="module")
def bare_state(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """Chat models only: no embedding model on this computer."""
    tmp = tmp_path_factory.mktemp("no-embeddings")
    st = _state(_models_with(tmp / "models", models_dir, None), tmp)
    yield st
    _close(st)


def embed(state, texts, model: str | None = "tiny-e5", role: str = "passage"):
    return state.services.embed(texts, model, role).wait()


# -- what is listed --------------------------------------------------------------------------------------------------
def test_embedding_models_are_found_and_kept_out_of_the_chat_and_image_lists(state) -> None:
    services = state.services
    embedding = {s.name: s for s in services.list_models("embedding")}
    assert embedding["tiny-e5"].source == "local" and embedding["tiny-plain"].source == "local"
    assert embedding["multilingual-e5-small"].source == "hub", "the catalog's, to download"
    assert embedding["tiny-e5"].params > 0 and embedding["tiny-e5"].context_length == POSITIONS
    assert not set(embedding) & set(services.model_names("text")), "not in the chat model picker"
    assert not set(embedding) & set(services.model_names("image")), "not in the image model picker"
    assert {"tiny-llama", "tiny-qwen2"} <= set(services.model_names("text"))
    assert services.embedding_model() == "tiny-e5", "the first on disk"
    assert services.embedding_dimensions() == HIDDEN


# -- vectors ----------------------------------------------------------------------------------------------------------
def test_vectors_are_normalised_float32_rows_in_order_and_repeatable(state) -> None:
    texts = ["The weather today is sunny.", "Python is a programming language.", "Once upon a time, a cat."]
    result = embed(state, texts)
    assert result.model == "tiny-e5"
    assert result.vectors.shape == (3, HIDDEN) and result.vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(result.vectors, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(result.vectors[0], result.vectors[1]), "different texts, different vectors"
    again = embed(state, texts)
    assert np.array_equal(result.vectors, again.vectors) and result.prompt_tokens == again.prompt_tokens
    reversed_ = embed(state, texts[::-1])
    assert np.allclose(reversed_.vectors[::-1], result.vectors, atol=1e-6), "row i is text i, whatever the order"


def test_a_batch_gives_what_each_text_gives_alone(state) -> None:
    texts = ["hello", "A local assistant runs on your own computer and keeps conversations private.", LONG, "Numbers"]
    batch = embed(state, texts)
    alone = [embed(state, [t]) for t in texts]
    for i, single in enumerate(alone):
        assert np.allclose(batch.vectors[i], single.vectors[0], atol=1e-5), texts[i][:20]
    assert batch.prompt_tokens == sum(single.prompt_tokens for single in alone)


def test_e5_models_get_query_and_passage_prefixes(state) -> None:
    def vec(model: str, text: str, role: str) -> np.ndarray:
        return embed(state, [text], model, role).vectors[0]

    text = "How can I help you today?"
    assert np.allclose(vec("tiny-e5", text, "query"), vec("tiny-plain", "query: " + text, "query"), atol=1e-6)
    assert np.allclose(vec("tiny-e5", text, "passage"), vec("tiny-plain", "passage: " + text, "passage"), atol=1e-6)
    assert not np.allclose(vec("tiny-e5", text, "query"), vec("tiny-e5", text, "passage"), atol=1e-3)
    assert not np.allclose(vec("tiny-plain", text, "query"), vec("tiny-e5", text, "query"), atol=1e-3)
    assert np.allclose(vec("tiny-plain", text, "query"), vec("tiny-plain", text, "passage")), "no prefixes"
    prefixed = "query: " + text  # a client that adds E5's prefix itself does not get it twice
    assert np.allclose(vec("tiny-e5", prefixed, "passage"), vec("tiny-plain", prefixed, "passage"), atol=1e-6)


def test_long_texts_are_cut_at_the_window_and_tokens_are_counted(state) -> None:
    long = embed(state, [LONG])
    assert long.prompt_tokens == POSITIONS, "cut at the model's 64 positions"
    tail = embed(state, [LONG + " and then something else entirely about rivers"])
    assert np.array_equal(long.vectors, tail.vectors), "what lies past the window is not read"
    short = embed(state, ["hello"], "tiny-plain")
    assert short.prompt_tokens == 3, "[CLS] hello [SEP]"
    encoder = state.lanes.torch.call(state.services.encoder)
    prefixed = state.lanes.torch.call(lambda: encoder.count_tokens(["hello"], "passage"))
    assert embed(state, ["hello"]).prompt_tokens == prefixed[0] > 3, "'passage: ' counts too"


def test_the_encoder_for_code_on_the_torch_lane(state) -> None:
    services = state.services
    encoder = state.lanes.torch.call(services.encoder)
    assert encoder.name == "tiny-e5" and encoder.dimensions == HIDDEN
    texts = ["hello there", "the lazy dog"]
    vectors = state.lanes.torch.call(lambda: encoder.encode(texts, "query"))
    assert np.allclose(vectors, embed(state, texts, role="query").vectors, atol=1e-6)
    assert state.lanes.torch.call(lambda: services.encoder("tiny-plain")).name == "tiny-plain"
    with pytest.raises(RuntimeError, match="torch lane"):
        services.encoder()


# -- memory ------------------------------------------------------------------------------------------------------------
def test_the_model_is_planned_in_the_memory_budget_and_unloads(state) -> None:
    services = state.services
    info = services.model_info("tiny-e5", "embedding")
    assert info.plan is not None and info.plan.device == "cpu" and info.plan.dtype == "fp32"
    assert info.plan.pool == "ram" and info.plan.estimated_bytes >= info.spec.params * 4
    assert "fits in" in render(info.plan.reason, "en") and "fp32" in render(info.plan.reason, "en")
    services.unload("tiny-e5", "embedding")  # loaded by an earlier test or not: not now
    job = services.embed(["hello"], "tiny-e5")
    statuses = [render(e.message, "en") for e in job.events() if isinstance(e, Status)]
    assert "Loading the weights of tiny-e5 (cpu · fp32 · no quantization)..." in statuses, statuses
    loaded = {m.spec.name: m for m in services.loaded_models()}
    assert "tiny-e5" in loaded and loaded["tiny-e5"].plan.estimated_bytes == info.plan.estimated_bytes
    assert services.unload("tiny-e5", "embedding") is True
    assert "tiny-e5" not in {m.spec.name for m in services.loaded_models()}
    assert services.unload("tiny-e5", "embedding") is False
    assert embed(state, ["hello"]).vectors.shape == (1, HIDDEN), "and it loads again"


class FakeHardware:
    """A literal machine whose free memory the fake chat model's loads take and give back."""

    def __init__(self, available_ram: int, free_vram: int = 0) -> None:
        self.info = HardwareInfo("cuda" if free_vram else "cpu", "Fake", free_vram, free_vram, total_ram=64 * GB,
                                 available_ram=available_ram, cpu_threads=2)

    def __call__(self) -> HardwareInfo:
        return self.info

    def take(self, plan: LoadPlan, sign: int = 1) -> None:
        n = sign * plan.estimated_bytes
        ram, vram = self.info.available_ram, self.info.free_vram
        self.info = self.info.with_free(available_ram=ram - n if plan.pool == "ram" else ram,
                                        free_vram=vram - n if plan.pool == "gpu" else vram)


@pytest.fixture()
def fake_machine(tmp_path: Path, tiny_encoder: Path):
    """Services over a registry with a fake 1.5B chat model (the real text planner) and the real embedding backend,
    on a machine described as a literal."""
    from localai.backends.embedding import register
    from localai.registry import Registry
    from localai.services import Services

    class Machine:
        def start(self, available_ram: int, free_vram: int = 0) -> None:
            self.hw = FakeHardware(available_ram, free_vram)
            self.behaviour = FakeBehaviour(on_load=self.hw.take, on_unload=lambda plan: self.hw.take(plan, -1))
            models = _models_with(tmp_path / "models", None, tiny_encoder)
            settings = parse_settings(["--models-dir", str(models), "--data-dir", str(tmp_path / "data")], env={})
            self.registry = Registry(settings, self.hw, catalog=())
            alpha = ModelSpec(name="alpha", kind="text", source="local", params=int(1.5e9))
            self.registry.register("transformers", kind="text", planner=plan_text_load,
                                   factory=lambda spec, plan: FakeChatBackend(spec, plan, self.behaviour),
                                   scanners=(lambda s: [alpha],))
            register(self.registry)
            self.lanes = Lanes(torch=Lane("torch"), network=Lane("network"))
            self.services = Services(self.registry, self.lanes)

        def load_chat(self) -> None:
            self.lanes.torch.call(lambda: self.registry.ensure_loaded(self.registry.resolve("alpha", "text")))

    machine = Machine()
    yield machine
    if hasattr(machine, "lanes"):
        machine.lanes.torch.call(machine.registry.unload_all)
        machine.lanes.shutdown()


def test_loading_the_embedding_model_makes_room_in_ram_and_it_is_evicted_in_turn(fake_machine) -> None:
    m = fake_machine
    m.start(available_ram=10 * GB)
    m.load_chat()
    m.hw.info = m.hw.info.with_free(available_ram=int(0.3 * GB))  # other programs took the rest
    job = m.services.embed(["hello"], "tiny-e5")
    events = list(job.events())
    statuses = [render(e.message, "en") for e in events if isinstance(e, Status)]
    assert isinstance(events[-1], Done) and events[-1].result.vectors.shape == (1, HIDDEN)
    assert m.behaviour.calls == [("load", "alpha"), ("unload", "alpha")], "the chat model made room"
    assert any("alpha" in s and "Unloaded" in s for s in statuses), statuses
    encoder = m.registry.get_loaded(m.registry.resolve("tiny-e5", "embedding"))
    assert encoder is not None and encoder.plan.pool == "ram"
    # A big model planned now evicts the embedding model (same pool, least recently used).
    m.hw.info = m.hw.info.with_free(available_ram=int(0.1 * GB))
    big = LoadPlan("cpu", "fp32", estimated_bytes=2 * GB, pool="ram")
    assert m.lanes.torch.call(lambda: m.registry.evict_for(big)) == ["tiny-e5"]
    assert encoder.model is None and m.registry.loaded() == []


def test_a_full_gpu_keeps_its_chat_model_and_the_embedding_model_runs_on_the_cpu(fake_machine) -> None:
    m = fake_machine
    m.start(available_ram=30 * GB, free_vram=8 * GB)
    spec = m.registry.resolve("tiny-e5", "embedding")
    assert m.registry.plan(spec).device == "cuda" and m.registry.plan(spec).dtype == "fp16", "the GPU has room"
    m.load_chat()
    m.hw.info = m.hw.info.with_free(free_vram=int(0.2 * GB))  # the chat model's cache and activations took the rest
    encoder = m.lanes.torch.call(m.services.encoder)
    assert encoder.plan.device == "cpu" and encoder.plan.dtype == "fp32" and encoder.plan.pool == "ram"
    assert m.behaviour.calls == [("load", "alpha")], "the chat model stays in GPU memory"
    assert encoder.encode(["hello"], "query").shape == (1, HIDDEN)


# -- the planner (pure) ------------------------------------------------------------------------------------------------
E5_SMALL = ModelSpec(name="multilingual-e5-small", kind="embedding", source="hub", params=118_000_000)


def _machine(ram: float, vram: float = 0, accelerator: str = "cuda") -> HardwareInfo:
    return HardwareInfo(accelerator if vram else "cpu", "Fake", int(vram * GB), int(vram * GB), total_ram=64 * GB,
                        available_ram=int(ram * GB), cpu_threads=2)


def test_plans_fp32_on_the_cpu_and_fp16_on_a_gpu() -> None:
    cpu = plan_embedding_load(E5_SMALL, _machine(8))
    assert (cpu.device, cpu.dtype, cpu.quantization, cpu.pool) == ("cpu", "fp32", "none", "ram")
    assert cpu.estimated_bytes > E5_SMALL.params * 4
    gpu = plan_embedding_load(E5_SMALL, _machine(8, 6))
    assert (gpu.device, gpu.dtype, gpu.pool) == ("cuda", "fp16", "gpu") and gpu.estimated_bytes < cpu.estimated_bytes
    mps = plan_embedding_load(E5_SMALL, _machine(8, 16, "mps"))
    assert (mps.device, mps.dtype) == ("mps", "fp16") and "unified" in render(mps.reason, "en")


def test_a_gpu_without_room_leaves_it_to_the_cpu_and_says_so() -> None:
    plan = plan_embedding_load(E5_SMALL, _machine(8, 0.5))
    assert plan.device == "cpu" and plan.dtype == "fp32"
    assert render(plan.reason, "en").startswith("CUDA has 0.5 GB free, too little -> CPU:"), render(plan.reason, "en")
    assert "процессор" in render(plan.reason, "ru")
    with pytest.raises(NotEnoughMemory) as info:  # asked for the GPU: no CPU fallback
        plan_embedding_load(E5_SMALL, _machine(8, 0.5), LoadPrefs(device="cuda"))
    assert "multilingual-e5-small" in info.value.message and "free VRAM" in info.value.message


def test_quantization_and_offload_settings_are_not_applied_and_the_reason_says_so() -> None:
    plan = plan_embedding_load(E5_SMALL, _machine(8), LoadPrefs(quantization="nf4", offload="sequential"))
    assert plan.quantization == "none" and plan.offload == "none"
    assert "loaded whole: 4-bit NF4 and sequential are for chat and image models" in render(plan.reason, "en")
    plan = plan_embedding_load(E5_SMALL, _machine(8), LoadPrefs(dtype="bf16"))
    assert plan.dtype == "bf16" and plan.estimated_bytes < plan_embedding_load(E5_SMALL, _machine(8)).estimated_bytes


def test_no_room_anywhere_and_impossible_choices_are_clear_errors() -> None:
    with pytest.raises(NotEnoughMemory) as info:
        plan_embedding_load(E5_SMALL, _machine(1.2))
    assert info.value.status == 503 and "free RAM" in info.value.message
    with pytest.raises(InvalidInput, match="no such GPU"):
        plan_embedding_load(E5_SMALL, _machine(8), LoadPrefs(device="cuda"))
    with pytest.raises(ModelFolderInvalid, match="no readable weights"):  # an unknown size cannot be planned
        plan_embedding_load(ModelSpec(name="x", kind="embedding", source="local", path=Path("/nowhere")), _machine(8))


def test_how_each_model_wants_its_texts(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from localai.backends.embedding import _window
    from localai.embedding_models import pooling_of, text_prompts

    def spec(name: str, repo: str | None = None) -> ModelSpec:
        return ModelSpec(name=name, kind="embedding", source="local", repo_id=repo)

    assert text_prompts(spec("multilingual-e5-small")) == {"query": "query: ", "passage": "passage: "}
    assert text_prompts(spec("my-encoder", "intfloat/e5-base-v2"))["query"] == "query: "
    assert text_prompts(spec("multilingual-e5-large-instruct"))["query"].startswith("Instruct: ")
    assert text_prompts(spec("bge-m3")) == {} and text_prompts(spec("some-e50-model")) == {}
    folder = tmp_path / "st"
    (folder / "1_Pooling").mkdir(parents=True)
    (folder / "config_sentence_transformers.json").write_text(json.dumps(
        {"prompts": {"query": "search_query: ", "document": "search_document: "}}))
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_cls_token": True}))
    assert text_prompts(spec("e5-like"), folder) == {"query": "search_query: ", "passage": "search_document: "}
    assert pooling_of(spec("x"), folder) == "cls" and pooling_of(spec("x")) == "mean"
    assert pooling_of(spec("bge-m3", "BAAI/bge-m3")) == "cls"
    xlmr = SimpleNamespace(max_position_embeddings=514, model_type="xlm-roberta", pad_token_id=1)
    assert _window(SimpleNamespace(model_max_length=10**30), xlmr) == 512, "positions start after the padding"
    bert = SimpleNamespace(max_position_embeddings=512, model_type="bert", pad_token_id=0)
    assert _window(SimpleNamespace(model_max_length=256), bert) == 256, "the tokenizer's own limit"


# -- checks and errors through services --------------------------------------------------------------------------------
@pytest.mark.parametrize("texts, says", [
    ([], "no text to embed"),
    (["fine", "   "], "Text 1 is empty"),
    (["fine", 3], "Text 1 is not a string"),
    (["x"] * 2049, "2049 texts were sent; at most 2048"),
    (["x" * 1_000_001, "y" * 1_000_000], "at most 2000000"),
])
def test_bad_input_is_refused_before_any_work(state, texts, says) -> None:
    with pytest.raises(InvalidInput) as info:
        state.services.embed(texts, "tiny-e5")
    assert says in info.value.message and info.value.field == "input" and info.value.status == 400
    assert state.lanes.torch.queue_length() == 0


def test_model_mistakes_say_what_to_use(state) -> None:
    services = state.services
    with pytest.raises(InvalidInput) as chat:
        services.embed(["hello"], "tiny-llama")
    assert "'tiny-llama' is a chat model, not an embedding model" in chat.value.message
    assert "tiny-e5" in chat.value.hint and "tiny-plain" in chat.value.hint and chat.value.status == 400
    with pytest.raises(UnknownModel) as unknown:
        services.embed(["hello"], "no-such-encoder")
    assert "Unknown embedding model 'no-such-encoder'" in unknown.value.message and "tiny-e5" in unknown.value.hint
    with pytest.raises(ModelUnavailable) as hub:
        services.embed(["hello"], "multilingual-e5-small")
    assert "not downloaded" in hub.value.message and "models/embedding/multilingual-e5-small/" in hub.value.hint
    assert "скачана" in render(hub.value, "ru")
    with pytest.raises(ValueError):
        services.embed(["hello"], "tiny-e5", role="question")


def test_without_an_embedding_model_the_errors_say_how_to_get_one(bare_state) -> None:
    services = bare_state.services
    assert services.embedding_model() is None
    assert services.model_names("embedding") == ["multilingual-e5-small"]
    with pytest.raises(ModelUnavailable) as info:
        services.embed(["hello"])
    assert info.value.message == "No embedding model is on this computer. Long documents are searched with one."
    assert "multilingual-e5-small" in info.value.hint and "models/embedding/" in info.value.hint
    assert "0.5 GB" in info.value.hint
    with pytest.raises(ModelUnavailable):
        bare_state.lanes.torch.call(services.encoder)
    with pytest.raises(InvalidInput) as chat:
        services.embed(["hello"], "tiny-llama")
    assert "chat model" in chat.value.message and "multilingual-e5-small" in chat.value.hint


def test_the_embedding_model_option(models_dir: Path, tiny_encoder: Path, tmp_path: Path) -> None:
    models = _models_with(tmp_path / "models", models_dir, tiny_encoder)
    assert parse_settings(["--embedding-model", "tiny-plain"], env={}).embedding_model == "tiny-plain"
    chosen = _state(models, tmp_path / "a", "--embedding-model", "tiny-plain")
    try:
        assert chosen.services.embedding_model() == "tiny-plain"
        assert embed(chosen, ["hello"], None).model == "tiny-plain"
    finally:
        _close(chosen)
    missing = _state(models, tmp_path / "b", "--embedding-model", "multilingual-e5-small")
    try:
        assert missing.services.embedding_model() is None, "named, but not on this computer"
        with pytest.raises(ModelUnavailable, match="not downloaded"):
            missing.services.embed(["hello"])
    finally:
        _close(missing)


# -- the API -----------------------------------------------------------------------------------------------------------
@dataclass
class Server:
    url: str  # .../v1, open
    keyed_url: str  # behind KEY
    listen_url: str  # behind the key --listen generates
    listen_key: str
    bare_url: str  # a server without an embedding model
    state: object

    def client(self, url: str | None = None, key: str = "anything") -> openai.OpenAI:
        return openai.OpenAI(base_url=url or self.url, api_key=key, max_retries=0, timeout=60)

    def post(self, body: object, url: str | None = None, **kw) -> httpx.Response:
        return httpx.post((url or self.url) + "/embeddings", content=json.dumps(body), timeout=60,
                          headers={"Content-Type": "application/json", **kw.pop("headers", {})}, **kw)


@pytest.fixture(scope="module")
def server(state, bare_state) -> Iterator[Server]:
    from fastapi import FastAPI

    from localai.api import mount_api
    from localai.auth import ApiKey, load_api_key
    from localai.http_guard import guard_for
    from tests.app_process import serve_in_thread

    listen_key = load_api_key(parse_settings(["--listen"], env={}))
    assert listen_key.key and listen_key.generated
    apps = [FastAPI() for _ in range(4)]
    mount_api(apps[0], state.services, ApiKey(None, False))
    mount_api(apps[1], state.services, ApiKey(KEY, False))
    mount_api(apps[2], state.services, listen_key)
    mount_api(apps[3], bare_state.services, ApiKey(None, False))
    guard = guard_for(state.settings)  # the server's own door: JSON only, origins, body size
    served = [serve_in_thread(guard(app)) for app in apps]
    yield Server(served[0][0], served[1][0], served[2][0], listen_key.key, served[3][0], state)
    for _, srv, thread in served:
        srv.should_exit = True
        thread.join(timeout=10)


def test_the_api_answers_float_vectors_in_openai_format(server) -> None:
    out = server.client().embeddings.create(model="tiny-e5", input=["hello there", "the lazy dog"],
                                            encoding_format="float")
    assert out.object == "list" and out.model == "tiny-e5" and len(out.data) == 2
    assert [d.index for d in out.data] == [0, 1] and all(d.object == "embedding" for d in out.data)
    direct = embed(server.state, ["hello there", "the lazy dog"])
    assert np.allclose(np.array([d.embedding for d in out.data]), direct.vectors, atol=1e-6)
    assert out.usage.prompt_tokens == direct.prompt_tokens == out.usage.total_tokens


def test_base64_is_little_endian_float32_and_the_client_decodes_it(server) -> None:
    raw = server.post({"model": "tiny-e5", "input": "hello there", "encoding_format": "base64"})
    assert raw.status_code == 200, raw.text
    vector = np.frombuffer(base64.b64decode(raw.json()["data"][0]["embedding"]), dtype="<f4")
    floats = server.post({"model": "tiny-e5", "input": "hello there"}).json()["data"][0]["embedding"]
    assert vector.shape == (HIDDEN,) and np.array_equal(vector, np.array(floats, dtype=np.float32))
    out = server.client().embeddings.create(model="tiny-e5", input="hello there")  # the client asks for base64
    assert np.allclose(out.data[0].embedding, floats, atol=1e-7)


def test_the_default_model_dimensions_and_input_type(server) -> None:
    body = server.post({"input": ["hello"], "dimensions": HIDDEN}).json()
    assert body["model"] == "tiny-e5" and len(body["data"][0]["embedding"]) == HIDDEN
    query = server.post({"model": "tiny-e5", "input": "hello", "input_type": "query"}).json()["data"][0]["embedding"]
    assert np.allclose(query, embed(server.state, ["hello"], role="query").vectors[0], atol=1e-6)
    ids = {m.id: m for m in server.client().models.list().data}
    assert ids["tiny-e5"].kind == "embedding" and "multilingual-e5-small" not in ids


@pytest.mark.parametrize("body, status, param, says", [
    ({"model": "tiny-e5"}, 400, "input", "'input' is required"),
    ({"model": "tiny-e5", "input": ""}, 400, "input", "Text 0 is empty"),
    ({"model": "tiny-e5", "input": []}, 400, "input", "no text to embed"),
    ({"model": "tiny-e5", "input": [1, 2, 3]}, 400, "input", "Token ids"),
    ({"model": "tiny-e5", "input": [[1, 2], [3]]}, 400, "input", "Token ids"),
    ({"model": "tiny-e5", "input": {"text": "x"}}, 400, "input", "a string or a list of strings"),
    ({"model": "tiny-e5", "input": ["ok", None]}, 400, "input[1]", "a string or a list of strings"),
    ({"model": "tiny-e5", "input": ["x"] * 2049}, 400, "input", "at most 2048"),
    ({"model": "tiny-e5", "input": "x", "encoding_format": "int8"}, 400, "encoding_format", "float or base64"),
    ({"model": "tiny-e5", "input": "x", "dimensions": 16}, 400, "dimensions", "have 32 dimensions, not 16"),
    ({"model": "tiny-e5", "input": "x", "dimensions": "32"}, 400, "dimensions", "must be"),
    ({"model": "tiny-e5", "input": "x", "input_type": "question"}, 400, "input_type", "passage, document or query"),
    ({"model": "tiny-llama", "input": "x"}, 400, "model", "is a chat model"),
    ({"model": "no-such-encoder", "input": "x"}, 404, "model", "Unknown embedding model"),
    ({"model": "multilingual-e5-small", "input": "x"}, 404, "model", "not downloaded"),
])
def test_client_mistakes_are_a_4xx_naming_the_field(server, body, status, param, says) -> None:
    resp = server.post(body)
    assert resp.status_code == status, resp.text
    err = resp.json()["error"]
    assert err["param"] == param and says in err["message"], err
    assert server.state.lanes.torch.queue_length() == 0, "nothing is queued for a bad request"


def test_the_official_client_gets_its_error_types(server) -> None:
    client = server.client()
    with pytest.raises(openai.BadRequestError, match="chat model"):
        client.embeddings.create(model="tiny-llama", input="hello")
    with pytest.raises(openai.BadRequestError, match="Token ids"):
        client.embeddings.create(model="tiny-e5", input=[[1, 2, 3]])
    with pytest.raises(openai.NotFoundError, match="Unknown embedding model"):
        client.embeddings.create(model="nope", input="hello")


def test_without_an_embedding_model_the_api_says_how_to_get_one(server) -> None:
    resp = server.post({"input": "hello"}, server.bare_url)
    assert resp.status_code == 404, resp.text
    message = resp.json()["error"]["message"]
    assert "No embedding model is on this computer" in message and "multilingual-e5-small" in message


def test_the_key_is_required_when_set_or_listening(server) -> None:
    for url, key in ((server.keyed_url, KEY), (server.listen_url, server.listen_key)):
        with pytest.raises(openai.AuthenticationError):
            server.client(url, "sk-wrong").embeddings.create(model="tiny-e5", input="hello")
        assert server.post({"model": "tiny-e5", "input": "hello"}, url).status_code == 401
        out = server.client(url, key).embeddings.create(model="tiny-e5", input="hello", encoding_format="float")
        assert len(out.data[0].embedding) == HIDDEN


def test_the_route_takes_json_only(server) -> None:
    resp = httpx.post(server.url + "/embeddings", content=b"input=hello", timeout=30,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status_code == 415, resp.text
    resp = server.post({"input": "hello"}, headers={"Origin": "https://evil.example"})
    assert resp.status_code == 403
