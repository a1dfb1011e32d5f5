"""Structured output: ``response_format`` json_object / json_schema in /v1/chat/completions, by constrained
decoding (xgrammar; localai/structured_output.py, localai/backends/grammar.py).

The tiny random models write whatever the grammar leaves them, so what holds for them holds for any model:
the answer parses and validates. Their strings never end by themselves (the random logits of letters beat the
closing quote: tests/tiny_models.py suppresses punctuation), so the schemas here bound them with maxLength.
The real SmolLM2 (slow) gives a JSON answer that is also right.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import jsonschema
import openai
import pytest

from localai.jobs import Generating, TextDelta
from localai.options import ChatOptions
from localai.structured_output import parse_response_format, wire_form
from tests.real_model import CAPITAL_ANSWER, CAPITAL_QUESTION, SMOLLM2_FILE, SMOLLM2_FOLDER

PERSON = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "maxLength": 12},
        "age": {"type": "integer", "minimum": 0, "maximum": 150},
        "color": {"enum": ["red", "green", "blue"]},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 8}, "maxItems": 3},
    },
    "required": ["name", "age", "color", "tags"],
    "additionalProperties": False,
}
PERSON_FORMAT = {"type": "json_schema", "json_schema": {"name": "person", "schema": PERSON, "strict": True}}
QUESTION = [{"role": "user", "content": "Describe a person."}]


def options(fmt: dict | None, **kw) -> ChatOptions:
    values = {"temperature": 1.0, "top_p": 1.0, "top_k": 0, "repetition_penalty": 1.0, "max_new_tokens": 120, **kw}
    return ChatOptions(**values, response_format=parse_response_format(fmt))


def answer(state, model: str, opts: ChatOptions, messages: list | None = None):
    job = state.services.chat(model, messages or QUESTION, opts)
    events = list(job.events())
    result = events[-1].result
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == result.text, "the stream is the answer"
    return result


# -- reading the field -----------------------------------------------------------------------------------------
def test_response_format_is_read_into_a_value_and_sent_on_as_it_came() -> None:
    assert parse_response_format(None) is None and parse_response_format({"type": "text"}) is None
    assert parse_response_format({"type": "json_object"}) == ("json_object",)
    fmt = parse_response_format(PERSON_FORMAT)
    assert fmt[0] == "json_schema" and fmt[2] == "person" and json.loads(fmt[1]) == PERSON
    assert list(json.loads(fmt[1])["properties"]) == ["name", "age", "color", "tags"], "the answer's order"
    hash(ChatOptions(response_format=fmt))  # the options stay a value
    assert wire_form(fmt) == {"type": "json_schema",
                              "json_schema": {"name": "person", "schema": PERSON, "strict": True}}
    assert wire_form(("json_object",)) == {"type": "json_object"} and wire_form(None) is None


def test_a_remote_model_gets_the_response_format_in_its_request() -> None:
    from localai.remote_client import chat_body

    body = chat_body("m", QUESTION, options(PERSON_FORMAT))
    assert body["response_format"]["json_schema"]["schema"] == PERSON
    assert "response_format" not in chat_body("m", QUESTION, options(None))


# -- services, tiny models -----------------------------------------------------------------------------------
@pytest.mark.parametrize("model", ["tiny-llama", "tiny-qwen2"])
def test_json_schema_answers_validate_for_every_seed(state, model: str) -> None:
    for seed in range(5):
        result = answer(state, model, options(PERSON_FORMAT, seed=seed))
        jsonschema.validate(json.loads(result.text), PERSON)
        assert result.finish_reason == "stop", "it ends at end-of-sequence once the JSON is complete"
    greedy = answer(state, model, options(PERSON_FORMAT, temperature=0.0, top_k=40, repetition_penalty=1.3))
    jsonschema.validate(json.loads(greedy.text), PERSON)


def test_the_batching_engine_and_plain_generate_both_constrain(state, monkeypatch) -> None:
    batched = answer(state, "tiny-llama", options(PERSON_FORMAT, seed=3))
    backend = state.registry.get_loaded(state.registry.resolve("tiny-llama", "text"))
    assert backend.engine is not None, "the tiny Llama batches: that answer came from the engine's sampler"
    monkeypatch.setattr(backend, "engine", None)  # now plain generate() with the logits processor
    monkeypatch.setattr(backend, "batching", False)
    alone = answer(state, "tiny-llama", options(PERSON_FORMAT, seed=3))
    for result in (batched, alone):
        jsonschema.validate(json.loads(result.text), PERSON)
    assert backend.grammars is not None


def test_json_object_answers_are_objects_or_cut_by_max_tokens(state) -> None:
    complete = 0
    for seed in range(6):
        result = answer(state, "tiny-llama", options({"type": "json_object"}, seed=seed, max_new_tokens=40))
        assert result.text.startswith("{")
        if result.finish_reason == "stop":
            assert isinstance(json.loads(result.text), dict)
            complete += 1
        else:  # a key that never ends (see the module's note): cut, as OpenAI cuts it
            assert result.finish_reason == "length" and result.completion_tokens == 40
    assert complete >= 1


def test_max_tokens_cuts_the_json_and_says_length(state) -> None:
    result = answer(state, "tiny-llama", options(PERSON_FORMAT, seed=1, max_new_tokens=4))
    assert result.finish_reason == "length" and result.text.startswith('{"n'), "the schema's first key, cut"
    with pytest.raises(json.JSONDecodeError):
        json.loads(result.text)


def test_a_constrained_answer_batched_beside_a_free_one_leaves_the_free_one_free(state) -> None:
    gate = threading.Event()  # hold the lane so that both wait in line, then decode together
    blocker = state.lanes.torch.submit(lambda job: gate.wait(30), "test", "hold the lane")
    free_opts = options(None, seed=5, max_new_tokens=30)
    jobs = [state.services.chat("tiny-llama", QUESTION, opts, owner=f"user{i}")
            for i, opts in enumerate([options(PERSON_FORMAT, seed=5), free_opts])]
    gate.set()
    blocker.wait()
    constrained, free = (job.wait() for job in jobs)
    jsonschema.validate(json.loads(constrained.text), PERSON)
    assert not free.text.startswith("{") and free.completion_tokens == 30
    assert free.text == answer(state, "tiny-llama", free_opts).text, "the free answer is the one it gives alone"


def test_a_schema_the_library_cannot_use_is_refused_before_the_answer_starts(state) -> None:
    from localai.errors import InvalidInput
    from localai.messages import render

    bad = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "strin"}}}
    job = state.services.chat("tiny-llama", QUESTION, options(bad))
    with pytest.raises(InvalidInput) as info:
        for event in job.events():
            assert not isinstance(event, (Generating, TextDelta)), "refused before any answer"
    assert info.value.field == "response_format.json_schema.schema"
    text = render(info.value, "en")
    assert 'Unsupported type "strin"' in text and ".cc" not in text, text


# -- the API, with the official client ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def api_url(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from fastapi import FastAPI

    from localai.api import mount_api
    from localai.auth import ApiKey
    from localai.config import parse_settings
    from localai.state import build_state
    from tests.app_process import serve_in_thread

    tmp = tmp_path_factory.mktemp("structured")
    settings = parse_settings(["--models-dir", str(models_dir), "--data-dir", str(tmp / "data"),
                               "--outputs-dir", str(tmp / "outputs"), "--no-browser", "--offline"], env={})
    state = build_state(settings)
    app = FastAPI()
    mount_api(app, state.services, ApiKey(None, False))
    url, server, thread = serve_in_thread(app)
    yield url
    server.should_exit = True
    thread.join(timeout=10)
    state.lanes.torch.call(state.registry.unload_all)
    state.lanes.shutdown()


def client(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=url, api_key="anything", max_retries=0, timeout=60)


def test_the_openai_client_gets_json_that_validates_whole_and_streamed(api_url: str) -> None:
    kw = {"model": "tiny-llama", "messages": QUESTION, "response_format": PERSON_FORMAT, "max_tokens": 120}
    reply = client(api_url).chat.completions.create(**kw, seed=11)
    jsonschema.validate(json.loads(reply.choices[0].message.content), PERSON)
    assert reply.choices[0].finish_reason == "stop"
    stream = client(api_url).chat.completions.create(**kw, seed=12, stream=True)
    streamed = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    jsonschema.validate(json.loads(streamed), PERSON)
    obj = client(api_url).chat.completions.create(model="tiny-qwen2", messages=QUESTION, max_tokens=40, seed=2,
                                                  response_format={"type": "json_object"})
    assert obj.choices[0].message.content.startswith("{")


def test_the_openai_client_parses_into_a_pydantic_model(api_url: str) -> None:
    from typing import Literal

    from pydantic import BaseModel, Field

    class Person(BaseModel):
        name: str = Field(max_length=10)
        age: int = Field(ge=0, le=120)
        color: Literal["red", "green", "blue"]

    chat = client(api_url).chat.completions
    parse = getattr(chat, "parse", None) or client(api_url).beta.chat.completions.parse
    for seed in (1, 2):
        reply = parse(model="tiny-llama", messages=QUESTION, response_format=Person, max_tokens=60, seed=seed)
        person = reply.choices[0].message.parsed
        assert isinstance(person, Person) and person.color in ("red", "green", "blue")


@pytest.mark.parametrize(("fmt", "param", "words"), [
    ({"type": "xml"}, "response_format.type", "xml"),
    ("json", "response_format", "object"),
    ({"type": "json_schema"}, "response_format.json_schema", "schema"),
    ({"type": "json_schema", "json_schema": {"name": "x", "schema": [1]}}, "response_format.json_schema.schema",
     "JSON Schema"),
    ({"type": "json_schema", "json_schema": {"name": 3, "schema": {}}}, "response_format.json_schema.name", "string"),
    ({"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "strin"}}},
     "response_format.json_schema.schema", 'Unsupported type "strin"'),
    ({"type": "json_schema", "json_schema": {"name": "x", "schema": {"$ref": "#/$defs/none"}}},
     "response_format.json_schema.schema", "none"),
    ({"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "string", "minLength": "x"}}},
     "response_format.json_schema.schema", "minLength"),
])
@pytest.mark.parametrize("stream", [False, True])
def test_bad_response_formats_are_400_naming_the_field(api_url: str, fmt, param: str, words: str,
                                                       stream: bool) -> None:
    body = {"model": "tiny-llama", "messages": QUESTION, "response_format": fmt, "stream": stream}
    resp = httpx.post(api_url + "/chat/completions", json=body, timeout=30)
    assert resp.status_code == 400, resp.text
    err = resp.json()["error"]
    assert err["param"] == param and words in err["message"], err
    assert "json_schema_converter" not in err["message"]


# -- the real model (slow) ---------------------------------------------------------------------------------------
# Its plan here is CPU int8; without "Answer in JSON." (which OpenAI asks for in JSON mode too) that one says
# {"city": "France", ...}: the grammar makes the form right, the model the content.
CAPITAL = {"type": "object", "properties": {"city": {"type": "string"}, "country": {"type": "string"}},
           "required": ["city", "country"], "additionalProperties": False}


@pytest.mark.slow
@pytest.mark.parametrize(("model", "batching"), [(SMOLLM2_FOLDER, True), (SMOLLM2_FOLDER, False),
                                                 (SMOLLM2_FILE, True)])
def test_the_real_model_answers_the_capital_of_france_in_json(real_models_dir: Path, tmp_path: Path, model: str,
                                                             batching: bool) -> None:
    from localai.config import parse_settings
    from localai.state import build_state

    settings = parse_settings(["--models-dir", str(real_models_dir), "--data-dir", str(tmp_path / "data"),
                               "--outputs-dir", str(tmp_path / "outputs"), "--no-browser", "--offline"], env={})
    state = build_state(settings)
    try:
        if not batching:  # plain generate() with the logits processor
            backend = state.lanes.torch.call(
                lambda: state.registry.ensure_chat(state.registry.resolve(model, "text"), print))
            backend.engine, backend.batching = None, False
        fmt = {"type": "json_schema", "json_schema": {"name": "capital", "schema": CAPITAL}}
        asked = [{"role": "system", "content": "Answer in JSON."}, {"role": "user", "content": CAPITAL_QUESTION}]
        result = answer(state, model, options(fmt, temperature=0.0, max_new_tokens=40), asked)
        reply = json.loads(result.text)
        jsonschema.validate(reply, CAPITAL)
        assert reply["city"] == CAPITAL_ANSWER and result.finish_reason == "stop", result.text
    finally:
        state.lanes.torch.call(state.registry.unload_all)
        state.lanes.shutdown()
