"""Chat templates that refuse what the page and the API send (defect 1 of issue 10).

Gemma 2's template raises "System role not supported" and "Conversation roles must alternate
...": the page always sends a system prompt, so every message failed (HTTP 500 through the API).
The system prompt now goes at the top of the first user turn, consecutive turns of one role are
joined, and a template that refuses anyway is a clear 400 naming the model and its reason.
Tiny models built offline, with the real transformers backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from localai.backends.prompting import build_prompt
from localai.backends.transformers_chat import ChatOptions
from localai.errors import InvalidInput
from tests.tiny_models import ALWAYS_REFUSING_TEMPLATE, GEMMA_STYLE_TEMPLATE, copy_with_chat_template

GEMMA, REFUSING = "tiny-gemma-style", "tiny-refusing"


@pytest.fixture(scope="module")
def template_models(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models folder with the tiny Llama (ChatML), a Gemma-style copy and one whose template refuses all."""
    root = tmp_path_factory.mktemp("template-models")
    llama = models_dir / "text" / "tiny-llama"
    (root / "text").mkdir(parents=True)
    (root / "text" / "tiny-llama").symlink_to(llama, target_is_directory=True)
    copy_with_chat_template(llama, root / "text" / GEMMA, GEMMA_STYLE_TEMPLATE)
    copy_with_chat_template(llama, root / "text" / REFUSING, ALWAYS_REFUSING_TEMPLATE)
    return root


@pytest.fixture(scope="module")
def tstate(template_models: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    from localai.config import parse_settings
    from localai.state import build_state

    tmp = tmp_path_factory.mktemp("template-state")
    settings = parse_settings(["--models-dir", str(template_models), "--data-dir", str(tmp / "data"),
                               "--outputs-dir", str(tmp / "outputs"), "--no-browser", "--offline"], env={})
    st = build_state(settings)
    yield st
    st.lanes.torch.call(st.registry.unload_all)
    st.lanes.shutdown()


def _tokenizer(folder: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(folder, local_files_only=True)


def ask(text: str, system: str = "Be brief.") -> list[dict]:
    return [{"role": "system", "content": system}, {"role": "user", "content": text}]


# -- the prompt ----------------------------------------------------------------------------------------
def test_system_prompt_goes_into_the_first_user_turn_when_the_template_has_no_system_role(template_models):
    prompt = build_prompt(_tokenizer(template_models / "text" / GEMMA), ask("What is Python?"), 512, 64,
                          model_name=GEMMA)
    assert prompt.templated
    assert prompt.text == "<start_of_turn>user\nBe brief.\n\nWhat is Python?<end_of_turn>\n<start_of_turn>model\n"
    assert [m["role"] for m in prompt.messages] == ["user"]


def test_consecutive_turns_of_one_role_are_joined_when_the_template_demands_alternation(template_models):
    messages = [*ask("First question."), {"role": "user", "content": "And a second one?"}]
    prompt = build_prompt(_tokenizer(template_models / "text" / GEMMA), messages, 512, 64, model_name=GEMMA)
    assert prompt.text.count("<start_of_turn>user") == 1
    assert "Be brief.\n\nFirst question.\n\nAnd a second one?<end_of_turn>" in prompt.text


def test_a_template_with_a_system_role_keeps_it(template_models):
    prompt = build_prompt(_tokenizer(template_models / "text" / "tiny-llama"), ask("Hi"), 512, 64)
    assert "<|im_start|>system\nBe brief.<|im_end|>" in prompt.text, "nothing changes for templates that accept it"


def test_trimming_a_long_conversation_keeps_the_system_prompt_in_the_first_user_turn(template_models):
    history = [{"role": "system", "content": "SYSTEM-RULES stay."}]
    for i in range(30):
        history += [{"role": "user", "content": f"Question {i}: " + "the quick brown fox " * 3},
                    {"role": "assistant", "content": f"Answer {i}: " + "the lazy dog " * 3}]
    history.append({"role": "user", "content": "LAST-QUESTION?"})
    prompt = build_prompt(_tokenizer(template_models / "text" / GEMMA), history, 512, 64, model_name=GEMMA)
    assert prompt.dropped > 0 and "Question 0:" not in prompt.text
    assert prompt.messages[0]["role"] == "user" and prompt.messages[0]["content"].startswith("SYSTEM-RULES stay.")
    assert prompt.text.endswith("LAST-QUESTION?<end_of_turn>\n<start_of_turn>model\n")


def test_a_template_that_refuses_anyway_is_a_clear_error_naming_the_model(template_models):
    with pytest.raises(InvalidInput) as err:
        build_prompt(_tokenizer(template_models / "text" / REFUSING), ask("Hi"), 512, 64, model_name=REFUSING)
    assert REFUSING in err.value.message and "Only tool calls are supported" in err.value.message
    assert err.value.status == 400 and err.value.hint


# -- through services: what the page does (it always sends the system prompt) ----------------------------
def test_the_page_can_chat_with_a_model_whose_template_has_no_system_role(tstate):
    job = tstate.services.chat(GEMMA, ask("Hello there"), ChatOptions(max_new_tokens=6, seed=1))
    result = job.wait()
    assert result.completion_tokens == 6 and result.text
    assert result.prompt_tokens > 5


def test_the_page_gets_a_clear_message_when_the_template_refuses(tstate):
    with pytest.raises(InvalidInput, match=f"{REFUSING}.*Only tool calls are supported"):
        tstate.services.chat(REFUSING, ask("Hello there"), ChatOptions(max_new_tokens=4)).wait()
    answer = tstate.services.chat("tiny-llama", ask("Still there?"), ChatOptions(max_new_tokens=3)).wait()
    assert answer.completion_tokens == 3, "the worker keeps serving"


# -- through the OpenAI-compatible API -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def api_url(tstate) -> Iterator[str]:
    from fastapi import FastAPI

    from localai.api import mount_api
    from localai.auth import ApiKey
    from tests.app_process import serve_in_thread

    app = FastAPI()
    mount_api(app, tstate.services, ApiKey(None, False))
    url, server, thread = serve_in_thread(app)
    yield url
    server.should_exit = True
    thread.join(timeout=10)


def test_api_answers_a_system_message_for_a_template_without_a_system_role(api_url):
    body = {"model": GEMMA, "messages": ask("Hello there"), "max_tokens": 5}
    resp = httpx.post(api_url + "/chat/completions", json=body, timeout=60)
    assert resp.status_code == 200, resp.text
    out = resp.json()
    assert out["choices"][0]["message"]["content"] and out["usage"]["completion_tokens"] == 5


@pytest.mark.parametrize("stream", [False, True])
def test_api_refusal_by_the_template_is_400_naming_the_model_not_500(api_url, stream):
    body = {"model": REFUSING, "messages": ask("Hello there"), "max_tokens": 5, "stream": stream}
    resp = httpx.post(api_url + "/chat/completions", json=body, timeout=60)
    assert resp.status_code == 400, resp.text
    err = resp.json()["error"]
    assert err["type"] == "invalid_request_error"
    assert REFUSING in err["message"] and "Only tool calls are supported" in err["message"]
    assert "TemplateError" not in err["message"] and "Traceback" not in err["message"]
