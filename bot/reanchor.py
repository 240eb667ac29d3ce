"""Carrying comments across a revision: each anchor follows its text.

When an author posts a revised excerpt, every comment pinned to the old
revision is moved to where its text now stands, the way a careful reader
holding both versions would do it.

**The line map** (built once per revision, shared by every anchor):

1. Lines are interned to ints and diffed patience-style: lines that occur
   once on each side and keep their order are matched first (a longest
   increasing run), then ``difflib.SequenceMatcher(autojunk=False)`` diffs
   only the gaps between them. ``SequenceMatcher`` alone goes quadratic when
   equal runs are short (every other paragraph deleted); this way a
   5,000-line diff stays at a few milliseconds.
2. Lines the diff left unmatched are paired with an *identical* unmatched
   line anywhere in the new text (the one nearest where the diff expected
   it): that is how a moved or swapped paragraph keeps its comments.
3. Inside each ``replace`` block, the lines still unmatched are paired by
   similarity, best pair first: a difflib ratio over the paragraphs' *words*
   of at least ``SAME_PARAGRAPH_RATIO`` (0.6) means "the same paragraph,
   edited". Word ratios are an order of magnitude cheaper than character
   ratios on long paragraphs and judge rewording the way a reader does.
   Large blocks only compare lines within a diagonal band.
4. An old line still unpaired in a replace block follows the new line of its
   block that holds at least ``ABSORBED_SHARE`` (0.8) of its words in order:
   two paragraphs merged into one, or a paragraph much expanded. Merging is
   the one case where two old lines map to the same new line.
5. Every old line gets a *predicted* new line: its partner if it has one,
   otherwise the place in the new text where it would have stood.

**A comment without a quote** maps its start and end lines separately
(normalised so start <= end). A removed endpoint of a range shrinks the
range to the lines that survive; a single removed line, or a range whose
lines are all gone, is outdated.

**A comment with a quote** looks for the quote itself:

1. *Exact*: the predicted line first (nearly always right, and cheap).
   Otherwise the nearest line holding the quote anywhere in the new text,
   found with one ``str.find`` forwards and one bounded ``str.rfind``
   backwards from the prediction over the joined new text. Within a line,
   the occurrence whose surroundings best agree with the stored prefix and
   suffix wins, then the one nearest the old offset. So a quote that
   survives verbatim anywhere is always found.
2. *Fuzzy*: only in lines the revision touched (edited or added): an
   untouched paragraph already existed, so a merely similar phrase in it is
   another passage, not this one. Touched lines within ``_FUZZY_WINDOW`` of
   the prediction are tried first; the rest only if none of those matches,
   and only those holding at least half of the quote's longest words. In a
   candidate line, runs of whole words sharing the most words with the quote
   (one word fewer to one more than it has) are scored::

       score = 0.7 * similarity + 0.2 * context + 0.1 * closeness

   *similarity* is the better of the character and the word difflib ratio of
   window and quote (characters catch a respelt word, words a replaced one);
   *context* the mean word ratio of the old and new prefix and suffix;
   *closeness* ``1 / (1 + lines from the prediction)``. The best window
   scoring at least ``FUZZY_THRESHOLD`` (0.7) wins. With perfect context at
   the predicted line that asks for a similarity of about 0.57 (one word of
   a short phrase changed); far away with unrelated context, about 1.0, so a
   look-alike phrase elsewhere is not taken for the quote. Quotes shorter
   than ``MIN_FUZZY_QUOTE_CHARS`` must survive verbatim: fuzzy matching two or
   three characters would find them anywhere.
3. Otherwise the quoted text is gone and the comment is outdated.

A quoted *range* keeps its separately mapped ends while they still hold
together around the quote (spanning no more than before plus added lines);
if the range was torn apart by a move, it keeps its old shape around the
quote's new line instead of stretching across the text.

**Bounds.** Every step's cost is bounded so a hostile text (one paragraph
of five words repeated for 190,000 characters) plans in well under two seconds:

- Replace blocks are visited along the diagonal band only, and a pair is
  compared with difflib only when a set-intersection bound says it could
  reach the pairing ratio (the bound is above difflib's own quick ratios, so
  the pairs found are the same).
- A word-level comparison may take ``_WORD_BUDGET`` difflib steps, a whole
  line map ``_LINE_MAP_BUDGET`` (counted, so deterministic); past them the
  common start and end plus the words shared in any order stand in.
- Of a quote repeated in its line, the ``_MAX_OCCURRENCES`` occurrences
  nearest its old offset are weighed; in a paragraph of more than
  ``2 * _MAX_WINDOW_WORDS`` words, fuzzy windows are sought around the old
  offset only.
- The fuzzy search of one revision's comments shares a time budget
  (:class:`SearchBudget`): first the far search stops, then the near one;
  comments left become outdated.

Fuzzy windows are scored cheapest bound first (lengths, letters in any
order, the word ratio, the context) so that the costly character ratio is
worked out only for windows that could still win; the scores are the same.

The new quote, offset, prefix and suffix are always read from the new text.
An outdated comment keeps its old anchor unchanged. A relocated comment is
``ANCHORED`` when its line numbers and quote are exactly as before (a line
comment on an edited paragraph that kept its number included), else ``MOVED``.
"""

from __future__ import annotations

import heapq
import math
import re
import time
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import accumulate

from bot.models import CONTEXT_CHARS, Anchor, AnchorState

FUZZY_THRESHOLD = 0.7
"""Minimum match score (0.7·quote ratio + 0.2·context + 0.1·closeness) for a fuzzy quote match."""

