"""Browser fixtures: a real headless Chromium (Debian's) driven by Playwright, and the app as a subprocess."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.app_process import RunningApp, running_app

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def chromium_path() -> str:
    path = os.environ.get("LOCALAI_CHROMIUM", "/usr/bin/chromium")
    if not Path(path).exists():
        pytest.fail(f"Chromium is not installed at {path}. Run the test command (./test.sh), which installs it, "
                    "or set LOCALAI_CHROMIUM.")
    return path


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A browser test that fails runs once more before it counts (pytest-rerunfailures; "R" in the report).
    They drive Gradio's page through Chromium on 2 cores shared with the test runner, and a page event late
    by seconds has failed single runs of tests that pass alone; a real fault fails both runs."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=2))


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """One Chromium per test module; closing it also ends Playwright's event loop, which would
    otherwise stay set on the main thread and break later tests that call asyncio.run()."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def app(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The app on the shared tiny models, one per test module."""
    with running_app(models_dir, tmp_path_factory.mktemp("app")) as running:
        yield running


def _watched_page(browser, **context_options) -> Iterator:
    """A fresh page that records every request leaving 127.0.0.1 (there must be none)."""
    context = browser.new_context(**context_options)
    pg = context.new_page()
    outside: list[str] = []

    def check(request) -> None:
        host = urlparse(request.url).hostname
        if request.url.startswith(("http", "ws")) and host not in ("127.0.0.1", "localhost"):
            outside.append(request.url)

    pg.on("request", check)
    yield pg
    context.close()
    assert not outside, f"the page contacted hosts other than this computer: {outside[:5]}"


@pytest.fixture()
def page(browser) -> Iterator:
    """A desktop browser window (1280x900, light)."""
    yield from _watched_page(browser, viewport={"width": 1280, "height": 900})


@pytest.fixture()
def phone_page(browser) -> Iterator:
    """A phone (390x844, touch, dark mode): the size of an iPhone 12-15."""
    yield from _watched_page(browser, viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                             has_touch=True, color_scheme="dark")


def screenshot(pg, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    return path


def open_tab(pg, name: str) -> None:
    """Click the tab called ``name``; on a narrow screen Gradio folds the later tabs into a "More tabs" menu."""
    tab = pg.get_by_role("tab", name=name, exact=True)
    if tab.count() and tab.is_visible():
        tab.click()
        return
    pg.locator('.overflow-menu button[aria-label="More tabs"]').click()
    pg.locator(".overflow-dropdown button", has_text=name).first.click()


def open_image_tab(page, app: RunningApp):
    """The page, then its Image tab; returns the prompt box."""
    page.goto(app.url)
    page.get_by_role("tab", name="Chat").wait_for(timeout=30_000)
    open_tab(page, "Image")
    prompt = page.locator("#image-prompt textarea")
    prompt.wait_for(timeout=30_000)
    return prompt


def wait_until_settled(pg, timeout_ms: int = 30_000) -> None:
    """Wait until no output is pending (Gradio dims one to 20% opacity while its event runs, and shows its
    progress text over it: the first events after start wait for hardware detection, seconds on a busy
    machine)."""
    pg.wait_for_function("() => !document.querySelector('.pending') && ![...document.querySelectorAll("
                         "'.progress-text')].some(e => e.offsetParent !== null)", timeout=timeout_ms)


# Records how the last answer grows: [milliseconds since page start, answer length] at each change.
WATCH_ANSWER = """() => {
  window.__growth = [];  // [milliseconds since page start, answer length] at each change
  const root = document.querySelector('#chatbot');
  new MutationObserver(() => {
    const bots = root.querySelectorAll('[data-testid="bot"]');
    if (bots.length) window.__growth.push([performance.now(), bots[bots.length - 1].innerText.length]);
  }).observe(root, {subtree: true, childList: true, characterData: true});
}"""


def save_slow_llama(folder: Path) -> None:
    """A larger tiny model with a long context, so an answer streams for many seconds."""
    from tests.tiny_models import save_tiny_llama

    save_tiny_llama(folder, hidden_size=256, layers=6, heads=4, max_position_embeddings=8192)
