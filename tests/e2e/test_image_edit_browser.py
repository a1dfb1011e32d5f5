"""The Midjourney loop in a real headless Chromium: generate, Vary (subtle) and Upscale 2x from the grid, paint a
mask in the editor and redraw only that region, edit a dropped picture, add a LoRA to the prompt, and Vary / Edit a
saved image from the Gallery tab. 64 px images, 2 steps: each drawing takes a fraction of a second, the waits are
for the page's states."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app_process import RunningApp, running_app
from tests.e2e.accessibility import axe_violations, describe
from tests.e2e.conftest import open_image_tab, open_tab, screenshot, wait_until_settled

pytestmark = pytest.mark.e2e

GRID = "#image-gallery .grid-container .gallery-item"
DRAW_S = 120_000  # a drawing, model load included, on a slow, loaded machine


@pytest.fixture(scope="module")
def edit_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    from tests.tiny_pipelines import save_tiny_lora, save_tiny_sd

    models = tmp_path_factory.mktemp("edit-app-models")
    save_tiny_sd(models / "image" / "tiny-sd")
    save_tiny_lora(models / "lora" / "ink.safetensors")
    (models / "text").mkdir()
    work = tmp_path_factory.mktemp("edit-app")
    with running_app(models, work, env={"HF_HUB_CACHE": str(work / "empty-hf-cache")}) as running:
        running.outputs = work / "outputs"  # type: ignore[attr-defined]
        yield running


# -- helpers ---------------------------------------------------------------------------------------------
def set_number(page, elem_id: str, value: int) -> None:
    if not page.locator("#image-steps").is_visible():
        page.locator("#image-advanced > button").first.click()
        page.locator("#image-steps").wait_for(timeout=10_000)
    box = page.locator(f"#{elem_id} input[type=number]").first
    for attempt in range(3):  # the page's own load may still set the model's defaults over a value typed early
        box.fill(str(value))
        box.press("Enter")
        try:
            page.wait_for_function(f"document.querySelector('#{elem_id} input[type=number]').value === '{value}'",
                                   timeout=5_000)
            return
        except Exception:  # noqa: BLE001 - type it again; the last try's timeout fails the test
            if attempt == 2:
                raise


def small_fast_form(page, seed: int = -1, count: int = 1) -> None:
    for elem_id, value in (("image-width", 64), ("image-height", 64), ("image-steps", 2), ("image-seed", seed),
                           ("image-count", count)):
        set_number(page, elem_id, value)


def wait_for_grid(page, count: int) -> None:
    """``count`` images in the grid and the run over (the button is Generate again)."""
    page.wait_for_function(f"document.querySelectorAll('{GRID}').length === {count}", timeout=DRAW_S)
    page.locator("#image-generate").wait_for(timeout=60_000)


def captions(page) -> list[str]:
    return [t.strip() for t in page.locator(GRID).all_inner_texts()]


def saved(app: RunningApp) -> dict[Path, object]:
    """The saved PNGs and their settings."""
    from localai.gallery import read_png_info

    return {p: read_png_info(p) for p in Path(app.outputs).rglob("*.png")}


def generate(page, prompt, words: str, seed: int) -> None:
    before = page.locator(GRID).count()
    small_fast_form(page, seed)
    prompt.fill(words)
    page.locator("#image-generate").click()
    wait_for_grid(page, before + 1)


def canvas_pixel(page, fx: float, fy: float) -> tuple[int, int, int]:
    """The colour shown at (fx, fy) of the editor's canvas, as fractions of its box."""
    from PIL import Image

    canvas = page.locator("#image-editor canvas").first
    shot = Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")
    return shot.getpixel((int(shot.width * fx), int(shot.height * fy)))


def wait_for_canvas(page, check, what: str, timeout_s: float = 30) -> None:
    """Wait until ``check(page)`` holds for the editor's canvas (it draws with WebGL: read from screenshots)."""
    import time

    end = time.monotonic() + timeout_s
    while not check(page):
        if time.monotonic() > end:
            screenshot(page, "image-editor-timeout")
            pytest.fail(f"the editor did not show {what}; its centre shows {canvas_pixel(page, 0.5, 0.5)}")
        page.wait_for_timeout(150)


