"""Conversations kept on disk, seen through the browser: reload, restart, and a kill mid-answer."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from localai.history import History
from tests.app_process import running_app
from tests.e2e.conftest import screenshot


def send(page, text: str) -> None:
    box = page.locator("#chat-input textarea")
    box.wait_for(timeout=30_000)
    box.fill(text)
    box.press("Enter")


def set_max_new_tokens(page, value: int) -> None:
    box = page.locator("#chat-max-new input[type=number]").first
    box.fill(str(value))
    box.press("Enter")


def wait_answer_done(page) -> None:
    page.locator("#chat-status").get_by_text("tokens/s").wait_for(timeout=120_000)


def test_conversation_survives_reload_and_server_restart(models_dir, tmp_path, browser):
    page = browser.new_page()
    with running_app(models_dir, tmp_path) as app:
        page.goto(app.url)
        send(page, "Remember the word PINEAPPLE")
        wait_answer_done(page)
        answer = page.locator('#chatbot [data-testid="bot"]').last.inner_text()
        page.reload()
        entry = page.locator("#history-list label", has_text="Remember the word PINEAPPLE")
        entry.wait_for(timeout=30_000)
        screenshot(page, "history")
    with running_app(models_dir, tmp_path) as app:  # same data folder: a restart
        page.goto(app.url)
        entry = page.locator("#history-list label", has_text="Remember the word PINEAPPLE")
        entry.wait_for(timeout=30_000)
        entry.click()
        page.locator('#chatbot [data-testid="user"]', has_text="PINEAPPLE").wait_for(timeout=30_000)
        assert page.locator('#chatbot [data-testid="bot"]').last.inner_text().strip()[:20] == answer.strip()[:20]
    page.close()


@pytest.fixture(scope="module")
def slow_model_dir(tmp_path_factory) -> Path:
    """A larger tiny model with a long context, so an answer streams for several seconds."""
    from tests.tiny_models import save_tiny_llama

    root = tmp_path_factory.mktemp("slow-models")
    save_tiny_llama(root / "text" / "slow-llama", hidden_size=256, layers=6, heads=4, max_position_embeddings=8192)
    return root


@pytest.mark.slow
def test_kill_during_a_streamed_answer_loses_nothing_completed(slow_model_dir, tmp_path, browser):
    page = browser.new_page()
    with running_app(slow_model_dir, tmp_path) as app:
        page.goto(app.url)
        page.locator("#chat-model").wait_for(timeout=30_000)
        page.locator("#chat-status").get_by_text("cpu").first.wait_for(timeout=30_000)  # the page's load event ran
        page.locator("#chat-settings-open").click()
        set_max_new_tokens(page, 24)  # a short first answer: it must end even on a busy machine
        page.locator("#chat-settings-close").click()
        send(page, "First question, answered in full")
        wait_answer_done(page)
        first_answer = page.locator('#chatbot [data-testid="bot"]').last.inner_text()
        page.locator("#chat-status").get_by_text("tokens/s").wait_for(timeout=60_000)
        # Ask for a very long answer, then kill the server while it is being written.
        page.locator("#chat-settings-open").click()
        page.locator("#chat-system textarea").fill("Write at length.")
        set_max_new_tokens(page, 4096)
        page.locator("#chat-settings-close").click()
        send(page, "Second question, interrupted")
        page.locator("#chat-status").get_by_text("Writing").wait_for(timeout=60_000)
        page.wait_for_function(
            "() => { const b = document.querySelectorAll('#chatbot [data-testid=\"bot\"]');"
            " return b.length >= 2 && b[b.length - 1].innerText.length > 20; }", timeout=60_000)
        os.kill(app.process.pid, signal.SIGKILL)
        app.process.wait(timeout=10)
    page.close()
    history = History(tmp_path / "data" / "history.sqlite3")
    assert history.check_integrity()
    [summary] = history.list("local")
    messages = history.get("local", summary.id).messages
    assert [m["role"] for m in messages[:3]] == ["user", "assistant", "user"]
    assert messages[0]["content"] == "First question, answered in full"
    assert messages[1]["content"].strip()[:20] == first_answer.strip()[:20] and messages[1]["meta"]["tokens"] > 0
    assert messages[2]["content"] == "Second question, interrupted", "a sent question is stored at once"
    history.close()
    with running_app(slow_model_dir, tmp_path) as app:  # and the app starts again on that database
        assert app.process.poll() is None
