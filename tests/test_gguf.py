"""GGUF files: the header read without loading the tensors, the scan (models/text/*.gguf and the Hugging Face
cache), the plan by the dequantized size, the Models tab, and a clear error for an architecture transformers
cannot read. Loading and answering with a real GGUF model: tests/test_real_model.py."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from localai.catalog import ModelSpec
from localai.errors import NotEnoughMemory, UserError
from localai.gguf_files import (
    GGUFHeaderError,
    file_type_name,
    read_gguf_header,
    scan_gguf_models,
    scan_hub_cache_gguf,
)
from localai.hardware import HardwareInfo
from localai.messages import render
from localai.plan import LoadPrefs
from tests.tiny_gguf import write_tiny_gguf

G = 1024**3


@pytest.fixture(scope="module")
def gguf_models(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models folder with the tiny safetensors Llama folder beside GGUF files: a good one, one of an
    architecture transformers cannot read, and files the scan must leave out."""
    root = tmp_path_factory.mktemp("gguf-models")
    shutil.copytree(models_dir / "text" / "tiny-llama", root / "text" / "tiny-llama")
    (root / "image").mkdir()
    write_tiny_gguf(root / "text" / "tiny.Q4_K_M.gguf")
    write_tiny_gguf(root / "text" / "odd.gguf", architecture="frobnicator", file_type=7)
    write_tiny_gguf(root / "text" / "big-00001-of-00002.gguf")  # a part of a split model
    write_tiny_gguf(root / "text" / "mmproj-vision.gguf", architecture="clip", model_type="mmproj")
    (root / "text" / "broken.gguf").write_bytes(b"GGUF\x03\x00\x00\x00" + b"\x00" * 7)  # truncated header
    (root / "text" / "renamed.gguf").write_bytes(b"not a gguf file at all")
    return root


@pytest.fixture()
def gguf_state(gguf_models: Path, tmp_path: Path) -> Iterator:
    from localai.config import parse_settings
    from localai.state import build_state

    settings = parse_settings(["--models-dir", str(gguf_models), "--data-dir", str(tmp_path / "data"),
                               "--outputs-dir", str(tmp_path / "outputs"), "--no-browser", "--offline"], env={})
    st = build_state(settings)
    yield st
    st.lanes.torch.call(st.registry.unload_all)
    st.lanes.shutdown()


# -- the header ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("big_endian", [False, True])
def test_the_header_gives_params_type_and_context_without_the_tensors(tmp_path: Path, big_endian: bool) -> None:
    file = tmp_path / "m.gguf"
    elements = write_tiny_gguf(file, file_type=None if big_endian else 15, context_length=8192, vocab=500,
                               big_endian=big_endian)
    header = read_gguf_header(file)
    assert header.params == elements, "parameters: the element count of all tensors"
    assert header.architecture == "llama" and header.context_length == 8192
    assert header.tensor_count == 2 + 3 * 2
    assert header.metadata["tokenizer.ggml.tokens"] == 500, "big arrays are skipped, only their length kept"
    assert header.metadata["general.name"] == "Tiny test model"
    # general.file_type names the quantization; without it, the type holding most of the weights does.
    assert header.quantization == ("F16" if big_endian else "Q4_K_M")


def test_quantization_names_are_llama_cpps() -> None:
    assert [file_type_name(n) for n in (0, 1, 2, 3, 7, 15, 18)] == ["F32", "F16", "Q4_0", "Q4_1", "Q8_0", "Q4_K_M",
                                                                    "Q6_K"]
    assert file_type_name(99_999) == "" and file_type_name(None) == "" and file_type_name("15") == ""


@pytest.mark.parametrize("content, why", [
    (b"", "not a GGUF file"), (b"PK\x03\x04 a zip file", "not a GGUF file"),
    (b"GGUF\x01\x00\x00\x00" + b"\x00" * 16, "version 1"),
    (b"GGUF\x03\x00\x00\x00" + b"\x00" * 7, "too short"),
    (b"GGUF\x03\x00\x00\x00" + (1).to_bytes(8, "little") + (1).to_bytes(8, "little") + (10**9).to_bytes(8, "little"),
     "past the end"),
])
def test_files_that_are_not_readable_gguf_are_refused_clearly(tmp_path: Path, content: bytes, why: str) -> None:
    file = tmp_path / "x.gguf"
    file.write_bytes(content)
    with pytest.raises(GGUFHeaderError, match=why):
        read_gguf_header(file)


