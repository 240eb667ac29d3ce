"""Decoding uploads and splitting excerpt text into lines."""

from __future__ import annotations

import io
import zipfile
from collections import Counter

import docx
import pytest
from hypothesis import given
from hypothesis import strategies as st

import bot.text
from bot.errors import InvalidInput
from bot.text import (
    ACCEPTED_EXTENSIONS,
    MAX_CHARS,
    MAX_LINES,
    MAX_UPLOAD_BYTES,
    count_words,
    decode_upload,
    normalize_newlines,
    parse_excerpt_text,
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
    # The real bound is 64 MB; a small one keeps the test fast.
    monkeypatch.setattr(bot.text, "_MAX_DOCX_UNPACKED_BYTES", 10_000)
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
    return Counter(char for char in text if not char.isspace())


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
