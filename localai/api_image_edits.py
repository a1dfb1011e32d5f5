"""OpenAI's picture routes of the API: ``POST /v1/images/edits`` and ``POST /v1/images/variations``.

Both take ``multipart/form-data`` as OpenAI defines them, the only /v1 routes that do: ``http_guard`` lets a
form through to these two alone, within ``--max-upload-mb``, and only with an ``Authorization: Bearer``
header (which no web page's form can send). The form is read here into an ``ImageRequest`` with ``mode``
set; ``services.generate_images`` checks and draws it; the answer is that of /v1/images/generations.

    POST /v1/images/edits       image (a file; of several ``image[]``, as OpenAI allows, the first is used),
                                mask (a file, optional: its fully transparent pixels mark what to redraw;
                                without one the image's own fully transparent pixels do), prompt, model,
                                n, size, response_format "b64_json"; extras: negative_prompt, steps,
                                guidance_scale, seed, scheduler, strength, mode, outpaint
    POST /v1/images/variations  image, model, n, size, response_format; the prompt is the one saved in
                                the picture (LocalAI's PNG text, or AUTOMATIC1111's "parameters"), drawn
                                again near the picture (mode "variation", strength VARY_SUBTLE unless
                                ``strength`` is sent); extras: prompt (instead of the saved one),
                                negative_prompt, steps, guidance_scale, seed, scheduler, strength

``mode`` (edits) when not sent: "outpaint" with ``outpaint``, "inpaint" with a mask or a picture that has
fully transparent pixels, else "image-to-image". ``size`` "WxH": the picture (and mask) are resized to it
before the edit, so the result has that size (outpaint and upscale grow it from there); it must suit the
model, as in /v1/images/generations. Without it the picture keeps its own size (fitted to what the model
takes). Every mistake is a 4xx naming its field; nothing is queued for it.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from .api import SIZE, BadField, _get, _model, _number, images_response
from .errors import InvalidInput
from .http_guard import UnsupportedMediaType
from .job_feed import ClientGone
from .messages import Message
from .options import GUIDANCE, IMAGE_COUNT, IMAGE_SEED, IMAGE_STEPS, STRENGTH

MAX_FILES = 17  # OpenAI takes up to 16 pictures and a mask; only the first picture is used here
MAX_FIELDS = 40
NUMBER_FIELDS = frozenset({"n", "steps", "guidance_scale", "seed", "strength"})
TEXT_FIELDS = frozenset({"model", "prompt", "negative_prompt", "size", "response_format", "scheduler", "mode",
                         "outpaint"})
FILE_FIELDS = {"image": "image", "image[]": "image", "mask": "mask"}


@dataclass(frozen=True)
class Upload:
    """A form as read: its text fields (numbers as numbers when they read as one) and its files' bytes."""

    body: dict[str, Any]
    image: bytes
    mask: bytes | None


# -- reading the form ------------------------------------------------------------------------------------
async def read_form(request: Request) -> Upload:
    """The form's fields; a missing ``image``, text in place of a file, or a form that cannot be read is a 400
    naming the field."""
    from starlette.exceptions import HTTPException  # noqa: PLC0415
    from starlette.formparsers import MultiPartException  # noqa: PLC0415
    from starlette.requests import ClientDisconnect  # noqa: PLC0415

    kind = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if kind != "multipart/form-data":  # the guard says so first on the real server
        raise UnsupportedMediaType("error.http.form_required", "hint.http.form_required", got=kind or "none",
                                   path=request.url.path)
    files: dict[str, list[bytes]] = {"image": [], "mask": []}
    body: dict[str, Any] = {}
    try:
        async with request.form(max_files=MAX_FILES, max_fields=MAX_FIELDS) as form:
            for name, value in form.multi_items():
                field = FILE_FIELDS.get(name)
                if field is not None:
                    if isinstance(value, str):  # a file name or a URL: uploads only
                        raise BadField(field, "error.api.edit_file")
                    files[field].append(await value.read())
                elif not isinstance(value, str):  # a file: where a text is expected, refused; elsewhere, ignored
                    if name in TEXT_FIELDS | NUMBER_FIELDS:
                        raise BadField(name, "error.api.field_type", kind=Message("api.type.str"))
                elif name not in body:  # the first of a repeated field
                    body[name] = _typed(value) if name in NUMBER_FIELDS else value
    except (MultiPartException, HTTPException) as exc:
        detail = getattr(exc, "message", None) or getattr(exc, "detail", "") or type(exc).__name__
        raise InvalidInput("error.api.bad_form", "hint.api.bad_form", error=detail) from None
    except ClientDisconnect:
        raise ClientGone from None
    if not files["image"]:
        raise BadField("image", "error.api.edit_image_required")
    return Upload(body, files["image"][0], files["mask"][0] if files["mask"] else None)


