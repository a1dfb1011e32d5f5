"""A person's view of the Image tab, in a real headless Chromium: generate, watch progress, see the
image in the gallery, reuse its seed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app_process import RunningApp, running_app
from tests.e2e.conftest import open_image_tab, open_tab, screenshot


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
    """Type a number as a user does; again if the box does not keep it (on a loaded machine the first box typed
    into right after the settings open has shown its old value again a moment later)."""
    open_advanced(page)
    for _ in range(3):
        box = page.locator(f"#{elem_id} input[type=number]").first
        box.fill(str(value))
        box.press("Enter")
        page.wait_for_timeout(300)
        if page.locator(f"#{elem_id} input[type=number]").first.input_value() == str(value):
            return
    raise AssertionError(f"#{elem_id} does not keep {value}")


def open_advanced(page) -> None:
    """Open the advanced settings (collapsed at first) unless they are open."""
    if not page.locator("#image-steps").is_visible():
        page.locator("#image-advanced > button").first.click()
        page.locator("#image-steps").wait_for(timeout=10_000)


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
    before = set(Path(image_app.outputs).rglob("*.png"))  # a rerun of this test finds the first run's image
    page.locator("#image-generate").click()
    page.locator("#image-gallery img").first.wait_for(timeout=120_000)
    page.locator("#image-progress").get_by_text("Done:").wait_for(timeout=60_000)
    assert "4242" in page.locator("#image-seed-info").inner_text()
    # The PNG is on disk with its parameters.
    pngs = sorted(set(Path(image_app.outputs).rglob("*.png")) - before)
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
    open_advanced(page)
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
    assert not page.locator("#image-generate").is_visible(), "while it draws, Generate is Cancel"
    page.keyboard.press("Escape")  # Esc cancels, like the Cancel button
    page.locator("#image-progress").get_by_text("Cancelled.").wait_for(timeout=60_000)
    page.locator("#image-generate").wait_for(timeout=10_000)
    assert not page.locator("#image-cancel").is_visible()
    page.locator("#image-gallery img").first.wait_for(timeout=10_000)
    assert "unfinished" in page.locator("#image-gallery").inner_text()
    assert len(list(Path(image_app.outputs).rglob("*.png"))) == before  # the unfinished image is not saved


def test_gallery_lists_saved_images_enlarges_downloads_reuses_settings_and_deletes(image_app, page,
                                                                                  tmp_path: Path) -> None:
    from PIL import Image

    from localai.gallery import GenerationInfo, read_png_info, save_png

    info = GenerationInfo(prompt="an old mill in autumn", negative_prompt="blurry", steps=3, sampler="Euler",
                          cfg_scale=6.0, seed=777, width=64, height=64, model="tiny-sd")
    mine = save_png(Image.new("RGB", (64, 64), (20, 120, 40)), info, Path(image_app.outputs),
                    {"model": "tiny-sd", "user": "local"})
    other = save_png(Image.new("RGB", (64, 64), (200, 0, 0)), info, Path(image_app.outputs),
                     {"model": "tiny-sd", "user": "someone-else"})
    page.goto(image_app.url)
    page.get_by_role("tab", name="Chat").wait_for(timeout=30_000)
    open_tab(page, "Gallery")
    grid = page.locator("#gallery-images .grid-container img")
    grid.first.wait_for(timeout=30_000)
    page.locator("#gallery-refresh").click()
    page.wait_for_timeout(500)
    shown = grid.count()
    assert shown == len([p for p in Path(image_app.outputs).rglob("*.png") if p != other]), "only my images"
    grid.first.click()  # enlarges it and shows its parameters
    page.locator("#gallery-images [data-testid=detailed-image]").wait_for(timeout=10_000)
    page.locator("#gallery-params textarea").wait_for(timeout=10_000)
    page.wait_for_function("document.querySelector('#gallery-params textarea').value.includes('Seed: 777')",
                           timeout=10_000)
    screenshot(page, "gallery")
    with page.expect_download(timeout=20_000) as download_info:
        page.locator("#gallery-images button[aria-label=Download]").click()
    got = tmp_path / "saved.png"
    download_info.value.save_as(got)
    assert read_png_info(got).info.prompt == "an old mill in autumn", "the download is the PNG with its settings"
    page.locator("#gallery-reuse").click()
    page.locator("#image-prompt textarea").wait_for(timeout=10_000)
    page.wait_for_function("document.querySelector('#image-prompt textarea').value === 'an old mill in autumn'",
                           timeout=10_000)
    open_advanced(page)  # the settings reach the collapsed fields too
    assert page.locator("#image-seed input").input_value() == "777"
    open_tab(page, "Gallery")  # opening the tab reads the list again
    page.wait_for_timeout(500)
    close = page.locator("#gallery-images button[aria-label=Close]")
    if close.is_visible():
        close.click()
    grid.first.click()
    page.wait_for_function("document.querySelector('#gallery-params textarea').value.includes('Seed: 777')",
                           timeout=10_000)
    page.locator("#gallery-delete").click()
    page.locator("#gallery-confirm-delete").click()
    page.wait_for_function("n => document.querySelectorAll('#gallery-images .grid-container img').length === n",
                           arg=shown - 1, timeout=15_000)
    assert not mine.exists() and other.exists()


def _width_height(page) -> tuple[str, str]:
    return (page.locator("#image-width input[type=number]").input_value(),
            page.locator("#image-height input[type=number]").input_value())


def test_advanced_settings_are_collapsed_and_take_the_familys_defaults(image_app, page) -> None:
    prompt = open_image_tab(page, image_app)
    assert prompt.is_visible() and page.locator("#image-generate").is_visible()
    for elem_id in ("image-steps", "image-seed", "image-negative", "image-width", "image-scheduler"):
        assert not page.locator(f"#{elem_id}").is_visible(), f"#{elem_id} is tucked away at first"
    assert not page.locator("#image-cancel").is_visible(), "Cancel shows only while drawing"
    open_advanced(page)
    # tiny-sd is an SD 1.x model: 512 px square, 25 steps, guidance 7, at the 1:1 preset
    assert _width_height(page) == ("512", "512")
    assert page.locator("#image-steps input[type=number]").input_value() == "25"
    assert page.locator("#image-aspect input[value='1:1']").is_checked()


def test_an_aspect_preset_sets_the_size_the_request_takes(image_app, page) -> None:
    """(Drawing at a preset's full size takes minutes on this CPU; the first test shows that the size in the
    form is the size of the saved image, and tests/test_image_aspect.py that every preset's size is accepted.)"""
    from localai.image_request import family_of
    from localai.ui.image_aspect import aspect_size

    want = aspect_size(family_of("sd15"), "16:9")
    assert want[0] > want[1] and want[0] % 8 == 0 and want[1] % 8 == 0
    open_image_tab(page, image_app)
    page.locator("#image-aspect").get_by_text("16:9").click()
    open_advanced(page)
    page.wait_for_function(f"document.querySelector('#image-width input[type=number]').value === '{want[0]}'",
                           timeout=10_000)
    assert _width_height(page) == (str(want[0]), str(want[1]))
    # a size set by hand is no preset any more; picking one again puts its size back
    _set_number(page, "image-width", 256)
    page.wait_for_function("!document.querySelector('#image-aspect input[value=\"16:9\"]').checked", timeout=10_000)
    page.locator("#image-aspect").get_by_text("9:16").click()
    page.wait_for_function(f"document.querySelector('#image-width input[type=number]').value === '{want[1]}'",
                           timeout=10_000)
    assert _width_height(page) == (str(want[1]), str(want[0]))
    # a size that equals a preset marks it
    _set_number(page, "image-width", 512)
    _set_number(page, "image-height", 512)
    page.wait_for_function("document.querySelector('#image-aspect input[value=\"1:1\"]').checked", timeout=10_000)


def test_the_grid_shows_newest_first_and_each_image_enlarges_downloads_and_reuses(image_app, page,
                                                                                 tmp_path: Path) -> None:
    from localai.gallery import read_png_info

    prompt = open_image_tab(page, image_app)
    runs = (("a lighthouse in fog", 501, 3), ("a green parrot", 502, 2))
    for number, (words, seed, steps) in enumerate(runs, start=1):
        for elem_id, value in (("image-width", 64), ("image-height", 64), ("image-steps", steps),
                               ("image-seed", seed)):
            _set_number(page, elem_id, value)
        prompt.fill(words)
        if number == 1:
            page.locator("#image-generate").click()
        else:
            prompt.press("Enter")  # Enter in the prompt generates too
        page.wait_for_function(f"document.querySelectorAll('#image-gallery .grid-container img').length === {number}",
                               timeout=120_000)
        page.locator("#image-generate").wait_for(timeout=60_000)  # the button is Generate again
    thumbs = page.locator("#image-gallery .grid-container .gallery-item")
    assert "seed 502" in thumbs.nth(0).inner_text(), "the newest image comes first"
    assert "seed 501" in thumbs.nth(1).inner_text()
    screenshot(page, "image-grid")
    # enlarge the older one: the grid's preview, with Download and Reuse settings in its toolbar
    thumbs.nth(1).click()
    big = page.locator("#image-gallery [data-testid=detailed-image]")
    big.wait_for(timeout=10_000)
    assert "501" in (big.get_attribute("alt") or "")
    with page.expect_download(timeout=20_000) as download_info:
        page.locator("#image-gallery button[aria-label=Download]").click()
    got = tmp_path / "got.png"
    download_info.value.save_as(got)
    assert got.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert read_png_info(got).info.seed == 501, "the download is the saved PNG with its settings"
    screenshot(page, "image-enlarged")
    # reuse its settings: the form takes its prompt, seed, size and steps
    prompt.fill("something else")
    _set_number(page, "image-seed", 7)
    _set_number(page, "image-width", 128)
    page.locator("#image-gallery .custom-button", has_text="Reuse settings").click()
    page.wait_for_function("document.querySelector('#image-prompt textarea').value === 'a lighthouse in fog'",
                           timeout=10_000)
    assert page.locator("#image-seed input").input_value() == "501"
    page.wait_for_function("document.querySelector('#image-width input[type=number]').value === '64' && "
                           "document.querySelector('#image-height input[type=number]').value === '64'",
                           timeout=10_000)  # the widths typed before may still be in flight on a busy machine
    assert _width_height(page) == ("64", "64")
    assert page.locator("#image-steps input[type=number]").input_value() == "3"
    # the same from the button under the grid, for the image picked there
    page.locator("#image-gallery button[aria-label=Close]").click()
    thumbs.first.click()
    page.locator("#image-seed-info").get_by_text("502").wait_for(timeout=10_000)
    page.locator("#image-gallery button[aria-label=Close]").click()
    page.locator("#image-reuse-settings").click()
    page.wait_for_function("document.querySelector('#image-prompt textarea').value === 'a green parrot'",
                           timeout=10_000)
    assert page.locator("#image-seed input").input_value() == "502"
    assert page.locator("#image-steps input[type=number]").input_value() == "2"


def test_reuse_settings_before_any_image_says_so_and_changes_nothing(image_app, page) -> None:
    prompt = open_image_tab(page, image_app)
    prompt.fill("my own words")
    page.locator("#image-reuse-settings").click()
    page.get_by_text("Generate an image first").first.wait_for(timeout=10_000)
    assert prompt.input_value() == "my own words"


def test_on_a_phone_the_image_and_gallery_tabs_fit_the_screen(image_app, phone_page) -> None:
    page = phone_page
    prompt = open_image_tab(page, image_app)
    width, height = 390, 844

    def fits_on_screen(locator) -> None:
        box = locator.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width and box["y"] + box["height"] <= height, box

    assert page.evaluate("document.documentElement.scrollWidth") <= width, "nothing scrolls sideways"
    assert page.evaluate("window.scrollY") == 0
    fits_on_screen(prompt)
    fits_on_screen(page.locator("#image-generate"))
    for elem_id, value in (("image-width", 64), ("image-height", 64), ("image-steps", 2)):
        _set_number(page, elem_id, value)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the advanced settings fit too"
    prompt.fill("a tiny boat")
    page.locator("#image-generate").tap()
    page.locator("#image-gallery .grid-container img").first.wait_for(timeout=120_000)
    page.locator("#image-generate").wait_for(timeout=60_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "image-phone")
    from PIL import Image

    from localai.gallery import GenerationInfo, save_png

    for seed in (11, 12, 13):  # enough images for two rows
        save_png(Image.new("RGB", (64, 64), (40 * seed % 255, 90, 160)), GenerationInfo(prompt="a sample", seed=seed),
                 Path(image_app.outputs), {"model": "tiny-sd", "user": "local"})
    open_tab(page, "Gallery")
    thumbs = page.locator("#gallery-images .grid-container img")
    page.wait_for_function("document.querySelectorAll('#gallery-images .grid-container img').length >= 4",
                           timeout=30_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for i in range(min(4, thumbs.count())):  # the first two rows in full on the screen, none cut off
        fits_on_screen(thumbs.nth(i))
    screenshot(page, "gallery-phone")