def shows_colour(colour: tuple[int, int, int]):
    """A check for ``wait_for_canvas``: the canvas' centre shows about ``colour`` (a flat picture)."""
    return lambda page: all(abs(a - b) <= 6 for a, b in zip(canvas_pixel(page, 0.5, 0.5), colour))


def picture_shown(page) -> bool:
    """The loaded picture (noise from the tiny model) fills the canvas' centre: not the empty canvas' flat colour."""
    return len({canvas_pixel(page, 0.5 + dx, 0.5) for dx in (-0.04, -0.02, 0, 0.02, 0.04)}) > 2


def paint_stroke(page, half_width_px: float = 24) -> None:
    """A short horizontal stroke with the brush across the middle of the canvas, as a person drags the mouse."""
    box = page.locator("#image-editor canvas").first.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x - half_width_px, y)
    page.mouse.down()
    for i in range(1, 9):
        page.mouse.move(x - half_width_px + 2 * half_width_px * i / 8, y, steps=2)
    page.mouse.up()


# -- the grid's Vary and Upscale ---------------------------------------------------------------------------
def test_vary_subtle_and_upscale_from_the_grid(edit_app, page) -> None:
    prompt = open_image_tab(page, edit_app)
    generate(page, prompt, "a small red house", 301)
    set_number(page, "image-count", 2)
    page.locator("#image-vary-subtle").click()  # the row under the grid: the newest image, none being picked
    wait_for_grid(page, 3)
    shown = captions(page)
    assert all("vary (subtle)" in c for c in shown[:2]) and "seed 301" == shown[2], shown
    page.locator("#image-progress").get_by_text("Done:").wait_for(timeout=30_000)
    varied = [m for m in saved(edit_app).values() if m.info.extra.get("Mode") == "variation"]
    assert len(varied) == 2 and all(m.info.prompt == "a small red house" for m in varied), "the image's own prompt"
    assert {m.info.extra["Denoising strength"] for m in varied} == {"0.35"}
    # enlarge the original (now third) and upscale it from the enlarged view's toolbar
    page.locator(GRID).nth(2).click()
    page.locator("#image-gallery [data-testid=detailed-image]").wait_for(timeout=10_000)
    page.locator("#image-gallery .custom-button", has_text="Upscale 2x").click()
    page.locator("#image-cancel").wait_for(timeout=30_000)  # while it draws, Generate is Cancel
    page.locator("#image-generate").wait_for(timeout=DRAW_S)
    page.locator("#image-gallery button[aria-label=Close]").click()
    wait_for_grid(page, 4)
    assert captions(page)[0] == "seed 301 · upscaled 2x"
    page.wait_for_function(f"document.querySelector('{GRID} img').naturalWidth === 128", timeout=10_000)
    [upscaled] = [p for p, m in saved(edit_app).items() if m.info.extra.get("Upscale") == "2x"]
    from PIL import Image

    with Image.open(upscaled) as png:
        assert png.size == (128, 128), "twice the 64 px original"
    screenshot(page, "image-vary-upscale")


def test_the_buttons_warn_before_there_is_an_image(edit_app, page) -> None:
    open_image_tab(page, edit_app)
    page.locator("#image-upscale").click()
    page.get_by_text("Generate an image first, or pick one in the grid.").first.wait_for(timeout=15_000)
    page.locator("#image-edit > button").first.click()
    page.locator("#image-edit-draw").click()
    page.get_by_text("Drop a picture into the editor first").first.wait_for(timeout=15_000)
    assert page.locator(GRID).count() == 0


