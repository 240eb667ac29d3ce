"""Carrying each anchor to the new revision, by its lines or by its quote.

**A comment without a quote** maps its start and end lines separately
(normalised so start <= end). A removed endpoint of a range shrinks the
range to the lines that survive; a single removed line, or a range whose
lines are all gone, is outdated.

**A comment with a quote** looks for the quote itself: verbatim first
(``_exact``), then edited (``_fuzzy``); otherwise the quoted text is gone and
the comment is outdated. A quoted *range* keeps its separately mapped ends
while they still hold together around the quote (spanning no more than
before plus added lines); if the range was torn apart by a move, it keeps
its old shape around the quote's new line instead of stretching across the
text.

The new quote, offset, prefix and suffix are always read from the new text.
An outdated comment keeps its old anchor unchanged. A relocated comment is
``ANCHORED`` when its line numbers and quote are exactly as before (a line
comment on an edited paragraph that kept its number included), else ``MOVED``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.models import CONTEXT_CHARS, Anchor, AnchorState
from bot.reanchor._budget import UNLIMITED, SearchBudget
from bot.reanchor._exact import find_exact
from bot.reanchor._fuzzy import find_fuzzy
from bot.reanchor._line_map import LineMap, build_line_map, clamp


@dataclass(frozen=True, slots=True)
class Relocation:
    """Where one comment lands in the new revision.

    ``score`` is the confidence in [0, 1]: 1.0 for an exact quote or an
    unchanged line, the match score for a fuzzy quote, the word ratio for a
    line comment on an edited paragraph, 0.0 when outdated.
    """

    anchor: Anchor
    state: AnchorState
    score: float


def _outdated(anchor: Anchor) -> Relocation:
    return Relocation(anchor, AnchorState.OUTDATED, 0.0)


def _state(old: Anchor, new: Anchor) -> AnchorState:
    same = (
        old.line_start == new.line_start
        and old.line_end == new.line_end
        and old.quote_line == new.quote_line
        and old.quote == new.quote
    )
    return AnchorState.ANCHORED if same else AnchorState.MOVED


def _surviving_endpoints(anchor: Anchor, line_map: LineMap) -> tuple[int, int, float] | None:
    """Map a range's ends (0-based new indexes), shrinking past removed lines."""
    first, last = sorted((anchor.line_start - 1, anchor.line_end - 1))
    mapping = line_map.old_to_new
    first = max(first, 0)
    last = min(last, len(mapping) - 1)
    start_old, end_old = first, last
    while start_old <= last and mapping[start_old] < 0:
        start_old += 1
    if start_old > last:
        return None
    while mapping[end_old] < 0:
        end_old -= 1
    start, end = sorted((mapping[start_old], mapping[end_old]))
    score = min(line_map.similarity[start_old], line_map.similarity[end_old])
    return start, end, score


def _relocate_lines(anchor: Anchor, line_map: LineMap) -> Relocation:
    mapped = _surviving_endpoints(anchor, line_map)
    if mapped is None:
        return _outdated(anchor)
    start, end, score = mapped
    new = Anchor(line_start=start + 1, line_end=end + 1)
    return Relocation(new, _state(anchor, new), score)


def _holds_together(
    anchor: Anchor, line_map: LineMap, start: int, end: int, quote_line: int
) -> bool:
    """Whether new lines ``start..end`` are still the old range, give or take added lines."""
    if not start <= quote_line <= end:
        return False
    old_span = abs(anchor.line_end - anchor.line_start)
    added = line_map.added_before[end + 1] - line_map.added_before[start]
    return end - start <= old_span + added


def _range_around(anchor: Anchor, line_map: LineMap, quote_line: int) -> tuple[int, int]:
    """The new range (0-based) of a quoted comment whose quote now stands on ``quote_line``."""
    if not anchor.is_range:
        return quote_line, quote_line
    mapped = _surviving_endpoints(anchor, line_map)
    if mapped is not None and _holds_together(anchor, line_map, mapped[0], mapped[1], quote_line):
        return mapped[0], mapped[1]
    # The range was torn apart (a paragraph of it moved away): keep its shape
    # around the quote rather than stretch it across the text.
    old_quote_line = (anchor.quote_line or anchor.line_start) - 1
    shift = quote_line - old_quote_line
    size = len(line_map.new_lines)
    start = clamp(min(anchor.line_start, anchor.line_end) - 1 + shift, size)
    end = clamp(max(anchor.line_start, anchor.line_end) - 1 + shift, size)
    return min(start, quote_line), max(end, quote_line)


def _relocate_quote(
    anchor: Anchor, quote: str, line_map: LineMap, budget: SearchBudget
) -> Relocation:
    old_index = (anchor.quote_line or anchor.line_start) - 1
    if not 0 <= old_index < len(line_map.old_lines) or not line_map.new_lines:
        return _outdated(anchor)
    predicted = line_map.predicted[old_index]
    new_text = line_map.new_text
    found = find_exact(anchor, quote, new_text, predicted) or find_fuzzy(
        anchor, quote, new_text, predicted, budget
    )
    if found is None:
        return _outdated(anchor)
    text = line_map.new_lines[found.line]
    start, end = _range_around(anchor, line_map, found.line)
    new = Anchor(
        line_start=start + 1,
        line_end=end + 1,
        quote=text[found.start : found.end],
        quote_line=found.line + 1,
        quote_offset=found.start,
        prefix=text[max(0, found.start - CONTEXT_CHARS) : found.start],
        suffix=text[found.end : found.end + CONTEXT_CHARS],
    )
    return Relocation(new, _state(anchor, new), found.score)


def relocate(anchor: Anchor, line_map: LineMap, budget: SearchBudget | None = None) -> Relocation:
    """Carry one anchor on the old revision to the new one.

    Share one ``budget`` among all the comments of a revision to bound its
    fuzzy search; without one, the search is never cut short.
    """
    if anchor.quote:
        return _relocate_quote(anchor, anchor.quote, line_map, budget or UNLIMITED)
    if not line_map.new_lines:
        return _outdated(anchor)
    return _relocate_lines(anchor, line_map)


def relocate_all(
    anchors: Sequence[Anchor],
    old_lines: Sequence[str],
    new_lines: Sequence[str],
    budget: SearchBudget | None = None,
) -> list[Relocation]:
    """Relocate every anchor, in order, one result per anchor (none dropped).

    Within a fresh :class:`SearchBudget` unless given one.
    """
    line_map = build_line_map(old_lines, new_lines)
    budget = budget or SearchBudget()
    return [relocate(anchor, line_map, budget) for anchor in anchors]
