"""PNG metadata in the AUTOMATIC1111 "parameters" format: write, read back, parse A1111's own text."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from PIL import Image

from localai.errors import InvalidInput
from localai.gallery import GenerationInfo, day_folder, read_png_info, save_png

INFO = GenerationInfo(prompt="a red fox in the snow, 35mm photo", negative_prompt="blurry, lowres", steps=25,
                      sampler="DPM++ 2M Karras", cfg_scale=7.5, seed=1234567890, width=512, height=768,
                      model="Stable Diffusion 1.5")


def test_parameters_text_is_a1111_format() -> None:
    text = INFO.to_parameters()
    lines = text.split("\n")
    assert lines[0] == "a red fox in the snow, 35mm photo"
    assert lines[1] == "Negative prompt: blurry, lowres"
    assert lines[2].startswith("Steps: 25, Sampler: DPM++ 2M Karras, CFG scale: 7.5, Seed: 1234567890, "
                               "Size: 512x768, Model: Stable Diffusion 1.5, Version: LocalAI ")


def test_round_trip_through_the_text() -> None:
    back = GenerationInfo.from_parameters(INFO.to_parameters())
    assert back.prompt == INFO.prompt and back.negative_prompt == INFO.negative_prompt
    assert (back.steps, back.sampler, back.cfg_scale, back.seed, back.width, back.height, back.model) == (
        25, "DPM++ 2M Karras", 7.5, 1234567890, 512, 768, "Stable Diffusion 1.5")
    assert back.extra["Version"].startswith("LocalAI")


def test_values_with_commas_and_multiline_prompts_survive() -> None:
    info = GenerationInfo(prompt="line one\nline two", steps=4, sampler="Euler a", cfg_scale=0, seed=1,
                          width=64, height=64, model="my, model: v2")
    text = info.to_parameters()
    assert 'Model: "my, model: v2"' in text
    back = GenerationInfo.from_parameters(text)
    assert back.prompt == "line one\nline two" and back.model == "my, model: v2" and back.cfg_scale == 0


def test_reads_parameters_written_by_automatic1111() -> None:
    a1111 = ("masterpiece, 1girl, (smile:1.2)\nNegative prompt: worst quality\nSteps: 30, Sampler: DPM++ 2M, "
             "Schedule type: Karras, CFG scale: 6, Seed: 42, Size: 832x1216, Model hash: 31e35c80fc, "
             'Model: sd_xl_base_1.0, Lora hashes: "add_detail: 7c6bad76eb54, more: 1", Version: v1.10.1')
    info = GenerationInfo.from_parameters(a1111)
    assert info.prompt == "masterpiece, 1girl, (smile:1.2)" and info.negative_prompt == "worst quality"
    assert (info.steps, info.sampler, info.cfg_scale, info.seed, info.width, info.height) == (
        30, "DPM++ 2M Karras", 6.0, 42, 832, 1216)
    assert info.model == "sd_xl_base_1.0" and info.extra["Model hash"] == "31e35c80fc"
    assert info.extra["Lora hashes"] == "add_detail: 7c6bad76eb54, more: 1"
    # A prompt with no settings line is all prompt.
    assert GenerationInfo.from_parameters("just a prompt").prompt == "just a prompt"


def test_save_and_read_back_the_png(tmp_path: Path) -> None:
    image = Image.new("RGB", (64, 48), (200, 40, 40))
    plan = {"device": "cpu", "dtype": "fp32", "reason": "CPU only: fits"}
    path = save_png(image, INFO, tmp_path, {"model": "Stable Diffusion 1.5", "plan": plan})
    assert path.parent == day_folder(tmp_path, "local") and path.parent.name == dt.date.today().isoformat()
    assert path.parent.parent == tmp_path / "local" and path.name.endswith("-1234567890.png")
    with Image.open(path) as im:  # any PNG reader sees the A1111 chunk
        assert im.text["parameters"] == INFO.to_parameters()
        assert json.loads(im.text["localai"])["plan"] == plan
        assert im.size == (64, 48)
    meta = read_png_info(path)
    assert meta.info == INFO and meta.parameters == INFO.to_parameters()
    assert meta.localai["model"] == "Stable Diffusion 1.5" and meta.localai["plan"]["reason"] == "CPU only: fits"
    # Each image gets its own random name; nothing is overwritten.
    second = save_png(image, INFO, tmp_path)
    assert second != path and second.name.endswith("-1234567890.png") and path.exists()


def test_a1111_png_without_our_chunk_is_read_from_parameters(tmp_path: Path) -> None:
    from PIL.PngImagePlugin import PngInfo

    chunks = PngInfo()
    chunks.add_text("parameters", "a cat\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 5, Size: 512x512")
    path = tmp_path / "a1111.png"
    Image.new("RGB", (8, 8)).save(path, pnginfo=chunks)
    meta = read_png_info(path)
    assert meta.localai == {} and meta.info.prompt == "a cat" and meta.info.seed == 5 and meta.info.sampler == "Euler a"


def test_png_without_parameters_and_non_images(tmp_path: Path) -> None:
    plain = tmp_path / "plain.png"
    Image.new("RGB", (8, 8)).save(plain)
    meta = read_png_info(plain)
    assert meta.info is None and meta.parameters == ""
    bad = tmp_path / "not.png"
    bad.write_text("hello")
    with pytest.raises(InvalidInput, match="not a readable image"):
        read_png_info(bad)