def _typed(text: str) -> Any:
    """A number field's text as a number (``_number`` then checks its kind and range); "" as not sent."""
    if not text.strip():
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text  # "_number" says what it must be


# -- the request ------------------------------------------------------------------------------------------
def _common(body: dict, known: Callable[[], list[str]]) -> dict[str, Any]:
    """The fields both routes share, checked as /v1/images/generations checks them."""
    from .image_request import DEFAULT_SCHEDULER  # noqa: PLC0415

    fmt = _get(body, "response_format", str, "b64_json")
    if fmt != "b64_json":
        raise BadField("response_format", "error.api.image_format", format=fmt)
    seed = _number(body, "seed", IMAGE_SEED)
    return {
        "model": _model(body, "image", known),
        "negative_prompt": _get(body, "negative_prompt", str, None),
        "seed": IMAGE_SEED.default if seed is None else seed,
        "steps": _number(body, "steps", IMAGE_STEPS),
        "guidance_scale": _number(body, "guidance_scale", GUIDANCE),
        "num_images": _number(body, "n", IMAGE_COUNT) or IMAGE_COUNT.default,
        "scheduler": _get(body, "scheduler", str, DEFAULT_SCHEDULER),
        "strength": _number(body, "strength", STRENGTH),
        "size": _size(body),
    }


def _size(body: dict) -> tuple[int, int] | None:
    size = _get(body, "size", str, "auto")
    if size.strip() == "auto":
        return None
    match = SIZE.match(size)
    if not match:
        raise BadField("size", "error.api.size", size=size)
    return int(match[1]), int(match[2])


def _check_size(services: Any, model: str, size: tuple[int, int] | None) -> None:
    """A ``size`` the model takes (each side a multiple of its step, within its limits), as generations
    checks it; an unknown model is its 404."""
    from .image_request import MIN_SIDE  # noqa: PLC0415

    _, fam, _ = services.image_defaults(model)
    if size is None:
        return
    for side, value in zip(("width", "height"), size, strict=True):
        if value % fam.multiple or not MIN_SIDE <= value <= fam.max_side:
            raise InvalidInput("error.image.width" if side == "width" else "error.image.height", "hint.image.side",
                               value=value, family=fam.label, multiple=fam.multiple, min=MIN_SIDE,
                               max=fam.max_side, size=fam.size).about(side)


def _resized(image: Any, mask: Any, size: tuple[int, int] | None) -> tuple[Any, Any]:
    """The picture and mask at ``size`` (a mask of another size than the picture is refused first). Colours
    are resampled smoothly, transparency to the nearest pixel, so the mask's edge stays where it was."""
    from PIL import Image

    if mask is not None and mask.size != image.size:
        raise InvalidInput("error.edit.mask_size", "hint.edit.mask_size", mask_width=mask.width,
                           mask_height=mask.height, width=image.width, height=image.height).about("mask")
    if size is None or image.size == size:
        return image, mask

    def fit(picture: Any) -> Any:
        rgb = picture.convert("RGB").resize(size, Image.Resampling.LANCZOS)
        if picture.mode != "RGBA":
            return rgb
        rgb.putalpha(picture.getchannel("A").resize(size, Image.Resampling.NEAREST))
        return rgb

    return fit(image), None if mask is None else fit(mask)


def _picture(data: bytes, field: str) -> Any:
    """``read_image``, keeping the transparency of a palette or grey PNG (its tRNS chunk), as optimised OpenAI-style
    masks often are (``read_image`` reads those as plain RGB)."""
    from PIL import Image

    from .image_edit import read_image  # noqa: PLC0415

    image = read_image(data, field)  # checked: a picture, not too large
    if image.mode == "RGB":
        with Image.open(io.BytesIO(data)) as original:
            if "transparency" in original.info:
                return original.convert("RGBA")
    return image


def _has_transparency(image: Any) -> bool:
    return image.mode == "RGBA" and image.getchannel("A").getextrema()[0] == 0


