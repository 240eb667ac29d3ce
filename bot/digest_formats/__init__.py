"""Feedback digests: an excerpt's comments exported as Markdown, HTML or Word.

Pure core code: no Discord, no SQL. The renderers share one plan, built here,
so every format lists the same comments in the same order and counts them the
same way; each renderer only decides how the plan looks.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from bot.formatting import plural
from bot.models import AnchorState, Comment, CommentStatus, Excerpt, ExcerptFeedback, Line, Reply

# The public API; the plan types and helpers below are shared with the renderers.
__all__ = ["DigestFormat", "ExcerptFeedback", "RenderedDigest", "reader_ids", "render_digest"]


class DigestFormat(StrEnum):
    MARKDOWN = "markdown"
    HTML = "html"
    DOCX = "docx"
    MANUSCRIPT = "manuscript"  # the text with CriticMarkup


@dataclass(frozen=True, slots=True)
class RenderedDigest:
    filename: str
    content: bytes
    mime_type: str


# --- the plan shared by every renderer --------------------------------------


@dataclass(frozen=True, slots=True)
class Span:
    """Characters ``start:end`` of a line's text."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class FeedbackCounts:
    comments: int
    open: int
    resolved: int
    outdated: int
    readers: int  # distinct people other than the excerpt's author who commented or replied


@dataclass(frozen=True, slots=True)
class Thread:
    """A comment as a digest shows it."""

    comment: Comment
    replies: tuple[Reply, ...]  # oldest first
    quote_line: int | None  # the shown line holding its quote, if found there
    quote_span: Span | None  # where in that line
    # What the lines it was written on said, for a comment whose text is gone: up to
    # ORIGIN_LINES_SHOWN lines, each with the reader's phrase marked if found there.
    was: tuple[tuple[Line, Span | None], ...] = ()
    more_lines: int = 0  # lines of its original range not shown in ``was``

    @property
    def is_resolved(self) -> bool:
        return self.comment.status is CommentStatus.RESOLVED

    @property
    def is_outdated(self) -> bool:
        return self.comment.anchor_state is AnchorState.OUTDATED


@dataclass(frozen=True, slots=True)
class LineFeedback:
    """A commented line and the threads listed under it."""

    line: Line
    threads: tuple[Thread, ...]  # by comment number
    marks: tuple[Span, ...]  # quoted phrases in the line, merged, in order


@dataclass(frozen=True, slots=True)
class SectionPlan:
    """One excerpt's part of a digest."""

    feedback: ExcerptFeedback
    counts: FeedbackCounts  # every comment, whatever is shown
    heat: tuple[int, ...]  # shown comments covering each line, aligned with feedback.lines
    lines: tuple[LineFeedback, ...]  # commented lines, in line order
    unplaced: tuple[Thread, ...]  # outdated (or lost) comments, shown after the lines
    hidden_resolved: int  # resolved comments left out

    @property
    def excerpt(self) -> Excerpt:
        return self.feedback.excerpt

    @property
    def shown(self) -> int:
        return sum(len(entry.threads) for entry in self.lines) + len(self.unplaced)


@dataclass(frozen=True, slots=True)
class DigestPlan:
    title: str
    generated_at: datetime
    include_resolved: bool
    sections: tuple[SectionPlan, ...]
    totals: FeedbackCounts  # across every section; a reader of two excerpts counts once
    # One excerpt under its own title: the excerpt heads the file. Otherwise
    # (``/digest mine``) the title heads it and each excerpt is a section.
    is_single: bool


# --- text hygiene shared by the renderers -----------------------------------

# C0/C1 controls other than \n and \t have no visible form and break
# formatting; lone surrogates can't be encoded at all; U+FFFE/U+FFFF are
# illegal in XML. Carriage returns are turned into newlines before this runs.
_UNSHOWABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = re.compile("\r\n?")


def clean_text(text: str, replacement: str = "\ufffd") -> str:
    """Normalise line breaks and replace characters no format can show."""
    if "\r" in text:
        text = _LINE_BREAKS.sub("\n", text)
    return _UNSHOWABLE.sub(replacement, text)


