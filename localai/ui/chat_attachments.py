"""What the Chat tab's message box carries besides text: documents and pictures, and how they are shown.

The box takes files by its button, by drag and drop and by paste. A picture goes with its question to a
vision model; any other file is a document, read and kept with the conversation (``chat_documents.py``),
listed above the box, where removing its chip removes it. The page shows two kinds of message that are not
part of the conversation the model reads: a picture sent with a question (shown just before it) and the
sources of an answer (collapsed under it, ``metadata.title``); ``stored_index`` maps the page's message
numbers to the history's, which holds neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..messages import text

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp")
EXCERPT_CHARS = 600


def is_picture(name: str) -> bool:
    return Path(name).suffix.lower() in IMAGE_SUFFIXES


def box_value(value: Any) -> tuple[str, list[str]]:
    """The message box's text and the paths of its files (the box gives a dict; a plain string is text)."""
    if isinstance(value, dict):
        files = [f if isinstance(f, str) else str((f or {}).get("path") or "") for f in value.get("files") or []]
        return str(value.get("text") or ""), [f for f in files if f]
    return str(value or ""), []


def read_files(paths: Sequence[str]) -> tuple[list[tuple[str, bytes]], list[bytes]]:
    """(documents as (name, bytes), pictures as bytes) of the files given to the box."""
    documents, pictures = [], []
    for path in paths:
        data = Path(path).read_bytes()
        if is_picture(path):
            pictures.append(data)
        else:
            documents.append((Path(path).name, data))
    return documents, pictures


def picture_message(path: str | Path) -> dict[str, Any]:
    """A picture the user sent, shown in the conversation before its question."""
    return {"role": "user", "content": {"path": str(path)}}


def sources_message(sources: Sequence[Any], lang: str) -> dict[str, Any]:
    """An answer's sources, collapsed under it: the title names the parts, opening it shows their text."""
    from ..documents.retrieval import Source  # noqa: PLC0415
    from ..messages import render  # noqa: PLC0415

    labels, parts = [], []
    for s in sources:
        source = s if not isinstance(s, dict) else Source(
            str(s.get("document_id", "")), str(s.get("document", "")), int(s.get("page") or 0), bool(s.get("paged")),
            str(s.get("excerpt", "")), int(s.get("last_page") or 0))
        label = render(source.label_message(), lang)
        labels.append(label)
        excerpt = " ".join(source.excerpt.split())
        excerpt = excerpt if len(excerpt) <= EXCERPT_CHARS else excerpt[:EXCERPT_CHARS - 1] + "…"
        parts.append(f"**{label}**\n\n> {excerpt}")
    title = text(lang, "attach.sources", parts="; ".join(dict.fromkeys(labels)))
    return {"role": "assistant", "content": "\n\n".join(parts), "metadata": {"title": title, "status": "done"}}


def is_shown_only(message: dict[str, Any]) -> bool:
    """A message the page shows that is not part of the stored conversation: a picture, an answer's sources."""
    if (message.get("metadata") or {}).get("title"):
        return True
    return message.get("role") == "user" and bool(picture_paths(message))


def picture_paths(message: dict[str, Any]) -> list[str]:
    """The files of a message shown on the page (a picture the user sent), in any of Gradio's shapes."""
    content = message.get("content")
    parts = content if isinstance(content, (list, tuple)) else [content]
    paths = []
    for part in parts:
        if not isinstance(part, dict):
            continue
        file = part.get("file") if part.get("type") == "file" or "file" in part else part
        if isinstance(file, dict) and file.get("path"):
            paths.append(str(file["path"]))
    return paths


def stored_index(history: Sequence[dict[str, Any]], index: int) -> int:
    """The history's number of the page's message ``index`` (messages shown only are not stored)."""
    return sum(1 for m in history[:index] if not is_shown_only(m))


def document_choices(documents: Sequence[Any], lang: str) -> list[tuple[str, str]]:
    """The documents' chips above the message box: (label, document id)."""
    return [(text(lang, "attach.chip_pages" if d.paged else "attach.chip_parts", name=d.name, count=d.pages), d.id)
            for d in documents]
