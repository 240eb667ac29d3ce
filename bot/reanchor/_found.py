"""A quote found in the new text, and how well its surroundings agree with the old."""

from __future__ import annotations

from dataclasses import dataclass

from bot.models import CONTEXT_CHARS, Anchor
from bot.reanchor._bounds import subsequence_bound
from bot.reanchor._matching import WordCodes, ratio


@dataclass(frozen=True, slots=True)
class Found:
    """A quote located in the new text (0-based line, character span)."""

    line: int
    start: int
    end: int
    score: float


def _context_similarity(old: str, new: str) -> float:
    # Compared word by word: any two stretches of prose share enough letters
    # for a character ratio of 0.3-0.5, which would let unrelated context pass
    # for weak support; unrelated words hardly ever line up.
    if old == new:
        return 1.0
    codes = WordCodes()
    return ratio(codes.of(old.split()), codes.of(new.split()))


def context_agreement(anchor: Anchor, line: str, start: int, end: int) -> float:
    """How well the text around ``line[start:end]`` matches the anchor's stored context."""
    prefix = line[max(0, start - CONTEXT_CHARS) : start]
    suffix = line[end : end + CONTEXT_CHARS]
    return (
        _context_similarity(anchor.prefix, prefix) + _context_similarity(anchor.suffix, suffix)
    ) / 2


def _context_bound(old: str, new: str) -> float:
    if old == new:
        return 1.0
    return subsequence_bound(old.split(), new.split())


def context_bound(anchor: Anchor, line: str, start: int, end: int) -> float:
    """What ``context_agreement`` of the same span cannot exceed, for pruning."""
    prefix = line[max(0, start - CONTEXT_CHARS) : start]
    suffix = line[end : end + CONTEXT_CHARS]
    return (_context_bound(anchor.prefix, prefix) + _context_bound(anchor.suffix, suffix)) / 2
