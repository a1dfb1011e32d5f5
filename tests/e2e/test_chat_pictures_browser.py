"""A picture in the Chat tab, in a real Chromium, with a (tiny, random) vision model: the picture given to the
message box goes with the question, shows in the conversation before it, and an answer is written."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_chat_browser import open_chat


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    from tests.app_process import running_app
    from tests.tiny_vision import save_tiny_vlm

    models = tmp_path_factory.mktemp("models-vision")
    save_tiny_vlm(models / "text" / "tiny-vlm")
    (models / "image").mkdir(parents=True, exist_ok=True)
    with running_app(models, tmp_path_factory.mktemp("app")) as running:
        yield running


def test_a_picture_is_sent_with_its_question_and_answered(app, page, tmp_path: Path) -> None:
    from PIL import Image

    picture = tmp_path / "red-square.png"
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (220, 30, 30)).save(buf, "PNG")
    picture.write_bytes(buf.getvalue())
    open_chat(page, app.url)
    page.locator("#chat-input input[type=file]").set_input_files(str(picture))
    page.locator("#chat-input .thumbnail-wrapper").first.wait_for(timeout=30_000)
    box = page.locator("#chat-input textarea")
    box.fill("What colour is this square?")
    box.press("Enter")
    page.locator("#chatbot [data-testid=user] img").first.wait_for(timeout=60_000)  # shown before the question
    page.locator("#chatbot [data-testid=bot]").first.wait_for(timeout=60_000)
    page.locator("#chat-send").wait_for(timeout=60_000)  # the answer is written
    page.wait_for_function("() => { const b = document.querySelectorAll('#chatbot [data-testid=bot]');"
                           " return b.length && b[b.length - 1].innerText.trim().length > 0; }", timeout=30_000)
    assert "tiny-vlm" in page.locator("#chat-status").inner_text()
    assert "Traceback" not in page.content()
