"""Per-message actions in the Chat tab, in a real headless Chromium, on a desktop and on a phone: edit a sent
message and answer again (the earlier branch stays in the history), regenerate an answer, undo the last
exchange (gone from the history too). Each is checked again after a reload, from the stored history."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

USER = '#chatbot [data-testid="user"]'
BOT = '#chatbot [data-testid="bot"]'


def open_chat(page, url: str) -> None:
    page.goto(url)
    page.locator("#chat-input textarea").wait_for(timeout=30_000)
    page.locator("#chat-status").get_by_text("cpu").first.wait_for(timeout=30_000)  # the page's load event ran
    page.locator("#chat-settings-open").click()  # short answers: the test waits for each one
    box = page.locator("#chat-max-new input[type=number]").first
    box.fill("24")
    box.press("Enter")
    page.locator("#chat-settings-close").click()


# Notes when the one button shows Stop (an answer is being written), however briefly.
WATCH_STOP = """() => {
  window.__stopSeen = false;
  new MutationObserver(() => { if (document.getElementById('chat-stop')) window.__stopSeen = true; })
    .observe(document.body, {subtree: true, childList: true});
}"""
ANSWERED = """() => window.__stopSeen && document.getElementById('chat-send') && !document.getElementById('chat-stop')
  && document.querySelector('#chat-status').innerText.includes('tokens/s')"""


def ask(page, text: str) -> None:
    box = page.locator("#chat-input textarea")
    box.fill(text)
    page.evaluate(WATCH_STOP)
    box.press("Enter")
    wait_answer(page)


def wait_answer(page) -> None:
    """After an action that answers (``WATCH_STOP`` set before it): the answer is written and stored."""
    page.wait_for_function(ANSWERED, timeout=90_000)


def shown(page, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(selector).all_inner_texts()]


def reload(page) -> None:
    page.reload()
    page.locator("#chat-input textarea").wait_for(timeout=30_000)
    page.locator("#chat-status").get_by_text("cpu").first.wait_for(timeout=30_000)  # the page's load event ran


def open_conversation(page, title: str, where: str, exact_index: int = 0) -> None:
    if where == "phone":
        page.locator("#chat-menu").click()
    page.locator("#history-list label", has_text=title).nth(exact_index).click(timeout=30_000)
    page.locator(USER).first.wait_for(timeout=30_000)


def _page(where: str, page, phone_page):
    return page if where == "desktop" else phone_page


@pytest.mark.parametrize("where", ["desktop", "phone"])
def test_edit_a_sent_message_answers_again_and_keeps_the_earlier_branch(app, page, phone_page, where):
    page = _page(where, page, phone_page)
    open_chat(page, app.url)
    first, second = f"Edit test {where}: the first question", "The second question"
    ask(page, first)
    ask(page, second)
    old_answer = shown(page, BOT)[-1]
    page.locator(f'{USER}:has-text("{second}")').hover()
    page.locator('#chatbot button[aria-label="Edit"]').last.click()
    editor = page.locator("#chatbot textarea").first
    editor.fill("The second question, asked better")
    page.evaluate(WATCH_STOP)
    page.locator('#chatbot button[aria-label="Submit"]').click()
    wait_answer(page)
    assert shown(page, USER) == [first, "The second question, asked better"]
    assert len(shown(page, BOT)) == 2, "answered again from the edited message"
    assert "Edited from" in page.locator("#chat-status").inner_text() and \
        page.locator("#history-list label", has_text=f"{first} (edited)").is_visible()
    if where == "desktop":
        screenshot(page, "chat-edit")
    # after a reload: both branches are in the history, each as it was
    reload(page)
    open_conversation(page, f"{first} (edited)", where)
    page.locator(USER, has_text="asked better").wait_for(timeout=10_000)
    assert shown(page, USER) == [first, "The second question, asked better"]
    assert "Edited from" in page.locator("#chat-status").inner_text(), "the branch says where it came from"
    open_conversation(page, first, where, exact_index=1)  # the list is newest first: the edit, then the earlier one
    page.wait_for_function("text => { const u = document.querySelectorAll('#chatbot [data-testid=\"user\"]');"
                           " return u.length === 2 && u[1].innerText.trim() === text; }", arg=second, timeout=10_000)
    assert shown(page, USER) == [first, second], "the earlier branch keeps its messages"
    assert shown(page, BOT)[-1][:30] == old_answer[:30]


@pytest.mark.parametrize("where", ["desktop", "phone"])
def test_regenerate_writes_a_new_answer_in_place_of_the_old_one(app, page, phone_page, where):
    page = _page(where, page, phone_page)
    open_chat(page, app.url)
    question = f"Regenerate test {where}"
    ask(page, question)
    assert page.locator('#chatbot button[aria-label="Copy message"]').count() == 2, "each message can be copied"
    page.evaluate(WATCH_STOP)
    page.locator('#chatbot button[aria-label="Retry"]').last.click()
    wait_answer(page)
    assert shown(page, USER) == [question] and len(shown(page, BOT)) == 1, "one question, its new answer"
    answer = shown(page, BOT)[0]
    reload(page)
    open_conversation(page, question, where)
    page.locator(BOT).first.wait_for(timeout=10_000)
    assert shown(page, USER) == [question] and len(shown(page, BOT)) == 1, "the history holds the new answer only"
    assert shown(page, BOT)[0][:30] == answer[:30]


@pytest.mark.parametrize("where", ["desktop", "phone"])
def test_undo_deletes_the_last_exchange_from_the_page_and_the_history(app, page, phone_page, where):
    page = _page(where, page, phone_page)
    open_chat(page, app.url)
    first = f"Undo test {where}: keep this one"
    ask(page, first)
    ask(page, "Delete this one")
    page.locator('#chatbot button[aria-label="Undo"]').last.click()
    page.wait_for_function(f"() => document.querySelectorAll('{USER}').length === 1", timeout=10_000)
    assert shown(page, USER) == [first] and len(shown(page, BOT)) == 1
    assert page.locator("#chat-input textarea").input_value() == "Delete this one", "the question is back in the box"
    reload(page)
    open_conversation(page, first, where)
    page.locator(BOT).first.wait_for(timeout=10_000)
    assert shown(page, USER) == [first] and len(shown(page, BOT)) == 1, "deleted from the history too"
