"""Editing an image: the source picture and mask read and checked, and the canvas each mode draws on.

Pure Pillow (and numpy), no torch. ``prepare_edit(request, family)`` turns what the user handed over (any
picture, a mask painted in the browser or an OpenAI-style transparent mask, a mode) into exactly what the
pipeline gets: the source at a size the model takes, the mask at the same size (white = repaint), the
strength, and for the upscaler whether it works in tiles. Every bad input raises ``InvalidInput`` with a
plain message before anything is queued.

Modes (``ImageRequest.mode``):
    text-to-image    no source
    image-to-image   the source redrawn at ``strength`` (0 keeps it, 1 ignores it)
    variation        image-to-image with the source's own prompt and new seeds (subtle / strong strength)
    inpaint          only the masked part is redrawn ("vary region"); the rest is pasted back unchanged
    outpaint         the canvas grows ("zoom out" 1.5x / 2x, or "pan" to one side) and the new part is filled
    upscale          2x: enlarged (Lanczos), then re-detailed by image-to-image, in tiles when memory is short
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InvalidInput

if TYPE_CHECKING:
    from .image_request import Family, ImageRequest

MODES = ("text-to-image", "image-to-image", "variation", "inpaint", "outpaint", "upscale")
EDIT_MODES = MODES[1:]
MASKED_MODES = ("inpaint", "outpaint")  # drawn by the inpainting pipeline
MODE_NAMES = {"text-to-image": "edit.mode.text_to_image", "image-to-image": "edit.mode.image_to_image",
              "variation": "edit.mode.variation", "inpaint": "edit.mode.inpaint", "outpaint": "edit.mode.outpaint",
              "upscale": "edit.mode.upscale"}  # catalog keys: what each mode is called on the page
OUTPAINT = {"1.5x": (0.25, 0.25, 0.25, 0.25), "2x": (0.5, 0.5, 0.5, 0.5),  # left, top, right, bottom
            "left": (0.5, 0, 0, 0), "right": (0, 0, 0.5, 0), "up": (0, 0.5, 0, 0), "down": (0, 0, 0, 0.5)}
# Strength when the user leaves it: how much of the source is redrawn.
DEFAULT_STRENGTH = {"image-to-image": 0.6, "variation": 0.6, "inpaint": 1.0, "outpaint": 1.0, "upscale": 0.35}
VARY_SUBTLE, VARY_STRONG = 0.35, 0.7  # Midjourney's "Vary (Subtle)" / "Vary (Strong)"
UPSCALE_FACTOR = 2
MAX_SOURCE_PIXELS = 64 * 1024 * 1024  # a picture larger than this is refused before it is decoded
MASK_BLUR = 4  # px: the seam between the kept and the redrawn part is blended over this width (as A1111)
TILE_OVERLAP = 64  # px shared by neighbouring tiles of the upscaler, blended


@dataclass(frozen=True)
class Tiles:
    """How the upscaler walks the enlarged image: square tiles of ``size`` px overlapping by ``overlap``."""

    size: int
    overlap: int

    def boxes(self, width: int, height: int) -> list[tuple[int, int, int, int]]:
        """The (left, top, right, bottom) of each tile, covering the image; the last ones flush with its edges."""
        def starts(total: int) -> list[int]:
            if total <= self.size:
                return [0]
            step = self.size - self.overlap
            out = list(range(0, total - self.size, step))
            return [*out, total - self.size]

        return [(x, y, min(x + self.size, width), min(y + self.size, height))
                for y in starts(height) for x in starts(width)]


def read_image(data: Any, field: str = "image") -> Any:
    """A picture from what the page or an API client handed over (bytes, a file path, a PIL image or a numpy
    array), as a PIL image (RGBA kept: its transparency can be the mask). Not a picture, or one too large:
    ``InvalidInput`` about ``field``."""
    from PIL import Image, UnidentifiedImageError

    if isinstance(data, Image.Image):
        image = data
    elif hasattr(data, "shape") and hasattr(data, "dtype"):  # numpy, as Gradio hands over
        image = Image.fromarray(data)
    else:
        try:
            source = io.BytesIO(data) if isinstance(data, bytes | bytearray) else Path(str(data))
            with Image.open(source) as opened:
                if opened.width * opened.height > MAX_SOURCE_PIXELS:
                    raise InvalidInput("error.edit.too_large", "hint.edit.smaller", width=opened.width,
                                       height=opened.height, max=MAX_SOURCE_PIXELS // 1_000_000).about(field)
                opened.load()
                image = opened.copy()
        except InvalidInput:
            raise
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
            raise InvalidInput("error.edit.not_an_image", "hint.edit.image_kinds", field=field,
                               error=type(exc).__name__).about(field) from None
    if image.width * image.height > MAX_SOURCE_PIXELS:
        raise InvalidInput("error.edit.too_large", "hint.edit.smaller", width=image.width, height=image.height,
                           max=MAX_SOURCE_PIXELS // 1_000_000).about(field)
    if image.mode in ("RGB", "RGBA"):
        return image
    # palette and grey pictures keep their transparency (a mask made by a PNG optimiser is one of those)
    see_through = "A" in image.getbands() or "transparency" in image.info
    return image.convert("RGBA" if see_through else "RGB")


def mask_from(data: Any, image: Any, transparent_edits: bool = False, field: str = "mask") -> Any:
    """The repaint mask as a black/white "L" image the size of ``image`` (white = redraw).

    The page's brush paints what to redraw (painted = white); OpenAI's API marks it by transparency
    (``transparent_edits``: fully transparent = redraw). Without a mask, an API image's own transparent
    pixels are the mask. A mask of another size, or one that marks nothing, is refused."""
    from PIL import Image

    if data is None:
        if transparent_edits and image.mode == "RGBA":
            data = image
        else:
            raise InvalidInput("error.edit.no_mask", "hint.edit.paint_mask").about(field)
    mask = data if isinstance(data, Image.Image) and data is image else read_image(data, field)
    if mask.size != image.size:
        raise InvalidInput("error.edit.mask_size", "hint.edit.mask_size", mask_width=mask.width,
                           mask_height=mask.height, width=image.width, height=image.height).about(field)
    if transparent_edits:
        alpha = mask.getchannel("A") if mask.mode == "RGBA" else None
        if alpha is None:
            raise InvalidInput("error.edit.mask_no_alpha", "hint.edit.mask_alpha").about(field)
        binary = alpha.point(lambda a: 255 if a == 0 else 0)
    elif mask.mode == "RGBA":  # painted strokes on a transparent layer
        binary = mask.getchannel("A").point(lambda a: 255 if a >= 128 else 0)
    else:
        binary = mask.convert("L").point(lambda v: 255 if v >= 128 else 0)
    if binary.getbbox() is None:
        raise InvalidInput("error.edit.empty_mask", "hint.edit.paint_mask").about(field)
    return binary


def source_hash(image: Any) -> str:
    """A short fingerprint of the source picture's pixels, saved with the result (A1111's 10 hex digits)."""
    rgb = image.convert("RGB")
    return hashlib.sha256(f"{rgb.width}x{rgb.height}".encode() + rgb.tobytes()).hexdigest()[:10]


def fitted_size(width: int, height: int, fam: Family, min_side: int) -> tuple[int, int]:
    """The nearest size the model takes: within its largest side (scaled down, keeping the shape), at least
    ``min_side``, each side a multiple of its step."""
    scale = min(1.0, fam.max_side / max(width, height))
    scale = max(scale, min_side / min(width, height)) if min(width, height) * scale < min_side else scale

    def side(v: int) -> int:
        return max(min_side, min(fam.max_side, int(v * scale) // fam.multiple * fam.multiple))

    return side(width), side(height)


def outpaint_canvas(image: Any, direction: str, fam: Family, min_side: int) -> tuple[Any, Any]:
    """The grown canvas and its mask: the source in its place, the new border filled by stretching the source's
    edge pixels (a start the model repaints; better than grey for a model without inpainting training)."""
    import numpy as np
    from PIL import Image

    left, top, right, bottom = OUTPAINT[direction]
    grow_w, grow_h = 1 + left + right, 1 + top + bottom
    # the source shrinks first when the grown canvas would be larger than the model takes
    w, h = fitted_size(round(image.width * grow_w), round(image.height * grow_h), fam, min_side)
    src_w, src_h = round(w / grow_w), round(h / grow_h)
    src = image.convert("RGB").resize((src_w, src_h), Image.Resampling.LANCZOS)
    x0, y0 = round(w * left / grow_w), round(h * top / grow_h)
    x0, y0 = min(x0, w - src_w), min(y0, h - src_h)
    pixels = np.asarray(src)
    padded = np.pad(pixels, ((y0, h - src_h - y0), (x0, w - src_w - x0), (0, 0)), mode="edge")
    mask = np.full((h, w), 255, dtype=np.uint8)
    inner = MASK_BLUR * 2  # the new part reaches a little into the source, so the seam is redrawn too
    mask[y0 + (inner if top else 0): y0 + src_h - (inner if bottom else 0),
         x0 + (inner if left else 0): x0 + src_w - (inner if right else 0)] = 0
    return Image.fromarray(padded), Image.fromarray(mask, "L")


def paste_back(result: Any, source: Any, mask: Any) -> Any:
    """Only the masked part of ``result`` over ``source``: the pixels outside the (slightly blurred) mask are
    the source's own, as they were."""
    from PIL import Image, ImageFilter

    soft = mask.filter(ImageFilter.GaussianBlur(MASK_BLUR)) if MASK_BLUR else mask
    soft = Image.composite(Image.new("L", mask.size, 255), soft, mask)  # the painted part itself fully redrawn
    return Image.composite(result.convert("RGB").resize(source.size), source.convert("RGB"), soft)


