"""Models already in the Hugging Face cache (HF_HOME) are found, listed with kind and size, and load."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from localai.hub_cache import hub_cache_dir, scan_hub_cache
from tests.hub_server import FakeHub, repo_from_folder


@pytest.fixture()
def hub(models_dir: Path) -> Iterator[FakeHub]:
    with FakeHub() as fake:
        tiny = models_dir / "text" / "tiny-llama"
        fake.add(repo_from_folder("someone/tiny-chat", tiny, extra={"pytorch_model.bin": b"pickle copy"}))
        fake.add(repo_from_folder("Qwen/Qwen2.5-0.5B-Instruct", tiny))  # a catalog model's repo id
        yield fake


@pytest.fixture()
def hf_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "hf-home"
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HUGGINGFACE_HUB_CACHE", raising=False)
    return home


def _fill_cache(hub: FakeHub, cache: Path, repo_id: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put a repo into the cache the way other programs do: huggingface_hub's own snapshot_download."""
    from huggingface_hub import constants, snapshot_download

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    return Path(snapshot_download(repo_id, cache_dir=cache, endpoint=hub.url, token=False))


def test_cache_location_follows_the_environment(tmp_path: Path) -> None:
    assert hub_cache_dir({"HF_HOME": str(tmp_path)}) == tmp_path / "hub"
    assert hub_cache_dir({"HF_HOME": str(tmp_path), "HF_HUB_CACHE": str(tmp_path / "c")}) == tmp_path / "c"
    assert hub_cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "huggingface" / "hub"


def test_a_model_in_hf_home_is_found_with_kind_and_size(hub: FakeHub, hf_home: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    assert scan_hub_cache() == [], "an empty or missing cache is fine"
    snapshot = _fill_cache(hub, hf_home / "hub", "someone/tiny-chat", monkeypatch)
    _fill_cache(hub, hf_home / "hub", "Qwen/Qwen2.5-0.5B-Instruct", monkeypatch)
    found = {s.name: s for s in scan_hub_cache()}
    assert set(found) == {"someone/tiny-chat", "Qwen2.5-0.5B-Instruct"}
    mine = found["someone/tiny-chat"]
    assert (mine.kind, mine.source, mine.repo_id, mine.family) == ("text", "cache", "someone/tiny-chat", "llama")
    assert mine.path == snapshot
    weights = (snapshot / "model.safetensors").stat().st_size
    assert mine.weight_bytes == weights, "the size counts the weights it loads (not the pickle copy)"
    assert 100_000 < mine.params < 1_000_000, "parameters come from the safetensors header"
    catalog = found["Qwen2.5-0.5B-Instruct"]
    assert catalog.license == "apache-2.0" and catalog.tier == "cpu", "a catalog model keeps its details"
    assert catalog.params == mine.params, "but its size is measured"


def test_unfinished_and_non_chat_repos_are_skipped(hub: FakeHub, hf_home: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    snapshot = _fill_cache(hub, hf_home / "hub", "someone/tiny-chat", monkeypatch)
    (snapshot / "model.safetensors").unlink()  # an interrupted download: no weights
    (snapshot / "pytorch_model.bin").unlink()
    assert scan_hub_cache() == []
    bert = hf_home / "hub" / "models--x--encoder" / "snapshots" / ("a" * 40)
    bert.mkdir(parents=True)
    (bert / "config.json").write_text('{"architectures": ["BertForMaskedLM"], "model_type": "bert"}')
    (bert / "model.safetensors").write_bytes(b"\x02\x00\x00\x00\x00\x00\x00\x00{}")
    assert scan_hub_cache() == [], "only chat (causal LM) and image (diffusers) models are listed"


def test_the_registry_lists_and_loads_a_cached_model_and_refresh_rescans(
        hub: FakeHub, hf_home: Path, monkeypatch: pytest.MonkeyPatch, state) -> None:
    assert "someone/tiny-chat" not in state.registry.names("text")
    _fill_cache(hub, hf_home / "hub", "someone/tiny-chat", monkeypatch)
    assert "someone/tiny-chat" in [s.name for s in state.services.refresh_models()], "Refresh rescans"
    spec = state.registry.resolve("someone/tiny-chat", "text")
    assert spec.source == "cache"
    plan = state.services.load("someone/tiny-chat", "text").wait()
    assert plan.device == "cpu"
    assert state.services.unload("someone/tiny-chat", "text")
    shutil.rmtree(hf_home / "hub")
    assert "someone/tiny-chat" not in [s.name for s in state.services.refresh_models()]
