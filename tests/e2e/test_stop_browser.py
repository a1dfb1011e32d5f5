"""Stop in the Chat tab, in a real headless Chromium: the answer stops growing at once, the part
already written stays on the page and in the history, and the status says it was stopped."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.app_process import RunningApp, running_app
from tests.e2e.conftest import WATCH_ANSWER, save_slow_llama, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]



@pytest.fixture(scope="module")
def slow_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """A larger tiny model with a long context, so an answer streams for many seconds."""
    models = tmp_path_factory.mktemp("stop-models")
    save_slow_llama(models / "text" / "slow-llama")
    (models / "image").mkdir()
    with running_app(models, tmp_path_factory.mktemp("stop-app")) as running:
        yield running


def _set_number(page, elem_id: str, value: int) -> None:
    box = page.locator(f"#{elem_id} input[type=number]").first
    box.fill(str(value))
    box.press("Enter")


@pytest.mark.parametrize("where, how", [("desktop", "button"), ("desktop", "escape"), ("phone", "button")])
def test_stop_keeps_the_partial_answer_and_ends_the_stream(slow_app: RunningApp, page, phone_page, where: str,
                                                           how: str) -> None:
    """The one button beside the message box is Stop while the answer is written (Esc does the same)."""
    page = page if where == "desktop" else phone_page
    page.goto(slow_app.url)
    box = page.locator("#chat-input textarea")
    box.wait_for(timeout=30_000)
    page.locator("#chat-settings-open").click()
    _set_number(page, "chat-max-new", 4096)  # far longer than the test waits
    page.locator("#chat-settings-close").click()
    page.evaluate(WATCH_ANSWER)
    box.fill("Tell me a very long story.")
    box.press("Enter")
    page.locator("#chat-status").get_by_text("Writing").wait_for(timeout=60_000)
    page.wait_for_function("() => { const b = document.querySelectorAll('#chatbot [data-testid=\"bot\"]');"
                           " return b.length && b[b.length - 1].innerText.length > 60; }", timeout=60_000)
    page.wait_for_timeout(500)  # it is still streaming
    clicked = page.evaluate("performance.now()")
    if how == "button":
        page.locator("#chat-stop").click()
    else:
        page.keyboard.press("Escape")
    status = page.locator("#chat-status")
    try:
        status.get_by_text("stopped (the partial answer is kept)").wait_for(timeout=10_000)
    except Exception:
        pytest.fail(f"no 'stopped' status 10 s after Stop; the status reads {status.inner_text()!r}\n"
                    f"app log:\n{slow_app.log()[-3000:]}")
    page.wait_for_timeout(1500)  # nothing more may arrive
    growth = page.evaluate("window.__growth")
    final = page.locator('#chatbot [data-testid="bot"]').last.inner_text()
    before_click = [n for t, n in growth if t < clicked]
    after_click = [(t - clicked, n) for t, n in growth if t >= clicked]
    assert len(set(before_click)) >= 3, "the answer was streaming before Stop"
    grew = [ms for ms, n in after_click if n > max(before_click)]
    assert not grew or max(grew) < 1000, f"the answer kept growing {max(grew):.0f} ms after Stop"
    assert len(final.strip()) >= 60, "the partial answer stays on the page"
    assert "tokens/s" in status.inner_text()
    page.locator("#chat-send").wait_for(timeout=5_000)  # the button is Send again
    assert page.locator("#chat-stop").count() == 0
    screenshot(page, "chat-stopped" if (where, how) == ("desktop", "button") else f"chat-stopped-{where}-{how}")
    # the partial answer is in the history too: open it again after a reload
    page.reload()
    if where == "phone":
        page.locator("#chat-menu").click()  # the conversations are a menu on a phone
    page.locator("#history-list label", has_text="Tell me a very long story").first.click(timeout=30_000)
    page.locator('#chatbot [data-testid="bot"]').last.wait_for(timeout=30_000)
    stored = page.locator('#chatbot [data-testid="bot"]').last.inner_text()
    assert stored.strip()[:40] == final.strip()[:40]
