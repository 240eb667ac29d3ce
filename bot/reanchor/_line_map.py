"""The line map: how the lines of one revision became the lines of the next.

Built once per revision and shared by every anchor:

1. The lines are diffed (``_diff``): equal blocks map line to line.
2. Lines the diff left unmatched are paired with an *identical* unmatched
   line anywhere in the new text (the one nearest where the diff expected
   it): that is how a moved or swapped paragraph keeps its comments.
3. Inside each ``replace`` block, the lines still unmatched are paired by
   similarity, best pair first: a difflib ratio over the paragraphs' *words*
   of at least ``SAME_PARAGRAPH_RATIO`` (0.6) means "the same paragraph,
   edited". Large blocks only compare lines within a diagonal band, and a
   pair is compared with difflib only when a set-intersection bound says it
   could reach the pairing ratio (the bound is above difflib's own quick
   ratios, so the pairs found are the same).
4. An old line still unpaired in a replace block follows the new line of its
   block that holds at least ``ABSORBED_SHARE`` (0.8) of its words in order:
   two paragraphs merged into one, or a paragraph much expanded. Merging is
   the one case where two old lines map to the same new line.
5. Every old line gets a *predicted* new line: its partner if it has one,
   otherwise the place in the new text where it would have stood.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate, repeat

from rapidfuzz import process
from rapidfuzz.distance import Indel

from bot.reanchor._diff import intern_lines, opcodes
from bot.reanchor._new_text import NewText
from bot.reanchor._paragraphs import (
    ABSORBED_SHARE,
    SAME_PARAGRAPH_RATIO,
    Effort,
    LineWords,
    Paragraph,
    containment,
    paragraph_ratio,
    word_ratio,
)

FULL_PAIRING_CELLS = 400  # replace blocks up to this many line pairs compare all pairs
PAIRING_BAND = 8  # otherwise, lines compared within this many of the diagonal
_SURELY = SAME_PARAGRAPH_RATIO + 1e-9  # a prefilter score this high passes could_match


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


@dataclass(frozen=True, slots=True, eq=False)
class LineMap:
    """How the lines of one revision became the lines of the next.

    Build it with ``build_line_map``; its answers never change (``new_text``
    only memoises tokenised lines), so one map serves any number of anchors.
    Indexes are 0-based inside, line numbers 1-based outside. Per old index:
    ``old_to_new`` its new index (-1 if removed), ``similarity`` the word
    ratio to it, ``predicted`` where it is or would have stood. Per new index
    ``k``, ``added_before[k]`` counts the first ``k`` new lines no old line maps to.
    """

    old_lines: tuple[str, ...]
    new_lines: tuple[str, ...]
    old_to_new: tuple[int, ...]
    similarity: tuple[float, ...]
    predicted: tuple[int, ...]
    added_before: tuple[int, ...]
    summary: RevisionSummary
    new_text: NewText

    def new_line_for(self, old_line: int) -> int | None:
        """The new number of old line ``old_line`` (1-based), or None if it was removed."""
        if not 1 <= old_line <= len(self.old_lines):
            return None
        index = self.old_to_new[old_line - 1]
        return None if index < 0 else index + 1


def _added_before(new_count: int, old_to_new: Sequence[int]) -> tuple[int, ...]:
    """``result[k]``: how many of the first ``k`` new lines no old line maps to."""
    sources = set(old_to_new)
    return (0, *accumulate(int(new not in sources) for new in range(new_count)))


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


def clamp(index: int, size: int) -> int:
    """``index`` kept inside ``range(size)``: a predicted line never points past the text."""
    return max(0, min(index, size - 1))


@dataclass(slots=True)
class _Draft:
    """The line map while it is being built."""

    old_to_new: list[int]
    new_to_old: list[int]
    similarity: list[float]
    predicted: list[int]
    replace_blocks: list[tuple[int, int, int, int]]


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
    for tag, i1, i2, j1, j2 in opcodes(old_ids, new_ids):
        for offset, old in enumerate(range(i1, i2)):
            if tag == "equal":
                draft.old_to_new[old] = j1 + offset
                draft.new_to_old[j1 + offset] = old
                draft.similarity[old] = 1.0
                draft.predicted[old] = j1 + offset
            else:
                # Where the line would stand had it survived in place.
                draft.predicted[old] = clamp(j1 + min(offset, max(j2 - j1 - 1, 0)), new_count)
        if tag == "replace":
            draft.replace_blocks.append((i1, i2, j1, j2))
    return draft


def link(draft: _Draft, old: int, new: int, similarity: float) -> None:
    """Pair old line ``old`` with new line ``new``, both ways; it is predicted there."""
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
        link(draft, old, nearest, 1.0)


def _span(low: float, high: float, count: int) -> range:
    """Indexes of ``range(count)`` that may lie in ``[low, high]``: the pairing band.

    One wider on each side than asked, so float rounding never drops an
    index; callers apply their exact band test to what it yields. Visiting
    only the band keeps a 2,000-line rewrite from looking at four million
    pairs to compare thirty thousand.
    """
    return range(max(0, math.floor(low) - 1), min(count, math.ceil(high) + 2))


def _likely(
    new: Paragraph, old_codes: list[str], low: int, high: int
) -> Sequence[tuple[int, bool]]:
    """Positions in ``low..high - 1`` (in order) whose paragraph might be ``new`` edited,
    in one C call, each with whether it surely passes ``Paragraph.could_match``.

    A loose prefilter (a hundredth under the bar, so rounding never drops a
    pair): ``Paragraph.could_match`` (in ``paragraph_ratio``) still decides each
    survivor, but for those clearly over the bar (``_SURELY``: the same longest
    common subsequence, far beyond any rounding).
    """
    if high - low < 4:
        return [(position, False) for position in range(low, high)]
    kept = process.extract(
        new.code,
        old_codes[low:high],
        scorer=Indel.normalized_similarity,
        score_cutoff=SAME_PARAGRAPH_RATIO - 0.01,
        limit=None,
    )
    return sorted((low + index, score >= _SURELY) for _, score, index in kept)


def _bands(news: int, scale: float, count: int) -> Iterator[tuple[int, int]]:
    """For each new position in turn, the old positions ``low..high - 1`` within
    ``PAIRING_BAND`` of it.

    ``abs(new_pos - old_pos * scale)`` falls then rises with ``old_pos`` (so
    does its rounding), so the positions that pass are one run; its ends only
    move forwards as ``new_pos`` rises, so each band goes on from the last one
    instead of being sought afresh: a pass over the block for all its bands.
    """
    low = high = 0
    for new_pos in range(news):
        while low < count and new_pos - low * scale > PAIRING_BAND:
            low += 1
        # The positions from ``low`` up to the last band's end are in this band too.
        high = max(high, low)
        while high < count and abs(new_pos - high * scale) <= PAIRING_BAND:
            high += 1
        yield low, high


def _block_candidates(
    olds: list[int],
    news: list[int],
    old_lines: Sequence[str],
    new_lines: Sequence[str],
    effort: Effort,
) -> list[tuple[float, int, int]]:
    """Similar (old, new) line pairs inside one replace block, with their word ratio."""
    full = len(olds) * len(news) <= FULL_PAIRING_CELLS
    scale = len(news) / len(olds)
    paragraphs = Paragraph.all_of(
        [*map(old_lines.__getitem__, olds), *map(new_lines.__getitem__, news)]
    )
    old_words = paragraphs[: len(olds)]
    old_codes = [paragraph.code for paragraph in old_words]
    found: list[tuple[float, int, int]] = []
    bands = repeat((0, len(olds)), len(news)) if full else _bands(len(news), scale, len(olds))
    for new, new_words, (low, high) in zip(news, paragraphs[len(olds) :], bands, strict=True):
        for old_pos, surely in _likely(new_words, old_codes, low, high):
            ratio = paragraph_ratio(old_words[old_pos], new_words, effort, could_match=surely)
            if ratio >= SAME_PARAGRAPH_RATIO:
                found.append((ratio, olds[old_pos], new))
    return found


def _pair_similar(
    draft: _Draft, old_lines: Sequence[str], new_lines: Sequence[str], effort: Effort
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
                link(draft, old, new, ratio)


def _absorb_leftovers(
    draft: _Draft, old_lines: Sequence[str], new_lines: Sequence[str], effort: Effort
) -> None:
    """Send old lines still unpaired in a replace block into the new line that contains them.

    Two paragraphs merged into one, or one paragraph grown to three times its
    length, fall below the pairing ratio although every word of the old line
    is still there; a reader would say the old paragraph lives on in the new one.
    """
    new_words = LineWords(new_lines)
    for i1, i2, j1, j2 in draft.replace_blocks:
        scale = (j2 - j1) / (i2 - i1)
        full = (i2 - i1) * (j2 - j1) <= FULL_PAIRING_CELLS
        for old in range(i1, i2):
            if draft.old_to_new[old] >= 0:
                continue
            old_words = old_lines[old].split()
            best_share, best_new = 0.0, -1
            diagonal = (old - i1) * scale
            band = _span(diagonal - PAIRING_BAND, diagonal + PAIRING_BAND, j2 - j1)
            for new in range(j1, j2) if full else range(j1 + band.start, j1 + band.stop):
                if not full and abs((new - j1) - (old - i1) * scale) > PAIRING_BAND:
                    continue
                share = containment(old_words, new_words, new, effort)
                if share > best_share:
                    best_share, best_new = share, new
            if best_share < ABSORBED_SHARE:
                continue
            ratio = word_ratio(old_words, new_words.words(best_new), effort)
            if draft.new_to_old[best_new] < 0:
                link(draft, old, best_new, ratio)
            else:
                # A merge: several old lines now live in one new line.
                draft.old_to_new[old] = best_new
                draft.similarity[old] = ratio
                draft.predicted[old] = best_new


def build_line_map(old_lines: Sequence[str], new_lines: Sequence[str]) -> LineMap:
    """Diff two revisions' lines once; the result relocates any number of anchors."""
    old_ids, new_ids = intern_lines(old_lines, new_lines)
    draft = _diff_lines(old_ids, new_ids)
    _pair_identical(draft, old_ids, new_ids)
    effort = Effort()
    _pair_similar(draft, old_lines, new_lines, effort)
    _absorb_leftovers(draft, old_lines, new_lines, effort)
    return _finished(tuple(old_lines), tuple(new_lines), draft)


def _finished(old_lines: tuple[str, ...], new_lines: tuple[str, ...], draft: _Draft) -> LineMap:
    """The built map, frozen, with what every relocation reads worked out once."""
    old_to_new = draft.old_to_new
    touched = _touched_lines(old_lines, new_lines, old_to_new)
    return LineMap(
        old_lines=old_lines,
        new_lines=new_lines,
        old_to_new=tuple(old_to_new),
        similarity=tuple(draft.similarity),
        predicted=tuple(draft.predicted),
        added_before=_added_before(len(new_lines), old_to_new),
        summary=_summary_of(old_lines, new_lines, old_to_new),
        new_text=NewText.of(new_lines, touched),
    )


def summarize(line_map: LineMap) -> RevisionSummary:
    """How many lines the revision added, removed, changed and left alone."""
    return line_map.summary
