"""Conversations on disk: storage, ownership, search, migrations, export and import."""

from __future__ import annotations

import json
import sqlite3

import pytest

from localai.chat_export import parse_import, to_json, to_markdown
from localai.errors import InvalidInput
from localai.history import MIGRATIONS, SCHEMA_V1, SCHEMA_VERSION, ConversationNotFound, History


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


def _chat(history, owner: str = "ann") -> str:
    cid = history.create(owner, model="tiny-llama", settings={"temperature": 0.3})
    for role, content in (("system", "Be brief."), ("user", "First?"), ("assistant", "One."),
                          ("user", "Second?"), ("assistant", "Two."), ("user", "Third?"), ("assistant", "Three.")):
        history.add_message(owner, cid, role, content, meta={"tokens": 1} if role == "assistant" else None)
    return cid


def test_a_branch_copies_the_messages_before_the_edited_one_and_leaves_the_earlier_branch_alone(history):
    cid = _chat(history)
    before = history.get("ann", cid)
    new_id = history.branch("ann", cid, 2, "First? (edited)")  # shown message 2 is "Second?"
    branch = history.get("ann", new_id)
    assert [m["content"] for m in branch.messages] == ["Be brief.", "First?", "One."]
    assert branch.messages[2]["meta"] == {"tokens": 1} and branch.settings == {"temperature": 0.3}
    assert branch.title == "First? (edited)" and branch.model == "tiny-llama"
    assert (branch.branched_from, branch.branched_at) == (cid, 2)
    assert history.get("ann", cid).messages == before.messages, "the earlier branch keeps every message"
    assert before.branched_from is None and before.branched_at is None
    assert [s.id for s in history.list("ann")][:2] == [new_id, cid], "both are in the list, the edit first"
    history.delete("ann", cid)  # deleting the earlier branch keeps the edited one
    kept = history.get("ann", new_id)
    assert kept.branched_from is None and kept.branched_at == 2 and len(kept.messages) == 3


def test_a_branch_from_the_first_message_keeps_only_the_system_prompt_and_nobody_branches_another_users_chat(
        history):
    cid = _chat(history)
    assert [m["content"] for m in history.get("ann", history.branch("ann", cid, 0, "Edited")).messages] == [
        "Be brief."]
    with pytest.raises(ConversationNotFound):
        history.branch("bob", cid, 0, "Mine now")
    assert len(history.list("bob")) == 0


def test_delete_from_removes_that_message_and_the_ones_after_it(history):
    cid = _chat(history)
    history.delete_from("ann", cid, 4)  # "Third?" and its answer
    assert [m["content"] for m in history.get("ann", cid).messages] == ["Be brief.", "First?", "One.", "Second?",
                                                                        "Two."]
    with pytest.raises(ConversationNotFound):
        history.delete_from("bob", cid, 0)
    assert len(history.get("ann", cid).messages) == 5


@pytest.mark.parametrize("index", [-1, 4, 99, True, "1"])
def test_a_message_that_is_not_there_is_a_clear_error_and_changes_nothing(history, index):
    cid = _chat(history)
    history.delete_from("ann", cid, 4)
    for call in (lambda: history.branch("ann", cid, index, "x"), lambda: history.delete_from("ann", cid, index)):
        with pytest.raises(InvalidInput, match="no longer in this conversation"):
            call()
    assert len(history.get("ann", cid).messages) == 5 and len(history.list("ann")) == 1


def test_migrates_a_version_2_database_and_branches_on_it(tmp_path):
    path = tmp_path / "v2.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(SCHEMA_V1)
    db.executescript(MIGRATIONS[1])
    db.execute("PRAGMA user_version=2")
    db.execute("INSERT INTO conversations(id, owner, title, model, created, updated, settings) "
               "VALUES ('c2', 'local', 'Version 2 chat', 'm', 1.0, 2.0, '{\"temperature\": 0.5}')")
    for role, content in (("user", "hi"), ("assistant", "hello"), ("user", "again")):
        db.execute("INSERT INTO messages(conversation_id, role, content, created, meta) VALUES ('c2', ?, ?, 1.5, "
                   "'{\"tokens\": 2}')", (role, content))
    db.commit()
    db.close()
    h = History(path)
    assert h.schema_version() == SCHEMA_VERSION == 3
    conv = h.get("local", "c2")
    assert [m["content"] for m in conv.messages] == ["hi", "hello", "again"] and conv.settings == {"temperature": 0.5}
    assert conv.branched_from is None and conv.branched_at is None
    new_id = h.branch("local", "c2", 2, "Version 2 chat (edited)")
    assert h.get("local", new_id).branched_from == "c2"
    assert h.check_integrity()
    h.close()


def test_an_exported_branch_says_where_it_came_from_and_old_files_still_import(history):
    cid = _chat(history)
    branch = history.get("ann", history.branch("ann", cid, 2, "Edited"))
    data = to_json(branch, ("First?", 2))
    assert data["edited_from"] == {"title": "First?", "message": 2}
    assert "- Edited from: First?, message 3" in to_markdown(branch, ("First?", 2))
    assert "Edited from" not in to_markdown(history.get("ann", cid))
    [copy] = history.import_conversations("bob", parse_import(json.dumps(data).encode()))
    assert [m["content"] for m in history.get("bob", copy).messages] == ["Be brief.", "First?", "One."]
    old_file = {"format": "localai-conversation", "version": 1, "title": "Old export", "model": "m", "settings": {},
                "created": 1.0, "messages": [{"role": "user", "content": "hi", "created": 1.0}]}
    [old] = history.import_conversations("bob", parse_import(json.dumps(old_file).encode()))
    assert history.get("bob", old).title == "Old export" and history.get("bob", old).branched_from is None
