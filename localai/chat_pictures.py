"""Pictures sent in chat, kept with the user's history: ``<data-dir>/chat_images/<user's folder>/<sha256>.<suffix>``,
named by their content (the same picture twice is kept once); the question stores their names in its meta."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

PICTURES_FOLDER = "chat_images"


def _user_folder(data_dir: Path, user: str) -> Path:
    return data_dir / PICTURES_FOLDER / hashlib.sha256(user.encode("utf-8")).hexdigest()[:16]


def save_pictures(data_dir: Path, user: str, pictures: Sequence[bytes]) -> list[str]:
    """Keep the pictures of a question with the user's history; returns their file names (content hashes)."""
    from .storage import writing_to  # noqa: PLC0415

    folder = _user_folder(data_dir, user)
    names = []
    with writing_to(folder):
        folder.mkdir(parents=True, exist_ok=True)
        for data in pictures:
            name = hashlib.sha256(data).hexdigest() + _suffix_of(data)
            if not (folder / name).exists():
                (folder / name).write_bytes(data)
            names.append(name)
    return names


def _suffix_of(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return ".png"
    if data[:3] == b"\xff\xd8\xff":
        return ".jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    if data[:3] == b"GIF":
        return ".gif"
    return ".img"


def saved_picture(data_dir: Path, user: str, name: str) -> Path | None:
    """A picture saved with the user's history, by the name stored beside the question (None: gone)."""
    if not re.fullmatch(r"[0-9a-f]{64}\.[a-z]{3,4}", name):
        return None
    path = _user_folder(data_dir, user) / name
    return path if path.is_file() else None
