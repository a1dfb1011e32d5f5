"""Defect 2: sampling defaults. An API client that sends no sampling fields gets the model's own
generation_config.json values, else neutral sampling (never the page's repetition penalty and
top-k); OpenAI's frequency / presence penalties act on repeats; the page's sliders start from the
model's values too."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from localai.backends.generation_defaults import model_sampling
from localai.backends.penalties import FrequencyPresencePenalty
from localai.options import NEUTRAL_SAMPLING, ChatOptions

TUNED = {"temperature": 0.3, "top_p": 0.8, "top_k": 7, "repetition_penalty": 1.05}


def _with_generation_config(folder: Path, **values: object) -> Path:
    path = folder / "generation_config.json"
    config = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    path.write_text(json.dumps({**config, "do_sample": True, **values}), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def tuned_models(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny models, plus "tiny-tuned": tiny-llama whose generation_config.json sets sampling values."""
    root = tmp_path_factory.mktemp("tuned-models")
    shutil.copytree(models_dir / "text", root / "text")
    shutil.copytree(root / "text" / "tiny-llama", root / "text" / "tiny-tuned")
    _with_generation_config(root / "text" / "tiny-tuned", **TUNED)
    (root / "image").mkdir()
    return root


def _state(models: Path, tmp: Path, *args: str):
    from localai.config import parse_settings
    from localai.state import build_state

    return build_state(parse_settings(["--models-dir", str(models), "--data-dir", str(tmp / "data"),
                                       "--outputs-dir", str(tmp / "outputs"), "--no-browser", *args], env={}))


