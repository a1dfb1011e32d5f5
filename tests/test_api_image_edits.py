"""OpenAI's picture routes, ``POST /v1/images/edits`` and ``POST /v1/images/variations``, driven by the official
``openai`` client (and raw forms for what it cannot send) against the /v1 routes served behind the real HTTP
guard, over the tiny SD pipeline (random weights, 64 px, 2-3 steps) and the fake image backend.

What a client sees: the size and number of images, a masked edit that leaves the rest of the picture alone,
variations drawn with the prompt saved in the picture, a 4xx naming the field for every mistake (nothing
queued), the images saved for the caller only, a dropped client's drawing stopped.
"""

from __future__ import annotations

import base64
import io
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import openai
import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from localai.auth import ApiKey
from localai.gallery import read_png_info, user_folder
from tests.app_process import serve_in_thread
from tests.fake_backends import FAKE_CHAT, FAKE_IMAGE, FakeBehaviour, register_fake_backends

KEY = "sk-test-edits"
FAST = {"steps": 2, "seed": 4}
BOX = (20, 20, 44, 44)  # the part of the 64 px picture a mask opens
MARGIN = 12  # px around the box that the blended seam may touch


@dataclass
class Server:
    url: str  # .../v1, open, behind the HTTP guard (--max-upload-mb 1)
    keyed_url: str  # the same routes behind KEY
    state: object
    fakes: FakeBehaviour

    def client(self, url: str | None = None, key: str = "anything") -> openai.OpenAI:
        return openai.OpenAI(base_url=url or self.url, api_key=key, max_retries=0, timeout=120)

    def post(self, route: str, data: dict | None = None, files: list | None = None, **kw) -> httpx.Response:
        """A raw form, as curl -F sends it (with the Bearer header the guard asks of a form). A form without
        pictures still goes as multipart/form-data: it carries a text file the routes ignore."""
        headers = {"Authorization": "Bearer anything", **kw.pop("headers", {})}
        if "content" not in kw:
            kw["files"] = files or [("note", ("note.txt", b"hello", "text/plain"))]
        return httpx.post(self.url + route, data=data, headers=headers, timeout=60, **kw)


@pytest.fixture(scope="module")
def server(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from fastapi import FastAPI

    from localai.api import mount_api
    from localai.config import parse_settings
    from localai.http_guard import guard_for
    from localai.state import build_state
    from tests.tiny_pipelines import with_tiny_sd

    tmp = tmp_path_factory.mktemp("edits")
    models = with_tiny_sd(models_dir, tmp / "models")
    settings = parse_settings(["--models-dir", str(models), "--data-dir", str(tmp / "data"), "--outputs-dir",
                               str(tmp / "outputs"), "--no-browser", "--offline", "--max-upload-mb", "1"], env={})
    state = build_state(settings)
    fakes = register_fake_backends(state.registry)
    open_app, keyed_app = FastAPI(), FastAPI()
    mount_api(open_app, state.services, ApiKey(None, False))
    mount_api(keyed_app, state.services, ApiKey(KEY, False))
    guard = guard_for(settings)  # the server's own door: form posts, Bearer header, upload limit
    url, srv1, t1 = serve_in_thread(guard(open_app))
    keyed_url, srv2, t2 = serve_in_thread(guard(keyed_app))
    yield Server(url, keyed_url, state, fakes)
    for srv, thread in ((srv1, t1), (srv2, t2)):
        srv.should_exit = True
        thread.join(timeout=10)
    state.lanes.torch.call(state.registry.unload_all)
    state.lanes.shutdown()


# -- pictures ------------------------------------------------------------------------------------------------
def png(image: Image.Image, text: dict[str, str] | None = None) -> bytes:
    chunks = PngInfo()
    for key, value in (text or {}).items():
        chunks.add_text(key, value)
    buf = io.BytesIO()
    image.save(buf, format="PNG", pnginfo=chunks)
    return buf.getvalue()


def opened(data: bytes | str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(data) if isinstance(data, str) else data))


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB")).astype(int)


def outside(box: tuple[int, int, int, int], margin: int, size: tuple[int, int] = (64, 64)) -> np.ndarray:
    keep = np.ones((size[1], size[0]), dtype=bool)
    keep[max(0, box[1] - margin):box[3] + margin, max(0, box[0] - margin):box[2] + margin] = False
    return keep


def hole_mask(size: tuple[int, int] = (64, 64), box: tuple[int, int, int, int] = BOX) -> bytes:
    """OpenAI's mask: opaque everywhere but the box, which is fully transparent (what to redraw)."""
    mask = Image.new("RGBA", size, (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), box)
    return png(mask)


