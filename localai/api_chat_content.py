"""A chat message's ``content`` as the OpenAI API sends it: a string, or a list of parts.

Parts taken: ``{"type": "text", "text": ...}`` and ``{"type": "image_url", "image_url": {"url": ..., "detail": ...}}``
(Chat Completions), and ``{"type": "input_text", "text": ...}`` / ``{"type": "input_image", "image_url": ...}``
(the Responses API's spelling). A picture must come inside the request as a base64 ``data:`` URL: LocalAI
fetches nothing from the network, so an ``http(s)`` URL is refused with a 400 that says how to send it.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from .chat_images import IMAGE_BYTES, check_picture, picture_too_big
from .errors import InvalidInput

TEXT_PARTS = ("text", "input_text")
IMAGE_PARTS = ("image_url", "input_image")
DATA_URL = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?P<params>(;[\w.+-]+=[^;,]*)*)(?P<b64>;base64)?,",
                      re.IGNORECASE)
BASE64_CHARS = re.compile(r"^[A-Za-z0-9+/_-]*={0,2}$")


def parse_content(content: Any, param: str) -> tuple[str, list[bytes]]:
    """(the text, the picture files) of one message's ``content``; ``InvalidInput`` about ``param`` (its text names
    the part) when it is neither a string nor a list of text and image parts."""
    if content is None or isinstance(content, str):
        return content or "", []
    if not isinstance(content, list):
        raise InvalidInput("error.api.content", field=param).about(param)
    texts: list[str] = []
    pictures: list[bytes] = []
    for i, part in enumerate(content):
        where = f"{param}[{i}]"
        kind = part.get("type", "text") if isinstance(part, dict) else None
        if kind in TEXT_PARTS and isinstance(part.get("text"), str):
            texts.append(part["text"])
        elif kind in IMAGE_PARTS:
            try:
                pictures.append(picture_from_url(_image_url(part, where), where))
            except InvalidInput as exc:  # the text names the part; the error's field is the content, as for text
                raise exc.about(param) from None
        else:
            raise InvalidInput("error.api.text_parts_only").about(param)
    return "".join(texts), pictures


def _image_url(part: dict, where: str) -> str:
    """The URL of an image part: ``image_url`` as ``{"url": ...}`` or (Responses API) a plain string."""
    value = part.get("image_url")
    url = value.get("url") if isinstance(value, dict) else value
    if not isinstance(url, str) or not url.strip():
        raise InvalidInput("error.vision.image_url_missing", "hint.vision.data_url", field=where).about(where)
    return url.strip()


def picture_from_url(url: str, where: str) -> bytes:
    """The picture file inside a base64 ``data:`` URL, checked (``chat_images.check_picture``). Any other URL is
    refused: nothing is fetched."""
    match = DATA_URL.match(url)
    if match is None:
        web = url.split(":", 1)[0].lower() in ("http", "https", "ftp", "file") if ":" in url[:12] else False
        raise InvalidInput("error.vision.url_not_fetched" if web else "error.vision.not_data_url",
                           "hint.vision.data_url", field=where).about(where)
    if not match.group("b64"):
        raise InvalidInput("error.vision.not_base64", "hint.vision.data_url", field=where).about(where)
    payload = re.sub(r"\s+", "", url[match.end():])
    if len(payload) * 3 // 4 > IMAGE_BYTES + 3:  # refused before decoding what is too big anyway
        raise picture_too_big(where, len(payload) * 3 // 4)
    if not BASE64_CHARS.match(payload):
        raise InvalidInput("error.vision.bad_base64", "hint.vision.data_url", field=where).about(where)
    try:
        urlsafe = "-" in payload or "_" in payload
        data = base64.b64decode(payload + "=" * (-len(payload) % 4), altchars=b"-_" if urlsafe else None, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("error.vision.bad_base64", "hint.vision.data_url", field=where).about(where) from None
    check_picture(data, where)
    return data
