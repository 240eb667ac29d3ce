"""Digest renderers: structure, order, filtering and escaping in every format.

These are golden-structure tests, not byte snapshots: each format is read back
(text for Markdown, ``html.parser`` for HTML, python-docx for Word) and checked
for what a reader relies on, so layout can change without rewriting them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from hypothesis import given
from hypothesis import strategies as st

from bot.digest_formats import (
    DigestFormat,
    ExcerptFeedback,
    RenderedDigest,
    clean_text,
    render_digest,
)
from bot.digest_formats.markdown import escape as md_escape
from bot.digest_formats.word import initials_of
from bot.models import (
    Anchor,
    AnchorState,
    Comment,
    CommentStatus,
    Excerpt,
    ExcerptStatus,
    Line,
    Reply,
)
from tests.helpers import thread_numbers as _md_thread_numbers

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
GENERATED = datetime(2024, 6, 1, 9, 30, tzinfo=UTC)
REVISION = 2

LINES = (
    Line(1, "The *sea* was _quiet_ tonight, and `nothing` moved. # not a heading"),
    Line(2, "<script>alert(1)</script> she wrote on the wall, @everyone saw it."),
    Line(3, "مرحبا بالعالم — said the stranger 🌊, and שלום too."),
    Line(4, "- a line that looks like a list item > and a quote | pipe"),
    Line(5, "Control chars \x00 and \x07 hide here [link](http://x)."),
    Line(6, "1. The end, with ~~strike~~ and ==mark== and __under__."),
)

EXCERPT = Excerpt(
    id=1,
    guild_id=10,
    number=7,
    title="The *Sea* & <Sky>",
    author_id=1,
    author_name="Ann_Author",
    channel_id=20,
    thread_id=21,
    revision=REVISION,
    status=ExcerptStatus.OPEN,
    content_warning=None,
    word_count=70,
    line_count=len(LINES),
    created_at=T0,
    updated_at=T0 + timedelta(days=1),
)

_PEOPLE: dict[str, int] = {}


def _person(name: str) -> int:
    return _PEOPLE.setdefault(name, 100 + len(_PEOPLE))


def _comment(
    number: int,
    line: int,
    text: str,
    author: str,
    *,
    quote: str | None = None,
    line_end: int | None = None,
    suggestion: str | None = None,
    resolved: bool = False,
    state: AnchorState = AnchorState.ANCHORED,
    revision: int = REVISION,
    origin: tuple[int, int] | None = None,  # (revision, line) it was written on
    replies: tuple[tuple[str, str], ...] = (),
) -> Comment:
    end = line_end or line
    offset = None
    if quote is not None and revision == REVISION and state is not AnchorState.OUTDATED:
        offset = LINES[line - 1].text.index(quote)
    origin_revision, origin_line = origin or (revision, line)
    created = T0 + timedelta(hours=number)
    return Comment(
        id=number,
        guild_id=10,
        number=number,
        excerpt_id=EXCERPT.id,
        excerpt_number=EXCERPT.number,
        author_id=_person(author),
        author_name=author,
        text=text,
        anchor=Anchor(line, end, quote, line if quote else None, offset),
        suggestion=suggestion,
        status=CommentStatus.RESOLVED if resolved else CommentStatus.OPEN,
        anchor_state=state,
        revision=revision,
        origin_revision=origin_revision,
        origin_line_start=origin_line,
        origin_line_end=origin_line + (end - line),
        created_at=created,
        updated_at=created,
        # Stored newest first on purpose: digests list replies oldest first.
        replies=tuple(
            Reply(
                id=number * 10 + index,
                comment_id=number,
                author_id=_person(name),
                author_name=name,
                text=reply,
                created_at=created + timedelta(minutes=index),
            )
            for index, (name, reply) in reversed(list(enumerate(replies)))
        ),
    )


# Deliberately out of order: the digest sorts by line, then comment number.
COMMENTS = (
    _comment(107, 6, "strike [x](y)", "Hal", quote="~~strike~~", suggestion="`code`"),
    _comment(
        102,
        1,
        "Second thought",
        "Ben_Underscore",
        quote="was _quiet_ tonight",  # overlaps 101's quote on "was"
        suggestion="was *still* tonight",
        replies=(("Ann *Star*", "Agreed @everyone <@123> @here"),),
    ),
    _comment(101, 1, "Love **this** _image_ <b>bold</b>", "Ann *Star*", quote="*sea* was"),
    _comment(103, 2, "Range comment <script>alert(1)</script>", "@everyone", line_end=4),
    _comment(
        104,
        3,
        "RTL: مرحبا 🌊 emoji kept",
        "שרה",
        quote="بالعالم",
        suggestion="بالكون",
        replies=(
            ("Dov", "<script>alert(2)</script>"),
            ("Eve", "ok\x00\x07 done\nsecond line\n\n- not a list"),
        ),
    ),
    _comment(105, 5, "Resolved one # heading?", "Fay", resolved=True),
    _comment(
        106,
        9,
        "Outdated words",
        "Gus",
        quote="vanished phrase",
        state=AnchorState.OUTDATED,
        revision=1,
    ),
    _comment(108, 2, "tags", "Ivy", quote="<script>", resolved=True),
    _comment(109, 4, "quote-ish", "Jo", quote="> and a quote"),
    _comment(110, 1, "Whole line note\n1. numbered\n# hash", "Kim"),
    _comment(
        111,
        6,
        "Its words were rewritten",
        "Lu",
        quote="gone words",
        state=AnchorState.OUTDATED,
        origin=(1, 5),
    ),
)
BY_NUMBER = {comment.number: comment for comment in COMMENTS}
FEEDBACK = ExcerptFeedback(EXCERPT, LINES, REVISION, COMMENTS)

# Line order, then number; outdated last (by where they were written).
ORDER_OPEN = [101, 102, 110, 103, 104, 109, 107, 111, 106]
ORDER_ALL = [101, 102, 110, 103, 108, 104, 109, 105, 107, 111, 106]
RESOLVED = {105, 108}
OUTDATED = {106, 111}
READERS = len({c.author_id for c in COMMENTS} | {r.author_id for c in COMMENTS for r in c.replies})

HOSTILE_USER_TEXTS = [
    "Love **this** _image_ <b>bold</b>",
    "Range comment <script>alert(1)</script>",
    "strike [x](y)",
    "Resolved one # heading?",
    "Ann *Star*",
    "Ben_Underscore",
]


def _render(
    fmt: DigestFormat,
    *,
    include_resolved: bool = False,
    feedback: tuple[ExcerptFeedback, ...] = (FEEDBACK,),
    title: str | None = None,
    tracked_suggestions: bool = True,
) -> RenderedDigest:
    return render_digest(
        feedback,
        fmt,
        include_resolved=include_resolved,
        generated_at=GENERATED,
        title=title,
        tracked_suggestions=tracked_suggestions,
    )


def _order(include_resolved: bool) -> list[int]:
    return ORDER_ALL if include_resolved else ORDER_OPEN


# --- the shared contract ----------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "extension", "mime"),
    [
        (DigestFormat.MARKDOWN, ".md", "text/markdown"),
        (DigestFormat.HTML, ".html", "text/html"),
        (DigestFormat.DOCX, ".docx", "application/vnd.openxmlformats"),
    ],
)
def test_file_name_and_type(fmt: DigestFormat, extension: str, mime: str) -> None:
    rendered = _render(fmt)
    assert rendered.filename == "the-sea-sky" + extension
    assert rendered.mime_type.startswith(mime)
    assert rendered.content


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Ann's feedback: all excerpts", "ann-s-feedback-all-excerpts.md"),
        ("Café déjà vu", "cafe-deja-vu.md"),
        ("مرحبا بالعالم", "excerpt-7-digest.md"),
        ("CON", "con-digest.md"),
        ("../../etc/passwd", "etc-passwd.md"),
        ("x" * 300, "x" * 60 + ".md"),
    ],
)
def test_file_name_is_a_safe_ascii_slug(title: str, expected: str) -> None:
    assert _render(DigestFormat.MARKDOWN, title=title).filename == expected


def test_format_may_be_given_as_its_option_value() -> None:
    by_value = render_digest(
        [FEEDBACK], DigestFormat("html"), include_resolved=False, generated_at=GENERATED
    )
    assert by_value.content == _render(DigestFormat.HTML).content


# --- Markdown ---------------------------------------------------------------


def _markdown(**kwargs: Any) -> str:
    return _render(DigestFormat.MARKDOWN, **kwargs).content.decode("utf-8")


@pytest.mark.parametrize("include_resolved", [False, True])
def test_markdown_lists_each_comment_once_in_line_order(include_resolved: bool) -> None:
    markdown = _markdown(include_resolved=include_resolved)
    assert _md_thread_numbers(markdown) == _order(include_resolved)
    for number in _order(include_resolved):
        status = "resolved" if number in RESOLVED else "open"
        assert markdown.count(f"· #{number} · {status}") == 1


def test_markdown_header_counts_everything() -> None:
    markdown = _markdown(include_resolved=False)
    assert markdown.startswith("# The \\*Sea\\* & \\<Sky\\>\n")
    assert "**Author:** Ann\\_Author" in markdown
    assert "revision 2" in markdown
    assert "2024-05-01 12:00 UTC" in markdown and "2024-05-02 12:00 UTC" in markdown
    assert f"**Comments:** 11 (9 open, 2 resolved, 2 outdated) from {READERS} readers" in markdown
    assert "2 resolved comments left out" in markdown
    assert "left out" not in _markdown(include_resolved=True)


def test_markdown_overview_bars_are_scaled_to_the_busiest_line() -> None:
    markdown = _markdown(include_resolved=False)
    block = markdown.split("```text\n", 1)[1].split("```", 1)[0]
    rows = {row.split()[0]: row.split() for row in block.splitlines()}
    # Line 1 has three comments; lines 3-4 have their own plus the 2–4 range.
    assert rows["L1"][1:] == ["█" * 20, "3"]
    assert rows["L3"][2] == "2" and rows["L4"][2] == "2"
    assert len(rows["L6"][1]) < len(rows["L3"][1]) < len(rows["L1"][1])
    assert "L5" not in rows  # its only comment is resolved and not shown


def test_markdown_marks_quotes_and_describes_threads() -> None:
    markdown = _markdown(include_resolved=False)
    # Overlapping quotes of 101 and 102 are marked as one stretch.
    assert "> The **\\*sea\\* was \\_quiet\\_ tonight**, and" in markdown
    assert "> مرحبا **بالعالم** — said the stranger 🌊, and שלום too." in markdown
    assert "· #103 · open · lines 2–4" in markdown
    assert "- Suggestion: was \\_quiet\\_ tonight → was \\*still\\* tonight" in markdown
    assert "- Suggestion: بالعالم → بالكون" in markdown
    assert "- ↳ **Dov:** \\<script\\>alert\\(2\\)\\</script\\>" in markdown
    # Replies oldest first.
    assert markdown.index("**Dov:**") < markdown.index("**Eve:**")


def test_markdown_says_honestly_where_outdated_comments_were() -> None:
    markdown = _markdown(include_resolved=False)
    outdated = markdown.split("## Outdated comments", 1)[1]
    assert "on “vanished phrase” · #106 · open" in outdated
    assert "gone from revision 2" in outdated
    assert "Written on line 9 of revision 1" in outdated
    assert "Written on line 5 of revision 1" in outdated


def test_markdown_escapes_every_piece_of_user_text() -> None:
    markdown = _markdown(include_resolved=True)
    for text in HOSTILE_USER_TEXTS:
        assert md_escape(text) in markdown
    # Whatever is left after dropping escaped characters is the digest's own markup.
    bare = re.sub(r"\\.", "", markdown)
    bare = re.sub(r"```text\n.*?```", "", bare, flags=re.S)
    assert "_" not in bare
    assert "`" not in bare
    assert "<" not in bare and "[" not in bare and "~" not in bare and "|" not in bare
    assert set(re.findall(r"\*+", bare)) == {"**"}
    for line in bare.splitlines():
        assert line.count("**") % 2 == 0, line
        # No user line may open a list, quote or heading of its own.
        assert not re.match(r"\s*(?:[-+=]\S|\d+[.)])", line.lstrip("> ")), line


def test_markdown_neutralises_mentions_and_control_characters() -> None:
    markdown = _markdown(include_resolved=True)
    assert re.search(r"@(everyone|here)", markdown) is None
    assert "@\u200beveryone" in markdown and "@\u200bhere" in markdown
    assert "\\<@\u200b123\\>" in markdown
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f]", markdown)
    assert "ok\ufffd\ufffd done" in markdown
    assert "RTL: مرحبا 🌊 emoji kept" in markdown
    assert "שרה" in markdown


def test_markdown_keeps_multiline_text_inside_its_list_item() -> None:
    markdown = _markdown()
    assert "  Whole line note  \n  1\\. numbered  \n  \\# hash\n" in markdown
    # The blank line inside Eve's reply would end the list item: it is dropped.
    assert "ok\ufffd\ufffd done  \n    second line  \n    \\- not a list" in markdown


@given(st.text())
def test_markdown_escape_is_lossless(text: str) -> None:
    escaped = md_escape(text)
    # Undoing the escapes gives back the text (less its unshowable characters).
    restored = re.sub(r"\\(.)", r"\1", escaped.replace("@\u200b", "@"), flags=re.S)
    expected = clean_text(text).replace("@\u200b", "@")
    assert restored == expected


# --- HTML -------------------------------------------------------------------

_RTL = re.compile("[\u0590-\u08ff]")


class _Page(HTMLParser):
    """Collects what a browser would show and where each piece of text sits."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.texts_by_class: defaultdict[str, list[str]] = defaultdict(list)
        self.marks: list[str] = []
        self.unisolated_rtl: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag not in {"meta", "br", "link", "img", "input"}:
            self.stack.append((tag, attributes))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        for tag, attributes in self.stack:
            for name in (attributes.get("class") or "").split():
                self.texts_by_class[name].append(data)
            if tag == "mark":
                self.marks.append(data)
        isolated = any(tag == "bdi" or attrs.get("dir") == "auto" for tag, attrs in self.stack)
        if _RTL.search(data) and not isolated:
            self.unisolated_rtl.append(data)

    @property
    def all_text(self) -> str:
        return "".join(self.text)


