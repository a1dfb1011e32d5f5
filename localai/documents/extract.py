"""Reading an attached file's text, on this computer: PDF, Word (.docx), plain text, Markdown, HTML, CSV and
source code.

``extract_text(name, data)`` returns the text page by page (``ExtractedDocument``) or raises ``InvalidInput``
(``DocumentTooLarge`` for sizes) naming the file, with what to do: an empty file, one over the limits, a type
LocalAI does not read, a password-protected or damaged PDF, a scanned PDF without a text layer, a binary file
with a text name. Nothing here writes anywhere; the caller stores the result (``store.DocumentStore``).

Steps:
    1. the name is cleaned (no folders, no control characters, at most ``NAME_CHARS``);
    2. the size is checked (empty, over ``DocumentLimits.max_bytes``);
    3. the type comes from the suffix (any case); a file starting with ``%PDF`` is a PDF whatever its name;
    4. the text is read: PDF (pypdf) page by page; DOCX (python-docx) paragraphs and table rows in order;
       HTML its visible text (the standard library's parser; scripts and styles dropped); CSV / TSV one
       "a | b | c" line per row; anything else decoded as text (UTF-8, UTF-16 / 32 by their byte order mark,
       else Windows-1251 for Russian or Windows-1252 / Latin-1);
    5. the amount of text is checked (``max_chars``), and that there is some.

Formats without pages are numbered in parts of about ``PART_CHARS`` characters (cut on paragraph
boundaries), so that an answer can still point at a place: "notes.txt, part 2". ``paged`` tells which.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import PurePosixPath

from ..errors import InvalidInput
from ..sizes import format_bytes
from .chunking import split_text

NAME_CHARS = 200  # a longer file name is shortened (its suffix kept)
FALLBACK_NAME = "document"  # a file handed over without a usable name
PART_CHARS = 3000  # the size of a numbered "part" of a text without pages
PDF_MAGIC = b"%PDF"
UNPACKED_FACTOR = 20  # a .docx may unpack to this many times the size limit (its XML is compressed)
CONTROL_SHARE = 0.05  # decoded "text" with more control characters than this is binary

KINDS: dict[str, str] = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".txt": "text", ".text": "text", ".log": "text", ".rst": "text", ".tex": "text", ".srt": "text",
    ".vtt": "text",
    ".md": "markdown", ".markdown": "markdown",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".csv": "csv", ".tsv": "csv",
    **dict.fromkeys((
        ".json", ".jsonl", ".yaml", ".yml", ".toml", ".xml", ".ini", ".cfg", ".conf", ".env", ".properties",
        ".py", ".pyi", ".ipynb", ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".java", ".kt", ".kts", ".scala",
        ".groovy", ".gradle", ".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".cs", ".fs", ".vb", ".go",
        ".rs", ".rb", ".php", ".pl", ".pm", ".lua", ".r", ".jl", ".m", ".mm", ".swift", ".dart", ".hs",
        ".ml", ".ex", ".exs", ".erl", ".clj", ".elm", ".sh", ".bash", ".zsh", ".fish", ".ps1", ".bat", ".cmd",
        ".sql", ".css", ".scss", ".sass", ".less", ".vue", ".svelte", ".proto", ".graphql", ".tf", ".cmake",
        ".mk", ".dockerfile", ".asm", ".s", ".v", ".sv", ".vhd", ".zig", ".nim",
    ), "code"),
}
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(KINDS)
# Files known by name rather than suffix.
KNOWN_NAMES = {"makefile": "code", "dockerfile": "code", "readme": "text", "license": "text"}


@dataclass(frozen=True)
class DocumentLimits:
    max_bytes: int = 50 * 1024 * 1024  # per file
    max_pages: int = 2000  # pages of a PDF
    max_chars: int = 5_000_000  # extracted text per file


@dataclass(frozen=True)
class Page:
    """One page of a PDF (``number`` 1-based); for formats without pages, one part of about ``PART_CHARS``
    characters (``number`` counts the parts from 1)."""

    number: int
    text: str


@dataclass(frozen=True)
class ExtractedDocument:
    name: str  # the file name as uploaded, cleaned: no folders, no control characters, at most NAME_CHARS
    kind: str  # "pdf" | "docx" | "text" | "markdown" | "html" | "csv" | "code"
    pages: tuple[Page, ...]
    paged: bool  # True: real pages (PDF), citations say "p. N"; False: parts, "part N"

    @property
    def chars(self) -> int:
        """The characters of text on all pages."""
        return sum(len(page.text) for page in self.pages)

    @property
    def text(self) -> str:
        """All pages, joined by blank lines."""
        return "\n\n".join(page.text for page in self.pages)


class DocumentTooLarge(InvalidInput):
    """A file over a limit (bytes, pages, characters)."""

    status = 413
    code = "document_too_large"


def clean_name(name: str) -> str:
    """The file's own name: no folder part (either slash), no control or format characters, at most
    ``NAME_CHARS`` characters (the suffix kept); ``FALLBACK_NAME`` when nothing is left."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
    base = " ".join(base.split())
    if base.strip(".") == "":  # "", "." or ".."
        base = ""
    if len(base) > NAME_CHARS:
        suffix = PurePosixPath(base).suffix
        suffix = suffix if len(suffix) <= 16 else ""
        base = base[:NAME_CHARS - len(suffix)].rstrip() + suffix
    return base or FALLBACK_NAME


