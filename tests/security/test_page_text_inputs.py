"""The page's text inputs with lone UTF-16 surrogates (issue 11, item 7): no crash, no lost turn.

A browser can send ``"x\\ud800"`` (JSON escapes are allowed to be lone). Before, the chat's question
reached SQLite ("surrogates not allowed") and the page could not even send it back (Gradio encodes
its updates with orjson, which refuses them). Now the page replaces each lone surrogate with U+FFFD,
as a UTF-8 decoder shows broken text; conversation imports do the same and refuse absurd nesting.
Driven through the handlers ``build_ui`` wires, over the fake chat backend.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import orjson
import pytest

from localai.errors import InvalidInput
from tests.fake_backends import FAKE_CHAT, register_fake_backends
from tests.test_tab_cancel import browser, handler


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    from localai.config import parse_settings
    from localai.state import build_state
    from localai.ui import build_ui

    tmp = tmp_path_factory.mktemp("page-text")
    for kind in ("text", "image"):
        (tmp / "models" / kind).mkdir(parents=True)
    settings = parse_settings(["--models-dir", str(tmp / "models"), "--data-dir", str(tmp / "data"),
                               "--outputs-dir", str(tmp / "outputs"), "--no-browser", "--offline"], env={})
    state = build_state(settings)
    register_fake_backends(state.registry)
    yield SimpleNamespace(state=state, demo=build_ui(state))
    state.lanes.shutdown()


def test_a_question_with_a_lone_surrogate_is_answered_and_saved(page):
    send = handler(page.demo, "chat-send")
    request = browser("surrogate-session")
    updates = list(send("x\ud800 y", [], None, "", FAKE_CHAT, "Be \udfffbrief.", 0.7, 0.9, 40, 8, 1.1, 1,
                        request=request))
    for update in updates:
        orjson.dumps(update, default=str)  # what Gradio does with each update: it must be encodable
    cid, history = updates[0][3], updates[-1][0]
    assert history[0]["content"] == "x\ufffd y" and history[1]["content"], "asked, answered, shown"
    conv = page.state.services.conversations.get("local", cid)
    assert [m["content"] for m in conv.messages][0] == "x\ufffd y", "and saved"
    assert conv.settings.get("system") == "Be \ufffdbrief."


def test_rename_and_search_with_a_lone_surrogate_do_not_crash(page):
    store = page.state.services.conversations
    cid = store.start_turn("local", None, FAKE_CHAT, "", page.state.services.chat_defaults(FAKE_CHAT), "hello")
    store.rename("local", cid, "title \ud800")
    assert any(s.title == "title \ufffd" for s in store.list("local", "\ud800"[:0] + "title"))
    store.list("local", "\udc00")  # a search for it finds nothing, and nothing breaks


def test_an_import_with_lone_surrogates_keeps_the_text_around_them(page):
    export = {"format": "localai-conversation", "title": "T\ud800", "messages": [
        {"role": "user", "content": "question \udbff"}, {"role": "assistant", "content": "answer"}]}
    raw = json.dumps(export).encode()  # json.dumps writes the lone surrogates as \\ud800 escapes
    assert b"\\ud800" in raw
    ids = page.state.services.conversations.import_file("local", raw)
    conv = page.state.services.conversations.get("local", ids[0])
    assert conv.title == "T\ufffd" and conv.messages[0]["content"] == "question \ufffd"


def test_an_import_nested_100000_levels_deep_is_a_clear_error(page):
    with pytest.raises(InvalidInput) as err:
        page.state.services.conversations.import_file("local", b"[" * 100_000 + b"]" * 100_000)
    assert "levels deep" in str(err.value)


def test_an_image_prompt_with_a_lone_surrogate_draws(page, tmp_path: Path):
    from localai.image_request import ImageRequest

    result = page.state.services.generate_images(
        "fake-image", ImageRequest(prompt="a fox \ud800", steps=1, width=64, height=64)).wait()
    assert result.images and result.images[0].info.prompt == "a fox \ufffd"
