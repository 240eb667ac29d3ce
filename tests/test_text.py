"""Decoding uploads and splitting excerpt text into lines."""

from __future__ import annotations

import io
import zipfile
from collections import Counter

import docx
import pytest
from hypothesis import given
from hypothesis import strategies as st

import bot.docx_text
from bot.errors import InvalidInput
from bot.text import (
    ACCEPTED_EXTENSIONS,
    MAX_CHARS,
    MAX_LINES,
    MAX_UPLOAD_BYTES,
    check_storable,
    count_words,
    decode_upload,
    is_invisible,
    normalize_newlines,
    parse_excerpt_text,
    read_upload,
    split_into_lines,
)

PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10"


def make_docx(*paragraphs: str) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- constants --------------------------------------------------------------


def test_documented_bounds() -> None:
    assert MAX_CHARS == 200_000
    assert MAX_LINES == 2_000
    assert MAX_UPLOAD_BYTES == 4 * 1024 * 1024
    assert ACCEPTED_EXTENSIONS == (".txt", ".md", ".docx")


# --- decode_upload: plain text ----------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"one\ntwo", "one\ntwo"),
        (b"one\r\ntwo", "one\r\ntwo"),
        ("caf\u00e9 \u2014 na\u00efve".encode(), "caf\u00e9 \u2014 na\u00efve"),
        (b"\xef\xbb\xbfwith bom", "with bom"),
        (b"\xff\xfe" + "h\u00e9llo \U0001f600".encode("utf-16-le"), "h\u00e9llo \U0001f600"),
        (b"\xfe\xff" + "h\u00e9llo \U0001f600".encode("utf-16-be"), "h\u00e9llo \U0001f600"),
    ],
    ids=["lf", "crlf", "utf8", "utf8-bom", "utf16-le", "utf16-be"],
)
def test_decodes_accepted_encodings(data: bytes, expected: str) -> None:
    assert decode_upload("story.txt", data) == expected


def test_python_utf16_codec_output_is_accepted() -> None:
    # "utf-16" writes a BOM in the platform's order: what Windows Notepad does too.
    assert decode_upload("story.md", "Chapter 1\r\n\r\nIt began.".encode("utf-16")) == (
        "Chapter 1\r\n\r\nIt began."
    )


@pytest.mark.parametrize("name", ["story.TXT", "Notes.Md", "a.b.txt", "DRAFT.DOCX"])
def test_extension_is_case_insensitive(name: str) -> None:
    data = make_docx("Hello.") if name.lower().endswith(".docx") else b"Hello."
    assert decode_upload(name, data) == "Hello."


def test_latin1_is_refused_with_advice() -> None:
    with pytest.raises(InvalidInput) as info:
        decode_upload("story.txt", "line one\ncaf\u00e9".encode("latin-1"))
    message = str(info.value)
    assert "UTF-8" in message
    assert "save it as UTF-8" in message
    assert "line 2" in message


@pytest.mark.parametrize(
    "data",
    [PNG_HEADER, b"text\x00with nul", "no bom".encode("utf-16-le")],
    ids=["png", "nul", "utf16-without-bom"],
)
def test_binary_is_refused(data: bytes) -> None:
    with pytest.raises(InvalidInput) as info:
        decode_upload("story.txt", data)
    message = str(info.value)
    assert "binary" in message
    assert ".txt" in message and "UTF-8" in message


def test_utf32_is_refused_not_garbled() -> None:
    # A UTF-32 LE BOM starts with the UTF-16 LE one; the NULs give it away.
    with pytest.raises(InvalidInput):
        decode_upload("story.txt", "hello".encode("utf-32"))


def test_truncated_utf16_is_refused() -> None:
    with pytest.raises(InvalidInput):
        decode_upload("story.txt", b"\xff\xfeh\x00i")


@pytest.mark.parametrize("name", ["story.pdf", "story.rtf", "story", "story.txt.exe", ""])
def test_other_extensions_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput) as info:
        decode_upload(name, b"hello")
    message = str(info.value)
    for ext in ACCEPTED_EXTENSIONS:
        assert ext in message


@pytest.mark.parametrize("name", ["story.txt", "story.docx"])
def test_empty_file_is_refused(name: str) -> None:
    with pytest.raises(InvalidInput, match="empty"):
        decode_upload(name, b"")


