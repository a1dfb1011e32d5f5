"""Cutting a document's text into chunks for retrieval: on paragraph, line, sentence or word boundaries.

``split_into_chunks(doc)`` cuts each page on its own (a chunk never crosses a page, so its page number is
exact) into pieces of at most ``chunk_chars`` characters, neighbours on a page sharing up to ``overlap_chars``
(a sentence cut between two chunks is then whole in one of them). A cut falls, in this order of preference,
on a blank line, a line break, the end of a sentence or a space, and in the second half of the chunk when
it can; a single word longer than a chunk is the only thing ever cut in the middle.

``split_text`` is the same cutting for plain text; ``extract`` uses it (without overlap) to number the
parts of a long text that has no pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .extract import ExtractedDocument

# Where a cut may fall, best first: the position after the match is where the next piece starts.
BREAKS = (
    re.compile(r"\n[ \t]*\n\s*"),  # a blank line: between paragraphs
    re.compile(r"\n\s*"),  # a line break
    re.compile(r"(?<=[.!?…。！？;])[\"'»”’)\]]*\s+"),  # the end of a sentence
    re.compile(r"\s+"),  # a space: between words
)
SENTENCE_START = BREAKS[2]
WORD_START = BREAKS[3]


@dataclass(frozen=True)
class Chunk:
    page: int  # the Page.number it comes from (a chunk never crosses a page)
    index: int  # 0-based position in the document
    text: str


def _cut(text: str, start: int, size: int) -> int:
    """Where the piece starting at ``start`` ends: the best boundary within ``size`` characters."""
    window = text[start:start + size + 1]  # a boundary right after the last character counts
    for pattern in BREAKS:
        ends = [m.start() for m in pattern.finditer(window) if 0 < m.start() <= size]
        good = [end for end in ends if end >= size // 2]  # not a tiny piece when a later cut exists
        if good:
            return start + good[-1]
        if ends and pattern is WORD_START:
            return start + ends[-1]
    return start + size  # one word longer than a chunk


def _overlap_start(text: str, start: int, end: int, overlap: int) -> int:
    """Where the next piece starts so that it repeats at most ``overlap`` characters before ``end``: at the
    first sentence start in that stretch, else its first word start; ``end`` when there is none."""
    if overlap <= 0:
        return end
    lowest = max(start + 1, end - overlap)
    for pattern in (SENTENCE_START, WORD_START):
        match = pattern.search(text, lowest, end)
        if match and match.end() < end:
            return match.end()
    return end


def split_text(text: str, size: int, overlap: int = 0) -> list[str]:
    """``text`` in pieces of at most ``size`` characters (stripped), cut on the best boundaries; neighbours
    share up to ``overlap`` characters. Empty text: no pieces."""
    if size <= 0 or not 0 <= overlap < size:
        raise ValueError(f"need size > 0 and 0 <= overlap < size, got size={size} overlap={overlap}")
    def skip_space(pos: int) -> int:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        return pos

    def end_of(pos: int) -> int:
        return len(text) if len(text) - pos <= size else _cut(text, pos, size)

    pieces: list[str] = []
    pos, last_end = skip_space(0), 0
    while pos < len(text):
        end = end_of(pos)
        if end <= last_end:  # the overlap left no room to move on (a very long word follows): start afresh
            pos = skip_space(last_end)
            end = end_of(pos)
        piece = text[pos:end].strip()
        if piece:
            pieces.append(piece)
        if not text[end:].strip():
            break
        following = _overlap_start(text, pos, end, overlap)
        pos, last_end = skip_space(following if following > pos else end), end
    return pieces


def split_into_chunks(doc: ExtractedDocument, chunk_chars: int = 1200, overlap_chars: int = 150) -> list[Chunk]:
    """The chunks of ``doc``, page by page, in reading order (``index`` counts through the whole document)."""
    chunks: list[Chunk] = []
    for page in doc.pages:
        for piece in split_text(page.text, chunk_chars, overlap_chars):
            chunks.append(Chunk(page=page.number, index=len(chunks), text=piece))
    return chunks
