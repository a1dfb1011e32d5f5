"""The real model on the page, in a real headless Chromium: SmolLM2-135M-Instruct as its GGUF file and as the
safetensors folder converted from it (tests/real_model.py). Asked "What is the capital of France?" at
temperature 0 in the Chat tab, it says Paris; the Models tab lists the GGUF file with its quantization type."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app_process import RunningApp, running_app
from tests.e2e.conftest import screenshot
from tests.real_model import CAPITAL_ANSWER, CAPITAL_QUESTION, SMOLLM2_FILE, SMOLLM2_FOLDER

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def real_app(real_models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    with running_app(real_models_dir, tmp_path_factory.mktemp("real-app"), extra=["--offline"]) as running:
        yield running


def _pick_chat_model(page, name: str) -> None:
    box = page.locator("#chat-model input")
    box.click()
    box.fill(name)
    page.get_by_role("option", name=name, exact=True).first.click()


def _set_number(page, elem_id: str, value: float) -> None:
    box = page.locator(f"#{elem_id} input[type=number]").first
    box.fill(str(value))
    box.press("Enter")


@pytest.mark.parametrize("model", [SMOLLM2_FILE, SMOLLM2_FOLDER])
def test_the_chat_tab_answers_paris(real_app: RunningApp, page, model: str) -> None:
    page.goto(real_app.url)
    box = page.locator("#chat-input textarea")
    box.wait_for(timeout=30_000)
    page.locator("#chat-status").get_by_text("cpu").first.wait_for(timeout=60_000)  # the page's load event ran
    _pick_chat_model(page, model)
    page.locator("#chat-settings-open").click()
    _set_number(page, "chat-temperature", 0)
    _set_number(page, "chat-max-new", 16)  # its first words say it; a busy 2-core machine decodes slowly
    page.locator("#chat-settings-close").click()
    box.fill(CAPITAL_QUESTION)
    box.press("Enter")
    status = page.locator("#chat-status")
    status.get_by_text("tokens/s").wait_for(timeout=240_000)
    answer = page.locator('#chatbot [data-testid="bot"]').last.inner_text()
    assert CAPITAL_ANSWER in answer, answer
    status.locator("summary").click()  # the full load plan, one click away
    shown = status.inner_text()
    assert model in shown, shown
    if model == SMOLLM2_FILE:
        assert "GGUF Q4_1 file, dequantized at load" in shown, "the status line shows how it was loaded"
    screenshot(page, f"real-model-{'gguf' if model == SMOLLM2_FILE else 'safetensors'}")


def test_the_models_tab_lists_the_gguf_file_with_its_type(real_app: RunningApp, page) -> None:
    page.goto(real_app.url)
    page.get_by_role("tab", name="Models").click()
    table = page.locator("#models-table")
    page.wait_for_function("name => (document.querySelector('#models-table')?.innerText || '').includes(name)",
                           arg=SMOLLM2_FILE, timeout=90_000)  # the plans of all models are worked out first
    shown = table.inner_text()
    assert "GGUF Q4_1" in shown and "135M" in shown, shown