def _html(**kwargs: Any) -> tuple[str, _Page]:
    source = _render(DigestFormat.HTML, **kwargs).content.decode("utf-8")
    page = _Page()
    page.feed(source)
    page.close()
    return source, page


@pytest.mark.parametrize("include_resolved", [False, True])
def test_html_lists_each_comment_once_in_line_order(include_resolved: bool) -> None:
    _, page = _html(include_resolved=include_resolved)
    numbers = [int(text.lstrip("#")) for text in page.texts_by_class["num"]]
    assert numbers == _order(include_resolved)


def test_html_is_one_standalone_printable_file() -> None:
    source, page = _html()
    assert source.startswith("<!DOCTYPE html>")
    assert ("meta", {"charset": "utf-8"}) in page.tags
    tags = {tag for tag, _ in page.tags}
    assert tags.isdisjoint({"script", "link", "img", "iframe", "object", "embed"})
    for _, attributes in page.tags:
        assert "src" not in attributes
        assert not any(name.startswith("on") for name in attributes)
        href = attributes.get("href")
        assert href is None or href.startswith("#")
    assert "@media print" in source
    assert "url(" not in source and "@import" not in source


def test_html_shows_hostile_text_as_text() -> None:
    _, page = _html(include_resolved=True)
    text = page.all_text
    assert "<script>alert(1)</script> she wrote" in text
    assert "Range comment <script>alert(1)</script>" in text
    assert "<script>alert(2)</script>" in text
    assert "Love **this** _image_ <b>bold</b>" in text
    assert "The *Sea* & <Sky>" in text
    assert "\x00" not in text and "\x07" not in text
    assert "RTL: مرحبا 🌊 emoji kept" in text