@pytest.fixture(scope="module")
def fox(server: Server) -> bytes:
    """A 64 px picture drawn by the API itself: a PNG with its prompt saved in it."""
    out = server.client().images.generate(model="tiny-sd", prompt="a red fox in the snow", size="64x64",
                                          extra_body={"steps": 2, "seed": 3, "negative_prompt": "blurry"})
    return base64.b64decode(out.data[0].b64_json)


def saved_pngs(server: Server) -> set[Path]:
    return set(Path(server.state.settings.outputs_dir).rglob("*.png"))


# -- edits -----------------------------------------------------------------------------------------------------
def test_an_edit_returns_n_images_of_the_requested_size(server, fox):
    out = server.client().images.edit(model="tiny-sd", image=("fox.png", fox, "image/png"), prompt="a fox in a forest",
                                      n=2, size="96x64", response_format="b64_json",
                                      extra_body={**FAST, "strength": 0.5, "negative_prompt": "fog"})
    assert len(out.data) == 2 and out.size == "96x64"
    for item in out.data:
        image = opened(item.b64_json)
        assert image.size == (96, 64) and image.format == "PNG"
        meta = read_png_info(io.BytesIO(base64.b64decode(item.b64_json)))
        assert meta.info.prompt == "a fox in a forest" and meta.info.negative_prompt == "fog"
        assert meta.localai["edit"]["mode"] == "image-to-image" and meta.localai["edit"]["strength"] == 0.5
    assert [item.seed for item in out.data] == [4, 5], "image i uses seed + i"  # type: ignore[attr-defined]


def test_without_size_the_picture_keeps_its_own(server, fox):
    out = server.client().images.edit(model="tiny-sd", image=("fox.png", fox, "image/png"), prompt="a fox",
                                      extra_body=FAST)
    assert len(out.data) == 1 and opened(out.data[0].b64_json).size == (64, 64) and out.size == "64x64"


def test_an_edit_with_a_mask_repaints_only_the_masked_part(server, fox):
    out = server.client().images.edit(model="tiny-sd", image=("fox.png", fox, "image/png"),
                                      mask=("mask.png", hole_mask(), "image/png"), prompt="a blue bird",
                                      extra_body={"steps": 3, "seed": 2})
    result = base64.b64decode(out.data[0].b64_json)
    diff = np.abs(pixels(opened(result)) - pixels(opened(fox))).max(axis=2)
    assert diff[outside(BOX, MARGIN)].max() <= 1, "the picture's own pixels outside the mask, as they were"
    assert diff[BOX[1]:BOX[3], BOX[0]:BOX[2]].mean() > 5, "the masked part is redrawn"
    edit = read_png_info(io.BytesIO(result)).localai["edit"]
    assert edit["mode"] == "inpaint" and edit["mask"] is True


def test_the_pictures_own_transparency_is_the_mask_when_none_is_sent(server, fox):
    holed = opened(fox).convert("RGBA")
    holed.paste((0, 0, 0, 0), BOX)
    out = server.client().images.edit(model="tiny-sd", image=("holed.png", png(holed), "image/png"),
                                      prompt="a blue bird", extra_body={"steps": 3, "seed": 2})
    result = base64.b64decode(out.data[0].b64_json)
    diff = np.abs(pixels(opened(result)) - pixels(opened(fox))).max(axis=2)
    assert diff[outside(BOX, MARGIN)].max() <= 1
    assert read_png_info(io.BytesIO(result)).localai["edit"]["mode"] == "inpaint"


def test_a_palette_png_mask_keeps_its_transparency(server, fox):
    rgba = Image.open(io.BytesIO(hole_mask())).convert("RGBA")
    buf = io.BytesIO()
    rgba.quantize(2).save(buf, format="PNG")  # as optimisers save masks: two colours, one of them transparent
    assert Image.open(io.BytesIO(buf.getvalue())).mode == "P"
    out = server.client().images.edit(model="tiny-sd", image=("fox.png", fox, "image/png"),
                                      mask=("mask.png", buf.getvalue(), "image/png"), prompt="a blue bird",
                                      extra_body={"steps": 2, "seed": 2})
    diff = np.abs(pixels(opened(out.data[0].b64_json)) - pixels(opened(fox))).max(axis=2)
    assert diff[outside(BOX, MARGIN)].max() <= 1 and diff[BOX[1]:BOX[3], BOX[0]:BOX[2]].mean() > 5


