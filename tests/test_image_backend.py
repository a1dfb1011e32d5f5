"""The image side end to end on tiny random-weight pipelines (64x64, a few steps, offline):
scan, load, generate through services, progress, cancel, schedulers, metadata, same seed ->
same image, bad input, out of memory, and one memory budget shared with the chat model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from localai.errors import InvalidInput, ModelFolderInvalid, OutOfMemory, UnsafeModel
from localai.gallery import read_png_info
from localai.image_request import ImageRequest
from localai.jobs import CancelledBeforeStart, Generating, ImageReady, Notice, Step
from localai.messages import render

FAST = {"steps": 3, "width": 64, "height": 64}


@pytest.fixture(scope="session")
def image_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tiny-sd and tiny-sdxl (diffusers folders), the same weights as single files (tiny-sd-file.safetensors,
    tiny-sdxl-file.safetensors) and a tiny chat model."""
    from tests.tiny_models import save_tiny_llama
    from tests.tiny_pipelines import (
        save_tiny_flux,
        save_tiny_sd,
        save_tiny_sd_single_file,
        save_tiny_sdxl,
        save_tiny_sdxl_single_file,
    )

    root = tmp_path_factory.mktemp("image-models")
    save_tiny_sd(root / "image" / "tiny-sd")
    save_tiny_sdxl(root / "image" / "tiny-sdxl")
    save_tiny_sd_single_file(root / "image" / "tiny-sd-file.safetensors")
    save_tiny_sdxl_single_file(root / "image" / "tiny-sdxl-file.safetensors")
    save_tiny_flux(root / "image" / "tiny-flux")
    save_tiny_llama(root / "text" / "tiny-llama", chat_template=True)
    return root


