"""The Image tab with an image model on another computer, in a real headless Chromium: a fake image engine on
127.0.0.1 is given to the app with ``--remote pc9=URL``. The picker lists its model with the server's name,
the plan line says where it draws, Generate draws there (the engine gets the prompt and size asked for), and
the image lands in the grid and on disk with the server named in its parameters."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app_process import RunningApp, running_app
from tests.e2e.conftest import open_tab, screenshot
from tests.fake_image_upstream import FakeImageUpstream, fake_image_upstream

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REMOTE_MODEL = "sd-remote"
LABEL = f"{REMOTE_MODEL} · pc9"


@pytest.fixture(scope="module")
def engine() -> Iterator[FakeImageUpstream]:
    with fake_image_upstream(models=[REMOTE_MODEL]) as up:
        yield up


@pytest.fixture(scope="module")
def remote_image_app(engine: FakeImageUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    work = tmp_path_factory.mktemp("remote-image-app")
    (work / "models" / "text").mkdir(parents=True)
    (work / "models" / "image").mkdir()
    with running_app(work / "models", work, extra=["--remote", f"pc9={engine.url}"],
                     env={"LOCALAI_REMOTE_CHECK_S": "2"}) as running:
        running.outputs = work / "outputs"  # type: ignore[attr-defined]
        yield running


def pick_remote_image_model(page) -> list[str]:
    """Open the picker until the remote model is listed (the list is read when it opens), pick it; returns
    what was listed."""
    box = page.locator("#image-model input")
    option = page.get_by_role("option", name=LABEL, exact=True)
    for _ in range(20):
        box.click()
        page.wait_for_timeout(300)
        if option.count():
            break
        page.keyboard.press("Escape")
        page.locator("#image-prompt textarea").click()
        page.wait_for_timeout(500)
    listed = [t.strip().splitlines()[-1] for t in page.get_by_role("option").all_inner_texts()]
    option.first.click()
    return listed


def test_a_remote_image_model_draws_on_its_server_and_the_image_is_kept(remote_image_app: RunningApp, engine,
                                                                        page) -> None:
    page.goto(remote_image_app.url)
    page.get_by_role("tab", name="Chat").wait_for(timeout=30_000)
    open_tab(page, "Image")
    prompt = page.locator("#image-prompt textarea")
    prompt.wait_for(timeout=30_000)
    listed = pick_remote_image_model(page)
    assert LABEL in listed, f"the remote model is listed with its server: {listed}"
    page.locator("#image-plan").get_by_text("pc9").first.wait_for(timeout=30_000)
    prompt.fill("a lighthouse on a cliff at dusk")
    page.locator("#image-generate").click()
    page.locator("#image-gallery img").first.wait_for(timeout=60_000)
    assert engine.bodies and engine.bodies[-1]["prompt"] == "a lighthouse on a cliff at dusk"
    assert engine.bodies[-1]["model"] == REMOTE_MODEL
    pngs = list(Path(remote_image_app.outputs).rglob("*.png"))
    assert len(pngs) == 1, "the image is saved here, as a local one is"
    from localai.gallery import read_png_info

    info = read_png_info(pngs[0]).info
    assert info.prompt == "a lighthouse on a cliff at dusk" and info.extra.get("Server") == "pc9"
    assert f"{info.width}x{info.height}" == engine.bodies[-1]["size"]
    screenshot(page, "image-remote")