@pytest.fixture(scope="module")
def api(tuned_models: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:
    from fastapi import FastAPI

    from localai.api import mount_api
    from localai.auth import ApiKey
    from tests.app_process import serve_in_thread

    state = _state(tuned_models, tmp_path_factory.mktemp("api"))
    app = FastAPI()
    mount_api(app, state.services, ApiKey(None, False))
    url, server, thread = serve_in_thread(app)
    yield url, state
    server.should_exit = True
    thread.join(timeout=10)
    state.lanes.torch.call(state.registry.unload_all)
    state.lanes.shutdown()


def _options_sent(api: tuple[str, object], monkeypatch: pytest.MonkeyPatch, body: dict) -> ChatOptions:
    """POST a chat request; returns the ChatOptions the API handed to services.chat."""
    url, state = api
    seen: list[ChatOptions] = []
    real = state.services.chat

    def recording(model, messages, options=None, owner="local"):
        seen.append(options)
        return real(model, messages, options, owner)

    monkeypatch.setattr(state.services, "chat", recording)
    resp = httpx.post(url + "/chat/completions", json={"messages": [{"role": "user", "content": "hi"}],
                                                       "max_tokens": 4, **body}, timeout=60)
    assert resp.status_code == 200, resp.text
    return seen[0]


# -- the model's generation_config.json ------------------------------------------------------------------
def test_generation_config_values_are_read_and_odd_ones_ignored(tmp_path: Path) -> None:
    assert model_sampling(tmp_path) == {}, "no file: nothing"
    (tmp_path / "generation_config.json").write_text("{broken", encoding="utf-8")
    assert model_sampling(tmp_path) == {}, "a broken file is ignored"
    (tmp_path / "generation_config.json").unlink()
    _with_generation_config(tmp_path, **TUNED, max_length=20, eos_token_id=2)
    assert model_sampling(tmp_path) == TUNED, "only the sampling values, not max_length or token ids"
    _with_generation_config(tmp_path, temperature=9.0, top_k=2.5, top_p=0.95)
    assert model_sampling(tmp_path) == {"top_p": 0.95, "repetition_penalty": 1.05}, "out of bounds: ignored"
    _with_generation_config(tmp_path, do_sample=False)
    assert model_sampling(tmp_path)["temperature"] == 0, "do_sample false: the model answers greedily"


def test_api_request_without_sampling_fields_uses_the_models_own_defaults(api, monkeypatch) -> None:
    options = _options_sent(api, monkeypatch, {"model": "tiny-tuned"})
    assert (options.temperature, options.top_p, options.top_k, options.repetition_penalty) == (0.3, 0.8, 7, 1.05)
    assert options.frequency_penalty == options.presence_penalty == 0


def test_api_request_for_a_model_without_sampling_defaults_is_neutral(api, monkeypatch) -> None:
    options = _options_sent(api, monkeypatch, {"model": "tiny-llama"})
    assert options == NEUTRAL_SAMPLING.with_values({"max_new_tokens": 4, "seed": options.seed})
    assert options.repetition_penalty == 1.0 and options.top_k == 0, "not the page's 1.1 and 40"
    assert (options.temperature, options.top_p) == (1.0, 1.0), "OpenAI's defaults"


def test_the_clients_fields_win_over_the_models_defaults(api, monkeypatch) -> None:
    options = _options_sent(api, monkeypatch, {"model": "tiny-tuned", "temperature": 0, "top_p": 0.5, "seed": 3,
                                               "frequency_penalty": 0.5, "presence_penalty": -0.5,
                                               "max_completion_tokens": 3, "stop": "x"})
    assert (options.temperature, options.top_p, options.seed, options.max_new_tokens) == (0, 0.5, 3, 3)
    assert (options.frequency_penalty, options.presence_penalty, options.stop) == (0.5, -0.5, ("x",))
    assert options.top_k == 7, "fields the client left out still come from the model"


@pytest.mark.parametrize("field", ["frequency_penalty", "presence_penalty"])
def test_penalties_outside_minus_two_to_two_are_refused(api, field) -> None:
    url, state = api
    resp = httpx.post(url + "/chat/completions", json={"model": "tiny-llama", field: 2.5,
                                                       "messages": [{"role": "user", "content": "hi"}]}, timeout=30)
    assert resp.status_code == 400 and resp.json()["error"]["param"] == field
    assert state.lanes.torch.queue_length() == 0


# -- frequency and presence penalties -------------------------------------------------------------------
def test_penalty_lowers_the_logits_of_tokens_already_in_the_answer() -> None:
    import torch

    ids = torch.tensor([[5, 1, 1, 2]])  # prompt [5], answer so far: 1, 1, 2
    scores = torch.zeros(1, 6)
    out = FrequencyPresencePenalty(prompt_length=1, frequency=0.5, presence=1.0)(ids, scores)
    assert out.tolist() == [[0.0, -2.0, -1.5, 0.0, 0.0, 0.0]], "count x frequency + presence; the prompt is free"


@pytest.mark.parametrize("field", ["frequency_penalty", "presence_penalty"])
def test_penalty_visibly_reduces_repetition_in_a_greedy_answer(state, field) -> None:
    def answer_tokens(**penalty: float) -> list[int]:
        options = ChatOptions(temperature=0, repetition_penalty=1.0, max_new_tokens=40, **penalty)
        result = state.services.chat("tiny-llama", [{"role": "user", "content": "Tell me about foxes"}], options).wait()
        tokenizer = state.registry.get_loaded(state.registry.resolve("tiny-llama", "text")).tokenizer
        return tokenizer(result.text, add_special_tokens=False)["input_ids"]

    plain, penalised, encouraged = answer_tokens(), answer_tokens(**{field: 1.5}), answer_tokens(**{field: -1.0})
    assert answer_tokens() == plain, "greedy: the same answer twice"
    distinct = lambda ids: len(set(ids)) / len(ids)  # noqa: E731
    assert distinct(penalised) > distinct(plain) * 1.5, (plain, penalised)
    assert distinct(encouraged) < distinct(plain), "a negative penalty encourages repeats"


# -- the page -------------------------------------------------------------------------------------------
def _sliders(state) -> dict[str, object]:
    from localai.ui import build_ui

    demo = build_ui(state)
    return {b.elem_id: b for b in demo.blocks.values() if type(b).__name__ == "Slider" and b.elem_id}


def test_picking_a_model_by_hand_moves_the_sliders_to_its_defaults(tuned_models: Path, tmp_path: Path) -> None:
    from localai.ui import build_ui

    state = _state(tuned_models, tmp_path, "--text-model", "tiny-llama")
    try:
        demo = build_ui(state)
        picked = [f for f in demo.fns.values() if any(e == "input" and demo.blocks[t].elem_id == "chat-model"
                                                      for t, e in f.targets)]
        handler = next(f for f in picked if [o.elem_id for o in f.outputs][:1] == ["chat-temperature"])
        assert [o.elem_id for o in handler.outputs] == ["chat-temperature", "chat-top-p", "chat-top-k",
                                                        "chat-max-new", "chat-repetition"]
        assert handler.fn("tiny-tuned") == (0.3, 0.8, 7, 512, 1.05)
        assert handler.fn("tiny-llama") == (0.7, 0.9, 40, 512, 1.1)
    finally:
        state.lanes.shutdown()


def test_the_pages_sliders_start_from_the_models_generation_config(tuned_models: Path, tmp_path: Path) -> None:
    state = _state(tuned_models, tmp_path, "--text-model", "tiny-tuned")
    try:
        sliders = _sliders(state)
        assert sliders["chat-temperature"].value == 0.3 and sliders["chat-top-p"].value == 0.8
        assert sliders["chat-top-k"].value == 7 and sliders["chat-repetition"].value == 1.05
        assert sliders["chat-max-new"].value == ChatOptions().max_new_tokens, "not in the file: the page's default"
        assert state.services.chat_defaults("tiny-tuned").temperature == 0.3, "also when a model is picked"
        plain = state.services.chat_defaults("tiny-llama")
        assert (plain.temperature, plain.top_k, plain.repetition_penalty) == (0.7, 40, 1.1), "else the page's defaults"
    finally:
        state.lanes.shutdown()
