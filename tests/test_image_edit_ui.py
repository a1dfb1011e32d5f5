"""The Image tab's editing parts: the requests that Vary, Upscale and the editor build (from a grid item, a saved
PNG, the editor's value), the LoRA tags, and the handlers as the page calls them, drawing with the tiny SD
pipeline: new images join the grid with their captions, an upscale is twice the size, an inpaint keeps every
pixel away from the painted mask, buttons without an image warn and draw nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PIL import Image, ImageDraw

from localai.gallery import GenerationInfo, read_png_info, save_png
from localai.image_edit import DEFAULT_STRENGTH, VARY_STRONG, VARY_SUBTLE
from localai.image_request import DEFAULT_SCHEDULER
from localai.lora_files import split_lora_tags
from localai.ui.image_actions import action_model, action_request, chosen_index, grid_source
from localai.ui.image_edit_panel import (EDIT_CHOICES, choice_strength, edit_request, editor_parts, flattened,
                                         painted_mask)
from localai.ui.image_lora import lora_choices, with_lora_tag

INFO = GenerationInfo(prompt="a red fox <lora:ink:0.6>", negative_prompt="blurry", steps=3, sampler="Euler a",
                      cfg_scale=5.5, seed=42, width=64, height=64, model="tiny-sd")


# -- which image the buttons act on -----------------------------------------------------------------------
def test_the_buttons_act_on_the_picked_image_else_the_newest() -> None:
    made = [{"seed": 2, "path": "/new.png", "info": INFO}, {"seed": 1, "path": None, "info": INFO}]
    assert chosen_index(1, made) == 1 and chosen_index(None, made) == 0 and chosen_index(5, made) == 0
    assert chosen_index(None, []) is None and grid_source(None, [], []) is None
    unsaved = Image.new("RGB", (64, 64))
    items = [("/cache/new.png", "seed 2"), (unsaved, "seed 1, stopped")]
    assert grid_source(None, items, made) == ("/new.png", INFO), "a saved image: its own PNG, not the page's copy"
    assert grid_source(1, items, made) == (unsaved, INFO), "an image stopped early: the image itself"


# -- the requests of Vary and Upscale ---------------------------------------------------------------------
def test_vary_redraws_the_images_own_settings_with_new_seeds_and_the_forms_count() -> None:
    for kind, strength in (("vary_subtle", VARY_SUBTLE), ("vary_strong", VARY_STRONG)):
        req = action_request(kind, "/a.png", INFO, "the form's prompt", 3, [DEFAULT_SCHEDULER, "Euler a"])
        assert (req.mode, req.strength, req.image, req.num_images, req.seed) == ("variation", strength, "/a.png", 3, -1)
        assert (req.prompt, req.negative_prompt, req.steps, req.guidance_scale, req.scheduler) == (
            "a red fox <lora:ink:0.6>", "blurry", 3, 5.5, "Euler a")
        assert split_lora_tags(req.prompt)[1] == [("ink", 0.6)], "its LoRAs come along in the prompt"
        req.check()


def test_upscale_draws_one_image_with_its_own_seed() -> None:
    req = action_request("upscale", "/a.png", INFO, "", 4, [DEFAULT_SCHEDULER, "Euler a"])
    assert (req.mode, req.num_images, req.seed, req.strength) == ("upscale", 1, 42, None)
    assert req.strength is None and DEFAULT_STRENGTH["upscale"] < 0.5, "the upscaler's own, low strength"


def test_an_action_on_an_image_without_settings_takes_the_forms_prompt_and_the_models_defaults() -> None:
    req = action_request("vary_subtle", "/a.png", None, "a lighthouse", 1, [DEFAULT_SCHEDULER])
    assert (req.prompt, req.steps, req.guidance_scale, req.scheduler) == ("a lighthouse", None, None,
                                                                         DEFAULT_SCHEDULER)
    foreign = GenerationInfo(prompt="just a prompt")  # a PNG with a prompt and no settings line
    req = action_request("upscale", "/a.png", foreign, "", 1, [DEFAULT_SCHEDULER])
    assert (req.prompt, req.steps, req.guidance_scale, req.seed) == ("just a prompt", None, None, -1)


def test_a_sampler_the_model_does_not_take_falls_back_to_its_own() -> None:
    req = action_request("vary_subtle", "/a.png", INFO, "", 1, [DEFAULT_SCHEDULER, "Euler"])
    assert req.scheduler == DEFAULT_SCHEDULER


def test_the_image_is_drawn_with_its_own_model_when_it_is_here() -> None:
    assert action_model(INFO, "other", ["tiny-sd", "other"]) == "tiny-sd"
    assert action_model(INFO, "other", ["other"]) == "other"
    assert action_model(None, "other", ["tiny-sd"]) == "other"


# -- the editor's value -------------------------------------------------------------------------------------
def _editor_value(size: tuple[int, int] = (64, 48), stroke: tuple[int, int, int, int] = (20, 10, 30, 20)) -> dict:
    background = Image.new("RGBA", size, (10, 120, 200, 255))
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(layer).rectangle(stroke, fill=(255, 255, 255, 255))
    composite = background.copy()
    composite.alpha_composite(layer)
    return {"background": background, "layers": [layer], "composite": composite}


def test_inpaint_takes_the_picture_under_the_strokes_and_the_strokes_as_the_mask() -> None:
    picture, mask = editor_parts(_editor_value(), "inpaint")
    assert picture.mode == "RGB" and picture.size == (64, 48) and picture.getpixel((25, 15)) == (10, 120, 200)
    assert mask.mode == "L" and mask.getbbox() == (20, 10, 31, 21)
    assert mask.getpixel((25, 15)) == 255 and mask.getpixel((0, 0)) == 0


def test_image_to_image_takes_what_is_shown_strokes_included() -> None:
    picture, mask = editor_parts(_editor_value(), "image-to-image")
    assert mask is None and picture.getpixel((25, 15)) == (255, 255, 255) and picture.getpixel((0, 0)) == (10, 120, 200)


def test_outpaint_takes_the_picture_and_no_mask() -> None:
    for choice in ("zoom-1.5x", "zoom-2x", "pan-left", "pan-right", "pan-up", "pan-down"):
        picture, mask = editor_parts(_editor_value(), choice)
        assert mask is None and picture.getpixel((25, 15)) == (10, 120, 200)


def test_an_empty_editor_is_no_picture() -> None:
    assert editor_parts(None, "inpaint") is None
    assert editor_parts({"background": None, "layers": [], "composite": None}, "image-to-image") is None


def test_a_sketch_without_a_picture_is_drawn_on_white() -> None:
    sketch = _editor_value()["layers"][0]
    picture, _ = editor_parts({"background": None, "layers": [sketch], "composite": sketch}, "image-to-image")
    assert picture.getpixel((0, 0)) == (255, 255, 255) and picture.getpixel((25, 15)) == (255, 255, 255)


def test_the_mask_joins_every_layer_at_the_pictures_size_and_arrays_work_too() -> None:
    import numpy as np

    a, b = (Image.new("RGBA", (32, 24), (0, 0, 0, 0)) for _ in range(2))
    ImageDraw.Draw(a).rectangle((0, 0, 3, 3), fill=(255, 0, 0, 255))
    ImageDraw.Draw(b).rectangle((28, 20, 31, 23), fill=(0, 0, 255, 200))
    mask = painted_mask([a, np.asarray(b)], (64, 48))  # a layer of another size is scaled to the picture
    assert mask.size == (64, 48) and mask.getpixel((1, 1)) == 255 and mask.getpixel((62, 46)) == 200
    assert mask.getpixel((32, 24)) == 0 and painted_mask([], (8, 8)).getbbox() is None


def test_a_transparent_picture_is_laid_on_white() -> None:
    clear = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    assert flattened(clear).getpixel((0, 0)) == (255, 255, 255)
    assert flattened(Image.new("L", (8, 8), 7)).getpixel((0, 0)) == (7, 7, 7)


def test_each_choice_makes_its_request() -> None:
    picture = Image.new("RGB", (64, 64))
    for choice, c in EDIT_CHOICES.items():
        req = edit_request(choice, picture, None, 0.5, "a boat", "fog", 7, 3, 6.0, 2, "Euler")
        assert (req.mode, req.outpaint, req.strength, req.image) == (c.mode, c.outpaint, 0.5, picture)
        assert (req.prompt, req.negative_prompt, req.seed, req.steps, req.guidance_scale, req.num_images,
                req.scheduler, req.width, req.height) == ("a boat", "fog", 7, 3, 6.0, 2, "Euler", None, None)
        req.check()
    assert [EDIT_CHOICES[c].outpaint for c in ("zoom-1.5x", "zoom-2x", "pan-left", "pan-right", "pan-up",
                                               "pan-down")] == ["1.5x", "2x", "left", "right", "up", "down"]


def test_each_choice_starts_at_its_modes_strength() -> None:
    assert choice_strength("image-to-image") == DEFAULT_STRENGTH["image-to-image"]
    assert choice_strength("inpaint") == choice_strength("zoom-2x") == 1.0
    assert choice_strength(None) == DEFAULT_STRENGTH["image-to-image"]


# -- LoRAs ----------------------------------------------------------------------------------------------
def test_add_to_prompt_appends_a1111s_tag_or_changes_its_weight() -> None:
    assert with_lora_tag("a fox", "ink", 0.8) == "a fox <lora:ink:0.8>"
    assert with_lora_tag("", "ink", 1.0) == "<lora:ink:1>"
    two = with_lora_tag("a fox <lora:ink:0.8>", "paper", -0.5)
    assert two == "a fox <lora:ink:0.8> <lora:paper:-0.5>", "several at once"
    assert with_lora_tag(two, "INK", 1.25) == "a fox <lora:INK:1.25> <lora:paper:-0.5>", "one tag per LoRA"
    assert split_lora_tags(two) == ("a fox", [("ink", 0.8), ("paper", -0.5)])
    assert with_lora_tag("a fox", "ink", 0.7000000001) == "a fox <lora:ink:0.7>"


def test_loras_are_listed_with_the_family_they_are_for() -> None:
    loras = [SimpleNamespace(name="ink", base_label="SD 1.x"), SimpleNamespace(name="any", base_label="?")]
    assert lora_choices(loras) == [("ink · SD 1.x", "ink"), ("any · ?", "any")]


# -- the handlers, as the page calls them, with the tiny SD pipeline ---------------------------------------
@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    from localai.config import parse_settings
    from localai.state import build_state
    from localai.ui import build_ui
    from tests.tiny_pipelines import save_tiny_lora, save_tiny_sd

    tmp = tmp_path_factory.mktemp("image-edit-ui")
    save_tiny_sd(tmp / "models" / "image" / "tiny-sd")
    save_tiny_lora(tmp / "models" / "lora" / "ink.safetensors")
    settings = parse_settings(["--models-dir", str(tmp / "models"), "--data-dir", str(tmp / "data"),
                               "--outputs-dir", str(tmp / "outputs"), "--no-browser"], env={})
    state = build_state(settings)
    demo = build_ui(state)
    yield SimpleNamespace(state=state, demo=demo, outputs=tmp / "outputs")
    state.lanes.torch.call(state.registry.unload_all)
    state.lanes.shutdown()


def handler(demo: Any, elem_id: str, event: str = "click") -> Any:
    """The first function wired to ``event`` of the component with ``elem_id``."""
    ids = {bid for bid, block in demo.blocks.items() if getattr(block, "elem_id", None) == elem_id}
    for fn in demo.fns.values():
        if any(target in ids and name == event for target, name in fn.targets):
            return fn.fn
    raise LookupError(f"nothing is wired to {event} of #{elem_id}")


def browser(session: str) -> SimpleNamespace:
    return SimpleNamespace(username=None, session_hash=session, headers={"accept-language": "en"})


def last_grid(updates: list[tuple]) -> tuple[list, list]:
    """The grid's items and made after a run (outputs 3 and 4 of the runner)."""
    return [u[3] for u in updates if isinstance(u[3], list)][-1], [u[4] for u in updates if isinstance(u[4], list)][-1]


