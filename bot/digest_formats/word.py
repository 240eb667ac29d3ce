"""Word digests: the manuscript with every comment as a real margin comment.

Each line of the excerpt is one Word paragraph, without a line number, so the
author can revise the document and post it back as the next revision; every
comment says which line it was written on instead.

python-docx supplies the package (template, parts, relationships, saving), but
the body and the comments are written as WordprocessingML text and parsed
once. ``Document.add_comment`` finds each new comment id by scanning every
existing comment, which makes 10,000 comments take over a minute; here ids
are handed out from a counter and the markup is exactly what ``add_comment``
and ``Run.mark_comment_range`` would produce: a ``w:commentRangeStart`` before
the first anchored run, a ``w:commentRangeEnd`` after the last one, then a
run holding the ``w:commentReference``.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape

from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from bot.digest_formats import (
    DigestPlan,
    FeedbackCounts,
    SectionPlan,
    Span,
    Thread,
    clean_text,
    format_datetime,
    hidden_note,
    location,
    suggestion_pair,
    suggestion_status,
    unplaced_note,
)
from bot.digest_formats._tracked import Tracking, applicable
from bot.formatting import plural

TOP_LINES = 5  # how many of the most-commented lines the header names

_W = nsdecls("w")
_T_OPEN = '<w:t xml:space="preserve">'
_T_CLOSE = "</w:t>"
_BREAK = f"{_T_CLOSE}<w:br/>{_T_OPEN}"
_TAB = f"{_T_CLOSE}<w:tab/>{_T_OPEN}"
_ITALIC = "<w:rPr><w:i/></w:rPr>"
_COMMENT_TEXT_STYLE = '<w:pPr><w:pStyle w:val="CommentText"/></w:pPr>'
_ANNOTATION_REF = '<w:r><w:rPr><w:rStyle w:val="CommentReference"/></w:rPr><w:annotationRef/></w:r>'
_INITIAL_WORDS = re.compile(r"[^\W_]+")


# --- WordprocessingML snippets ----------------------------------------------


def _xml_text(text: str) -> str:
    # XML 1.0 can't hold most control characters at all: they are dropped.
    return escape(clean_text(text, ""), quote=False)


def _run(text: str, properties: str = "") -> str:
    """One run; newlines and tabs become Word breaks and tabs, as in ``add_run``."""
    body = _xml_text(text)
    if "\n" in body:
        body = body.replace("\n", _BREAK)
    if "\t" in body:
        body = body.replace("\t", _TAB)
    return f"<w:r>{properties}{_T_OPEN}{body}{_T_CLOSE}</w:r>"


def _paragraph(content: str, style: str | None = None) -> str:
    properties = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{properties}{content}</w:p>"


def _range_start(comment_id: int) -> str:
    return f'<w:commentRangeStart w:id="{comment_id}"/>'


def _range_end(comment_id: int) -> str:
    return (
        f'<w:commentRangeEnd w:id="{comment_id}"/>'
        f'<w:r><w:rPr><w:rStyle w:val="CommentReference"/></w:rPr>'
        f'<w:commentReference w:id="{comment_id}"/></w:r>'
    )


# --- comments ---------------------------------------------------------------


def initials_of(name: str) -> str:
    """Initials for Word's margin, in any script: "Ann Star" gives "AS", "ben_u" "BU"."""
    words = _INITIAL_WORDS.findall(name)
    letters = "".join(word[0] for word in words[:3]).upper()
    return letters or name.strip()[:1] or "?"


def _author(name: str) -> str:
    return " ".join(clean_text(name, "").split()) or "Reader"


