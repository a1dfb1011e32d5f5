"""Tool calling through ``POST /v1/chat/completions``, driven by the official ``openai`` client against a real
HTTP server: the whole loop (tools -> tool_calls -> a ``tool`` message -> the final answer), streamed and not.

A tiny random model never writes a tool call, so the answers come from a scripted backend that still renders
its prompt with a real tokenizer and a real Hermes / Qwen-style chat template (what each prompt held is kept,
so the tests see the tools and the tool results reach the template). One test runs the real tiny transformers
model with that template, one the tiny model whose template shows no tools.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import openai
import pytest

from localai.auth import ApiKey
from localai.backends.base import ChatResult
from localai.backends.prompting import build_prompt
from localai.catalog import ModelSpec
from localai.jobs import CancelToken
from localai.messages import Message
from localai.options import ChatOptions
from localai.plan import LoadPlan
from tests.app_process import serve_in_thread
from tests.fake_backends import plan_fake_load
from tests.tiny_models import copy_with_chat_template

# Qwen 2.5's tool template, shape for shape (ChatML, the tools listed in the system turn, calls in <tool_call>,
# results in <tool_response>).
TOOLS_TEMPLATE = (
    "{%- if tools %}<|im_start|>system\n"
    "{%- if messages[0].role == 'system' %}{{ messages[0].content }}\n\n{% endif %}"
    "# Tools\n<tools>{% for tool in tools %}\n{{ tool | tojson }}{% endfor %}\n</tools>\n"
    "For each call return <tool_call>{\"name\": <name>, \"arguments\": <args>}</tool_call><|im_end|>\n"
    "{%- elif messages[0].role == 'system' %}<|im_start|>system\n{{ messages[0].content }}<|im_end|>\n{% endif %}"
    "{%- for message in messages %}"
    "{%- if message.role == 'system' %}"
    "{%- elif message.role == 'assistant' and message.tool_calls %}<|im_start|>assistant\n"
    "{{ message.content or '' }}{% for call in message.tool_calls %}<tool_call>\n"
    "{\"name\": \"{{ call.function.name }}\", \"arguments\": {{ call.function.arguments | tojson }}}\n"
    "</tool_call>{% endfor %}<|im_end|>\n"
    "{%- elif message.role == 'tool' %}<|im_start|>user\n<tool_response>\n{{ message.content }}\n"
    "</tool_response><|im_end|>\n"
    "{%- else %}<|im_start|>{{ message.role }}\n{{ message.content }}<|im_end|>\n{% endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

SCRIPTED = "scripted-tools"
WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "The weather now in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
TIME = {"type": "function", "function": {"name": "get_time", "description": "The time in a zone.",
                                         "parameters": {"type": "object", "properties": {"zone": {"type": "string"}}}}}
# A model another server serves: tools are not forwarded to remote servers, so they are refused.
REMOTE = ModelSpec(name="remote-tools", kind="text", source="remote", backend=SCRIPTED, family="fake", params=1000,
                   servers=("pc2",))
CALL_PARIS = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'


@dataclass
class Script:
    """What the scripted model answers (one text per request, in order) and the prompts it was given."""

    answers: list[str] = field(default_factory=list)
    prompts: list[str] = field(default_factory=list)


class ScriptedToolsBackend:
    """A chat backend that renders the prompt with the tiny tools model's real tokenizer and template, then
    answers with the script's next text, a few characters at a time."""

    streaming = True
    images_in = False
    batching = False

    def __init__(self, spec: ModelSpec, plan: LoadPlan, script: Script, folder: Path) -> None:
        self.spec, self.plan, self.script, self.folder = spec, plan, script, folder
        self.tokenizer = None

    def load(self, on_status: Callable[[Message], None]) -> None:
        from transformers import AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(self.folder, local_files_only=True)

    def unload(self) -> None:
        self.tokenizer = None

    def stream_chat(self, messages: Sequence[dict], options: ChatOptions, cancel: CancelToken,
                    on_text: Callable[[str], None], *, on_notice=None, on_start=None) -> ChatResult:
        prompt = build_prompt(self.tokenizer, messages, 8192, options.max_new_tokens, model_name=self.spec.name,
                              cancel=cancel, tools=[json.loads(t) for t in options.tools])
        self.script.prompts.append(prompt.text)
        if on_start is not None:
            on_start()
        text = self.script.answers.pop(0) if self.script.answers else "Nothing to call."
        for at in range(0, len(text), 5):
            on_text(text[at:at + 5])
        return ChatResult(text, len(prompt.text) // 4, max(1, len(text) // 4), 0.01, 0.001, "stop", 0, 1, self.plan,
                          self.spec.name)