def generate(pg: SimpleNamespace, request: Any, seed: int = 11, items: list | None = None,
             made: list | None = None) -> tuple[list, list]:
    updates = list(handler(pg.demo, "image-generate")("tiny-sd", "a red fox", "blurry", seed, 2, 5.0, 64, 64, 1,
                                                      "Euler", items or [], made or [], request=request))
    return last_grid(updates)


def test_vary_and_upscale_join_the_grid_newest_first_with_their_captions(page: SimpleNamespace) -> None:
    request = browser("vary-1")
    items, made = generate(page, request)
    vary = handler(page.demo, "image-vary-strong")
    updates = list(vary(None, "tiny-sd", "", 2, items, made, request=request))
    assert updates[0][5]["visible"] is False and updates[0][6]["visible"] is True, "Generate turns into Cancel"
    assert updates[0][7] is None, "the grid changes: nothing is picked any more"
    items, made = last_grid(updates)
    assert len(items) == 3 and [c for _, c in items][:2] == [f"seed {m['seed']} · vary (strong)" for m in made[:2]]
    assert items[2][1] == "seed 11"
    saved = read_png_info(made[0]["path"])
    assert saved.info.prompt == "a red fox" and saved.info.negative_prompt == "blurry" and saved.info.steps == 2
    assert saved.info.sampler == "Euler" and saved.info.extra["Mode"] == "variation"
    assert saved.info.extra["Denoising strength"] == "0.7" and saved.localai["edit"]["mode"] == "variation"
    assert made[0]["seed"] != 11 and made[1]["seed"] == made[0]["seed"] - 1, "new seeds, one per image"
    # the upscale of the picked one (the original, now third): one image twice its size, its own seed
    items, made = last_grid(list(handler(page.demo, "image-upscale")(2, "tiny-sd", "", 2, items, made,
                                                                      request=request)))
    assert len(items) == 4 and items[0][1] == "seed 11 · upscaled 2x"
    with Image.open(made[0]["path"]) as png:
        assert png.size == (128, 128)
    assert "Upscale: 2x" in read_png_info(made[0]["path"]).parameters