def test_oversize_file_is_refused_with_the_bound() -> None:
    with pytest.raises(InvalidInput) as info:
        decode_upload("story.txt", b"a" * (5 * 1024 * 1024))
    assert "5 MB; the limit is 4 MB" in str(info.value)


def test_size_just_over_the_bound_does_not_read_as_equal() -> None:
    with pytest.raises(InvalidInput) as info:
        decode_upload("story.txt", b"a" * (MAX_UPLOAD_BYTES + 1))
    assert "just over the limit; the limit is 4 MB" in str(info.value)


def test_custom_byte_bound() -> None:
    assert decode_upload("s.txt", b"12345", max_bytes=5) == "12345"
    with pytest.raises(InvalidInput, match="6 bytes; the limit is 5 bytes"):
        decode_upload("s.txt", b"123456", max_bytes=5)


# --- decode_upload: docx ----------------------------------------------------


def test_docx_round_trip() -> None:
    data = make_docx("It was a dark night.", "", "   ", "The rain fell *hard*.", "The end")
    text = decode_upload("chapter.docx", data)
    assert text == "It was a dark night.\n\nThe rain fell *hard*.\n\nThe end"
    assert parse_excerpt_text(text) == ["It was a dark night.", "The rain fell *hard*.", "The end"]


def test_docx_soft_breaks_stay_in_their_paragraph() -> None:
    data = make_docx("Roses are red,\nviolets are blue.", "Second\n\nstanza")
    lines = parse_excerpt_text(decode_upload("poem.docx", data))
    assert lines == ["Roses are red,\nviolets are blue.", "Second\nstanza"]


def test_docx_with_no_text_has_nothing_to_post() -> None:
    text = decode_upload("blank.docx", make_docx("", "  "))
    with pytest.raises(InvalidInput, match="nothing to post"):
        parse_excerpt_text(text)


@pytest.mark.parametrize(
    "data",
    [b"not a zip at all", PNG_HEADER, b"PK\x03\x04garbage"],
    ids=["text", "png", "bad-zip"],
)
def test_corrupt_docx_is_refused(data: bytes) -> None:
    with pytest.raises(InvalidInput, match="couldn't be read"):
        decode_upload("chapter.docx", data)


def test_zip_that_is_not_a_word_document_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(InvalidInput, match="couldn't be read"):
        decode_upload("chapter.docx", buffer.getvalue())


def test_docx_that_unpacks_huge_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # The real bound is 32 MB; a small one keeps the test fast.
    monkeypatch.setattr(bot.docx_text, "MAX_UNPACKED_BYTES", 10_000)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * 20_000)
    data = buffer.getvalue()
    assert len(data) < 10_000
    with pytest.raises(InvalidInput, match="too large once unpacked"):
        decode_upload("bomb.docx", data)


# --- normalize_newlines -----------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\nb", "a\nb"),
        ("a\r\nb\r\n", "a\nb\n"),
        ("a\rb\r", "a\nb\n"),
        ("a\r\n\r\nb\r\rc", "a\n\nb\n\nc"),
        ("\ufeffa\r\nb", "a\nb"),
        ("a\ufeffb", "a\ufeffb"),
    ],
)
def test_normalize_newlines(raw: str, expected: str) -> None:
    assert normalize_newlines(raw) == expected


# --- split_into_lines -------------------------------------------------------


def test_prose_gives_one_line_per_paragraph() -> None:
    text = "  It was late.\nThe door\n  creaked.  \n\n\nShe waited.\n   \n\tThen ran.\n"
    assert split_into_lines(text) == [
        "It was late.\nThe door\n  creaked.",
        "She waited.",
        "Then ran.",
    ]


def test_text_without_blank_lines_gives_one_line_per_source_line() -> None:
    assert split_into_lines("  first\nsecond  \n\tthird") == ["first", "second", "third"]


def test_blank_lines_only_at_the_edges_do_not_make_prose() -> None:
    assert split_into_lines("\n\n  \none\ntwo\n\n \n") == ["one", "two"]


def test_whitespace_only_line_counts_as_blank() -> None:
    assert split_into_lines("one\ntwo\n \t \nthree") == ["one\ntwo", "three"]


