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


class StoredContext:
    """One anchor's stored prefix and suffix, split and coded once, for comparing with
    many places: ``agreement`` is ``context_agreement`` of that anchor, ``bound``
    what it cannot exceed (the longest common subsequences of words, for
    pruning). One table of word codes serves every comparison (equal words,
    equal codes), so the matches are the same."""

    __slots__ = (
        "_codes",
        "_prefix",
        "_prefix_code",
        "_prefix_words",
        "_suffix",
        "_suffix_code",
        "_suffix_words",
    )

    def __init__(self, anchor: Anchor) -> None:
        self._prefix, self._suffix = anchor.prefix, anchor.suffix
        self._prefix_words, self._suffix_words = anchor.prefix.split(), anchor.suffix.split()
        self._codes = WordCodes()
        self._prefix_code = self._codes.of(self._prefix_words)
        self._suffix_code = self._codes.of(self._suffix_words)

    def bound(self, line: str, start: int, end: int) -> float:
        """What ``agreement`` of the same span cannot exceed, worked out in C."""
        prefix = line[max(0, start - CONTEXT_CHARS) : start]
        suffix = line[end : end + CONTEXT_CHARS]
        before = (
            1.0 if prefix == self._prefix else subsequence_bound(self._prefix_words, prefix.split())
        )
        after = (
            1.0 if suffix == self._suffix else subsequence_bound(self._suffix_words, suffix.split())
        )
        return (before + after) / 2

    def agreement(self, line: str, start: int, end: int) -> float:
        """``context_agreement(anchor, line, start, end)``."""
        prefix = line[max(0, start - CONTEXT_CHARS) : start]
        suffix = line[end : end + CONTEXT_CHARS]
        code = self._codes.of
        before = 1.0 if prefix == self._prefix else ratio(self._prefix_code, code(prefix.split()))
        after = 1.0 if suffix == self._suffix else ratio(self._suffix_code, code(suffix.split()))
        return (before + after) / 2