# -- the editor ----------------------------------------------------------------------------------------------
def test_paint_a_mask_and_redraw_only_that_region(edit_app, page) -> None:
    from PIL import Image

    prompt = open_image_tab(page, edit_app)
    generate(page, prompt, "a grey wall", 302)
    [source] = [p for p, m in saved(edit_app).items() if m.info.seed == 302 and "Mode" not in m.info.extra]
    page.locator("#image-edit-open").click()  # the newest image into the editor, which opens
    page.locator("#image-editor canvas").first.wait_for(timeout=30_000)
    wait_for_canvas(page, picture_shown, "the picture")
    wait_until_settled(page)
    if found := axe_violations(page):  # the open editor is labelled and usable with a keyboard too
        pytest.fail(describe(found))
    page.locator("#image-editor button[aria-label='Brush Size']").click()
    page.locator("#image-editor input[type=range]").first.fill("2")
    page.locator("#image-editor button[aria-label='Brush Size']").click()
    before_stroke = canvas_pixel(page, 0.5, 0.5)
    paint_stroke(page)
    wait_for_canvas(page, lambda pg: canvas_pixel(pg, 0.5, 0.5) != before_stroke, "the stroke")
    page.locator("#image-edit-mode").get_by_text("Vary region (inpaint)").click()
    page.wait_for_function("document.querySelector('#image-edit-strength input[type=number]').value === '1'",
                           timeout=10_000)
    prompt.fill("a blue door")
    page.locator("#image-edit-draw").click()
    wait_for_grid(page, 2)
    assert captions(page)[0].endswith("· Vary region (inpaint)")
    [result] = [p for p, m in saved(edit_app).items() if m.info.extra.get("Mode") == "inpaint"]
    with Image.open(source) as a, Image.open(result) as b:
        before, after = a.convert("RGB"), b.convert("RGB")
    assert after.size == before.size == (64, 64)
    changed = {(x, y) for x in range(64) for y in range(64) if after.getpixel((x, y)) != before.getpixel((x, y))}
    assert changed, "the painted region was redrawn"
    rows = sorted({y for _, y in changed})
    assert rows[0] >= 12 and rows[-1] <= 52, f"only around the stroke across the middle (rows {rows[0]}-{rows[-1]})"
    assert len(changed) < 64 * 64 / 2
    screenshot(page, "image-inpaint")


def test_image_to_image_with_a_dropped_picture_and_a_lora_in_the_prompt(edit_app, page, tmp_path: Path) -> None:
    from PIL import Image

    picture = tmp_path / "dropped.png"
    Image.new("RGB", (80, 64), (200, 120, 40)).save(picture)
    prompt = open_image_tab(page, edit_app)
    small_fast_form(page, seed=303)
    # the LoRA picker lists the model's LoRAs; Add writes A1111's tag into the prompt
    prompt.fill("a watercolor")
    box = page.locator("#image-lora input")
    box.click()
    box.fill("ink")  # typing filters the list and opens it
    page.get_by_role("option", name="ink · SD 1.x").first.click()
    page.locator("#image-lora-add").click()
    page.wait_for_function("document.querySelector('#image-prompt textarea').value === 'a watercolor <lora:ink:1>'",
                           timeout=10_000)
    prompt.fill("a watercolor")  # drawn without it: the tiny LoRA would need peft's newest text-encoder support
    page.locator("#image-edit > button").first.click()
    page.locator("#image-editor canvas").first.wait_for(timeout=30_000)
    for attempt in range(3):  # the editor, just opened, may not take a file yet on a busy machine: drop it again
        page.locator("#image-editor input[type=file]").set_input_files(str(picture))
        try:
            wait_for_canvas(page, shows_colour((200, 120, 40)), "the dropped picture", timeout_s=10)
            break
        except pytest.fail.Exception:
            if attempt == 2:
                raise
    page.locator("#image-edit-draw").click()  # "Image to image" is the first choice
    wait_for_grid(page, 1)
    assert captions(page)[0] == "seed 303 · Image to image"
    page.wait_for_function(f"document.querySelector('{GRID} img').naturalWidth === 80", timeout=10_000)
    [result] = [p for p, m in saved(edit_app).items() if m.info.extra.get("Mode") == "image-to-image"]
    with Image.open(result) as png:
        assert png.size == (80, 64), "the size of the dropped picture"


