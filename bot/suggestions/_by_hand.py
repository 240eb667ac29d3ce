"""Suggestions an author applied by hand in a revision they typed or uploaded.

A comment's suggestion counts as applied when, on the line its quoted line became, its
quote was replaced by exactly its suggestion, between the same words on either side.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.models import AnchorState, Comment, CommentStatus
from bot.reanchor import LineMap

# How much of the text around the quote must be unchanged around the suggestion.
HAND_CONTEXT = 12


def applied_by_hand(line_map: LineMap, comments: Sequence[Comment]) -> dict[int, tuple[int, int]]:
    """comment id -> (new line, offset) of its suggestion, for each open suggestion the
    revision ``line_map`` describes put in by hand."""
    found: dict[int, tuple[int, int]] = {}
    for comment in comments:
        place = _applied_place(line_map, comment)
        if place is not None:
            found[comment.id] = place
    return found


def _applied_place(line_map: LineMap, comment: Comment) -> tuple[int, int] | None:
    anchor, suggestion = comment.anchor, comment.suggestion
    quote, line, start = anchor.quote, anchor.quote_line, anchor.quote_offset
    if (
        comment.status is not CommentStatus.OPEN
        or comment.anchor_state is AnchorState.OUTDATED
        or suggestion is None
        or quote is None
        or line is None
        or start is None
        or suggestion == quote
        or quote != comment.suggested_against
    ):
        return None
    new_line = line_map.new_line_for(line)
    if new_line is None or not 1 <= line <= len(line_map.old_lines):
        return None
    old, new = line_map.old_lines[line - 1], line_map.new_lines[new_line - 1]
    end = start + len(quote)
    if old[start:end] != quote:
        return None
    before, after = old[max(0, start - HAND_CONTEXT) : start], old[end : end + HAND_CONTEXT]
    wanted = before + suggestion + after
    if new.count(wanted) <= old.count(wanted):
        return None  # not new in this revision
    at = _nearest(new, wanted, start - len(before))
    if start == 0 and at != 0:
        return None  # the quote began the line: so must its replacement
    if end == len(old) and at + len(wanted) != len(new):
        return None
    return new_line, at + len(before)


def _nearest(text: str, wanted: str, expected: int) -> int:
    """The occurrence of ``wanted`` in ``text`` (there is one) nearest ``expected``."""
    best = at = text.find(wanted)
    while at >= 0:
        if abs(at - expected) < abs(best - expected):
            best = at
        at = text.find(wanted, at + 1)
    return best
