"""Between the Chat and Image tabs: "Ask in chat" puts the picked image into the chat's message box (for a vision
model to look at), "Draw this" puts the last answer into the Image tab's prompt. Each switches to the other tab."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from .chat_attachments import is_shown_only
from .image_actions import grid_source
from .translator import Translator

UNSAVED_NAME = "picture" + ".png"  # an image stopped early, written for the message box
PROMPT_CHARS = 1000  # an answer longer than this is cut (image models read far less: CLIP ~77 tokens)


def prompt_from_answer(answer: str) -> str:
    """An answer as a drawing prompt: its plain text (no Markdown marks, one line), cut at a word."""
    plain = re.sub(r"[*_`#>|]+", " ", answer)
    plain = " ".join(plain.split())
    if len(plain) <= PROMPT_CHARS:
        return plain
    return plain[:PROMPT_CHARS].rsplit(" ", 1)[0]


def last_answer(history: list[dict] | None) -> str:
    """The text of the newest answer in the conversation shown ("" when there is none)."""
    for message in reversed(history or []):
        if message.get("role") == "assistant" and not is_shown_only(message):
            content = message.get("content")
            if isinstance(content, list):
                content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
            return str(content or "")
    return ""


def picture_file(source: Any) -> str:
    """A path the message box can take for a grid picture: its saved PNG copied to the temp folder (Gradio
    serves files from there), or an image that was not saved (stopped early) written there as PNG."""
    folder = Path(tempfile.mkdtemp(prefix="localai-ask-"))
    target = folder / (Path(source).name if isinstance(source, str) else UNSAVED_NAME)
    if isinstance(source, str):
        target.write_bytes(Path(source).read_bytes())
    else:
        source.save(target, format="PNG")
    return str(target)


def wire_tab_links(chat: Any, image: Any, tabs: Any, tr: Translator) -> None:
    def ask(index: int | None, shown_items: list, shown_made: list, request: gr.Request) -> tuple[Any, Any]:
        picked = grid_source(index, shown_items, shown_made)
        if picked is None:
            tr.warning(request, tr(request, "edit.pick_first"))
            return gr.skip(), gr.skip()
        box = {"text": tr(request, "attach.ask_default"), "files": [picture_file(picked[0])]}
        return box, gr.Tabs(selected="chat")

    def draw(history: list[dict] | None, request: gr.Request) -> tuple[Any, Any]:
        prompt = prompt_from_answer(last_answer(history))
        if not prompt:
            tr.warning(request, tr(request, "attach.nothing_to_draw"))
            return gr.skip(), gr.skip()
        return prompt, gr.Tabs(selected="image")

    image.ask_button.click(ask, list(image.picked_inputs), [chat.message, tabs])  # queued: its warning needs it
    chat.draw_button.click(draw, chat.chatbot, [image.prompt, tabs])
