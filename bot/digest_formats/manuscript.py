"""The manuscript with CriticMarkup: the excerpt's text as it stands, each quoted phrase
highlighted with its comment beside it (``{==quote==}{>>#4 Priya: comment<<}``), each
open suggestion as a substitution (``{~~old~>new~~}``), comments on whole lines at the
line's end. Obsidian plugins, pandoc filters and MkDocs (pymdownx.critic) read it.
"""

from __future__ import annotations

from bot.digest_formats import (
    DigestPlan,
    LineFeedback,
    SectionPlan,
    Thread,
    clean_text,
    suggestion_status,
    unplaced_note,
)
from bot.digest_formats._tracked import applicable

# CriticMarkup has no escapes: a delimiter inside user text is broken up instead.
_DELIMITERS = {"{": "(", "}": ")", "<<": "‹‹", ">>": "››", "~~": "~ ~", "==": "= =", "~>": "~ >"}


def _inert(text: str) -> str:
    text = " ".join(clean_text(text, "").split())
    for delimiter, safe in _DELIMITERS.items():
        text = text.replace(delimiter, safe)
    return text


def _comment(thread: Thread, substituted: bool = False) -> str:
    comment = thread.comment
    said = f"#{comment.number} {_inert(comment.author_name)}: {_inert(comment.text)}"
    if comment.suggestion is not None and not substituted:
        said += f" (suggestion {suggestion_status(comment)}: {_inert(comment.suggestion)})"
    for reply in thread.replies:
        said += f" ↳ {_inert(reply.author_name)}: {_inert(reply.text)}"
    return f"{{>>{said}<<}}"


def _marked_line(text: str, entry: LineFeedback | None, suggested: frozenset[int]) -> str:
    """One line with its phrases marked and its comments beside them."""
    if entry is None:
        return text
    quoted = [
        t for t in entry.threads if t.quote_span is not None and t.quote_line == entry.line.number
    ]
    whole = [t for t in entry.threads if t not in quoted]
    quoted.sort(key=lambda t: (t.quote_span.start if t.quote_span else 0, t.comment.number))
    parts: list[str] = []
    at = 0
    for thread in quoted:
        span = thread.quote_span
        assert span is not None
        if span.start < at:  # overlaps a phrase already marked: its comment goes beside it
            parts.append(_comment(thread))
            continue
        parts.append(text[at : span.start])
        words = text[span.start : span.end]
        comment = thread.comment
        substituted = comment.id in suggested and words == comment.anchor.quote
        if substituted:
            assert comment.suggestion is not None
            parts.append(f"{{~~{words}~>{_inert(comment.suggestion)}~~}}")
        else:
            parts.append(f"{{=={words}==}}")
        parts.append(_comment(thread, substituted))
        at = span.end
    parts.append(text[at:])
    parts.extend(_comment(thread) for thread in whole)
    return "".join(parts)


def _section(section: SectionPlan) -> list[str]:
    revision = section.feedback.revision
    entries = {entry.line.number: entry for entry in section.lines}
    suggested = applicable(section.feedback)
    paragraphs = [
        _marked_line(line.text, entries.get(line.number), suggested)
        for line in section.feedback.lines
    ]
    for thread in section.unplaced:
        note = _inert(unplaced_note(thread, revision))
        paragraphs.append(f"{_comment(thread)[:-3]} ({note})<<}}")
    return paragraphs


def render_manuscript(plan: DigestPlan) -> bytes:
    """Every excerpt's text, paragraphs separated by blank lines, as CriticMarkup."""
    blocks: list[str] = []
    for section in plan.sections:
        if not plan.is_single:
            blocks.append(f"# {_inert(section.excerpt.title)}")
        blocks.extend(_section(section))
    return clean_text("\n\n".join(blocks) + "\n", "").encode("utf-8")