def format_datetime(moment: datetime) -> str:
    """Minutes are precise enough for a digest; naive times are stored as UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def suggestion_pair(comment: Comment) -> tuple[str, str] | None:
    """(the words the reader wanted replaced, as she quoted them; the suggestion).

    The original phrase, not the anchor's current one: once the author applies a
    suggestion by hand the anchor follows the new words, and "NEW → NEW" would
    lose the record of what was suggested against what.
    """
    before = comment.suggested_against
    if comment.suggestion is None or before is None:
        return None
    return before, comment.suggestion


def suggestion_status(comment: Comment) -> str:
    """Where a suggestion stands: open, applied (into which revision), or resolved."""
    if comment.applied_revision is not None:
        return f"applied in revision {comment.applied_revision}"
    return "open" if comment.status is CommentStatus.OPEN else "resolved"


def location(thread: Thread) -> str:
    """Where a comment sits: ``line 12`` or ``lines 12–14``."""
    return thread.comment.anchor.describe()


def origin(thread: Thread) -> str:
    """Where an outdated comment was written, for the honest note."""
    comment = thread.comment
    first, last = comment.origin_line_start, comment.origin_line_end
    lines = f"line {first}" if last == first else f"lines {first}–{last}"
    return f"{lines} of revision {comment.origin_revision}"


def hidden_note(section: SectionPlan, plan: DigestPlan) -> str | None:
    """Say what was left out, and how to see it where the command has the option."""
    if not section.hidden_resolved:
        return None
    note = f"{plural(section.hidden_resolved, 'resolved comment')} left out"
    if plan.is_single:
        return f"{note}; export with include_resolved:True to see them."
    return f"{note}."


def unplaced_note(thread: Thread, shown_revision: int) -> str:
    """Say honestly why a comment isn't shown against a line of the text."""
    comment = thread.comment
    if thread.is_outdated:
        return (
            f"Outdated: the text it was on is gone from revision {shown_revision}. "
            f"Written on {origin(thread)}."
        )
    place = comment.anchor.describe()
    if comment.revision != shown_revision:
        place += f" of revision {comment.revision}"
    return (
        f"Not in this text: it points at {place}, which revision {shown_revision} "
        f"doesn't have. Written on {origin(thread)}."
    )


# --- building the plan ------------------------------------------------------


def _locate_quote(text: str, quote: str, offset: int | None) -> Span | None:
    """Find the quoted phrase in a line: stored offset, exact text, then any case.

    The offset is trusted only when the text still sits there, so a stale
    anchor never marks the wrong words.
    """
    if not quote:
        return None
    if offset is not None and text.startswith(quote, offset):
        return Span(offset, offset + len(quote))
    start = text.find(quote)
    if start < 0:
        lowered = text.lower()
        # lower() may change the length of some scripts; offsets would lie then.
        if len(lowered) != len(text):
            return None
        start = lowered.find(quote.lower())
        if start < 0:
            return None
    return Span(start, start + len(quote))


ORIGIN_LINES_SHOWN = 3


def _was(
    comment: Comment, origin_lines: Mapping[int, tuple[Line, ...]]
) -> tuple[tuple[tuple[Line, Span | None], ...], int]:
    lines = origin_lines.get(comment.id, ())
    phrase = comment.origin_quote if comment.origin_quote is not None else comment.anchor.quote
    shown = tuple(
        (line, _locate_quote(line.text, phrase, None) if phrase else None)
        for line in lines[:ORIGIN_LINES_SHOWN]
    )
    return shown, max(0, len(lines) - ORIGIN_LINES_SHOWN)


def _thread(
    comment: Comment,
    text_of: dict[int, str],
    placed: bool,
    origin_lines: Mapping[int, tuple[Line, ...]] | None = None,
) -> Thread:
    replies = tuple(sorted(comment.replies, key=lambda reply: (reply.created_at, reply.id)))
    anchor = comment.anchor
    if not placed:
        was, more = _was(comment, origin_lines or {})
        return Thread(comment, replies, None, None, was, more)
    if anchor.quote is None:
        return Thread(comment, replies, None, None)
    quote_line = anchor.quote_line if anchor.quote_line is not None else anchor.line_start
    text = text_of.get(quote_line)
    span = None if text is None else _locate_quote(text, anchor.quote, anchor.quote_offset)
    if span is None:
        return Thread(comment, replies, None, None)
    return Thread(comment, replies, quote_line, span)


