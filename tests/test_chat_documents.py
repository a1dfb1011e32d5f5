"""Documents in chat, through services and the Chat tab's turns (tiny models): a question is answered from the
conversation's documents (whole when they fit, else the parts most like it), the answer names its sources, the
documents stay with the conversation (listed, removed, branched, deleted, exported) and each user sees only
their own. A file that cannot be used refuses the whole turn: nothing is stored."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr
import pytest

from localai.chat_documents import DocumentsRef
from localai.history import ConversationNotFound
from localai.jobs import Done, Notice, Status
from localai.messages import render
from localai.options import ChatOptions

SHORT = "The meeting is on Tuesday in room 12. Bring the quarterly report."
SECRET = "The secret word is 'pelican'."
FILLER = ("Grain prices rose slowly through the autumn while the harvest was stored in barns across the valley. "
          "Farmers met every week to share notes on weather, soil and the cost of seed. ")


def long_text() -> str:
    """About 60,000 characters with one paragraph that matters, far more than a tiny model's context."""
    paragraphs = [FILLER * 3 for _ in range(200)]
    paragraphs.insert(137, SECRET)
    return "\n\n".join(paragraphs)


def request(user: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(username=user, session_hash=f"s-{user}", headers={"accept-language": "en"},
                           client=SimpleNamespace(host="127.0.0.1"))


def run(job: Any) -> tuple[Any, list[Any]]:
    events = list(job.events())
    done = [e for e in events if isinstance(e, Done)]
    return done[-1].result, events


def new_conversation(services: Any, user: str = "local") -> str:
    return services.conversations.start_turn(user, None, "tiny-llama", "", ChatOptions(), None)


def attach(services: Any, user: str, cid: str, name: str, text: str) -> Any:
    read = services.read_documents(user, cid, [(name, text.encode())])
    return services.attach_documents(user, cid, read)[0]


QUESTION = [{"role": "user", "content": "What is the secret word?"}]
OPTIONS = ChatOptions(max_new_tokens=8, seed=1)


def test_a_short_document_goes_whole_into_the_prompt_and_is_the_source(state: Any) -> None:
    services = state.services
    cid = new_conversation(services)
    info = attach(services, "local", cid, "meeting.txt", SHORT)
    plain, _ = run(services.chat("tiny-llama", QUESTION, OPTIONS))
    with_doc, _ = run(services.chat("tiny-llama", QUESTION, OPTIONS, documents=DocumentsRef("local", cid)))
    assert with_doc.prompt_tokens > plain.prompt_tokens + 10, "the document's text went into the prompt"
    assert [s.document_name for s in with_doc.sources] == ["meeting.txt"]
    assert with_doc.sources[0].document_id == info.id and SHORT[:20] in with_doc.sources[0].excerpt
    assert plain.sources == ()


def test_a_long_document_is_searched_and_the_part_that_answers_is_used(state: Any) -> None:
    services = state.services
    cid = new_conversation(services)
    attach(services, "local", cid, "farm-notes.txt", long_text())
    result, events = run(services.chat("tiny-llama", QUESTION, OPTIONS, documents=DocumentsRef("local", cid)))
    assert any(SECRET in s.excerpt for s in result.sources), "the paragraph with the secret word was found"
    assert len(result.sources) < 20, "only the best parts, not the whole document"
    lines = [render(e.message, "en") for e in events if isinstance(e, (Status, Notice))]
    assert any("Searching the documents" in line for line in lines)
    # No embedding model in this models folder: a keyword ranking found it, and the user is told why.
    assert any("searched by keywords" in line and "embedding model" in line for line in lines)
    # Documents that do not fit still leave room for the question and the answer.
    assert result.prompt_tokens + OPTIONS.max_new_tokens <= 512


def test_documents_belong_to_their_user_alone(state: Any) -> None:
    services = state.services
    cid = new_conversation(services, "alice")
    info = attach(services, "alice", cid, "alice.txt", SHORT)
    assert [d.name for d in services.list_documents("alice", cid)] == ["alice.txt"]
    assert services.list_documents("bob", cid) == []
    with pytest.raises(ConversationNotFound):
        services.read_documents("bob", cid, [("x.txt", b"bob's text")])
    with pytest.raises(ConversationNotFound):
        services.attach_documents("bob", cid, services.read_documents("bob", None, [("x.txt", b"bob's text")]))
    with pytest.raises(Exception) as refused:
        services.remove_document("bob", info.id)
    assert getattr(refused.value, "status", None) == 404
    # Bob naming Alice's conversation reads nothing of it.
    result, _ = run(services.chat("tiny-llama", QUESTION, OPTIONS, documents=DocumentsRef("bob", cid)))
    assert result.sources == ()
    assert [d.name for d in services.list_documents("alice", cid)] == ["alice.txt"], "Alice's document is untouched"


def test_documents_are_removed_branched_deleted_and_exported_with_the_conversation(state: Any) -> None:
    services, store = state.services, state.services.conversations
    cid = new_conversation(services)
    store.start_turn("local", cid, "tiny-llama", "", ChatOptions(), "First question")
    first = attach(services, "local", cid, "a.txt", SHORT)
    attach(services, "local", cid, "b.md", "# Notes\n\nSecond file.")
    assert attach(services, "local", cid, "a-again.txt", SHORT).id == first.id, "the same file is kept once"
    exported = json.loads(store.export("local", cid).json)
    assert [d["name"] for d in exported["documents"]] == ["a.txt", "b.md"]
    assert exported["documents"][0]["pages"][0]["text"].startswith("The meeting is on Tuesday")
    assert "Document: a.txt" in store.export("local", cid).markdown
    branch = store.branch("local", cid, 0, "edited")
    assert [d.name for d in services.list_documents("local", branch)] == ["a.txt", "b.md"]
    services.remove_document("local", first.id)
    assert [d.name for d in services.list_documents("local", cid)] == ["b.md"]
    assert [d.name for d in services.list_documents("local", branch)] == ["a.txt", "b.md"], "the branch keeps its own"
    store.delete("local", cid)
    assert services.list_documents("local", cid) == []
    assert services.documents.store.chunks("local", cid) == [], "nothing of it is left in the store"


def test_too_many_documents_are_refused_with_a_clear_message(state: Any) -> None:
    from localai.chat_documents import MAX_DOCUMENTS

    services = state.services
    cid = new_conversation(services)
    files = [(f"n{i}.txt", f"note number {i}".encode()) for i in range(MAX_DOCUMENTS + 1)]
    with pytest.raises(Exception) as refused:
        services.read_documents("local", cid, files)
    assert "most documents" in str(refused.value) and refused.value.status == 413
    assert services.list_documents("local", cid) == []


# -- the Chat tab's turns ---------------------------------------------------------------------------------------
VALUES = ("tiny-llama", "Be brief.", 0.7, 0.9, 40, 8, 1.0, 1)


def box(tmp_path: Path, text: str, files: dict[str, bytes]) -> dict[str, Any]:
    paths = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    return {"text": text, "files": paths}


def test_sending_a_question_with_a_document_answers_from_it_and_shows_the_sources(state: Any, tmp_path: Path) -> None:
    from localai.ui.chat_turns import ChatTurns, shown_messages
    from localai.ui.translator import Translator

    services = state.services
    turns = ChatTurns(services, Translator())
    updates = list(turns.send(box(tmp_path, "When is the meeting?", {"meeting.txt": SHORT.encode()}), [], None, "",
                              *VALUES, request=request("carol")))
    history, cid = updates[-1][0], updates[0][3]
    assert history[0] == {"role": "user", "content": "When is the meeting?"}
    sources = history[-1]
    assert sources["metadata"]["title"] == "📄 Sources: meeting.txt, part 1" and "room 12" in sources["content"]
    assert [d.name for d in services.list_documents("carol", cid)] == ["meeting.txt"]
    conv = services.conversations.get("carol", cid)
    assert [m["role"] for m in conv.messages] == ["user", "assistant"], "the sources are the page's, not stored"
    assert conv.messages[1]["meta"]["sources"][0]["document"] == "meeting.txt"
    reopened = shown_messages(conv, services.chat_picture, "en")
    assert reopened[-1]["metadata"]["title"] == sources["metadata"]["title"], "shown again when reopened"
    # A follow-up: the sources shown are not sent to the model as an answer.
    from localai.ui.chat_turns import to_messages

    assert [m["role"] for m in to_messages(history, "", "And where?")] == ["user", "assistant", "user"]


def test_a_document_alone_is_attached_and_waits_for_the_question(state: Any, tmp_path: Path) -> None:
    from localai.ui.chat_turns import ChatTurns
    from localai.ui.translator import Translator

    services = state.services
    turns = ChatTurns(services, Translator())
    (update,) = list(turns.send(box(tmp_path, "", {"notes.md": b"# Plan\n\nShip on Friday."}), [], None, "", *VALUES,
                                request=request("dave")))
    assert update[0] == [] and "Attached: notes.md" in update[2]
    assert [d.name for d in services.list_documents("dave", update[3])] == ["notes.md"]


def test_a_file_that_cannot_be_read_refuses_the_turn_and_stores_nothing(state: Any, tmp_path: Path) -> None:
    from localai.ui.chat_turns import ChatTurns
    from localai.ui.translator import Translator

    services = state.services
    turns = ChatTurns(services, Translator())
    with pytest.raises(gr.Error) as refused:
        list(turns.send(box(tmp_path, "Summarise it", {"setup.exe": b"MZ\x90\x00binary"}), [], None, "", *VALUES,
                        request=request("erin")))
    assert "setup.exe" in str(refused.value)
    assert services.conversations.list("erin") == [], "no conversation was made"
    # A refused chat (an unknown model) takes back the documents it attached and the conversation it made.
    with pytest.raises(gr.Error):
        list(turns.send(box(tmp_path, "Summarise it", {"ok.txt": SHORT.encode()}), [], None, "",
                        "no-such-model", *VALUES[1:], request=request("erin")))
    assert services.conversations.list("erin") == []


def test_with_an_embedding_model_the_parts_are_found_by_their_vectors_once(tmp_path: Path) -> None:
    """The same search with a (tiny, random) embedding model on disk: its vectors are computed once per chunk and
    kept; a second question embeds only itself."""
    from localai.config import parse_settings
    from localai.state import build_state
    from tests.tiny_embedding import save_tiny_embedding_model
    from tests.tiny_models import save_tiny_llama

    models = tmp_path / "models"
    save_tiny_llama(models / "text" / "tiny-llama", chat_template=True)
    save_tiny_embedding_model(models / "embedding" / "tiny-e5")
    settings = parse_settings(["--models-dir", str(models), "--data-dir", str(tmp_path / "data"),
                               "--outputs-dir", str(tmp_path / "outputs"), "--no-browser"], env={})
    state = build_state(settings)
    try:
        services = state.services
        cid = new_conversation(services)
        attach(services, "local", cid, "farm-notes.txt", long_text())
        store = services.documents.store
        assert len(store.chunks_without_vectors("local", cid, "tiny-e5")) > 20
        result, events = run(services.chat("tiny-llama", QUESTION, OPTIONS, documents=DocumentsRef("local", cid)))
        lines = [render(e.message, "en") for e in events if isinstance(e, (Status, Notice))]
        assert not any("searched by keywords" in line for line in lines), "the embedding model was used"
        assert result.sources and all(s.document_name == "farm-notes.txt" for s in result.sources)
        assert store.chunks_without_vectors("local", cid, "tiny-e5") == [], "every chunk's vector is kept"
        assert "tiny-e5" in [b.spec.name for b in state.registry.loaded()], "loaded like any model, on the lane"
        again, _ = run(services.chat("tiny-llama", QUESTION, OPTIONS, documents=DocumentsRef("local", cid)))
        assert [s.excerpt for s in again.sources] == [s.excerpt for s in result.sources], "the same parts again"
    finally:
        state.lanes.torch.call(state.registry.unload_all)
        state.lanes.shutdown()


def test_a_whole_pdf_is_one_source_naming_its_pages(state: Any) -> None:
    from fpdf import FPDF

    from localai.ui.chat_attachments import sources_message

    pdf = FPDF()
    for line in ("Page one: the budget is 40 coins.", "Page two: the deadline is in May."):
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.cell(0, 10, line)
    services = state.services
    cid = new_conversation(services)
    services.attach_documents("local", cid, services.read_documents("local", cid, [("plan.pdf", bytes(pdf.output()))]))
    result, _ = run(services.chat("tiny-llama", QUESTION, OPTIONS, documents=DocumentsRef("local", cid)))
    (source,) = result.sources
    assert (source.page, source.last_page, source.paged) == (1, 2, True)
    assert sources_message(result.sources, "en")["metadata"]["title"] == "📄 Sources: plan.pdf, pp. 1–2"
    stored = services.conversations.get("local", cid)  # nothing stored by services.chat itself: the page stores
    assert stored.messages == []


def test_an_exported_conversation_comes_back_with_its_documents(state: Any) -> None:
    services, store = state.services, state.services.conversations
    cid = new_conversation(services, "fay")
    store.start_turn("fay", cid, "tiny-llama", "", ChatOptions(), "About the meeting")
    attach(services, "fay", cid, "meeting.txt", SHORT)
    exported = store.export("fay", cid).json.encode()
    (new_id,) = store.import_file("gus", exported)
    (doc,) = services.list_documents("gus", new_id)
    assert doc.name == "meeting.txt" and services.documents.store.document("gus", doc.id).text.strip() == SHORT
    result, _ = run(services.chat("tiny-llama", QUESTION, OPTIONS, documents=DocumentsRef("gus", new_id)))
    assert [s.document_name for s in result.sources] == ["meeting.txt"], "asked about again after the import"
    broken = json.loads(exported)
    broken["documents"][0]["pages"] = "not a list"
    with pytest.raises(Exception) as refused:
        store.import_file("gus", json.dumps(broken).encode())
    assert "document" in str(refused.value) and len(store.list("gus")) == 1, "a bad file imports nothing"
