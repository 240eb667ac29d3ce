"""Which suggestions can go into a new revision, and the text they make.

Pure: given the current revision's lines and the comments chosen, decide per comment
whether its suggestion applies (with the reason when it does not), then replace each
applicable quote by its suggestion. Line numbers never change: a suggestion replaces
words inside one line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from bot.models import CONTEXT_CHARS, Anchor, AnchorState, Comment, CommentStatus


@dataclass(frozen=True, slots=True)
class Refusal:
    """A chosen comment whose suggestion is left out, and why (a sentence naming it)."""

    number: int
    reason: str


@dataclass(frozen=True, slots=True)
class Replacement:
    """One suggestion put in: ``line``'s characters ``start:end`` became ``text``, which
    starts at ``new_start`` of the new line."""

    comment: Comment
    line: int
    start: int
    end: int
    text: str
    new_start: int = 0


@dataclass(frozen=True, slots=True)
class ChangedLine:
    number: int
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class Application:
    """The new text with the applicable suggestions in, and what was refused."""

    revision: int  # the revision the suggestions were applied to
    new_lines: list[str]
    applied: tuple[Replacement, ...]
    refused: tuple[Refusal, ...]
    changed: tuple[ChangedLine, ...]

    def new_anchors(self) -> dict[int, Anchor]:
        """comment id -> its anchor on the replacement words in the new text."""
        return {
            done.comment.id: anchor_on(
                self.new_lines, done.comment.anchor, done.line, done.new_start, done.text
            )
            for done in self.applied
        }


def anchor_on(lines: Sequence[str], old: Anchor, line: int, start: int, words: str) -> Anchor:
    """``old``'s lines, its phrase now ``words`` at ``start`` of ``line``."""
    text = lines[line - 1]
    end = start + len(words)
    return Anchor(
        line_start=old.line_start,
        line_end=old.line_end,
        quote=words,
        quote_line=line,
        quote_offset=start,
        prefix=text[max(0, start - CONTEXT_CHARS) : start],
        suffix=text[end : end + CONTEXT_CHARS],
    )


def refusal_of(comment: Comment, lines: Sequence[str], revision: int) -> str | None:
    """Why this comment's suggestion cannot go into ``lines`` (revision ``revision``)."""
    n = comment.number
    if comment.is_applied:
        return f"#{n} was already applied in revision {comment.applied_revision}"
    if comment.status is CommentStatus.RESOLVED:
        return f"#{n} is resolved (reopen it to apply its suggestion)"
    anchor = comment.anchor
    if comment.suggestion is None or anchor.quote is None:
        return f"#{n} has no suggestion"
    if comment.anchor_state is AnchorState.OUTDATED:
        return f"#{n}'s anchor is outdated (the words it quoted are gone)"
    if comment.revision != revision:
        return f"#{n} is not anchored on the current revision {revision}"
    if comment.suggestion == anchor.quote:
        return f"#{n}'s suggestion is the same as its quote"
    line, start = anchor.quote_line, anchor.quote_offset
    if (
        line is None
        or start is None
        or not 1 <= line <= len(lines)
        or lines[line - 1][start : start + len(anchor.quote)] != anchor.quote
        or anchor.quote != comment.suggested_against
    ):
        return f"#{n}'s anchor is outdated (the words it quoted have changed)"
    return None


def apply_suggestions(
    lines: Sequence[str], revision: int, chosen: Sequence[Comment]
) -> Application:
    """Put every applicable suggestion of ``chosen`` into ``lines``.

    Two suggestions whose quotes overlap are both refused, each naming the other (the
    author picks one with ``comments:``), unless they are the same change of the same
    words, which is made once for both.
    """
    refused: list[Refusal] = []
    by_line: dict[int, list[Replacement]] = defaultdict(list)
    for comment in sorted(chosen, key=lambda c: c.number):
        reason = refusal_of(comment, lines, revision)
        if reason is not None:
            refused.append(Refusal(comment.number, reason))
            continue
        anchor = comment.anchor
        assert anchor.quote is not None and anchor.quote_line is not None
        assert anchor.quote_offset is not None and comment.suggestion is not None
        start = anchor.quote_offset
        by_line[anchor.quote_line].append(
            Replacement(
                comment, anchor.quote_line, start, start + len(anchor.quote), comment.suggestion
            )
        )
    new_lines = list(lines)
    applied: list[Replacement] = []
    changed: list[ChangedLine] = []
    for number in sorted(by_line):
        kept, clashes = _without_overlaps(by_line[number])
        refused.extend(clashes)
        if not kept:
            continue
        old = lines[number - 1]
        parts: list[str] = []
        at = 0
        length = 0
        previous: Replacement | None = None
        for edit in kept:
            if previous is not None and (previous.start, previous.end) == (edit.start, edit.end):
                applied.append(_at(edit, applied[-1].new_start))  # the same change, made once
                continue
            parts.append(old[at : edit.start])
            length += edit.start - at
            applied.append(_at(edit, length))
            parts.append(edit.text)
            length += len(edit.text)
            at = edit.end
            previous = edit
        parts.append(old[at:])
        new_lines[number - 1] = "".join(parts)
        changed.append(ChangedLine(number, old, new_lines[number - 1]))
    refused.sort(key=lambda refusal: refusal.number)
    return Application(revision, new_lines, tuple(applied), tuple(refused), tuple(changed))


def _at(edit: Replacement, new_start: int) -> Replacement:
    return Replacement(edit.comment, edit.line, edit.start, edit.end, edit.text, new_start)


def _without_overlaps(
    edits: list[Replacement],
) -> tuple[list[Replacement], list[Refusal]]:
    """The edits of one line that overlap no other (in order), and refusals for the rest."""
    edits = sorted(edits, key=lambda e: (e.start, e.end, e.comment.number))
    clusters: list[list[Replacement]] = []
    reach = -1
    for edit in edits:
        if clusters and edit.start < reach:
            clusters[-1].append(edit)
            reach = max(reach, edit.end)
        else:
            clusters.append([edit])
            reach = edit.end
    kept: list[Replacement] = []
    refused: list[Refusal] = []
    for cluster in clusters:
        first = cluster[0]
        same = all(
            (e.start, e.end, e.text) == (first.start, first.end, first.text) for e in cluster
        )
        if same:
            kept.extend(cluster)
            continue
        for edit in cluster:
            others = ", ".join(
                f"#{other.comment.number}"
                for other in cluster
                if other is not edit
                and (other.start, other.end, other.text) != (edit.start, edit.end, edit.text)
            )
            refused.append(
                Refusal(edit.comment.number, f"#{edit.comment.number} overlaps {others}")
            )
    return kept, refused
