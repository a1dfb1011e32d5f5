"""English and Russian on the page, in errors and in the system check: texts by key, rendered in each
request's language with their names and numbers intact, and how each request's language is picked.
(tests/test_messages.py checks the catalogs against the code.)"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from localai.errors import InvalidInput, ModelUnavailable, NotEnoughMemory, UnknownModel, UserError
from localai.messages import LANGS, Message, language_from_header, language_of, render, text
from localai.serving import ForcedLanguage
from localai.ui.translator import Translator, gradio_translations

CYRILLIC = re.compile("[а-яА-ЯёЁ]")
G = 1024**3


def request(accept_language: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(headers={} if accept_language is None else {"accept-language": accept_language})


def test_text_fills_placeholders_in_each_language() -> None:
    assert text("en", "common.unloaded", name="tiny-llama") == "tiny-llama was unloaded; its memory is free."
    assert text("ru", "common.unloaded", name="tiny-llama") == "Модель tiny-llama выгружена, её память освобождена."
    assert text("ru-RU", "chat.send") == "Отправить" and text("de", "chat.send") == "Send"


# --- picking the language ------------------------------------------------------------------------

@pytest.mark.parametrize(("header", "lang"), [
    ("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru"),
    ("ru", "ru"),
    ("en-US,en;q=0.9,ru;q=0.8", "en"),
    ("en;q=0.5, ru;q=0.8", "ru"),  # the highest q wins
    ("de-DE,de;q=0.9", "en"),  # no Russian: English, as the page falls back to
    ("uk,ru;q=0.9", "en"),  # the browser's first language decides, as in the page
    ("", "en"),
    (None, "en"),
    ("*", "en"),
    ("ru;q=garbage,en;q=0.1", "en"),
])
def test_language_from_accept_language(header: str | None, lang: str) -> None:
    assert language_from_header(header) == lang


def test_lang_flag_forces_one_language_whatever_the_browser_says() -> None:
    assert language_of(request("ru-RU,ru"), None) == "ru"
    assert language_of(request("ru-RU,ru"), "en") == "en"
    assert language_of(request("en-US"), "ru") == "ru"
    assert language_of(None, None) == "en"
    tr = Translator("ru")
    assert tr.lang(request("en-US")) == "ru"
    assert tr(request("en-US"), "chat.send") == "Отправить"
    assert Translator()(request("ru"), "chat.send") == "Отправить"
    assert Translator()("en", "chat.send") == "Send"


def test_gradio_tables_follow_the_browser_unless_forced() -> None:
    both = gradio_translations(None)
    assert set(both) == set(LANGS)
    assert both["en"]["tab.chat"] == "Chat" and both["ru"]["tab.chat"] == "Чат"
    for forced, word in (("ru", "Чат"), ("en", "Chat")):
        tables = gradio_translations(forced)
        assert {tables[lang]["tab.chat"] for lang in LANGS} == {word}
        assert tables["en"] == tables["ru"]


def test_ui_keys_are_checked_when_the_page_is_built() -> None:
    assert Translator().ui("chat.send").key == "chat.send"
    with pytest.raises(KeyError):
        Translator().ui("chat.no-such-key")


# --- messages from services and backends ----------------------------------------------------------

def test_unknown_model_keeps_the_list_of_names(state) -> None:
    with pytest.raises(UnknownModel) as info:
        state.services.chat("gpt-5", [{"role": "user", "content": "hi"}])
    exc = info.value
    ru = render(exc, "ru")
    assert ru.startswith("Неизвестная модель для чата: «gpt-5». Доступные модели для чата: tiny-llama")
    assert render(exc, "en") == str(exc) and str(exc).startswith("Unknown chat model 'gpt-5'. Known chat models:")


def test_not_enough_memory_keeps_numbers_and_model_names() -> None:
    from localai.catalog import ModelSpec
    from localai.hardware import HardwareInfo
    from localai.plan import plan_text_load

    hw = HardwareInfo("cuda", "GeForce GTX 1650", 4 * G, int(3.4 * G), 16 * G, 3 * G, bnb_ok=True)
    big = ModelSpec("Qwen2.5-14B-Instruct", "text", "hub", params=int(14.8e9))
    smaller = ModelSpec("Qwen2.5-1.5B-Instruct", "text", "hub", params=int(1.5e9))
    with pytest.raises(NotEnoughMemory) as info:
        plan_text_load(big, hw, alternatives=[big, smaller])
    exc = info.value
    ru = render(exc, "ru")
    for kept in ("Qwen2.5-14B-Instruct", "14.8B", "Qwen2.5-1.5B-Instruct", "1.5B", "4 бита NF4"):
        assert kept in ru
    for number in re.findall(r"\d+\.\d+ GB", str(exc)):
        assert number in ru
    assert "не помещается" in ru and "видеопамяти" in ru and "Попробуйте модель поменьше" in ru
    assert not re.search(r"\b(does|fit|free|Try|programs|params)\b", ru), ru


def test_paths_and_commands_stay_intact() -> None:
    from localai.backends.model_files import local_folder
    from localai.catalog import ModelSpec
    from localai.downloads import _gated

    with pytest.raises(ModelUnavailable) as info:
        local_folder(ModelSpec("My_Model-7B", "text", "hub"))
    ru = render(info.value, "ru")
    assert ru == ("Модель My_Model-7B ещё не скачана. Скачайте её на вкладке «Модели» или положите папку модели "
                  "Hugging Face в models/text/My_Model-7B/ и нажмите «Обновить».")
    gated = render(_gated(ModelSpec("llama", "text", "hub", repo_id="meta/llama", gated=True), False), "ru")
    for kept in ("https://huggingface.co/meta/llama", "https://huggingface.co/settings/tokens", "`hf auth login`",
                 "HF_TOKEN"):
        assert kept in gated


def test_the_common_errors_of_the_app_are_all_in_russian(state) -> None:
    """Real errors raised by the code itself, not copies of their texts."""
    from localai.options import ChatOptions
    from localai.image_request import ImageRequest

    errors: list[UserError] = []

    def catch(fn) -> None:
        with pytest.raises(UserError) as info:
            fn()
        errors.append(info.value)

    services = state.services
    catch(lambda: services.chat("tiny-llama", [{"role": "user", "content": "  "}]))
    catch(lambda: services.chat("no-such-model", [{"role": "user", "content": "hi"}]))
    catch(lambda: services.chat("tiny-llama", [{"role": "user", "content": "hi"}], ChatOptions(temperature=9)))
    catch(lambda: ImageRequest(prompt="").check())
    catch(lambda: ImageRequest(prompt="x", steps=100000).check())
    catch(lambda: ImageRequest(prompt="x", num_images=99).check())
    catch(lambda: ImageRequest(prompt="x", guidance_scale=99.0).check())
    catch(lambda: ImageRequest(prompt="x", seed=-5).check())
    catch(lambda: ImageRequest(prompt="x", scheduler="Nope").check())
    catch(lambda: ImageRequest(prompt="x", width=65).with_defaults("sd15", "tiny-sd"))
    catch(lambda: services.generate_images("no-such-image-model", ImageRequest(prompt="x")))
    for exc in errors:
        ru = render(exc, "ru")
        assert ru != str(exc) and CYRILLIC.search(ru), f"not translated: {exc}"
        words = re.sub("«[^»]*»", "", ru)  # quoted examples stay as they are
        assert not re.search(r"\b(the|is|must|Use|Choose|Unknown)\b", words), f"English left in: {ru}"
        for number in re.findall(r"\d+", str(exc)):
            assert number in ru, f"{number} lost in {ru}"


def test_download_errors_are_in_russian() -> None:
    from localai.catalog import ModelSpec
    from localai.downloads import _gated

    spec = ModelSpec("Llama-3-8B", "text", "hub", repo_id="meta-llama/Meta-Llama-3-8B", gated=True)
    for has_token in (False, True):
        exc = _gated(spec, has_token)
        ru = render(exc, "ru")
        assert "Llama-3-8B" in ru and "https://huggingface.co/meta-llama/Meta-Llama-3-8B" in ru
        assert "закрытая" in ru and "Open" not in ru


def test_plan_lines_keep_numbers() -> None:
    from localai.catalog import ModelSpec
    from localai.hardware import HardwareInfo
    from localai.plan import LoadPlan, LoadPrefs, plan_text_load

    hw = HardwareInfo("cpu", "Ryzen 7", 0, 0, 32 * G, int(22.6e9), bnb_ok=True)
    plan = plan_text_load(ModelSpec("tiny", "text", "local", params=181_000), hw)
    assert render(plan.reason, "en") == \
        "CPU only: 181K params x 4 B = 0.7 MB fits in 22.6 GB free RAM -> fp32 (fastest on CPU)"
    assert render(plan.reason, "ru") == ("только процессор: 181K параметров x 4 B = 0.7 MB помещается в 22.6 GB "
                                         "свободной ОЗУ -> fp32 (так быстрее всего на процессоре)")
    assert render(LoadPlan("cpu", "bf16", "nf4", "device_map").describe(), "ru") == \
        "cpu · bf16 · 4 бита NF4 · выгрузка: device_map"
    forced = plan_text_load(ModelSpec("tiny", "text", "local", params=181_000), hw, LoadPrefs(dtype="bf16"))
    assert render(forced.reason, "ru").startswith("только процессор: ваш выбор: 181K параметров")


def test_image_plan_reasons_are_russian_in_russian() -> None:
    from localai.catalog import ModelSpec
    from localai.hardware import HardwareInfo
    from localai.plan import LoadPrefs, plan_image_load

    sd = ModelSpec("SD 1.5", "image", "hub", params=1_066_235_307, family="sd15")
    cases = [HardwareInfo("cpu", "Ryzen 7", 0, 0, 32 * G, 24 * G),
             HardwareInfo("cuda", "RTX 3060", 12 * G, 11 * G, 32 * G, 24 * G, bnb_ok=True),
             HardwareInfo("cuda", "GTX 1050", 2 * G, int(1.9 * G), 32 * G, 24 * G, bnb_ok=True)]
    reasons = [plan_image_load(sd, hw).reason for hw in cases]
    reasons.append(plan_image_load(sd, cases[1], LoadPrefs(quantization="nf4", offload="model")).reason)
    for reason in reasons:
        en, ru = render(reason, "en"), render(reason, "ru")
        assert CYRILLIC.search(ru) and en != ru
        assert not re.search(r"\b(fits|free|working|memory|with|offload|your)\b", ru), ru
        for number in re.findall(r"\d+(?:\.\d+)?", en):
            assert number in ru, f"{number} lost in {ru}"


# --- the system check, in Russian -----------------------------------------------------------------

def test_every_problem_of_the_system_check_is_translated() -> None:
    from localai.doctor import diagnose
    from tests.test_doctor import CPU_HW, HEALTHY_CPU, HEALTHY_GPU, HUB_7B, SETTINGS, facts, no_torch

    broken = [
        facts(python=(3, 9, 18)), facts(is_64bit=False), no_torch(),
        no_torch(torch_error="libcudart.so.12: cannot open shared object file"),
        facts(versions={"transformers": None, "gradio": None}),
        facts(HEALTHY_CPU, nvidia_gpu=True, nvidia_driver="570.86.15", nvidia_max_cuda="12.8"),
        facts(HEALTHY_CPU, amd_gpu=True),
        facts(HEALTHY_CPU, amd_gpu=True, torch_build="rocm 6.4", versions={"torch": "2.13.0+rocm6.4"}),
        facts(nvidia_driver="560.35", nvidia_max_cuda="12.6", cuda_available=False, hardware=CPU_HW),
        facts(nvidia_driver="560.35", nvidia_max_cuda="12.6", cuda_available=True),
        facts(nvidia_driver="535.1", nvidia_max_cuda="12.2", cuda_available=False, hardware=CPU_HW),
        facts(cuda_available=False, hardware=CPU_HW),
        facts(bnb_ok=False, bnb_problem="libbitsandbytes_cuda128.so not found"),
        facts(free_disk=int(0.5e9)), facts(free_disk=5 * 1024**3),
        facts(models_writable=False, data_writable=False, outputs_writable=False),
        facts(port_free=False), facts(HEALTHY_GPU, os_name="Windows", port_free=False, versions={"torch": None},
                                      torch_build=None, hardware=None),
        facts(hardware=None, hardware_error="ModuleNotFoundError: No module named 'psutil'"),
    ]
    seen = 0
    for f in broken:
        for p in diagnose(f, SETTINGS, HUB_7B):
            seen += 1
            for message in (p.title, p.fix):
                part, ru = render(message, "en"), render(message, "ru")
                assert ru != part and CYRILLIC.search(ru), f"not translated: {part}"
                words = re.sub(r"`[^`]*`|\([^)]*\)|\S*[/\\=]\S*", "", ru)  # commands, paths, details
                assert not re.search(r"\b(the|is|and|your|to|of)\b", words), f"English left in: {ru}"
                for number in re.findall(r"\d+(?:\.\d+)?", part):
                    assert number in ru, f"{number} lost in {ru}"
                for kept in re.findall(r"(?:--[\w-]+|https?://\S+?)(?=[\s),.;]|$)", part):
                    assert kept in ru, f"{kept} lost in {ru}"
    assert seen >= 20


def test_check_panel_shows_problems_and_facts_in_russian() -> None:
    from localai.doctor import Problem
    from localai.plan import LoadPlan
    from localai.ui.check_panel import check_markdown
    from tests.test_doctor import HEALTHY_CPU

    reason = Message("plan.text.fits", prefix=Message("plan.prefix.cpu_only"), what="fp32",
                     size=Message("plan.text.size", params=Message("plan.params", count="181K"), bytes="4",
                                  need="0.7 MB"), free="22.6 GB", where=Message("plan.free.ram"),
                     extra=Message("plan.extra.fastest_on_cpu"))
    plan = Message("doctor.plan.line", name="tiny-llama", plan=LoadPlan("cpu", "fp32").describe(), reason=reason)
    md = check_markdown(dataclasses.replace(HEALTHY_CPU, port_free=True), Path("/data/models"), plan,
                        [Problem("warning", Message("doctor.port_in_use", port=7860, host="127.0.0.1"),
                                 Message("doctor.port_fix", port=7861))], "ru")
    assert "Найдено проблем: 1" in md and "⚠️ Предупреждение" in md and "Как исправить" in md
    assert "Порт 7860" in md and "--port 7861" in md
    assert "Только процессор: Ryzen 7" in md and "без квантования" in md and "`/data/models`" in md
    assert "так быстрее всего на процессоре" in md
    assert "Проблем не найдено" in check_markdown(HEALTHY_CPU, Path("m"), None, [], "ru")


# --- the UI edge ------------------------------------------------------------------------------------

def test_user_error_becomes_a_message_in_the_request_language() -> None:
    import gradio as gr

    from localai.ui.common import ui_handler, user_error

    exc = InvalidInput("error.chat.empty_message", "hint.chat.type_something")
    assert user_error(exc, "ru").message == "Сообщение пустое. Напишите что-нибудь, чтобы отправить."
    assert user_error(exc).message == "The message is empty. Type something to send."
    assert "Что-то пошло не так (KeyError)" in user_error(KeyError("x"), "ru").message
    already = gr.Error("Already a page message.")
    assert user_error(already, "ru") is already

    @ui_handler
    def handler(value: str, request: gr.Request) -> str:
        raise exc

    ru_request = gr.Request(headers={"accept-language": "ru-RU,ru;q=0.9"})
    with pytest.raises(gr.Error) as info:
        handler("x", ru_request)
    assert info.value.message.startswith("Сообщение пустое.")


# --- --lang: the middleware ---------------------------------------------------------------------------

def test_forced_language_rewrites_the_header_and_tells_the_page() -> None:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.responses import HTMLResponse, PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    def page(req) -> HTMLResponse:
        return HTMLResponse(f"<html><head><title>x</title></head><body>{req.headers.get('accept-language')}</body>")

    def plain(req) -> PlainTextResponse:
        return PlainTextResponse(req.headers.get("accept-language") or "")

    app = Starlette(routes=[Route("/", page), Route("/plain", plain, methods=["GET", "POST"])],
                    middleware=[Middleware(ForcedLanguage, lang="ru")])
    client = TestClient(app)
    html = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert html.status_code == 200
    assert html.text.startswith("<html><head><script>") and "'ru-RU'" in html.text and "navigator" not in html.text[:6]
    assert html.text.endswith("<body>ru-RU,ru;q=0.9</body>")
    assert int(html.headers["content-length"]) == len(html.content)
    assert client.get("/plain", headers={"Accept-Language": "de"}).text == "ru-RU,ru;q=0.9"
    assert client.post("/plain").text == "ru-RU,ru;q=0.9"
    assert "<script>" not in client.get("/plain").text
