"""What of the documents goes into the prompt (localai/documents/retrieval.py): whole, by embeddings, by keywords.

Embeddings come from a deterministic fake encoder (hashed bag of words) through the same ``Encoder`` protocol
the real embedding backend implements.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from localai.documents import (DocumentContext, DocumentStore, Encoder, ExtractedDocument, Page, Source,
                               build_context, extract_text, prompt_with_documents, split_into_chunks, whole_fits)
from localai.documents.retrieval import INSTRUCTION, marker, rank_by_keywords, stem
from localai.messages import render

SECRET = "The secret word is 'pelican'."
SECRET_RU = "Секретное слово — «пеликан»."


class HashedWords:
    """A fake embedding model: each word adds +-1 to one of ``dims`` slots (by its CRC32); rows L2-normalised.
    Texts sharing words come out close, as with a real model on these tests' texts."""

    name = "hashed-words-test"

    def __init__(self, dims: int = 512) -> None:
        self.dims = dims
        self.calls: list[tuple[str, int]] = []  # (role, how many texts)

    def encode(self, texts: Sequence[str], role: str) -> np.ndarray:
        assert role in ("query", "passage")
        self.calls.append((role, len(texts)))
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                h = zlib.crc32(word.encode())
                out[row, h % self.dims] += 1.0 if h & 1 << 31 else -1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out

    def passages_embedded(self) -> int:
        return sum(n for role, n in self.calls if role == "passage")


FILLER = ("Paragraph {n}: the farmers of the valley met at the market, talked about the rain and the price of "
          "barley, and walked home before dark.")
FILLER_RU = ("Абзац {n}: крестьяне из долины встретились на рынке, поговорили о дожде и о цене ячменя и вернулись "
             "домой до темноты.")


def long_text(secret: str, filler: str = FILLER, paragraphs: int = 200, at: int = 137) -> str:
    parts = [filler.format(n=n) for n in range(paragraphs)]
    parts.insert(at, secret)
    return "\n\n".join(parts)


def attach(store: DocumentStore, owner: str, conversation: str, name: str, text: str) -> None:
    data = text.encode()
    doc = extract_text(name, data)
    store.add(owner, conversation, doc, data, split_into_chunks(doc))


@pytest.fixture
def store(tmp_path: Path) -> DocumentStore:
    return DocumentStore(tmp_path / "documents.sqlite3")


def test_the_fake_encoder_is_an_encoder() -> None:
    encoder: Encoder = HashedWords()
    rows = encoder.encode(["a b c", "d"], "passage")
    assert rows.shape == (2, 512) and rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0)


def test_no_documents_means_nothing_is_added(store: DocumentStore) -> None:
    context = build_context(store, "ann", "c1", "Hello?", 10_000, HashedWords())
    assert context == DocumentContext("none", "", ())
    assert prompt_with_documents(context, "Hello?") == "Hello?"


def test_a_short_document_goes_in_whole_with_page_markers(store: DocumentStore) -> None:
    doc = ExtractedDocument("report.pdf", "pdf", (Page(1, "Revenue rose by ten percent."),
                                                  Page(2, "Costs fell in the north.")), paged=True)
    store.add("ann", "c1", doc, b"report", split_into_chunks(doc))
    attach(store, "ann", "c1", "notes.txt", "Remember to call Bob.")
    encoder = HashedWords()
    context = build_context(store, "ann", "c1", "What happened to costs?", 5_000, encoder)
    assert context.mode == "whole" and encoder.calls == [], "nothing to embed when all of it fits"
    assert context.text == ("[report.pdf p.1]\nRevenue rose by ten percent.\n\n[report.pdf p.2]\nCosts fell in the "
                            "north.\n\n[notes.txt]\nRemember to call Bob.")
    assert [(s.document_name, s.page, s.last_page) for s in context.sources] == [("report.pdf", 1, 2),
                                                                                   ("notes.txt", 1, 0)]
    assert render(context.sources[0].label_message(), "en") == "report.pdf, pp. 1–2"
    assert render(context.sources[1].label_message(), "en") == "notes.txt, part 1"
    assert context.sources[0].excerpt.startswith("Revenue rose")


