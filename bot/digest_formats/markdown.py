"""Markdown digests that read well both as a ``.md`` file and pasted into Discord.

Only the syntax both CommonMark and Discord understand is used: headings up
to ``###``, bullet lists, block quotes, ``**bold**`` and a fenced code block.
Discord has no tables and no ``==highlight==``, so quoted phrases are bold.
Every piece of user text is escaped so it shows exactly as written.
"""

from __future__ import annotations

import math
import re

from bot.digest_formats import (
    DigestPlan,
    FeedbackCounts,
    LineFeedback,
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
from bot.formatting import plural

BAR_WIDTH = 20
_BAR = "█"

# Discord needs only the inline set; the rest keeps CommonMark from reading
# user text as links, HTML, tables or entities.
_INLINE_SPECIAL = re.compile(r"[\\*_`~|>#\[\]()<]|&(?=#?[0-9A-Za-z]+;)")
# A line that starts like a list item, a setext underline or Discord's "-#"
# subtext would change meaning; '#', '>' and '*' are already escaped inline.
_LEADING_MARKER = re.compile(r"^([ \t]*)([-+=]|\d+(?=[.)]))", re.MULTILINE)
_MARKER_STARTS = frozenset(" \t-+=0123456789")
# A zero-width space after the @ stops Discord pinging when the file is pasted.
_MENTION = re.compile(r"@(?=everyone|here)|(?<=<)@", re.IGNORECASE)
_ZWSP = "\u200b"
# Two trailing spaces: a hard line break in CommonMark, invisible in Discord.
_HARD_BREAK = "  \n"


def escape(text: str) -> str:
    """User text as literal Markdown (line breaks kept as plain newlines)."""
    text = clean_text(text)
    # Most prose has nothing to escape; searching is much cheaper than substituting.
    if _INLINE_SPECIAL.search(text):
        text = _INLINE_SPECIAL.sub(r"\\\g<0>", text)
    if "@" in text:
        text = _MENTION.sub("@" + _ZWSP, text)
    if "\n" in text or text[:1] in _MARKER_STARTS:
        text = _LEADING_MARKER.sub(_escape_marker, text)
    return text


def _escape_marker(match: re.Match[str]) -> str:
    indent, marker = match.group(1), match.group(2)
    if marker.isdigit():
        # The escape goes on the '.' or ')' that follows the number.
        return f"{indent}{marker}\\"
    return f"{indent}\\{marker}"


def _text_lines(text: str) -> list[str]:
    """Escaped, non-blank lines: a blank line would end the list item or quote."""
    return [line.rstrip() for line in escape(text).split("\n") if line.strip()]


def _block(text: str, indent: str) -> str:
    """Multi-line user text continuing a list item, with hard breaks kept."""
    return (_HARD_BREAK + indent).join(_text_lines(text)) or "(empty)"


def _inline(text: str) -> str:
    """User text that must stay on one line, such as a name or a title."""
    return " ".join(_text_lines(text)) or "(empty)"


def _bold(escaped: str) -> str:
    # CommonMark ignores ** next to inner whitespace, so spaces stay outside.
    core = escaped.strip()
    if not core:
        return escaped
    start = len(escaped) - len(escaped.lstrip())
    return f"{escaped[:start]}**{core}**{escaped[start + len(core) :]}"


def _marked_line(text: str, marks: tuple[Span, ...]) -> list[str]:
    """The line's text, one entry per source line, with quoted phrases in bold."""
    pieces: list[tuple[str, bool]] = []
    cursor = 0
    for mark in marks:
        pieces.append((text[cursor : mark.start], False))
        pieces.append((text[mark.start : mark.end], True))
        cursor = mark.end
    pieces.append((text[cursor:], False))
    lines = [""]
    for piece, marked in pieces:
        # Bold is closed at each line break so it never spans quote lines.
        for index, part in enumerate(clean_text(piece).split("\n")):
            if index:
                lines.append("")
            escaped = escape(part)
            lines[-1] += _bold(escaped) if marked else escaped
    return [line.rstrip() for line in lines if line.strip()]


def _quote_block(lines: list[str]) -> str:
    return _HARD_BREAK.join(f"> {line}" for line in lines)


def _counts_line(counts: FeedbackCounts) -> str:
    parts = [f"{counts.open:,} open", f"{counts.resolved:,} resolved"]
    if counts.outdated:
        parts.append(f"{counts.outdated:,} outdated")
    return (
        f"- **Comments:** {counts.comments:,} ({', '.join(parts)}) "
        f"from {plural(counts.readers, 'reader')}"
    )


def _section_header(section: SectionPlan, plan: DigestPlan, level: int) -> list[str]:
    excerpt = section.excerpt
    lines = [
        f"{'#' * level} {_inline(excerpt.title)}",
        "",
        f"- **Author:** {_inline(excerpt.author_name)}",
        f"- **Excerpt:** #{excerpt.number} · revision {section.feedback.revision} · "
        f"{plural(len(section.feedback.lines), 'line')}",
        f"- **Posted:** {format_datetime(excerpt.created_at)} · "
        f"**Updated:** {format_datetime(excerpt.updated_at)}",
        _counts_line(section.counts),
    ]
    if plan.is_single:
        lines.append(f"- **Generated:** {format_datetime(plan.generated_at)}")
    hidden = hidden_note(section, plan)
    if hidden:
        lines.append(f"- {escape(hidden)}")
    return lines


def _overview(section: SectionPlan, level: int) -> list[str]:
    hot = [
        (line.number, count)
        for line, count in zip(section.feedback.lines, section.heat, strict=True)
        if count
    ]
    if not hot:
        return []
    peak = max(count for _, count in hot)
    label_width = len(f"L{hot[-1][0]}")
    rows = []
    for number, count in hot:
        width = max(1, math.ceil(count * BAR_WIDTH / peak))
        rows.append(f"{f'L{number}':<{label_width}} {_BAR * width:<{BAR_WIDTH}} {count}")
    return [f"{'#' * level} Where comments cluster", "", "```text", *rows, "```"]


def _thread(thread: Thread, note: str | None = None) -> list[str]:
    comment = thread.comment
    head = f"- **{_inline(comment.author_name)}**"
    if comment.anchor.quote is not None:
        # Several comments can mark one line; the quote says which words are whose.
        head += f" on “{_inline(comment.anchor.quote)}”"
    head += f" · #{comment.number} · {'resolved' if thread.is_resolved else 'open'}"
    if comment.anchor.is_range and note is None:
        head += f" · {location(thread)}"
    indent = "  "
    body = [head]
    if note is not None:
        body.append(f"{indent}⚠️ {note}")
        body.extend(f"{indent}{said}" for said in _was(thread))
    body.append(indent + _block(comment.text, indent))
    out = [_HARD_BREAK.join(body)]
    pair = suggestion_pair(comment)
    if pair is not None:
        out.append(
            f"{indent}- Suggestion: {_inline(pair[0])} → {_inline(pair[1])}"
            f" ({suggestion_status(comment)})"
        )
    for reply in thread.replies:
        out.append(
            f"{indent}- ↳ **{_inline(reply.author_name)}:** {_block(reply.text, indent + '  ')}"
        )
    return out


def _was(thread: Thread) -> list[str]:
    """What a cut line said, the reader's phrase in bold: the comment's only context."""
    said = [
        f"Line {line.number} said: “{' '.join(_marked_line(line.text, (span,) if span else ()))}”"
        for line, span in thread.was
    ]
    if thread.more_lines:
        said.append(f"… and {plural(thread.more_lines, 'more line')}")
    return said


def _line_entry(entry: LineFeedback, level: int) -> list[str]:
    out = [
        f"{'#' * level} Line {entry.line.number} · {plural(len(entry.threads), 'comment')}",
        "",
        _quote_block(_marked_line(entry.line.text, entry.marks)),
        "",
    ]
    for thread in entry.threads:
        out.extend(_thread(thread))
    out.append("")
    return out


def _unplaced(section: SectionPlan, level: int) -> list[str]:
    if not section.unplaced:
        return []
    out = [f"{'#' * level} Outdated comments", ""]
    for thread in section.unplaced:
        out.extend(_thread(thread, unplaced_note(thread, section.feedback.revision)))
    out.append("")
    return out


def _section(section: SectionPlan, plan: DigestPlan, level: int) -> list[str]:
    out = _section_header(section, plan, level)
    out.append("")
    if not section.shown:
        out.extend(["No comments to show.", ""])
    overview = _overview(section, level + 1)
    if overview:
        out.extend([*overview, ""])
    for entry in section.lines:
        out.extend(_line_entry(entry, level + 1))
    out.extend(_unplaced(section, level + 1))
    return out


def _collection_header(plan: DigestPlan) -> list[str]:
    lines = [
        f"# {_inline(plan.title)}",
        "",
        f"- **Excerpts:** {len(plan.sections):,}",
        _counts_line(plan.totals),
        f"- **Generated:** {format_datetime(plan.generated_at)}",
        "",
    ]
    if not plan.sections:
        lines.extend(["No excerpts to show.", ""])
    return lines


def render_markdown(plan: DigestPlan) -> bytes:
    if plan.is_single:
        out = _section(plan.sections[0], plan, level=1)
    else:
        # Discord renders only three heading levels: file, excerpt, line.
        out = _collection_header(plan)
        for section in plan.sections:
            out.extend(_section(section, plan, level=2))
    return ("\n".join(out).rstrip() + "\n").encode("utf-8")
