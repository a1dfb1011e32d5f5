"""The conversations service: what a chat turn saves, per user, as the Chat tab uses it."""

from __future__ import annotations

from pathlib import Path

import pytest

from localai.backends.base import ChatResult
from localai.conversations import Conversations
from localai.history import ConversationNotFound, History
from localai.options import ChatOptions
from localai.plan import LoadPlan


@pytest.fixture()
def conversations(tmp_path: Path) -> Conversations:
    return Conversations(History(tmp_path / "history.sqlite3"))


def _result(text: str = "Paris.", finish: str = "stop") -> ChatResult:
    return ChatResult(text, 10, 3, 0.5, 0.1, finish, 0, 42, LoadPlan("cpu", "fp32", reason="fits"), "tiny-llama")


def test_a_turn_saves_the_question_at_once_and_the_answer_with_what_made_it(conversations) -> None:
    options = ChatOptions(temperature=0.2, top_k=5, seed=7)
    cid = conversations.start_turn("alice", None, "tiny-llama", "Be brief.", options, "Capital of France?")
    conv = conversations.get("alice", cid)
    assert [m["content"] for m in conv.messages] == ["Capital of France?"], "the question is saved before the answer"
    assert conv.title == "Capital of France?" and conv.model == "tiny-llama"
    assert conv.settings == {"system": "Be brief.", "temperature": 0.2, "top_p": 0.9, "top_k": 5,
                             "max_new_tokens": 512, "repetition_penalty": 1.1, "seed": 7}
    conversations.save_answer("alice", cid, "Paris.", _result())
    answer = conversations.get("alice", cid).messages[-1]
    assert answer["role"] == "assistant" and answer["content"] == "Paris."
    assert answer["meta"]["seed"] == 42 and answer["meta"]["finish"] == "stop" and "fits" in answer["meta"]["plan"]


def test_regenerate_replaces_the_answer_and_keeps_the_question(conversations) -> None:
    cid = conversations.start_turn("alice", None, "tiny-llama", "", ChatOptions(), "Hi")
    conversations.save_answer("alice", cid, "Hello!", _result("Hello!"))
    conversations.forget_answer("alice", cid)
    conversations.start_turn("alice", cid, "tiny-qwen2", "", ChatOptions(temperature=1.0), None)
    conversations.save_answer("alice", cid, "Hey.", _result("Hey."))
    conv = conversations.get("alice", cid)
    assert [m["content"] for m in conv.messages] == ["Hi", "Hey."]
    assert conv.model == "tiny-qwen2" and conv.settings["temperature"] == 1.0


def test_an_answer_stopped_before_any_text_is_not_saved(conversations) -> None:
    cid = conversations.start_turn("alice", None, "tiny-llama", "", ChatOptions(), "Hi")
    conversations.save_answer("alice", cid, "", _result("", "cancelled"))
    assert len(conversations.get("alice", cid).messages) == 1


def test_nobody_reads_or_changes_another_users_conversations(conversations) -> None:
    cid = conversations.start_turn("alice", None, "tiny-llama", "", ChatOptions(), "secret")
    assert conversations.list("bob") == []
    for action in (lambda: conversations.get("bob", cid), lambda: conversations.rename("bob", cid, "mine"),
                   lambda: conversations.delete("bob", cid),
                   lambda: conversations.start_turn("bob", cid, "tiny-llama", "", ChatOptions(), "hi")):
        with pytest.raises(ConversationNotFound):
            action()
    assert [s.title for s in conversations.list("alice")] == ["secret"]


def test_export_then_import_gives_the_same_conversation(conversations) -> None:
    cid = conversations.start_turn("alice", None, "tiny-llama", "Be brief.", ChatOptions(), "Capital / France?")
    conversations.save_answer("alice", cid, "Paris.", _result())
    export = conversations.export("alice", cid)
    assert export.stem == "Capital _ France_" and "Paris." in export.markdown
    (new_id,) = conversations.import_file("bob", export.json.encode("utf-8"))
    copy = conversations.get("bob", new_id)
    assert [m["content"] for m in copy.messages] == ["Capital / France?", "Paris."]
    assert copy.settings["system"] == "Be brief."


def _two_turns(conversations) -> str:
    cid = conversations.start_turn("alice", None, "tiny-llama", "Be brief.", ChatOptions(), "Capital of France?")
    conversations.save_answer("alice", cid, "Paris.", _result())
    conversations.start_turn("alice", cid, "tiny-llama", "Be brief.", ChatOptions(), "And of Italy?")
    conversations.save_answer("alice", cid, "Rome.", _result("Rome."))
    return cid


def test_editing_a_message_branches_and_the_earlier_branch_stays(conversations) -> None:
    cid = _two_turns(conversations)
    new_id = conversations.branch("alice", cid, 2, "Capital of France? (edited)")
    conversations.start_turn("alice", new_id, "tiny-llama", "Be brief.", ChatOptions(), "And of Spain?")
    conversations.save_answer("alice", new_id, "Madrid.", _result("Madrid."))
    assert [m["content"] for m in conversations.get("alice", new_id).messages] == [
        "Capital of France?", "Paris.", "And of Spain?", "Madrid."]
    assert [m["content"] for m in conversations.get("alice", cid).messages] == [
        "Capital of France?", "Paris.", "And of Italy?", "Rome."], "the earlier branch is kept as it was"
    assert conversations.origin("alice", conversations.get("alice", new_id)) == ("Capital of France?", 2)
    assert conversations.origin("alice", conversations.get("alice", cid)) is None
    export = conversations.export("alice", new_id)
    assert "Edited from: Capital of France?, message 3" in export.markdown
    assert '"edited_from"' in export.json
    conversations.delete("alice", cid)
    assert conversations.origin("alice", conversations.get("alice", new_id)) == (None, 2)
    with pytest.raises(ConversationNotFound):
        conversations.branch("bob", new_id, 0, "not yours")


def test_undo_deletes_the_last_exchange_from_the_history(conversations) -> None:
    cid = _two_turns(conversations)
    conversations.delete_from("alice", cid, 2)
    assert [m["content"] for m in conversations.get("alice", cid).messages] == ["Capital of France?", "Paris."]
    with pytest.raises(ConversationNotFound):
        conversations.delete_from("bob", cid, 0)
    assert len(conversations.get("alice", cid).messages) == 2