def test_a_truncated_file_is_refused(tmp_path: Path) -> None:
    good = tmp_path / "good.gguf"
    write_tiny_gguf(good)
    header_end = 200  # inside the vocabulary
    (tmp_path / "cut.gguf").write_bytes(good.read_bytes()[:header_end])
    with pytest.raises(GGUFHeaderError):
        read_gguf_header(tmp_path / "cut.gguf")


# -- the scan ----------------------------------------------------------------------------------------------
def test_gguf_files_in_models_text_are_listed_with_their_header_facts(gguf_models: Path,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="localai.gguf_files"):
        specs = {s.name: s for s in scan_gguf_models(gguf_models)}
    assert set(specs) == {"tiny.Q4_K_M.gguf", "odd.gguf"}, "split parts, projectors and broken files are left out"
    tiny = specs["tiny.Q4_K_M.gguf"]
    assert (tiny.kind, tiny.source, tiny.backend, tiny.family) == ("text", "local", "gguf", "llama")
    assert tiny.path == gguf_models / "text" / "tiny.Q4_K_M.gguf"
    assert tiny.params == read_gguf_header(tiny.path).params
    assert tiny.weight_bytes == tiny.path.stat().st_size
    assert (tiny.quantization, tiny.context_length) == ("Q4_K_M", 4096)
    assert tiny.kv_values_per_token == 2 * 1 * 16 * 2, "layers x KV heads x head size x 2, from the header"
    assert "Q4_K_M" in tiny.size_text
    assert specs["odd.gguf"].family == "frobnicator", "listed: loading it says what is wrong"
    logged = caplog.text
    assert "broken.gguf" in logged and "renamed.gguf" in logged and "split GGUF" in logged


def test_the_registry_lists_gguf_files_beside_folders(gguf_state) -> None:
    specs = {s.name: s for s in gguf_state.services.list_models("text") if s.source == "local"}
    assert specs["tiny-llama"].backend == "transformers"
    assert specs["tiny.Q4_K_M.gguf"].backend == "gguf"


def test_gguf_files_in_the_hugging_face_cache_are_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants, snapshot_download

    from localai.hub_cache import scan_hub_cache
    from tests.hub_server import FakeHub, FakeRepo

    folder = tmp_path / "repo"
    write_tiny_gguf(folder / "Tiny-Q4_K_M.gguf")
    write_tiny_gguf(folder / "Tiny-Q8_0.gguf", file_type=7)
    write_tiny_gguf(folder / "mmproj-Tiny-F16.gguf", architecture="clip", model_type="mmproj")
    files = {p.name: p.read_bytes() for p in folder.iterdir()}
    files["README.md"] = b"# tiny"
    cache = tmp_path / "hf-home" / "hub"
    with FakeHub() as hub:
        hub.add(FakeRepo("someone/Tiny-GGUF", files))
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
        snapshot = Path(snapshot_download("someone/Tiny-GGUF", cache_dir=cache, endpoint=hub.url, token=False))
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    found = {s.name: s for s in scan_hub_cache_gguf()}
    assert set(found) == {"someone/Tiny-GGUF/Tiny-Q4_K_M.gguf", "someone/Tiny-GGUF/Tiny-Q8_0.gguf"}
    q8 = found["someone/Tiny-GGUF/Tiny-Q8_0.gguf"]
    assert (q8.source, q8.backend, q8.repo_id, q8.quantization) == ("cache", "gguf", "someone/Tiny-GGUF", "Q8_0")
    assert q8.path == snapshot / "Tiny-Q8_0.gguf" and q8.weight_bytes == (folder / "Tiny-Q8_0.gguf").stat().st_size
    assert scan_hub_cache() == [], "a GGUF repo is not a transformers folder"


# -- the plan: by the dequantized size ----------------------------------------------------------------------
def _spec(params: float, file_gb: float, quantization: str = "Q4_K_M") -> ModelSpec:
    return ModelSpec(name=f"x.{quantization}.gguf", kind="text", source="local", path=Path(f"/m/x.{quantization}.gguf"),
                     params=int(params), weight_bytes=int(file_gb * 1e9), family="qwen2", backend="gguf",
                     quantization=quantization)


def _cpu(ram_gib: float) -> HardwareInfo:
    return HardwareInfo("cpu", "Test CPU", 0, 0, total_ram=64 * G, available_ram=int(ram_gib * G), cpu_threads=2)