def test_of_several_pictures_the_first_is_edited(server, fox):
    other = png(Image.new("RGB", (64, 64), (200, 30, 30)))
    out = server.client().images.edit(model="tiny-sd", image=[("fox.png", fox, "image/png"),
                                                              ("red.png", other, "image/png")],
                                      mask=("mask.png", hole_mask(), "image/png"), prompt="a blue bird",
                                      extra_body={"steps": 2, "seed": 2})
    diff = np.abs(pixels(opened(out.data[0].b64_json)) - pixels(opened(fox))).max(axis=2)
    assert diff[outside(BOX, MARGIN)].max() <= 1, "the first picture (image[]) is the one edited"


def test_outpaint_and_upscale_through_the_extras(server, fox):
    wide = server.post("/images/edits", {"model": FAKE_IMAGE, "prompt": "a fox", "outpaint": "right", "steps": "1"},
                       [("image", ("fox.png", fox, "image/png"))])
    assert wide.status_code == 200, wide.text
    assert wide.json()["size"] == "96x64", "the mode follows from 'outpaint': the picture grows to the right"
    up = server.post("/images/edits", {"model": FAKE_IMAGE, "prompt": "a fox", "mode": "upscale", "steps": "1"},
                     [("image", ("fox.png", fox, "image/png"))])
    assert up.status_code == 200 and up.json()["size"] == "128x128", up.text


# -- variations --------------------------------------------------------------------------------------------------
def test_a_variation_keeps_the_prompt_saved_in_the_picture(server, fox):
    out = server.client().images.create_variation(model="tiny-sd", image=("fox.png", fox, "image/png"), n=2,
                                                  response_format="b64_json", extra_body={"steps": 2})
    assert len(out.data) == 2
    for item in out.data:
        result = base64.b64decode(item.b64_json)
        assert opened(result).size == (64, 64)
        meta = read_png_info(io.BytesIO(result))
        assert meta.info.prompt == "a red fox in the snow" and meta.info.negative_prompt == "blurry"
        assert meta.localai["edit"]["mode"] == "variation" and meta.localai["edit"]["strength"] == 0.35
        assert item.revised_prompt == "a red fox in the snow", "the answer says which prompt was drawn"
        assert np.abs(pixels(opened(result)) - pixels(opened(fox))).mean() > 0.5, "a new picture"


def test_a_variation_reads_automatic1111s_parameters_and_takes_strength_and_size(server):
    a1111 = png(Image.new("RGB", (64, 64), (90, 120, 200)), {
        "parameters": "a lighthouse at dusk\nNegative prompt: fog\nSteps: 20, Sampler: Euler a, CFG scale: 7, "
                      "Seed: 1, Size: 64x64, Model: sd15"})
    out = server.client().images.create_variation(model="tiny-sd", image=("lh.png", a1111, "image/png"),
                                                  size="64x96", extra_body={"steps": 2, "strength": 0.7})
    result = base64.b64decode(out.data[0].b64_json)
    meta = read_png_info(io.BytesIO(result))
    assert opened(result).size == (64, 96) and out.size == "64x96"
    assert meta.info.prompt == "a lighthouse at dusk" and meta.info.negative_prompt == "fog"
    assert meta.localai["edit"]["strength"] == 0.7


def test_a_picture_without_a_saved_prompt_needs_one(server):
    plain = png(Image.new("RGB", (64, 64), (10, 200, 10)))
    with pytest.raises(openai.BadRequestError) as err:
        server.client().images.create_variation(model="tiny-sd", image=("plain.png", plain, "image/png"))
    body = err.value.body
    assert err.value.status_code == 400 and body["param"] == "prompt"
    assert "no saved prompt" in body["message"] and "'prompt' field" in body["message"], body["message"]
    out = server.client().images.create_variation(model="tiny-sd", image=("plain.png", plain, "image/png"),
                                                  extra_body={"prompt": "a green field", "steps": 2})
    assert read_png_info(io.BytesIO(base64.b64decode(out.data[0].b64_json))).info.prompt == "a green field"


# -- mistakes: a 4xx naming the field, nothing queued -----------------------------------------------------------
def _fox_like() -> bytes:
    return png(Image.new("RGB", (64, 64), (120, 60, 20)))