def test_mixed_text_is_treated_as_prose() -> None:
    # One blank line anywhere makes the whole text prose: a stanza is a paragraph.
    text = "Title\n\nline a\nline b\nline c"
    assert split_into_lines(text) == ["Title", "line a\nline b\nline c"]


def test_split_accepts_crlf_and_cr() -> None:
    assert split_into_lines("a\r\nb\r\n\r\nc") == ["a\nb", "c"]
    assert split_into_lines("a\rb\r\rc") == ["a\nb", "c"]


def test_inner_text_is_kept_exactly() -> None:
    text = "He said  *“no”*  — `twice`.\u200b\u202eevil\u202c"
    assert split_into_lines(text) == [text]


def test_empty_and_whitespace_only() -> None:
    assert split_into_lines("") == []
    assert split_into_lines(" \n\t\n  \n") == []


# --- parse_excerpt_text -----------------------------------------------------


def test_parse_normalizes_and_splits() -> None:
    assert parse_excerpt_text("\ufeffOne.\r\nTwo.\r\n\r\nThree.") == ["One.\nTwo.", "Three."]


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t\n", "\ufeff", "\x00\x01 \x07"])
def test_nothing_to_post(text: str) -> None:
    with pytest.raises(InvalidInput, match="nothing to post"):
        parse_excerpt_text(text)


def test_control_characters_are_dropped_but_tabs_and_invisible_text_kept() -> None:
    text = "a\x00b\x07c\x1bd\x7fe\x85f\tg\u200bh\u202ei\u200f"
    assert parse_excerpt_text(text) == ["abcdef\tg\u200bh\u202ei\u200f"]


def test_vertical_tab_and_form_feed_are_dropped() -> None:
    assert parse_excerpt_text("one\x0b\x0ctwo") == ["onetwo"]


def test_char_bound_is_enforced_with_the_numbers() -> None:
    assert parse_excerpt_text("x" * 50, max_chars=50) == ["x" * 50]
    with pytest.raises(InvalidInput) as info:
        parse_excerpt_text("x" * (MAX_CHARS + 1))
    message = str(info.value)
    assert "200,001" in message and "200,000" in message


def test_crlf_does_not_count_twice_toward_the_char_bound() -> None:
    assert len(parse_excerpt_text("ab\r\ncd", max_chars=5)) == 2


def test_line_bound_is_enforced_with_the_numbers() -> None:
    assert len(parse_excerpt_text("x\n" * MAX_LINES)) == MAX_LINES
    with pytest.raises(InvalidInput) as info:
        parse_excerpt_text("x\n" * (MAX_LINES + 1))
    message = str(info.value)
    assert "2,001 lines" in message and "2,000" in message


def test_custom_line_bound() -> None:
    with pytest.raises(InvalidInput, match="3 lines"):
        parse_excerpt_text("a\n\nb\n\nc", max_lines=2)


# --- count_words ------------------------------------------------------------


def test_count_words() -> None:
    assert count_words([]) == 0
    assert count_words(["It was a dark night.", "The rain\nfell  hard —\tsoftly."]) == 11


# --- properties -------------------------------------------------------------

# Text built from a few line-ish pieces so blank lines and paragraphs turn up
# often; control characters are excluded because parse drops them on purpose.
_visible = st.characters(exclude_categories=("Cc", "Cs"))
_pieces = st.lists(
    st.one_of(
        st.text(_visible, max_size=12),
        st.sampled_from(["\n", "\n\n", "\r\n", "\r", " ", "\t", "  \n  ", "\u3000", "\xa0"]),
    ),
    max_size=20,
)


def _non_whitespace(text: str) -> Counter[str]:
    # Invisible characters (soft hyphen, zero-width space...) are dropped with the
    # lines they alone make up, by design: those lines are blank. Visible ones never go.
    return Counter(char for char in text if not is_invisible(char))


@given(_pieces)
def test_split_lines_are_non_empty_stripped_and_lossless(pieces: list[str]) -> None:
    text = "".join(pieces)
    lines = split_into_lines(text)
    for line in lines:
        assert line
        assert line == line.strip()
    assert _non_whitespace("".join(lines)) == _non_whitespace(text)