def test_html_isolates_right_to_left_text() -> None:
    _, page = _html(include_resolved=True)
    assert page.unisolated_rtl == []


def test_html_marks_quotes_and_describes_threads() -> None:
    _, page = _html(include_resolved=False)
    assert page.marks == ["*sea* was _quiet_ tonight", "بالعالم", "> and a quote", "~~strike~~"]
    text = page.all_text
    assert "Suggestion: was _quiet_ tonight → was *still* tonight" in text
    assert "lines 2–4" in text
    assert "↳ Dov: <script>alert(2)</script>" in text
    assert "Written on line 9 of revision 1" in text
    assert text.index("Its words were rewritten") > text.index("strike [x](y)")
    assert f"11 (9 open, 2 resolved, 2 outdated) from {READERS} readers" in text


def test_html_heat_strip_has_a_cell_per_line() -> None:
    _, page = _html(include_resolved=False)
    cells = [attrs for _, attrs in page.tags if (attrs.get("title") or "").startswith("Line ")]
    assert [cell["title"] for cell in cells] == [
        "Line 1: 3 comments",
        "Line 2: 1 comment",
        "Line 3: 2 comments",
        "Line 4: 2 comments",
        "Line 5: 0 comments",
        "Line 6: 1 comment",
    ]
    assert cells[4]["class"] == "h0"
    assert cells[0]["class"] == "h5"


