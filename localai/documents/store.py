"""The documents attached to conversations, on the user's own disk: SQLite (WAL), like ``history``.

A document belongs to one user (``owner``: the login name, or "local" without a login) and one
conversation. Every method takes the owner and looks only at that owner's rows: another user's document
id is answered exactly as an unknown one (``DocumentNotFound``), so nothing tells that it exists.

Kept per document: its page texts (to put it in a prompt whole, or show a cited page), its chunks (for
retrieval) and, per chunk and embedding model, the chunk's vector (float32, L2-normalised) once it has been
computed, so a later question embeds only its own text. ``search`` ranks a conversation's chunks by cosine
similarity with numpy over those rows (``bench/retrieval.py`` measures it at 10,000 chunks).
The schema is versioned as history's is; ``MIGRATIONS[n]`` takes a database from version n to n+1.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import cast, TYPE_CHECKING

from ..errors import UserError
from ..storage import writing_to
from .chunking import Chunk
from .extract import ExtractedDocument, Page

if TYPE_CHECKING:
    import numpy as np

SCHEMA_V1 = """
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    pages INTEGER NOT NULL,
    paged INTEGER NOT NULL,
    chars INTEGER NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE INDEX documents_by_conversation ON documents(owner, conversation_id, created);
CREATE TABLE pages (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (document_id, number)
);
CREATE TABLE chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    page INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX chunks_by_document ON chunks(document_id, position);
CREATE TABLE vectors (
    chunk_id INTEGER NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    dims INTEGER NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (chunk_id, model)
);
"""
MIGRATIONS: dict[int, str] = {}
SCHEMA_VERSION = 1 + len(MIGRATIONS)

CHUNK_COLUMNS = ("c.id, c.document_id, d.name AS document_name, c.page, d.paged, c.position, c.text")


class DocumentNotFound(UserError):
    status = 404
    code = "document_not_found"


@dataclass(frozen=True)
class DocumentInfo:
    id: str
    owner: str
    conversation_id: str
    name: str
    kind: str  # as ExtractedDocument.kind
    pages: int  # pages of a PDF, parts of other formats
    paged: bool
    chars: int
    size_bytes: int  # the file as attached
    sha256: str  # of the file as attached
    created: float


@dataclass(frozen=True)
class StoredChunk:
    id: int
    document_id: str
    document_name: str
    page: int
    paged: bool
    index: int  # 0-based position in its document
    text: str


@dataclass(frozen=True)
class Hit:
    chunk: StoredChunk
    score: float  # cosine similarity with the query, higher is closer


def _info(row: sqlite3.Row) -> DocumentInfo:
    return DocumentInfo(id=row["id"], owner=row["owner"], conversation_id=row["conversation_id"], name=row["name"],
                        kind=row["kind"], pages=row["pages"], paged=bool(row["paged"]), chars=row["chars"],
                        size_bytes=row["size_bytes"], sha256=row["sha256"], created=row["created"])


def _chunk(row: sqlite3.Row) -> StoredChunk:
    return StoredChunk(id=row["id"], document_id=row["document_id"], document_name=row["document_name"],
                       page=row["page"], paged=bool(row["paged"]), index=row["position"], text=row["text"])


class DocumentStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()  # re-entered when the first use opens the database
        self._opening = threading.Lock()
        self._connection: sqlite3.Connection | None = None  # opened on first use: `--check` leaves no file behind

    @property
    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            with self._opening:
                if self._connection is None:
                    self._open()
        return cast(sqlite3.Connection, self._connection)

    def _open(self) -> None:
        with writing_to(self.path.parent):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
        self._connection = db
        try:
            self._migrate()
        except BaseException:
            self._connection = None
            db.close()
            raise

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """The database lock; a full disk or a read-only data folder becomes a plain ``UserError``."""
        with self._lock, writing_to(self.path.parent):
            yield

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write, whole or not at all (under the lock)."""
        with self._locked():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
                self._db.execute("COMMIT")
            except BaseException:
                try:
                    self._db.execute("ROLLBACK")
                except sqlite3.OperationalError:  # SQLite undid it already (a full disk does)
                    pass
                raise

    # -- schema ---------------------------------------------------------------------------------
    def _migrate(self) -> None:
        with self._transaction():
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                for statement in (s.strip() for s in SCHEMA_V1.split(";")):
                    if statement:
                        self._db.execute(statement)
                version = 1
            if version > SCHEMA_VERSION:
                raise UserError("error.history.newer_schema", "hint.history.update", path=self.path,
                                version=version)
            while version < SCHEMA_VERSION:
                for statement in (s.strip() for s in MIGRATIONS[version].split(";")):
                    if statement:
                        self._db.execute(statement)
                version += 1
            self._db.execute(f"PRAGMA user_version={int(version)}")

    def close(self) -> None:
        if self._connection is None:
            return
        with self._locked():
            self._db.close()

    def _owned(self, owner: str, document_id: str) -> sqlite3.Row:
        row = self._db.execute("SELECT * FROM documents WHERE id=? AND owner=?", (document_id, owner)).fetchone()
        if row is None:
            # Same answer for "does not exist" and "belongs to someone else": nothing leaks.
            raise DocumentNotFound("error.doc.not_found", "hint.doc.not_found")
        return row

    # -- documents --------------------------------------------------------------------------------
    def add(self, owner: str, conversation_id: str, doc: ExtractedDocument, data: bytes,
            chunks: Sequence[Chunk]) -> DocumentInfo:
        """Keep ``doc`` (its pages and ``chunks``, no vectors yet) with ``conversation_id``. The same file
        (same bytes) attached to the same conversation again: the document already kept."""
        sha256 = hashlib.sha256(data).hexdigest()
        with self._transaction():
            row = self._db.execute(
                "SELECT * FROM documents WHERE owner=? AND conversation_id=? AND sha256=? ORDER BY created LIMIT 1",
                (owner, conversation_id, sha256)).fetchone()
            if row is not None:
                return _info(row)
            document_id = uuid.uuid4().hex
            self._db.execute(
                "INSERT INTO documents(id, owner, conversation_id, name, kind, pages, paged, chars, size_bytes, "
                "sha256, created) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (document_id, owner, conversation_id, doc.name, doc.kind, len(doc.pages), int(doc.paged), doc.chars,
                 len(data), sha256, time.time()))
            self._db.executemany("INSERT INTO pages(document_id, number, text) VALUES (?,?,?)",
                                 [(document_id, page.number, page.text) for page in doc.pages])
            self._db.executemany("INSERT INTO chunks(document_id, position, page, text) VALUES (?,?,?,?)",
                                 [(document_id, chunk.index, chunk.page, chunk.text) for chunk in chunks])
            return _info(self._owned(owner, document_id))

    def list(self, owner: str, conversation_id: str) -> list[DocumentInfo]:
        """The documents of a conversation, oldest first."""
        with self._locked():
            rows = self._db.execute("SELECT * FROM documents WHERE owner=? AND conversation_id=? "
                                    "ORDER BY created, rowid", (owner, conversation_id)).fetchall()
        return [_info(row) for row in rows]

    def get(self, owner: str, document_id: str) -> DocumentInfo:
        with self._locked():
            return _info(self._owned(owner, document_id))

    def document(self, owner: str, document_id: str) -> ExtractedDocument:
        """The document's text back, page by page."""
        with self._locked():
            row = self._owned(owner, document_id)
            pages = self._db.execute("SELECT number, text FROM pages WHERE document_id=? ORDER BY number",
                                     (document_id,)).fetchall()
        return ExtractedDocument(name=row["name"], kind=row["kind"], pages=tuple(Page(p[0], p[1]) for p in pages),
                                 paged=bool(row["paged"]))

    def remove(self, owner: str, document_id: str) -> None:
        with self._transaction():
            self._owned(owner, document_id)
            self._db.execute("DELETE FROM documents WHERE id=? AND owner=?", (document_id, owner))

    def remove_conversation(self, owner: str, conversation_id: str) -> int:
        """Remove every document of a conversation; how many there were."""
        with self._transaction():
            return self._db.execute("DELETE FROM documents WHERE owner=? AND conversation_id=?",
                                    (owner, conversation_id)).rowcount

    def copy_to(self, owner: str, from_conversation: str, to_conversation: str) -> int:
        """Give ``to_conversation`` (e.g. a branch made by editing a message) the documents of
        ``from_conversation``, with their chunks and vectors; files it already has are skipped. How many
        were copied."""
        copied = 0
        with self._transaction():
            sources = self._db.execute("SELECT * FROM documents WHERE owner=? AND conversation_id=? "
                                       "ORDER BY created, rowid", (owner, from_conversation)).fetchall()
            for row in sources:
                if self._db.execute("SELECT 1 FROM documents WHERE owner=? AND conversation_id=? AND sha256=?",
                                    (owner, to_conversation, row["sha256"])).fetchone():
                    continue
                new_id = uuid.uuid4().hex
                self._db.execute(
                    "INSERT INTO documents(id, owner, conversation_id, name, kind, pages, paged, chars, size_bytes, "
                    "sha256, created) SELECT ?, owner, ?, name, kind, pages, paged, chars, size_bytes, sha256, "
                    "created FROM documents WHERE id=?", (new_id, to_conversation, row["id"]))
                self._db.execute("INSERT INTO pages(document_id, number, text) SELECT ?, number, text FROM pages "
                                 "WHERE document_id=?", (new_id, row["id"]))
                old_chunks = self._db.execute("SELECT id, position, page, text FROM chunks WHERE document_id=? "
                                              "ORDER BY position", (row["id"],)).fetchall()
                for old in old_chunks:
                    new_chunk = self._db.execute(
                        "INSERT INTO chunks(document_id, position, page, text) VALUES (?,?,?,?)",
                        (new_id, old["position"], old["page"], old["text"])).lastrowid
                    self._db.execute("INSERT INTO vectors(chunk_id, model, dims, vector) SELECT ?, model, dims, "
                                     "vector FROM vectors WHERE chunk_id=?", (new_chunk, old["id"]))
                copied += 1
        return copied

    def total_chars(self, owner: str, conversation_id: str) -> int:
        """The characters of text in all documents of a conversation."""
        with self._locked():
            return self._db.execute("SELECT coalesce(sum(chars), 0) FROM documents WHERE owner=? AND "
                                    "conversation_id=?", (owner, conversation_id)).fetchone()[0]

    # -- chunks and vectors -----------------------------------------------------------------------
    def chunks(self, owner: str, conversation_id: str) -> list[StoredChunk]:
        """The chunks of a conversation's documents: documents oldest first, each in reading order."""
        with self._locked():
            rows = self._db.execute(
                f"SELECT {CHUNK_COLUMNS} FROM chunks c JOIN documents d ON d.id = c.document_id "
                "WHERE d.owner=? AND d.conversation_id=? ORDER BY d.created, d.rowid, c.position",
                (owner, conversation_id)).fetchall()
        return [_chunk(row) for row in rows]

    def chunks_without_vectors(self, owner: str, conversation_id: str, model: str) -> list[StoredChunk]:
        """The chunks of a conversation that have no vector from ``model`` yet, in the order of ``chunks``."""
        with self._locked():
            rows = self._db.execute(
                f"SELECT {CHUNK_COLUMNS} FROM chunks c JOIN documents d ON d.id = c.document_id "
                "LEFT JOIN vectors v ON v.chunk_id = c.id AND v.model = ? "
                "WHERE d.owner=? AND d.conversation_id=? AND v.chunk_id IS NULL "
                "ORDER BY d.created, d.rowid, c.position", (model, owner, conversation_id)).fetchall()
        return [_chunk(row) for row in rows]

    def save_vectors(self, model: str, vectors: Sequence[tuple[int, np.ndarray]]) -> None:
        """Keep the vector ``model`` gave each chunk (by chunk id), as float32; a chunk removed meanwhile is
        skipped."""
        import numpy as np

        rows = []
        for chunk_id, vector in vectors:
            flat = np.asarray(vector, dtype=np.float32).reshape(-1)
            rows.append((int(chunk_id), model, int(flat.shape[0]), flat.tobytes()))
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors(chunk_id, model, dims, vector) SELECT ?, ?, ?, ? "
                "WHERE EXISTS (SELECT 1 FROM chunks WHERE id=?)", [(*row, row[0]) for row in rows])

    def search(self, owner: str, conversation_id: str, model: str, query: np.ndarray, k: int) -> list[Hit]:
        """The ``k`` chunks of a conversation closest to ``query`` (cosine similarity; vectors from ``model``),
        best first. Chunks without a vector from that model (or of another size) are not ranked."""
        import numpy as np

        q = np.asarray(query, dtype=np.float32).reshape(-1)
        norm = float(np.linalg.norm(q))
        if k <= 0 or norm == 0.0:
            return []
        q = q / norm
        with self._locked():
            rows = self._db.execute(
                "SELECT v.chunk_id, v.vector FROM vectors v JOIN chunks c ON c.id = v.chunk_id "
                "JOIN documents d ON d.id = c.document_id "
                "WHERE d.owner=? AND d.conversation_id=? AND v.model=? AND v.dims=?",
                (owner, conversation_id, model, int(q.shape[0]))).fetchall()
        if not rows:
            return []
        ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        matrix = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.float32).reshape(len(rows), -1)
        scores = matrix @ q
        k = min(k, len(rows))
        best = np.argpartition(-scores, k - 1)[:k] if k < len(rows) else np.arange(len(rows))
        best = best[np.argsort(-scores[best], kind="stable")]
        chosen = [int(ids[i]) for i in best]
        with self._locked():
            found = {row["id"]: _chunk(row) for row in self._db.execute(
                f"SELECT {CHUNK_COLUMNS} FROM chunks c JOIN documents d ON d.id = c.document_id "
                f"WHERE d.owner=? AND c.id IN ({','.join('?' * len(chosen))})", (owner, *chosen))}
        return [Hit(found[i], float(scores[j])) for i, j in zip(chosen, best) if i in found]
