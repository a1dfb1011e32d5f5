"""A person's view of the Image tab, in a real headless Chromium: generate, watch progress, see the
image in the gallery, reuse its seed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app_process import RunningApp, running_app
from tests.e2e.conftest import screenshot


@pytest.fixture(scope="module")
def image_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    from tests.tiny_pipelines import save_tiny_sd

    models = tmp_path_factory.mktemp("image-app-models")
    save_tiny_sd(models / "image" / "tiny-sd")
    (models / "text").mkdir()
    work = tmp_path_factory.mktemp("image-app")
    with running_app(models, work, env={"HF_HUB_CACHE": str(work / "empty-hf-cache")}) as running:
        running.outputs = work / "outputs"  # type: ignore[attr-defined]
        yield running


def _set_number(page, elem_id: str, value: int) -> None:
    box = page.locator(f"#{elem_id} input[type=number]").first
    box.fill(str(value))
    box.press("Enter")


def test_generate_an_image_and_see_it_in_the_gallery(image_app, page) -> None:
    page.goto(image_app.url)
    page.get_by_role("tab", name="Image").click()
    prompt = page.locator("#image-prompt textarea")
    prompt.wait_for(timeout=30_000)
    assert "tiny-sd" in page.locator("#image-model").inner_text() or \
        page.locator("#image-model input").input_value() == "tiny-sd"
    for elem_id, value in (("image-width", 64), ("image-height", 64), ("image-steps", 4)):
        _set_number(page, elem_id, value)
    _set_number(page, "image-seed", 4242)
    prompt.fill("a small red house by a lake")
    page.locator("#image-generate").click()
    page.locator("#image-gallery img").first.wait_for(timeout=120_000)
    page.locator("#image-progress").get_by_text("Done:").wait_for(timeout=60_000)
    assert "4242" in page.locator("#image-seed-info").inner_text()
    # The PNG is on disk with its parameters.
    pngs = list(Path(image_app.outputs).rglob("*.png"))
    assert len(pngs) == 1 and pngs[0].name.endswith("-4242.png")
    from localai.gallery import read_png_info

    info = read_png_info(pngs[0]).info
    assert (info.prompt, info.seed, info.steps, info.width, info.model) == ("a small red house by a lake", 4242, 4, 64,
                                                                           "tiny-sd")
    screenshot(page, "image")
    # One click puts the seed back after a random one.
    page.locator("#image-random-seed").click()
    page.wait_for_function("document.querySelector('#image-seed input').value === '-1'", timeout=10_000)
    page.locator("#image-reuse-seed").click()
    page.wait_for_function("document.querySelector('#image-seed input').value === '4242'", timeout=10_000)


def test_empty_prompt_is_refused_with_a_message(image_app, page) -> None:
    page.goto(image_app.url)
    page.get_by_role("tab", name="Image").click()
    page.locator("#image-prompt textarea").wait_for(timeout=30_000)
    page.locator("#image-generate").click()
    page.get_by_text(re.compile("prompt is empty")).first.wait_for(timeout=15_000)
    assert page.locator("#image-gallery img").count() == 0


def test_png_info_reads_a_dropped_png_and_fills_the_form(image_app, page, tmp_path: Path) -> None:
    from PIL import Image

    from localai.gallery import GenerationInfo, save_png

    info = GenerationInfo(prompt="a blue boat, watercolor", negative_prompt="people", steps=5, sampler="Euler a",
                          cfg_scale=4.5, seed=99, width=64, height=72, model="tiny-sd")
    png = save_png(Image.new("RGB", (64, 72), (20, 40, 200)), info, tmp_path)
    page.goto(image_app.url)
    page.get_by_role("tab", name="Image").click()
    page.locator("#image-prompt textarea").wait_for(timeout=30_000)
    page.get_by_text("PNG info: read the settings of an image").click()
    page.locator("#image-pnginfo-file input[type=file]").set_input_files(str(png))
    page.wait_for_function("document.querySelector('#image-pnginfo-text textarea').value.includes('a blue boat')",
                           timeout=20_000)
    assert "Sampler: Euler a" in page.locator("#image-pnginfo-text textarea").input_value()
    page.locator("#image-pnginfo-send").click()
    page.wait_for_function("document.querySelector('#image-prompt textarea').value === 'a blue boat, watercolor'",
                           timeout=10_000)
    assert page.locator("#image-negative textarea").input_value() == "people"
    assert page.locator("#image-seed input").input_value() == "99"
    assert page.locator("#image-height input[type=number]").input_value() == "72"
    assert page.locator("#image-scheduler input").input_value() == "Euler a"


def test_cancel_stops_the_run_and_says_what_happened(image_app, page) -> None:
    before = len(list(Path(image_app.outputs).rglob("*.png")))
    page.goto(image_app.url)
    page.get_by_role("tab", name="Image").click()
    prompt = page.locator("#image-prompt textarea")
    prompt.wait_for(timeout=30_000)
    for elem_id, value in (("image-width", 256), ("image-height", 256), ("image-steps", 150)):
        _set_number(page, elem_id, value)
    prompt.fill("a very slow painting")
    page.locator("#image-generate").click()
    page.locator("#image-progress").get_by_text(re.compile(r"Step \d+ of 151")).wait_for(timeout=60_000)
    page.locator("#image-cancel").click()
    page.locator("#image-progress").get_by_text("Cancelled.").wait_for(timeout=60_000)
    page.locator("#image-gallery img").first.wait_for(timeout=10_000)
    assert "unfinished" in page.locator("#image-gallery").inner_text()
    assert len(list(Path(image_app.outputs).rglob("*.png"))) == before  # the unfinished image is not saved


def test_gallery_lists_saved_images_reuses_settings_and_deletes(image_app, page) -> None:
    from PIL import Image

    from localai.gallery import GenerationInfo, save_png

    info = GenerationInfo(prompt="an old mill in autumn", negative_prompt="blurry", steps=3, sampler="Euler",
                          cfg_scale=6.0, seed=777, width=64, height=64, model="tiny-sd")
    mine = save_png(Image.new("RGB", (64, 64), (20, 120, 40)), info, Path(image_app.outputs),
                    {"model": "tiny-sd", "user": "local"})
    other = save_png(Image.new("RGB", (64, 64), (200, 0, 0)), info, Path(image_app.outputs),
                     {"model": "tiny-sd", "user": "someone-else"})
    page.goto(image_app.url)
    page.get_by_role("tab", name="Gallery").click()
    page.locator("#gallery-images img").first.wait_for(timeout=30_000)
    page.locator("#gallery-refresh").click()
    page.wait_for_timeout(500)
    shown = page.locator("#gallery-images img").count()
    assert shown == len([p for p in Path(image_app.outputs).rglob("*.png") if p != other]), "only my images"
    page.locator("#gallery-images img").first.click()
    page.locator("#gallery-params textarea").wait_for(timeout=10_000)
    page.wait_for_function("document.querySelector('#gallery-params textarea').value.includes('Seed: 777')",
                           timeout=10_000)
    screenshot(page, "gallery")
    page.locator("#gallery-reuse").click()
    page.locator("#image-prompt textarea").wait_for(timeout=10_000)
    page.wait_for_function("document.querySelector('#image-prompt textarea').value === 'an old mill in autumn'",
                           timeout=10_000)
    assert page.locator("#image-seed input").input_value() == "777"
    page.get_by_role("tab", name="Gallery").click()  # opening the tab reads the list again
    page.wait_for_timeout(500)
    page.locator("#gallery-images img").first.click()
    page.wait_for_function("document.querySelector('#gallery-params textarea').value.includes('Seed: 777')",
                           timeout=10_000)
    page.locator("#gallery-delete").click()
    page.locator("#gallery-confirm-delete").click()
    page.wait_for_function(f"document.querySelectorAll('#gallery-images img').length === {shown - 1}", timeout=15_000)
    assert not mine.exists() and other.exists()
