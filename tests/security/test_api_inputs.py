"""Bad API inputs get clean 400s (issue 11, items 7 and 13).

Item 7: a lone UTF-16 surrogate (``"x\\ud800"``, valid JSON) and JSON nested 100,000 levels deep
answered 500. Item 13: error messages stated bounds other than those that apply, ``param`` was null
for some invalid fields, and full-width digits (``"６４x６４"``) were accepted as a size. Every
request is replayed as raw bytes, as an attacker would send it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from localai.options import (
    CHAT_SEED,
    FREQUENCY_PENALTY,
    GUIDANCE,
    IMAGE_COUNT,
    IMAGE_SEED,
    IMAGE_STEPS,
    MAX_NEW_TOKENS,
    PRESENCE_PENALTY,
    REPETITION_PENALTY,
    TEMPERATURE,
    TOP_K,
    TOP_P,
    Number,
    shown,
)
from tests.fake_backends import FAKE_CHAT, FAKE_IMAGE
from tests.security.fake_api import FakeApi, fake_api

CHAT, IMAGES = "/chat/completions", "/images/generations"
HI = '[{"role": "user", "content": "hi"}]'


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeApi]:
    with fake_api(tmp_path_factory.mktemp("inputs")) as served:
        yield served


def refused(resp, param: str | None) -> dict:
    """The OpenAI-style error of a 400 (never a 500, never a traceback)."""
    assert resp.status_code == 400, resp.text
    err = resp.json()["error"]
    assert err["type"] == "invalid_request_error" and err["param"] == param, err
    assert err["message"] and "Traceback" not in err["message"] and "Error" not in err["message"]
    return err


# -- item 7: lone surrogates ----------------------------------------------------------------------------
@pytest.mark.parametrize("stream", ["false", "true"])
def test_a_lone_surrogate_in_a_message_is_a_400_naming_the_field(api, stream):
    body = f'{{"model": "{FAKE_CHAT}", "stream": {stream}, "messages": [{{"role": "user", "content": "x\\ud800"}}]}}'
    err = refused(api.post(CHAT, body), "messages[0].content")
    assert "surrogate" in err["message"]


@pytest.mark.parametrize(("body", "param"), [
    (f'{{"model": "{FAKE_CHAT}", '
     '"messages": [{"role": "user", "content": [{"type": "text", "text": "\\udfff"}]}]}',
     "messages[0].content[0].text"),
    (f'{{"model": "{FAKE_CHAT}\\ud800", "messages": {HI}}}', "model"),
    (f'{{"model": "{FAKE_CHAT}", "messages": {HI}, "stop": ["ok", "\\ud83d"]}}', "stop[1]"),
    (f'{{"model": "{FAKE_CHAT}", "messages": {HI}, "x\\ud800": 1}}', "x\ufffd"),  # a key: shown as U+FFFD
])
def test_lone_surrogates_anywhere_in_a_chat_request_are_400s(api, body, param):
    refused(api.post(CHAT, body), param)


@pytest.mark.parametrize("field", ["prompt", "negative_prompt", "scheduler"])
def test_a_lone_surrogate_in_an_image_request_is_a_400_naming_the_field(api, field):
    body = {"model": FAKE_IMAGE, "prompt": "a fox", "size": "64x64", "steps": 1}
    raw = json.dumps(body)[:-1] + f', "{field}": "fox \\ud800"}}'
    refused(api.post(IMAGES, raw), field)
    assert api.state.lanes.torch.queue_length() == 0


def test_a_surrogate_pair_is_just_a_character(api):
    body = f'{{"model": "{FAKE_CHAT}", "max_tokens": 2, "messages": [{{"role": "user", "content": "\\ud83d\\ude00"}}]}}'
    resp = api.post(CHAT, body)
    assert resp.status_code == 200, resp.text


# -- item 7: deep JSON and what is not JSON ------------------------------------------------------------------
@pytest.mark.parametrize("raw", [b"[" * 100_000 + b"]" * 100_000,
                                 b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
                                 f'{{"model": "{FAKE_CHAT}", "messages": {HI}, "metadata": {"[" * 40 + "]" * 40}}}'
                                 .encode()])
@pytest.mark.parametrize("path", [CHAT, IMAGES])
def test_deeply_nested_json_is_a_400_not_a_500(api, raw, path):
    err = refused(api.post(path, raw), None)
    assert "32" in err["message"], "the message says how deep is allowed"


@pytest.mark.parametrize("raw", ['{"model": "%s", "messages": %s, "temperature": NaN}' % (FAKE_CHAT, HI),
                                 '{"model": "%s", "messages": %s, "temperature": Infinity}' % (FAKE_CHAT, HI),
                                 b'{"model": "\xff"}'])
def test_what_is_not_json_is_a_400(api, raw):
    refused(api.post(CHAT, raw), None)


# -- item 13: the bounds that apply, from the one declaration of each option ------------------------------------
CHAT_FIELDS: dict[str, Number] = {
    "temperature": TEMPERATURE, "top_p": TOP_P, "top_k": TOP_K, "max_tokens": MAX_NEW_TOKENS,
    "max_completion_tokens": MAX_NEW_TOKENS, "repetition_penalty": REPETITION_PENALTY,
    "frequency_penalty": FREQUENCY_PENALTY, "presence_penalty": PRESENCE_PENALTY, "seed": CHAT_SEED,
}
IMAGE_FIELDS: dict[str, Number] = {"n": IMAGE_COUNT, "steps": IMAGE_STEPS, "guidance_scale": GUIDANCE,
                                   "seed": IMAGE_SEED}


def _over(option: Number) -> int | float:
    return option.hi + 1


@pytest.mark.parametrize("field", CHAT_FIELDS)
def test_each_chat_number_out_of_bounds_names_itself_and_its_declared_bounds(api, field):
    option = CHAT_FIELDS[field]
    body = {"model": FAKE_CHAT, "messages": json.loads(HI), field: _over(option)}
    err = refused(api.post(CHAT, json.dumps(body)), field)
    assert shown(option.hi) in err["message"], err["message"]
    assert "e+" not in err["message"], "whole numbers in full"


@pytest.mark.parametrize("field", IMAGE_FIELDS)
def test_each_image_number_out_of_bounds_names_itself_and_its_declared_bounds(api, field):
    option = IMAGE_FIELDS[field]
    body = {"model": FAKE_IMAGE, "prompt": "a fox", field: _over(option)}
    err = refused(api.post(IMAGES, json.dumps(body)), field)
    assert f"{shown(option.lo)} and {shown(option.hi)}" in err["message"], err["message"]


@pytest.mark.parametrize(("field", "value", "bounds"), [
    ("n", 1000, "between 1 and 8"), ("steps", 10_000, "between 1 and 150"), ("guidance_scale", 1e6, "between 0 and 30"),
])
def test_the_bounds_the_issue_found_wrong_are_the_real_ones(api, field, value, bounds):
    err = refused(api.post(IMAGES, json.dumps({"model": FAKE_IMAGE, "prompt": "a fox", field: value})), field)
    assert bounds in err["message"]


@pytest.mark.parametrize(("extra", "param"), [
    ({"messages": [{"role": "user", "content": "  "}]}, "messages"),  # nothing to answer
    ({"messages": [{"role": "assistant", "content": "hi"}]}, "messages"),
    ({"model": "no-such-model"}, "model"),
    ({"stream_options": {"include_usage": True}}, "stream_options"),
    ({"stream": True, "stream_options": {"include_usage": "yes"}}, "stream_options.include_usage"),
    ({"stream": "yes"}, "stream"),
    ({"response_format": {"type": "grammar"}}, "response_format.type"),
    ({"response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": "not an object"}}},
     "response_format.json_schema.schema"),
    ({"tools": [{"type": "function"}]}, "tools[0].function"),
    ({"tools": [{"type": "function", "function": {"name": "bad name!"}}]}, "tools[0].function.name"),
    ({"stop": [""]}, "stop"),
    ({"seed": -2}, "seed"),
    ({"top_p": 0}, "top_p"),
    ({"messages": [{"role": "user", "content": 5}]}, "messages[0].content"),
    ({"messages": ["hi"]}, "messages[0]"),
])
def test_every_invalid_chat_field_is_named_in_param(api, extra, param):
    body = {"model": FAKE_CHAT, "messages": json.loads(HI), **extra}
    resp = api.post(CHAT, json.dumps(body))
    assert resp.status_code in (400, 404), resp.text
    assert resp.json()["error"]["param"] == param, resp.text


@pytest.mark.parametrize(("extra", "param"), [
    ({"prompt": "  "}, "prompt"),
    ({"prompt": "fox " * 1001}, "prompt"),
    ({"negative_prompt": "blur " * 1000}, "negative_prompt"),
    ({"size": "100x64"}, "size"),  # not a multiple of 8
    ({"size": "4096x64"}, "size"),  # wider than the family takes
    ({"size": "64x64x64"}, "size"),
    ({"scheduler": "Magic"}, "scheduler"),
    ({"response_format": "url"}, "response_format"),
    ({"model": "no-such-model"}, "model"),
    ({"n": 1.5}, "n"),
    ({"steps": True}, "steps"),
])
def test_every_invalid_image_field_is_named_in_param(api, extra, param):
    body = {"model": FAKE_IMAGE, "prompt": "a fox", **extra}
    resp = api.post(IMAGES, json.dumps(body))
    assert resp.status_code in (400, 404), resp.text
    assert resp.json()["error"]["param"] == param, resp.text


@pytest.mark.parametrize("size", ["６４x６４", "٦٤x٦٤", "64x６４", "६४x64"])
def test_digits_other_than_ascii_are_refused_as_a_size(api, size):
    body = json.dumps({"model": FAKE_IMAGE, "prompt": "a fox", "size": size, "steps": 1}, ensure_ascii=False)
    refused(api.post(IMAGES, body), "size")


def test_a_plain_size_still_works(api):
    resp = api.post(IMAGES, json.dumps({"model": FAKE_IMAGE, "prompt": "a fox", "size": "64x64", "steps": 1}))
    assert resp.status_code == 200, resp.text


def test_the_chat_seed_takes_the_pages_random_value(api):
    body = {"model": FAKE_CHAT, "messages": json.loads(HI), "seed": -1, "max_tokens": 2}
    assert api.post(CHAT, json.dumps(body)).status_code == 200, "-1 is random, as declared (CHAT_SEED)"
