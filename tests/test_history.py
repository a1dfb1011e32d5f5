"""Conversations on disk: storage, ownership, search, migrations, export and import."""

from __future__ import annotations

import json
import sqlite3

import pytest

from localai.chat_export import parse_import, to_json, to_markdown
from localai.errors import InvalidInput
from localai.history import SCHEMA_V1, SCHEMA_VERSION, ConversationNotFound, History


@pytest.fixture()
def history(tmp_path):
    h = History(tmp_path / "history.sqlite3")
    yield h
    h.close()


def test_messages_are_kept_and_title_comes_from_the_first_message(history, tmp_path):
    cid = history.create("ann", model="tiny-llama", settings={"temperature": 0.7, "system": "Be brief."})
    history.add_message("ann", cid, "user", "How do I bake   bread at home?\nThanks")
    history.add_message("ann", cid, "assistant", "Mix flour...", meta={"plan": "cpu · fp32", "tokens": 3})
    again = History(tmp_path / "history.sqlite3")  # as after a restart
    conv = again.get("ann", cid)
    assert conv.title == "How do I bake bread at home? Thanks"
    assert [m["role"] for m in conv.messages] == ["user", "assistant"]
    assert conv.messages[1]["meta"]["plan"] == "cpu · fp32"
    assert conv.model == "tiny-llama" and conv.settings["system"] == "Be brief."
    again.close()


def test_newest_first_search_rename_delete(history):
    a = history.create("ann", created=100.0)
    history.add_message("ann", a, "user", "apples and pears", created=101.0)
    b = history.create("ann", created=200.0)
    history.add_message("ann", b, "user", "bicycles", created=201.0)
    assert [s.id for s in history.list("ann")] == [b, a]
    history.add_message("ann", a, "assistant", "pears are sweet", created=300.0)
    assert [s.id for s in history.list("ann")] == [a, b], "a new message moves a conversation to the top"
    assert [s.id for s in history.list("ann", "SWEET")] == [a], "search looks in message text"
    assert [s.id for s in history.list("ann", "bicy")] == [b], "and in titles"
    assert history.list("ann", "100%_") == []
    history.rename("ann", a, "  Fruit  ")
    assert history.get("ann", a).title == "Fruit"
    with pytest.raises(InvalidInput):
        history.rename("ann", a, "   ")
    history.delete("ann", a)
    assert [s.id for s in history.list("ann")] == [b]


def test_each_user_sees_only_their_own(history):
    mine = history.create("ann")
    history.add_message("ann", mine, "user", "secret plans")
    assert history.list("bob") == [] and history.list("bob", "secret") == []
    for action in (lambda: history.get("bob", mine), lambda: history.add_message("bob", mine, "user", "x"),
                   lambda: history.rename("bob", mine, "hacked"), lambda: history.delete("bob", mine)):
        with pytest.raises(ConversationNotFound):
            action()
    assert history.get("ann", mine).title == "secret plans" and len(history.get("ann", mine).messages) == 1


def test_regenerate_drops_the_answers_after_the_last_question(history):
    cid = history.create("ann")
    for role, text in [("user", "q1"), ("assistant", "a1"), ("user", "q2"), ("assistant", "a2")]:
        history.add_message("ann", cid, role, text)
    history.truncate_after_last_user("ann", cid)
    assert [m["content"] for m in history.get("ann", cid).messages] == ["q1", "a1", "q2"]


def test_migrates_a_version_1_database_without_losing_data(tmp_path):
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(SCHEMA_V1)
    db.execute("PRAGMA user_version=1")
    db.execute("INSERT INTO conversations VALUES ('c1', 'local', 'Old chat', 'm', 1.0, 2.0)")
    db.execute("INSERT INTO messages(conversation_id, role, content, created) VALUES ('c1', 'user', 'hi', 1.5)")
    db.commit()
    db.close()
    h = History(path)
    assert h.schema_version() == SCHEMA_VERSION > 1
    conv = h.get("local", "c1")
    assert conv.title == "Old chat" and conv.messages[0]["content"] == "hi" and conv.messages[0]["meta"] == {}
    assert conv.settings == {}
    h.add_message("local", "c1", "assistant", "hello", meta={"tokens": 1})
    assert h.get("local", "c1").messages[1]["meta"] == {"tokens": 1}
    assert h.check_integrity()
    h.close()