def _merge_spans(spans: Iterable[Span]) -> tuple[Span, ...]:
    """Overlapping quotes are marked as one stretch: marks can't nest in a line."""
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if merged and span.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Span(last.start, max(last.end, span.end))
        else:
            merged.append(span)
    return tuple(merged)


def reader_ids(comments: Iterable[Comment], author_of: Mapping[int, int]) -> set[int]:
    """Who commented or replied, leaving out each excerpt's own author (``author_of``
    maps excerpt id to author id): an author answering her readers is not one."""
    readers: set[int] = set()
    for comment in comments:
        author = author_of.get(comment.excerpt_id)
        readers.update(
            person
            for person in (comment.author_id, *(reply.author_id for reply in comment.replies))
            if person != author
        )
    return readers


def _count(comments: Sequence[Comment], author_of: Mapping[int, int]) -> FeedbackCounts:
    readers = reader_ids(comments, author_of)
    resolved = sum(1 for comment in comments if comment.status is CommentStatus.RESOLVED)
    outdated = sum(1 for comment in comments if comment.anchor_state is AnchorState.OUTDATED)
    return FeedbackCounts(
        comments=len(comments),
        open=len(comments) - resolved,
        resolved=resolved,
        outdated=outdated,
        readers=len(readers),
    )


def _is_placed(comment: Comment, text_of: dict[int, str]) -> bool:
    # The anchor state, not the revision number, says whether the line numbers
    # fit the shown text. A comment that isn't outdated yet points outside it
    # (a stale row) is listed with the outdated ones rather than dropped.
    return comment.anchor_state is not AnchorState.OUTDATED and comment.anchor.line_start in text_of


def _heat(lines: Sequence[Line], placed: Sequence[Comment]) -> tuple[int, ...]:
    """How many shown comments cover each line; a range warms every line it spans."""
    covering: dict[int, int] = {}
    # A range running past the text (a stale row) must not loop over phantom lines.
    last_line = max((line.number for line in lines), default=0)
    for comment in placed:
        for number in range(comment.anchor.line_start, min(comment.anchor.line_end, last_line) + 1):
            covering[number] = covering.get(number, 0) + 1
    return tuple(covering.get(line.number, 0) for line in lines)


def _section(feedback: ExcerptFeedback, include_resolved: bool) -> SectionPlan:
    text_of = {line.number: line.text for line in feedback.lines}
    shown = [
        comment
        for comment in feedback.comments
        if include_resolved or comment.status is not CommentStatus.RESOLVED
    ]
    placed = sorted(
        (c for c in shown if _is_placed(c, text_of)),
        key=lambda c: (c.anchor.line_start, c.number),
    )
    unplaced = sorted(
        (c for c in shown if not _is_placed(c, text_of)),
        key=lambda c: (c.origin_revision, c.origin_line_start, c.number),
    )
    by_line: dict[int, list[Thread]] = {}
    for comment in placed:
        by_line.setdefault(comment.anchor.line_start, []).append(
            _thread(comment, text_of, placed=True)
        )
    line_of = {line.number: line for line in feedback.lines}
    entries = tuple(
        LineFeedback(
            line=line_of[number],
            threads=tuple(threads),
            marks=_merge_spans(
                t.quote_span for t in threads if t.quote_span is not None and t.quote_line == number
            ),
        )
        for number, threads in sorted(by_line.items())
    )
    counts = _count(feedback.comments, {feedback.excerpt.id: feedback.excerpt.author_id})
    return SectionPlan(
        feedback=feedback,
        counts=counts,
        heat=_heat(feedback.lines, placed),
        lines=entries,
        unplaced=tuple(
            _thread(c, text_of, placed=False, origin_lines=feedback.origin_lines) for c in unplaced
        ),
        hidden_resolved=0 if include_resolved else counts.resolved,
    )


