"""The users' own chat presets, in one small JSON file under --data-dir (``presets.json``).

Each preset belongs to one user (the login name, or "local" without logins); every call names the
user, and nobody lists, replaces or deletes another user's presets. The file is read once, kept in
memory and rewritten atomically on every change (``storage.write_atomically``): a crash or a full
disk never leaves half a file, and a failed write changes nothing, on disk or in memory.

A file that cannot be read as presets is never overwritten silently: it is moved aside (a damaged
file) or copied aside (some presets in it are unreadable and left out), and ``notice`` says where,
for the page to tell the user. When even that fails, saving is refused until the file is fixed.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from pathlib import Path
from typing import Any

from .errors import InvalidInput, UserError
from .messages import Message
from .presets import MAX_PRESETS, Preset, PresetExists, PresetNotFound, checked_preset, clean_name
from .storage import write_atomically

log = logging.getLogger(__name__)

FILE_NAME = "presets.json"
VERSION = 1


class PresetsUnreadable(UserError):
    status = 503
    code = "presets_unreadable"


class PresetStore:
    """The presets file of one data folder."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._users: dict[str, list[Preset]] | None = None  # None: not read yet
        self._notice: Message | None = None
        self._blocked: UserError | None = None  # a damaged file that could not be set aside: no writes

    @property
    def notice(self) -> Message | None:
        with self._lock:
            self._load()
            return self._notice

    def list(self, user: str) -> list[Preset]:
        """The user's own presets, by name."""
        with self._lock:
            return list(self._load().get(user, []))

    def save(self, user: str, preset: Preset, replace: bool = False) -> Preset:
        """Add the user's (already checked) preset, or replace the one of the same name (case aside) when
        ``replace``; ``PresetExists`` otherwise. At most ``MAX_PRESETS`` per user."""
        with self._lock:
            users = self._load()
            mine = list(users.get(user, []))
            same = _index(mine, preset.name)
            if same is not None and not replace:
                raise PresetExists("error.preset.exists", "hint.preset.exists", name=mine[same].name)
            if same is None and len(mine) >= MAX_PRESETS:
                raise InvalidInput("error.preset.too_many", "hint.preset.delete_some", max=MAX_PRESETS)
            if same is None:
                mine.append(preset)
            else:
                mine[same] = preset
            self._write({**users, user: _by_name(mine)})
        log.info("preset %r of %s saved", preset.name, user)
        return preset

    def delete(self, user: str, name: str) -> Preset:
        """Delete the user's own preset ``name`` (case aside); ``PresetNotFound`` when they have none of that name."""
        with self._lock:
            users = self._load()
            mine = list(users.get(user, []))
            same = _index(mine, name)
            if same is None:
                raise PresetNotFound("error.preset.not_found", "hint.preset.pick", name=clean_name(name))
            gone = mine.pop(same)
            rest = {k: v for k, v in users.items() if k != user}
            self._write({**rest, user: mine} if mine else rest)
        log.info("preset %r of %s deleted", gone.name, user)
        return gone

    # -- the file --------------------------------------------------------------------------------------
    def _write(self, users: dict[str, list[Preset]]) -> None:
        """Write the file, then (only once it is written) keep ``users`` as the presets."""
        if self._blocked is not None:
            raise self._blocked
        data = {"version": VERSION, "users": {user: [p.record() for p in presets]
                                              for user, presets in sorted(users.items())}}
        body = (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        write_atomically(self.path, lambda f: f.write(body))  # a full disk or read-only folder: a plain UserError
        self._users = users

    def _load(self) -> dict[str, list[Preset]]:
        if self._users is not None:
            return self._users
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            self._users = {}
            return self._users
        except OSError as exc:  # a folder of that name, no permission: the next call tries again
            raise PresetsUnreadable("error.preset.unreadable", "hint.preset.unreadable", path=self.path,
                                    error=exc.strerror or type(exc).__name__) from exc
        try:
            data = json.loads(raw.decode("utf-8"))
            entries = data["users"]
            if not isinstance(entries, dict):
                raise TypeError("users is not an object")
        except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            log.warning("the presets file %s is damaged (%s)", self.path, exc)
            self._users = {}
            self._set_aside(move=True, why="preset.file_damaged")
            return self._users
        users, skipped = _read_users(entries)
        self._users = users
        if skipped:
            log.warning("%d presets in %s could not be read and are left out", skipped, self.path)
            self._set_aside(move=False, why="preset.entries_skipped", count=skipped)
        return users

    def _set_aside(self, move: bool, why: str, **params: Any) -> None:
        """Keep the file as it was under a new name (moved, or copied), and say so in ``notice``."""
        backup = self.path.with_name(f"{self.path.name}.bad-{time.strftime('%Y%m%d-%H%M%S')}")
        n = 1
        while backup.exists():
            n += 1
            backup = backup.with_name(f"{self.path.name}.bad-{time.strftime('%Y%m%d-%H%M%S')}-{n}")
        try:
            if move:
                os.replace(self.path, backup)
            else:
                shutil.copy2(self.path, backup)
        except OSError as exc:
            error = exc.strerror or type(exc).__name__
            log.warning("could not keep %s as %s (%s): saving presets is off", self.path, backup, error)
            self._blocked = PresetsUnreadable("error.preset.file_kept", "hint.preset.file_kept", path=self.path)
            self._notice = Message("preset.file_not_set_aside", path=self.path, error=error)
            return
        log.warning("the presets file %s was kept as %s", self.path, backup)
        self._notice = Message(why, path=self.path, backup=backup, **params)


def _read_users(entries: dict[Any, Any]) -> tuple[dict[str, list[Preset]], int]:
    """The presets found in the file's "users" object (each checked as a new one is), and how many were not."""
    users: dict[str, list[Preset]] = {}
    skipped = 0
    for user, presets in entries.items():
        if not isinstance(presets, list):
            skipped += 1
            continue
        mine: list[Preset] = []
        for entry in presets:
            try:
                preset = checked_preset(entry["name"], entry.get("system"), entry)
            except (InvalidInput, KeyError, TypeError, AttributeError):
                skipped += 1
                continue
            if _index(mine, preset.name) is not None or len(mine) >= MAX_PRESETS:
                skipped += 1
                continue
            mine.append(preset)
        if mine:
            users[str(user)] = _by_name(mine)
    return users, skipped


def _index(presets: list[Preset], name: str) -> int | None:
    folded = clean_name(name).casefold()
    return next((i for i, p in enumerate(presets) if p.name.casefold() == folded), None)


def _by_name(presets: list[Preset]) -> list[Preset]:
    return sorted(presets, key=lambda p: p.name.casefold())
