"""Conversations kept on the user's own disk: SQLite (WAL), one row per message.

Every message is written (and committed) as soon as it completes, so a crash or a kill
loses at most the answer being written. Each conversation belongs to one user (the login
name, or "local" without a login); asking for another user's conversation is refused.
The schema is versioned; ``MIGRATIONS[n]`` takes a database from version n to n+1.

Editing a sent message branches the conversation, and both branches stay: the conversation as it was
is left untouched, and the edit starts a new conversation ("<title> (edited)") holding the messages
before the edited one, then the edited message and its new answer. The new one records where it
came from (``branched_from``: the conversation, ``branched_at``: the index of the edited message
among the shown messages), so the earlier branch is one click away in the sidebar, as any
conversation is, and searching, exporting and deleting treat each branch as a conversation of its
own. (Deleting the earlier branch keeps the edited one; its ``branched_from`` becomes NULL.)
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InvalidInput, UserError
from .storage import writing_to

DEFAULT_TITLE = "New chat"
TITLE_CHARS = 60

SCHEMA_V1 = """
CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    title TEXT NOT NULL,
    model TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    created REAL NOT NULL
);
"""

# Version 2: sampling settings per conversation, metadata (load plan, tokens, speed) per message,
# and indexes for the sidebar's "newest first" and for opening a conversation.
MIGRATIONS: dict[int, str] = {
    1: """
ALTER TABLE conversations ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
ALTER TABLE messages ADD COLUMN meta TEXT NOT NULL DEFAULT '{}';
CREATE INDEX conversations_by_owner ON conversations(owner, updated DESC);
CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
""",
    # Version 3: a conversation made by editing a message of another records which one and where.
    2: """