def _default_title(feedback: Sequence[ExcerptFeedback]) -> str:
    if len(feedback) == 1:
        return feedback[0].excerpt.title
    return "Feedback digest"


def build_plan(
    feedback: Sequence[ExcerptFeedback],
    *,
    include_resolved: bool,
    generated_at: datetime,
    title: str | None = None,
) -> DigestPlan:
    """Decide what a digest shows and in which order, whatever its format."""
    single = len(feedback) == 1 and title in (None, "", feedback[0].excerpt.title)
    return DigestPlan(
        title=title if title else _default_title(feedback),
        generated_at=generated_at,
        include_resolved=include_resolved,
        sections=tuple(_section(item, include_resolved) for item in feedback),
        totals=_count(
            [comment for item in feedback for comment in item.comments],
            {item.excerpt.id: item.excerpt.author_id for item in feedback},
        ),
        is_single=single,
    )


# --- files ------------------------------------------------------------------

_MIME_TYPES = {
    DigestFormat.MARKDOWN: "text/markdown; charset=utf-8",
    DigestFormat.HTML: "text/html; charset=utf-8",
    DigestFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    DigestFormat.MANUSCRIPT: "text/markdown; charset=utf-8",
}
_EXTENSIONS = {
    DigestFormat.MARKDOWN: ".md",
    DigestFormat.HTML: ".html",
    DigestFormat.DOCX: ".docx",
    DigestFormat.MANUSCRIPT: ".md",
}
_MAX_SLUG = 60
# Windows refuses these as file names whatever the extension.
_RESERVED_NAMES = frozenset(
    ["con", "prn", "aux", "nul"]
    + [f"com{n}" for n in range(1, 10)]
    + [f"lpt{n}" for n in range(1, 10)]
)


def slugify(text: str, fallback: str) -> str:
    """A file name that survives every OS and Discord: lowercase ASCII and dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    slug = slug[:_MAX_SLUG].rstrip("-")
    if not slug:
        return fallback
    return f"{slug}-digest" if slug in _RESERVED_NAMES else slug


def _filename(plan: DigestPlan, fmt: DigestFormat) -> str:
    # A title in a script with no ASCII form still gets a telling name.
    if len(plan.sections) == 1:
        fallback = f"excerpt-{plan.sections[0].excerpt.number}-digest"
    else:
        fallback = "feedback-digest"
    suffix = "-manuscript" if fmt == DigestFormat.MANUSCRIPT else ""
    return slugify(plan.title, fallback) + suffix + _EXTENSIONS[fmt]


def render_digest(
    feedback: Sequence[ExcerptFeedback],
    fmt: DigestFormat,
    *,
    include_resolved: bool,
    generated_at: datetime,
    title: str | None = None,
    tracked_suggestions: bool = True,
) -> RenderedDigest:
    """Render the feedback on one excerpt (``/digest excerpt``) or several (``/digest mine``).

    ``title`` names the whole file; it defaults to the excerpt's title for one
    excerpt. Counts always cover every comment; resolved ones are listed only
    with ``include_resolved``. ``tracked_suggestions``: a Word digest also writes each
    open suggestion as a tracked change.
    """
    fmt = DigestFormat(fmt)
    plan = build_plan(
        feedback, include_resolved=include_resolved, generated_at=generated_at, title=title
    )
    # Imported here so a Markdown export never pays for loading python-docx.
    if fmt == DigestFormat.MARKDOWN:
        from bot.digest_formats.markdown import render_markdown

        content = render_markdown(plan)
    elif fmt == DigestFormat.HTML:
        from bot.digest_formats.html import render_html

        content = render_html(plan)
    elif fmt == DigestFormat.MANUSCRIPT:
        from bot.digest_formats.manuscript import render_manuscript

        content = render_manuscript(plan)
    else:
        from bot.digest_formats.word import render_docx

        content = render_docx(plan, tracked=tracked_suggestions)
    return RenderedDigest(
        filename=_filename(plan, fmt), content=content, mime_type=_MIME_TYPES[fmt]
    )
