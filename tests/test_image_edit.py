"""Editing images end to end on tiny random-weight pipelines (64x64, a few steps, offline): image-to-image,
variations, inpaint ("vary region"), outpaint ("zoom out", "pan"), upscale 2x (whole and in tiles), an
inpainting model (9-channel UNet) picked for the masked modes, the saved metadata, same seed -> same image,
cancel, and bad input that changes nothing."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from localai.errors import InvalidInput
from localai.gallery import GenerationInfo, read_png_info
from localai.image_edit import MASK_BLUR
from localai.image_request import ImageRequest
from localai.jobs import Notice
from localai.messages import render

FAST = {"steps": 3, "width": 64, "height": 64}


@pytest.fixture(scope="module")
def edit_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tiny-sd, tiny-sdxl and tiny-sd-inpainting (a 9-channel UNet of the same family)."""
    from tests.tiny_pipelines import save_tiny_sd, save_tiny_sd_inpaint, save_tiny_sdxl

    root = tmp_path_factory.mktemp("edit-models")
    save_tiny_sd(root / "image" / "tiny-sd")
    save_tiny_sdxl(root / "image" / "tiny-sdxl")
    save_tiny_sd_inpaint(root / "image" / "tiny-sd-inpainting")
    return root


@pytest.fixture()
def est(edit_models_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator:
    from localai.config import parse_settings
    from localai.state import build_state

    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-hf-cache"))
    settings = parse_settings(["--models-dir", str(edit_models_dir), "--data-dir", str(tmp_path / "data"),
                               "--outputs-dir", str(tmp_path / "outputs"), "--no-browser"], env={})
    st = build_state(settings)
    yield st
    st.lanes.torch.call(st.registry.unload_all)
    st.lanes.shutdown()


def run(st, model: str = "tiny-sd", **kw):
    job = st.services.generate_images(model, ImageRequest(kw.pop("prompt", "a red fox"), **{**FAST, **kw}))
    events = list(job.events())
    return events[:-1], events[-1].result


def pixels(image) -> np.ndarray:
    return np.asarray(image.convert("RGB")).astype(int)


@pytest.fixture()
def source(est):
    """A 64x64 picture drawn from text (saved, as the grid's images are)."""
    return run(est, seed=5)[1].images[0]


def saved_files(st) -> list[Path]:
    return sorted(Path(st.settings.outputs_dir).rglob("*.png"))


# -- every mode: the size a user expects, saved with what made it -------------------------------------------
@pytest.mark.parametrize("model", ["tiny-sd", "tiny-sdxl"])
@pytest.mark.parametrize(("mode", "extra", "size"), [
    ("image-to-image", {}, (64, 64)),
    ("variation", {"strength": 0.35}, (64, 64)),
    ("upscale", {}, (128, 128)),
    ("outpaint", {"outpaint": "2x"}, (128, 128)),
    ("outpaint", {"outpaint": "1.5x"}, (96, 96)),
    ("outpaint", {"outpaint": "right"}, (96, 64)),
    ("outpaint", {"outpaint": "up"}, (64, 96)),
])
def test_each_mode_draws_the_expected_size_and_saves_how_it_was_made(est, source, model, mode, extra, size):
    events, result = run(est, model, mode=mode, image=source.path, seed=9, **extra)
    [image] = result.images
    assert image.finished and image.image.size == size and image.path is not None
    meta = read_png_info(image.path)
    assert (meta.info.width, meta.info.height) == size and meta.info.seed == 9
    assert meta.info.extra["Mode"] == mode and meta.info.extra["Source hash"] == meta.localai["edit"]["source_hash"]
    assert float(meta.info.extra["Denoising strength"]) == result.request.strength
    assert "Denoising strength: " in meta.parameters  # A1111's own name, so other tools read it
    assert meta.localai["edit"]["mode"] == mode and meta.localai["model"] in (model, "tiny-sd-inpainting")


def test_the_edit_pipelines_share_the_loaded_components(est, source) -> None:
    run(est, mode="image-to-image", image=source.path)
    [backend] = est.registry.loaded()
    img2img = backend._edits.for_kind("image-to-image")
    assert img2img is not backend.pipe and type(img2img).__name__ == "StableDiffusionImg2ImgPipeline"
    assert img2img.unet is backend.pipe.unet and img2img.vae is backend.pipe.vae  # no second copy
    assert backend._edits.for_kind("image-to-image") is img2img  # made once


def test_same_seed_same_edit_and_strength_changes_it(est, source) -> None:
    a = run(est, mode="image-to-image", image=source.path, seed=3, strength=0.6)[1].images[0].image
    b = run(est, mode="image-to-image", image=source.path, seed=3, strength=0.6)[1].images[0].image
    c = run(est, mode="image-to-image", image=source.path, seed=3, strength=1.0)[1].images[0].image
    assert np.array_equal(pixels(a), pixels(b))
    assert not np.array_equal(pixels(a), pixels(c))


def test_variations_are_new_images_near_the_source(est, source) -> None:
    _, result = run(est, mode="variation", image=source.path, seed=40, strength=0.35, num_images=2)
    first, second = (pixels(i.image) for i in result.images)
    assert [i.info.seed for i in result.images] == [40, 41] and not np.array_equal(first, second)
    far = run(est, mode="variation", image=source.path, seed=40, strength=1.0)[1].images[0].image
    near_diff = np.abs(first - pixels(source.image)).mean()
    assert near_diff < np.abs(pixels(far) - pixels(source.image)).mean()  # subtle stays nearer the source


# -- inpaint: only the masked part changes ----------------------------------------------------------------
def square_mask(size: int = 64, box: tuple[int, int, int, int] = (20, 20, 44, 44)):
    from PIL import Image

    mask = Image.new("L", (size, size), 0)
    mask.paste(255, box)
    return mask


def outside(box: tuple[int, int, int, int], margin: int, size: int = 64) -> np.ndarray:
    keep = np.ones((size, size), dtype=bool)
    keep[max(0, box[1] - margin):box[3] + margin, max(0, box[0] - margin):box[2] + margin] = False
    return keep


@pytest.mark.parametrize("model", ["tiny-sd", "tiny-sdxl"])
def test_inpaint_changes_only_the_masked_part(est, source, model) -> None:
    box = (20, 20, 44, 44)
    _, result = run(est, model, mode="inpaint", image=source.path, mask=square_mask(box=box), seed=2)
    diff = np.abs(pixels(result.images[0].image) - pixels(source.image)).max(axis=2)
    assert diff[outside(box, 3 * MASK_BLUR)].max() <= 1  # the source's own pixels, as they were
    assert diff[box[1]:box[3], box[0]:box[2]].mean() > 5  # redrawn
    assert result.images[0].info.extra["Mask"] == "yes"


def test_an_inpainting_model_of_the_same_family_draws_the_masked_modes(est, source) -> None:
    events, result = run(est, "tiny-sd", mode="inpaint", image=source.path, mask=square_mask(), seed=2)
    notices = [render(e.message, "en") for e in events if isinstance(e, Notice)]
    assert any("tiny-sd-inpainting" in n and "tiny-sd" in n for n in notices)
    assert result.model == "tiny-sd-inpainting" and read_png_info(result.images[0].path).localai["model"] == \
        "tiny-sd-inpainting"
    diff = np.abs(pixels(result.images[0].image) - pixels(source.image)).max(axis=2)
    assert diff[outside((20, 20, 44, 44), 3 * MASK_BLUR)].max() <= 1
    # SDXL has no inpainting model here: its own model inpaints with the mask
    assert run(est, "tiny-sdxl", mode="inpaint", image=source.path, mask=square_mask())[1].model == "tiny-sdxl"


def test_an_inpainting_model_says_it_cannot_draw_from_text(est) -> None:
    job = est.services.generate_images("tiny-sd-inpainting", ImageRequest("a fox", **FAST))
    with pytest.raises(InvalidInput) as err:
        job.wait()
    assert "tiny-sd-inpainting cannot do drawing from text" in render(err.value, "en")
    assert "inpainting model" in render(err.value, "en")


def test_outpaint_keeps_the_source_in_the_middle(est, source) -> None:
    _, result = run(est, "tiny-sdxl", mode="outpaint", image=source.path, outpaint="2x", seed=4)
    out = pixels(result.images[0].image)
    m = 2 * MASK_BLUR + 3 * MASK_BLUR  # the seam's redrawn band reaches 2 blurs into the source, then fades
    middle, src = out[32 + m:96 - m, 32 + m:96 - m], pixels(source.image)[m:64 - m, m:64 - m]
    assert np.abs(middle - src).max() <= 1
    assert np.abs(out[:16] - out[:16].mean()).mean() > 0  # the new border is drawn, not left flat


# -- upscale: whole or in tiles -----------------------------------------------------------------------------
def test_upscale_in_tiles_when_the_enlarged_image_does_not_fit(est, source, monkeypatch) -> None:
    from dataclasses import replace

    import localai.plan
    from localai.image_edit import Tiles
    from localai.image_request import FAMILIES

    monkeypatch.setattr(localai.plan, "upscale_fits_whole", lambda *a, **k: False)
    monkeypatch.setitem(FAMILIES, "sd15", replace(FAMILIES["sd15"], size=64))  # tiles of 64 px, as 512 for SD 1.5
    events, result = run(est, mode="upscale", image=source.path, seed=1)
    [image] = result.images
    tiles = len(Tiles(64, 16).boxes(128, 128))
    assert image.image.size == (128, 128) and image.info.extra["Tiles"] == f"{tiles} x 64 px" and tiles == 9
    assert any("tiles" in render(e.message, "en") for e in events if isinstance(e, Notice))
    steps = [e for e in events if type(e).__name__ == "Step"]
    assert steps and steps[-1].i == steps[-1].total  # progress runs over every tile


def test_upscale_fits_whole_follows_the_free_memory() -> None:
    from localai.hardware import HardwareInfo
    from localai.plan import LoadPlan, upscale_fits_whole

    g = 1024**3
    gpu = LoadPlan("cuda", "fp16", pool="gpu")
    small = HardwareInfo("cuda", "GeForce RTX 2060", 6 * g, int(1.5 * g), 16 * g, 12 * g)
    big = HardwareInfo("cuda", "GeForce RTX 4090", 24 * g, 15 * g, 64 * g, 56 * g)
    assert not upscale_fits_whole(gpu, small, "sdxl", 2048, 2048)  # 16x the work of 1024 px
    assert upscale_fits_whole(gpu, big, "sdxl", 2048, 2048)
    assert upscale_fits_whole(gpu, small, "sd15", 768, 768)  # 0.6 GiB x 2.25 - 0.6 fits 1.5 - 0.5 GiB free
    assert not upscale_fits_whole(gpu, small, "sd15", 1024, 1024)
    sequential = LoadPlan("cuda", "fp16", offload="sequential", pool="gpu")
    assert not upscale_fits_whole(sequential, big, "sd15", 1024, 1024)  # memory is short by definition


# -- cancel ---------------------------------------------------------------------------------------------------
def test_cancel_stops_an_edit_and_saves_nothing_unfinished(est, source) -> None:
    before = saved_files(est)
    job = est.services.generate_images("tiny-sd", ImageRequest("a fox", mode="image-to-image", image=source.path,
                                                                strength=1.0, steps=20, width=64, height=64))
    for event in job.events():
        if type(event).__name__ == "Step":
            job.stop()
    result = job.result
    assert result.cancelled and not any(i.finished for i in result.images)
    assert saved_files(est) == before


# -- bad input: a clear message, nothing queued, nothing saved ----------------------------------------------
def png_bytes(size=(64, 64), mode="RGB", color=(10, 20, 30)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new(mode, size, color).save(buf, format="PNG")
    return buf.getvalue()


@pytest.mark.parametrize(("kw", "field", "says"), [
    ({"mode": "inpaint", "mask": "mask-of-another-size"}, "mask", "The mask is 32 x 32 pixels but the picture is 64 x 64"),
    ({"mode": "inpaint", "mask": "empty-mask"}, "mask", "marks nothing"),
    ({"mode": "inpaint"}, "mask", "needs a mask"),
    ({"mode": "image-to-image", "strength": 0}, "strength", "Strength must be more than 0"),
    ({"mode": "image-to-image", "strength": 1.5}, "strength", "at most 1"),
    ({"mode": "image-to-image", "image": b"not a picture at all"}, "image", "is not a picture"),
    ({"mode": "image-to-image", "image": None}, "image", "needs a picture"),
    ({"mode": "upscale", "image": "too-big-to-upscale"}, "image", "cannot be upscaled 2x"),
    ({"mode": "outpaint", "outpaint": "sideways"}, "outpaint", "Unknown direction"),
    ({"mode": "sketch"}, "mode", "Unknown edit"),
    ({"mode": "image-to-image", "image": "tiny"}, "image", "too small"),
])
def test_bad_edits_are_clear_errors_that_change_nothing(est, source, kw, field, says) -> None:
    from PIL import Image

    named = {"mask-of-another-size": square_mask(32, (4, 4, 20, 20)), "empty-mask": Image.new("L", (64, 64), 0),
             "too-big-to-upscale": png_bytes((800, 800)), "tiny": png_bytes((4, 4))}
    kw = {"image": source.path, **kw}
    kw = {k: named.get(v, v) if isinstance(v, str) else v for k, v in kw.items()}
    before = saved_files(est)
    with pytest.raises(InvalidInput) as err:
        est.services.generate_images("tiny-sd", ImageRequest("a fox", **{**FAST, **kw}))
    assert err.value.field == field and says in render(err.value, "en")
    assert est.lanes.jobs_of("local") == [] and saved_files(est) == before  # nothing queued, nothing saved


def test_openai_masks_mark_what_to_redraw_by_transparency() -> None:
    from PIL import Image

    from localai.image_edit import mask_from

    picture = Image.new("RGBA", (64, 64), (200, 10, 10, 255))
    mask = Image.new("RGBA", (64, 64), (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), (8, 8, 24, 24))
    binary = mask_from(mask, picture, transparent_edits=True)
    assert binary.getbbox() == (8, 8, 24, 24)
    picture.paste((0, 0, 0, 0), (40, 40, 50, 50))  # no mask given: the picture's own transparency
    assert mask_from(None, picture, transparent_edits=True).getbbox() == (40, 40, 50, 50)
    with pytest.raises(InvalidInput, match="no transparency"):
        mask_from(Image.new("RGB", (64, 64)), picture.convert("RGB"), transparent_edits=True)


def test_tiles_cover_the_image_and_overlap() -> None:
    from localai.image_edit import Tiles

    boxes = Tiles(64, 16).boxes(160, 96)
    covered = np.zeros((96, 160), dtype=int)
    for x0, y0, x1, y1 in boxes:
        assert x1 - x0 == 64 and y1 - y0 == 64
        covered[y0:y1, x0:x1] += 1
    assert covered.min() >= 1 and covered.max() >= 2
    assert Tiles(64, 16).boxes(64, 64) == [(0, 0, 64, 64)]


def test_saved_parameters_of_an_edit_read_back_in_a1111_format(est, source) -> None:
    image = run(est, mode="image-to-image", image=source.path, strength=0.5, seed=8)[1].images[0]
    info = GenerationInfo.from_parameters(read_png_info(image.path).parameters)
    assert info.seed == 8 and info.extra["Denoising strength"] == "0.5" and info.extra["Mode"] == "image-to-image"