def test_an_inpaint_keeps_every_pixel_away_from_the_painted_mask(page: SimpleNamespace) -> None:
    request = browser("inpaint-1")
    items, made = generate(page, request, seed=12)
    opened = handler(page.demo, "image-edit-open")(None, items, made, request=request)
    assert opened[0]["value"] == items[0][0] and opened[1].open is True
    with Image.open(made[0]["path"]) as png:
        source = png.convert("RGBA")
    layer = Image.new("RGBA", source.size, (0, 0, 0, 0))
    ImageDraw.Draw(layer).rectangle((28, 28, 35, 35), fill=(255, 255, 255, 255))
    value = {"background": source, "layers": [layer], "composite": source}
    draw = handler(page.demo, "image-edit-draw")
    items, made = last_grid(list(draw(value, "inpaint", 1.0, "tiny-sd", "a blue door", "", 5, 2, 5.0, 1, "Euler",
                                      items, made, request=request)))
    assert items[0][1] == "seed 5 · Vary region (inpaint)"
    with Image.open(made[0]["path"]) as png:
        result = png.convert("RGB")
    before, after = source.convert("RGB"), result
    assert after.size == before.size
    far = [(x, y) for x in range(64) for y in range(64) if not (16 <= x <= 47 and 16 <= y <= 47)]
    assert all(after.getpixel(p) == before.getpixel(p) for p in far), "outside the mask (and its soft edge): unchanged"
    assert any(after.getpixel((x, y)) != before.getpixel((x, y)) for x in range(28, 36) for y in range(28, 36))
    assert read_png_info(made[0]["path"]).info.extra["Mask"] == "yes"