# --- DOCX -------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _anchored_texts(document: Any) -> dict[int, str]:
    """The text between each comment's range start and end, paragraphs joined by \\n."""
    open_ids: set[int] = set()
    texts: dict[int, list[str]] = {}
    for paragraph in document.element.body.iter(f"{_W}p"):
        for element in paragraph.iter():
            if element.tag == f"{_W}commentRangeStart":
                comment_id = int(element.get(f"{_W}id"))
                assert comment_id not in texts, "a comment is anchored twice"
                texts[comment_id] = []
                open_ids.add(comment_id)
            elif element.tag == f"{_W}commentRangeEnd":
                open_ids.remove(int(element.get(f"{_W}id")))
            elif element.tag in {f"{_W}t", f"{_W}br", f"{_W}tab"}:
                piece = {f"{_W}br": "\n", f"{_W}tab": "\t"}.get(element.tag, element.text or "")
                for comment_id in open_ids:
                    texts[comment_id].append(piece)
        for comment_id in open_ids:
            texts[comment_id].append("\n")
    assert not open_ids, "a comment range is never closed"
    return {comment_id: "".join(parts) for comment_id, parts in texts.items()}


def _docx(**kwargs: Any) -> Any:
    return Document(BytesIO(_render(DigestFormat.DOCX, **kwargs).content))