@given(_pieces)
def test_parse_matches_split_after_normalizing(pieces: list[str]) -> None:
    text = "".join(pieces)
    try:
        lines = parse_excerpt_text(text)
    except InvalidInput:
        assert split_into_lines(normalize_newlines(text)) == []
    else:
        assert lines == split_into_lines(normalize_newlines(text))
        assert count_words(lines) == len(normalize_newlines(text).split())


@given(st.text(max_size=200))
def test_parse_never_returns_control_characters_or_fails_otherwise(text: str) -> None:
    try:
        lines = parse_excerpt_text(text)
    except InvalidInput:
        return
    for line in lines:
        assert line and line == line.strip()
        assert all(
            char in "\n\t" or not (ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0) for char in line
        )


@given(st.binary(max_size=200), st.sampled_from(["a.txt", "a.md", "a.docx", "a.pdf"]))
def test_decode_upload_only_ever_raises_invalid_input(data: bytes, name: str) -> None:
    try:
        text = decode_upload(name, data)
    except InvalidInput:
        return
    assert "\x00" not in text


# --- docx as Word shows it: tracked changes, tables, lists -----------------------

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_with_body(body: str, *, prolog: str = "") -> bytes:
    """A real python-docx package whose document part has ``body`` as its body."""
    template = zipfile.ZipFile(io.BytesIO(make_docx("placeholder")))
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}'
        f'<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info in template.infolist():
            data = template.read(info)
            archive.writestr(
                info.filename, document.encode() if info.filename == "word/document.xml" else data
            )
    return buffer.getvalue()


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def deleted(text: str) -> str:
    return f'<w:r><w:delText xml:space="preserve">{text}</w:delText></w:r>'


def test_tracked_insertions_are_kept_and_deletions_dropped() -> None:
    body = (
        f"<w:p>{run('The keeper ')}"
        f'<w:ins w:id="1" w:author="Ann">{run("slowly ")}</w:ins>'
        f"{run('counted the ')}"
        f'<w:del w:id="2" w:author="Ann">{deleted("grey ")}</w:del>'
        f"{run('gulls.')}</w:p>"
        f"<w:p>{run('Second.')}</w:p>"
    )
    decoded = read_upload("draft.docx", docx_with_body(body))
    assert decoded.text == "The keeper slowly counted the gulls.\n\nSecond."
    assert decoded.tracked_changes == 2
    assert decoded.note == "2 tracked changes were read as accepted."


def test_tracked_moves_and_deleted_paragraph_marks_read_as_accepted() -> None:
    body = (
        f'<w:p><w:moveFrom w:id="1" w:author="A">{run("Moved away. ")}</w:moveFrom>'
        f"{run('Stays.')}</w:p>"
        # This paragraph's mark was deleted: accepted, it joins the next paragraph.
        f'<w:p><w:pPr><w:rPr><w:del w:id="2" w:author="A"/></w:rPr></w:pPr>{run("Joined ")}</w:p>'
        f'<w:p>{run("here.")}<w:moveTo w:id="3" w:author="A">{run(" Moved away.")}</w:moveTo></w:p>'
        f'<w:p><w:ins w:id="4" w:author="A"><w:del w:id="5" w:author="B">{run("x")}</w:del>'
        f"</w:ins>{run('End.')}</w:p>"
    )
    decoded = read_upload("draft.docx", docx_with_body(body))
    assert decoded.text == "Stays.\n\nJoined here. Moved away.\n\nEnd."
    assert decoded.tracked_changes == 5


def test_no_tracked_changes_means_no_note() -> None:
    decoded = read_upload("plain.docx", make_docx("Just text."))
    assert (decoded.text, decoded.tracked_changes, decoded.note) == ("Just text.", 0, "")


