"""Measuring critique: substantive words and the credit they earn (pure code).

A critique is everything one reader wrote on one excerpt by someone else. Its
substantive words are the words of its texts once every run of 8 or more
consecutive words that also occurs in the excerpt (any revision) is removed, a
text repeated verbatim counting once. Credits are kept as integers of half credits.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence

# A run this long that also occurs in the excerpt is quoted story, not critique.
RUN = 8
_WORD = re.compile(r"\w+(?:['’]\w+)*")

# The scale: under 150 words nothing, ½ from 150, 1 from 300, then ½ more per 300, at most 2.
HALF_FROM = 150
ONE_FROM = 300
STEP = 300
MAX_HALVES = 4


def words_of(text: str) -> list[str]:
    """The words of a text, case-folded, punctuation and spacing dropped."""
    return _WORD.findall(text.casefold())


def shingles(texts: Iterable[Sequence[str]]) -> frozenset[int]:
    """Hashes of every run of ``RUN`` consecutive words of each text (each revision's
    lines, joined): what a critique may not claim as its own words."""
    found: set[int] = set()
    for lines in texts:
        words = words_of("\n".join(lines))
        for start in range(len(words) - RUN + 1):
            found.add(hash(tuple(words[start : start + RUN])))
    return frozenset(found)


def substantive_words(text: str, story: frozenset[int]) -> int:
    """The words of ``text`` not inside a run of ``RUN``+ words that the story holds."""
    words = words_of(text)
    if len(words) < RUN or not story:
        return len(words)
    copied = [False] * len(words)
    for start in range(len(words) - RUN + 1):
        if hash(tuple(words[start : start + RUN])) in story:
            for i in range(start, start + RUN):
                copied[i] = True
    return copied.count(False)


def text_key(text: str) -> str:
    """What makes two texts "the same text repeated": their words, in order."""
    return hashlib.sha1(" ".join(words_of(text)).encode()).hexdigest()[:16]


def critique_words(texts: Iterable[str], story: frozenset[int]) -> int:
    """A whole critique's substantive words: each distinct text counted once."""
    seen: dict[str, int] = {}
    for text in texts:
        key = text_key(text)
        if key not in seen:
            seen[key] = substantive_words(text, story)
    return sum(seen.values())


def credit_halves(words: int) -> int:
    """Half credits a critique of ``words`` substantive words earns."""
    if words < HALF_FROM:
        return 0
    if words < ONE_FROM:
        return 1
    return min(MAX_HALVES, 2 + (words - ONE_FROM) // STEP)


def format_halves(halves: int) -> str:
    """2 → "1", 3 → "1.5", -1 → "-0.5"."""
    sign = "-" if halves < 0 else ""
    whole, half = divmod(abs(halves), 2)
    return f"{sign}{whole}{'.5' if half else ''}"


def parse_halves(typed: str, limit: int) -> int | None:
    """ "1", "-2", "0.5" → half credits; None unless a whole or half number within
    ±``limit`` credits (so "abc", "0.3", "1e9" are refused)."""
    match = re.fullmatch(r"\s*([+-]?)(\d{1,6})(?:\.(5|50*|0+))?\s*", typed)
    if match is None:
        return None
    sign, whole, fraction = match.groups()
    halves = int(whole) * 2 + (1 if fraction and fraction.startswith("5") else 0)
    if halves > limit * 2:
        return None
    return -halves if sign == "-" else halves