def test_the_plan_sizes_the_dequantized_model_not_the_file() -> None:
    from localai.backends.gguf_chat import plan_gguf_load

    spec = _spec(7.6e9, 4.7)  # a 7.6B Q4_K_M file of 4.7 GB
    plan = plan_gguf_load(spec, _cpu(40))
    assert plan.estimated_bytes >= 7.6e9 * 2, "what sits in memory is the dequantized model"
    assert plan.extra("gguf_file") == "x.Q4_K_M.gguf" and plan.extra("gguf_type") == "Q4_K_M"
    reason = render(plan.reason, "en")
    assert reason.startswith("GGUF Q4_K_M file, dequantized at load: ") and "7.6B" in reason
    assert "GGUF Q4_K_M" in render(plan.reason, "ru")
    with pytest.raises(NotEnoughMemory) as refused:  # the 4.7 GB file would fit in 8 GB; the model does not
        plan_gguf_load(spec, _cpu(8))
    assert "7.6B" in refused.value.message


def test_the_users_overrides_apply_to_gguf_models() -> None:
    from localai.backends.gguf_chat import plan_gguf_load

    plan = plan_gguf_load(_spec(135e6, 0.1, "Q4_1"), _cpu(16), LoadPrefs(dtype="bf16"))
    assert (plan.device, plan.dtype) == ("cpu", "bf16") and plan.estimated_bytes == int(135e6 * 2)


# -- the Models tab ------------------------------------------------------------------------------------------
def test_the_models_tab_shows_the_quantization_type(gguf_state) -> None:
    from localai.ui.models_tab import details_markdown, model_rows

    rows = {row[0].rstrip(" ★"): row for row in model_rows(gguf_state)}
    row = rows["tiny.Q4_K_M.gguf"]
    assert "GGUF Q4_K_M" in row[4], row
    assert row[7].startswith("cpu · "), "how it would load (dequantized)"
    details = details_markdown(gguf_state, "text/tiny.Q4_K_M.gguf", "ru")
    assert "GGUF Q4_K_M" in details and "распаковывается при загрузке" in details


# -- an architecture transformers cannot read ----------------------------------------------------------------
def test_an_unknown_architecture_is_a_clear_error_naming_it(gguf_state) -> None:
    from localai.backends.gguf_chat import UnsupportedGGUF

    job = gguf_state.services.chat("odd.gguf", [{"role": "user", "content": "Hello"}])
    with pytest.raises(UnsupportedGGUF) as failed:
        job.wait()
    error = failed.value
    assert isinstance(error, UserError) and error.status == 422
    assert "'frobnicator' architecture" in error.message and "odd.gguf" in error.message
    assert "llama" in error.hint and "qwen2" in error.hint, "the hint lists the architectures it reads"
    russian = render(error, "ru")
    assert "«frobnicator»" in russian and "архитектур" in russian
    assert gguf_state.registry.get_loaded(gguf_state.registry.resolve("odd.gguf", "text")) is None


# -- GPUs: no bitsandbytes on GGUF files (transformers refuses the combination) -----------------------------------
def _gpu(vram_gib: float) -> HardwareInfo:
    return HardwareInfo("cuda", "GeForce RTX", int(vram_gib * G), int(vram_gib * G), total_ram=64 * G,
                        available_ram=48 * G, bf16=True, bnb_ok=True, cpu_threads=8)


def test_on_a_gpu_a_gguf_model_loads_in_16_bit_never_bitsandbytes() -> None:
    from localai.backends.gguf_chat import plan_gguf_load

    spec = _spec(7.6e9, 4.7)
    roomy = plan_gguf_load(spec, _gpu(24))
    assert (roomy.device, roomy.dtype, roomy.quantization, roomy.offload) == ("cuda", "bf16", "none", "none")
    tight = plan_gguf_load(spec, _gpu(8))  # a safetensors model would go 4-bit NF4 here
    assert (tight.quantization, tight.offload) == ("none", "device_map"), "16-bit, split between GPU and RAM"
    assert "transformers does not combine bitsandbytes with GGUF files" in render(tight.reason, "en")
    assert "bitsandbytes с файлами GGUF" in render(tight.reason, "ru")


@pytest.mark.parametrize("quantization, device", [("nf4", "auto"), ("int8", "auto"), ("nf4", "cpu")])
def test_asking_bitsandbytes_for_a_gguf_file_says_why_not(quantization: str, device: str) -> None:
    from localai.backends.gguf_chat import plan_gguf_load
    from localai.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        plan_gguf_load(_spec(7.6e9, 4.7), _gpu(24), LoadPrefs(device=device, quantization=quantization))
    assert "cannot be used on a GGUF file" in refused.value.message and "safetensors" in refused.value.hint


def test_on_the_cpu_torch_int8_still_works_for_gguf() -> None:
    from localai.backends.gguf_chat import plan_gguf_load

    plan = plan_gguf_load(_spec(135e6, 0.1, "Q4_1"), _cpu(16), LoadPrefs(quantization="int8"))
    assert (plan.device, plan.quantization) == ("cpu", "int8")
