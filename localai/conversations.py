"""The conversations service: what the Chat tab and its sidebar save and read, per user.

It wraps the SQLite ``History`` store with the steps a chat takes: a turn starts (the
conversation is created or its model and settings updated, the question stored at once), the
answer is stored with what produced it, Regenerate drops the old answer, editing a sent message
branches the conversation (see ``history.py``: the earlier branch is kept), undo deletes the last
exchange from the page and the history alike. Every call names the
user; nobody reads or changes another user's conversations (the store refuses).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .chat_export import parse_import, to_json, to_markdown
from .history import Conversation, ConversationNotFound, History, Summary
from .options import PAGE_SAMPLING, ChatOptions
from .untrusted_input import without_lone_surrogates

if TYPE_CHECKING:
    from .backends.base import ChatResult
    from .documents.store import DocumentStore

# What a conversation remembers of the page's settings: the system prompt, the sliders and the seed.
SAVED_OPTIONS = (*PAGE_SAMPLING, "seed")


def saved_settings(system: str, options: ChatOptions) -> dict[str, Any]:
    return {"system": system or "", **{name: getattr(options, name) for name in SAVED_OPTIONS}}


def answer_meta(result: ChatResult) -> dict[str, Any]:
    """What is stored beside an answer: the model, its speed and seed, how it ended and how it was loaded."""
    meta: dict[str, Any] = {"model": result.model, "tokens": result.completion_tokens, "seed": result.seed,
                            "tokens_per_second": round(result.tokens_per_second, 2), "finish": result.finish_reason}
    if result.plan is not None:
        meta["plan"] = f"{result.plan.describe()} — {result.plan.reason}"
    if result.sources:
        from .chat_documents import source_record  # noqa: PLC0415

        meta["sources"] = [source_record(s) for s in result.sources]
    return meta


@dataclass(frozen=True)
class Export:
    stem: str  # a file name for the conversation, without suffix
    markdown: str
    json: str


class Conversations:
    def __init__(self, history: History, documents: DocumentStore | None = None) -> None:
        self._history = history
        self._documents = documents  # the conversations' attached documents (deleted, branched, exported with them)

    # -- a chat turn ---------------------------------------------------------------------------------
    def start_turn(self, user: str, conv_id: str | None, model: str, system: str, options: ChatOptions,
                   question: str | None, question_meta: dict[str, Any] | None = None) -> str:
        """Before an answer: create the conversation (``conv_id`` None) or update its model and settings;
        store ``question`` (None: Regenerate, the question is stored already; ``question_meta``: e.g. the
        pictures sent with it). Returns the conversation."""
        system = without_lone_surrogates(system)  # the page can send one; SQLite refuses it
        question = None if question is None else without_lone_surrogates(question)
        settings = saved_settings(system, options)
        if conv_id is None:
            conv_id = self._history.create(user, model=model, settings=settings)
        else:
            self._history.set_settings(user, conv_id, model, settings)
        if question is not None:
            self._history.add_message(user, conv_id, "user", question, meta=question_meta)
        return conv_id

    def save_answer(self, user: str, conv_id: str, text: str, result: ChatResult) -> None:
        """Store a finished (or stopped) answer; an empty one is not stored."""
        if text:
            self._history.add_message(user, conv_id, "assistant", text, meta=answer_meta(result))

    def forget_answer(self, user: str, conv_id: str) -> None:
        """Regenerate: drop the answers after the last question."""
        self._history.truncate_after_last_user(user, conv_id)

    def branch(self, user: str, conv_id: str, index: int, title: str) -> str:
        """Editing shown message ``index``: a new conversation with the messages before it, named ``title``;
        the edited message is then stored by ``start_turn``. ``conv_id`` keeps its messages (the earlier branch)."""
        new_id = self._history.branch(user, conv_id, index, without_lone_surrogates(title))
        if self._documents is not None:  # the edited branch still has the documents it was asked about
            self._documents.copy_to(user, conv_id, new_id)
        return new_id

    def delete_from(self, user: str, conv_id: str, index: int) -> None:
        """Undo: shown message ``index`` and the messages after it are deleted."""
        self._history.delete_from(user, conv_id, index)

    def origin(self, user: str, conv: Conversation) -> tuple[str | None, int] | None:
        """Where a branch came from: (the earlier branch's title, or None once it was deleted; the index of the
        edited message); None for a conversation that is not a branch."""
        if conv.branched_at is None:
            return None
        if conv.branched_from is None:
            return None, conv.branched_at
        try:
            return self._history.get(user, conv.branched_from).title, conv.branched_at
        except ConversationNotFound:
            return None, conv.branched_at

    # -- the sidebar ---------------------------------------------------------------------------------
    def list(self, user: str, search: str = "") -> list[Summary]:
        return self._history.list(user, without_lone_surrogates(search or ""))

    def get(self, user: str, conv_id: str) -> Conversation:
        return self._history.get(user, conv_id)

    def rename(self, user: str, conv_id: str, title: str) -> None:
        self._history.rename(user, conv_id, without_lone_surrogates(title))

    def delete(self, user: str, conv_id: str) -> None:
        self._history.delete(user, conv_id)
        if self._documents is not None:
            self._documents.remove_conversation(user, conv_id)

    def export(self, user: str, conv_id: str) -> Export:
        conv = self._history.get(user, conv_id)
        stem = "".join(c if c.isalnum() or c in " -_" else "_" for c in conv.title)[:60].strip() or "conversation"
        origin = self.origin(user, conv)
        documents = self._exported_documents(user, conv_id)
        return Export(stem, to_markdown(conv, origin, documents),
                      json.dumps(to_json(conv, origin, documents), ensure_ascii=False, indent=2))

    def _exported_documents(self, user: str, conv_id: str) -> list[dict[str, Any]]:
        """The conversation's documents as the export carries them: name, type, and the text of each page."""
        if self._documents is None:
            return []
        out = []
        for info in self._documents.list(user, conv_id):
            doc = self._documents.document(user, info.id)
            out.append({"name": info.name, "kind": info.kind, "paged": info.paged, "sha256": info.sha256,
                        "size_bytes": info.size_bytes,
                        "pages": [{"number": p.number, "text": p.text} for p in doc.pages]})
        return out

    def import_file(self, user: str, data: bytes) -> Sequence[str]:
        """Import an exported file (one conversation or many), all or nothing; returns the new ids."""
        parsed = parse_import(data)
        ids = self._history.import_conversations(user, parsed)
        if self._documents is not None:
            for conv_id, conv in zip(ids, parsed):
                for doc in conv.get("documents") or []:
                    self._import_document(user, conv_id, doc)
        return ids

    def _import_document(self, user: str, conv_id: str, doc: dict[str, Any]) -> None:
        """An exported document back with its conversation (its text; the original file is not in the export)."""
        from .documents.chunking import split_into_chunks  # noqa: PLC0415
        from .documents.extract import ExtractedDocument, Page, clean_name  # noqa: PLC0415

        assert self._documents is not None
        document = ExtractedDocument(clean_name(doc["name"]), doc["kind"],
                                     tuple(Page(number, text) for number, text in doc["pages"]), doc["paged"])
        data = document.text.encode("utf-8")
        self._documents.add(user, conv_id, document, data, split_into_chunks(document))