def _bomb() -> bytes:
    """A PNG that says it is 9000 x 9000 pixels (81 million), with no pixel data behind it."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 9000, 9000, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


OPAQUE_MASK = png(Image.new("RGBA", (64, 64), (0, 0, 0, 255)))
RGB_MASK = png(Image.new("RGB", (64, 64), (255, 255, 255)))


@pytest.mark.parametrize(("route", "fields", "files", "status", "param", "says"), [
    ("edits", {"prompt": "a fox"}, {"image": b"not a picture"}, 400, "image", "not a picture"),
    ("edits", {"prompt": "a fox"}, {"image": b""}, 400, "image", "not a picture"),
    ("edits", {"prompt": "a fox"}, {"image": "BOMB"}, 400, "image", "too large"),
    ("edits", {"prompt": "a fox"}, {}, 400, "image", "'image' is required"),
    ("edits", {"prompt": "a fox", "image": "https://example.com/fox.png"}, {}, 400, "image", "never names or URLs"),
    ("edits", {"prompt": "a fox"}, {"image": "FOX", "mask": hole_mask((32, 32))}, 400, "mask",
     "The mask is 32 x 32 pixels but the picture is 64 x 64"),
    ("edits", {"prompt": "a fox"}, {"image": "FOX", "mask": OPAQUE_MASK}, 400, "mask", "marks nothing"),
    ("edits", {"prompt": "a fox"}, {"image": "FOX", "mask": RGB_MASK}, 400, "mask", "no transparency"),
    ("edits", {"prompt": "a fox"}, {"image": "FOX", "mask": b"junk"}, 400, "mask", "mask is not a picture"),
    ("edits", {"prompt": "a fox", "mode": "inpaint"}, {"image": "FOX"}, 400, "mask", "needs a mask"),
    ("edits", {"prompt": "a fox", "mode": "upscale"}, {"image": "FOX", "mask": "HOLE"}, 400, "mask", "only used"),
    ("edits", {"prompt": "a fox", "mode": "sketch"}, {"image": "FOX"}, 400, "mode", "inpaint, outpaint"),
    ("edits", {"prompt": "a fox", "outpaint": "sideways"}, {"image": "FOX"}, 400, "outpaint", "sideways"),
    ("edits", {"prompt": "a fox", "strength": "1.5"}, {"image": "FOX"}, 400, "strength", "1.5"),
    ("edits", {"prompt": "a fox", "strength": "0"}, {"image": "FOX"}, 400, "strength", "above 0"),
    ("edits", {"prompt": "a fox", "strength": "lots"}, {"image": "FOX"}, 400, "strength", "a number"),
    ("edits", {"prompt": "a fox", "n": "0"}, {"image": "FOX"}, 400, "n", "between 1"),
    ("edits", {"prompt": "a fox", "steps": "2.5"}, {"image": "FOX"}, 400, "steps", "whole number"),
    ("edits", {"prompt": "a fox", "size": "big"}, {"image": "FOX"}, 400, "size", "512x512"),
    ("edits", {"prompt": "a fox", "size": "100x64"}, {"image": "FOX"}, 400, "size", "multiple of 8"),
    ("edits", {"prompt": "a fox", "response_format": "url"}, {"image": "FOX"}, 400, "response_format", "b64_json"),
    ("edits", {}, {"image": "FOX"}, 400, "prompt", "'prompt' is required"),
    ("edits", {"prompt": "   "}, {"image": "FOX"}, 400, "prompt", "'prompt' is required"),
    ("edits", {"prompt": "a fox", "model": "no-such-model"}, {"image": "FOX"}, 404, "model", "no-such-model"),
    ("edits", {"prompt": "a fox", "model": FAKE_CHAT}, {"image": "FOX"}, 404, "model", FAKE_CHAT),
    ("edits", {"prompt": "a fox", "model": ""}, {"image": "FOX"}, 400, "model", "'model' is required"),
    ("variations", {}, {"image": b"GIF89a nonsense"}, 400, "image", "not a picture"),
    ("variations", {}, {"image": "FOX"}, 400, "prompt", "no saved prompt"),
    ("variations", {"prompt": "a fox", "strength": "2"}, {"image": "FOX"}, 400, "strength", "2"),
    ("variations", {"prompt": "a fox"}, {"image": "FOX", "mask": "HOLE"}, 400, "mask", "only used"),
    ("variations", {"prompt": "a fox", "model": "no-such-model"}, {"image": "FOX"}, 404, "model", "no-such-model"),
])
def test_mistakes_are_a_4xx_naming_the_field(server, route, fields, files, status, param, says):
    named = {"FOX": _fox_like(), "HOLE": hole_mask(), "BOMB": _bomb()}
    parts = [(name, (f"{name}.png", named.get(value, value) if isinstance(value, str) else value, "image/png"))
             for name, value in files.items()]
    resp = server.post(f"/images/{route}", {"model": FAKE_IMAGE, **fields}, parts)
    assert resp.status_code == status, resp.text
    err = resp.json()["error"]
    assert err["param"] == param and says in err["message"], err
    assert "Traceback" not in resp.text
    assert server.state.lanes.torch.queue_length() == 0, "nothing is queued for a bad request"


def test_a_form_that_cannot_be_read_is_a_400(server):
    bad = server.post("/images/edits", content=b"--x\r\nnonsense", headers={"Content-Type": "multipart/form-data"})
    assert bad.status_code == 400 and "form could not be read" in bad.json()["error"]["message"], bad.text
    many = [("extra", (f"f{i}.png", b"x", "image/png")) for i in range(40)]
    flood = server.post("/images/edits", {"model": FAKE_IMAGE, "prompt": "a fox"}, many)
    assert flood.status_code == 400 and "Too many files" in flood.json()["error"]["message"], flood.text


def test_the_routes_take_forms_only(server):
    resp = httpx.post(server.url + "/images/edits", json={"model": FAKE_IMAGE, "prompt": "a fox", "image": "x"},
                      headers={"Authorization": "Bearer anything"}, timeout=30)
    assert resp.status_code == 415 and "multipart/form-data" in resp.json()["error"]["message"], resp.text


def test_a_too_large_upload_is_a_413_naming_the_limit(server):
    noise = np.random.default_rng(0).integers(0, 256, (700, 700, 3), dtype=np.uint8)
    big = png(Image.fromarray(noise))  # about 1.4 MB; this server takes 1 MB (--max-upload-mb 1)
    assert len(big) > 1024 * 1024
    resp = server.post("/images/edits", {"model": FAKE_IMAGE, "prompt": "a fox"},
                       [("image", ("big.png", big, "image/png"))])
    assert resp.status_code == 413, resp.text
    err = resp.json()["error"]
    assert "--max-upload-mb" in err["message"] and err["code"] == "request_too_large"


def test_the_key_is_required_when_set(server, fox):
    with pytest.raises(openai.AuthenticationError):
        server.client(server.keyed_url, "sk-wrong").images.edit(
            model=FAKE_IMAGE, image=("fox.png", fox, "image/png"), prompt="a fox")
    out = server.client(server.keyed_url, KEY).images.create_variation(
        model=FAKE_IMAGE, image=("fox.png", fox, "image/png"), extra_body={"steps": 1})
    assert len(out.data) == 1


# -- whose images ------------------------------------------------------------------------------------------------
def test_the_saved_images_belong_to_the_caller_and_the_upload_is_not_kept(server, fox):
    before = saved_pngs(server)
    out = server.client().images.edit(model="tiny-sd", image=("fox.png", fox, "image/png"), prompt="a grey wolf",
                                      n=2, extra_body=FAST)
    new = saved_pngs(server) - before
    assert len(new) == 2, "the two results are saved, the uploaded picture is not"
    folder = user_folder(Path(server.state.settings.outputs_dir), "local")  # the API's user: the key's holder
    assert all(path.is_relative_to(folder) for path in new)
    assert {path.read_bytes() for path in new} == {base64.b64decode(item.b64_json) for item in out.data}
    assert all(read_png_info(path).localai["user"] == "local" for path in new)
    assert not {s.path for s in server.state.services.saved_images("alice")} & new, "nobody else sees them"


def test_a_client_leaving_mid_edit_stops_its_drawing(server, fox, monkeypatch):
    jobs = []
    real = server.state.services.generate_images

    def recording(*args, **kwargs):
        jobs.append(real(*args, **kwargs))
        return jobs[-1]

    monkeypatch.setattr(server.state.services, "generate_images", recording)
    monkeypatch.setattr(server.fakes, "step_seconds", 0.01)  # 8 x 150 steps would take 12 s
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(server.url + "/images/edits", data={"model": FAKE_IMAGE, "prompt": "a fox", "n": "8",
                                                       "steps": "150"},
                   files=[("image", ("fox.png", fox, "image/png"))], headers={"Authorization": "Bearer x"},
                   timeout=httpx.Timeout(10, read=1.5))
    left = time.monotonic()
    assert jobs and jobs[0].finished.wait(10), "the drawing stops once its client is gone"
    assert time.monotonic() - left < 2
    assert jobs[0].result.cancelled and len(jobs[0].result.images) < 8


def test_the_unknown_route_lists_the_picture_routes(server):
    resp = httpx.post(server.url + "/images/nope", content=json.dumps({}), timeout=30,
                      headers={"Content-Type": "application/json"})
    assert resp.status_code == 404 and "/v1/images/edits" in resp.json()["error"]["message"]