def _kind_of(name: str, data: bytes) -> str | None:
    suffix = PurePosixPath(name.lower()).suffix
    if suffix in KINDS:
        return KINDS[suffix]
    if data[:1024].lstrip().startswith(PDF_MAGIC):
        return "pdf"
    return KNOWN_NAMES.get(name.lower())


def is_supported(name: str) -> bool:
    """Whether LocalAI reads a file of this name (by its suffix, any case)."""
    return _kind_of(clean_name(name), b"") is not None


def extract_text(name: str, data: bytes, limits: DocumentLimits = DocumentLimits()) -> ExtractedDocument:
    """The text of the file ``name`` with contents ``data``, page by page (see the module's docstring)."""
    # 1. the name; 2. the size
    name = clean_name(name)
    if not data:
        raise InvalidInput("error.doc.empty", "hint.doc.empty", name=name)
    if len(data) > limits.max_bytes:
        raise DocumentTooLarge("error.doc.too_big", "hint.doc.too_big", name=name, size=format_bytes(len(data)),
                               limit=format_bytes(limits.max_bytes))
    # 3. the type
    kind = _kind_of(name, data)
    if kind is None:
        raise InvalidInput("error.doc.unsupported", "hint.doc.unsupported", name=name)
    # 4. the text
    if kind == "pdf":
        texts = _pdf_pages(name, data, limits)
    elif kind == "docx":
        texts = [_docx_text(name, data, limits)]
    elif kind == "html":
        texts = [_html_text(_decode(name, data, html=True))]
    elif kind == "csv":
        texts = [_csv_text(_decode(name, data), tab=name.lower().endswith(".tsv"))]
    else:
        texts = [_decode(name, data)]
    # 5. the amount of text
    chars = sum(len(text) for text in texts)
    if chars > limits.max_chars:
        raise DocumentTooLarge("error.doc.too_much_text", "hint.doc.split", name=name, limit=f"{limits.max_chars:,}")
    if not any(text.strip() for text in texts):
        if kind == "pdf":
            raise InvalidInput("error.doc.scanned", "hint.doc.scanned", name=name)
        raise InvalidInput("error.doc.no_text", "hint.doc.no_text", name=name)
    if kind == "pdf":
        pages = tuple(Page(number, text) for number, text in enumerate(texts, 1))
    else:
        pages = tuple(Page(number, text) for number, text in enumerate(split_text(texts[0], PART_CHARS), 1))
    return ExtractedDocument(name=name, kind=kind, pages=pages, paged=kind == "pdf")


# -- PDF ------------------------------------------------------------------------------------------------

def _pdf_pages(name: str, data: bytes, limits: DocumentLimits) -> list[str]:
    """The text of each page (a page without text: ""). A damaged file, a password, too many pages: errors."""
    import pypdf
    from pypdf.errors import DependencyError

    broken = InvalidInput("error.doc.broken_pdf", "hint.doc.broken", name=name)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")  # many PDFs only restrict printing or copying: an empty password opens them
            except DependencyError:  # an encryption this installation cannot undo
                opened = 0
            if not opened:
                raise InvalidInput("error.doc.encrypted", "hint.doc.encrypted", name=name)
        count = len(reader.pages)
    except InvalidInput:
        raise
    except Exception as exc:  # pypdf raises many kinds (and plain ValueError, KeyError...) for a broken file
        raise broken from exc
    if count > limits.max_pages:
        raise DocumentTooLarge("error.doc.too_many_pages", "hint.doc.split", name=name, pages=count,
                               limit=limits.max_pages)
    texts, failed, chars = [], 0, 0
    for number in range(count):
        try:
            text = reader.pages[number].extract_text() or ""
        except Exception:  # one bad page does not lose the others
            text, failed = "", failed + 1
        text = _tidy(text)
        chars += len(text)
        if chars > limits.max_chars:
            raise DocumentTooLarge("error.doc.too_much_text", "hint.doc.split", name=name,
                                   limit=f"{limits.max_chars:,}")
        texts.append(text)
    if count == 0 or failed == count:
        raise broken
    return texts