@dataclass
class Server:
    url: str
    state: object
    script: Script

    def client(self) -> openai.OpenAI:
        return openai.OpenAI(base_url=self.url, api_key="anything", max_retries=0, timeout=60)

    def post(self, body: dict) -> httpx.Response:
        return httpx.post(self.url + "/chat/completions", json=body, timeout=60)


@pytest.fixture(scope="module")
def server(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from fastapi import FastAPI

    from localai.api import mount_api
    from localai.config import parse_settings
    from localai.state import build_state

    tmp = tmp_path_factory.mktemp("api-tools")
    models = tmp / "models"
    (models / "text").mkdir(parents=True)
    for name in ("tiny-llama", "tiny-qwen2"):  # ChatML without tools; no template at all
        (models / "text" / name).symlink_to(models_dir / "text" / name, target_is_directory=True)
    tools_folder = copy_with_chat_template(models_dir / "text" / "tiny-llama", models / "text" / "tiny-tools",
                                           TOOLS_TEMPLATE)
    settings = parse_settings(["--models-dir", str(models), "--data-dir", str(tmp / "data"),
                               "--outputs-dir", str(tmp / "outputs"), "--no-browser", "--offline"], env={})
    state = build_state(settings)
    script = Script()
    spec = ModelSpec(name=SCRIPTED, kind="text", source="local", backend=SCRIPTED, family="fake", params=1000,
                     context_length=8192)
    state.registry.register(SCRIPTED, kind="text", planner=plan_fake_load,
                            factory=lambda s, plan: ScriptedToolsBackend(s, plan, script, tools_folder),
                            scanners=(lambda s: [spec, REMOTE],))
    app = FastAPI()
    mount_api(app, state.services, ApiKey(None, False))
    url, srv, thread = serve_in_thread(app)
    yield Server(url, state, script)
    srv.should_exit = True
    thread.join(timeout=10)
    state.lanes.torch.call(state.registry.unload_all)
    state.lanes.shutdown()


@pytest.fixture()
def script(server: Server) -> Script:
    server.script.answers.clear()
    server.script.prompts.clear()
    return server.script


def ask(text: str) -> list[dict]:
    return [{"role": "system", "content": "You are helpful."}, {"role": "user", "content": text}]


# -- the loop --------------------------------------------------------------------------------------------
def test_the_tool_calling_loop(server, script):
    script.answers += [CALL_PARIS, "It is sunny in Paris, 22 degrees."]
    client = server.client()
    messages = ask("What is the weather in Paris?")
    first = client.chat.completions.create(model=SCRIPTED, messages=messages, tools=[WEATHER, TIME])
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None and len(choice.message.tool_calls) == 1
    call = choice.message.tool_calls[0]
    assert call.type == "function" and call.id.startswith("call_") and call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    assert "get_weather" in script.prompts[0] and "The weather now in a city." in script.prompts[0]
    assert "get_time" in script.prompts[0], "every tool is offered"

    messages.append(choice.message)  # as OpenAI's own guide does: the assistant's message object itself
    messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps({"temperature": 22})})
    final = client.chat.completions.create(model=SCRIPTED, messages=messages, tools=[WEATHER, TIME])
    assert final.choices[0].finish_reason == "stop"
    assert final.choices[0].message.content == "It is sunny in Paris, 22 degrees."
    assert not final.choices[0].message.tool_calls
    prompt = script.prompts[1]
    assert '<tool_response>\n{"temperature": 22}\n</tool_response>' in prompt, "the tool's result reached the template"
    assert '{"name": "get_weather", "arguments": {"city": "Paris"}}' in prompt, "so did the call (arguments: an object)"
    assert prompt.endswith("<|im_start|>assistant\n")


def test_the_tool_calling_loop_streamed(server, script):
    script.answers += ["Let me look it up.\n" + CALL_PARIS, "Sunny, 22 degrees."]
    client = server.client()
    messages = ask("Weather in Paris?")
    stream = client.chat.completions.create(model=SCRIPTED, messages=messages, tools=[WEATHER], stream=True)
    text, calls, finish = "", {}, None
    for chunk in stream:
        if not chunk.choices:
            continue
        delta = chunk.choices[0].delta
        text += delta.content or ""
        assert "<tool" not in (delta.content or ""), "a call never leaks out as text"
        for part in delta.tool_calls or ():
            entry = calls.setdefault(part.index, {"id": "", "name": "", "arguments": ""})
            entry["id"] += part.id or ""
            entry["name"] += part.function.name or ""
            entry["arguments"] += part.function.arguments or ""
        finish = chunk.choices[0].finish_reason or finish
    assert finish == "tool_calls" and text.strip() == "Let me look it up."
    assert list(calls) == [0] and calls[0]["name"] == "get_weather"
    assert json.loads(calls[0]["arguments"]) == {"city": "Paris"} and calls[0]["id"].startswith("call_")

    messages.append({"role": "assistant", "content": text, "tool_calls": [
        {"id": calls[0]["id"], "type": "function",
         "function": {"name": calls[0]["name"], "arguments": calls[0]["arguments"]}}]})
    messages.append({"role": "tool", "tool_call_id": calls[0]["id"], "content": "sunny, 22"})
    with client.chat.completions.stream(model=SCRIPTED, messages=messages, tools=[WEATHER]) as events:
        final = events.get_final_completion()
    assert final.choices[0].message.content == "Sunny, 22 degrees." and final.choices[0].finish_reason == "stop"
    assert "<tool_response>\nsunny, 22\n</tool_response>" in script.prompts[1]


