"""A person's view of the Models tab, in a real headless Chromium: the hardware summary, loading and
unloading a local model, and downloading a catalog model (from a Hub on 127.0.0.1) with progress."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app_process import RunningApp, running_app
from tests.e2e.conftest import open_tab, screenshot
from tests.hub_server import FakeHub, repo_from_folder

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def hub(models_dir: Path) -> Iterator[FakeHub]:
    with FakeHub() as fake:
        # The catalog's default CPU chat model, served as the tiny model (plus copies that must not be fetched).
        fake.add(repo_from_folder("Qwen/Qwen2.5-0.5B-Instruct", models_dir / "text" / "tiny-llama",
                                  extra={"pytorch_model.bin": b"p" * 4096, "onnx/model.onnx": b"o" * 1024}))
        fake.throttle = 0.02  # slow enough that the page shows progress
        yield fake


@pytest.fixture(scope="module")
def models_app(models_dir: Path, hub: FakeHub, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    work = tmp_path_factory.mktemp("models-app")
    own_models = work / "models"
    shutil.copytree(models_dir / "text" / "tiny-llama", own_models / "text" / "tiny-llama")
    env = {"HF_ENDPOINT": hub.url, "HF_HOME": str(work / "hf-home"), "HF_HUB_OFFLINE": "0", "HF_TOKEN": ""}
    with running_app(own_models, work, env=env) as running:
        yield running


def open_models_tab(page, app: RunningApp) -> None:
    page.goto(app.url)
    page.get_by_role("tab", name="Chat").wait_for(timeout=30_000)
    open_tab(page, "Models")  # on a phone, from the "More tabs" menu
    page.locator("#models-hardware").get_by_text("This computer").wait_for(timeout=60_000)


def usable(page) -> dict[str, bool]:
    """Which of the model's buttons can be pressed now (Stop download: whether it is shown at all)."""
    return {"download": page.locator("#models-download").is_enabled(),
            "stop": page.locator("#models-stop").is_visible(),
            "load": page.locator("#models-load").is_enabled(),
            "unload": page.locator("#models-unload").is_enabled()}


def wait_usable(page, **want: bool) -> None:
    """Wait until the buttons named in ``want`` are as given."""
    from playwright.sync_api import expect

    for name, on in want.items():
        if name == "stop":
            expect(page.locator("#models-stop")).to_be_visible(visible=on, timeout=30_000)
        else:
            button = expect(page.locator(f"#models-{name}"))
            button.to_be_enabled(timeout=30_000) if on else button.to_be_disabled(timeout=30_000)


def pick(page, label: str) -> None:
    box = page.locator("#models-pick input")
    box.click()
    box.fill(label)
    page.get_by_role("option", name=label).first.click()


def test_hardware_summary_and_the_model_list(models_app: RunningApp, page) -> None:
    open_models_tab(page, models_app)
    from playwright.sync_api import expect

    summary = page.locator("#models-hardware")
    for words in ("CPU only", "RAM:", "free of", "bf16:", "bitsandbytes", "Disk free", "Offline mode"):
        expect(summary).to_contain_text(words, timeout=60_000)  # the summary refreshes itself
    table = page.locator("#models-table")
    table.get_by_text("tiny-llama").first.wait_for(timeout=30_000)
    text = table.inner_text()
    assert "on disk" in text and "not downloaded" in text
    assert "Qwen2.5-0.5B-Instruct ★" in text, "the tier's recommendation is starred"
    assert "apache-2.0" in text and "needs login" in text, "license and gated flags are listed"
    assert "cpu · fp32" in text, "each model shows the plan it would get"
    screenshot(page, "models")


def test_a_local_model_loads_and_unloads(models_app: RunningApp, page) -> None:
    open_models_tab(page, models_app)
    pick(page, "tiny-llama (chat, on disk)")
    page.locator("#models-details").get_by_text("Would load as").wait_for(timeout=30_000)
    assert "fp32" in page.locator("#models-details").inner_text()
    # on disk, not loaded: nothing to download, nothing to stop or unload
    wait_usable(page, download=False, stop=False, load=True, unload=False)
    page.locator("#models-load").click()
    page.locator("#models-status").get_by_text("is loaded").wait_for(timeout=90_000)
    wait_usable(page, download=False, stop=False, load=False, unload=True)
    memory = page.locator("#models-memory")
    memory.get_by_text("tiny-llama").wait_for(timeout=30_000)
    assert "cpu · fp32" in memory.inner_text()
    page.locator("#models-unload").click()
    page.locator("#models-status").get_by_text("was unloaded").wait_for(timeout=30_000)
    memory.get_by_text("no model is loaded").wait_for(timeout=30_000)
    wait_usable(page, load=True, unload=False)


def test_a_catalog_model_downloads_with_progress_then_works_offline(models_app: RunningApp, hub: FakeHub,
                                                                    page) -> None:
    open_models_tab(page, models_app)
    pick(page, "Qwen2.5-0.5B-Instruct (chat, not downloaded)")
    page.evaluate("""() => {
      window.__statuses = [];
      const el = document.querySelector('#models-status');
      new MutationObserver(() => window.__statuses.push(el.innerText)).observe(el,
        {subtree: true, childList: true, characterData: true});
    }""")
    wait_usable(page, download=True, stop=False, load=False, unload=False)  # not on disk: it can only be downloaded
    page.locator("#models-download").click()
    wait_usable(page, stop=True, download=False)  # while it downloads, Stop download is there
    page.locator("#models-status").get_by_text("Downloaded").wait_for(timeout=120_000)
    wait_usable(page, stop=False, download=False, load=True)  # on disk now: it loads, it is not downloaded again
    seen = " ".join(page.evaluate("window.__statuses"))
    assert "MB/s" in seen and "%" in seen, f"the page showed bytes, speed and percent while downloading: {seen[:500]}"
    assert "Qwen2.5-0.5B-Instruct" in page.locator("#models-table").inner_text()
    page.locator("#models-table").get_by_text("HF cache").or_(page.locator("#models-table").get_by_text(
        "on disk")).first.wait_for(timeout=30_000)
    fetched = {r[1].rsplit("/", 1)[-1] for r in hub.downloads()}
    assert "pytorch_model.bin" not in fetched and "model.onnx" not in fetched
    assert "downloading Qwen2.5-0.5B-Instruct:" in models_app.log(), "progress is shown in the console too"
    # switched offline, the downloaded model still loads
    page.locator("#models-offline input").check()
    page.locator("#models-status").get_by_text("Offline mode is on").wait_for(timeout=30_000)
    before = len(hub.requests)
    pick(page, "Qwen2.5-0.5B-Instruct (chat, on disk)")
    page.locator("#models-load").click()
    page.locator("#models-status").get_by_text("is loaded").wait_for(timeout=90_000)
    assert len(hub.requests) == before, "nothing touched the network while offline"
    screenshot(page, "models-downloaded")


def test_stop_download_with_nothing_downloading_is_not_offered_and_the_tab_fits_a_phone(models_app: RunningApp,
                                                                                       phone_page) -> None:
    page = phone_page
    open_models_tab(page, models_app)
    pick(page, "tiny-llama (chat, on disk)")
    page.locator("#models-details").get_by_text("Would load as").wait_for(timeout=30_000)
    wait_usable(page, download=False, stop=False, load=True, unload=False)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "nothing scrolls sideways"
    for elem_id in ("models-pick", "models-load", "models-details"):
        box = page.locator(f"#{elem_id}").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, (elem_id, box)
    screenshot(page, "models-phone")
