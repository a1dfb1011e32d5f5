"""LoRA files: found in models/lora/ with the family they were made for, picked by name or by A1111's
<lora:name:weight> prompt tags, worn for one request and taken off after (the model is then exactly what it
was), written into the PNG's parameters, and refused in plain words when they do not fit.

The LoRAs are made by the test (tests/tiny_pipelines.save_tiny_lora): random, on the tiny pipelines."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from localai.errors import UserError
from localai.gallery import read_png_info
from localai.image_request import ImageRequest
from localai.lora_files import lora_base, lora_tags, read_lora, scan_loras, split_lora_tags
from localai.messages import render

FAST = {"steps": 3, "width": 64, "height": 64, "seed": 11}


@pytest.fixture(scope="module")
def lora_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.tiny_pipelines import save_tiny_lora, save_tiny_sd, save_tiny_sdxl

    root = tmp_path_factory.mktemp("lora-models")
    save_tiny_sd(root / "image" / "tiny-sd")
    save_tiny_sdxl(root / "image" / "tiny-sdxl")
    save_tiny_lora(root / "lora" / "fox-style.safetensors", seed=1)
    save_tiny_lora(root / "lora" / "ink.safetensors", seed=2)
    save_tiny_lora(root / "lora" / "xl-detail.safetensors", sdxl=True, seed=3)
    save_tiny_lora(root / "lora" / "said-sd1.safetensors", seed=4,
                   metadata={"ss_base_model_version": "sd_v1", "ss_network_dim": "4"})  # kohya's words
    save_tiny_lora(root / "lora" / "says-nothing.safetensors", seed=5, metadata={})
    (root / "lora" / "not-a-lora.safetensors").write_bytes(_safetensors_bytes({"weight": [4, 4]}))
    (root / "lora" / "broken.safetensors").write_bytes(b"\x00" * 3)
    return root


def _safetensors_bytes(shapes: dict[str, list[int]], metadata: dict | None = None) -> bytes:
    """A header-only safetensors file with these float32 tensors (zeros)."""
    header, offset, data = {}, 0, b""
    for name, shape in shapes.items():
        size = int(np.prod(shape)) * 4
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + size]}
        offset, data = offset + size, data + b"\x00" * size
    if metadata:
        header["__metadata__"] = metadata
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data


@pytest.fixture()
def lst(lora_models_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator:
    from localai.config import parse_settings
    from localai.state import build_state

    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-hf-cache"))
    settings = parse_settings(["--models-dir", str(lora_models_dir), "--data-dir", str(tmp_path / "data"),
                               "--outputs-dir", str(tmp_path / "outputs"), "--no-browser"], env={})
    st = build_state(settings)
    yield st
    st.lanes.torch.call(st.registry.unload_all)
    st.lanes.shutdown()


def draw(st, prompt: str = "a red fox", model: str = "tiny-sd", **kw):
    job = st.services.generate_images(model, ImageRequest(prompt, **{**FAST, **kw}))
    return job.wait().images[0]


def pixels(image) -> np.ndarray:
    return np.asarray(image.convert("RGB")).astype(int)


# -- finding them -------------------------------------------------------------------------------------------
def test_loras_are_listed_with_their_family_and_filtered_for_a_model(lst) -> None:
    everything = {lo.name: lo.base_label for lo in lst.services.list_loras()}
    assert everything == {"fox-style": "SD 1.x", "ink": "SD 1.x", "said-sd1": "SD 1.x", "says-nothing": "?",
                          "xl-detail": "SDXL"}
    assert [lo.name for lo in lst.services.list_loras("tiny-sdxl")] == ["says-nothing", "xl-detail"]
    assert "xl-detail" not in {lo.name for lo in lst.services.list_loras("tiny-sd")}


@pytest.mark.parametrize(("header", "base"), [
    ({"__metadata__": {"ss_base_model_version": "sdxl_base_v1-0"}}, "sdxl"),
    ({"__metadata__": {"modelspec.architecture": "stable-diffusion-v1/lora"}}, "sd15"),
    ({"__metadata__": {"modelspec.architecture": "flux-1-dev/lora"}}, "flux"),
    ({"lora_te2_text_model_encoder_layers_0_mlp_fc1.lora_down.weight": {"shape": [4, 1280]}}, "sdxl"),
    ({"transformer.single_transformer_blocks.0.attn.to_k.lora_A.weight": {"shape": [4, 3072]}}, "flux"),
    ({"lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.lora_down.weight":
      {"shape": [8, 768]}}, "sd15"),
    ({"unet.down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.lora_A.weight": {"shape": [8, 1024]}}, "sd2"),
    ({"unet.down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.lora_A.weight": {"shape": [8, 2048]}}, "sdxl"),
    ({"unet.up_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.lora_A.weight": {"shape": [4, 32]}}, ""),
])
def test_the_family_is_read_from_metadata_keys_and_shapes(header, base) -> None:
    assert lora_base(header) == base


def test_files_that_are_not_loras_are_said_so(lora_models_dir: Path) -> None:
    from localai.errors import ModelFolderInvalid

    with pytest.raises(ModelFolderInvalid, match="is not a LoRA"):
        read_lora(lora_models_dir / "lora" / "not-a-lora.safetensors")
    with pytest.raises(ModelFolderInvalid, match="cannot be read"):
        read_lora(lora_models_dir / "lora" / "broken.safetensors")
    assert {lo.name for lo in scan_loras(lora_models_dir)} == {"fox-style", "ink", "said-sd1", "says-nothing",
                                                               "xl-detail"}


def test_prompt_tags_in_and_out() -> None:
    assert split_lora_tags("a fox <lora:fox-style:0.8>, snow <LORA:ink>") == ("a fox, snow", [("fox-style", 0.8),
                                                                                            ("ink", 1.0)])
    assert split_lora_tags("a fox") == ("a fox", [])
    assert lora_tags((("fox-style", 0.8), ("ink", 1.0))) == "<lora:fox-style:0.8> <lora:ink:1>"


# -- wearing them ---------------------------------------------------------------------------------------------
def test_a_lora_changes_the_image_and_taking_it_off_restores_the_original(lst) -> None:
    plain = pixels(draw(lst).image)
    worn = draw(lst, loras=(("fox-style", 1.0),))
    assert np.abs(pixels(worn.image) - plain).mean() > 1
    half = pixels(draw(lst, loras=(("fox-style", 0.5),)).image)
    assert not np.array_equal(half, pixels(worn.image)) and not np.array_equal(half, plain)
    assert np.array_equal(pixels(draw(lst).image), plain)  # unloaded: exactly the model as it was
    [backend] = lst.registry.loaded()
    assert backend._loras.loaded == {}


def test_a_prompt_tag_is_the_same_as_picking_it_and_is_saved_for_reuse(lst) -> None:
    picked = draw(lst, loras=(("fox-style", 0.7),))
    tagged = draw(lst, prompt="a red fox <lora:fox-style:0.7>")
    assert np.array_equal(pixels(picked.image), pixels(tagged.image))
    meta = read_png_info(tagged.path)
    assert meta.parameters.startswith("a red fox <lora:fox-style:0.7>\n")
    assert meta.localai["loras"] == [{"name": "fox-style", "weight": 0.7, "base": "sd15"}]
    again = draw(lst, prompt=meta.info.prompt, seed=meta.info.seed)  # Reuse settings: the prompt brings it back
    assert np.array_equal(pixels(again.image), pixels(tagged.image))


def test_two_loras_at_once_and_a_switch_between_them(lst) -> None:
    both = pixels(draw(lst, loras=(("fox-style", 1.0), ("ink", 1.0))).image)
    ink = pixels(draw(lst, loras=(("ink", 1.0),)).image)
    fox = pixels(draw(lst, loras=(("fox-style", 1.0),)).image)
    assert not np.array_equal(both, ink) and not np.array_equal(both, fox) and not np.array_equal(ink, fox)
    [backend] = lst.registry.loaded()
    assert list(backend._loras.loaded) == ["lora_fox_style"]


def test_a_lora_also_works_on_an_edit(lst) -> None:
    source = draw(lst)
    plain = pixels(draw(lst, mode="image-to-image", image=source.path, strength=0.8).image)
    worn = pixels(draw(lst, mode="image-to-image", image=source.path, strength=0.8, loras=(("ink", 1.0),)).image)
    assert not np.array_equal(plain, worn)


@pytest.mark.parametrize(("model", "kw", "says"), [
    ("tiny-sd", {"loras": (("xl-detail", 1.0),)}, "made for SDXL models, but tiny-sd is SD 1.x"),
    ("tiny-sdxl", {"prompt": "a fox <lora:fox-style:1>"}, "made for SD 1.x models, but tiny-sdxl is SDXL"),
    ("tiny-sd", {"loras": (("no-such-lora", 1.0),)}, "There is no LoRA called 'no-such-lora'"),
    ("tiny-sd", {"loras": (("not-a-lora", 1.0),)}, "not-a-lora.safetensors is not a LoRA"),
    ("tiny-sd", {"loras": (("broken", 1.0),)}, "The LoRA file broken.safetensors cannot be read"),
    ("tiny-sd", {"loras": (("fox-style", 3.0),)}, "weight must be between -2 and 2"),
    ("tiny-sd", {"loras": tuple((f"l{i}", 1.0) for i in range(6))}, "at most 5 LoRAs"),
])
def test_a_lora_that_does_not_fit_is_refused_before_anything_runs(lst, model, kw, says) -> None:
    prompt = kw.pop("prompt", "a red fox")
    with pytest.raises(UserError) as err:
        lst.services.generate_images(model, ImageRequest(prompt, **{**FAST, **kw}))
    assert says in render(err.value, "en") and err.value.status < 500
    assert lst.lanes.jobs_of("local") == [] and lst.registry.loaded() == []


def test_a_lora_that_does_not_say_its_family_is_tried_and_a_mismatch_said_plainly(lst) -> None:
    plain = pixels(draw(lst, model="tiny-sdxl").image)
    with pytest.raises(UserError) as err:
        draw(lst, model="tiny-sdxl", loras=(("says-nothing", 1.0),))  # made for tiny-sd
    assert "The LoRA says-nothing does not fit tiny-sdxl" in render(err.value, "en")
    assert np.array_equal(pixels(draw(lst, model="tiny-sdxl").image), plain)  # the model is as it was
    worn = pixels(draw(lst, loras=(("says-nothing", 1.0),)).image)  # on its own model it works
    assert not np.array_equal(worn, pixels(draw(lst).image))


def test_a_lora_of_unknown_family_that_does_not_fit_is_a_plain_error(lst, lora_models_dir: Path) -> None:
    odd = lora_models_dir / "lora" / "odd-shapes.safetensors"
    odd.write_bytes(_safetensors_bytes({
        "unet.down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q.lora_A.weight": [4, 999],
        "unet.down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q.lora_B.weight": [999, 4]}))
    try:
        plain = pixels(draw(lst).image)
        with pytest.raises(Exception) as err:
            draw(lst, loras=(("odd-shapes", 1.0),))
        assert "The LoRA odd-shapes does not fit tiny-sd" in render(err.value, "en")
        assert np.array_equal(pixels(draw(lst).image), plain)  # the model is as it was; serving goes on
    finally:
        odd.unlink()


def test_the_user_is_told_when_only_the_image_models_part_of_a_lora_is_applied(lst) -> None:
    """transformers 5.24 puts LoRAs on text encoders only with peft >= 0.22, newer than PyPI has here: the
    UNet's part is applied and the notice says what is left out and how to get it."""
    from localai.backends.diffusers_edit import text_encoder_peft
    from localai.jobs import Notice

    job = lst.services.generate_images("tiny-sd", ImageRequest("a red fox", loras=(("ink", 1.0),), **FAST))
    notices = [render(e.message, "en") for e in job.events() if isinstance(e, Notice)]
    needed = text_encoder_peft()
    if needed is None:
        assert not any("LoRA" in n for n in notices)
    else:
        assert any(f"ink: only the image model's part was applied" in n and needed in n for n in notices)