SAME_PARAGRAPH_RATIO = 0.6
"""Minimum word-level ratio for an old and a new line to count as one paragraph, edited."""

ABSORBED_SHARE = 0.8
"""Share of an unpaired old line's words found in order in a new line for it to follow there."""

MIN_FUZZY_QUOTE_CHARS = 4
"""Shorter quotes must survive verbatim to be found again."""

FAR_SEARCH_SECONDS = 0.8
"""A revision's comments stop looking for edited quotes far from their place after this long."""

NEAR_SEARCH_SECONDS = 1.5
"""...and near their place after this long: the rest become outdated (see ``SearchBudget``)."""

_QUOTE_WEIGHT = 0.7
_CONTEXT_WEIGHT = 0.2
_CLOSENESS_WEIGHT = 0.1

_FUZZY_WINDOW = 3  # lines either side of the prediction searched before the whole text
_MAX_FUZZY_CANDIDATES = 48  # lines scored in the whole-text fuzzy pass, nearest first
_MAX_KEY_WORDS = 4  # longest quote words used to find whole-text fuzzy candidates
_MIN_WORD_COVERAGE = 0.25  # share of the quote's characters a window's shared words must cover
_MAX_WINDOWS = 6  # best word windows per line scored with a full ratio
_FULL_PAIRING_CELLS = 400  # replace blocks up to this many line pairs compare all pairs
_PAIRING_BAND = 8  # otherwise, lines compared within this many of the diagonal
_WORD_BUDGET = 200_000  # difflib steps allowed for comparing two paragraphs word by word
_LINE_MAP_BUDGET = 10_000_000  # and for all comparisons of one line map (about half a second)
_MAX_OCCURRENCES = 64  # of a quote repeated in one line, those nearest its old place weighed
_MAX_WINDOW_WORDS = 1_000  # a fuzzy quote is sought this many words either side of its old place
_MAX_BLOCK_CHARS = 6_000  # a one-word fuzzy quote, this many characters either side
_TIE = 1e-9  # margin by which a later fuzzy candidate must beat an earlier one
_SEPARATOR = "\x00"  # joins new lines for searching; a hit spanning it is rejected

_KEY_WORD = re.compile(r"\w{4,}")
_TOKEN = re.compile(r"\S+")
_PUNCTUATION = "\"'“”‘’.,;:!?()[]{}«»—–-…*_"


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


@dataclass(frozen=True, slots=True)
class RevisionSummary:
    """Line counts of a revision.

    Counted from the old side: old lines = unchanged + changed + removed; a
    paragraph moved without edits is unchanged, and each paragraph merged into
    another is changed. ``added`` counts new lines no old line maps to, so new
    lines = unchanged + changed + added unless paragraphs were merged.
    """

    added: int
    removed: int
    changed: int
    unchanged: int