def _comments_by_number(document: Any) -> dict[int, Any]:
    found: dict[int, Any] = {}
    for comment in document.comments:
        found_number = re.search(r"^#(\d+)", comment.paragraphs[-1].text)
        assert found_number is not None, comment.text
        number = int(found_number.group(1))
        assert number not in found
        found[number] = comment
    return found


def _line_text(number: int) -> str:
    return clean_text(LINES[number - 1].text, "")


@pytest.mark.parametrize("include_resolved", [False, True])
def test_docx_has_a_real_comment_for_each_shown_comment(include_resolved: bool) -> None:
    document = _docx(include_resolved=include_resolved)
    comments = _comments_by_number(document)
    assert sorted(comments) == sorted(_order(include_resolved))
    # Ids follow the digest's order: line order, outdated last.
    by_id = sorted(comments.items(), key=lambda item: item[1].comment_id)
    assert [number for number, _ in by_id] == _order(include_resolved)
    for number, comment in comments.items():
        assert comment.author == BY_NUMBER[number].author_name
        assert comment.initials == initials_of(BY_NUMBER[number].author_name)


def test_docx_anchors_each_comment_on_its_quote_or_its_lines() -> None:
    # Suggestions as comments only: a tracked change would take in #101's end (below).
    document = _docx(include_resolved=True, tracked_suggestions=False)
    comments = _comments_by_number(document)
    anchored = _anchored_texts(document)
    assert set(anchored) == {comment.comment_id for comment in comments.values()}
    expected = {
        101: "*sea* was",
        102: "was _quiet_ tonight",
        103: "\n".join(_line_text(n) for n in (2, 3, 4)),
        104: "بالعالم",
        105: _line_text(5),
        106: "Line 9 of revision 1: “vanished phrase”",
        107: "~~strike~~",
        108: "<script>",
        109: "> and a quote",
        110: _line_text(1),
        111: _line_text(6),  # outdated, but its line is still in this revision
    }
    for number, text in expected.items():
        assert anchored[comments[number].comment_id] == text, number