def upscale_tiles(width: int, height: int, fam: Family, fits_whole: bool) -> Tiles | None:
    """Tiles for an upscale of this (enlarged) size: None when the whole image is drawn at once, else squares of
    the model's native side (never wider than the image) overlapping by ``TILE_OVERLAP``."""
    if fits_whole:
        return None
    size = min(fam.size, width, height) // fam.multiple * fam.multiple
    return Tiles(size, min(TILE_OVERLAP, size // 4 // fam.multiple * fam.multiple))


def prepare_edit(req: ImageRequest, fam: Family, min_side: int, fits_whole: Any = None) -> ImageRequest:
    """``req`` as the pipeline draws it: the source (and mask) at a size the model takes, width and height set
    from it, the strength filled in; for the upscaler its tiles (``fits_whole(width, height)`` says whether
    the enlarged image can be drawn at once; None: yes)."""
    mode = req.mode
    image = read_image(req.image, "image")
    if image.width < 8 or image.height < 8:
        raise InvalidInput("error.edit.too_small", "hint.edit.bigger", width=image.width,
                           height=image.height).about("image")
    strength = DEFAULT_STRENGTH[mode] if req.strength is None else req.strength
    mask = None
    if mode == "inpaint":
        mask = mask_from(req.mask, image, req.transparent_mask)
    rgb = image.convert("RGB")
    digest = source_hash(rgb)
    tiles = None
    if mode == "outpaint":
        rgb, mask = outpaint_canvas(rgb, req.outpaint, fam, min_side)
        w, h = rgb.size
    elif mode == "upscale":
        w, h = rgb.width * UPSCALE_FACTOR, rgb.height * UPSCALE_FACTOR
        if max(w, h) > fam.max_side:
            raise InvalidInput("error.edit.upscale_too_big", "hint.edit.upscale_too_big", width=rgb.width,
                               height=rgb.height, up_width=w, up_height=h, family=fam.label,
                               max=fam.max_side).about("image")
        w, h = fitted_size(w, h, fam, min_side)
        tiles = upscale_tiles(w, h, fam, True if fits_whole is None else bool(fits_whole(w, h)))
    else:
        w, h = fitted_size(rgb.width, rgb.height, fam, min_side)
    if rgb.size != (w, h):
        from PIL import Image

        rgb = rgb.resize((w, h), Image.Resampling.LANCZOS)
        if mask is not None:
            mask = mask.resize((w, h), Image.Resampling.NEAREST)
    return replace(req, image=rgb, mask=mask, width=w, height=h, strength=float(strength), source_hash=digest,
                   tiles=tiles)