@pytest.fixture()
def image_settings(image_models_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from localai.config import parse_settings

    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-hf-cache"))
    return parse_settings(["--models-dir", str(image_models_dir), "--data-dir", str(tmp_path / "data"),
                           "--outputs-dir", str(tmp_path / "outputs"), "--no-browser"], env={})


@pytest.fixture()
def istate(image_settings) -> Iterator:
    from localai.state import build_state

    st = build_state(image_settings)
    yield st
    st.lanes.torch.call(st.registry.unload_all)
    st.lanes.shutdown()


def run(job) -> tuple[list, object]:
    events = list(job.events())
    return events[:-1], events[-1].result


def pixels(image) -> np.ndarray:
    return np.asarray(image.convert("RGB"))


def draw(st, model: str = "tiny-sd", **kw):
    return run(st.services.generate_images(model, ImageRequest(kw.pop("prompt", "a red fox"), **{**FAST, **kw})))


# -- finding models ---------------------------------------------------------------------------------------

def test_scan_finds_folders_and_single_files_with_family_and_component_sizes(image_models_dir: Path) -> None:
    from localai.catalog import scan_image_models

    specs = {s.name: s for s in scan_image_models(image_models_dir)}
    assert set(specs) == {"tiny-sd", "tiny-sdxl", "tiny-sd-file", "tiny-sdxl-file", "tiny-flux"}  # not .config folders
    assert specs["tiny-flux"].family == "flux" and "transformer" in dict(specs["tiny-flux"].components)
    assert specs["tiny-sd"].family == "sd15" and specs["tiny-sdxl"].family == "sdxl"
    assert specs["tiny-sd-file"].family == "sd15" and specs["tiny-sd-file"].path.suffix == ".safetensors"
    sd, single = dict(specs["tiny-sd"].components), dict(specs["tiny-sd-file"].components)
    assert set(sd) == {"unet", "vae", "text_encoder"} and sd == single  # same weights, two layouts
    assert specs["tiny-sd"].params == sum(sd.values()) > 1_000_000
    assert set(dict(specs["tiny-sdxl"].components)) == {"unet", "vae", "text_encoder", "text_encoder_2"}
    assert specs["tiny-sdxl-file"].family == "sdxl"
    assert dict(specs["tiny-sdxl-file"].components) == dict(specs["tiny-sdxl"].components)


def test_models_in_the_hugging_face_cache_get_their_component_sizes(image_models_dir: Path) -> None:
    from localai.catalog import ModelSpec, with_image_components

    cached = ModelSpec("SD-Turbo", "image", "cache", repo_id="stabilityai/sd-turbo",
                       path=image_models_dir / "image" / "tiny-sd", params=1_300_000_000, family="sd15")
    spec = with_image_components(cached)
    assert spec.family == "sd-turbo" and spec.source == "cache" and spec.name == "SD-Turbo"
    assert set(dict(spec.components)) == {"unet", "vae", "text_encoder"} and spec.params < 10_000_000


def test_the_app_lists_local_image_models_first(istate) -> None:
    names = istate.registry.names("image")
    assert names[:5] == ["tiny-flux", "tiny-sd", "tiny-sd-file", "tiny-sdxl", "tiny-sdxl-file"]
    assert "SDXL 1.0" in names
    assert istate.registry.default_name("image") == "tiny-flux"


# -- drawing --------------------------------------------------------------------------------------------

def test_generate_saves_pngs_and_reports_every_step(istate, image_settings) -> None:
    events, result = draw(istate, num_images=2, seed=7, scheduler="Euler")
    progress = [e for e in events if isinstance(e, Step)]
    assert [p.i for p in progress] == list(range(1, 7)) and {p.total for p in progress} == {6}
    assert [p.image for p in progress] == [0, 0, 0, 1, 1, 1] and [p.image_step for p in progress][:3] == [1, 2, 3]
    assert all(p.eta >= 0 for p in progress) and progress[-1].eta == 0
    shown = [e.image for e in events if isinstance(e, ImageReady)]
    assert [g.info.seed for g in shown] == [7, 8] and all(g.finished for g in shown)
    assert not result.cancelled and len(result.images) == 2 and result.sampler == "Euler"
    for g in result.images:
        assert g.path.is_file() and g.path.parent.parent == image_settings.outputs_dir / "local"  # the user's folder
        assert g.image.size == (64, 64)
    assert [type(e) for e in events if not isinstance(e, (Step, ImageReady))][-1] is Generating, "no notice"
    assert "CPU only" in render(result.plan.reason, "en")


def test_plms_reports_each_call_of_the_denoiser(istate) -> None:
    events, result = draw(istate, seed=7)  # the tiny SD's own scheduler: PLMS makes steps + 1 calls
    progress = [e for e in events if isinstance(e, Step)]
    assert result.sampler == "PLMS" and [p.i for p in progress] == [1, 2, 3, 4] and progress[-1].total == 4


@pytest.mark.parametrize("model", ["tiny-sdxl", "tiny-sd-file", "tiny-sdxl-file"])
def test_sdxl_and_single_file_checkpoints_generate(istate, model: str) -> None:
    _, result = draw(istate, model, seed=3, negative_prompt="blurry")
    assert result.images[0].image.size == (64, 64) and result.images[0].path.is_file()
    assert result.model == model and not render(result.notice, "en")


def test_flux_class_models_use_the_flow_sampler_and_no_negative_prompt(istate) -> None:
    events, result = draw(istate, "tiny-flux", seed=5, negative_prompt="dogs", steps=2)
    assert result.sampler == "Euler" and result.images[0].image.size == (64, 64)
    assert render(result.notice, "en") == "tiny-flux does not use a negative prompt; it was ignored."
    assert Notice(result.notice) in events
    assert istate.services.image_defaults("tiny-flux")[2] == ["Default", "Euler"]
    with pytest.raises(InvalidInput, match="multiple of 16"):
        istate.services.generate_images("tiny-flux", ImageRequest("x", width=72, height=64, steps=2))
    with pytest.raises(InvalidInput, match="does not work with FLUX"):
        istate.services.generate_images("tiny-flux", ImageRequest("x", scheduler="DPM++ 2M", **FAST))


@pytest.mark.parametrize("folder_model", ["tiny-sd", "tiny-sdxl"])
def test_single_file_checkpoint_draws_the_same_as_its_folder(istate, folder_model: str) -> None:
    _, folder = draw(istate, folder_model, seed=11)
    _, single = draw(istate, folder_model + "-file", seed=11)
    assert np.array_equal(pixels(folder.images[0].image), pixels(single.images[0].image))


def test_same_seed_same_image_and_each_batch_image_alone(istate) -> None:
    _, a = draw(istate, seed=1234, num_images=2)
    _, b = draw(istate, seed=1234)
    _, c = draw(istate, seed=1235)
    _, d = draw(istate, seed=99)
    assert np.array_equal(pixels(a.images[0].image), pixels(b.images[0].image))
    assert np.array_equal(pixels(a.images[1].image), pixels(c.images[0].image))  # image i of a batch = seed + i
    assert not np.array_equal(pixels(b.images[0].image), pixels(d.images[0].image))


def test_random_seed_is_drawn_shown_and_reusable(istate) -> None:
    _, first = draw(istate, seed=-1)
    used = first.images[0].info.seed
    assert 0 <= used < 2**32 and first.request.seed == used
    _, again = draw(istate, seed=used)
    assert np.array_equal(pixels(first.images[0].image), pixels(again.images[0].image))


def test_cancel_stops_at_the_next_step_and_keeps_nothing_unfinished(istate, image_settings) -> None:
    job = istate.services.generate_images("tiny-sd", ImageRequest("a fox", seed=5, steps=8, width=64, height=64,
                                                                  num_images=3))
    events = []
    for event in job.events():
        events.append(event)
        if isinstance(event, Step) and event.i == 2:
            job.cancel.cancel()
    result = events[-1].result
    progress = [e for e in events if isinstance(e, Step)]
    images = [e.image for e in events if isinstance(e, ImageReady)]
    # The worker may have begun one more step before the cancel arrived; it stops at the end of that one.
    assert len(progress) in (2, 3)
    assert result.cancelled and len(images) == 1 and not images[0].finished and images[0].path is None
    assert images[0].steps_done == len(progress) and images[0].image.size == (64, 64)  # the partial image
    assert not list(image_settings.outputs_dir.rglob("*.png"))  # unfinished images are not saved
    _, after = draw(istate, seed=5)  # the model keeps serving
    assert after.images[0].path.is_file()


def test_cancel_seen_in_a_step_is_the_last_step(istate) -> None:
    from localai.jobs import CancelToken

    draw(istate)  # loads the model
    backend = istate.registry.get_loaded(istate.registry.resolve("tiny-sd", "image"))
    token, seen = CancelToken(), []

    def on_step(p) -> None:
        seen.append(p.step)
        if p.step == 2:
            token.cancel()

    req = ImageRequest("a fox", seed=1, steps=10, width=64, height=64, num_images=2, scheduler="Euler")
    result = backend.generate(req.with_defaults("sd15"), token, on_step)
    assert seen == [1, 2] and result.cancelled and len(result.images) == 1 and result.images[0].steps_done == 2


def test_cancel_before_start_runs_nothing(istate) -> None:
    job = istate.services.generate_images("tiny-sd", ImageRequest("a fox", **FAST))
    job.cancel.cancel()
    ending = list(job.events())[-1]
    # A job cancelled while it waits never runs (its own ending); one that just started returns at once.
    assert ending == CancelledBeforeStart() or (ending.result.cancelled and not ending.result.images)
    assert istate.registry.loaded() == []


def test_scheduler_switch_uses_the_names_users_know(istate) -> None:
    _, default = draw(istate, seed=21)
    _, euler_a = draw(istate, seed=21, scheduler="Euler a")
    _, karras = draw(istate, seed=21, scheduler="DPM++ 2M Karras")
    assert (default.sampler, euler_a.sampler, karras.sampler) == ("PLMS", "Euler a", "DPM++ 2M Karras")
    backend = istate.registry.get_loaded(istate.registry.resolve("tiny-sd", "image"))
    assert type(backend.pipe.scheduler).__name__ == "DPMSolverMultistepScheduler"
    assert backend.pipe.scheduler.config.use_karras_sigmas
    assert not np.array_equal(pixels(default.images[0].image), pixels(euler_a.images[0].image))
    _, back = draw(istate, seed=21, scheduler="Default")  # the model's own again, same image as before
    assert type(backend.pipe.scheduler).__name__ == "PNDMScheduler"
    assert np.array_equal(pixels(default.images[0].image), pixels(back.images[0].image))
    # "PLMS" by name is the model's own scheduler.
    _, plms = draw(istate, seed=21, scheduler="PLMS")
    assert np.array_equal(pixels(default.images[0].image), pixels(plms.images[0].image))
    names = istate.services.image_defaults("tiny-sd")[2]
    assert names[0] == "Default" and {"Euler a", "DPM++ 2M Karras", "DDIM", "UniPC"} <= set(names)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("prompt", "   ", "prompt is empty"),
    ("width", 65, "multiple of 8"),
    ("height", 4096, "from 64 to 1536"),
    ("width", 32, "from 64"),
    ("steps", 0, "Steps must be between 1 and 150"),
    ("steps", 151, "Steps must be between 1 and 150"),
    ("guidance_scale", -1.0, "Guidance scale must be between 0 and 30"),
    ("guidance_scale", 31.0, "Guidance scale must be between 0 and 30"),
    ("num_images", 0, "Number of images must be between 1 and 8"),
    ("num_images", 9, "Number of images must be between 1 and 8"),
    ("scheduler", "Super Sampler 3000", "Unknown scheduler"),
    ("seed", -2, "Seed must be -1"),
])
def test_bad_input_is_a_clear_error_that_changes_nothing(istate, field: str, value, message: str) -> None:
    request = replace(ImageRequest("a fox", **FAST), **{field: value})
    with pytest.raises(InvalidInput, match=message) as err:
        istate.services.generate_images("tiny-sd", request)
    assert err.value.hint  # and what to do about it
    assert istate.registry.loaded() == [] and istate.lanes.torch.queue_length() == 0