def test_a_long_document_forces_retrieval_and_finds_the_pelican(store: DocumentStore) -> None:
    attach(store, "ann", "c1", "story.txt", long_text(SECRET))
    encoder = HashedWords()
    budget = 4_000
    assert not whole_fits(store.total_chars("ann", "c1"), budget)
    context = build_context(store, "ann", "c1", "What is the secret word?", budget, encoder)
    assert context.mode == "retrieval"
    assert "pelican" in context.text and len(context.text) <= budget
    assert any("pelican" in s.excerpt for s in context.sources)
    where = next(s for s in context.sources if "pelican" in s.excerpt)
    assert not where.paged and f"[story.txt part {where.page}]" in context.text
    page_text = store.document("ann", store.list("ann", "c1")[0].id).pages[where.page - 1].text
    assert SECRET in page_text, "the source points at the part that holds the answer"
    assert render(where.label_message(), "en") == f"story.txt, part {where.page}"
    assert render(where.label_message(), "ru") == f"story.txt, часть {where.page}"


def test_vectors_are_computed_once_across_questions(store: DocumentStore) -> None:
    attach(store, "ann", "c1", "story.txt", long_text(SECRET))
    chunks = len(store.chunks("ann", "c1"))
    encoder = HashedWords()
    build_context(store, "ann", "c1", "What is the secret word?", 4_000, encoder)
    assert encoder.passages_embedded() == chunks and ("query", 1) in encoder.calls
    assert all(n <= 32 for role, n in encoder.calls), "embedded in batches"
    encoder.calls.clear()
    again = build_context(store, "ann", "c1", "Where did the farmers meet?", 4_000, encoder)
    assert encoder.calls == [("query", 1)], "the second question embeds only itself"
    assert again.mode == "retrieval" and "market" in again.text
    attach(store, "ann", "c1", "more.txt", long_text("The password is 'heron'.", at=3))
    encoder.calls.clear()
    build_context(store, "ann", "c1", "What is the password?", 4_000, encoder)
    assert encoder.passages_embedded() == len(store.chunks("ann", "c1")) - chunks, "only the new file's chunks"


def test_progress_is_reported_and_a_stop_keeps_what_was_embedded(store: DocumentStore) -> None:
    attach(store, "ann", "c1", "story.txt", long_text(SECRET, paragraphs=1000))
    total = len(store.chunks("ann", "c1"))
    seen: list[tuple[int, int]] = []

    def stop_after_two(done: int, of: int) -> None:
        seen.append((done, of))
        if len(seen) == 2:
            raise KeyboardInterrupt  # stands for the job's cancel

    with pytest.raises(KeyboardInterrupt):
        build_context(store, "ann", "c1", "secret?", 4_000, HashedWords(), progress=stop_after_two)
    assert seen == [(32, total), (64, total)]
    assert len(store.chunks_without_vectors("ann", "c1", HashedWords.name)) == total - 64


def test_the_budget_and_top_k_are_respected(store: DocumentStore) -> None:
    attach(store, "ann", "c1", "story.txt", long_text(SECRET))
    for budget in (300, 1_500, 4_000, 9_000):
        for encoder in (HashedWords(), None):
            context = build_context(store, "ann", "c1", "What is the secret word?", budget, encoder, top_k=3)
            assert 0 < len(context.text) <= budget, (budget, encoder)
            assert 1 <= len(context.sources) <= 3
            assert context.text.count("[story.txt part ") == len(context.sources)
    tiny = build_context(store, "ann", "c1", "What is the secret word?", 300, HashedWords(), top_k=3)
    assert len(tiny.sources) == 1, "even a budget smaller than a chunk gets the best chunk's beginning"


def test_keywords_find_the_right_chunk_without_an_embedding_model(store: DocumentStore) -> None:
    attach(store, "ann", "c1", "story.txt", long_text(SECRET))
    context = build_context(store, "ann", "c1", "What is the secret word?", 4_000, None)
    assert context.mode == "keywords" and "pelican" in context.text
    best = rank_by_keywords(store.chunks("ann", "c1"), "What is the secret word?")[0]
    assert SECRET in best.text


