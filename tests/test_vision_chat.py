"""Pictures in chat: a tiny random vision-language model (tests/tiny_vision.py) through the scan, the planner,
the backend, services and the OpenAI API; and the refusals (a text-only model, a web address, a broken file)."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from localai.errors import InvalidInput
from localai.hardware import HardwareInfo
from localai.jobs import Done, Notice, TextDelta
from localai.messages import render
from localai.options import ChatOptions
from tests.tiny_vision import IMAGE_TOKENS, LONGEST_EDGE

G = 1024**3
VLM = "tiny-vlm"
TEXT_ONLY = "tiny-llama"
MACHINE = HardwareInfo("cpu", "test CPU", 0, 0, 16 * G, 12 * G)  # a literal machine: plans do not depend on this one
GREEDY = ChatOptions(max_new_tokens=12, temperature=0, seed=1)


# -- pictures and fixtures ----------------------------------------------------------------------------------
def png(color: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (48, 48)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


def noise(seed: int, size: tuple[int, int] = (48, 48), fmt: str = "PNG") -> bytes:
    import numpy as np
    from PIL import Image

    pixels = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, fmt)
    return buf.getvalue()


def data_url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def asking(text: str, *pictures: bytes) -> list[dict]:
    message: dict = {"role": "user", "content": text}
    if pictures:
        message["images"] = list(pictures)
    return [{"role": "system", "content": "You describe pictures."}, message]


def run(job) -> tuple[list[str], list, object]:
    chunks, others, result = [], [], None
    for event in job.events():
        if isinstance(event, TextDelta):
            chunks.append(event.text)
        elif isinstance(event, Done):
            result = event.result
        else:
            others.append(event)
    return chunks, others, result


@pytest.fixture(scope="module")
def vision_models_dir(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models folder with the tiny vision model and the shared tiny text-only Llama (linked)."""
    import time

    from tests.tiny_vision import save_tiny_vlm

    root = tmp_path_factory.mktemp("vision-models")
    started = time.perf_counter()
    save_tiny_vlm(root / "text" / VLM)
    assert time.perf_counter() - started < 30, "building the tiny vision model should take seconds"
    (root / "text" / TEXT_ONLY).symlink_to(models_dir / "text" / TEXT_ONLY)
    (root / "image").mkdir()
    return root


def _state(models: Path, data: Path, hardware: HardwareInfo = MACHINE):
    from localai.config import parse_settings
    from localai.state import build_state

    settings = parse_settings(["--models-dir", str(models), "--data-dir", str(data / "data"), "--outputs-dir",
                               str(data / "outputs"), "--no-browser", "--offline", "--no-remotes"], env={})
    return build_state(settings, hardware_info=hardware)


