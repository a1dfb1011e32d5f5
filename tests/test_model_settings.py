"""Per-model overrides and safety opt-ins: remembered under --data-dir, used by the planner and
the backend; pickle weights and remote code are refused unless the user opted in for that model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from localai.catalog import ModelSpec
from localai.config import parse_settings
from localai.errors import InvalidInput, UnsafeModel
from localai.model_settings import FILE_NAME, ModelSettings, ModelSettingsStore
from localai.plan import LoadPlan, LoadPrefs


def test_settings_are_saved_atomically_and_read_back(tmp_path: Path) -> None:
    store = ModelSettingsStore(tmp_path)
    assert store.get("text", "m") == ModelSettings()
    store.set("text", "m", ModelSettings(dtype="bf16", quantization="int8", allow_pickle=True))
    store.update("image", "pic", offload="model")
    data = json.loads((tmp_path / FILE_NAME).read_text())
    assert data["models"]["text/m"]["dtype"] == "bf16" and data["models"]["text/m"]["allow_pickle"] is True
    assert [p.name for p in tmp_path.iterdir()] == [FILE_NAME], "no temp files are left behind"
    again = ModelSettingsStore(tmp_path)
    assert again.get("text", "m") == ModelSettings(dtype="bf16", quantization="int8", allow_pickle=True)
    assert again.get("image", "pic").offload == "model"
    assert again.get("text", "pic") == ModelSettings(), "kinds are kept apart"
    again.set("text", "m", ModelSettings())  # back to defaults: the entry goes away
    assert "text/m" not in json.loads((tmp_path / FILE_NAME).read_text())["models"]


def test_bad_values_are_refused_and_a_broken_file_is_set_aside(tmp_path: Path) -> None:
    store = ModelSettingsStore(tmp_path)
    with pytest.raises(InvalidInput, match="quantization"):
        store.set("text", "m", ModelSettings(quantization="3bit"))
    (tmp_path / FILE_NAME).write_text("{not json")
    assert ModelSettingsStore(tmp_path).get("text", "m") == ModelSettings()
    assert (tmp_path / (FILE_NAME + ".bad")).exists()
    (tmp_path / FILE_NAME).write_text(json.dumps({"models": {"text/a": {"dtype": "fp8"}, "text/b": {"dtype": "fp16",
                                                                                                    "junk": 1}}}))
    store = ModelSettingsStore(tmp_path)
    assert store.get("text", "a") == ModelSettings(), "an invalid entry is ignored"
    assert store.get("text", "b").dtype == "fp16", "unknown keys are ignored"


def test_overrides_fall_back_to_the_command_line() -> None:
    cli = LoadPrefs(device="cpu", dtype="fp32", quantization="auto")
    assert ModelSettings().prefs(cli) == LoadPrefs(device="cpu", dtype="fp32", quantization="auto", offload="auto")
    mine = ModelSettings(dtype="bf16", offload="none").prefs(cli)
    assert (mine.device, mine.dtype, mine.offload) == ("cpu", "bf16", "none")


def test_registry_plans_with_the_models_own_overrides(state) -> None:
    spec = state.registry.resolve("tiny-llama", "text")
    assert state.registry.plan(spec).dtype == "fp32"
    state.services.save_model_settings("tiny-llama", "text", ModelSettings(dtype="bf16"))
    assert state.registry.prefs_for(spec).dtype == "bf16"
    plan = state.registry.plan(spec)
    assert plan.dtype == "bf16"
    other = state.registry.resolve("tiny-qwen2", "text")
    assert state.registry.plan(other).dtype == "fp32", "other models are not affected"
    saved = json.loads((state.settings.data_dir / FILE_NAME).read_text())
    assert saved["models"]["text/tiny-llama"]["dtype"] == "bf16"


# -- the backend honours the opt-ins ---------------------------------------------------------------

def _backend(folder: Path, plan: LoadPlan | None = None):
    from localai.backends.transformers_chat import TransformersChatBackend

    spec = ModelSpec(name=folder.name, kind="text", source="local", path=folder, params=200_000)
    return TransformersChatBackend(spec, plan or LoadPlan("cpu", "fp32", estimated_bytes=800_000, reason="test"))


def _pickle_copy(src: Path, dst: Path) -> Path:
    """The tiny model with its weights as pytorch_model.bin (pickle) instead of safetensors."""
    import torch
    from safetensors.torch import load_file

    shutil.copytree(src, dst)
    (dst / "model.safetensors").unlink()
    torch.save(load_file(str(src / "model.safetensors")), dst / "pytorch_model.bin")
    return dst


def test_pickle_weights_are_refused_unless_opted_in_for_that_model(models_dir: Path, tmp_path: Path) -> None:
    from localai.state import build_state

    _pickle_copy(models_dir / "text" / "tiny-llama", tmp_path / "models" / "text" / "pickled")
    settings = parse_settings(["--models-dir", str(tmp_path / "models"), "--data-dir", str(tmp_path / "data")],
                              env={})
    state = build_state(settings)
    try:
        spec = state.registry.resolve("pickled", "text")
        assert spec.params > 100_000, "a pickle-only folder is sized from its files, so it can be planned"
        with pytest.raises(UnsafeModel, match="pickle") as err:
            state.services.load("pickled", "text").wait()
        assert "Models tab" in err.value.hint
        assert state.registry.loaded() == []
        state.services.save_model_settings("pickled", "text", ModelSettings(allow_pickle=True))
        state.services.load("pickled", "text").wait()
        backend = state.registry.get_loaded(spec)
        assert backend is not None and backend.use_safetensors is False
        other = state.registry.model_settings.get("text", "tiny-llama")
        assert not other.allow_pickle, "the opt-in is for that model only"
    finally:
        state.lanes.torch.call(state.registry.unload_all)
        state.lanes.shutdown()


def test_remote_code_is_refused_unless_opted_in_for_that_model(models_dir: Path, tmp_path: Path) -> None:
    from localai.backends.model_files import needs_remote_code

    folder = tmp_path / "models" / "text" / "custom"
    shutil.copytree(models_dir / "text" / "tiny-llama", folder)
    assert not needs_remote_code(folder)
    cfg = json.loads((folder / "config.json").read_text())
    cfg.update(model_type="tiny-custom-arch", auto_map={"AutoModelForCausalLM": "modeling_custom.CustomForCausalLM"})
    (folder / "config.json").write_text(json.dumps(cfg))
    (folder / "modeling_custom.py").write_text("raise SystemExit('remote code ran')\n")
    assert needs_remote_code(folder)
    with pytest.raises(UnsafeModel, match="modeling_custom.py") as err:
        _backend(folder).load()
    assert "Trust remote code" in err.value.hint
    from localai.state import build_state

    settings = parse_settings(["--models-dir", str(tmp_path / "models"), "--data-dir", str(tmp_path / "data")],
                              env={})
    state = build_state(settings)
    try:
        spec = state.registry.resolve("custom", "text")
        assert state.registry.plan(spec).trust_remote_code is False
        state.services.save_model_settings("custom", "text", ModelSettings(trust_remote_code=True))
        plan = state.registry.plan(spec)
        assert plan.trust_remote_code is True and not plan.allow_pickle, "the registry hands the opt-in over"
        backend = _backend(folder, plan)
        assert backend._load_kwargs(__import__("torch"))["trust_remote_code"] is True, \
            "the opt-in reaches transformers as trust_remote_code=True"
    finally:
        state.lanes.shutdown()