def test_docx_is_the_manuscript_one_paragraph_per_line() -> None:
    # python-docx's paragraph text leaves out tracked insertions: suggestions as comments.
    document = _docx(include_resolved=False, tracked_suggestions=False)
    texts = [paragraph.text for paragraph in document.paragraphs]
    assert texts[0] == "The *Sea* & <Sky>"
    assert document.paragraphs[0].style.name == "Title"
    start = texts.index(_line_text(1))
    assert texts[start : start + len(LINES)] == [_line_text(n) for n in range(1, 7)]
    header = texts[1]
    assert f"11 comments (9 open, 2 resolved, 2 outdated) from {READERS} readers" in header
    assert "2 resolved comments left out" in header
    assert texts[start + len(LINES)] == "Outdated comments"
    assert all("\x00" not in text and "\x07" not in text for text in texts)


def test_docx_comment_text_carries_suggestions_replies_and_status() -> None:
    comments = _comments_by_number(_docx(include_resolved=True))
    assert "Suggestion: was _quiet_ tonight → was *still* tonight" in comments[102].text
    assert "↳ Ann *Star*: Agreed @everyone <@123> @here" in comments[102].text
    replies = [p.text for p in comments[104].paragraphs if p.text.startswith("↳")]
    assert replies == [
        "↳ Dov: <script>alert(2)</script>",
        "↳ Eve: ok done\nsecond line\n\n- not a list",
    ]
    assert "Suggestion: بالعالم → بالكون" in comments[104].text
    for number, comment in comments.items():
        assert comment.text.startswith("[resolved]") == (number in RESOLVED), number
        assert ("[outdated]" in comment.text) == (number in OUTDATED), number
    assert comments[105].text.startswith("[resolved] Resolved one")
    assert comments[108].text.startswith("[resolved] tags")
    assert comments[106].text.startswith("[outdated] Outdated words")
    assert "Written on line 9 of revision 1" in comments[106].text
    assert "“vanished phrase”" in comments[106].text
    assert comments[103].paragraphs[-1].text == "#103 · lines 2–4"
    assert not comments[101].text.startswith("[")
    assert "RTL: مرحبا 🌊 emoji kept" in comments[104].text


def test_docx_comments_on_the_same_phrase_all_anchor() -> None:
    twins = [
        _comment(200 + n, 3, f"Twin {n}", f"Reader {n}", quote="stranger 🌊") for n in range(3)
    ]
    twins.append(_comment(210, 3, "Wider", "Wide", quote="said the stranger 🌊, and"))
    feedback = replace(FEEDBACK, comments=tuple(twins))
    document = _docx(feedback=(feedback,))
    comments = _comments_by_number(document)
    anchored = _anchored_texts(document)
    for n in range(3):
        assert anchored[comments[200 + n].comment_id] == "stranger 🌊"
    assert anchored[comments[210].comment_id] == "said the stranger 🌊, and"


