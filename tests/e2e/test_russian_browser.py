"""The Russian UI (`--lang ru`) in a real headless Chromium whose own language is English: tab names,
buttons, hints, a streamed answer and the system check, all in Russian."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.app_process import RunningApp, running_app
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def russian_app(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    with running_app(models_dir, tmp_path_factory.mktemp("russian-app"), extra=["--lang", "ru"]) as running:
        yield running


def open_page(browser, locale: str) -> Iterator:
    """A page whose browser speaks ``locale``; like conftest's ``page``, it must contact no other host."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
    pg = context.new_page()
    outside: list[str] = []
    pg.on("request", lambda r: outside.append(r.url) if r.url.startswith(("http", "ws")) and urlparse(
        r.url).hostname not in ("127.0.0.1", "localhost") else None)
    yield pg
    context.close()
    assert not outside, f"the page contacted hosts other than this computer: {outside[:5]}"


@pytest.fixture()
def english_browser_page(browser) -> Iterator:
    yield from open_page(browser, "en-US")


def test_russian_chat_hint_and_streamed_answer(russian_app: RunningApp, english_browser_page) -> None:
    page = english_browser_page
    page.goto(russian_app.url)
    box = page.locator("#chat-input textarea")
    box.wait_for(timeout=30_000)
    for name in ("Чат", "Картинки", "Модели", "Проверка системы"):
        page.get_by_role("tab", name=name).wait_for(timeout=10_000)
    for elem_id, label in (("chat-send", "Отправить"), ("chat-new", "Новый диалог"), ("chat-settings-open", "Настройки")):
        assert page.locator(f"#{elem_id}").inner_text().strip() == label
    assert box.get_attribute("placeholder") == "Напишите сообщение и нажмите Enter"
    assert "Системная инструкция" in page.locator("#chat-system").inner_text()
    page.wait_for_function("document.querySelector('#chat-system textarea').value.startsWith('Ты')",
                           timeout=10_000)  # the default system prompt follows the language
    # an empty message: the hint, in Russian, with a Russian title
    page.locator("#chat-send").click()
    page.get_by_text("Сначала напишите сообщение").first.wait_for(timeout=10_000)
    page.wait_for_function("getComputedStyle(document.querySelector('.toast-title.warning'), '::before')"
                           ".content.includes('Внимание')", timeout=5_000)  # the pop-up's title too
    assert page.locator('#chatbot [data-testid="user"]').count() == 0
    page.locator('[data-testid="toast-close"]').first.click()
    # a streamed answer, and the status line in Russian
    box.fill("Привет! Расскажи про лису.")
    box.press("Enter")
    page.locator('#chatbot [data-testid="user"]').last.wait_for(timeout=30_000)
    status = page.locator("#chat-status")
    status.get_by_text("ток./с").wait_for(timeout=90_000)
    assert page.locator('#chatbot [data-testid="bot"]').last.inner_text().strip()
    assert re.search(r"Токенов: \d+", status.inner_text()) and "без квантования" in status.inner_text()
    expect(page.locator("#history-list label", has_text="Привет")).to_have_count(1, timeout=30_000)  # listed after
    screenshot(page, "chat-ru")


def test_russian_image_error_system_check_and_models(russian_app: RunningApp, english_browser_page) -> None:
    page = english_browser_page
    page.goto(russian_app.url)
    page.get_by_role("tab", name="Картинки").click()
    generate = page.locator("#image-generate")
    generate.wait_for(timeout=30_000)
    assert generate.inner_text().strip() == "Нарисовать"
    generate.click()  # an error raised by the services (UserError), translated at the page's edge
    empty = page.get_by_text("Описание картинки пустое.").first
    try:
        empty.wait_for(timeout=15_000)
    except PlaywrightTimeout:  # on a loaded machine the first click can land before the page wired its events
        generate.click()
        empty.wait_for(timeout=30_000)
    page.get_by_role("tab", name="Проверка системы").click()
    run = page.locator("#check-run")
    run.wait_for(timeout=30_000)
    assert run.inner_text().strip() == "Проверить компьютер"
    run.click()
    result = page.locator("#check-result")
    result.get_by_text("Этот компьютер").wait_for(timeout=60_000)
    text = result.inner_text()
    assert "Проблем не найдено" in text or "Найдено проблем" in text
    for words in ("Оборудование", "Библиотеки", "Диск", "Модель для чата", "torch"):
        assert words in text
    assert "без квантования" in text and "помещается в" in text, "the plan and its reason in Russian too"
    assert "Port" not in text, "the app's own port is not reported as taken"
    screenshot(page, "check-ru")
    page.get_by_role("tab", name="Модели").click()
    page.locator("#models-hardware").get_by_text("Этот компьютер").wait_for(timeout=60_000)
    table = page.locator("#models-table")
    table.get_by_text("на диске").first.wait_for(timeout=30_000)
    assert "Как загрузится" in table.inner_text()
    screenshot(page, "models-ru")
