"""A person's view of the Chat tab, in a real headless Chromium."""

from __future__ import annotations

from tests.e2e.conftest import screenshot

WATCH_ANSWER = """() => {
  window.__answerLengths = [];
  const root = document.querySelector('#chatbot');
  new MutationObserver(() => {
    const bots = root.querySelectorAll('[data-testid="bot"]');
    if (bots.length) window.__answerLengths.push(bots[bots.length - 1].innerText.length);
  }).observe(root, {subtree: true, childList: true, characterData: true});
}"""


def test_chat_message_gets_a_streamed_reply(app, page):
    page.goto(app.url)
    box = page.locator("#chat-input textarea")
    box.wait_for(timeout=30_000)
    page.locator("#chatbot").wait_for(state="attached", timeout=30_000)  # may render after the input box
    page.evaluate(WATCH_ANSWER)
    box.fill("Hello! Tell me about the quick brown fox.")
    box.press("Enter")
    user = page.locator('#chatbot [data-testid="user"]').last
    user.wait_for(timeout=30_000)
    assert "quick brown fox" in user.inner_text()
    status = page.locator("#chat-status")
    status.get_by_text("tokens/s").wait_for(timeout=90_000)
    answer = page.locator('#chatbot [data-testid="bot"]').last.inner_text()
    assert answer.strip(), "the reply is shown"
    lengths = sorted(set(page.evaluate("window.__answerLengths")))
    assert len([n for n in lengths if n > 0]) >= 3, f"the reply should grow while streaming, saw {lengths}"
    assert "cpu" in status.inner_text() and "fp32" in status.inner_text(), "the status shows the load plan"
    screenshot(page, "chat")


def test_empty_message_sends_nothing_and_shows_a_hint(app, page):
    page.goto(app.url)
    box = page.locator("#chat-input textarea")
    box.wait_for(timeout=30_000)
    page.locator("#chat-send").click()
    page.get_by_text("Type a message first").first.wait_for(timeout=10_000)
    assert page.locator('#chatbot [data-testid="user"]').count() == 0
