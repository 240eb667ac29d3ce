"""Comparing paragraphs word by word, within a counted difflib effort.

Word ratios are an order of magnitude cheaper than character ratios on long
paragraphs and judge rewording the way a reader does. A word-level
comparison may take ``_WORD_BUDGET`` difflib steps, a whole line map
``_LINE_MAP_BUDGET`` (counted, so deterministic); past them the common start
and end plus the words shared in any order stand in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

from rapidfuzz.distance import Indel

from bot.reanchor._matching import WordCodes, matched, ratio

SAME_PARAGRAPH_RATIO = 0.6
"""Minimum word-level ratio for an old and a new line to count as one paragraph, edited."""

ABSORBED_SHARE = 0.8
"""Share of an unpaired old line's words found in order in a new line for it to follow there."""

_WORD_BUDGET = 200_000  # difflib steps allowed for comparing two paragraphs word by word
_LINE_MAP_BUDGET = 10_000_000  # and for all comparisons of one line map (about half a second)


def _difflib_steps(old_words: Sequence[str], new_words: Sequence[str], cap: int) -> int:
    """What comparing two word lists costs difflib, or more than ``cap``.

    ``SequenceMatcher`` visits, for each word of one side, every place that
    word holds in the other: the sum over shared words of their counts
    multiplied. Prose keeps that small; a paragraph of a few words repeated
    thousands of times makes it hundreds of millions (a minute of CPU).
    """
    product = len(old_words) * len(new_words)
    if product <= cap:
        return product  # bounds the sum; not worth counting
    old_counts, new_counts = Counter(old_words), Counter(new_words)
    if len(new_counts) < len(old_counts):
        old_counts, new_counts = new_counts, old_counts
    steps = 0
    for word, count in old_counts.items():
        steps += count * new_counts.get(word, 0)
        if steps > cap:
            break
    return steps


class Effort:
    """The difflib steps one line map may still spend comparing paragraphs.

    Each comparison may take ``_WORD_BUDGET`` steps, the whole map
    ``_LINE_MAP_BUDGET``: counted, not timed, so the same revision always
    maps the same way. Prose never comes near either.
    """

    __slots__ = ("left",)

    def __init__(self, steps: int = _LINE_MAP_BUDGET) -> None:
        self.left = steps

    def allows(self, old_words: Sequence[str], new_words: Sequence[str]) -> bool:
        cap = min(_WORD_BUDGET, self.left)
        steps = _difflib_steps(old_words, new_words, cap)
        if steps > cap:
            return False
        self.left -= steps
        return True


def _words_in_common(old_words: Sequence[str], new_words: Sequence[str], effort: Effort) -> int:
    """Words difflib lines up between the two lists, within the effort allowed.

    Beyond it: the common start and end, then difflib on what lies between if
    that is allowed, else the words the middles share in any order (an upper
    bound, never below the truth).
    """
    if effort.allows(old_words, new_words):
        codes = WordCodes()
        return matched(codes.of(old_words), codes.of(new_words))
    head = 0
    limit = min(len(old_words), len(new_words))
    while head < limit and old_words[head] == new_words[head]:
        head += 1
    tail = 0
    while tail < limit - head and old_words[-1 - tail] == new_words[-1 - tail]:
        tail += 1
    old_middle = old_words[head : len(old_words) - tail]
    new_middle = new_words[head : len(new_words) - tail]
    if effort.allows(old_middle, new_middle):
        codes = WordCodes()
        return head + tail + matched(codes.of(old_middle), codes.of(new_middle))
    return head + tail + (Counter(old_middle) & Counter(new_middle)).total()


def word_ratio(old_words: Sequence[str], new_words: Sequence[str], effort: Effort) -> float:
    """difflib's ratio of two word lists (as far as the effort allows)."""
    total = len(old_words) + len(new_words)
    return 2.0 * _words_in_common(old_words, new_words, effort) / total if total else 1.0


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A line's words, and the same words as one character each (``code``).

    Lines compared together are coded together (``all_of``), so equal words get
    equal characters and a word-level common subsequence is a character-level
    one, which ``could_match`` works out in C.
    """

    words: list[str]
    code: str

    @classmethod
    def all_of(cls, lines: Iterable[str]) -> list[Paragraph]:
        """Each line's paragraph, all coded alike: one character per distinct word of them all."""
        split = [line.split() for line in lines]
        codes: dict[str, str] = {}
        for word in chain.from_iterable(split):  # numbered in order of first use
            if word not in codes:
                codes[word] = chr(len(codes))
        code = codes.__getitem__
        return [cls(words, "".join(map(code, words))) for words in split]

    def could_match(self, other: Paragraph) -> bool:
        """False when no difflib ratio of the pair can reach ``SAME_PARAGRAPH_RATIO``.

        Its matching blocks form a common subsequence, so the ratio never
        exceeds twice the longest one over the words of both lines.
        """
        total = len(self.code) + len(other.code)
        if not total:
            return True
        # Written as difflib computes its ratios, so rounding can't tip a pair.
        if 2.0 * min(len(self.code), len(other.code)) / total < SAME_PARAGRAPH_RATIO:
            return False  # real_quick_ratio
        shared = Indel.similarity(self.code, other.code) // 2
        return 2.0 * shared / total >= SAME_PARAGRAPH_RATIO


def paragraph_ratio(
    old: Paragraph, new: Paragraph, effort: Effort, *, could_match: bool = False
) -> float:
    """The word ratio of two paragraphs coded alike, 0.0 if surely below the bar.

    ``could_match`` rules out, in C, every pair difflib's quick ratios would
    (its bound is tighter), so such a pair spends none of the effort. A
    caller that already knows the pair passes it says so (``could_match``).
    """
    if not could_match and not old.could_match(new):
        return 0.0
    if not effort.allows(old.words, new.words):
        return word_ratio(old.words, new.words, effort)
    return ratio(old.code, new.code)


class LineWords:
    """Each new line's words (and their set), split once however often compared."""

    __slots__ = ("_lines", "_sets", "_words")

    def __init__(self, lines: Sequence[str]) -> None:
        self._lines = lines
        self._words: dict[int, list[str]] = {}
        self._sets: dict[int, frozenset[str]] = {}

    def words(self, index: int) -> list[str]:
        found = self._words.get(index)
        if found is None:
            found = self._words[index] = self._lines[index].split()
        return found

    def vocabulary(self, index: int) -> frozenset[str]:
        found = self._sets.get(index)
        if found is None:
            found = self._sets[index] = frozenset(self.words(index))
        return found


def containment(old_words: list[str], new_lines: LineWords, new: int, effort: Effort) -> float:
    """Share of ``old_words`` that reappear, in order, in new line ``new``."""
    new_words = new_lines.words(new)
    if not old_words or len(new_words) < ABSORBED_SHARE * len(old_words):
        return 0.0
    vocabulary = new_lines.vocabulary(new)
    present = sum(map(vocabulary.__contains__, old_words))
    if present < ABSORBED_SHARE * len(old_words):
        return 0.0  # cannot reach the bar even if every present word lined up
    return _words_in_common(old_words, new_words, effort) / len(old_words)
