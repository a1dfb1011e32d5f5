"""The open conversation's documents above the message box: one chip each (name, pages); removing a chip removes
the document from the conversation. Hidden while the conversation has none."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

from .chat_attachments import IMAGE_SUFFIXES, document_choices
from .common import ui_handler, user_of
from .translator import Translator


def attachable_types() -> list[str]:
    """What the message box's file picker offers: the documents LocalAI reads, and pictures."""
    from ..documents.extract import SUPPORTED_SUFFIXES  # noqa: PLC0415

    return [*SUPPORTED_SUFFIXES, *IMAGE_SUFFIXES]


def wire_documents(services: Any, documents: Any, conv_id: Any, tr: Translator) -> Callable[..., Any]:
    """Wire the chips' removal; returns the handler that shows a conversation's documents (for ``.then``)."""

    def listed(cid: str | None, request: gr.Request) -> Any:
        found = services.list_documents(user_of(request), cid) if cid else []
        choices = document_choices(found, tr.lang(request))
        return gr.Dropdown(choices=choices, value=[value for _, value in choices], visible=bool(choices))

    @ui_handler
    def removed(kept: list[str] | None, cid: str | None, request: gr.Request) -> Any:
        user = user_of(request)
        if cid:
            for document in services.list_documents(user, cid):
                if document.id not in (kept or []):
                    services.remove_document(user, document.id)
        return listed(cid, request)

    documents.input(removed, [documents, conv_id], documents, queue=False)
    return listed