def _word_date(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _comment_paragraphs(thread: Thread, note: str | None) -> list[str]:
    """The comment's text as Word shows it in the margin, one entry per paragraph."""
    comment = thread.comment
    markers = ""
    if thread.is_resolved:
        markers += "[resolved] "
    if thread.is_outdated:
        markers += "[outdated] "
    text_lines = clean_text(comment.text, "").split("\n")
    paragraphs = [markers + text_lines[0], *text_lines[1:]]
    quote = comment.anchor.quote
    pair = suggestion_pair(comment)
    if pair is not None:
        paragraphs.append(f"Suggestion: {pair[0]} → {pair[1]} ({suggestion_status(comment)})")
    # A reply's own line breaks stay inside its paragraph (as Word line breaks).
    paragraphs.extend(f"↳ {reply.author_name}: {reply.text}" for reply in thread.replies)
    if note is not None:
        paragraphs.append(note + (f" Quote: “{quote}”" if quote else ""))
        paragraphs.append(f"#{comment.number}")
    else:
        paragraphs.append(f"#{comment.number} · {location(thread)}")
    return paragraphs


def _comment_xml(comment_id: int, thread: Thread, note: str | None) -> str:
    comment = thread.comment
    author = _author(comment.author_name)
    first, *rest = _comment_paragraphs(thread, note)
    body = [f"<w:p>{_COMMENT_TEXT_STYLE}{_ANNOTATION_REF}{_run(first)}</w:p>"]
    body.extend(f"<w:p>{_COMMENT_TEXT_STYLE}{_run(text)}</w:p>" for text in rest)
    return (
        f'<w:comment w:id="{comment_id}" w:author="{escape(author)}" '
        f'w:initials="{escape(initials_of(author))}" w:date="{_word_date(comment.created_at)}">'
        f"{''.join(body)}</w:comment>"
    )


# --- anchoring --------------------------------------------------------------


@dataclass(slots=True)
class _LineAnchors:
    """Comment range markers to place in one line's paragraph, by character offset."""

    starts: dict[int, list[int]] = field(default_factory=dict)
    ends: dict[int, list[int]] = field(default_factory=dict)
    # start offset -> (end offset, the tracked deletion and insertion replacing it)
    tracked: dict[int, tuple[int, str]] = field(default_factory=dict)

    def overlaps_tracked(self, start: int, end: int) -> bool:
        return any(start < stop and at < end for at, (stop, _xml) in self.tracked.items())

    def open_at(self, offset: int, comment_id: int) -> None:
        self.starts.setdefault(offset, []).append(comment_id)

    def close_at(self, offset: int, comment_id: int) -> None:
        self.ends.setdefault(offset, []).append(comment_id)


def _anchored_paragraph(text: str, anchors: _LineAnchors | None) -> str:
    """A line split into runs at every quote boundary, so each comment covers whole runs."""
    if anchors is None:
        return _paragraph(_run(text))
    if anchors.tracked:
        _snap_out_of_changes(anchors)
    cuts = sorted({0, len(text), *anchors.starts, *anchors.ends, *anchors.tracked})
    parts: list[str] = []
    skip_to = -1
    for index, offset in enumerate(cuts):
        if offset < skip_to:
            continue  # inside a tracked replacement, written whole
        # Ends before starts: a comment closing here must not take in one opening here.
        parts.extend(_range_end(cid) for cid in anchors.ends.get(offset, ()))
        parts.extend(_range_start(cid) for cid in anchors.starts.get(offset, ()))
        if offset in anchors.tracked:
            skip_to, change = anchors.tracked[offset]
            parts.append(change)
        elif index + 1 < len(cuts):
            parts.append(_run(text[offset : cuts[index + 1]]))
    return _paragraph("".join(parts))


def _snap_out_of_changes(anchors: _LineAnchors) -> None:
    """Comment markers falling inside a tracked replacement move to its edges."""
    for start, (end, _xml) in anchors.tracked.items():
        for offset in [o for o in anchors.starts if start < o < end]:
            anchors.starts.setdefault(start, []).extend(anchors.starts.pop(offset))
        for offset in [o for o in anchors.ends if start < o < end]:
            anchors.ends.setdefault(end, []).extend(anchors.ends.pop(offset))


def _last_line_within(first: int, last: int, text_of: dict[int, str]) -> int:
    """The range's last line that exists in the shown text (the range may run past it)."""
    for number in range(last, first, -1):
        if number in text_of:
            return number
    return first


# --- the document -----------------------------------------------------------


def _counts_sentence(counts: FeedbackCounts) -> str:
    parts = [f"{counts.open:,} open", f"{counts.resolved:,} resolved"]
    if counts.outdated:
        parts.append(f"{counts.outdated:,} outdated")
    return (
        f"{plural(counts.comments, 'comment')} ({', '.join(parts)}) "
        f"from {plural(counts.readers, 'reader')}."
    )


def _hot_lines(section: SectionPlan) -> str | None:
    """The per-line overview, in words: Word's margin shows the rest."""
    hot = sorted(
        (
            (count, line.number)
            for line, count in zip(section.feedback.lines, section.heat, strict=True)
            if count
        ),
        key=lambda pair: (-pair[0], pair[1]),
    )[:TOP_LINES]
    if not hot:
        return None
    named = ", ".join(f"line {number} ({count})" for count, number in hot)
    return f"Most commented: {named}."


def _header(section: SectionPlan, plan: DigestPlan) -> str:
    excerpt = section.excerpt
    sentences = [
        f"By {excerpt.author_name} · excerpt #{excerpt.number} · "
        f"revision {section.feedback.revision} · {plural(len(section.feedback.lines), 'line')} · "
        f"posted {format_datetime(excerpt.created_at)} · "
        f"updated {format_datetime(excerpt.updated_at)}",
        _counts_sentence(section.counts),
    ]
    hot = _hot_lines(section)
    if hot:
        sentences.append(hot)
    hidden = hidden_note(section, plan)
    if hidden:
        sentences.append(hidden)
    if plan.is_single:
        sentences.append(f"Generated {format_datetime(plan.generated_at)}.")
    return _paragraph(_run("\n".join(sentences), _ITALIC))


def _whole_lines(anchors: _Anchors, first: int, last: int, comment_id: int) -> None:
    anchors.at(first).open_at(0, comment_id)
    anchors.at(last).close_at(len(anchors.text_of[last]), comment_id)


@dataclass(slots=True)
class _Anchors:
    """Every comment marker of one excerpt, by line."""

    text_of: dict[int, str]
    by_line: dict[int, _LineAnchors] = field(default_factory=dict)
    tracking: Tracking | None = None  # open suggestions as tracked changes
    applicable: frozenset[int] = frozenset()  # the suggestions to write so

    def at(self, number: int) -> _LineAnchors:
        return self.by_line.setdefault(number, _LineAnchors())


def _place_threads(
    section: SectionPlan, anchors: _Anchors, ids: Iterator[int], comments: list[str]
) -> None:
    for entry in section.lines:
        for thread in entry.threads:
            comment_id = next(ids)
            comments.append(_comment_xml(comment_id, thread, None))
            if thread.quote_line is not None and thread.quote_span is not None:
                # A quoted range still anchors on its phrase: the most precise place.
                line = anchors.at(thread.quote_line)
                line.open_at(thread.quote_span.start, comment_id)
                line.close_at(thread.quote_span.end, comment_id)
                _track(anchors, thread, section.feedback.revision)
            else:
                anchor = thread.comment.anchor
                last = _last_line_within(anchor.line_start, anchor.line_end, anchors.text_of)
                _whole_lines(anchors, anchor.line_start, last, comment_id)


def _track(anchors: _Anchors, thread: Thread, revision: int) -> None:
    """An open suggestion on its exact words becomes a tracked replacement there (the
    lowest-numbered of overlapping ones; the others stay margin comments)."""
    comment, span, number = thread.comment, thread.quote_span, thread.quote_line
    if anchors.tracking is None or span is None or number is None:
        return
    text = anchors.text_of[number]
    if comment.id not in anchors.applicable or text[span.start : span.end] != comment.anchor.quote:
        return
    line = anchors.at(number)
    if line.overlaps_tracked(span.start, span.end):
        return
    assert comment.suggestion is not None
    change = anchors.tracking.change(
        text[span.start : span.end],
        comment.suggestion,
        _author(comment.author_name),
        _word_date(comment.created_at),
        _run,
    )
    line.tracked[span.start] = (span.end, change)


def _place_unplaced(
    section: SectionPlan, anchors: _Anchors, ids: Iterator[int], comments: list[str]
) -> list[tuple[int, Thread]]:
    """Anchor outdated comments on their line if it is still there; return the rest."""
    revision = section.feedback.revision
    leftover: list[tuple[int, Thread]] = []
    for thread in section.unplaced:
        comment_id = next(ids)
        comments.append(_comment_xml(comment_id, thread, unplaced_note(thread, revision)))
        number = thread.comment.anchor.line_start
        # Line numbers of another revision would point at unrelated text.
        if thread.comment.revision == revision and number in anchors.text_of:
            _whole_lines(anchors, number, number, comment_id)
        else:
            leftover.append((comment_id, thread))
    return leftover


def _section(
    section: SectionPlan,
    plan: DigestPlan,
    ids: Iterator[int],
    comments: list[str],
    tracking: Tracking | None = None,
) -> str:
    anchors = _Anchors({line.number: line.text for line in section.feedback.lines}, {}, tracking)
    if tracking is not None:
        anchors.applicable = applicable(section.feedback)
    _place_threads(section, anchors, ids, comments)
    leftover = _place_unplaced(section, anchors, ids, comments)
    header = _header(section, plan)
    parts = [header]
    parts.extend(
        _anchored_paragraph(line.text, anchors.by_line.get(line.number))
        for line in section.feedback.lines
    )
    if leftover:
        heading = "Heading1" if plan.is_single else "Heading2"
        notes = [_paragraph(_run("Outdated comments"), heading)]
        notes.extend(_leftover_paragraph(comment_id, thread) for comment_id, thread in leftover)
        parts.append(_digest_only(tracking, "".join(notes)))
    return "".join(parts)


def _digest_only(tracking: Tracking | None, paragraphs: str) -> str:
    return paragraphs if tracking is None else tracking.digest_only(paragraphs)


def _leftover_paragraph(comment_id: int, thread: Thread) -> str:
    """A stand-in for text that is gone, for the comment to hang on."""
    comment = thread.comment
    if thread.was:
        # What the cut lines said, the reader's phrase in bold: the comment's context.
        runs = []
        for index, (line, span) in enumerate(thread.was):
            lead = "" if index == 0 else "\n"
            runs.append(_run(f"{lead}Line {line.number} of revision {comment.origin_revision}: "))
            runs.append(_marked_runs(line.text, span))
        if thread.more_lines:
            runs.append(_run(f"\n… and {plural(thread.more_lines, 'more line')}"))
        return _paragraph(_range_start(comment_id) + "".join(runs) + _range_end(comment_id))
    place = f"Line {comment.origin_line_start} of revision {comment.origin_revision}"
    text = f"{place}: “{comment.anchor.quote}”" if comment.anchor.quote else place
    return _paragraph(_range_start(comment_id) + _run(text) + _range_end(comment_id))


def _marked_runs(text: str, span: Span | None) -> str:
    if span is None:
        return _run(text)
    return (
        _run(text[: span.start])
        + _run(text[span.start : span.end], "<w:rPr><w:b/></w:rPr>")
        + _run(text[span.end :])
    )


def _body(plan: DigestPlan, comments: list[str], tracking: Tracking | None) -> Iterator[str]:
    ids = itertools.count()  # comment ids, unique across the whole document
    if plan.is_single:
        # The manuscript alone, between the digest's own paragraphs, reads back as the
        # excerpt: posted as a revision, the title and header are left out.
        section = plan.sections[0]
        text = _section(section, plan, ids, comments, tracking)
        title = _paragraph(_run(section.excerpt.title), "Title")
        header = _header(section, plan)
        yield _digest_only(tracking, title + header)
        yield text.removeprefix(header)
        return
    yield _paragraph(_run(plan.title), "Title")
    summary = [
        f"{plural(len(plan.sections), 'excerpt')}.",
        _counts_sentence(plan.totals),
        f"Generated {format_datetime(plan.generated_at)}.",
    ]
    yield _paragraph(_run("\n".join(summary), _ITALIC))
    for section in plan.sections:
        yield _paragraph(_run(section.excerpt.title), "Heading1")
        yield _section(section, plan, ids, comments, tracking)


def render_docx(plan: DigestPlan, *, tracked: bool = True) -> bytes:
    """The Word digest; ``tracked``: each open suggestion also as a tracked change."""
    document = Document()
    comments: list[str] = []
    body_xml = "".join(_body(plan, comments, Tracking() if tracked else None))

    body = document.element.body
    section_properties = body.sectPr
    for element in list(parse_xml(f"<w:body {_W}>{body_xml}</w:body>")):
        # The page setup must stay the body's last child.
        section_properties.addprevious(element)

    if comments:
        # ``document.comments`` creates and relates the comments part when needed.
        comments_element = document.comments._comments_elm
        parsed = parse_xml(f"<w:comments {_W}>{''.join(comments)}</w:comments>")
        comments_element.extend(list(parsed))

    properties = document.core_properties
    properties.title = clean_text(plan.title, "")[:255]
    properties.author = properties.last_modified_by = "Marginalia"
    properties.created = properties.modified = plan.generated_at
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
