"""The System check tab and the browser's own language (no --lang), in a real headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.test_russian_browser import open_page

pytestmark = pytest.mark.e2e


@pytest.fixture()
def russian_browser_page(browser) -> Iterator:
    yield from open_page(browser, "ru-RU")


def test_system_check_runs_on_request_and_lists_what_it_found(app, page) -> None:
    page.goto(app.url)
    page.get_by_role("tab", name="System check").click()
    run = page.locator("#check-run")
    run.wait_for(timeout=30_000)
    assert page.locator("#check-result").inner_text().strip() == "", "nothing runs before the button is pressed"
    run.click()
    result = page.locator("#check-result")
    from playwright.sync_api import expect

    result.get_by_text("This computer").wait_for(timeout=60_000)
    for words in ("Python", "Hardware", "CPU only", "Libraries", "torch", "Disk", "Chat model", "tiny-llama"):
        expect(result).to_contain_text(words, timeout=30_000)  # the result may still be rendering
    text = result.inner_text()
    assert "No problems found" in text or "Problems found" in text
    screenshot(page, "check")


def test_without_lang_the_page_follows_the_browser(app, russian_browser_page) -> None:
    page = russian_browser_page
    page.goto(app.url)
    page.locator("#chat-input textarea").wait_for(timeout=30_000)
    page.get_by_role("tab", name="Чат").wait_for(timeout=10_000)
    assert page.locator("#chat-send").inner_text().strip() == "Отправить"
    page.locator("#chat-send").click()  # a message made at run time follows the browser too
    page.get_by_text("Сначала напишите сообщение").first.wait_for(timeout=10_000)
