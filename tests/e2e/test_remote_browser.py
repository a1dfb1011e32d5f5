"""Another LocalAI as a remote engine, seen through the browser of the first: a real second ``app.py`` on
127.0.0.1 (a tiny model that streams for many seconds, its API behind a key) is given to the first with
``--remote pc2=URL --remote-key pc2=KEY``. In the page: its model is listed in the chat's picker with the
server's name, an answer streams from it, Stop stops it, the conversation is saved; the Connections table
shows the server (never its key), a server added with a wrong key says so plainly, and killing the second
server in the middle of an answer gives a clear error with the partial answer kept.

The second server is killed by the last test of this module."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app_process import RunningApp, running_app
from tests.e2e.conftest import WATCH_ANSWER, open_tab, save_slow_llama, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

KEY = "sk-remote-test-5be1"
REMOTE_MODEL = "slow-llama"
LABEL = f"{REMOTE_MODEL} · pc2"
BOT = '#chatbot [data-testid="bot"]'


@pytest.fixture(scope="module")
def second(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The remote: another LocalAI with one tiny model large enough to stream for many seconds."""
    models = tmp_path_factory.mktemp("remote-models")
    save_slow_llama(models / "text" / REMOTE_MODEL)
    (models / "image").mkdir()
    with running_app(models, tmp_path_factory.mktemp("remote-second"), extra=["--api-key", KEY]) as running:
        yield running


