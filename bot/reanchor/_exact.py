"""Finding a quote that survived verbatim.

The predicted line first (nearly always right, and cheap). Otherwise the
nearest line holding the quote anywhere in the new text: among the lines
whose words could hold it (``NewText.lines_maybe_with``, one look-up for
both directions) or, for a revision's first few such quotes and for quotes
of common words, with one ``str.find`` forwards and one bounded
``str.rfind`` backwards from the prediction over the joined new text.
Within a line, the occurrence whose surroundings best agree with the stored
prefix and suffix wins, then the one nearest the old offset. So a quote that
survives verbatim anywhere is always found. Of a quote repeated in its line,
the ``_MAX_OCCURRENCES`` occurrences nearest its old offset are weighed.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from bot.models import Anchor
from bot.reanchor._found import Found, context_agreement
from bot.reanchor._new_text import NewText

_MAX_OCCURRENCES = 64  # of a quote repeated in one line, those nearest its old place weighed


def _occurrences(line: str, quote: str, hint: int) -> list[int]:
    """Where ``quote`` starts in ``line``, in order: the ``_MAX_OCCURRENCES`` nearest ``hint``.

    A phrase repeated thousands of times in one paragraph would otherwise
    have every occurrence's context weighed for every comment on it.
    """
    after: list[int] = []
    at = line.find(quote, max(hint, 0))
    while at >= 0 and len(after) < _MAX_OCCURRENCES:
        after.append(at)
        at = line.find(quote, at + 1)
    before: list[int] = []
    end = min(hint, len(line)) - 1 + len(quote)  # occurrences starting before the hint
    at = line.rfind(quote, 0, end) if hint > 0 else -1
    while at >= 0 and len(before) < _MAX_OCCURRENCES:
        before.append(at)
        at = line.rfind(quote, 0, at - 1 + len(quote)) if at > 0 else -1
    found = before[::-1] + after
    if len(found) > _MAX_OCCURRENCES:
        nearest = sorted(found, key=lambda start: (abs(start - hint), start))
        found = sorted(nearest[:_MAX_OCCURRENCES])
    return found


def _best_occurrence(anchor: Anchor, line: str, quote: str, starts: list[int]) -> int:
    """Of several places in one line: best context agreement, then nearest the old offset."""
    if len(starts) == 1:
        return starts[0]
    hint = anchor.quote_offset or 0
    if hint in starts and context_agreement(anchor, line, hint, hint + len(quote)) == 1.0:
        return hint  # unchanged context at the old offset: nothing can do better
    return max(
        starts,
        key=lambda at: (context_agreement(anchor, line, at, at + len(quote)), -abs(at - hint)),
    )


def _find_after(
    new_text: NewText, quote: str, first_line: int, candidates: list[int] | None
) -> int | None:
    """The first line at or after ``first_line`` containing ``quote``."""
    if first_line >= len(new_text.lines):
        return None
    if candidates is not None:
        lines = new_text.lines
        for at in range(bisect_left(candidates, first_line), len(candidates)):
            if quote in lines[candidates[at]]:
                return candidates[at]
        return None
    at = new_text.joined.find(quote, new_text.starts[first_line])
    while at >= 0 and not new_text.within_line(at, len(quote)):
        at = new_text.joined.find(quote, at + 1)
    return None if at < 0 else new_text.line_at(at)


def _find_before(
    new_text: NewText,
    quote: str,
    last_line: int,
    first_line: int,
    candidates: list[int] | None,
) -> int | None:
    """The last line in ``first_line..last_line`` containing ``quote``."""
    if last_line < first_line or last_line < 0:
        return None
    if candidates is not None:
        lines = new_text.lines
        for at in range(bisect_right(candidates, last_line) - 1, -1, -1):
            if candidates[at] < first_line:
                break
            if quote in lines[candidates[at]]:
                return candidates[at]
        return None
    low = new_text.starts[max(first_line, 0)]
    high = new_text.starts[last_line] + len(new_text.lines[last_line])
    at = new_text.joined.rfind(quote, low, high)
    while at >= 0 and not new_text.within_line(at, len(quote)):
        at = new_text.joined.rfind(quote, low, at + len(quote) - 1)
    return None if at < 0 else new_text.line_at(at)


def _found_in_line(anchor: Anchor, new_text: NewText, line: int, quote: str) -> Found:
    text = new_text.lines[line]
    hint = anchor.quote_offset or 0
    start = _best_occurrence(anchor, text, quote, _occurrences(text, quote, hint))
    return Found(line, start, start + len(quote), 1.0)


def find_exact(anchor: Anchor, quote: str, new_text: NewText, predicted: int) -> Found | None:
    """The quote verbatim: in the predicted line, else in the nearest line that has it."""
    text = new_text.lines[predicted]
    offset = anchor.quote_offset
    if offset is not None and text.startswith(quote, offset) and text.count(quote) == 1:
        return Found(predicted, offset, offset + len(quote), 1.0)
    if quote in text:
        return _found_in_line(anchor, new_text, predicted, quote)
    # One look-up narrows both searches to the lines whose words could hold the quote.
    candidates = new_text.lines_maybe_with(quote)
    after = _find_after(new_text, quote, predicted + 1, candidates)
    reach = predicted if after is None else after - predicted
    before = _find_before(new_text, quote, predicted - 1, predicted - reach, candidates)
    if after is None and before is None:
        return None
    if after is None or before is None:
        line = after if before is None else before
        assert line is not None
        return _found_in_line(anchor, new_text, line, quote)
    below = _found_in_line(anchor, new_text, after, quote)
    above = _found_in_line(anchor, new_text, before, quote)
    if after - predicted != predicted - before:
        return below if after - predicted < predicted - before else above
    # Equally near: let the surrounding text decide.
    text_below, text_above = new_text.lines[after], new_text.lines[before]
    below_context = context_agreement(anchor, text_below, below.start, below.end)
    above_context = context_agreement(anchor, text_above, above.start, above.end)
    return below if below_context > above_context else above
