"""Reading attached files (localai/documents/extract.py) and cutting them into chunks (chunking.py).

Every file is made by the test (PDFs with fpdf2, Word files with python-docx): nothing is downloaded.
"""

from __future__ import annotations

import io
import random
import re
from pathlib import Path

import pytest

from localai.documents import (DocumentLimits, DocumentTooLarge, ExtractedDocument, Page, extract_text, is_supported,
                               split_into_chunks, split_text)
from localai.documents.extract import NAME_CHARS, PART_CHARS, clean_name
from localai.errors import InvalidInput, UserError
from localai.messages import render

CYRILLIC_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
RUSSIAN = "Секретное слово — «пеликан». Съешь же ещё этих мягких французских булок."


def make_pdf(pages: list[str], font: Path | None = None) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    if font is not None:
        pdf.add_font("Body", fname=str(font))
        pdf.set_font("Body", size=12)
    else:
        pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def make_docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Quarterly report", level=1)
    document.add_paragraph("Sales grew in every region.")
    table = document.add_table(rows=2, cols=3)
    for row, cells in zip(table.rows, (("Region", "Q1", "Q2"), ("North", "10", "12"))):
        for cell, value in zip(row.cells, cells):
            cell.text = value
    document.add_paragraph("The table above is in thousands.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def encrypted(data: bytes, user_password: str) -> bytes:
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def refused(name: str, data: bytes, limits: DocumentLimits = DocumentLimits()) -> UserError:
    with pytest.raises(UserError) as caught:
        extract_text(name, data, limits)
    error = caught.value
    assert error.params.get("name") == clean_name(name), "the error names the file"
    assert clean_name(name) in render(error, "en") and clean_name(name) in render(error, "ru")
    assert error.hint, "every refusal says what to do"
    return error


# -- PDF --------------------------------------------------------------------------------------------------

def test_a_pdf_comes_back_page_by_page_with_its_page_numbers() -> None:
    doc = extract_text("Report.PDF", make_pdf(["Alpha page talks about apples.", "Beta page talks about bananas."]))
    assert doc.kind == "pdf" and doc.paged and doc.name == "Report.PDF"
    assert [page.number for page in doc.pages] == [1, 2]
    assert "apples" in doc.pages[0].text and "apples" not in doc.pages[1].text
    assert "bananas" in doc.pages[1].text
    assert doc.text == doc.pages[0].text + "\n\n" + doc.pages[1].text and doc.chars == len(doc.text) - 2


def test_a_pdf_is_known_by_its_first_bytes_whatever_its_name() -> None:
    doc = extract_text("scan_0001", make_pdf(["Found by magic."]))
    assert doc.kind == "pdf" and "magic" in doc.text


@pytest.mark.skipif(not CYRILLIC_FONT.exists(), reason="no DejaVu font to write Cyrillic into a PDF")
def test_a_russian_pdf_keeps_its_letters() -> None:
    doc = extract_text("отчёт.pdf", make_pdf([RUSSIAN], font=CYRILLIC_FONT))
    assert doc.name == "отчёт.pdf"
    assert "пеликан" in doc.text and "французских" in doc.text


def test_a_pdf_with_a_password_is_refused_plainly() -> None:
    error = refused("secret.pdf", encrypted(make_pdf(["Hidden text."]), user_password="letmein"))
    assert error.key == "error.doc.encrypted"
    assert "password" in render(error, "en") and "unprotected copy" in render(error, "en")
    assert "паролем" in render(error, "ru")


def test_a_pdf_that_only_restricts_printing_opens_with_the_empty_password() -> None:
    doc = extract_text("restricted.pdf", encrypted(make_pdf(["Readable anyway."]), user_password=""))
    assert "Readable anyway" in doc.text


@pytest.mark.parametrize("damage", ["half", "tail", "header only", "random"])
def test_a_damaged_pdf_gives_a_plain_error_not_a_traceback(damage: str) -> None:
    good = make_pdf(["Some text.", "More text."])
    data = {"half": good[: len(good) // 2], "tail": good[:-60], "header only": good[:20],
            "random": b"%PDF-1.7\n" + random.Random(1).randbytes(3000)}[damage]
    error = refused("broken.pdf", data)
    assert error.key == "error.doc.broken_pdf" and isinstance(error, InvalidInput)
    assert "damaged" in render(error, "en")


def test_random_bytes_named_pdf_or_docx_never_escape_as_a_library_error() -> None:
    rng = random.Random(7)
    good_pdf, good_docx = make_pdf(["Page one text."]), make_docx()
    for _ in range(25):
        noise = rng.randbytes(rng.randint(1, 4000))
        flipped_pdf, flipped_docx = bytearray(good_pdf), bytearray(good_docx)
        for _ in range(30):
            flipped_pdf[rng.randrange(len(flipped_pdf))] = rng.getrandbits(8)
            flipped_docx[rng.randrange(len(flipped_docx))] = rng.getrandbits(8)
        for name, data in (("a.pdf", noise), ("a.docx", noise), ("a.pdf", bytes(flipped_pdf)),
                           ("a.docx", bytes(flipped_docx))):
            try:
                extract_text(name, data)
            except UserError:
                pass  # a plain error; anything else fails the test


def test_a_pdf_without_a_text_layer_says_no_text_found_and_why() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")  # a picture of a page, no text
    error = refused("scan.pdf", bytes(pdf.output()))
    assert error.key == "error.doc.scanned"
    said = render(error, "en")
    assert said.startswith("No text found in scan.pdf") and "scanned" in said and "selectable text" in said


def test_too_many_pages_and_too_large_are_refused_with_their_limits() -> None:
    two_pages = make_pdf(["One.", "Two."])
    error = refused("long.pdf", two_pages, DocumentLimits(max_pages=1))
    assert error.key == "error.doc.too_many_pages" and error.params["pages"] == 2 and error.params["limit"] == 1
    assert isinstance(error, DocumentTooLarge) and error.status == 413
    error = refused("big.txt", b"x" * 2000, DocumentLimits(max_bytes=1000))
    assert error.key == "error.doc.too_big" and error.status == 413
    error = refused("wordy.txt", b"word " * 100, DocumentLimits(max_chars=50))
    assert error.key == "error.doc.too_much_text" and error.status == 413
    assert extract_text("fits.txt", b"word " * 10, DocumentLimits(max_bytes=50, max_chars=50)).text.startswith("word")


# -- Word, HTML, CSV, text ------------------------------------------------------------------------------------

def test_a_docx_keeps_paragraphs_and_table_rows_in_order() -> None:
    doc = extract_text("report.docx", make_docx())
    assert doc.kind == "docx" and not doc.paged and [p.number for p in doc.pages] == [1]
    lines = [line for line in doc.text.splitlines() if line.strip()]
    assert lines == ["Quarterly report", "Sales grew in every region.", "Region | Q1 | Q2", "North | 10 | 12",
                     "The table above is in thousands."]


def test_a_zip_that_is_not_a_word_file_is_refused() -> None:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    assert refused("fake.docx", out.getvalue()).key == "error.doc.broken_docx"


def test_html_gives_only_the_visible_text() -> None:
    page = (b"<html><head><title>Guide</title><style>body { color: red }</style>"
            b"<script>var secret = 'do not show';</script></head><body><h1>Welcome</h1>"
            b"<p>Tea &amp; <b>biscuits</b> are served.</p><noscript>enable js</noscript>"
            b"<table><tr><th>Day</th><th>Time</th></tr><tr><td>Mon</td><td>10:00</td></tr></table></body></html>")
    doc = extract_text("guide.html", page)
    assert doc.kind == "html"
    assert "Tea & biscuits are served." in doc.text and "Welcome" in doc.text and "Guide" in doc.text
    assert "Day | Time" in doc.text and "Mon | 10:00" in doc.text
    assert "secret" not in doc.text and "color" not in doc.text and "enable js" not in doc.text
    assert "<" not in doc.text


def test_html_in_windows_1251_is_read_by_its_declared_charset() -> None:
    page = '<html><head><meta charset="windows-1251"></head><body><p>Привет, мир</p></body></html>'
    assert "Привет, мир" in extract_text("ru.htm", page.encode("cp1251")).text


def test_csv_and_tsv_rows_become_lines_of_cells() -> None:
    doc = extract_text("prices.csv", b'item,price\n"tea, green",3\ncoffee,4\n')
    assert doc.kind == "csv" and doc.text.splitlines() == ["item | price", "tea, green | 3", "coffee | 4"]
    russian_excel = "товар;цена\nчай;3\n".encode("cp1251")
    assert extract_text("цены.csv", russian_excel).text.splitlines() == ["товар | цена", "чай | 3"]
    assert extract_text("t.tsv", b"a\tb\n1\t2\n").text.splitlines() == ["a | b", "1 | 2"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be-bom", "cp1251"])
def test_russian_text_is_decoded_in_each_common_encoding(encoding: str) -> None:
    text = RUSSIAN + "\nВторая строка."
    data = (b"\xfe\xff" + text.encode("utf-16-be")) if encoding == "utf-16-be-bom" else text.encode(encoding)
    doc = extract_text("заметки.txt", data)
    assert doc.text == text and doc.kind == "text"


def test_western_8_bit_text_is_not_mistaken_for_russian() -> None:
    assert extract_text("menu.txt", "Café crème, Müller, Straße".encode("cp1252")).text == "Café crème, Müller, Straße"


def test_a_binary_file_with_a_text_name_is_refused() -> None:
    error = refused("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert error.key == "error.doc.binary"
    assert refused("data.json", bytes(range(1, 32)) * 20).key == "error.doc.binary"  # no NUL, but control bytes


@pytest.mark.parametrize("name", ["setup.exe", "archive.zip", "old.doc", "picture.png", "noext"])
def test_an_unsupported_type_is_refused_naming_the_types_that_work(name: str) -> None:
    error = refused(name, b"some bytes that are not a PDF")
    assert error.key == "error.doc.unsupported" and not is_supported(name)
    assert ".docx" in error.hint and "PDF" in error.hint and "Markdown" in error.hint


def test_an_empty_file_and_a_file_of_blanks_are_refused() -> None:
    assert refused("empty.pdf", b"").key == "error.doc.empty"
    assert refused("blank.md", b" \n\n \t\n").key == "error.doc.no_text"


@pytest.mark.parametrize("name,kind", [("a.md", "markdown"), ("A.MARKDOWN", "markdown"), ("x.py", "code"),
                                       ("x.ts", "code"), ("q.sql", "code"), ("c.yaml", "code"), ("n.txt", "text"),
                                       ("r.rst", "text"), ("Makefile", "code"), ("s.log", "text")])
def test_text_kinds_come_from_the_suffix_in_any_case(name: str, kind: str) -> None:
    assert is_supported(name)
    assert extract_text(name, b"print('hello')\n").kind == kind


def test_names_are_cleaned_of_folders_and_control_characters() -> None:
    assert clean_name("../../etc/passwd.txt") == "passwd.txt"
    assert clean_name("C:\\Users\\Ann\\report.pdf") == "report.pdf"
    assert clean_name("bad\x00na\x1bme\u202e.txt") == "badname.txt"
    long = clean_name("x" * 500 + ".pdf")
    assert len(long) == NAME_CHARS and long.endswith(".pdf")
    assert clean_name("") == clean_name("..") == "document"
    assert extract_text("dir/sub/notes.txt", b"hello").name == "notes.txt"


def test_a_long_text_is_numbered_in_parts_on_paragraph_boundaries() -> None:
    paragraphs = [f"Paragraph {n} " + "lorem ipsum dolor " * 20 for n in range(60)]
    doc = extract_text("long.txt", "\n\n".join(paragraphs).encode())
    assert not doc.paged and len(doc.pages) > 3 and [p.number for p in doc.pages] == list(range(1, len(doc.pages) + 1))
    assert all(len(page.text) <= PART_CHARS for page in doc.pages)
    assert all(page.text.startswith("Paragraph ") for page in doc.pages), "a part starts at a paragraph"
    assert " ".join(doc.text.split()) == " ".join("\n\n".join(paragraphs).split()), "no text lost between parts"


# -- chunking --------------------------------------------------------------------------------------------------

def words_of(text: str) -> list[str]:
    return re.findall(r"\S+", text)


def test_chunks_stay_within_a_page_and_carry_its_number() -> None:
    doc = ExtractedDocument("r.pdf", "pdf", (Page(1, "Short first page."), Page(2, "Second page. " * 300),
                                             Page(3, "")), paged=True)
    chunks = split_into_chunks(doc, chunk_chars=400, overlap_chars=60)
    assert chunks[0].page == 1 and chunks[0].text == "Short first page."
    assert all(c.page == 2 for c in chunks[1:]) and len(chunks) > 5
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert all(len(c.text) <= 400 for c in chunks)


def test_chunks_cut_on_sentences_and_words_never_inside_a_word() -> None:
    text = " ".join(f"Sentence number {n} has a few ordinary words in it." for n in range(200))
    vocabulary = set(words_of(text))
    chunks = split_into_chunks(ExtractedDocument("t.txt", "text", (Page(1, text),), paged=False), 300, 50)
    for chunk in chunks:
        assert set(words_of(chunk.text)) <= vocabulary, "a word was cut"
    assert sum(c.text.endswith(".") for c in chunks[:-1]) >= len(chunks) - 2, "cuts fall at sentence ends"


def test_paragraph_breaks_are_preferred_to_sentence_breaks() -> None:
    text = "\n\n".join(f"Para {n}. " + "Some words here. " * 10 for n in range(10))
    pieces = split_text(text, 500, 0)
    assert all(piece.startswith("Para ") for piece in pieces)


def test_neighbouring_chunks_overlap_and_no_word_is_lost() -> None:
    text = " ".join(f"w{n}" for n in range(3000))
    chunks = split_into_chunks(ExtractedDocument("t.txt", "text", (Page(1, text),), paged=False), 500, 100)
    covered = set().union(*(words_of(c.text) for c in chunks))
    assert covered == set(words_of(text)), "every word is in some chunk"
    for a, b in zip(chunks, chunks[1:]):
        shared = set(words_of(a.text)) & set(words_of(b.text))
        assert shared and len(" ".join(sorted(shared))) <= 100 + 10, "overlap present, and about its size"
        assert words_of(b.text)[0] in words_of(a.text)[-30:]


def test_without_overlap_the_chunks_are_the_text_in_order() -> None:
    text = " ".join(f"w{n}" for n in range(2000))
    assert " ".join(split_text(text, 300, 0)) == text


def test_a_word_longer_than_a_chunk_is_the_only_thing_cut() -> None:
    long_word = "x" * 1000
    pieces = split_text(f"before words {long_word} after words", 300, 50)
    assert pieces[0] == "before words"
    assert "".join(pieces[1:]) == long_word + " after words", "cut only inside the long word, nothing repeated"
    assert all(len(p) <= 300 for p in pieces)


def test_bad_chunk_sizes_are_a_programming_error() -> None:
    with pytest.raises(ValueError):
        split_text("text", 100, 100)
    with pytest.raises(ValueError):
        split_text("text", 0)
