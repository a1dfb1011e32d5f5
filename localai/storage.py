"""Writing the user's files: whole or not at all, and a plain message when the disk says no.

``write_atomically`` writes to a temporary name in the target's own folder, syncs, then renames it
into place (``os.replace``), so a full disk or a crash never leaves a partial file under the real
name. ``storage_error`` turns what the system says (a full disk, a read-only folder, SQLite's
"database or disk is full") into a ``UserError`` that names the folder and what to do; the HTTP
API answers it with 507 (full) or 503 (not writable).
"""

from __future__ import annotations

import errno
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from .errors import UserError

FULL_ERRNOS = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})
SQLITE_FULL = ("disk is full", "database or disk is full")
SQLITE_UNWRITABLE = ("readonly database", "read-only", "unable to open database", "disk i/o error")


class StorageFull(UserError):
    """The disk of a folder LocalAI writes to is full."""

    status = 507
    code = "insufficient_storage"


class StorageUnwritable(UserError):
    """A folder LocalAI writes to is read-only or otherwise refuses writes."""

    status = 503
    code = "storage_unwritable"


def storage_error(exc: BaseException, folder: Path) -> UserError | None:
    """The plain error for a failed write under ``folder``; None when ``exc`` is not about the disk."""
    if isinstance(exc, sqlite3.Error):
        said = str(exc).lower()
        if any(s in said for s in SQLITE_FULL):
            return StorageFull("error.storage.full", "hint.storage.full", path=folder)
        if any(s in said for s in SQLITE_UNWRITABLE):
            return StorageUnwritable("error.storage.unwritable", "hint.storage.unwritable", path=folder,
                                     error=str(exc))
        return None
    if isinstance(exc, OSError):
        if exc.errno in FULL_ERRNOS:
            return StorageFull("error.storage.full", "hint.storage.full", path=folder)
        return StorageUnwritable("error.storage.unwritable", "hint.storage.unwritable", path=folder,
                                 error=exc.strerror or type(exc).__name__)
    return None


@contextmanager
def writing_to(folder: Path) -> Iterator[None]:
    """Turn a failed write under ``folder`` (``OSError``, ``sqlite3.Error``) into its plain ``UserError``."""
    try:
        yield
    except (OSError, sqlite3.Error) as exc:
        plain = storage_error(exc, Path(folder))
        if plain is None:
            raise
        raise plain from exc


def write_atomically(path: Path, write: Callable[[IO[bytes]], None]) -> Path:
    """Write ``path`` through ``write(file)``: to a temporary name in the same folder, synced, then renamed
    into place. On any failure the temporary file is removed and nothing is left under ``path``."""
    path = Path(path)
    with writing_to(path.parent):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                write(f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return path