@pytest.fixture(scope="module")
def vstate(vision_models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    st = _state(vision_models_dir, tmp_path_factory.mktemp("vision-state"))
    yield st
    st.lanes.torch.call(st.registry.unload_all)
    st.lanes.shutdown()


@pytest.fixture(scope="module")
def backend(vstate):
    """The tiny vision model loaded through the registry (on the torch lane, as services does)."""
    spec = vstate.registry.resolve(VLM, "text")
    return vstate.lanes.torch.call(lambda: vstate.registry.ensure_chat(spec))


# -- found, planned ----------------------------------------------------------------------------------------
def test_a_vision_folder_is_scanned_as_a_vision_model_and_text_folders_are_not(vstate, vision_models_dir):
    from safetensors import safe_open

    vlm = vstate.registry.resolve(VLM, "text")
    assert vlm.backend == "vision" and vlm.source == "local"
    assert vstate.registry.resolve(TEXT_ONLY, "text").backend == "transformers"
    assert VLM in vstate.services.model_names("text"), "vision models are picked in the chat model list"
    assert vlm.context_length == 512, "the context comes from the text part of the config"
    # Its size counts every tensor of the folder: the vision tower and the connector too.
    with safe_open(str(vision_models_dir / "text" / VLM / "model.safetensors"), "pt") as f:
        sizes = {k: f.get_slice(k).get_shape() for k in f.keys()}
    count = lambda keys: sum(__import__("math").prod(sizes[k]) for k in keys)  # noqa: E731
    vision = count(k for k in sizes if "vision_model" in k or "connector" in k)
    assert vision > 10_000 and vlm.params == count(sizes) > vision


def test_the_planner_plans_the_whole_model_and_says_int8_is_for_the_language_part(vstate):
    from dataclasses import replace

    from localai.backends.vision_chat import plan_vision_load

    vlm = vstate.registry.resolve(VLM, "text")
    plan = vstate.registry.plan(vlm)
    assert plan.device == "cpu" and plan.quantization == "none"
    assert plan.estimated_bytes == vlm.params * 4, "fp32 bytes of every tensor, vision tower included"
    fast_int8 = replace(MACHINE, cpu_int8_speedup=2.5)
    big = replace(vlm, params=256_000_000)  # SmolVLM-256M's size: int8 pays on a CPU that measured it faster
    reason = render(plan_vision_load(big, fast_int8).reason, "en")
    assert plan_vision_load(big, fast_int8).quantization == "int8" and "picture part stays fp32" in reason
    assert "языковой части" in render(plan_vision_load(big, fast_int8).reason, "ru")


def test_the_catalog_offers_vision_models_with_their_figures():
    from localai.catalog import builtin_catalog, takes_images

    vision = {s.name: s for s in builtin_catalog() if takes_images(s)}
    assert set(vision) == {"SmolVLM-256M-Instruct", "SmolVLM-500M-Instruct", "Qwen2.5-VL-3B-Instruct",
                           "Qwen2.5-VL-7B-Instruct", "gemma-3-4b-it"}
    assert all(s.kind == "text" and s.params > 0 and s.weight_bytes > 0 and s.license for s in vision.values())
    assert vision["gemma-3-4b-it"].gated and not vision["SmolVLM-256M-Instruct"].gated
    assert vision["SmolVLM-256M-Instruct"].tier == "cpu" and vision["Qwen2.5-VL-3B-Instruct"].license != "apache-2.0"
    assert not takes_images(next(s for s in builtin_catalog() if s.name == "Qwen2.5-7B-Instruct"))


# -- the backend -------------------------------------------------------------------------------------------
def test_the_picture_reaches_the_model(vstate, backend):
    chat = lambda *pictures: run(vstate.services.chat(VLM, asking("What is this?", *pictures), GREEDY))  # noqa: E731
    chunks, others, plain = chat()
    assert plain.completion_tokens == 12 and "".join(chunks) == plain.text and plain.text.strip()
    first = chat(noise(1))[2]
    assert first.prompt_tokens >= plain.prompt_tokens + IMAGE_TOKENS, "the picture's tokens are in the prompt"
    assert chat(noise(1))[2].text == first.text, "greedy: the same picture, the same answer"
    assert chat(noise(2))[2].text != first.text, "another picture, another answer"
    assert chat(noise(1, fmt="JPEG"))[2].completion_tokens == 12


def test_a_picture_alone_is_a_question_and_two_pictures_both_count(vstate, backend):
    alone = [{"role": "user", "content": "", "images": [png()]}]
    result = run(vstate.services.chat(VLM, alone, GREEDY))[2]
    assert result.completion_tokens == 12
    two = run(vstate.services.chat(VLM, asking("Compare", noise(3), noise(4)), GREEDY))[2]
    one = run(vstate.services.chat(VLM, asking("Compare", noise(3)), GREEDY))[2]
    assert two.prompt_tokens >= one.prompt_tokens + IMAGE_TOKENS


def test_stop_ends_a_picture_answer_within_a_few_tokens(vstate, backend):
    job = vstate.services.chat(VLM, asking("Tell me everything", noise(5)), ChatOptions(max_new_tokens=300),
                               owner="alice")
    chunks, at_cancel, result = [], None, None
    for event in job.events():
        if isinstance(event, TextDelta):
            chunks.append(event.text)
            if len(chunks) == 5:
                at_cancel = len(chunks)
                assert vstate.services.cancel(job.id, "alice")
        elif isinstance(event, Done):
            result = event.result
    assert result.finish_reason == "cancelled" and result.completion_tokens <= at_cancel + 8
    assert result.text == "".join(chunks)


def test_a_big_picture_is_made_smaller_and_the_user_is_told(vstate, backend):
    _, others, result = run(vstate.services.chat(VLM, asking("What is this?", png(size=(2400, 1200))), GREEDY))
    notices = [render(e.message, "en") for e in others if isinstance(e, Notice)]
    assert result.completion_tokens == 12
    assert any(f"{LONGEST_EDGE} px" in n and n.endswith(": 1.") for n in notices), notices
    _, others, _ = run(vstate.services.chat(VLM, asking("What is this?", png(size=(40, 30))), GREEDY))
    assert not [e for e in others if isinstance(e, Notice)], "a small picture is taken as it is"


def test_old_turns_and_their_pictures_are_left_out_to_fit_the_context(backend):
    turns = []
    for i in range(8):
        turns += [{"role": "user", "content": f"Picture {i}: what is it? " * 3, "images": [noise(10 + i)]},
                  {"role": "assistant", "content": "A picture of noise, " * 4}]
    turns.append({"role": "user", "content": "And this one?", "images": [noise(99)]})
    prompt = backend.prepare(turns, ChatOptions(max_new_tokens=200))
    assert prompt.dropped > 0 and prompt.pictures < 9 and prompt.messages[-1]["content"] == "And this one?"
    assert prompt.encoding["input_ids"].shape[-1] <= backend.context_length - 200
    whole = backend.prepare(turns[-3:], ChatOptions(max_new_tokens=200))
    assert whole.dropped == 0 and whole.pictures == 2
    with pytest.raises(InvalidInput) as info:
        backend.prepare([{"role": "user", "content": "fox " * 600, "images": [png()]}], ChatOptions(max_new_tokens=16))
    assert "too long" in info.value.message


def test_int8_on_the_cpu_quantizes_the_language_part_only(vstate):
    import torch
    from localai.backends.vision_chat import VisionChatBackend
    from localai.jobs import CancelToken
    from localai.plan import LoadPlan

    vlm = vstate.registry.resolve(VLM, "text")
    quantized = VisionChatBackend(vlm, LoadPlan("cpu", "fp32", "int8"))
    quantized.load()
    try:
        model = quantized.model
        linear = lambda module: [m for m in module.modules() if isinstance(m, torch.nn.Linear)]  # noqa: E731
        text_linear = [m for m in model.model.text_model.modules() if "quantized" in type(m).__module__]
        assert text_linear and not linear(model.model.text_model), "every Linear of the language part is int8"
        assert linear(model.model.vision_model) and linear(model.model.connector), "the picture part stays fp32"
        assert type(model.get_output_embeddings()) is torch.nn.Linear, "the output layer stays fp32"
        result = quantized.stream_chat(asking("What is this?", noise(1)), GREEDY, CancelToken(), lambda t: None)
        assert result.completion_tokens == 12 and result.text.strip()
    finally:
        quantized.unload()


def test_a_vision_folder_without_its_processor_is_a_clear_error(vision_models_dir, tmp_path):
    from localai.backends.vision_chat import VisionChatBackend
    from localai.catalog import scan_text_models
    from localai.errors import ModelFolderInvalid
    from localai.plan import LoadPlan

    folder = tmp_path / "text" / "no-processor"
    folder.mkdir(parents=True)
    for file in (vision_models_dir / "text" / VLM).iterdir():
        if file.name != "processor_config.json":
            (folder / file.name).symlink_to(file)
    spec = scan_text_models(tmp_path)[0]
    assert spec.backend == "vision"
    with pytest.raises(ModelFolderInvalid) as info:
        VisionChatBackend(spec, LoadPlan("cpu", "fp32")).load()
    assert "picture processor" in info.value.message and str(folder) in info.value.message
    assert "processor_config.json" in info.value.hint


# -- refusals ----------------------------------------------------------------------------------------------
def test_a_text_only_model_given_a_picture_says_so_and_names_the_vision_model_here(vstate):
    with pytest.raises(InvalidInput) as info:
        vstate.services.chat(TEXT_ONLY, asking("What is this?", png()))
    assert info.value.message == f"{TEXT_ONLY} reads only text and cannot see pictures."
    assert VLM in info.value.hint and "Models tab" not in info.value.hint
    assert "не видит картинок" in render(info.value, "ru")


def test_with_no_vision_model_here_the_hint_offers_those_to_download_that_fit(models_dir, tmp_path):
    st = _state(models_dir, tmp_path)
    try:
        with pytest.raises(InvalidInput) as info:
            st.services.chat(TEXT_ONLY, asking("What is this?", png()))
        hint = info.value.hint
        assert "Models tab" in hint and VLM not in hint
        assert 0 < hint.index("SmolVLM-256M-Instruct") < hint.index("SmolVLM-500M-Instruct"), "smallest first"
    finally:
        st.lanes.shutdown()
    # A computer too small for any of them (the registry asks this literal machine for its free memory).
    from localai.backends import register_builtin_backends
    from localai.registry import Registry
    from localai.vision_models import check_images_allowed

    small = Registry(st.settings, lambda: HardwareInfo("cpu", "tiny CPU", 0, 0, 2 * G, G // 4))
    register_builtin_backends(small)
    with pytest.raises(InvalidInput) as info:
        check_images_allowed(small, small.resolve(TEXT_ONLY, "text"), asking("What is this?", png()))
    assert "None of the models that read pictures fits" in info.value.hint
    check_images_allowed(small, small.resolve(TEXT_ONLY, "text"), asking("No picture"))  # text alone: no error


@pytest.mark.parametrize(("pictures", "words"), [
    ([b"not a picture at all"], "not a picture"),
    ([png()[:40]], "not a picture"),
    ([png()] * 9, "at most 8"),
    ([b"\x89PNG" + bytes(21 * 1024 * 1024)], "at most 20 MB"),
    (["data:image/png;base64,AAAA"], "list of picture files"),
])
def test_bad_pictures_are_refused_before_any_work(vstate, pictures, words):
    with pytest.raises(InvalidInput) as info:
        vstate.services.chat(VLM, asking("What is this?", *pictures))
    assert words in info.value.message, info.value.message


def test_a_conversation_may_hold_pictures_in_many_messages_up_to_a_limit(vstate):
    picture = png()
    many = [{"role": "user", "content": f"Look {i}", "images": [picture] * 7} for i in range(5)]  # 35 pictures
    with pytest.raises(InvalidInput) as info:
        vstate.services.chat(VLM, many)
    assert "35 pictures" in info.value.message and "at most 32" in info.value.message
    assert run(vstate.services.chat(VLM, many[:4], GREEDY))[2].completion_tokens == 12, "28 pictures are fine"


def test_the_message_format_keeps_pictures_and_text_apart():
    from localai.backends.prompting import join_same_roles, normalize_messages
    from localai.chat_images import has_images

    picture = png()
    msgs = normalize_messages([{"role": "user", "content": [{"type": "text", "text": "Look"}], "images": [picture]},
                               {"role": "user", "content": "again"}])
    assert msgs == [{"role": "user", "content": "Look", "images": [picture]}, {"role": "user", "content": "again"}]
    assert has_images(msgs) and not has_images(msgs[1:])
    assert join_same_roles(msgs) == [{"role": "user", "content": "Look\n\nagain", "images": [picture]}]


def test_pictures_are_turned_upright_flattened_on_white_and_made_smaller_keeping_their_shape():
    from PIL import Image

    from localai.chat_images import fit_picture, open_picture

    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # EXIF orientation: the camera was turned; shown rotated 90 degrees
    Image.new("RGB", (40, 20), (0, 128, 255)).save(buf, "JPEG", exif=exif)
    upright = open_picture(buf.getvalue())
    assert upright.size == (20, 40) and upright.mode == "RGB"
    buf = io.BytesIO()
    Image.new("RGBA", (8, 8), (255, 0, 0, 0)).save(buf, "PNG")  # fully transparent
    assert open_picture(buf.getvalue()).getpixel((3, 3)) == (255, 255, 255)
    smaller, changed = fit_picture(Image.new("RGB", (2400, 1200)), 64)
    assert changed and smaller.size == (64, 32)
    same, changed = fit_picture(upright, 64)
    assert not changed and same is upright


# -- the OpenAI API ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def api_url(vstate) -> Iterator[str]:
    from fastapi import FastAPI

    from localai.api import mount_api
    from localai.auth import ApiKey
    from tests.app_process import serve_in_thread

    app = FastAPI()
    mount_api(app, vstate.services, ApiKey(None, False))
    url, server, thread = serve_in_thread(app)
    yield url
    server.should_exit = True
    thread.join(timeout=10)


def picture_question(url: str, text: str = "What is in this picture?") -> list[dict]:
    return [{"role": "user", "content": [{"type": "text", "text": text},
                                         {"type": "image_url", "image_url": {"url": url, "detail": "low"}}]}]


def client(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=url, api_key="anything", max_retries=0, timeout=60)


def test_the_api_answers_an_image_url_part(api_url, backend):
    c = client(api_url)
    kw = dict(model=VLM, max_tokens=10, temperature=0, seed=1)
    seen = c.chat.completions.create(messages=picture_question(data_url(noise(1))), **kw)
    blind = c.chat.completions.create(messages=[{"role": "user", "content": "What is in this picture?"}], **kw)
    assert seen.choices[0].message.content and seen.usage.completion_tokens == 10
    assert seen.usage.prompt_tokens >= blind.usage.prompt_tokens + IMAGE_TOKENS
    jpeg = c.chat.completions.create(messages=picture_question(data_url(noise(2, fmt="JPEG"), "image/jpeg")), **kw)
    assert jpeg.choices[0].message.content != seen.choices[0].message.content
    stream = c.chat.completions.create(messages=picture_question(data_url(noise(1))), stream=True, **kw)
    assert "".join(ch.choices[0].delta.content or "" for ch in stream if ch.choices) == seen.choices[0].message.content
    responses_style = [{"role": "user", "content": [{"type": "input_text", "text": "What is in this picture?"},
                                                    {"type": "input_image", "image_url": data_url(noise(1))}]}]
    again = httpx.post(api_url + "/chat/completions", json={"messages": responses_style, **kw}, timeout=60)
    assert again.status_code == 200
    assert again.json()["choices"][0]["message"]["content"] == seen.choices[0].message.content


@pytest.mark.parametrize(("url", "words"), [
    ("https://example.com/cat.png", "fetches nothing from the network"),
    ("http://127.0.0.1:9/cat.png", "fetches nothing from the network"),
    ("data:image/png;base64,!!!not-base64!!!", "not valid base64"),
    (data_url(b"GIF89a but not really a picture"), "not a picture"),
    ("data:image/png,rawbytes", "not base64"),
    ("cat.png", "not a data URL"),
])
def test_the_api_refuses_pictures_it_cannot_take_with_a_400(api_url, url, words):
    resp = httpx.post(api_url + "/chat/completions", json={"model": VLM, "messages": picture_question(url)},
                      timeout=30)
    assert resp.status_code == 400, resp.text
    err = resp.json()["error"]
    assert words in err["message"] and "messages[0].content[1]" in err["message"], err
    assert err["param"] == "messages[0].content", "the field, as for a wrong text part"
    assert err["type"] == "invalid_request_error"


def test_the_api_tells_a_text_only_model_cannot_see_pictures(api_url):
    with pytest.raises(openai.BadRequestError) as info:
        client(api_url).chat.completions.create(model=TEXT_ONLY, messages=picture_question(data_url(png())),
                                                max_tokens=4)
    assert info.value.status_code == 400
    assert "reads only text" in info.value.message and VLM in info.value.message
    missing = [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]
    resp = httpx.post(api_url + "/chat/completions", json={"model": VLM, "messages": missing}, timeout=30)
    assert resp.status_code == 400 and "messages[0].content[0]" in resp.json()["error"]["message"]


# -- the Chat tab's turns ---------------------------------------------------------------------------------------
def test_a_picture_given_to_the_message_box_reaches_the_model_is_shown_and_kept(vstate, tmp_path: Path) -> None:
    """Through the page's turn handler: the picture goes with its question, is shown before it, kept with the
    history (shown again when the conversation is reopened) and sent again with a follow-up question."""
    from types import SimpleNamespace

    from localai.ui.chat_turns import ChatTurns, shown_messages, to_messages
    from localai.ui.translator import Translator

    services = vstate.services
    picture = tmp_path / "red.png"
    picture.write_bytes(png((220, 20, 20)))
    request = SimpleNamespace(username="vera", session_hash="s-vera", headers={"accept-language": "en"},
                              client=SimpleNamespace(host="127.0.0.1"))
    turns = ChatTurns(services, Translator())
    values = (VLM, "", 0.7, 0.9, 40, 6, 1.0, 1)
    updates = list(turns.send({"text": "What colour is it?", "files": [str(picture)]}, [], None, "", *values,
                              request=request))
    history, cid = updates[-1][0], updates[0][3]
    assert [m["role"] for m in history] == ["user", "user", "assistant"] and history[-1]["content"]
    assert history[0]["content"]["path"], "the picture is shown before its question"
    conv = services.conversations.get("vera", cid)
    kept = services.chat_picture("vera", conv.messages[0]["meta"]["images"][0])
    assert kept is not None and kept.read_bytes() == picture.read_bytes()
    assert services.chat_picture("someone-else", conv.messages[0]["meta"]["images"][0]) is None, "the user's own"
    reopened = shown_messages(conv, services.chat_picture, "en")
    assert reopened[0]["content"]["path"] == str(kept) and reopened[1]["content"] == "What colour is it?"
    follow_up = to_messages(reopened, "", "And the background?")
    assert follow_up[0]["images"] == [picture.read_bytes()] and "images" not in follow_up[-1]