def test_zoom_out_grows_the_picture_and_image_to_image_keeps_its_size(page: SimpleNamespace) -> None:
    request = browser("outpaint-1")
    draw = handler(page.demo, "image-edit-draw")
    picture = Image.new("RGBA", (96, 64), (200, 30, 30, 255))
    value = {"background": picture, "layers": [], "composite": picture}
    items, made = last_grid(list(draw(value, "zoom-2x", 1.0, "tiny-sd", "a field", "", 3, 2, 5.0, 1, "Default",
                                      [], [], request=request)))
    with Image.open(made[0]["path"]) as png:
        assert png.size == (192, 128)
    items, made = last_grid(list(draw(value, "image-to-image", 0.5, "tiny-sd", "a field", "", 3, 2, 5.0, 2,
                                      "Default", items, made, request=request)))
    assert len(items) == 3 and items[0][1].endswith("· Image to image")
    with Image.open(made[0]["path"]) as png:
        assert png.size == (96, 64)


def test_buttons_without_an_image_warn_and_draw_nothing(page: SimpleNamespace) -> None:
    request = browser("empty-1")
    before = list(Path(page.outputs).rglob("*.png"))
    for elem_id in ("image-vary-subtle", "image-vary-strong", "image-upscale"):
        with pytest.warns(UserWarning, match="Generate an image first"):
            assert list(handler(page.demo, elem_id)(None, "tiny-sd", "", 1, [], [], request=request)) == []
    with pytest.warns(UserWarning, match="Drop a picture"):
        assert list(handler(page.demo, "image-edit-draw")(None, "inpaint", 1.0, "tiny-sd", "x", "", -1, 2, 5.0, 1,
                                                          "Default", [], [], request=request)) == []
    with pytest.warns(UserWarning, match="Generate an image first"):
        handler(page.demo, "image-edit-open")(None, [], [], request=request)
    assert list(Path(page.outputs).rglob("*.png")) == before