def test_newer_schema_is_refused_clearly(tmp_path):
    path = tmp_path / "new.sqlite3"
    History(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 5}")
    db.commit()
    db.close()
    with pytest.raises(Exception, match="newer LocalAI"):
        History(path)


def test_export_json_and_markdown_then_import_round_trip(history):
    cid = history.create("ann", model="tiny-llama", settings={"temperature": 0.2, "top_p": 0.9, "system": "Be kind."})
    history.add_message("ann", cid, "user", "Hello?")
    history.add_message("ann", cid, "assistant", "Hi **there**.",
                        meta={"plan": "cpu · fp32 — CPU only: fits", "tokens": 4, "tokens_per_second": 12.5})
    conv = history.get("ann", cid)
    md = to_markdown(conv)
    assert "# Hello?" in md and "tiny-llama" in md and "cpu · fp32 — CPU only: fits" in md
    assert "temperature = 0.2" in md and "Be kind." in md and "Hi **there**." in md and "12.5 tokens/s" in md
    data = to_json(conv)
    assert data["model"] == "tiny-llama" and data["settings"]["temperature"] == 0.2
    assert data["messages"][1]["meta"]["plan"].startswith("cpu")
    [new_id] = history.import_conversations("bob", parse_import(json.dumps(data).encode()))
    copy = history.get("bob", new_id)
    assert [(m["role"], m["content"]) for m in copy.messages] == [("user", "Hello?"), ("assistant", "Hi **there**.")]
    assert copy.settings == conv.settings and copy.model == "tiny-llama"


CHATGPT_EXPORT = [{
    "title": "Trip to Kazan", "create_time": 1700000000.0, "current_node": "n3", "default_model_slug": "gpt-4o",
    "mapping": {
        "root": {"id": "root", "message": None, "parent": None, "children": ["n1"]},
        "n1": {"id": "n1", "parent": "root", "children": ["n2"], "message": {
            "author": {"role": "system"}, "content": {"content_type": "text", "parts": [""]}}},
        "n2": {"id": "n2", "parent": "n1", "children": ["n3", "other"], "message": {
            "author": {"role": "user"}, "create_time": 1700000001.0,
            "content": {"content_type": "text", "parts": ["What to see in Kazan?"]}}},
        "other": {"id": "other", "parent": "n2", "children": [], "message": {
            "author": {"role": "assistant"}, "content": {"content_type": "text", "parts": ["(an abandoned branch)"]}}},
        "n3": {"id": "n3", "parent": "n2", "children": [], "message": {
            "author": {"role": "assistant"}, "create_time": 1700000002.0,
            "content": {"content_type": "text", "parts": ["The Kremlin and the Qol Sharif mosque."]}}},
    },
}]


def test_imports_a_chatgpt_export_following_the_current_branch(history):
    [cid] = history.import_conversations("ann", parse_import(json.dumps(CHATGPT_EXPORT).encode()))
    conv = history.get("ann", cid)
    assert conv.title == "Trip to Kazan"
    assert [(m["role"], m["content"]) for m in conv.messages] == [
        ("user", "What to see in Kazan?"), ("assistant", "The Kremlin and the Qol Sharif mosque.")]


@pytest.mark.parametrize("raw", [b"\x89PNG not json", b"{}", b"[]", b'{"hello": 1}', b"[1, 2]",
                                 json.dumps({"format": "localai-conversation", "messages": [{"role": "wizard",
                                                                                             "content": "x"}]}).encode(),
                                 json.dumps([CHATGPT_EXPORT[0], {"title": "broken"}]).encode()],
                         ids=["binary", "empty-object", "empty-list", "foreign", "numbers", "bad-role", "half-bad"])
def test_bad_import_file_is_a_clear_error_and_changes_nothing(history, raw):
    history.create("ann")
    before = history.list("ann")
    with pytest.raises(InvalidInput, match="cannot be imported"):
        history.import_conversations("ann", parse_import(raw))
    assert history.list("ann") == before
