"""Pictures in chat messages: the ``images`` key of a message, checked where it comes in.

A chat message is ``{"role": ..., "content": <text>, "images": [<bytes>, ...]}``: ``images`` (optional) holds
the picture files as uploaded (PNG, JPEG, WebP, GIF or BMP bytes), in the order the user attached them. They
are checked when the request comes in (``checked_images``: a real picture of a format Pillow reads safely,
within the limits below) and opened by the vision backend (``open_picture``, ``fit_picture``).

Pillow is imported inside the functions; nothing here touches torch.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .errors import InvalidInput
from .options import Limit

if TYPE_CHECKING:
    from PIL.Image import Image

IMAGES_KEY = "images"
# Pictures per message, per request (the conversation's earlier pictures are sent again), bytes per picture.
CHAT_IMAGES = Limit("error.vision.too_many_images", "hint.vision.fewer_images", 8)
CONVERSATION_IMAGES = Limit("error.vision.too_many_images_total", "hint.vision.new_conversation", 32)
IMAGE_MB = 20
IMAGE_BYTES = IMAGE_MB * 1024 * 1024
MAX_PIXELS = 50_000_000  # decoded size: more is a photo of ~8000 x 6000 px, or a decompression bomb
# Only these decoders run on what a user sends (Pillow would otherwise try every format it knows, EPS
# through Ghostscript included).
FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP")
MAX_SIDE = 1536  # longest side a picture is given to a model with, unless its processor takes less


def has_images(messages: Sequence[dict[str, Any]]) -> bool:
    """Whether any message carries a picture."""
    return any(message.get(IMAGES_KEY) for message in messages)


def count_images(messages: Sequence[dict[str, Any]]) -> int:
    return sum(len(message.get(IMAGES_KEY) or ()) for message in messages)


def checked_images(value: Any, where: str) -> list[bytes]:
    """``value`` (a message's ``images``) as a list of picture files, each checked (``check_picture``);
    ``InvalidInput`` about ``where`` when it is not a list of pictures."""
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise InvalidInput("error.vision.images_list", field=where).about(where)
    CHAT_IMAGES.check(len(value), where)
    pictures = []
    for i, data in enumerate(value):
        if isinstance(data, (bytearray, memoryview)):
            data = bytes(data)
        if not isinstance(data, bytes):
            raise InvalidInput("error.vision.images_list", field=f"{where}[{i}]").about(f"{where}[{i}]")
        check_picture(data, f"{where}[{i}]")
        pictures.append(data)
    return pictures


def check_picture(data: bytes, where: str) -> None:
    """``InvalidInput`` about ``where`` unless ``data`` is a picture file of a format in ``FORMATS``, within
    ``IMAGE_BYTES`` and ``MAX_PIXELS``. Reads the header and checks the file's structure; the pixels are
    decoded later, by the backend."""
    from PIL import Image, UnidentifiedImageError  # noqa: PLC0415

    if len(data) > IMAGE_BYTES:
        raise picture_too_big(where, len(data))
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as picture:
            width, height = picture.size
            if width * height > MAX_PIXELS:
                raise _too_many_pixels(where, width, height)
            picture.verify()
    except InvalidInput:
        raise
    except Image.DecompressionBombError:
        raise _too_many_pixels(where, 0, 0) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        # SyntaxError: Pillow's own way of saying "broken file" for some formats
        raise InvalidInput("error.vision.not_a_picture", "hint.vision.picture_formats", field=where,
                           error=type(exc).__name__).about(where) from None


def picture_too_big(where: str, size: int) -> InvalidInput:
    """The error for a picture file over ``IMAGE_BYTES`` (``size``: its bytes)."""
    return InvalidInput("error.vision.image_too_big", "hint.vision.smaller_file", field=where,
                        size=f"{size / 1024 / 1024:.1f}", max=IMAGE_MB).about(where)


def _too_many_pixels(where: str, width: int, height: int) -> InvalidInput:
    return InvalidInput("error.vision.too_many_pixels", "hint.vision.smaller_picture", field=where,
                        size=f"{width} x {height}" if width else "?", max=f"{MAX_PIXELS // 1_000_000}").about(where)


def open_picture(data: bytes, where: str = "image") -> Image:
    """A checked picture file decoded: turned upright by its EXIF orientation, in RGB (transparency over white)."""
    from PIL import Image, ImageOps, UnidentifiedImageError  # noqa: PLC0415

    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as raw:
            raw.load()
            picture = ImageOps.exif_transpose(raw) or raw
            picture = picture.copy() if picture is raw else picture
    except Image.DecompressionBombError:
        raise _too_many_pixels(where, 0, 0) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise InvalidInput("error.vision.not_a_picture", "hint.vision.picture_formats", field=where,
                           error=type(exc).__name__).about(where) from None
    if picture.mode in ("RGBA", "LA", "PA") or (picture.mode == "P" and "transparency" in picture.info):
        rgba = picture.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return picture.convert("RGB")


def fit_picture(picture: Image, max_side: int) -> tuple[Image, bool]:
    """``picture`` made smaller (same proportions) when its longest side is over ``max_side``; and whether it was."""
    from PIL import Image as PILImage  # noqa: PLC0415

    width, height = picture.size
    longest = max(width, height)
    if longest <= max_side:
        return picture, False
    scale = max_side / longest
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return picture.resize(size, PILImage.Resampling.LANCZOS), True