def edit_request(services: Any, upload: Upload, known: Callable[[], list[str]]) -> tuple[str, Any]:
    """(model, ImageRequest) for /v1/images/edits."""
    from .image_edit import EDIT_MODES, MODE_NAMES  # noqa: PLC0415
    from .image_request import ImageRequest  # noqa: PLC0415

    body = upload.body
    fields = _common(body, known)
    prompt = _get(body, "prompt", str, "")
    if not prompt.strip():
        raise BadField("prompt", "error.api.prompt_required")
    outpaint = _get(body, "outpaint", str, "")
    image = _picture(upload.image, "image")
    mask = None if upload.mask is None else _picture(upload.mask, "mask")
    mode = _get(body, "mode", str, "")
    if not mode:
        masked = mask is not None or _has_transparency(image)
        mode = "outpaint" if outpaint else "inpaint" if masked else "image-to-image"
    if mode not in EDIT_MODES:
        raise BadField("mode", "error.edit.mode", "hint.choose_one", value=mode, choices=", ".join(EDIT_MODES))
    if mask is not None and mode != "inpaint":
        raise BadField("mask", "error.api.mask_mode", mode=Message(MODE_NAMES[mode]))
    model = fields.pop("model")
    size = fields.pop("size")
    _check_size(services, model, size)
    image, mask = _resized(image, mask, size)
    negative = fields.pop("negative_prompt") or ""
    return model, ImageRequest(prompt=prompt, negative_prompt=negative, mode=mode, image=image, mask=mask,
                               outpaint=outpaint, transparent_mask=True, **fields)


def saved_prompt(data: bytes) -> tuple[str, str]:
    """(prompt, negative prompt) saved in a picture's PNG text (LocalAI's or AUTOMATIC1111's); ("", "") when
    it has none."""
    from .gallery import read_png_info  # noqa: PLC0415

    try:
        info = read_png_info(io.BytesIO(data)).info  # ours, else parsed from the A1111 text
    except InvalidInput:
        return "", ""
    return (info.prompt.strip(), info.negative_prompt.strip()) if info is not None else ("", "")


def variation_request(services: Any, upload: Upload, known: Callable[[], list[str]]) -> tuple[str, Any, str]:
    """(model, ImageRequest, the prompt used) for /v1/images/variations."""
    from .image_edit import VARY_SUBTLE  # noqa: PLC0415
    from .image_request import ImageRequest  # noqa: PLC0415

    body = upload.body
    fields = _common(body, known)
    image = _picture(upload.image, "image")
    if upload.mask is not None:
        raise BadField("mask", "error.api.mask_mode", mode=Message("edit.mode.variation"))
    given = _get(body, "prompt", str, "")
    saved, saved_negative = saved_prompt(upload.image)
    prompt = given.strip() or saved
    if not prompt:
        raise BadField("prompt", "error.api.no_saved_prompt", "hint.api.no_saved_prompt")
    model = fields.pop("model")
    size = fields.pop("size")
    _check_size(services, model, size)
    image, _ = _resized(image, None, size)
    negative = fields.pop("negative_prompt")
    if negative is None:
        negative = "" if given.strip() else saved_negative  # the saved one goes with the saved prompt
    if fields["strength"] is None:
        fields["strength"] = VARY_SUBTLE
    return model, ImageRequest(prompt=prompt, negative_prompt=negative, mode="variation", image=image,
                               **fields), prompt


# -- the routes -------------------------------------------------------------------------------------------
def add_image_edit_routes(router: APIRouter, services: Any, authorize: Callable[[Request], str],
                          openai_errors: Callable, known: Callable[[], list[str]]) -> None:
    """Add both routes to ``router`` (the /v1 one of api.py, before its catch-all route)."""

    @router.post("/images/edits")
    @openai_errors
    async def images_edits(request: Request) -> Any:
        owner = authorize(request)
        upload = await read_form(request)
        model, image_request = await run_in_threadpool(edit_request, services, upload, known)
        return await images_response(services, request, model, image_request, owner)

    @router.post("/images/variations")
    @openai_errors
    async def images_variations(request: Request) -> Any:
        owner = authorize(request)
        upload = await read_form(request)
        model, image_request, prompt = await run_in_threadpool(variation_request, services, upload, known)
        return await images_response(services, request, model, image_request, owner, revised_prompt=prompt)