ALTER TABLE conversations ADD COLUMN branched_from TEXT REFERENCES conversations(id) ON DELETE SET NULL;
ALTER TABLE conversations ADD COLUMN branched_at INTEGER;
""",
}
SCHEMA_VERSION = 1 + len(MIGRATIONS)


class ConversationNotFound(UserError):
    status = 404
    code = "conversation_not_found"


@dataclass(frozen=True)
class Summary:
    id: str
    title: str
    model: str
    updated: float


@dataclass(frozen=True)
class Conversation:
    id: str
    owner: str
    title: str
    model: str
    settings: dict[str, Any]
    created: float
    updated: float
    messages: list[dict[str, Any]] = field(default_factory=list)  # role, content, created, meta
    branched_from: str | None = None  # the conversation this one was edited from (None: not a branch)
    branched_at: int | None = None  # the index of the edited message among the shown ones


SHOWN_ROLES = ("user", "assistant")  # the messages the page shows; a system message is not one of them


def _title_from(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1].rstrip() + "…"


class History:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        with writing_to(path.parent):
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    def _rollback(self) -> None:
        """Undo the open transaction; SQLite may have undone it already (a full disk does), which is fine."""
        try:
            self._db.execute("ROLLBACK")
        except sqlite3.OperationalError:
            pass

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """The database lock; a full disk or a read-only data folder becomes a plain ``UserError`` (507/503)
        naming the folder, never "OperationalError"."""
        with self._lock, writing_to(self.path.parent):
            yield

    # -- schema ---------------------------------------------------------------------------------
    def _migrate(self) -> None:
        with self._locked():
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                has_tables = self._db.execute(
                    "SELECT count(*) FROM sqlite_master WHERE name='conversations'").fetchone()[0]
                if not has_tables:
                    self._script(SCHEMA_V1, 1)
                version = 1
            if version > SCHEMA_VERSION:
                raise UserError("error.history.newer_schema", "hint.history.update", path=self.path,
                                version=version)
            while version < SCHEMA_VERSION:
                self._script(MIGRATIONS[version], version + 1)
                version += 1

    def _script(self, sql: str, new_version: int) -> None:
        statements = [s.strip() for s in sql.split(";") if s.strip()]
        self._db.execute("BEGIN IMMEDIATE")
        try:
            for statement in statements:
                self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version={int(new_version)}")
            self._db.execute("COMMIT")
        except Exception:
            self._rollback()
            raise

    def schema_version(self) -> int:
        with self._locked():
            return self._db.execute("PRAGMA user_version").fetchone()[0]

    def close(self) -> None:
        with self._locked():
            self._db.close()

    # -- conversations --------------------------------------------------------------------------
    def create(self, owner: str, title: str = DEFAULT_TITLE, model: str = "",
               settings: dict[str, Any] | None = None, created: float | None = None) -> str:
        conv_id = uuid.uuid4().hex
        now = created or time.time()
        with self._locked():
            self._db.execute(
                "INSERT INTO conversations(id, owner, title, model, settings, created, updated) VALUES (?,?,?,?,?,?,?)",
                (conv_id, owner, title.strip() or DEFAULT_TITLE, model, json.dumps(settings or {}), now, now))
        return conv_id

    def _owned(self, owner: str, conv_id: str) -> sqlite3.Row:
        row = self._db.execute("SELECT * FROM conversations WHERE id=?", (conv_id,)).fetchone()
        if row is None or row["owner"] != owner:
            # Same answer for "does not exist" and "belongs to someone else": nothing leaks.
            raise ConversationNotFound("error.history.not_found", "hint.history.pick")
        return row

    def list(self, owner: str, search: str = "") -> list[Summary]:
        """The user's conversations, newest first; ``search`` matches titles and message text."""
        query = "SELECT id, title, model, updated FROM conversations WHERE owner=?"
        args: list[Any] = [owner]
        if search.strip():
            like = "%" + search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query += (" AND (title LIKE ? ESCAPE '\\' OR id IN (SELECT conversation_id FROM messages "
                      "WHERE content LIKE ? ESCAPE '\\'))")
            args += [like, like]
        with self._locked():
            rows = self._db.execute(query + " ORDER BY updated DESC, rowid DESC", args).fetchall()
        return [Summary(r["id"], r["title"], r["model"], r["updated"]) for r in rows]

    def get(self, owner: str, conv_id: str) -> Conversation:
        with self._locked():
            row = self._owned(owner, conv_id)
            msgs = self._db.execute("SELECT role, content, created, meta FROM messages WHERE conversation_id=? "
                                    "ORDER BY id", (conv_id,)).fetchall()
        return Conversation(row["id"], row["owner"], row["title"], row["model"], json.loads(row["settings"]),
                            row["created"], row["updated"],
                            [{"role": m["role"], "content": m["content"], "created": m["created"],
                              "meta": json.loads(m["meta"])} for m in msgs],
                            row["branched_from"], row["branched_at"])

    def _shown_ids(self, conv_id: str) -> list[int]:
        """The ids of the messages the page shows, in order: index i on the page is the i-th of them."""
        rows = self._db.execute("SELECT id FROM messages WHERE conversation_id=? AND role IN ('user', 'assistant') "
                                "ORDER BY id", (conv_id,)).fetchall()
        return [r["id"] for r in rows]

    def _shown_id(self, conv_id: str, index: int) -> int:
        ids = self._shown_ids(conv_id)
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(ids):
            raise InvalidInput("error.history.no_such_message", "hint.history.reopen", index=index)
        return ids[index]

    def branch(self, owner: str, conv_id: str, index: int, title: str) -> str:
        """A new conversation with the messages before shown message ``index`` of ``conv_id`` (copied with their
        metadata), titled ``title``, recording where it branched; ``conv_id`` itself is left as it is."""
        new_id = uuid.uuid4().hex
        now = time.time()
        with self._locked():
            row = self._owned(owner, conv_id)
            cut = self._shown_id(conv_id, index)
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    "INSERT INTO conversations(id, owner, title, model, settings, created, updated, branched_from, "
                    "branched_at) VALUES (?,?,?,?,?,?,?,?,?)",
                    (new_id, owner, " ".join(title.split())[:200] or DEFAULT_TITLE, row["model"], row["settings"],
                     now, now, conv_id, index))
                self._db.execute(
                    "INSERT INTO messages(conversation_id, role, content, created, meta) SELECT ?, role, content, "
                    "created, meta FROM messages WHERE conversation_id=? AND id<? ORDER BY id", (new_id, conv_id, cut))
                self._db.execute("COMMIT")
            except Exception:
                self._rollback()
                raise
        return new_id

    def delete_from(self, owner: str, conv_id: str, index: int) -> None:
        """Delete shown message ``index`` and everything after it (the page's undo of the last exchange)."""
        with self._locked():
            self._owned(owner, conv_id)
            cut = self._shown_id(conv_id, index)
            self._db.execute("DELETE FROM messages WHERE conversation_id=? AND id>=?", (conv_id, cut))
            self._db.execute("UPDATE conversations SET updated=? WHERE id=?", (time.time(), conv_id))

    def add_message(self, owner: str, conv_id: str, role: str, content: str,
                    meta: dict[str, Any] | None = None, created: float | None = None) -> None:
        """Store one completed message (committed at once). The first user message names the conversation."""
        if role not in ("system", "user", "assistant"):
            raise InvalidInput("error.chat.unknown_role", "hint.chat.roles", role=role)
        now = created or time.time()
        with self._locked():
            row = self._owned(owner, conv_id)
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("INSERT INTO messages(conversation_id, role, content, created, meta) VALUES (?,?,?,?,?)",
                                 (conv_id, role, content, now, json.dumps(meta or {})))
                title = row["title"]
                if role == "user" and title == DEFAULT_TITLE and content.strip():
                    title = _title_from(content)
                self._db.execute("UPDATE conversations SET updated=?, title=? WHERE id=?",
                                 (max(now, row["updated"]), title, conv_id))
                self._db.execute("COMMIT")
            except Exception:
                self._rollback()
                raise

    def truncate_after_last_user(self, owner: str, conv_id: str) -> None:
        """Drop the answers after the last user message (for Regenerate)."""
        with self._locked():
            self._owned(owner, conv_id)
            last = self._db.execute("SELECT max(id) FROM messages WHERE conversation_id=? AND role='user'",
                                    (conv_id,)).fetchone()[0]
            if last is not None:
                self._db.execute("DELETE FROM messages WHERE conversation_id=? AND id>?", (conv_id, last))

    def rename(self, owner: str, conv_id: str, title: str) -> None:
        title = " ".join((title or "").split())
        if not title:
            raise InvalidInput("error.history.no_title", "hint.history.type_title")
        with self._locked():
            self._owned(owner, conv_id)
            self._db.execute("UPDATE conversations SET title=? WHERE id=?", (title[:200], conv_id))

    def set_settings(self, owner: str, conv_id: str, model: str, settings: dict[str, Any]) -> None:
        with self._locked():
            self._owned(owner, conv_id)
            self._db.execute("UPDATE conversations SET model=?, settings=? WHERE id=?",
                             (model, json.dumps(settings), conv_id))

    def delete(self, owner: str, conv_id: str) -> None:
        with self._locked():
            self._owned(owner, conv_id)
            self._db.execute("DELETE FROM conversations WHERE id=?", (conv_id,))

    def check_integrity(self) -> bool:
        with self._locked():
            return self._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    # -- import (all or nothing) -------------------------------------------------------------------
    def import_conversations(self, owner: str, conversations: Sequence[dict[str, Any]]) -> list[str]:
        """Store already-parsed conversations ({title, model, settings, created, messages}) in one transaction."""
        ids = []
        with self._locked():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for conv in conversations:
                    conv_id = uuid.uuid4().hex
                    created = float(conv.get("created") or time.time())
                    msgs = conv["messages"]
                    updated = max([created] + [float(m.get("created") or created) for m in msgs])
                    self._db.execute(
                        "INSERT INTO conversations(id, owner, title, model, settings, created, updated) "
                        "VALUES (?,?,?,?,?,?,?)",
                        (conv_id, owner, conv.get("title") or DEFAULT_TITLE, conv.get("model") or "",
                         json.dumps(conv.get("settings") or {}), created, updated))
                    for m in msgs:
                        self._db.execute(
                            "INSERT INTO messages(conversation_id, role, content, created, meta) VALUES (?,?,?,?,?)",
                            (conv_id, m["role"], m["content"], float(m.get("created") or created),
                             json.dumps(m.get("meta") or {})))
                    ids.append(conv_id)
                self._db.execute("COMMIT")
            except Exception:
                self._rollback()
                raise
        return ids
