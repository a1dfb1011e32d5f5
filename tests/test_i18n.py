"""English and Russian: every UI string in both, the messages of services and the system check
translated with their names and numbers intact, and how each request's language is picked."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from localai.errors import InvalidInput, NotEnoughMemory, UnknownModel, UserError
from localai.i18n import (
    LANGS,
    MESSAGES,
    STRINGS,
    ForcedLanguage,
    Translator,
    gradio_translations,
    language_from_header,
    language_of,
    placeholders,
    text,
    translate,
    translate_error,
    translate_plan,
)

CYRILLIC = re.compile("[а-яА-ЯёЁ]")
SAME_IN_BOTH = {"chat.top_p", "check.python", "common.info"}  # names, not words


def request(accept_language: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(headers={} if accept_language is None else {"accept-language": accept_language})


# --- the tables ------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", sorted(STRINGS))
def test_every_key_has_both_languages_with_the_same_placeholders(key: str) -> None:
    english, russian = STRINGS[key]
    assert english.strip() and russian.strip()
    assert placeholders(english) == placeholders(russian), key
    if key not in SAME_IN_BOTH and key != "hist.date":
        assert CYRILLIC.search(russian), f"{key}: the Russian text is not in Russian: {russian!r}"


def test_message_templates_have_matching_placeholders_and_no_duplicates() -> None:
    seen = set()
    for english, russian in MESSAGES:
        assert placeholders(english) == placeholders(russian), english
        assert CYRILLIC.search(russian), english
        assert english not in seen, f"listed twice: {english}"
        seen.add(english)


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

def test_unknown_model_keeps_the_list_of_names() -> None:
    exc = UnknownModel("Unknown chat model 'gpt-5'.", "Known chat models: tiny-llama, Qwen2.5-0.5B-Instruct.")
    ru = translate_error(exc, "ru")
    assert ru == "Неизвестная модель для чата: «gpt-5». Доступные модели для чата: tiny-llama, Qwen2.5-0.5B-Instruct."
    assert translate_error(exc, "en") == str(exc)


def test_not_enough_memory_keeps_numbers_and_model_names() -> None:
    exc = NotEnoughMemory("Qwen2.5-14B-Instruct (14.8B) does not fit: even 4-bit NF4 needs about 9.85 GB, and this "
                          "computer has 5.90 GB free GPU memory and 3.10 GB free RAM.",
                          "Try a smaller model such as Qwen2.5-7B-Instruct (7.6B), or close other programs to free "
                          "memory.")
    ru = translate_error(exc, "ru")
    for kept in ("Qwen2.5-14B-Instruct", "14.8B", "9.85 GB", "5.90 GB", "3.10 GB", "Qwen2.5-7B-Instruct", "7.6B"):
        assert kept in ru
    assert "не помещается" in ru and "видеопамяти" in ru and "Попробуйте модель поменьше" in ru
    assert not re.search(r"\b(does|fit|free|Try|programs)\b", ru), ru


def test_paths_and_commands_stay_intact() -> None:
    hint = ("Download it in the Models tab, or put a Hugging Face model folder at models/text/My_Model-7B/ "
            "and press Refresh.")
    ru = translate(hint, "ru")
    assert "models/text/My_Model-7B/" in ru and "«Обновить»" in ru
    gated = ("1) Open https://huggingface.co/meta/llama and accept the license while logged in. 2) Create a 'read' "
             "token at https://huggingface.co/settings/tokens. 3) In a terminal run `hf auth login` and paste it (or "
             "set the HF_TOKEN environment variable). 4) Restart LocalAI and press Download again. Or pick an ungated "
             "model.")
    ru = translate(gated, "ru")
    for kept in ("https://huggingface.co/meta/llama", "https://huggingface.co/settings/tokens", "`hf auth login`",
                 "HF_TOKEN"):
        assert kept in ru


def test_a_message_and_its_hint_in_one_string_are_both_translated() -> None:
    joined = "tiny is not downloaded yet. Download it in the Models tab, or put a Hugging Face model folder at " \
             "models/text/tiny/ and press Refresh."
    assert translate(joined, "ru") == ("Модель tiny ещё не скачана. Скачайте её на вкладке «Модели» или положите "
                                       "папку модели Hugging Face в models/text/tiny/ и нажмите «Обновить».")
    assert translate("⚠️ The prompt is empty.", "ru") == "⚠️ Описание картинки пустое."


def test_unknown_messages_stay_english() -> None:
    assert translate("A brand-new problem nobody has seen.", "ru") == "A brand-new problem nobody has seen."
    exc = UserError("A brand-new problem.", "Do the new thing.")
    assert translate_error(exc, "ru") == "A brand-new problem. Do the new thing."
    assert translate_error(ValueError("boom"), "ru") == "boom"


def test_the_common_errors_of_the_app_are_all_in_the_table(state) -> None:
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
        ru = translate_error(exc, "ru")
        assert ru != str(exc) and CYRILLIC.search(ru), f"not translated: {exc}"
        words = re.sub("«[^»]*»", "", ru)  # quoted examples stay as they are
        assert not re.search(r"\b(the|is|must|Use|Choose|Unknown)\b", words), f"English left in: {ru}"
        for number in re.findall(r"\d+", str(exc)):
            assert number in ru, f"{number} lost in {ru}"


def test_download_errors_are_in_the_table() -> None:
    from localai.catalog import ModelSpec
    from localai.downloads import _gated

    spec = ModelSpec("Llama-3-8B", "text", "hub", repo_id="meta-llama/Meta-Llama-3-8B", gated=True)
    for has_token in (False, True):
        exc = _gated(spec, has_token)
        ru = translate_error(exc, "ru")
        assert "Llama-3-8B" in ru and "https://huggingface.co/meta-llama/Meta-Llama-3-8B" in ru
        assert "закрытая" in ru and "Open" not in ru


def test_plan_lines_keep_numbers() -> None:
    reason = "CPU only: 181K params x 4 B = 0.7 MB fits in 22.6 GB free RAM -> fp32 (fastest on CPU)"
    ru = translate_plan(reason, "ru")
    assert ru == ("только процессор: 181K параметров x 4 B = 0.7 MB помещается в 22.6 GB свободной ОЗУ -> fp32 "
                  "(так быстрее всего на процессоре)")
    assert translate_plan("cpu · bf16 · 4-bit NF4 · offload: device_map", "ru") == \
        "cpu · bf16 · 4 бита NF4 · выгрузка: device_map"
    assert translate_plan(reason, "en") == reason


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
            for part in (p.title, p.fix):
                ru = translate(part, "ru")
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
    from localai.ui.check_panel import check_markdown
    from tests.test_doctor import HEALTHY_CPU

    md = check_markdown(dataclasses.replace(HEALTHY_CPU, port_free=True), Path("/data/models"),
                        "tiny-llama: cpu · fp32 · no quantization (CPU only: 181K params x 4 B = 0.7 MB fits in "
                        "22.6 GB free RAM -> fp32 (fastest on CPU))",
                        [Problem("warning", "Port 7860 on 127.0.0.1 is already in use (another program, or LocalAI "
                                 "already running).", "Nothing to do: LocalAI will use the next free port. To choose "
                                 "one, pass --port 7861 (or close the other program).")], "ru")
    assert "Найдено проблем: 1" in md and "⚠️ Предупреждение" in md and "Как исправить" in md
    assert "Порт 7860" in md and "--port 7861" in md
    assert "Только процессор: Ryzen 7" in md and "без квантования" in md and "`/data/models`" in md
    assert "Проблем не найдено" in check_markdown(HEALTHY_CPU, Path("m"), "", [], "ru")


# --- the UI edge ------------------------------------------------------------------------------------

def test_user_error_becomes_a_message_in_the_request_language() -> None:
    import gradio as gr

    from localai.ui.common import ui_handler, user_error

    exc = InvalidInput("The message is empty.", "Type something to send.")
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
