"""Saved images and their generation parameters, in the PNG itself.

Each image is written to ``<outputs>/YYYY-MM-DD/NNNNN-<seed>.png`` with two text chunks:
``parameters`` in the AUTOMATIC1111 format that existing tools read (prompt, "Negative prompt:"
line, then "Steps: 25, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512, Model: ...")
and ``localai``: JSON with the model, its family and the load plan. ``read_png_info`` reads
either back. Pillow only; no torch.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .errors import InvalidInput

# AUTOMATIC1111's "key: value, key: "quoted, value"" pattern for the last line.
_PARAM = re.compile(r'\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)')
_SIZE = re.compile(r"^(\d+)x(\d+)$")


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


def day_folder(outputs_dir: Path, now: _dt.datetime | None = None) -> Path:
    return Path(outputs_dir) / (now or _dt.datetime.now()).strftime("%Y-%m-%d")


def save_png(image: Any, info: GenerationInfo, outputs_dir: Path, localai: dict[str, Any] | None = None) -> Path:
    """Write ``image`` (a PIL image) as ``<outputs>/YYYY-MM-DD/NNNNN-<seed>.png`` with its parameters."""
    from PIL.PngImagePlugin import PngInfo

    folder = day_folder(outputs_dir)
    folder.mkdir(parents=True, exist_ok=True)
    chunks = PngInfo()
    chunks.add_text("parameters", info.to_parameters())
    chunks.add_text("localai", json.dumps({"app": f"LocalAI {__version__}", "info": asdict(info), **(localai or {})},
                                          ensure_ascii=False, default=str))
    numbers = [int(p.name.split("-")[0]) for p in folder.glob("*.png") if p.name.split("-")[0].isdigit()]
    n = max(numbers, default=-1) + 1
    while True:
        path = folder / f"{n:05d}-{info.seed}.png"
        try:
            with path.open("xb") as f:  # never overwrite an earlier image
                image.save(f, format="PNG", pnginfo=chunks, compress_level=4)
            return path
        except FileExistsError:
            n += 1


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
    """The user's saved images, newest first (optionally of one day)."""
    root = Path(outputs_dir)
    if not root.is_dir():
        return []
    found = []
    for path in root.glob(f"{day or '[0-9]*'}/*.png"):
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
    target.unlink()
