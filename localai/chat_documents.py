"""A conversation's documents: what the Chat tab attaches, lists and removes, and what a question is answered from.

Attaching reads the file here, on this computer (``documents/extract.py``), checks it (type, size, pages, a text
layer), splits it into chunks and stores it with the conversation, per user (``documents/store.py``): nobody sees
another user's documents. A question in a conversation with documents is answered from them: the whole text when
it fits in the model's context beside the conversation (LM Studio's approach), else the chunks most like the
question (an embedding model's vectors, kept in the store; without one, a keyword ranking), each marked with its
file and page so the answer can name them, and the page shows them (the answer's sources).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import InvalidInput, UserError
from .messages import Message

if TYPE_CHECKING:
    from .documents.extract import DocumentLimits, ExtractedDocument
    from .documents.retrieval import DocumentContext, Encoder, Source
    from .documents.store import DocumentInfo, DocumentStore

MAX_DOCUMENTS = 50  # per conversation
MAX_CONVERSATION_BYTES = 500 * 1024 * 1024  # the files of one conversation together
CHARS_PER_TOKEN = 2.5  # a careful guess for sizing the documents' share of the context (Russian runs ~2.5-3)
UNKNOWN_CONTEXT = 4096  # tokens, for a model that does not say
RESERVED_TOKENS = 256  # the template, the instruction around the documents
DOCUMENTS_SHARE = 0.6  # of the room beside the question, when the conversation would leave the documents less


@dataclass(frozen=True)
class DocumentsRef:
    """Which conversation's documents a chat answers from, for whom."""

    user: str
    conversation_id: str


@dataclass(frozen=True)
class ReadDocument:
    """A file read and checked, not stored yet (a turn stores it once the whole turn is accepted)."""

    document: ExtractedDocument
    data: bytes
    chunks: tuple[Any, ...]


class TooManyDocuments(UserError):
    status = 413
    code = "too_many_documents"


def budget_chars(context_length: int, conversation_chars: int, max_new_tokens: int,
                 ratio: float = CHARS_PER_TOKEN, question_chars: int = 0) -> int:
    """How many characters of documents fit in the prompt beside the conversation and the answer (``ratio``:
    characters per token of this model's tokenizer on these documents). The answer's share is the backend's
    (``max_new_tokens``, at most half the context); the documents take what the conversation leaves, and at least
    ``DOCUMENTS_SHARE`` of what the question leaves (older turns are then left out to fit, and the page says so)."""
    context = context_length or UNKNOWN_CONTEXT
    available = context - min(max_new_tokens, context // 2) - min(RESERVED_TOKENS, context // 8)
    after_question = available - int(question_chars / ratio) - 1
    after_conversation = available - int(conversation_chars / ratio) - 1
    tokens = max(after_conversation, int(after_question * DOCUMENTS_SHARE))
    return max(0, int(tokens * ratio))


def chars_per_token(backend: Any, sample: str) -> float:
    """Characters per token of the model's own tokenizer on a sample of the documents (a careful guess for a model
    without a tokenizer here, e.g. a remote one). A little below the measure, so the documents surely fit."""
    tokenizer = getattr(backend, "tokenizer", None)
    if tokenizer is None or not sample:
        return CHARS_PER_TOKEN
    try:
        count = len(tokenizer(sample, add_special_tokens=False, verbose=False)["input_ids"])
    except Exception:  # noqa: BLE001 - a tokenizer that cannot say: the careful guess
        return CHARS_PER_TOKEN
    return min(6.0, max(0.8, 0.9 * len(sample) / max(1, count)))


def source_record(source: Source) -> dict[str, Any]:
    """A source as stored beside an answer (and exported)."""
    return {"document": source.document_name, "document_id": source.document_id, "page": source.page,
            "last_page": source.last_page, "paged": source.paged, "excerpt": source.excerpt}


class LaneEncoder:
    """An embedding model used from another lane's thread (a remote model's chat): its torch work runs on the torch
    lane, the one thread that does torch work."""

    def __init__(self, encoder: Encoder, lane: Any) -> None:
        self.encoder = encoder
        self.lane = lane
        self.name = encoder.name

    def encode(self, texts: Sequence[str], role: str) -> Any:
        return self.lane.call(lambda: self.encoder.encode(texts, role), "local", "embedding")


class ChatDocuments:
    def __init__(self, store: DocumentStore, limits: DocumentLimits) -> None:
        self.store = store
        self.limits = limits

    def read(self, name: str, data: bytes) -> ReadDocument:
        """Read and check one file (nothing stored): its text, split into chunks. Raises a clear ``UserError``
        for a file that cannot be used (type, size, pages, password, no text layer, damaged)."""
        from .documents.chunking import split_into_chunks  # noqa: PLC0415
        from .documents.extract import extract_text  # noqa: PLC0415

        document = extract_text(name, data, self.limits)
        return ReadDocument(document, data, tuple(split_into_chunks(document)))

    def check_room(self, user: str, conversation_id: str | None, adding: Sequence[ReadDocument]) -> None:
        """Refuse files beyond the conversation's limits (number of files, their bytes together)."""
        known = self.store.list(user, conversation_id) if conversation_id else []
        count = len(known) + len(adding)
        if count > MAX_DOCUMENTS:
            raise TooManyDocuments("error.attach.too_many", "hint.attach.new_chat", max=MAX_DOCUMENTS)
        size = sum(d.size_bytes for d in known) + sum(len(r.data) for r in adding)
        if size > MAX_CONVERSATION_BYTES:
            raise TooManyDocuments("error.attach.too_much", "hint.attach.new_chat",
                                   mb=MAX_CONVERSATION_BYTES // (1024 * 1024))

    def add(self, user: str, conversation_id: str, read: ReadDocument) -> DocumentInfo:
        return self.store.add(user, conversation_id, read.document, read.data, list(read.chunks))

    def list(self, user: str, conversation_id: str | None) -> list[DocumentInfo]:
        return self.store.list(user, conversation_id) if conversation_id else []

    def remove(self, user: str, document_id: str) -> None:
        self.store.remove(user, document_id)

    def sample(self, ref: DocumentsRef, chars: int = 4000) -> str:
        """The start of the conversation's documents, to measure how its text tokenizes."""
        text = ""
        for chunk in self.store.chunks(ref.user, ref.conversation_id):
            text += chunk.text + "\n\n"
            if len(text) >= chars:
                break
        return text[:chars]

    def has_documents(self, ref: DocumentsRef | None) -> bool:
        return ref is not None and bool(self.store.list(ref.user, ref.conversation_id))

    def context(self, ref: DocumentsRef, question: str, budget: int, encoder: Callable[[], Encoder | None],
                on_status: Callable[[Message], None]) -> DocumentContext:
        """What of the conversation's documents goes into the prompt for ``question``: everything when it fits in
        ``budget`` characters, else the best chunks (``encoder()`` gives the embedding model, loaded on first
        need; None: ranked by keywords)."""
        from .documents.retrieval import build_context, whole_fits  # noqa: PLC0415

        if budget <= 0:  # the conversation alone fills the model's context
            raise InvalidInput("error.attach.no_room", "hint.attach.no_room")
        chosen = None
        if not whole_fits(self.store.total_chars(ref.user, ref.conversation_id), budget):
            on_status(Message("attach.status.searching"))
            chosen = encoder()
        return build_context(self.store, ref.user, ref.conversation_id, question, budget, chosen)