def test_table_cell_paragraphs_become_lines() -> None:
    document = docx.Document()
    document.add_paragraph("Before the table.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Name"
    table.cell(0, 1).text = "Role"
    table.cell(1, 0).text = "Maren"
    table.cell(1, 1).paragraphs[0].text = "Keeper"
    table.cell(1, 1).add_paragraph("of the light")
    document.add_paragraph("After it.")
    buffer = io.BytesIO()
    document.save(buffer)
    lines = parse_excerpt_text(decode_upload("table.docx", buffer.getvalue()))
    assert lines == [
        "Before the table.",
        "Name",
        "Role",
        "Maren",
        "Keeper",
        "of the light",
        "After it.",
    ]


def test_deleted_table_rows_are_dropped() -> None:
    row = "<w:tr>{}<w:tc><w:p>{}</w:p></w:tc></w:tr>"
    body = (
        "<w:tbl>"
        + row.format("", run("kept"))
        + row.format('<w:trPr><w:del w:id="1" w:author="A"/></w:trPr>', run("gone"))
        + "</w:tbl>"
    )
    decoded = read_upload("rows.docx", docx_with_body(body))
    assert decoded.text == "kept" and decoded.tracked_changes == 1


def test_word_list_numbering_is_written_out() -> None:
    document = docx.Document()
    document.add_paragraph("Ingredients:")
    for item in ("Flour", "Salt", "Water"):
        document.add_paragraph(item, style="List Number")
    document.add_paragraph("Notes", style="List Bullet")
    document.add_paragraph("Then bake.")
    buffer = io.BytesIO()
    document.save(buffer)
    lines = parse_excerpt_text(decode_upload("list.docx", buffer.getvalue()))
    assert lines == ["Ingredients:", "1. Flour", "2. Salt", "3. Water", "• Notes", "Then bake."]


def test_direct_numbering_with_levels_and_letters() -> None:
    numbering = (
        f'<w:numbering xmlns:w="{W}"><w:abstractNum w:abstractNumId="0">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
        '<w:lvlText w:val="%1."/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/>'
        '<w:lvlText w:val="%1.%2)"/></w:lvl></w:abstractNum>'
        '<w:num w:numId="7"><w:abstractNumId w:val="0"/></w:num></w:numbering>'
    )

    def item(text: str, level: int) -> str:
        return (
            f'<w:p><w:pPr><w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="7"/></w:numPr>'
            f"</w:pPr>{run(text)}</w:p>"
        )

    data = docx_with_body(item("One", 0) + item("Sub", 1) + item("Sub two", 1) + item("Two", 0))
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "word/numbering.xml":
                content = numbering.encode()
            archive.writestr(info.filename, content)
    lines = parse_excerpt_text(decode_upload("levels.docx", buffer.getvalue()))
    assert lines == ["1. One", "1.a) Sub", "1.b) Sub two", "2. Two"]


def test_docx_with_a_doctype_is_refused_and_entities_never_expand() -> None:
    laughs = (
        '<!DOCTYPE w:document [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    )
    data = docx_with_body("<w:p><w:r><w:t>&lol2; &xxe;</w:t></w:r></w:p>", prolog=laughs)
    with pytest.raises(InvalidInput, match="couldn't be read"):
        decode_upload("laughs.docx", data)


def test_hyperlinks_fields_and_breaks_keep_their_text() -> None:
    body = (
        f'<w:p><w:hyperlink w:history="1">{run("the archive")}</w:hyperlink>'
        f"<w:r><w:tab/><w:t>tabbed</w:t><w:br/><w:t>broken</w:t></w:r>"
        f'<w:fldSimple w:instr="PAGE">{run("3")}</w:fldSimple>'
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>DATE</w:instrText></w:r>'
        f'<w:r><w:fldChar w:fldCharType="separate"/></w:r>{run("today")}'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    )
    assert decode_upload("links.docx", docx_with_body(body)) == (
        "the archive\ttabbed\nbroken3today"
    )


def test_lone_surrogates_are_refused_and_pairs_are_fine() -> None:
    with pytest.raises(InvalidInput, match="The text has a broken character"):
        parse_excerpt_text("Fine.\n\nBroken \udc00 here.")
    check_storable("A whole emoji 😀 and \U0001f9d1\u200d\U0001f680.", "comment")
    with pytest.raises(InvalidInput, match="The title has a broken character"):
        check_storable("\ud83d", "title")


def test_a_tracked_formatting_change_does_not_bring_back_old_numbering() -> None:
    body = (
        '<w:p><w:pPr><w:pPrChange w:id="1" w:author="A"><w:pPr><w:numPr><w:ilvl w:val="0"/>'
        '<w:numId w:val="5"/></w:numPr></w:pPr></w:pPrChange></w:pPr>'
        f"{run('No longer a list item.')}</w:p>"
    )
    assert decode_upload("format.docx", docx_with_body(body)) == "No longer a list item."
