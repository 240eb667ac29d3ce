"""A bound on difflib's ratio, worked out in C, to skip comparisons that cannot win."""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz.distance import Indel


def subsequence_bound(first: Sequence[str], second: Sequence[str]) -> float:
    """An upper bound of difflib's ratio of two sequences, worked out in C.

    difflib's matching blocks form a common subsequence, so its ratio
    ``2 * matched / total`` never exceeds twice the longest common
    subsequence over the total, which ``Indel.similarity`` counts (hashing
    words can only make it larger, so it stays a bound).
    """
    total = len(first) + len(second)
    return 2.0 * (Indel.similarity(first, second) // 2) / total if total else 1.0