# -- the Gallery tab --------------------------------------------------------------------------------------
def select_in_gallery(page, seed: int) -> None:
    """Open the Gallery tab (which reads the list again) and select the image of ``seed``."""
    open_tab(page, "Gallery")
    page.locator("#gallery-images .grid-container img").first.wait_for(timeout=30_000)
    close = page.locator("#gallery-images button[aria-label=Close]")
    if close.is_visible():
        close.click()
    page.wait_for_function("document.querySelector('#gallery-params textarea').value === ''", timeout=10_000)
    shown = page.locator("#gallery-images .gallery-item")
    shown.nth(next(i for i in range(shown.count()) if f"seed {seed}" in shown.nth(i).inner_text())).click()
    page.wait_for_function(f"document.querySelector('#gallery-params textarea').value.includes('Seed: {seed}')",
                           timeout=10_000)


def test_vary_and_edit_a_saved_image_from_the_gallery(edit_app, page) -> None:
    from PIL import Image

    from localai.gallery import GenerationInfo, save_png

    info = GenerationInfo(prompt="an old mill in autumn", steps=2, sampler="Euler", cfg_scale=5.0, seed=777,
                          width=64, height=64, model="tiny-sd")
    save_png(Image.new("RGB", (64, 64), (20, 120, 40)), info, Path(edit_app.outputs), {"model": "tiny-sd"})
    page.goto(edit_app.url)
    page.get_by_role("tab", name="Chat").wait_for(timeout=30_000)
    select_in_gallery(page, 777)
    page.locator("#gallery-vary-strong").click()  # switches to the Image tab and draws there
    page.locator("#image-prompt textarea").wait_for(timeout=10_000)
    wait_for_grid(page, 1)
    assert captions(page)[0].endswith("· vary (strong)")
    varied = [m for m in saved(edit_app).values() if m.info.prompt == "an old mill in autumn" and m.info.extra]
    assert varied and varied[0].info.extra["Denoising strength"] == "0.7"
    # Edit in the Image tab: the picture in the editor, then zoom out 2x around it
    select_in_gallery(page, 777)
    page.locator("#gallery-edit").click()
    page.locator("#image-editor canvas").first.wait_for(timeout=30_000)
    wait_for_canvas(page, shows_colour((20, 120, 40)), "the saved picture")
    page.locator("#image-edit-mode").get_by_text("Zoom out 2x").click()
    page.locator("#image-prompt textarea").fill("an old mill in a wide field")
    page.locator("#image-edit-draw").click()
    wait_for_grid(page, 2)
    assert captions(page)[0].endswith("· Zoom out 2x")
    page.wait_for_function(f"document.querySelector('{GRID} img').naturalWidth === 128", timeout=10_000)


# -- a phone ----------------------------------------------------------------------------------------------
def test_on_a_phone_the_enlarged_views_buttons_and_the_editor_fit_the_screen(edit_app, phone_page) -> None:
    page = phone_page
    prompt = open_image_tab(page, edit_app)
    small_fast_form(page, seed=304)
    prompt.fill("a tiny boat")
    page.locator("#image-generate").tap()
    wait_for_grid(page, 1)
    page.locator(GRID).first.tap()
    page.locator("#image-gallery [data-testid=detailed-image]").wait_for(timeout=10_000)
    width = 390
    toolbar = page.locator("#image-gallery .icon-button-wrapper button")
    for i in range(toolbar.count()):  # Download, Fullscreen, Close and the five actions: all on the screen
        box = toolbar.nth(i).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (toolbar.nth(i).inner_text(), box)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.locator("#image-gallery .custom-button", has_text="Edit").tap()
    page.locator("#image-editor canvas").first.wait_for(timeout=30_000)
    page.locator("#image-gallery button[aria-label=Close]").tap()
    page.locator("#image-edit-draw").scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "nothing scrolls sideways"
    for elem_id in ("image-editor", "image-edit-mode", "image-edit-draw"):
        box = page.locator(f"#{elem_id}").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (elem_id, box)
    screenshot(page, "image-edit-phone")