class SearchBudget:
    """How long one revision's comments may spend looking for edited quotes.

    Exact quotes, line comments and the line map are always worked out (their
    cost is bounded by the text). The fuzzy search is not: a quote edited
    beyond recognition is sought in every touched line that shares its words,
    which on a pathological text (a paragraph of a few words repeated ten
    thousand times, two thousand comments) could take minutes. So, counted
    from the budget's creation: after ``far_seconds`` no quote is sought far
    from its place any more, after ``near_seconds`` not even near it. What is
    left becomes outdated, which the product already shows honestly. On real
    revisions (a full rewrite of 2,000 lines with 2,000 comments plans in a
    few hundred milliseconds) neither limit is reached.
    """

    __slots__ = ("_clock", "_far_until", "_near_until")

    def __init__(
        self,
        far_seconds: float = FAR_SEARCH_SECONDS,
        near_seconds: float = NEAR_SEARCH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        started = clock()
        self._clock = clock
        self._far_until = started + far_seconds
        self._near_until = started + near_seconds

    def far_open(self) -> bool:
        """Whether quotes may still be sought across the whole text."""
        return self._clock() < self._far_until

    def near_open(self) -> bool:
        """Whether quotes may still be sought in the touched lines near their place."""
        return self._clock() < self._near_until


_UNLIMITED = SearchBudget(math.inf, math.inf)


@dataclass(frozen=True, slots=True)
class _Found:
    """A quote located in the new text (0-based line, character span)."""

    line: int
    start: int
    end: int
    score: float


class LineMap:
    """How the lines of one revision became the lines of the next.

    Build it with ``build_line_map``; its answers never change (it only
    memoises tokenised lines), so one map serves any number of anchors.
    Indexes are 0-based inside, line numbers 1-based outside.
    """

    __slots__ = (
        "_added_before",
        "_joined",
        "_keys",
        "_new_lines",
        "_old_lines",
        "_old_to_new",
        "_predicted",
        "_similarity",
        "_starts",
        "_summary",
        "_tokens",
        "_touched",
        "_touched_words",
    )

    def __init__(
        self,
        old_lines: tuple[str, ...],
        new_lines: tuple[str, ...],
        old_to_new: list[int],
        similarity: list[float],
        predicted: list[int],
    ) -> None:
        self._old_lines = old_lines
        self._new_lines = new_lines
        self._old_to_new = old_to_new
        self._similarity = similarity
        self._predicted = predicted
        self._joined = _SEPARATOR.join(new_lines)
        self._starts = _line_starts(new_lines)
        self._touched = _touched_lines(old_lines, new_lines, old_to_new)
        self._summary = _summary_of(old_lines, new_lines, old_to_new)
        self._added_before = _added_before(len(new_lines), old_to_new)
        self._tokens: dict[int, _Tokens] = {}  # filled lazily by fuzzy matching
        self._keys: dict[str, str] = {}  # word -> key, the same
        self._touched_words: _TouchedWords | None = None  # built at the first far search

    @property
    def old_lines(self) -> tuple[str, ...]:
        return self._old_lines

    @property
    def new_lines(self) -> tuple[str, ...]:
        return self._new_lines

    def new_line_for(self, old_line: int) -> int | None:
        """The new number of old line ``old_line`` (1-based), or None if it was removed."""
        if not 1 <= old_line <= len(self._old_lines):
            return None
        index = self._old_to_new[old_line - 1]
        return None if index < 0 else index + 1


def _line_starts(lines: Sequence[str]) -> list[int]:
    """Offsets of each line in ``_SEPARATOR.join(lines)``."""
    return [0, *accumulate(len(line) + len(_SEPARATOR) for line in lines[:-1])] if lines else []


def _added_before(new_count: int, old_to_new: Sequence[int]) -> list[int]:
    """``result[k]``: how many of the first ``k`` new lines no old line maps to."""
    sources = set(old_to_new)
    return [0, *accumulate(int(new not in sources) for new in range(new_count))]


def _touched_lines(
    old_lines: Sequence[str], new_lines: Sequence[str], old_to_new: Sequence[int]
) -> list[int]:
    """New indexes whose text is not a verbatim copy of an old line (edited or added)."""
    verbatim = {
        new for old, new in enumerate(old_to_new) if new >= 0 and old_lines[old] == new_lines[new]
    }
    return [index for index in range(len(new_lines)) if index not in verbatim]


def _summary_of(
    old_lines: Sequence[str], new_lines: Sequence[str], old_to_new: Sequence[int]
) -> RevisionSummary:
    mapped = [old for old, new in enumerate(old_to_new) if new >= 0]
    unchanged = sum(1 for old in mapped if old_lines[old] == new_lines[old_to_new[old]])
    changed = len(mapped) - unchanged
    return RevisionSummary(
        added=len(new_lines) - len({old_to_new[old] for old in mapped}),
        removed=len(old_to_new) - len(mapped),
        changed=changed,
        unchanged=unchanged,
    )


# --- building the line map -------------------------------------------------


def _intern(old_lines: Sequence[str], new_lines: Sequence[str]) -> tuple[list[int], list[int]]:
    ids: dict[str, int] = {}
    old_ids = [ids.setdefault(line, len(ids)) for line in old_lines]
    new_ids = [ids.setdefault(line, len(ids)) for line in new_lines]
    return old_ids, new_ids


def _clamp(index: int, size: int) -> int:
    return max(0, min(index, size - 1))


@dataclass(slots=True)
class _Draft:
    """The line map while it is being built."""

    old_to_new: list[int]
    new_to_old: list[int]
    similarity: list[float]
    predicted: list[int]
    replace_blocks: list[tuple[int, int, int, int]]


_Opcode = tuple[str, int, int, int, int]


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


def _opcodes(old_ids: list[int], new_ids: list[int]) -> list[_Opcode]:
    """difflib-style opcodes, computed patience-style.

    ``SequenceMatcher`` alone is quadratic when the equal runs are short (say,
    every other paragraph deleted). Lines unique on both sides that keep their
    order are matched first; the matcher then only diffs the gaps between them,
    which for prose are a few lines each.
    """
    opcodes: list[_Opcode] = []
    old_at = new_at = 0
    for old, new in [
        *_longest_increasing(_unique_pairs(old_ids, new_ids)),
        (len(old_ids), len(new_ids)),
    ]:
        if old > old_at or new > new_at:
            gap = SequenceMatcher(None, old_ids[old_at:old], new_ids[new_at:new], autojunk=False)
            for tag, i1, i2, j1, j2 in gap.get_opcodes():
                opcodes.append((tag, old_at + i1, old_at + i2, new_at + j1, new_at + j2))
        if old < len(old_ids):
            opcodes.append(("equal", old, old + 1, new, new + 1))
        old_at, new_at = old + 1, new + 1
    return opcodes


def _diff_lines(old_ids: list[int], new_ids: list[int]) -> _Draft:
    """Apply the diff's equal blocks and predict a place for every other old line."""
    new_count = len(new_ids)
    draft = _Draft(
        old_to_new=[-1] * len(old_ids),
        new_to_old=[-1] * new_count,
        similarity=[0.0] * len(old_ids),
        predicted=[0] * len(old_ids),
        replace_blocks=[],
    )
    for tag, i1, i2, j1, j2 in _opcodes(old_ids, new_ids):
        for offset, old in enumerate(range(i1, i2)):
            if tag == "equal":
                draft.old_to_new[old] = j1 + offset
                draft.new_to_old[j1 + offset] = old
                draft.similarity[old] = 1.0
                draft.predicted[old] = j1 + offset
            else:
                # Where the line would stand had it survived in place.
                draft.predicted[old] = _clamp(j1 + min(offset, max(j2 - j1 - 1, 0)), new_count)
        if tag == "replace":
            draft.replace_blocks.append((i1, i2, j1, j2))
    return draft


def _link(draft: _Draft, old: int, new: int, similarity: float) -> None:
    draft.old_to_new[old] = new
    draft.new_to_old[new] = old
    draft.similarity[old] = similarity
    draft.predicted[old] = new


def _pair_identical(draft: _Draft, old_ids: list[int], new_ids: list[int]) -> None:
    """Pair unmatched lines with identical unmatched lines: moved paragraphs."""
    spare_new: dict[int, list[int]] = {}
    for new, old in enumerate(draft.new_to_old):
        if old < 0:
            spare_new.setdefault(new_ids[new], []).append(new)
    if not spare_new:
        return
    for old, new in enumerate(draft.old_to_new):
        if new >= 0:
            continue
        spares = spare_new.get(old_ids[old])
        if not spares:
            continue
        target = draft.predicted[old]
        nearest = min(spares, key=lambda candidate: abs(candidate - target))
        spares.remove(nearest)
        _link(draft, old, nearest, 1.0)


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


class _Effort:
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


def _words_in_common(old_words: Sequence[str], new_words: Sequence[str], effort: _Effort) -> int:
    """Words difflib lines up between the two lists, within the effort allowed.

    Beyond it: the common start and end, then difflib on what lies between if
    that is allowed, else the words the middles share in any order (an upper
    bound, never below the truth).
    """
    if effort.allows(old_words, new_words):
        matcher = SequenceMatcher(None, old_words, new_words, autojunk=False)
        return sum(block.size for block in matcher.get_matching_blocks())
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
        matcher = SequenceMatcher(None, old_middle, new_middle, autojunk=False)
        return head + tail + sum(block.size for block in matcher.get_matching_blocks())
    return head + tail + (Counter(old_middle) & Counter(new_middle)).total()


def _word_ratio(old_words: Sequence[str], new_words: Sequence[str], effort: _Effort) -> float:
    """difflib's ratio of two word lists (as far as the effort allows)."""
    total = len(old_words) + len(new_words)
    return 2.0 * _words_in_common(old_words, new_words, effort) / total if total else 1.0


@dataclass(frozen=True, slots=True)
class _Paragraph:
    """A line's words, their set, and how many of them repeat an earlier one."""

    words: list[str]
    vocabulary: frozenset[str]
    repeats: int

    @classmethod
    def of(cls, line: str) -> _Paragraph:
        words = line.split()
        vocabulary = frozenset(words)
        return cls(words, vocabulary, len(words) - len(vocabulary))

    def could_match(self, other: _Paragraph) -> bool:
        """False when even difflib's quick bounds keep the pair below ``SAME_PARAGRAPH_RATIO``.

        Shared words counted with repeats are at most the distinct words both
        hold plus the repeats of either side: a bound above ``quick_ratio``
        (so never wrong to trust) that costs one set intersection.
        """
        total = len(self.words) + len(other.words)
        if not total:
            return True
        # Written as difflib computes its ratios, so rounding can't tip a pair.
        if 2.0 * min(len(self.words), len(other.words)) / total < SAME_PARAGRAPH_RATIO:
            return False  # real_quick_ratio
        shared = len(self.vocabulary & other.vocabulary) + min(self.repeats, other.repeats)
        return 2.0 * shared / total >= SAME_PARAGRAPH_RATIO


def _paragraph_ratio(matcher: SequenceMatcher[str], old_words: list[str], effort: _Effort) -> float:
    """Word ratio against the matcher's second sequence, 0.0 if surely below the bar."""
    matcher.set_seq1(old_words)
    if matcher.real_quick_ratio() < SAME_PARAGRAPH_RATIO:
        return 0.0
    if matcher.quick_ratio() < SAME_PARAGRAPH_RATIO:
        return 0.0
    new_words: list[str] = matcher.b  # type: ignore[attr-defined]
    if not effort.allows(old_words, new_words):
        return _word_ratio(old_words, new_words, effort)
    return matcher.ratio()


def _span(low: float, high: float, count: int) -> range:
    """Indexes of ``range(count)`` that may lie in ``[low, high]``: the pairing band.

    One wider on each side than asked, so float rounding never drops an
    index; callers apply their exact band test to what it yields. Visiting
    only the band keeps a 2,000-line rewrite from looking at four million
    pairs to compare thirty thousand.
    """
    return range(max(0, math.floor(low) - 1), min(count, math.ceil(high) + 2))


def _block_candidates(
    olds: list[int],
    news: list[int],
    old_lines: Sequence[str],
    new_lines: Sequence[str],
    effort: _Effort,
) -> list[tuple[float, int, int]]:
    """Similar (old, new) line pairs inside one replace block, with their word ratio."""
    full = len(olds) * len(news) <= _FULL_PAIRING_CELLS
    scale = len(news) / len(olds)
    old_words = [_Paragraph.of(old_lines[old]) for old in olds]
    matcher: SequenceMatcher[str] = SequenceMatcher(None, autojunk=False)
    found: list[tuple[float, int, int]] = []
    everything = range(len(olds))
    for new_pos, new in enumerate(news):
        new_words = _Paragraph.of(new_lines[new])
        compared = False  # the matcher learns a new line only if some pair needs it
        band = _span(
            (new_pos - _PAIRING_BAND) / scale, (new_pos + _PAIRING_BAND) / scale, len(olds)
        )
        for old_pos in everything if full else band:
            if not full and abs(new_pos - old_pos * scale) > _PAIRING_BAND:
                continue
            if not old_words[old_pos].could_match(new_words):
                continue
            if not compared:
                matcher.set_seq2(new_words.words)
                compared = True
            ratio = _paragraph_ratio(matcher, old_words[old_pos].words, effort)
            if ratio >= SAME_PARAGRAPH_RATIO:
                found.append((ratio, olds[old_pos], new))
    return found


def _pair_similar(
    draft: _Draft, old_lines: Sequence[str], new_lines: Sequence[str], effort: _Effort
) -> None:
    """Inside each replace block, pair the most similar lines first, one to one."""
    for i1, i2, j1, j2 in draft.replace_blocks:
        olds = [old for old in range(i1, i2) if draft.old_to_new[old] < 0]
        news = [new for new in range(j1, j2) if draft.new_to_old[new] < 0]
        if not olds or not news:
            continue
        candidates = _block_candidates(olds, news, old_lines, new_lines, effort)
        # Best ratio first; among equals, keep the diff's order (nearer the diagonal).
        candidates.sort(key=lambda c: (-c[0], abs((c[1] - i1) - (c[2] - j1))))
        for ratio, old, new in candidates:
            if draft.old_to_new[old] < 0 and draft.new_to_old[new] < 0:
                _link(draft, old, new, ratio)


class _LineWords:
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


def _containment(old_words: list[str], new_lines: _LineWords, new: int, effort: _Effort) -> float:
    """Share of ``old_words`` that reappear, in order, in new line ``new``."""
    new_words = new_lines.words(new)
    if not old_words or len(new_words) < ABSORBED_SHARE * len(old_words):
        return 0.0
    vocabulary = new_lines.vocabulary(new)
    present = sum(1 for word in old_words if word in vocabulary)
    if present < ABSORBED_SHARE * len(old_words):
        return 0.0  # cannot reach the bar even if every present word lined up
    return _words_in_common(old_words, new_words, effort) / len(old_words)


def _absorb_leftovers(
    draft: _Draft, old_lines: Sequence[str], new_lines: Sequence[str], effort: _Effort
) -> None:
    """Send old lines still unpaired in a replace block into the new line that contains them.

    Two paragraphs merged into one, or one paragraph grown to three times its
    length, fall below the pairing ratio although every word of the old line
    is still there; a reader would say the old paragraph lives on in the new one.
    """
    new_words = _LineWords(new_lines)
    for i1, i2, j1, j2 in draft.replace_blocks:
        scale = (j2 - j1) / (i2 - i1)
        full = (i2 - i1) * (j2 - j1) <= _FULL_PAIRING_CELLS
        for old in range(i1, i2):
            if draft.old_to_new[old] >= 0:
                continue
            old_words = old_lines[old].split()
            best_share, best_new = 0.0, -1
            diagonal = (old - i1) * scale
            band = _span(diagonal - _PAIRING_BAND, diagonal + _PAIRING_BAND, j2 - j1)
            for new in range(j1, j2) if full else range(j1 + band.start, j1 + band.stop):
                if not full and abs((new - j1) - (old - i1) * scale) > _PAIRING_BAND:
                    continue
                share = _containment(old_words, new_words, new, effort)
                if share > best_share:
                    best_share, best_new = share, new
            if best_share < ABSORBED_SHARE:
                continue
            ratio = _word_ratio(old_words, new_words.words(best_new), effort)
            if draft.new_to_old[best_new] < 0:
                _link(draft, old, best_new, ratio)
            else:
                # A merge: several old lines now live in one new line.
                draft.old_to_new[old] = best_new
                draft.similarity[old] = ratio
                draft.predicted[old] = best_new


def build_line_map(old_lines: Sequence[str], new_lines: Sequence[str]) -> LineMap:
    """Diff two revisions' lines once; the result relocates any number of anchors."""
    old_ids, new_ids = _intern(old_lines, new_lines)
    draft = _diff_lines(old_ids, new_ids)
    _pair_identical(draft, old_ids, new_ids)
    effort = _Effort()
    _pair_similar(draft, old_lines, new_lines, effort)
    _absorb_leftovers(draft, old_lines, new_lines, effort)
    return LineMap(
        tuple(old_lines), tuple(new_lines), draft.old_to_new, draft.similarity, draft.predicted
    )


def summarize(line_map: LineMap) -> RevisionSummary:
    """How many lines the revision added, removed, changed and left alone."""
    return line_map._summary


# --- finding a quote ----------------------------------------------------------


def _context_similarity(old: str, new: str) -> float:
    # Compared word by word: any two stretches of prose share enough letters
    # for a character ratio of 0.3-0.5, which would let unrelated context pass
    # for weak support; unrelated words hardly ever line up.
    if old == new:
        return 1.0
    return SequenceMatcher(None, old.split(), new.split(), autojunk=False).ratio()


def _context_agreement(anchor: Anchor, line: str, start: int, end: int) -> float:
    """How well the text around ``line[start:end]`` matches the anchor's stored context."""
    prefix = line[max(0, start - CONTEXT_CHARS) : start]
    suffix = line[end : end + CONTEXT_CHARS]
    return (
        _context_similarity(anchor.prefix, prefix) + _context_similarity(anchor.suffix, suffix)
    ) / 2


def _closeness(line: int, predicted: int) -> float:
    return 1.0 / (1 + abs(line - predicted))


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
    if hint in starts and _context_agreement(anchor, line, hint, hint + len(quote)) == 1.0:
        return hint  # unchanged context at the old offset: nothing can do better
    return max(
        starts,
        key=lambda at: (_context_agreement(anchor, line, at, at + len(quote)), -abs(at - hint)),
    )


def _line_of(line_map: LineMap, position: int) -> int:
    return bisect_right(line_map._starts, position) - 1


def _within_line(line_map: LineMap, position: int, length: int) -> bool:
    line = _line_of(line_map, position)
    return position + length <= line_map._starts[line] + len(line_map._new_lines[line])


def _find_after(line_map: LineMap, quote: str, first_line: int) -> int | None:
    """The first line at or after ``first_line`` containing ``quote``."""
    if first_line >= len(line_map._new_lines):
        return None
    at = line_map._joined.find(quote, line_map._starts[first_line])
    while at >= 0 and not _within_line(line_map, at, len(quote)):
        at = line_map._joined.find(quote, at + 1)
    return None if at < 0 else _line_of(line_map, at)


def _find_before(line_map: LineMap, quote: str, last_line: int, first_line: int) -> int | None:
    """The last line in ``first_line..last_line`` containing ``quote``."""
    if last_line < first_line or last_line < 0:
        return None
    low = line_map._starts[max(first_line, 0)]
    high = line_map._starts[last_line] + len(line_map._new_lines[last_line])
    at = line_map._joined.rfind(quote, low, high)
    while at >= 0 and not _within_line(line_map, at, len(quote)):
        at = line_map._joined.rfind(quote, low, at + len(quote) - 1)
    return None if at < 0 else _line_of(line_map, at)


def _found_in_line(anchor: Anchor, line_map: LineMap, line: int, quote: str) -> _Found:
    text = line_map._new_lines[line]
    hint = anchor.quote_offset or 0
    start = _best_occurrence(anchor, text, quote, _occurrences(text, quote, hint))
    return _Found(line, start, start + len(quote), 1.0)


def _find_exact(anchor: Anchor, quote: str, line_map: LineMap, predicted: int) -> _Found | None:
    """The quote verbatim: in the predicted line, else in the nearest line that has it."""
    text = line_map._new_lines[predicted]
    offset = anchor.quote_offset
    if offset is not None and text.startswith(quote, offset) and text.count(quote) == 1:
        return _Found(predicted, offset, offset + len(quote), 1.0)
    if quote in text:
        return _found_in_line(anchor, line_map, predicted, quote)
    after = _find_after(line_map, quote, predicted + 1)
    reach = predicted if after is None else after - predicted
    before = _find_before(line_map, quote, predicted - 1, predicted - reach)
    if after is None and before is None:
        return None
    if after is None or before is None:
        line = after if before is None else before
        assert line is not None
        return _found_in_line(anchor, line_map, line, quote)
    below = _found_in_line(anchor, line_map, after, quote)
    above = _found_in_line(anchor, line_map, before, quote)
    if after - predicted != predicted - before:
        return below if after - predicted < predicted - before else above
    # Equally near: let the surrounding text decide.
    text_below, text_above = line_map._new_lines[after], line_map._new_lines[before]
    below_context = _context_agreement(anchor, text_below, below.start, below.end)
    above_context = _context_agreement(anchor, text_above, above.start, above.end)
    return below if below_context > above_context else above


def _trim_punctuation(text: str, quote: str, start: int, end: int) -> tuple[int, int]:
    """Drop edge punctuation the quote does not have (a window of words picks up commas)."""
    if quote[:1].isalnum():
        while start < end and not text[start].isalnum():
            start += 1
    if quote[-1:].isalnum():
        while end > start and not text[end - 1].isalnum():
            end -= 1
    return start, end


def _token_key(token: str) -> str:
    # Four leading letters, ignoring case and punctuation, so "Lantern," and
    # "lanterns" still count as the same word for locating a window.
    core = token.strip(_PUNCTUATION).casefold()
    return core[:4] or token


@dataclass(frozen=True, slots=True)
class _Tokens:
    """A line's words: their spans and the keys they are compared by."""

    spans: tuple[tuple[int, int], ...]
    keys: tuple[str, ...]
    key_set: frozenset[str]


def _tokenise(text: str, known: dict[str, str]) -> _Tokens:
    """A line's tokens; ``known`` remembers the keys of words already seen (prose repeats)."""
    matches = list(_TOKEN.finditer(text))
    spans = tuple(match.span() for match in matches)
    keys = []
    for match in matches:
        word = match.group()
        key = known.get(word)
        if key is None:
            key = known[word] = _token_key(word)
        keys.append(key)
    return _Tokens(spans, tuple(keys), frozenset(keys))


def _word_windows(
    tokens: _Tokens, quote: str, quote_keys: frozenset[str], hint: int
) -> list[tuple[int, int]]:
    """Runs of whole words sharing the most words with ``quote``.

    Windows hold one word fewer to one more than the quote, so a replaced,
    dropped or added word still fits; only windows whose shared words cover
    ``_MIN_WORD_COVERAGE`` of the quote's characters are kept, best first
    (nearest ``hint`` among equals).
    """
    if quote_keys.isdisjoint(tokens.key_set):
        return []
    spans, keys = tokens.spans, tokens.keys
    if len(spans) > 2 * _MAX_WINDOW_WORDS:
        # A paragraph of tens of thousands of words: only around the old place.
        middle = bisect_right(spans, (hint, hint))
        low = max(0, middle - _MAX_WINDOW_WORDS)
        spans, keys = (
            spans[low : low + 2 * _MAX_WINDOW_WORDS],
            keys[low : low + 2 * _MAX_WINDOW_WORDS],
        )
    weights = [0]
    for (start, end), key in zip(spans, keys, strict=True):
        weights.append(weights[-1] + (end - start if key in quote_keys else 0))
    needed = _MIN_WORD_COVERAGE * len(quote)
    if weights[-1] < needed:
        return []
    size = len(quote.split())
    scored: list[tuple[int, int, int]] = []
    for width in range(max(1, size - 1), min(size + 1, len(spans)) + 1):
        for first in range(len(spans) - width + 1):
            covered = weights[first + width] - weights[first]
            if covered >= needed:
                scored.append((covered, spans[first][0], spans[first + width - 1][1]))
    # Among equally covered windows, the one nearest the quote's length, then its old place.
    best = heapq.nsmallest(
        _MAX_WINDOWS,
        scored,
        key=lambda w: (-w[0], abs(w[2] - w[1] - len(quote)), abs(w[1] - hint)),
    )
    return [(start, end) for _, start, end in best]


def _block_window(text: str, quote: str, hint: int) -> list[tuple[int, int]]:
    """The span implied by the longest common block, for a quote with no spaces to go by."""
    # In a very long paragraph, only around the old place (as for word windows).
    low = max(0, min(hint, len(text)) - _MAX_BLOCK_CHARS)
    high = min(len(text), low + 2 * _MAX_BLOCK_CHARS)
    matcher = SequenceMatcher(None, text, quote, autojunk=False)
    block = matcher.find_longest_match(low, high, 0, len(quote))
    if block.size < 3:
        return []
    start = max(0, block.a - block.b)
    return [(start, min(len(text), start + len(quote)))]


def _match_score(similarity: float, context: float, closeness: float) -> float:
    return _QUOTE_WEIGHT * similarity + _CONTEXT_WEIGHT * context + _CLOSENESS_WEIGHT * closeness


class _QuoteScorer:
    """Scores windows of candidate lines against one anchor's quote.

    Every window must reach ``floor`` (the threshold, then just above the best
    score so far); cheap upper bounds skip the windows and lines that cannot.
    Candidates come nearest first, so ties go to the nearer one.
    """

    __slots__ = (
        "anchor",
        "chars",
        "floor",
        "line_map",
        "predicted",
        "quote",
        "quote_keys",
        "words",
    )

    def __init__(self, anchor: Anchor, quote: str, line_map: LineMap, predicted: int) -> None:
        self.anchor = anchor
        self.quote = quote
        self.quote_keys = frozenset(_token_key(token) for token in quote.split())
        self.line_map = line_map
        self.predicted = predicted
        self.floor = FUZZY_THRESHOLD
        self.chars: SequenceMatcher[str] = SequenceMatcher(None, autojunk=False)
        self.chars.set_seq2(quote)
        self.words: SequenceMatcher[str] = SequenceMatcher(None, autojunk=False)
        self.words.set_seq2(quote.split())

    def best_in(self, line: int) -> _Found | None:
        """The window of new line ``line`` that beats the floor by most, if any."""
        closeness = _closeness(line, self.predicted)
        if _match_score(1.0, 1.0, closeness) < self.floor:
            return None
        text = self.line_map._new_lines[line]
        tokens = _tokens_of(self.line_map, line)
        windows = _word_windows(tokens, self.quote, self.quote_keys, self.anchor.quote_offset or 0)
        if not windows and len(self.quote.split()) == 1:
            windows = _block_window(text, self.quote, self.anchor.quote_offset or 0)
        best: _Found | None = None
        for window in windows:
            for start, end in {window, _trim_punctuation(text, self.quote, *window)}:
                found = self._score(text, line, start, end, closeness)
                if found is not None:
                    best = found
        return best

    def _score(self, text: str, line: int, start: int, end: int, closeness: float) -> _Found | None:
        if end <= start:
            return None
        self.chars.set_seq1(text[start:end])
        self.words.set_seq1(text[start:end].split())
        # Characters catch a respelt word, words a replaced one ("terrible" ->
        # "wonderful" shares few letters but leaves the phrase recognisable):
        # the similarity is the better of the two ratios. Bounds come first,
        # cheapest first; the costly character ratio is worked out last, only
        # when it could be the better one and still clear the floor.
        bound = max(self.chars.real_quick_ratio(), self.words.real_quick_ratio())
        if _match_score(bound, 1.0, closeness) < self.floor:
            return None
        chars_bound = self.chars.quick_ratio()
        if _match_score(max(chars_bound, self.words.quick_ratio()), 1.0, closeness) < self.floor:
            return None
        similarity = self.words.ratio()
        if _match_score(max(chars_bound, similarity), 1.0, closeness) < self.floor:
            return None
        context = _context_agreement(self.anchor, text, start, end)
        if chars_bound > similarity:
            if _match_score(chars_bound, context, closeness) < self.floor:
                return None
            similarity = max(self.chars.ratio(), similarity)
        score = _match_score(similarity, context, closeness)
        if score < self.floor:
            return None
        # Later candidates must do strictly better: on a tie the earlier one,
        # nearer the prediction or the old offset, stands.
        self.floor = score + _TIE
        return _Found(line, start, end, score)


def _best_fuzzy(
    scorer: _QuoteScorer, lines: Sequence[int], still_open: Callable[[], bool]
) -> _Found | None:
    best: _Found | None = None
    for line in lines:
        if not still_open():
            break  # out of time: the best so far, or outdated
        found = scorer.best_in(line)
        if found is not None:
            best = found
    return best


def _tokens_of(line_map: LineMap, line: int) -> _Tokens:
    # Memoised: in a heavy rewrite the same touched line is a candidate for many quotes.
    tokens = line_map._tokens.get(line)
    if tokens is None:
        tokens = line_map._tokens[line] = _tokenise(line_map._new_lines[line], line_map._keys)
    return tokens


def _touched_near(line_map: LineMap, predicted: int) -> list[int]:
    """Touched lines within ``_FUZZY_WINDOW`` of the prediction, nearest first."""
    touched = line_map._touched
    low = bisect_left(touched, predicted - _FUZZY_WINDOW)
    high = bisect_right(touched, predicted + _FUZZY_WINDOW)
    return sorted(touched[low:high], key=lambda line: abs(line - predicted))


class _TouchedWords:
    """Which touched lines hold which words: built once per revision, at the first far search.

    A quote's key word (four or more word characters) is in a line exactly
    when it lies inside one of the line's runs of word characters, so looking
    it up among the distinct runs finds the same lines as searching the whole
    touched text, at a fraction of the cost for every quote after the first.
    """

    __slots__ = ("_joined", "_lines", "_starts")

    def __init__(self, line_map: LineMap) -> None:
        runs: dict[str, list[int]] = {}
        for index in line_map._touched:
            for run in dict.fromkeys(_KEY_WORD.findall(line_map._new_lines[index])):
                runs.setdefault(run, []).append(index)
        self._lines = list(runs.values())
        self._joined = _SEPARATOR.join(runs)
        self._starts = _line_starts(list(runs))

    def lines_with(self, word: str, limit: int) -> set[int] | None:
        """Touched lines containing ``word``, or None if more than ``limit`` do."""
        found: set[int] = set()
        at = self._joined.find(word)
        while at >= 0:
            entry = bisect_right(self._starts, at) - 1
            found.update(self._lines[entry])
            if len(found) > limit:
                return None
            following = entry + 1
            at = (
                self._joined.find(word, self._starts[following])
                if following < len(self._starts)
                else -1
            )
        # Added in line order, as a search through the text meets them: the same set,
        # iterated the same way, so ties between candidates break as they always did.
        return set(sorted(found))


def _touched_with(line_map: LineMap, word: str, limit: int) -> set[int] | None:
    """Touched lines containing ``word``, or None if more than ``limit`` do."""
    if line_map._touched_words is None:
        line_map._touched_words = _TouchedWords(line_map)
    return line_map._touched_words.lines_with(word, limit)


def _touched_sharing_words(line_map: LineMap, quote: str, skip: set[int]) -> list[int]:
    """Touched lines containing at least half of the quote's longest distinctive words.

    Far from the prediction a match needs a quote similarity of about 0.7,
    which a line holding fewer than half of those words can hardly reach.
    """
    words = sorted(set(_KEY_WORD.findall(quote)), key=len, reverse=True)[:_MAX_KEY_WORDS]
    # A word found in most touched lines ("that", "with") singles nothing out.
    limit = max(_MAX_FUZZY_CANDIDATES, len(line_map._touched) // 4)
    shared: Counter[int] = Counter()
    for word in words:
        shared.update(_touched_with(line_map, word, limit) or ())
    needed = (len(words) + 1) // 2
    return [line for line, count in shared.items() if count >= needed and line not in skip]


def _find_fuzzy(
    anchor: Anchor, quote: str, line_map: LineMap, predicted: int, budget: SearchBudget
) -> _Found | None:
    """The best edited version of the quote in text the revision touched."""
    if len(quote) < MIN_FUZZY_QUOTE_CHARS or not line_map._touched:
        return None
    if not budget.near_open():
        return None
    scorer = _QuoteScorer(anchor, quote, line_map, predicted)
    near = _touched_near(line_map, predicted)
    found = _best_fuzzy(scorer, near, budget.near_open)
    if found is not None or not budget.far_open():
        return found
    far = sorted(
        _touched_sharing_words(line_map, quote, set(near)), key=lambda line: abs(line - predicted)
    )
    return _best_fuzzy(scorer, far[:_MAX_FUZZY_CANDIDATES], budget.far_open)


# --- relocating anchors -------------------------------------------------------


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
    mapping = line_map._old_to_new
    first = max(first, 0)
    last = min(last, len(mapping) - 1)
    surviving = [old for old in range(first, last + 1) if mapping[old] >= 0]
    if not surviving:
        return None
    start_old, end_old = surviving[0], surviving[-1]
    start, end = sorted((mapping[start_old], mapping[end_old]))
    score = min(line_map._similarity[start_old], line_map._similarity[end_old])
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
    added = line_map._added_before[end + 1] - line_map._added_before[start]
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
    size = len(line_map._new_lines)
    start = _clamp(min(anchor.line_start, anchor.line_end) - 1 + shift, size)
    end = _clamp(max(anchor.line_start, anchor.line_end) - 1 + shift, size)
    return min(start, quote_line), max(end, quote_line)


def _relocate_quote(
    anchor: Anchor, quote: str, line_map: LineMap, budget: SearchBudget
) -> Relocation:
    old_index = (anchor.quote_line or anchor.line_start) - 1
    if not 0 <= old_index < len(line_map._old_lines) or not line_map._new_lines:
        return _outdated(anchor)
    predicted = line_map._predicted[old_index]
    found = _find_exact(anchor, quote, line_map, predicted) or _find_fuzzy(
        anchor, quote, line_map, predicted, budget
    )
    if found is None:
        return _outdated(anchor)
    text = line_map._new_lines[found.line]
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
        return _relocate_quote(anchor, anchor.quote, line_map, budget or _UNLIMITED)
    if not line_map._new_lines:
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