def test_keywords_work_in_russian_across_word_endings(store: DocumentStore) -> None:
    attach(store, "ann", "c1", "рассказ.txt", long_text(SECRET_RU, filler=FILLER_RU))
    context = build_context(store, "ann", "c1", "Какое было секретное слово?", 4_000, None)
    assert context.mode == "keywords" and "пеликан" in context.text
    inflected = rank_by_keywords(store.chunks("ann", "c1"), "Назови секретного слова")  # other endings
    assert SECRET_RU in inflected[0].text
    assert "рассказ.txt part" in context.text


def test_the_stem_joins_word_forms() -> None:
    """A word of the question matches a word of a chunk that starts with its stem."""
    for a, b in (("pelicans", "pelican"), ("секретного", "секретное"), ("слова", "слово"), ("documents", "document")):
        assert b.startswith(stem(a)) and a.startswith(stem(b)), (a, b)
    assert not "pelmeni".startswith(stem("pelican"))
    assert stem("cat") == "cat"


def test_a_question_matching_nothing_gets_the_documents_beginning(store: DocumentStore) -> None:
    attach(store, "ann", "c1", "story.txt", long_text(SECRET))
    context = build_context(store, "ann", "c1", "Summarise!", 2_000, None, top_k=2)
    assert context.mode == "keywords" and context.sources[0].page == 1
    assert context.text.startswith("[story.txt part 1]\nParagraph 0:")


def test_neighbouring_chunks_are_joined_without_repeating_their_overlap(store: DocumentStore) -> None:
    facts = " ".join(f"Pelican fact {n} is about beaks and fish." for n in range(60))
    attach(store, "ann", "c1", "birds.txt", long_text(facts, paragraphs=60, at=30))
    context = build_context(store, "ann", "c1", "pelican facts", 20_000 // 4, None, top_k=3)
    assert len(context.sources) < 3, "adjacent chunks became one passage"
    shown = re.findall(r"Pelican fact (\d+) is", context.text)
    assert shown and len(shown) == len(set(shown)), "no fact twice"
    numbers = sorted(map(int, shown))
    assert numbers == list(range(numbers[0], numbers[-1] + 1)), "a passage is continuous text"


def test_another_user_gets_nothing_from_a_conversation_id_they_do_not_own(store: DocumentStore) -> None:
    attach(store, "ann", "c1", "story.txt", long_text(SECRET))
    assert build_context(store, "bob", "c1", "What is the secret word?", 4_000, HashedWords()).mode == "none"
    assert build_context(store, "bob", "c1", "What is the secret word?", 4_000, None).mode == "none"


def test_the_prompt_has_the_instruction_the_documents_and_the_question_last(store: DocumentStore) -> None:
    attach(store, "ann", "c1", "story.txt", long_text(SECRET))
    question = "Какое секретное слово?"
    context = build_context(store, "ann", "c1", question, 4_000, HashedWords())
    prompt = prompt_with_documents(context, question)
    assert prompt.startswith(INSTRUCTION) and "language of the question" in prompt
    assert context.text in prompt and prompt.endswith(question)
    assert prompt.index(context.text) < prompt.rindex(question)
    assert "best match" in prompt, "the model is told it sees only parts"
    whole = prompt_with_documents(DocumentContext("whole", "[a.txt]\nHi.", ()), "Q?")
    assert "best match" not in whole and whole.endswith("Q?")


@pytest.mark.parametrize("source,en,ru", [
    (Source("d", "report.pdf", 3, True, "x"), "report.pdf, p. 3", "report.pdf, с. 3"),
    (Source("d", "notes.txt", 2, False, "x"), "notes.txt, part 2", "notes.txt, часть 2"),
    (Source("d", "report.pdf", 1, True, "x", last_page=12), "report.pdf, pp. 1–12", "report.pdf, с. 1–12"),
    (Source("d", "notes.txt", 1, False, "x", last_page=4), "notes.txt, parts 1–4", "notes.txt, части 1–4"),
])
def test_source_labels_come_from_the_catalog(source: Source, en: str, ru: str) -> None:
    assert render(source.label_message(), "en") == en and render(source.label_message(), "ru") == ru


def test_markers_and_whole_fits() -> None:
    assert marker("a.pdf", 3, True) == "[a.pdf p.3]" and marker("b.txt", 2, False, 5) == "[b.txt part 2]"
    assert marker("b.txt", 1, False, 1) == "[b.txt]"
    assert whole_fits(900, 1_000) and not whole_fits(950, 1_000) and whole_fits(0, 0)