def test_the_openai_stream_helper_assembles_streamed_calls(server, script):
    script.answers.append(CALL_PARIS + '\n<tool_call>{"name": "get_time", "arguments": {"zone": "CET"}}</tool_call>')
    with server.client().chat.completions.stream(model=SCRIPTED, messages=ask("Weather and time?"),
                                                 tools=[WEATHER, TIME]) as events:
        final = events.get_final_completion()
    calls = final.choices[0].message.tool_calls
    assert final.choices[0].finish_reason == "tool_calls"
    assert [c.function.name for c in calls] == ["get_weather", "get_time"]
    assert json.loads(calls[1].function.arguments) == {"zone": "CET"} and calls[0].id != calls[1].id


def test_parallel_tool_calls_false_keeps_the_first_call(server, script):
    script.answers.append(CALL_PARIS + '<tool_call>{"name": "get_time", "arguments": {}}</tool_call>')
    out = server.client().chat.completions.create(model=SCRIPTED, messages=ask("Both?"), tools=[WEATHER, TIME],
                                                  parallel_tool_calls=False)
    assert [c.function.name for c in out.choices[0].message.tool_calls] == ["get_weather"]


def test_a_botched_call_comes_back_as_text_with_finish_stop(server, script):
    botched = '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"</tool_call>'
    script.answers += [botched, botched]
    out = server.client().chat.completions.create(model=SCRIPTED, messages=ask("Weather?"), tools=[WEATHER])
    assert out.choices[0].finish_reason == "stop" and not out.choices[0].message.tool_calls
    assert out.choices[0].message.content == botched
    with server.client().chat.completions.stream(model=SCRIPTED, messages=ask("Weather?"), tools=[WEATHER]) as events:
        final = events.get_final_completion()
    assert final.choices[0].message.content == botched and final.choices[0].finish_reason == "stop"


def test_an_unknown_function_is_not_a_call(server, script):
    script.answers.append('<tool_call>{"name": "launch", "arguments": {}}</tool_call>')
    out = server.client().chat.completions.create(model=SCRIPTED, messages=ask("Go"), tools=[WEATHER])
    assert out.choices[0].finish_reason == "stop" and "launch" in out.choices[0].message.content


def test_tool_choice_none_offers_no_tools_and_a_named_choice_offers_only_that_one(server, script):
    script.answers += ["Plain words.", CALL_PARIS]
    out = server.client().chat.completions.create(model=SCRIPTED, messages=ask("Hi"), tools=[WEATHER, TIME],
                                                  tool_choice="none")
    assert out.choices[0].message.content == "Plain words." and "<tools>" not in script.prompts[0]
    out = server.client().chat.completions.create(
        model=SCRIPTED, messages=ask("Weather?"), tools=[WEATHER, TIME],
        tool_choice={"type": "function", "function": {"name": "get_weather"}})
    assert out.choices[0].finish_reason == "tool_calls"
    assert "get_weather" in script.prompts[1] and "get_time" not in script.prompts[1]


def test_tool_choice_required_without_a_call_finishes_with_stop(server, script):
    script.answers.append("I would rather just answer.")
    out = server.client().chat.completions.create(model=SCRIPTED, messages=ask("Hi"), tools=[WEATHER],
                                                  tool_choice="required")
    assert out.choices[0].finish_reason == "stop" and out.choices[0].message.content == "I would rather just answer."


def test_without_tools_a_tool_call_like_answer_is_plain_text(server, script):
    script.answers.append(CALL_PARIS)
    out = server.client().chat.completions.create(model=SCRIPTED, messages=ask("Hi"))
    assert out.choices[0].message.content == CALL_PARIS and out.choices[0].finish_reason == "stop"


