"""Documents in the Chat tab, in a real Chromium: a file given to the message box is read and kept with the
conversation (its chip above the box), the answer shows its sources under it (opened to read the part), removing
the chip removes the document, and "Draw this" takes the answer to the Image tab's prompt."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_chat_browser import open_chat


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """A tiny chat model with a 4,096-token context: room for a document beside the question (the shared tiny
    models have 512 tokens, which the instruction around the documents nearly fills)."""
    from tests.app_process import running_app
    from tests.tiny_models import save_tiny_llama

    models = tmp_path_factory.mktemp("models-4k")
    save_tiny_llama(models / "text" / "tiny-llama-4k", chat_template=True, max_position_embeddings=4096)
    (models / "image").mkdir(parents=True, exist_ok=True)
    with running_app(models, tmp_path_factory.mktemp("app")) as running:
        yield running

NOTE = "The meeting is on Tuesday in room 12. Bring the quarterly report."


def test_a_document_is_attached_answered_from_and_removed(app, page, tmp_path: Path) -> None:
    note = tmp_path / "meeting-notes.txt"
    note.write_text(NOTE)
    open_chat(page, app.url)
    page.locator("#chat-input input[type=file]").set_input_files(str(note))
    page.locator("#chat-input .thumbnail-wrapper").first.wait_for(timeout=30_000)  # the box shows it
    box = page.locator("#chat-input textarea")
    box.fill("When is the meeting?")
    box.press("Enter")
    sources = page.locator("#chatbot").get_by_text("Sources: meeting-notes.txt, part 1")
    sources.wait_for(timeout=60_000)
    page.locator("#chat-send").wait_for(timeout=60_000)  # the answer is written
    chip = page.locator("#chat-documents")
    assert "meeting-notes.txt" in chip.inner_text(), "the document's chip is above the message box"
    sources.click()  # opened: the part the answer was given from
    page.locator("#chatbot").get_by_text("room 12").first.wait_for(timeout=10_000)
    # Removing the chip removes the document from the conversation.
    chip.locator("[aria-label^='Remove'], .token-remove, .remove-all").first.click()
    page.wait_for_function("() => !document.querySelector('#chat-documents') || "
                           "!document.querySelector('#chat-documents').innerText.includes('meeting-notes.txt')",
                           timeout=15_000)
    # The answer goes to the Image tab as a prompt.
    page.locator("#chat-draw").click()
    page.locator("#image-prompt textarea, #image-prompt input").first.wait_for(timeout=15_000)
    page.wait_for_function("() => { const b = document.querySelector('#image-prompt textarea, #image-prompt input');"
                           " return b && b.offsetParent !== null && b.value.length > 0; }", timeout=15_000)


def test_a_file_that_cannot_be_read_is_refused_plainly(app, page, tmp_path: Path) -> None:
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4\nnot really a pdf")
    open_chat(page, app.url)
    page.locator("#chat-input input[type=file]").set_input_files(str(bad))
    page.locator("#chat-input .thumbnail-wrapper").first.wait_for(timeout=30_000)
    box = page.locator("#chat-input textarea")
    box.fill("What does it say?")
    box.press("Enter")
    page.get_by_text("broken.pdf").filter(has_not=page.locator("#chat-input")).last.wait_for(timeout=30_000)
    assert "Traceback" not in page.content()
    assert page.locator("#chatbot [data-testid=user]").count() == 0, "nothing was sent or stored"