def test_family_limits_turbo_steps_and_flow_schedulers() -> None:
    with pytest.raises(InvalidInput, match="at most 8 steps"):
        ImageRequest("x", steps=20).with_defaults("sd-turbo")
    turbo = ImageRequest("x").with_defaults("sdxl-turbo")
    assert (turbo.steps, turbo.guidance_scale, turbo.width) == (1, 0.0, 512)
    assert ImageRequest("x").with_defaults("sdxl").width == 1024
    assert ImageRequest("x").with_defaults("flux", "FLUX.1-schnell").steps == 4
    with pytest.raises(InvalidInput, match="multiple of 16"):
        ImageRequest("x", width=1000).with_defaults("flux")
    with pytest.raises(InvalidInput, match="does not work with FLUX"):
        ImageRequest("x", scheduler="Euler a").with_defaults("flux")


def test_unknown_model_lists_the_known_ones(istate) -> None:
    from localai.errors import UnknownModel

    with pytest.raises(UnknownModel, match="tiny-sd"):
        istate.services.generate_images("no-such-model", ImageRequest("a fox", **FAST))


# -- metadata ---------------------------------------------------------------------------------------------

def test_metadata_round_trip_makes_the_same_image_again(istate) -> None:
    _, first = draw(istate, prompt="a lighthouse, oil painting", negative_prompt="text, watermark", seed=77,
                    scheduler="Euler a", guidance_scale=5.5)
    meta = read_png_info(first.images[0].path)
    info = meta.info
    assert (info.prompt, info.negative_prompt, info.seed, info.steps, info.sampler, info.cfg_scale, info.width,
            info.height, info.model) == ("a lighthouse, oil painting", "text, watermark", 77, 3, "Euler a", 5.5, 64,
                                         64, "tiny-sd")
    assert "Sampler: Euler a" in meta.parameters and "Seed: 77" in meta.parameters
    assert meta.localai["model"] == "tiny-sd" and meta.localai["family"] == "sd15"
    assert meta.localai["plan"]["device"] == "cpu" and meta.localai["plan"]["reason"]
    # What "Send to the form" does: the parameters alone make the identical image.
    again = ImageRequest(info.prompt, negative_prompt=info.negative_prompt, seed=info.seed, steps=info.steps,
                         guidance_scale=info.cfg_scale, width=info.width, height=info.height, scheduler=info.sampler)
    _, second = run(istate.services.generate_images(info.model, again))
    assert np.array_equal(pixels(first.images[0].image), pixels(second.images[0].image))