@pytest.fixture(scope="module")
def first(second: RunningApp, models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The app the browser uses: its own tiny model, and the second LocalAI as the remote ``pc2``."""
    work = tmp_path_factory.mktemp("remote-first")
    own = work / "models"
    shutil.copytree(models_dir / "text" / "tiny-llama", own / "text" / "tiny-llama")
    (own / "image").mkdir()
    extra = ["--remote", f"pc2={second.url}", "--remote-key", f"pc2={KEY}"]
    with running_app(own, work, extra=extra, env={"LOCALAI_REMOTE_CHECK_S": "2"}) as running:
        yield running


def open_chat(page, app: RunningApp) -> None:
    page.goto(app.url)
    page.locator("#chat-input textarea").wait_for(timeout=30_000)
    page.locator("#chat-status").get_by_text("tiny-llama").first.wait_for(timeout=60_000)  # the page's load ran


def pick_remote_model(page) -> list[str]:
    """Open the picker (its list is read again then: the remote's models come with its first health check) and
    pick the remote model; returns what the picker listed."""
    box = page.locator("#chat-model input")
    option = page.get_by_role("option", name=LABEL, exact=True)
    for _ in range(20):
        box.click()
        page.wait_for_timeout(300)  # the list as read on opening
        if option.count():
            break
        page.keyboard.press("Escape")
        page.locator("#chat-status").click()  # away from the picker, so that the next click opens it again
        page.wait_for_timeout(500)
    listed = [t.strip().splitlines()[-1] for t in page.get_by_role("option").all_inner_texts()]  # no "✓" line
    option.first.click()
    page.locator("#chat-status").get_by_text("on pc2").first.wait_for(timeout=30_000)
    return listed


def set_max_new_tokens(page, value: int) -> None:
    page.locator("#chat-settings-open").click()
    box = page.locator("#chat-max-new input[type=number]").first
    box.fill(str(value))
    box.press("Enter")
    page.locator("#chat-settings-close").click()


def send(page, text: str) -> None:
    box = page.locator("#chat-input textarea")
    box.fill(text)
    box.press("Enter")


def wait_streaming(page, chars: int = 60) -> None:
    page.wait_for_function("(n) => { const b = document.querySelectorAll('#chatbot [data-testid=\"bot\"]');"
                           " return b.length && b[b.length - 1].innerText.length > n; }", arg=chars, timeout=90_000)


def reopen_conversation(page, app: RunningApp, title: str) -> str:
    """The stored answer of the conversation ``title``, after a reload."""
    page.goto(app.url)
    page.locator("#history-list label", has_text=title).first.click(timeout=30_000)
    page.locator(BOT).last.wait_for(timeout=30_000)
    return page.locator(BOT).last.inner_text()


def test_the_remote_model_is_listed_with_its_server_and_an_answer_streams_and_is_saved(first: RunningApp,
                                                                                       page) -> None:
    open_chat(page, first)
    listed = pick_remote_model(page)
    assert "tiny-llama" in listed and LABEL in listed, f"local and remote models side by side: {listed}"
    set_max_new_tokens(page, 40)
    page.evaluate(WATCH_ANSWER)
    send(page, "Hello from the first computer")
    status = page.locator("#chat-status")
    status.get_by_text("tokens/s").wait_for(timeout=120_000)
    answer = page.locator(BOT).last.inner_text()
    lengths = {n for _, n in page.evaluate("window.__growth")}
    assert answer.strip() and len(lengths) >= 3, f"the answer streamed in pieces: {sorted(lengths)[:10]}"
    assert REMOTE_MODEL in status.inner_text() and "on pc2" in status.inner_text()
    screenshot(page, "chat-remote")
    stored = reopen_conversation(page, first, "Hello from the first computer")
    assert stored.strip()[:40] == answer.strip()[:40], "the conversation is in the history"


def test_stop_stops_a_remote_answer_and_keeps_what_was_written(first: RunningApp, page) -> None:
    open_chat(page, first)
    pick_remote_model(page)
    set_max_new_tokens(page, 4096)  # far longer than the test waits
    page.evaluate(WATCH_ANSWER)
    send(page, "Tell me a very long story from far away")
    wait_streaming(page)
    page.wait_for_timeout(300)
    clicked = page.evaluate("performance.now()")
    page.locator("#chat-stop").click()
    page.locator("#chat-status").get_by_text("stopped (the partial answer is kept)").wait_for(timeout=15_000)
    page.wait_for_timeout(1500)  # nothing more may arrive
    growth = page.evaluate("window.__growth")
    before = max(n for t, n in growth if t < clicked)
    late = [t - clicked for t, n in growth if t >= clicked and n > before]
    assert not late or max(late) < 1000, f"the answer kept growing {max(late):.0f} ms after Stop"
    final = page.locator(BOT).last.inner_text()
    assert len(final.strip()) >= 60
    page.locator("#chat-send").wait_for(timeout=5_000)
    stored = reopen_conversation(page, first, "Tell me a very long story from far away")
    assert stored.strip()[:40] == final.strip()[:40]


def test_the_connections_table_shows_the_server_and_a_wrong_key_plainly(first: RunningApp, second: RunningApp,
                                                                        page) -> None:
    from playwright.sync_api import expect

    page.goto(first.url)
    page.get_by_role("tab", name="Chat").wait_for(timeout=30_000)
    open_tab(page, "Models")
    table = page.locator("#conn-table")
    expect(table).to_contain_text("pc2 (--remote)", timeout=30_000)
    row = table.locator("tr", has_text="pc2 (--remote)")
    expect(row).to_contain_text("✅ reachable", timeout=30_000)
    expect(row).to_contain_text(REMOTE_MODEL)
    expect(row).to_contain_text("🔑 set")
    expect(row).to_contain_text(re.compile(r"\d+ ms"))
    expect(page.locator("#conn-add")).to_be_enabled(timeout=10_000)  # this computer itself may add servers
    # the same server with a wrong key: added, and its state says why it cannot be used
    page.locator("#conn-name input").fill("pc2-bad")
    page.locator("#conn-url input").fill(second.url)
    page.locator("#conn-key input").fill("sk-wrong")
    page.locator("#conn-add").click()
    bad = table.locator("tr", has_text="pc2-bad")
    expect(bad).to_contain_text("❌ down", timeout=30_000)
    expect(bad).to_contain_text("refused the key")
    expect(page.locator("#conn-status")).to_contain_text("pc2-bad cannot be used now")
    page.locator(".toast-body", has_text="refused the key").first.wait_for(timeout=10_000)  # a warning pops up too
    assert page.locator("#conn-key input").input_value() == "", "the key box is emptied"
    html = page.content()
    assert "Traceback" not in html and KEY not in html and "sk-wrong" not in html, "no key, no traceback on the page"
    screenshot(page, "models-connections")
    # removed again: gone from the table
    expect(page.locator("#conn-pick input")).to_have_value("pc2-bad", timeout=10_000)
    page.locator("#conn-remove").click()
    expect(page.locator("#conn-status")).to_contain_text("pc2-bad was removed", timeout=30_000)
    expect(table.locator("tr", has_text="pc2-bad")).to_have_count(0)


def test_killing_the_server_mid_answer_gives_a_clear_error_and_keeps_the_partial_answer(
        first: RunningApp, second: RunningApp, page) -> None:
    """The last test of the module: the second server does not come back."""
    open_chat(page, first)
    pick_remote_model(page)
    set_max_new_tokens(page, 4096)
    send(page, "A long answer, then the server dies")
    wait_streaming(page)
    second.process.kill()
    second.process.wait(timeout=15)
    status = page.locator("#chat-status")
    status.get_by_text(re.compile("pc2")).wait_for(timeout=60_000)
    page.wait_for_function("() => document.querySelector('#chat-status').innerText.includes('⚠️')", timeout=60_000)
    shown = status.inner_text()
    assert re.search(r"stopped answering|cannot be reached", shown), shown
    assert "Traceback" not in page.content()
    partial = page.locator(BOT).last.inner_text()
    assert len(partial.strip()) >= 60, "the answer so far stays on the page"
    page.locator("#chat-send").wait_for(timeout=10_000)
    screenshot(page, "chat-remote-killed")
    stored = reopen_conversation(page, first, "A long answer, then the server dies")
    assert stored.strip()[:40] == partial.strip()[:40], "and in the history"