# -- the real tiny model ---------------------------------------------------------------------------------
def test_the_tools_reach_the_real_models_prompt(server):
    client = server.client()
    plain = client.chat.completions.create(model="tiny-tools", messages=ask("Hi"), max_tokens=3, temperature=0)
    tools = client.chat.completions.create(model="tiny-tools", messages=ask("Hi"), max_tokens=3, temperature=0,
                                           tools=[WEATHER])
    assert tools.usage.prompt_tokens > plain.usage.prompt_tokens + 20, "the tool's definition is in the prompt"
    assert tools.choices[0].finish_reason in ("length", "stop"), "a random model writes no call"


@pytest.mark.parametrize("model", ["tiny-llama", "tiny-qwen2"])
def test_a_template_without_tool_support_is_a_400(server, model):
    with pytest.raises(openai.BadRequestError) as info:
        server.client().chat.completions.create(model=model, messages=ask("Hi"), max_tokens=3, tools=[WEATHER])
    assert "no tool support" in info.value.message and "Qwen2.5 Instruct" in info.value.message
    assert info.value.param == "tools"


# -- bad requests ----------------------------------------------------------------------------------------
def bad(server: Server, param: str, **body) -> str:
    resp = server.post({"model": SCRIPTED, "messages": ask("Hi")} | body)
    assert resp.status_code == 400, resp.text
    error = resp.json()["error"]
    assert error["param"] == param and error["type"] == "invalid_request_error"
    return error["message"]


def test_bad_tools_are_400s_naming_the_field(server):
    fn = WEATHER["function"]
    assert "function name" in bad(server, "tools[0].function.name", tools=[{"type": "function", "function": {}}])
    bad(server, "tools[1].function.name", tools=[WEATHER, {"type": "function", "function": {**fn, "name": "a b"}}])
    bad(server, "tools[0].function", tools=[{"type": "function"}])
    bad(server, "tools[0].type", tools=[{"type": "retrieval", "function": fn}])
    bad(server, "tools[0]", tools=["get_weather"])
    bad(server, "tools", tools={"a": 1})
    bad(server, "tools[1].function.name", tools=[WEATHER, WEATHER])
    bad(server, "tools[0].function.parameters", tools=[{"type": "function", "function": {**fn, "parameters": [1]}}])
    bad(server, "tools[0].function.parameters.type",
        tools=[{"type": "function", "function": {**fn, "parameters": {"type": "string"}}}])
    assert "JSON schema" in bad(server, "tools[0].function.parameters", tools=[
        {"type": "function", "function": {**fn, "parameters": {"type": "object", "properties": {"a": {"type": 5}}}}}])
    bad(server, "tools[0].function.description", tools=[{"type": "function", "function": {**fn, "description": 3}}])
    bad(server, "functions", functions=[fn])


def test_bad_tool_choices_are_400s(server):
    assert "get_time" in bad(server, "tool_choice.function.name", tools=[WEATHER],
                             tool_choice={"type": "function", "function": {"name": "get_time"}})
    bad(server, "tool_choice", tools=[WEATHER], tool_choice="always")
    bad(server, "tool_choice", tool_choice="required")
    bad(server, "parallel_tool_calls", tools=[WEATHER], parallel_tool_calls="yes")


def test_bad_tool_messages_are_400s(server):
    call = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
    asked = [*ask("Weather?"), {"role": "assistant", "content": None, "tool_calls": [call]}]
    message = bad(server, "messages[3].tool_call_id", messages=[*asked, {"role": "tool", "content": "sunny"}])
    assert "tool_call_id" in message
    bad(server, "messages[3].tool_call_id",
        messages=[*asked, {"role": "tool", "tool_call_id": "call_9", "content": "x"}])
    bad(server, "messages[2].tool_calls[0].function.arguments", messages=[
        *ask("Weather?"),
        {"role": "assistant", "tool_calls": [{**call, "function": {"name": "f", "arguments": "{oops"}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "x"}])
    bad(server, "messages[2].tool_calls", messages=[*ask("W?"), {"role": "assistant", "tool_calls": "call"}])
    bad(server, "messages[2].role", messages=[*ask("W?"), {"role": "function", "content": "x"}])


def test_a_conversation_may_end_with_a_tool_result(server):
    # the scripted model is local: a tool message with a known id is fine, and the conversation may end with it
    call = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
    server.script.answers.append("Done.")
    resp = server.post({"model": SCRIPTED, "tools": [WEATHER], "messages": [
        *ask("Weather?"), {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}]})
    assert resp.status_code == 200 and resp.json()["choices"][0]["message"]["content"] == "Done."


def test_tools_for_a_remote_model_are_refused_before_any_work(server, script):
    message = bad(server, "tools", model="remote-tools", tools=[WEATHER])
    assert "remote-tools" in message and "local text models" in message
    assert script.prompts == [], "nothing was rendered, nothing was sent"