# -- failures -------------------------------------------------------------------------------------------------

def test_out_of_memory_is_freed_reported_and_serving_goes_on(istate, monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    draw(istate)  # loaded
    backend = istate.registry.get_loaded(istate.registry.resolve("tiny-sd", "image"))

    def oom(*args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")

    monkeypatch.setattr(backend.pipe.unet, "forward", oom)
    with pytest.raises(OutOfMemory) as err:
        draw(istate)
    assert "smaller size" in err.value.hint and "64x64" in err.value.message
    monkeypatch.undo()
    _, result = draw(istate)
    assert result.images[0].path.is_file()
    assert istate.registry.get_loaded(istate.registry.resolve("tiny-sd", "image")) is backend  # still loaded


def test_pickle_and_unsupported_single_files_are_refused(tmp_path: Path, image_settings) -> None:
    from localai.backends.diffusers_image import DiffusersImageBackend
    from localai.catalog import ModelSpec
    from localai.plan import LoadPlan

    ckpt = tmp_path / "old.ckpt"
    ckpt.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(UnsafeModel, match="pickle"):
        DiffusersImageBackend(ModelSpec("old", "image", "local", path=ckpt, family="sd15"), LoadPlan("cpu", "fp32")).load()
    import torch
    from safetensors.torch import save_file

    sd2 = tmp_path / "sd21.safetensors"
    save_file({"cond_stage_model.model.token_embedding.weight": torch.zeros(2, 2)}, str(sd2))
    from localai.catalog import scan_image_models

    (tmp_path / "image").mkdir()
    sd2.rename(tmp_path / "image" / "sd21.safetensors")
    spec = scan_image_models(tmp_path)[0]
    assert spec.family == "sd2"
    with pytest.raises(ModelFolderInvalid, match="only SD 1.x and SDXL"):
        DiffusersImageBackend(spec, LoadPlan("cpu", "fp32")).load()


def test_broken_folder_is_a_clear_error(tmp_path: Path) -> None:
    from localai.backends.diffusers_image import DiffusersImageBackend
    from localai.catalog import ModelSpec
    from localai.plan import LoadPlan

    folder = tmp_path / "broken"
    (folder / "unet").mkdir(parents=True)
    (folder / "model_index.json").write_text(json.dumps({"_class_name": "StableDiffusionPipeline",
                                                         "unet": ["diffusers", "UNet2DConditionModel"]}))
    with pytest.raises(ModelFolderInvalid, match="Could not load the image model"):
        DiffusersImageBackend(ModelSpec("broken", "image", "local", path=folder, family="sd15"), LoadPlan("cpu", "fp32")).load()


# -- one memory budget with the chat model -------------------------------------------------------------------

def _budget_registry(image_settings, ram_gib: float):
    """A registry on a simulated CPU machine with ``ram_gib`` of RAM; the tiny models are given the sizes of
    real ones (chat: 2B params, 8 GB in fp32; image: SD 1.5's components, 4.3 GB + 1.3 GB working memory)."""
    from localai.backends.diffusers_image import DiffusersImageBackend
    from localai.backends.transformers_chat import TransformersChatBackend
    from localai.catalog import scan_image_models, scan_text_models
    from localai.hardware import HardwareInfo
    from localai.plan import plan_image_load, plan_text_load
    from localai.registry import Registry

    G = 1024**3
    holder: dict = {}

    def hardware() -> HardwareInfo:  # free RAM goes down by what the loaded models hold
        held = sum(b.plan.estimated_bytes for b in holder["registry"].loaded()) if "registry" in holder else 0
        return HardwareInfo("cpu", "simulated", 0, 0, int(ram_gib * G), int(ram_gib * G) - held)

    sd15 = (("unet", 859_520_964), ("text_encoder", 123_060_480), ("vae", 83_653_863))
    registry = Registry(image_settings, hardware, catalog=())
    registry.register("transformers", kind="text", factory=TransformersChatBackend, planner=plan_text_load,
                      scanners=(lambda s: [replace(m, params=2_000_000_000) for m in scan_text_models(s.models_dir)],))
    registry.register("diffusers", kind="image", factory=DiffusersImageBackend, planner=plan_image_load,
                      scanners=(lambda s: [replace(m, components=sd15, params=sum(p for _, p in sd15))
                                           for m in scan_image_models(s.models_dir) if m.name == "tiny-sd"],))
    holder["registry"] = registry
    return registry


def test_loading_an_image_model_unloads_the_chat_model_when_both_do_not_fit(image_settings) -> None:
    registry = _budget_registry(image_settings, ram_gib=12)
    chat, image = registry.resolve("tiny-llama", "text"), registry.resolve("tiny-sd", "image")
    registry.ensure_loaded(chat)
    before = registry.plan(image)
    assert "tiny-llama will be unloaded first to make room" in render(before.reason, "en")
    statuses: list[str] = []
    backend = registry.ensure_loaded(image, lambda status: statuses.append(render(status, "en")))
    assert "unloaded tiny-llama to make room" in render(backend.plan.reason, "en")
    assert any("Unloaded tiny-llama" in s for s in statuses)
    assert [b.spec.name for b in registry.loaded()] == ["tiny-sd"]
    # ... and the other way round.
    text_backend = registry.ensure_loaded(chat)
    assert "unloaded tiny-sd to make room" in render(text_backend.plan.reason, "en")
    assert [b.spec.name for b in registry.loaded()] == ["tiny-llama"]
    registry.unload_all()


def test_both_stay_loaded_when_the_budget_allows(image_settings) -> None:
    registry = _budget_registry(image_settings, ram_gib=48)
    chat, image = registry.resolve("tiny-llama", "text"), registry.resolve("tiny-sd", "image")
    registry.ensure_loaded(chat)
    assert "unloaded" not in render(registry.plan(image).reason, "en")
    backend = registry.ensure_loaded(image)
    assert "unloaded" not in render(backend.plan.reason, "en")
    assert sorted(b.spec.name for b in registry.loaded()) == ["tiny-llama", "tiny-sd"]
    registry.unload_all()


# -- shipped configs for single-file checkpoints -------------------------------------------------------------

def test_shipped_configs_describe_the_real_sd15_and_sdxl() -> None:
    from accelerate import init_empty_weights
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    from localai.backends.diffusers_image import CONFIGS_DIR, clip_tokenizer

    count = lambda m: sum(p.numel() for p in m.parameters())
    with init_empty_weights():  # no memory: parameter counts only
        sd15_unet = UNet2DConditionModel.from_config(UNet2DConditionModel.load_config(CONFIGS_DIR / "sd15" / "unet"))
        sdxl_unet = UNet2DConditionModel.from_config(UNet2DConditionModel.load_config(CONFIGS_DIR / "sdxl" / "unet"))
        vae = AutoencoderKL.from_config(AutoencoderKL.load_config(CONFIGS_DIR / "sdxl" / "vae"))
        clip_l = CLIPTextModel(CLIPTextConfig.from_pretrained(CONFIGS_DIR / "sd15" / "text_encoder"))
        clip_g = CLIPTextModelWithProjection(CLIPTextConfig.from_pretrained(CONFIGS_DIR / "sdxl" / "text_encoder_2"))
    # The published parameter counts of SD 1.5 and SDXL base 1.0.
    assert count(sd15_unet) == 859_520_964 and count(sdxl_unet) == 2_567_463_684
    assert count(vae) == 83_653_863 and count(clip_l) == 123_060_480 and count(clip_g) == 694_659_840
    # CLIP's own token ids, from the shipped BPE file.
    tok = clip_tokenizer()
    assert tok("a photo of a cat")["input_ids"] == [49406, 320, 1125, 539, 320, 2368, 49407]
    assert clip_tokenizer("!")("x", padding="max_length", max_length=5)["input_ids"] == [49406, 343, 49407, 0, 0]


def test_a_folder_with_only_fp16_files_loads(tmp_path: Path) -> None:
    from localai.backends.diffusers_image import DiffusersImageBackend
    from localai.catalog import scan_image_models
    from localai.jobs import CancelToken
    from localai.plan import LoadPlan
    from tests.tiny_pipelines import build_tiny_sd

    build_tiny_sd().save_pretrained(tmp_path / "image" / "half", safe_serialization=True, variant="fp16")
    spec = scan_image_models(tmp_path)[0]
    assert spec.name == "half" and spec.params > 1_000_000  # sizes read from the fp16 files
    backend = DiffusersImageBackend(spec, LoadPlan("cpu", "fp32"))
    backend.load()
    result = backend.generate(ImageRequest("a fox", seed=1, steps=2, width=64, height=64).with_defaults("sd15"),
                              CancelToken(), lambda p: None)
    assert result.images[0].image.size == (64, 64)
    backend.unload()
