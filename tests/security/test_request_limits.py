"""Limits on what one chat request holds (issue 11, item 2), from the API and from the page.

A request with thousands of messages or megabytes of text kept the one torch thread busy while
everyone else waited. Now more than ``CHAT_MESSAGES.max`` messages or ``CHAT_CHARACTERS.max``
characters are a clear 400 naming the field, before any work is queued; the limits are declared
once in options.py and the messages state them. (The HTTP body's own size limit is the HTTP guard's.)
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from localai.errors import InvalidInput
from localai.messages import render
from localai.options import CHAT_CHARACTERS, CHAT_MESSAGES
from tests.fake_backends import FAKE_CHAT
from tests.security.fake_api import FakeApi, fake_api


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeApi]:
    with fake_api(tmp_path_factory.mktemp("limits")) as served:
        yield served


def chat_body(messages: list[dict]) -> str:
    return json.dumps({"model": FAKE_CHAT, "messages": messages, "max_tokens": 3})


def turns(count: int) -> list[dict]:
    """``count`` messages, alternating, ending with the user's."""
    return [{"role": "user" if (count - i) % 2 else "assistant", "content": f"m{i}"} for i in range(count)]


def test_too_many_messages_are_a_400_naming_the_field_and_the_limit(api):
    resp = api.post("/chat/completions", chat_body(turns(CHAT_MESSAGES.max + 1)))
    assert resp.status_code == 400, resp.text
    err = resp.json()["error"]
    assert err["param"] == "messages" and err["type"] == "invalid_request_error"
    assert str(CHAT_MESSAGES.max) in err["message"] and str(CHAT_MESSAGES.max + 1) in err["message"]
    assert api.state.lanes.torch.queue_length() == 0, "nothing is queued"


def test_as_many_messages_as_the_limit_are_answered(api):
    resp = api.post("/chat/completions", chat_body(turns(CHAT_MESSAGES.max)))
    assert resp.status_code == 200, resp.text
    assert resp.json()["choices"][0]["message"]["content"]


def test_too_much_text_is_a_400_naming_the_field_and_the_limit(api):
    big = [{"role": "system", "content": "x" * (CHAT_CHARACTERS.max // 2)},
           {"role": "user", "content": "y" * (CHAT_CHARACTERS.max // 2 + 1)}]
    resp = api.post("/chat/completions", chat_body(big))
    assert resp.status_code == 400, resp.text
    err = resp.json()["error"]
    assert err["param"] == "messages" and f"{CHAT_CHARACTERS.max}" in err["message"]


def test_the_page_gets_the_same_limits_through_services(api):
    with pytest.raises(InvalidInput) as many:
        api.state.services.chat(FAKE_CHAT, turns(CHAT_MESSAGES.max + 1))
    assert many.value.field == "messages" and str(CHAT_MESSAGES.max) in str(many.value)
    with pytest.raises(InvalidInput) as long:
        api.state.services.chat(FAKE_CHAT, [{"role": "user", "content": "z" * (CHAT_CHARACTERS.max + 1)}])
    assert long.value.field == "messages" and str(CHAT_CHARACTERS.max) in str(long.value)
    russian = render(many.value, "ru")
    assert "2048" in russian and "диалог" in russian, "the page shows it in the user's language"
    assert api.state.lanes.torch.queue_length() == 0


def test_the_limits_are_declared_once_and_generous():
    assert CHAT_MESSAGES.max == 2048, "OpenAI's own limit on messages"
    assert CHAT_CHARACTERS.max >= 500_000, "a long document still fits"