def _tidy(text: str) -> str:
    """Text as a page gives it, with its line ends made plain and trailing spaces and NULs dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


# -- DOCX -----------------------------------------------------------------------------------------------

def _docx_text(name: str, data: bytes, limits: DocumentLimits) -> str:
    """Paragraphs and table rows ("a | b | c") in the order they appear."""
    import zipfile

    import docx
    from docx.table import Table

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except Exception as exc:
        raise InvalidInput("error.doc.broken_docx", "hint.doc.broken", name=name) from exc
    if unpacked > limits.max_bytes * UNPACKED_FACTOR:
        raise DocumentTooLarge("error.doc.unpacks_too_big", "hint.doc.split", name=name,
                               limit=format_bytes(limits.max_bytes * UNPACKED_FACTOR))
    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                lines.extend(_table_rows(block))
            else:
                lines.append(block.text)
    except Exception as exc:  # not a Word file inside, or a damaged one
        raise InvalidInput("error.doc.broken_docx", "hint.doc.broken", name=name) from exc
    return _tidy("\n".join(lines))


def _table_rows(table: object) -> list[str]:
    """One "a | b | c" line per row; a merged cell (python-docx repeats it) once."""
    rows = []
    for row in table.rows:  # type: ignore[attr-defined]
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            rows.append(" | ".join(cells))
    return [*rows, ""]


# -- text -----------------------------------------------------------------------------------------------

BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
CONTROLS = re.compile(r"[\x01-\x08\x0b\x0e-\x1f\x7f]")
HTML_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)


def _decode(name: str, data: bytes, html: bool = False) -> str:
    """Bytes as text: by a byte order mark, else UTF-8, else (for HTML) the page's declared charset, else
    Windows-1251 when the text looks Russian, else Windows-1252 / Latin-1. Binary data: ``InvalidInput``."""
    binary = InvalidInput("error.doc.binary", "hint.doc.binary", name=name)
    text = None
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise binary from exc
            break
    if text is None:
        if b"\x00" in data:
            raise binary
        text = _decode_without_bom(data, html)
    controls = len(CONTROLS.findall(text))
    if controls > CONTROL_SHARE * max(len(text), 1):
        raise binary
    return _tidy(text)


def _decode_without_bom(data: bytes, html: bool) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = HTML_CHARSET.search(data[:4096]) if html else None
    if declared:
        try:
            return data.decode(codecs.lookup(declared.group(1).decode("ascii")).name)
        except (LookupError, UnicodeDecodeError):
            pass
    if _looks_cyrillic(data):
        return data.decode("cp1251", errors="replace")
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _looks_cyrillic(data: bytes) -> bool:
    """Whether 8-bit text is Windows-1251 Russian rather than a Western encoding: in Russian, letters with
    the high bit (0xC0-0xFF) make up whole words; in French or German they stand alone among ASCII letters
    (café, Müller)."""
    data = data[:65536]
    high = [i for i, byte in enumerate(data) if byte >= 0xC0]
    if not high:
        return False
    runs = sum(1 for i in high if (i > 0 and data[i - 1] >= 0xC0) or (i + 1 < len(data) and data[i + 1] >= 0xC0))
    return runs >= len(high) / 2


# -- HTML -----------------------------------------------------------------------------------------------

class _VisibleText(HTMLParser):
    """Collects the text a browser shows: no scripts, styles or templates; block elements on their own lines,
    table cells separated by " | "."""

    HIDDEN = frozenset({"script", "style", "noscript", "template", "svg", "canvas", "iframe", "object"})
    BLOCKS = frozenset({"p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
                        "tr", "table", "section", "article", "header", "footer", "nav", "aside", "main", "pre",
                        "blockquote", "hr", "figure", "figcaption", "form", "title", "address", "details",
                        "summary", "caption"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in ("td", "th"):
            self.parts.append(" | ")
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        if tag == "pre":
            self.pre += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "hr"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        if tag == "pre":
            self.pre = max(self.pre - 1, 0)

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        self.parts.append(data if self.pre else re.sub(r"\s+", " ", data))


def _html_text(source: str) -> str:
    parser = _VisibleText()
    parser.feed(source)
    parser.close()
    lines = []
    for line in "".join(parser.parts).split("\n"):
        line = line.strip().strip("|").strip()
        lines.append(re.sub(r"(?:\s*\|\s*)+", " | ", line) if "|" in line else line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# -- CSV ------------------------------------------------------------------------------------------------

def _csv_text(text: str, tab: bool) -> str:
    """One "a | b | c" line per row; the delimiter guessed (comma, semicolon as Russian Excel writes, tab)."""
    if tab:
        delimiter = "\t"
    else:
        try:
            delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    rows = []
    try:
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            cells = [" ".join(cell.split()) for cell in row]
            if any(cells):
                rows.append(" | ".join(cells))
    except csv.Error:  # not really CSV (a field over the csv module's limit, a stray quote): the text as it is
        return text
    return "\n".join(rows)