def test_a_comment_pointing_past_the_text_is_shown_not_dropped() -> None:
    stale = _comment(400, 1, "Lost comment", "Max")
    stale = replace(stale, anchor=Anchor(99, 99))
    feedback = replace(FEEDBACK, comments=(stale,))
    markdown = _render(DigestFormat.MARKDOWN, feedback=(feedback,)).content.decode("utf-8")
    assert "## Outdated comments" in markdown
    assert "points at line 99, which revision 2 doesn't have" in markdown
    document = _docx(feedback=(feedback,))
    comments = _comments_by_number(document)
    assert _anchored_texts(document)[comments[400].comment_id] == "Line 1 of revision 2"


# --- several excerpts, or none ----------------------------------------------


def _second_excerpt() -> ExcerptFeedback:
    excerpt = replace(EXCERPT, id=2, number=8, title="Second Tide")
    lines = (Line(1, "Only one line here."), Line(2, "And a second."))
    comment = replace(
        _comment(300, 1, "On the other excerpt", "Ann *Star*"),
        excerpt_id=2,
        excerpt_number=8,
    )
    return ExcerptFeedback(excerpt, lines, REVISION, (comment,))


def test_mine_puts_every_excerpt_in_one_file_under_its_title() -> None:
    both = (FEEDBACK, _second_excerpt())
    title = "Feedback for Ann_Author"
    markdown = _render(DigestFormat.MARKDOWN, feedback=both, title=title)
    text = markdown.content.decode("utf-8")
    assert markdown.filename == "feedback-for-ann-author.md"
    assert text.startswith("# Feedback for Ann\\_Author\n")
    assert "## The \\*Sea\\* & \\<Sky\\>" in text and "## Second Tide" in text
    assert "### Line 1 · 3 comments" in text
    assert _md_thread_numbers(text) == [*ORDER_OPEN, 300]
    assert "**Excerpts:** 2" in text

    _, page = _html(feedback=both, title=title)
    assert [int(t.lstrip("#")) for t in page.texts_by_class["num"]] == [*ORDER_OPEN, 300]

    document = _docx(feedback=both, title=title)
    assert document.paragraphs[0].text == title
    assert sorted(_comments_by_number(document)) == sorted([*ORDER_OPEN, 300])
    anchored = _anchored_texts(document)
    assert anchored[_comments_by_number(document)[300].comment_id] == "Only one line here."


@pytest.mark.parametrize("fmt", list(DigestFormat))
def test_an_excerpt_without_comments_still_renders(fmt: DigestFormat) -> None:
    quiet = replace(FEEDBACK, comments=())
    rendered = _render(fmt, feedback=(quiet,))
    if fmt is DigestFormat.DOCX:
        document = Document(BytesIO(rendered.content))
        assert len(document.comments) == 0
    elif fmt is DigestFormat.MANUSCRIPT:  # the text alone
        assert rendered.content.decode("utf-8").split("\n\n")[0] == _line_text(1)
    else:
        assert "No comments to show." in rendered.content.decode("utf-8")


@pytest.mark.parametrize("fmt", list(DigestFormat))
def test_no_excerpts_at_all_still_renders(fmt: DigestFormat) -> None:
    rendered = _render(fmt, feedback=())
    assert rendered.filename.startswith("feedback-digest")
    assert rendered.content


# --- a real office suite, when there is one ---------------------------------


def test_docx_converts_to_pdf_with_libreoffice(tmp_path: Path) -> None:
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None:
        pytest.skip("LibreOffice is not installed")
    source = tmp_path / "digest.docx"
    source.write_bytes(_render(DigestFormat.DOCX, include_resolved=True).content)
    subprocess.run(
        [office, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True,
        timeout=120,
        capture_output=True,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    pdf = tmp_path / "digest.pdf"
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
