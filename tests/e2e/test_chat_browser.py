"""A person's view of the Chat tab, in a real headless Chromium, on a desktop and on a phone."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot

WATCH_ANSWER = """() => {
  window.__answerLengths = [];
  const root = document.querySelector('#chatbot');
  new MutationObserver(() => {
    const bots = root.querySelectorAll('[data-testid="bot"]');
    if (bots.length) window.__answerLengths.push(bots[bots.length - 1].innerText.length);
  }).observe(root, {subtree: true, childList: true, characterData: true});
}"""

# Where the message box and the one Send/Stop button are, and whether the page scrolls sideways.
LAYOUT = """() => {
  const box = document.querySelector('#chat-input textarea').getBoundingClientRect();
  const button = document.querySelector('#chat-send, #chat-stop').getBoundingClientRect();
  return {scrollWidth: document.documentElement.scrollWidth, width: innerWidth, height: innerHeight,
          boxBottom: box.bottom, buttonBottom: button.bottom, buttonRight: button.right,
          chatHeight: document.querySelector('#chatbot').getBoundingClientRect().height,
          parts: [...document.querySelectorAll('#chat-main > *')].map(e => [e.id, Math.round(e.getBoundingClientRect().top),
                                                                     Math.round(e.getBoundingClientRect().height)])};
}"""


def open_chat(page, url: str) -> None:
    page.goto(url)
    page.locator("#chat-input textarea").wait_for(timeout=30_000)
    page.locator("#chatbot").wait_for(state="attached", timeout=30_000)  # may render after the input box
    page.locator("#chat-status").get_by_text("cpu").first.wait_for(timeout=30_000)  # the page's load event ran


def send(page, text: str) -> None:
    box = page.locator("#chat-input textarea")
    box.fill(text)
    box.press("Enter")


def assert_chat_fits(page) -> None:
    shown = page.evaluate(LAYOUT)
    assert shown["scrollWidth"] <= shown["width"], f"the page scrolls sideways: {shown}"
    assert shown["boxBottom"] <= shown["height"] and shown["buttonBottom"] <= shown["height"], \
        f"the message box and Send are on screen without scrolling: {shown}"
    assert shown["buttonRight"] <= shown["width"], shown
    assert shown["chatHeight"] >= shown["height"] * 0.4, f"the conversation fills the middle: {shown}"


@pytest.mark.parametrize("where", ["desktop", "phone"])
def test_chat_message_gets_a_streamed_reply_and_the_button_turns_into_stop_and_back(app, page, phone_page, where):
    page = page if where == "desktop" else phone_page
    open_chat(page, app.url)
    assert_chat_fits(page)
    assert page.locator("#chat-stop").count() == 0, "one button: Send, while nothing is written"
    page.evaluate(WATCH_ANSWER)
    send(page, "Hello! Tell me about the quick brown fox.")
    page.locator("#chat-stop").wait_for(timeout=30_000)  # while the answer is written the button is Stop
    assert not page.locator("#chat-send").is_visible()
    user = page.locator('#chatbot [data-testid="user"]').last
    user.wait_for(timeout=30_000)
    assert "quick brown fox" in user.inner_text()
    status = page.locator("#chat-status")
    status.get_by_text("tokens/s").wait_for(timeout=90_000)
    page.locator("#chat-send").wait_for(timeout=10_000)  # and Send again once it is done
    assert page.locator("#chat-stop").count() == 0
    answer = page.locator('#chatbot [data-testid="bot"]').last.inner_text()
    assert answer.strip(), "the reply is shown"
    lengths = sorted(set(page.evaluate("window.__answerLengths")))
    assert len([n for n in lengths if n > 0]) >= 3, f"the reply should grow while streaming, saw {lengths}"
    line = status.inner_text()
    assert "tiny-llama" in line and "cpu" in line and "fp32" in line, "one short line: the model, how it runs"
    status.locator("summary").click()  # the full plan reason, one click away
    status.get_by_text("fits in").wait_for(timeout=5_000)
    assert_chat_fits(page)
    screenshot(page, "chat-desktop" if where == "desktop" else "chat-phone")


def test_shift_enter_is_a_new_line_and_the_box_grows(app, page):
    open_chat(page, app.url)
    box = page.locator("#chat-input textarea")
    before = box.bounding_box()["height"]
    box.click()
    box.type("first line")
    for _ in range(3):
        box.press("Shift+Enter")
        box.type("more")
    assert box.input_value() == "first line\nmore\nmore\nmore", "Shift+Enter adds a line and sends nothing"
    assert page.locator('#chatbot [data-testid="user"]').count() == 0
    assert box.bounding_box()["height"] > before * 1.5, "the box grows with the text"
    assert_chat_fits(page)


def test_empty_message_sends_nothing_and_shows_a_hint(app, page):
    open_chat(page, app.url)
    page.locator("#chat-send").click()
    page.get_by_text("Type a message first").first.wait_for(timeout=10_000)
    assert page.locator('#chatbot [data-testid="user"]').count() == 0


def test_settings_open_from_the_header_and_the_sidebars_stay_on_the_chat_tab(app, page):
    open_chat(page, app.url)
    system = page.locator("#chat-system textarea")
    assert not system.is_visible() or system.bounding_box()["x"] >= 1280, "settings are out of the way"
    page.locator("#chat-settings-open").click()
    page.wait_for_function("() => { const r = document.querySelector('#chat-system textarea')"
                           ".getBoundingClientRect(); return r.right <= innerWidth && r.left >= 0; }", timeout=5_000)
    assert page.locator("#chat-temperature").is_visible()
    page.locator("#chat-unload").click()  # Unload is in the panel too
    page.locator("#chat-status").get_by_text("tiny-llama", exact=False).first.wait_for(timeout=10_000)
    page.wait_for_function("() => /unloaded|not loaded/.test(document.querySelector('#chat-status').innerText)",
                           timeout=10_000)
    page.locator("#chat-settings-close").click()
    page.wait_for_function("() => document.querySelector('#chat-system textarea').getBoundingClientRect().left"
                           " >= innerWidth", timeout=5_000)
    assert page.locator("#history-list").is_visible(), "the conversations are on the left of a desktop page"
    page.get_by_role("tab", name="Image").click()
    page.locator("#image-prompt").wait_for(timeout=10_000)
    assert not page.locator("#chat-sidebar").is_visible() and not page.locator("#chat-settings").is_visible(), \
        "the chat's sidebars do not cover the other tabs"
    page.get_by_role("tab", name="Chat").click()
    page.locator("#history-list").wait_for(timeout=5_000)


def test_on_a_phone_the_conversations_are_a_menu(app, phone_page):
    page = phone_page
    open_chat(page, app.url)
    send(page, "Phone question about foxes")
    page.locator("#chat-status").get_by_text("tokens/s").wait_for(timeout=90_000)
    page.locator("#chat-new").click()
    page.wait_for_function("() => !document.querySelector('#chatbot [data-testid=\"user\"]')", timeout=10_000)
    assert not page.locator("#history-list").is_visible() or \
        page.locator("#history-list").bounding_box()["x"] < 0, "the sidebar starts closed on a phone"
    page.locator("#chat-menu").click()
    entry = page.locator("#history-list label", has_text="Phone question about foxes")
    entry.wait_for(timeout=10_000)
    page.wait_for_timeout(400)  # the sidebar slides in
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "chat-sidebar-phone")
    entry.click()
    page.locator('#chatbot [data-testid="user"]', has_text="Phone question about foxes").wait_for(timeout=10_000)
    page.wait_for_function("() => document.querySelector('#chat-input textarea').getBoundingClientRect().left >= 0"
                           " && document.querySelector('#history-list').getBoundingClientRect().right <= 0",
                           timeout=5_000)  # the menu closes: the chat is in front again
    assert_chat_fits(page)
