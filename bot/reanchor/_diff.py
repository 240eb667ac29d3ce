"""A line diff that stays fast on prose: patience-style anchoring, difflib in the gaps.

Lines are interned to ints; lines that occur once on each side and keep their
order are matched first (a longest increasing run), then
``difflib.SequenceMatcher(autojunk=False)`` diffs only the gaps between them.
``SequenceMatcher`` alone goes quadratic when equal runs are short (every
other paragraph deleted); this way a 5,000-line diff stays at a few
milliseconds.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from difflib import SequenceMatcher

Opcode = tuple[str, int, int, int, int]
"""As ``SequenceMatcher.get_opcodes`` yields them: (tag, i1, i2, j1, j2)."""


def intern_lines(old_lines: Sequence[str], new_lines: Sequence[str]) -> tuple[list[int], list[int]]:
    """Each distinct line as an int, so the diff compares ints, not paragraphs."""
    ids: dict[str, int] = {}
    old_ids = [ids.setdefault(line, len(ids)) for line in old_lines]
    new_ids = [ids.setdefault(line, len(ids)) for line in new_lines]
    return old_ids, new_ids


def _unique_pairs(old_ids: list[int], new_ids: list[int]) -> list[tuple[int, int]]:
    """(old, new) positions of lines that occur exactly once on each side, in old order."""
    old_counts, new_counts = Counter(old_ids), Counter(new_ids)
    new_at = {line: new for new, line in enumerate(new_ids) if new_counts[line] == 1}
    return [
        (old, new_at[line])
        for old, line in enumerate(old_ids)
        if old_counts[line] == 1 and line in new_at
    ]


def _longest_increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of ``pairs`` (sorted by old) whose new positions also increase."""
    tails: list[int] = []  # smallest new position ending a run of each length
    tail_at: list[int] = []  # index in pairs of that run's last pair
    previous = [-1] * len(pairs)
    for index, (_, new) in enumerate(pairs):
        length = bisect_left(tails, new)
        if length == len(tails):
            tails.append(new)
            tail_at.append(index)
        else:
            tails[length] = new
            tail_at[length] = index
        previous[index] = tail_at[length - 1] if length else -1
    run: list[tuple[int, int]] = []
    index = tail_at[-1] if tail_at else -1
    while index >= 0:
        run.append(pairs[index])
        index = previous[index]
    return run[::-1]


def opcodes(old_ids: list[int], new_ids: list[int]) -> list[Opcode]:
    """difflib-style opcodes, computed patience-style.

    ``SequenceMatcher`` alone is quadratic when the equal runs are short (say,
    every other paragraph deleted). Lines unique on both sides that keep their
    order are matched first; the matcher then only diffs the gaps between them,
    which for prose are a few lines each.
    """
    found: list[Opcode] = []
    old_at = new_at = 0
    for old, new in [
        *_longest_increasing(_unique_pairs(old_ids, new_ids)),
        (len(old_ids), len(new_ids)),
    ]:
        if old > old_at or new > new_at:
            gap = SequenceMatcher(None, old_ids[old_at:old], new_ids[new_at:new], autojunk=False)
            for tag, i1, i2, j1, j2 in gap.get_opcodes():
                found.append((tag, old_at + i1, old_at + i2, new_at + j1, new_at + j2))
        if old < len(old_ids):
            found.append(("equal", old, old + 1, new, new + 1))
        old_at, new_at = old + 1, new + 1
    return found
