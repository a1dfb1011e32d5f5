"""The documents kept per user and conversation (localai/documents/store.py): SQLite, vectors, separation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from localai.documents import (DocumentNotFound, DocumentStore, ExtractedDocument, Page, extract_text,
                               split_into_chunks)
from localai.messages import render

MODEL = "fake-encoder"


def doc_of(name: str, pages: list[str], paged: bool = True) -> ExtractedDocument:
    return ExtractedDocument(name, "pdf" if paged else "text",
                             tuple(Page(n, text) for n, text in enumerate(pages, 1)), paged)


def add(store: DocumentStore, owner: str, conversation: str, name: str, pages: list[str],
        data: bytes | None = None):
    doc = doc_of(name, pages)
    return store.add(owner, conversation, doc, data if data is not None else name.encode() + b"|" +
                     "|".join(pages).encode(), split_into_chunks(doc, 200, 30))


def unit(seed: int, dims: int = 8) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(dims).astype(np.float32)
    return v / np.linalg.norm(v)


@pytest.fixture
def store(tmp_path: Path) -> DocumentStore:
    return DocumentStore(tmp_path / "data" / "documents.sqlite3")


def test_add_list_get_and_the_text_back(store: DocumentStore) -> None:
    a = add(store, "ann", "c1", "a.pdf", ["Page one about cats.", "Page two about dogs."], data=b"file-a")
    b = add(store, "ann", "c1", "b.pdf", ["Other file."])
    assert [d.name for d in store.list("ann", "c1")] == ["a.pdf", "b.pdf"], "oldest first"
    info = store.get("ann", a.id)
    assert info == a and info.pages == 2 and info.paged and info.kind == "pdf" and info.size_bytes == 6
    assert info.chars == len("Page one about cats.") + len("Page two about dogs.")
    assert len(info.sha256) == 64 and info.owner == "ann" and info.conversation_id == "c1"
    back = store.document("ann", a.id)
    assert back.pages == (Page(1, "Page one about cats."), Page(2, "Page two about dogs.")) and back.paged
    assert store.total_chars("ann", "c1") == a.chars + b.chars
    assert store.list("ann", "other") == [] and store.total_chars("ann", "other") == 0


def test_chunks_keep_their_document_page_and_order(store: DocumentStore) -> None:
    add(store, "ann", "c1", "a.pdf", ["Alpha. " * 60, "Beta. " * 60])
    add(store, "ann", "c1", "b.pdf", ["Gamma."])
    chunks = store.chunks("ann", "c1")
    names = [c.document_name for c in chunks]
    assert names == sorted(names) and names[-1] == "b.pdf"
    a_chunks = [c for c in chunks if c.document_name == "a.pdf"]
    assert [c.index for c in a_chunks] == list(range(len(a_chunks)))
    assert {c.page for c in a_chunks} == {1, 2} and all(c.paged for c in chunks)
    assert all(("Alpha" in c.text) == (c.page == 1) for c in a_chunks)


def test_the_same_file_twice_in_a_conversation_is_kept_once(store: DocumentStore) -> None:
    first = add(store, "ann", "c1", "a.pdf", ["Same."], data=b"same bytes")
    again = add(store, "ann", "c1", "copy of a.pdf", ["Same."], data=b"same bytes")
    assert again.id == first.id and len(store.list("ann", "c1")) == 1
    elsewhere = add(store, "ann", "c2", "a.pdf", ["Same."], data=b"same bytes")
    assert elsewhere.id != first.id, "another conversation gets its own copy"
    assert len(store.chunks("ann", "c1")) == 1


def test_remove_a_document_and_a_conversation(store: DocumentStore) -> None:
    a = add(store, "ann", "c1", "a.pdf", ["One."])
    add(store, "ann", "c1", "b.pdf", ["Two."])
    add(store, "ann", "c2", "c.pdf", ["Three."])
    store.save_vectors(MODEL, [(c.id, unit(c.id)) for c in store.chunks("ann", "c1")])
    store.remove("ann", a.id)
    assert [d.name for d in store.list("ann", "c1")] == ["b.pdf"]
    with pytest.raises(DocumentNotFound):
        store.get("ann", a.id)
    with pytest.raises(DocumentNotFound):
        store.remove("ann", a.id)
    assert [h.chunk.document_name for h in store.search("ann", "c1", MODEL, unit(1), 10)] == ["b.pdf"]
    assert store.remove_conversation("ann", "c1") == 1
    assert store.list("ann", "c1") == [] and store.chunks("ann", "c1") == []
    assert [d.name for d in store.list("ann", "c2")] == ["c.pdf"], "other conversations untouched"


def test_one_user_cannot_see_or_touch_another_users_documents(store: DocumentStore) -> None:
    mine = add(store, "ann", "c1", "diary.pdf", ["Ann's private notes about the pelican."])
    store.save_vectors(MODEL, [(c.id, unit(5)) for c in store.chunks("ann", "c1")])
    # bob knows (or guesses) the ids: same answer as for an id that does not exist
    for attempt in (lambda: store.get("bob", mine.id), lambda: store.document("bob", mine.id),
                    lambda: store.remove("bob", mine.id)):
        with pytest.raises(DocumentNotFound) as caught:
            attempt()
        assert caught.value.status == 404
    with pytest.raises(DocumentNotFound) as unknown:
        store.get("bob", "no-such-id")
    assert render(unknown.value, "en") == render(DocumentNotFound("error.doc.not_found", "hint.doc.not_found"), "en")
    assert store.list("bob", "c1") == [] and store.chunks("bob", "c1") == []
    assert store.chunks_without_vectors("bob", "c1", MODEL) == []
    assert store.search("bob", "c1", MODEL, unit(5), 5) == [] and store.total_chars("bob", "c1") == 0
    assert store.remove_conversation("bob", "c1") == 0
    assert store.copy_to("bob", "c1", "bob-chat") == 0 and store.list("bob", "bob-chat") == []
    # bob's own document in a conversation of the same id stays apart from ann's
    add(store, "bob", "c1", "bob.pdf", ["Bob's notes."])
    assert [d.name for d in store.list("bob", "c1")] == ["bob.pdf"]
    assert [d.name for d in store.list("ann", "c1")] == ["diary.pdf"]
    # ann's data is as it was
    assert store.get("ann", mine.id) == mine
    assert store.document("ann", mine.id).pages[0].text == "Ann's private notes about the pelican."
    assert [h.chunk.document_name for h in store.search("ann", "c1", MODEL, unit(5), 5)] == ["diary.pdf"]


def test_copy_to_gives_a_branch_the_documents_with_their_vectors(store: DocumentStore) -> None:
    a = add(store, "ann", "c1", "a.pdf", ["Alpha text. " * 40])
    add(store, "ann", "c1", "b.pdf", ["Beta text."])
    store.save_vectors(MODEL, [(c.id, unit(c.id)) for c in store.chunks("ann", "c1")])
    assert store.copy_to("ann", "c1", "branch") == 2
    assert [d.name for d in store.list("ann", "branch")] == ["a.pdf", "b.pdf"]
    copied = store.list("ann", "branch")[0]
    assert copied.id != a.id and copied.sha256 == a.sha256 and copied.chars == a.chars
    assert store.document("ann", copied.id) == store.document("ann", a.id)
    assert [c.text for c in store.chunks("ann", "branch")] == [c.text for c in store.chunks("ann", "c1")]
    assert store.chunks_without_vectors("ann", "branch", MODEL) == [], "vectors came along"
    assert store.copy_to("ann", "c1", "branch") == 0, "a file the branch has already is skipped"
    store.remove_conversation("ann", "c1")
    assert len(store.list("ann", "branch")) == 2, "the branch keeps its own copies"


def test_vectors_are_saved_once_and_found_best_first(store: DocumentStore) -> None:
    add(store, "ann", "c1", "a.pdf", ["One. " * 100, "Two. " * 100])
    chunks = store.chunks("ann", "c1")
    assert [c.id for c in store.chunks_without_vectors("ann", "c1", MODEL)] == [c.id for c in chunks]
    half = chunks[: len(chunks) // 2]
    store.save_vectors(MODEL, [(c.id, unit(c.id)) for c in half])
    assert [c.id for c in store.chunks_without_vectors("ann", "c1", MODEL)] == [c.id for c in chunks[len(half):]]
    store.save_vectors(MODEL, [(c.id, unit(c.id)) for c in chunks[len(half):]])
    assert store.chunks_without_vectors("ann", "c1", MODEL) == []
    assert len(store.chunks_without_vectors("ann", "c1", "another-model")) == len(chunks), "kept per model"
    target = chunks[3]
    query = unit(target.id) * 0.9 + unit(999) * 0.1
    hits = store.search("ann", "c1", MODEL, query, k=4)
    assert hits[0].chunk == target and len(hits) == 4
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    expected = sorted(((float(unit(c.id) @ (query / np.linalg.norm(query))), c.id) for c in chunks), reverse=True)
    assert [h.chunk.id for h in hits] == [cid for _, cid in expected[:4]]
    assert hits[0].score == pytest.approx(expected[0][0], abs=1e-5)
    assert store.search("ann", "c1", MODEL, np.zeros(8, np.float32), 3) == []
    assert store.search("ann", "c1", MODEL, unit(1, dims=16), 3) == [], "vectors of another size are not compared"


def test_saving_a_vector_for_a_removed_chunk_is_skipped(store: DocumentStore) -> None:
    a = add(store, "ann", "c1", "a.pdf", ["Gone soon."])
    chunk = store.chunks("ann", "c1")[0]
    store.remove("ann", a.id)
    store.save_vectors(MODEL, [(chunk.id, unit(1))])  # an embedding finished after the user removed the file
    assert store.search("ann", "c1", MODEL, unit(1), 3) == []


def test_the_data_is_still_there_after_reopening(tmp_path: Path) -> None:
    path = tmp_path / "documents.sqlite3"
    store = DocumentStore(path)
    data = b"Line one.\n\nLine two."
    doc = extract_text("notes.txt", data)
    info = store.add("ann", "c1", doc, data, split_into_chunks(doc))
    store.save_vectors(MODEL, [(c.id, unit(c.id)) for c in store.chunks("ann", "c1")])
    store.close()
    again = DocumentStore(path)
    assert again.list("ann", "c1") == [info]
    assert again.document("ann", info.id) == doc
    assert again.chunks_without_vectors("ann", "c1", MODEL) == []
    first = again.chunks("ann", "c1")[0]
    assert again.search("ann", "c1", MODEL, unit(first.id), 1)[0].chunk == first


def test_a_read_only_data_folder_is_a_plain_error(tmp_path: Path) -> None:
    import os

    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        from localai.errors import UserError

        with pytest.raises(UserError) as caught:
            DocumentStore(folder / "sub" / "documents.sqlite3")
        assert str(folder) in render(caught.value, "en")
    finally:
        folder.chmod(0o700)