def test_a_failure_is_a_plain_message(page: SimpleNamespace) -> None:
    import gradio as gr

    request = browser("fail-1")
    picture = Image.new("RGBA", (64, 64), (0, 0, 0, 255))
    draw = handler(page.demo, "image-edit-draw")
    value = {"background": picture, "layers": [], "composite": picture}  # inpaint with nothing painted
    with pytest.raises(gr.Error, match="The mask marks nothing to redraw"):
        list(draw(value, "inpaint", 1.0, "tiny-sd", "a cat", "", -1, 2, 5.0, 1, "Default", [], [], request=request))
    broken = {"seed": 1, "path": str(Path(page.outputs) / "gone.png"), "info": None}
    with pytest.raises(gr.Error):
        list(handler(page.demo, "image-vary-subtle")(None, "tiny-sd", "", 1, [("x", "y")], [broken], request=request))


def test_the_lora_list_follows_the_model_and_add_writes_the_tag(page: SimpleNamespace) -> None:
    request = browser("lora-1")
    listed, shown = handler(page.demo, "image-lora", "focus")("tiny-sd", None, None, request=request)
    assert listed["choices"] == [("ink · SD 1.x", "ink")] and shown == [["ink · SD 1.x", "ink"]]
    assert "models/lora/" in listed["info"]
    again = handler(page.demo, "image-lora", "focus")("tiny-sd", "ink", shown, request=request)
    assert all(isinstance(u, dict) and u.get("__type__") == "update" and len(u) == 1 for u in again), "unchanged"
    add = handler(page.demo, "image-lora-add")
    assert add("a red fox", "ink", 0.75, request=request) == "a red fox <lora:ink:0.75>"
    with pytest.warns(UserWarning, match="Pick a LoRA first"):
        add("a red fox", None, 1.0, request=request)
    none, _ = handler(page.demo, "image-lora", "focus")("no-such-model", None, None, request=request)
    assert none["choices"] == [] and "put .safetensors LoRA files in models/lora/" in none["info"]


def test_a_picture_drawn_with_a_lora_keeps_it_for_vary(page: SimpleNamespace) -> None:
    request = browser("lora-2")
    updates = list(handler(page.demo, "image-generate")("tiny-sd", "a red fox <lora:ink:0.5>", "", 21, 2, 5.0, 64, 64,
                                                        1, "Euler", [], [], request=request))
    items, made = last_grid(updates)
    assert read_png_info(made[0]["path"]).info.prompt == "a red fox <lora:ink:0.5>"
    items, made = last_grid(list(handler(page.demo, "image-vary-subtle")(None, "tiny-sd", "", 1, items, made,
                                                                          request=request)))
    saved = read_png_info(made[0]["path"])
    assert saved.info.prompt == "a red fox <lora:ink:0.5>" and saved.localai["loras"][0]["name"] == "ink"


def test_a_saved_png_can_be_varied_from_the_gallery(page: SimpleNamespace) -> None:
    """The Gallery tab's handler (chained after it switches tabs): the PNG's own settings, drawn in the Image tab."""
    from localai.ui.image_actions import GridActions

    mill = GenerationInfo(prompt="an old mill", steps=2, sampler="Euler", cfg_scale=4.0, seed=9, width=64, height=64,
                          model="tiny-sd")
    png = save_png(Image.new("RGB", (64, 64), (30, 90, 30)), mill, Path(page.outputs), {"model": "tiny-sd"})
    actions = [fn.fn for fn in page.demo.fns.values() if getattr(fn.fn, "__qualname__", "").startswith(
        GridActions.on_saved.__qualname__)]
    assert len(actions) == 3, "Vary (subtle), Vary (strong), Upscale 2x"
    request = browser("gallery-1")
    kinds = {}
    for act in actions:
        items, made = last_grid(list(act(str(png), "tiny-sd", "", 1, [], [], request=request)))
        kinds[items[0][1].split(" · ")[1]] = read_png_info(made[0]["path"]).info
    assert sorted(kinds) == ["upscaled 2x", "vary (strong)", "vary (subtle)"]
    assert all(info.prompt == "an old mill" for info in kinds.values())
    assert kinds["upscaled 2x"].width == 128 and kinds["upscaled 2x"].seed == 9
    assert list(actions[0](None, "tiny-sd", "", 1, [], [], request=request)) == [], "nothing selected: nothing drawn"
