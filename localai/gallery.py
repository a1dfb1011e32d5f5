"""Saved images and their generation parameters, in the PNG itself.

Each image is written to ``<outputs>/<user>/YYYY-MM-DD/<random token>-<seed>.png`` (the user's own
folder; a name nobody can guess, no shared counter) with two text chunks:
``parameters`` in the AUTOMATIC1111 format that existing tools read (prompt, "Negative prompt:"
line, then "Steps: 25, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512, Model: ...")
and ``localai``: JSON with the model, its family and the load plan. ``read_png_info`` reads
either back. Images saved before per-user folders (``<outputs>/YYYY-MM-DD/NNNNN-<seed>.png``) are
still listed for the user their chunk names ("local" when none). Pillow only; no torch.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .errors import InvalidInput
from .storage import write_atomically, writing_to

# AUTOMATIC1111's "key: value, key: "quoted, value"" pattern for the last line.
_PARAM = re.compile(r'\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)')
_SIZE = re.compile(r"^(\d+)x(\d+)$")
_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")  # a user folder never looks like a day folder of the old layout
_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))})
TOKEN_BYTES = 12  # 96 random bits in each file name


@dataclass(frozen=True)
class GenerationInfo:
    """What made an image: enough to make it again."""

    prompt: str
    negative_prompt: str = ""
    steps: int = 0
    sampler: str = ""
    cfg_scale: float = 0.0
    seed: int = 0
    width: int = 0
    height: int = 0
    model: str = ""
    extra: dict[str, str] = field(default_factory=dict)  # other A1111 fields, kept as text

    def to_parameters(self) -> str:
        """The A1111 "parameters" text."""
        fields = {"Steps": self.steps, "Sampler": self.sampler, "CFG scale": f"{self.cfg_scale:g}",
                  "Seed": self.seed, "Size": f"{self.width}x{self.height}", "Model": self.model,
                  **self.extra}
        if "Version" not in fields:
            fields["Version"] = f"LocalAI {__version__}"
        last = ", ".join(f"{k}: {_quote(v)}" for k, v in fields.items() if v not in ("", None))
        lines = [self.prompt]
        if self.negative_prompt:
            lines.append(f"Negative prompt: {self.negative_prompt}")
        lines.append(last)
        return "\n".join(lines)

    @classmethod
    def from_parameters(cls, text: str) -> GenerationInfo:
        """Parse A1111 "parameters" text (also older and newer A1111 variants)."""
        lines = (text or "").strip().split("\n")
        *head, last = lines
        if len(_PARAM.findall(last)) < 3:  # no settings line: all of it is prompt
            head, last = lines, ""
        prompt, negative, in_negative = [], [], False
        for line in head:
            line = line.strip()
            if line.startswith("Negative prompt:"):
                in_negative, line = True, line[len("Negative prompt:"):].strip()
            (negative if in_negative else prompt).append(line)
        fields: dict[str, str] = {}
        for key, value in _PARAM.findall(last):
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                try:
                    value = json.loads(value)
                except ValueError:
                    value = value[1:-1]
            fields[key.strip()] = value
        size = _SIZE.match(fields.pop("Size", ""))
        sampler = fields.pop("Sampler", "")
        schedule = fields.pop("Schedule type", "")
        if schedule and schedule not in ("Automatic",) and not sampler.endswith(schedule):
            sampler = f"{sampler} {schedule}"  # A1111 1.8+: "Sampler: DPM++ 2M, Schedule type: Karras"
        return cls(
            prompt="\n".join(prompt), negative_prompt="\n".join(negative),
            steps=_int(fields.pop("Steps", "0")), sampler=sampler, cfg_scale=_float(fields.pop("CFG scale", "0")),
            seed=_int(fields.pop("Seed", "0")), width=int(size.group(1)) if size else 0,
            height=int(size.group(2)) if size else 0, model=fields.pop("Model", ""), extra=fields)


def _quote(value: Any) -> str:
    text = str(value)
    return json.dumps(text, ensure_ascii=False) if any(c in text for c in ',:\n"') else text


def _int(text: str) -> int:
    try:
        return int(float(text))
    except ValueError:
        return 0


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def user_folder(outputs_dir: Path, user: str) -> Path:
    """The user's own folder of saved images: their login name when it is a plain file name, else a
    name made from its hash (names with slashes, dots or other letters, Windows' reserved names)."""
    plain = _PLAIN_NAME.fullmatch(user) and user.lower() not in _RESERVED and not _DAY.fullmatch(user)
    name = user if plain else "user-" + hashlib.sha256(user.encode("utf-8")).hexdigest()[:16]
    return Path(outputs_dir) / name


def day_folder(outputs_dir: Path, user: str = "local", now: _dt.datetime | None = None) -> Path:
    return user_folder(outputs_dir, user) / (now or _dt.datetime.now()).strftime("%Y-%m-%d")


def save_png(image: Any, info: GenerationInfo, outputs_dir: Path, localai: dict[str, Any] | None = None,
             user: str | None = None) -> Path:
    """Write ``image`` (a PIL image) as ``<outputs>/<user>/YYYY-MM-DD/<token>-<seed>.png`` with its parameters.
    ``user`` (else ``localai["user"]``, else "local") owns it. Written whole or not at all: a full disk or a
    read-only folder raises a plain ``UserError`` and leaves no partial PNG."""
    from PIL.PngImagePlugin import PngInfo

    owner = user or str((localai or {}).get("user") or "local")
    chunks = PngInfo()
    chunks.add_text("parameters", info.to_parameters())
    chunks.add_text("localai", json.dumps({"app": f"LocalAI {__version__}", "info": asdict(info),
                                           **(localai or {}), "user": owner}, ensure_ascii=False, default=str))
    path = day_folder(outputs_dir, owner) / f"{secrets.token_urlsafe(TOKEN_BYTES)}-{info.seed}.png"
    return write_atomically(path, lambda f: image.save(f, format="PNG", pnginfo=chunks, compress_level=4))


@dataclass(frozen=True)
class PngMetadata:
    parameters: str  # the raw A1111 text ("" if none)
    info: GenerationInfo | None
    localai: dict[str, Any]  # our own chunk ({} if the image was not made here)


def read_png_info(path: str | Path) -> PngMetadata:
    """Read the generation parameters back from a PNG (ours, AUTOMATIC1111's, or a tool's that uses its format)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            text = {**getattr(im, "text", {}), **{k: v for k, v in im.info.items() if isinstance(v, str)}}
    except (UnidentifiedImageError, OSError) as exc:
        raise InvalidInput("error.gallery.unreadable", "hint.gallery.drop_png", error=exc) from None
    parameters = text.get("parameters", "")
    try:
        ours = json.loads(text["localai"]) if "localai" in text else {}
    except ValueError:
        ours = {}
    info = None
    if isinstance(ours.get("info"), dict):
        try:
            info = GenerationInfo(**ours["info"])
        except TypeError:
            info = None
    if info is None and parameters:
        info = GenerationInfo.from_parameters(parameters)
    return PngMetadata(parameters, info, ours)


# --- the Gallery view: past images of one user ------------------------------------------------------

@dataclass(frozen=True)
class SavedImage:
    path: Path
    day: str  # YYYY-MM-DD (its folder)
    meta: PngMetadata


def image_user(meta: PngMetadata) -> str:
    """Who made an image: our chunk's "user"; images from before logins (or other tools) are "local"."""
    return str(meta.localai.get("user") or "local")


def list_saved(outputs_dir: Path, user: str, day: str = "") -> list[SavedImage]:
    """The user's saved images, newest first (optionally of one day): their own folder, and the images of
    the old shared layout whose chunk names them."""
    root = Path(outputs_dir)
    if not root.is_dir():
        return []
    pattern = f"{day or '[0-9]*'}/*.png"
    found = []
    for path in [*user_folder(root, user).glob(pattern), *root.glob(pattern)]:
        try:
            meta = read_png_info(path)
        except InvalidInput:
            continue
        if image_user(meta) == user:
            found.append(SavedImage(path, path.parent.name, meta))
    return sorted(found, key=lambda s: (s.day, s.path.stat().st_mtime, s.path.name), reverse=True)


def delete_saved(outputs_dir: Path, user: str, path: str | Path) -> None:
    """Delete one of the user's saved images; anything else (outside the folder, someone else's) is refused."""
    root = Path(outputs_dir).resolve()
    target = Path(path).resolve()
    if root not in target.parents or target.suffix.lower() != ".png" or not target.is_file():
        raise InvalidInput("error.gallery.outside", "hint.gallery.pick")
    if image_user(read_png_info(target)) != user:
        raise InvalidInput("error.gallery.not_yours", "hint.gallery.pick_yours")
    with writing_to(target.parent):
        target.unlink()
