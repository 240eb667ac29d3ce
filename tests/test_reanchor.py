"""Carrying comments across a revision: properties over random edits, then real scenarios."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import FrozenInstanceError, dataclass
from difflib import SequenceMatcher
from pathlib import Path
from random import Random
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.models import CONTEXT_CHARS, Anchor, AnchorState
from bot.reanchor import (
    ABSORBED_SHARE,
    FUZZY_THRESHOLD,
    SAME_PARAGRAPH_RATIO,
    LineMap,
    Relocation,
    RevisionSummary,
    SearchBudget,
    _exact,
    _line_map,
    build_line_map,
    relocate,
    relocate_all,
    summarize,
)

# --- helpers ------------------------------------------------------------------


def span_anchor(
    lines: Sequence[str],
    number: int,
    start: int,
    end: int,
    *,
    line_start: int | None = None,
    line_end: int | None = None,
) -> Anchor:
    """An anchor quoting ``lines[number - 1][start:end]``, as ``/comment add`` records one."""
    text = lines[number - 1]
    return Anchor(
        line_start=number if line_start is None else line_start,
        line_end=number if line_end is None else line_end,
        quote=text[start:end],
        quote_line=number,
        quote_offset=start,
        prefix=text[max(0, start - CONTEXT_CHARS) : start],
        suffix=text[end : end + CONTEXT_CHARS],
    )


def quoted(
    lines: Sequence[str],
    number: int,
    quote: str,
    *,
    occurrence: int = 0,
    line_end: int | None = None,
) -> Anchor:
    """An anchor on ``quote`` in line ``number``, at its ``occurrence``-th appearance there."""
    start = -1
    for _ in range(occurrence + 1):
        start = lines[number - 1].index(quote, start + 1)
    return span_anchor(lines, number, start, start + len(quote), line_end=line_end)


def located(relocation: Relocation, lines: Sequence[str]) -> str:
    """The text the relocated anchor's quote/offset point at in ``lines``."""
    anchor = relocation.anchor
    assert anchor.quote is not None
    assert anchor.quote_line is not None
    assert anchor.quote_offset is not None
    text = lines[anchor.quote_line - 1]
    return text[anchor.quote_offset : anchor.quote_offset + len(anchor.quote)]


def one(anchor: Anchor, old: Sequence[str], new: Sequence[str]) -> Relocation:
    (relocation,) = relocate_all([anchor], old, new)
    return relocation


# --- properties over random edits ----------------------------------------------

VOCABULARY = (
    "amber harbour lantern salt quiet window orchard thread copper winter letter bridge kettle "
    "sparrow ledger candle meadow rust violin pebble cellar ribbon thunder needle gravel velvet "
    "ink the a and of she he was in to her said never again"
)
WORDS = tuple(VOCABULARY.split(" "))

paragraphs = st.lists(st.sampled_from(WORDS), min_size=3, max_size=14).map(" ".join)
excerpts = st.lists(paragraphs, min_size=1, max_size=14, unique=True)


@dataclass(frozen=True)
class Insert:
    at: int
    text: str


@dataclass(frozen=True)
class Delete:
    at: int


@dataclass(frozen=True)
class Move:
    source: int
    target: int


@dataclass(frozen=True)
class ChangeWord:
    at: int
    word_index: int
    word: str


Edit = Insert | Delete | Move | ChangeWord

positions = st.integers(min_value=0, max_value=1_000)
edits = st.one_of(
    st.builds(Insert, positions, paragraphs),
    st.builds(Delete, positions),
    st.builds(Move, positions, positions),
    st.builds(ChangeWord, positions, positions, st.sampled_from(WORDS)),
)


def apply_edit(lines: list[str], edit: Edit) -> None:
    if isinstance(edit, Insert):
        lines.insert(edit.at % (len(lines) + 1), edit.text)
    elif not lines:
        return
    elif isinstance(edit, Delete):
        del lines[edit.at % len(lines)]
    elif isinstance(edit, Move):
        text = lines.pop(edit.source % len(lines))
        lines.insert(edit.target % (len(lines) + 1), text)
    else:
        words = lines[edit.at % len(lines)].split(" ")
        words[edit.word_index % len(words)] = edit.word
        lines[edit.at % len(lines)] = " ".join(words)


@st.composite
def anchors_on(draw: st.DrawFn, lines: Sequence[str]) -> Anchor:
    number = draw(st.integers(1, len(lines)))
    kind = draw(st.sampled_from(("quote", "quote in range", "line", "range")))
    if kind == "line":
        return Anchor(number, number)
    if kind == "range":
        return Anchor(number, draw(st.integers(number, len(lines))))
    text = lines[number - 1]
    start = draw(st.integers(0, len(text) - 1))
    end = draw(st.integers(start + 1, min(len(text), start + 40)))
    # Quotes are stored stripped, like the ones readers type.
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        return Anchor(number, number)
    if kind == "quote":
        return span_anchor(lines, number, start, end)
    first = draw(st.integers(1, number))
    last = draw(st.integers(number, len(lines)))
    return span_anchor(lines, number, start, end, line_start=first, line_end=last)


@st.composite
def revisions(draw: st.DrawFn) -> tuple[list[str], list[str], list[Anchor]]:
    old = draw(excerpts)
    new = list(old)
    for edit in draw(st.lists(edits, max_size=6)):
        apply_edit(new, edit)
    anchors = draw(st.lists(anchors_on(old), min_size=1, max_size=12))
    return old, new, anchors


fast = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(revisions())
def test_a_surviving_quote_is_found_verbatim(
    case: tuple[list[str], list[str], list[Anchor]],
) -> None:
    old, new, anchors = case
    for anchor, relocation in zip(anchors, relocate_all(anchors, old, new), strict=True):
        if anchor.quote is None or not any(anchor.quote in line for line in new):
            continue
        assert relocation.state is not AnchorState.OUTDATED
        assert relocation.anchor.quote == anchor.quote
        assert located(relocation, new) == anchor.quote
        assert relocation.score == 1.0


@fast
@given(revisions())
def test_every_quote_points_at_its_text(case: tuple[list[str], list[str], list[Anchor]]) -> None:
    old, new, anchors = case
    for relocation in relocate_all(anchors, old, new):
        if relocation.state is AnchorState.OUTDATED or relocation.anchor.quote is None:
            continue
        assert located(relocation, new) == relocation.anchor.quote
        anchor = relocation.anchor
        assert anchor.quote_line is not None
        assert anchor.line_start <= anchor.quote_line <= anchor.line_end
        assert relocation.score >= FUZZY_THRESHOLD


@fast
@given(revisions())
def test_no_comment_is_dropped_or_reordered(
    case: tuple[list[str], list[str], list[Anchor]],
) -> None:
    old, new, anchors = case
    results = relocate_all(anchors, old, new)
    line_map = build_line_map(old, new)
    assert results == [relocate(anchor, line_map) for anchor in anchors]
    for anchor, relocation in zip(anchors, results, strict=True):
        if relocation.state is AnchorState.OUTDATED:
            assert relocation.anchor == anchor
            assert relocation.score == 0.0


@fast
@given(excerpts.flatmap(lambda lines: st.tuples(st.just(lines), st.lists(anchors_on(lines)))))
def test_an_unchanged_revision_anchors_everything_in_place(
    case: tuple[list[str], list[Anchor]],
) -> None:
    lines, anchors = case
    for anchor, relocation in zip(anchors, relocate_all(anchors, lines, list(lines)), strict=True):
        assert relocation == Relocation(anchor, AnchorState.ANCHORED, 1.0)


@fast
@given(revisions())
def test_line_numbers_stay_within_the_new_text(
    case: tuple[list[str], list[str], list[Anchor]],
) -> None:
    old, new, anchors = case
    for relocation in relocate_all(anchors, old, new):
        if relocation.state is AnchorState.OUTDATED:
            continue
        anchor = relocation.anchor
        assert 1 <= anchor.line_start <= anchor.line_end <= len(new)
        if anchor.quote_line is not None:
            assert 1 <= anchor.quote_line <= len(new)
        assert 0.0 < relocation.score <= 1.0


@fast
@given(revisions())
def test_the_summary_accounts_for_every_line(
    case: tuple[list[str], list[str], list[Anchor]],
) -> None:
    old, new, _ = case
    summary = summarize(build_line_map(old, new))
    assert summary.unchanged + summary.changed + summary.removed == len(old)
    # Merged paragraphs are several changed old lines in one new line.
    assert summary.unchanged + summary.added <= len(new)
    assert len(new) <= summary.unchanged + summary.changed + summary.added
    assert min(summary.added, summary.removed, summary.changed, summary.unchanged) >= 0


# --- scenarios -------------------------------------------------------------------

STORY = [
    "The ferry to Kell Island ran twice a week, and Maren had missed both of them.",
    "She sat on her suitcase at the end of the pier and counted gulls until the counting "
    "felt like a kind of prayer.",
    "The harbourmaster came out with two cups of tea and said the tide was turning, "
    "as if that settled anything.",
    "His name was Osei, and he had kept the harbour for thirty years without once "
    "setting foot on the island.",
    "\u201cThere's nothing over there but sheep and my sister,\u201d he said. "
    "\u201cAnd the sheep are friendlier.\u201d",
    "Maren laughed for the first time since the funeral, a short surprised sound that "
    "the wind carried off.",
    "She had come to return a brass key that her grandmother had kept in a biscuit tin "
    "for forty years.",
    "Nobody had told her which door it opened, only that it mattered.",
    "By evening the fog had rolled in so thick that the lighthouse beam looked like a "
    "ladle stirring milk.",
    "Osei lit the stove in his office and said the tide was turning again, and this time "
    "he seemed to mean it.",
    "At midnight a fishing boat nosed out of the fog with its engine coughing, and the "
    "skipper waved her aboard without a word.",
    "She held the key so tightly the whole crossing that its teeth left a row of small "
    "red hills across her palm.",
]


def test_a_paragraph_inserted_at_the_top_shifts_everything_by_one() -> None:
    new = ["A note before the story: the island is real, the ferry is not.", *STORY]
    anchors = [Anchor(n, n) for n in range(1, 13)] + [
        quoted(STORY, 7, "a brass key"),
        quoted(STORY, 3, "two cups of tea", line_end=4),
    ]
    results = relocate_all(anchors, STORY, new)
    for anchor, relocation in zip(anchors, results, strict=True):
        assert relocation.state is AnchorState.MOVED
        assert relocation.score == 1.0
        assert relocation.anchor.line_start == anchor.line_start + 1
        assert relocation.anchor.line_end == anchor.line_end + 1
        assert relocation.anchor.quote == anchor.quote
    assert results[-2].anchor.quote_line == 8
    assert located(results[-2], new) == "a brass key"
    assert summarize(build_line_map(STORY, new)) == RevisionSummary(
        added=1, removed=0, changed=0, unchanged=12
    )


def test_a_word_changed_inside_a_quote_is_found_fuzzily() -> None:
    new = list(STORY)
    new[6] = new[6].replace("a brass key", "a small iron key")
    relocation = one(quoted(STORY, 7, "return a brass key that her grandmother"), STORY, new)
    assert relocation.state is AnchorState.MOVED
    assert relocation.anchor.quote == "return a small iron key that her grandmother"
    assert relocation.anchor.line_start == relocation.anchor.quote_line == 7
    assert located(relocation, new) == relocation.anchor.quote
    assert FUZZY_THRESHOLD <= relocation.score < 1.0


def test_a_respelt_word_inside_a_quote_is_found_fuzzily() -> None:
    new = list(STORY)
    new[2] = new[2].replace("harbourmaster", "harbormaster")
    relocation = one(quoted(STORY, 3, "The harbourmaster came out"), STORY, new)
    assert relocation.anchor.quote == "The harbormaster came out"
    assert relocation.state is AnchorState.MOVED


def test_a_lookalike_phrase_far_away_is_not_taken_for_a_deleted_quote() -> None:
    new = [*STORY[:6], *STORY[7:], "Years later she bought a brass kettle that her aunt had kept."]
    anchor = quoted(STORY, 7, "a brass key that her grandmother had kept")
    assert one(anchor, STORY, new) == Relocation(anchor, AnchorState.OUTDATED, 0.0)


def test_a_quote_edited_beyond_recognition_is_outdated() -> None:
    new = list(STORY)
    new[6] = "She had come to give back something she could not name."
    anchor = quoted(STORY, 7, "a biscuit tin")
    assert one(anchor, STORY, new) == Relocation(anchor, AnchorState.OUTDATED, 0.0)


def test_a_short_quote_must_survive_verbatim() -> None:
    new = list(STORY)
    new[3] = new[3].replace("His name", "Her name")
    anchor = quoted(STORY, 4, "His")
    assert one(anchor, STORY, new).state is AnchorState.OUTDATED


def test_a_deleted_paragraph_outdates_its_comments_and_the_rest_follow() -> None:
    new = STORY[:7] + STORY[8:]  # line 8 ("Nobody had told her...") is cut
    on_deleted = [Anchor(8, 8), quoted(STORY, 8, "which door it opened")]
    after = [Anchor(9, 9), quoted(STORY, 12, "red hills")]
    before = [Anchor(2, 2), quoted(STORY, 7, "biscuit tin")]
    results = relocate_all(on_deleted + after + before, STORY, new)
    for anchor, relocation in zip(on_deleted, results[:2], strict=True):
        assert relocation == Relocation(anchor, AnchorState.OUTDATED, 0.0)
    assert [r.anchor.line_start for r in results[2:4]] == [8, 11]
    assert all(r.state is AnchorState.MOVED for r in results[2:4])
    assert [r.state for r in results[4:]] == [AnchorState.ANCHORED] * 2
    assert results[4].anchor == before[0]
    assert results[5].anchor == before[1]


def test_a_range_loses_a_deleted_end_line_but_keeps_the_rest() -> None:
    new = STORY[:7] + STORY[8:]
    relocation = one(Anchor(6, 8), STORY, new)
    assert relocation.state is AnchorState.MOVED
    assert (relocation.anchor.line_start, relocation.anchor.line_end) == (6, 7)


def test_swapped_paragraphs_take_their_comments_with_them() -> None:
    new = list(STORY)
    new[3], new[4] = new[4], new[3]
    anchors = [
        Anchor(4, 4),
        Anchor(5, 5),
        quoted(STORY, 4, "thirty years"),
        quoted(STORY, 5, "sheep and my sister"),
    ]
    results = relocate_all(anchors, STORY, new)
    assert [r.anchor.line_start for r in results] == [5, 4, 5, 4]
    assert all(r.state is AnchorState.MOVED and r.score == 1.0 for r in results)
    assert located(results[2], new) == "thirty years"


def test_a_quoted_range_keeps_its_shape_when_its_quote_moves_far() -> None:
    new = [*STORY[:1], *STORY[3:], STORY[1], STORY[2]]  # lines 2-3 move to the end
    relocation = one(quoted(STORY, 3, "two cups of tea", line_end=4), STORY, new)
    assert relocation.anchor.quote_line == 12
    assert (relocation.anchor.line_start, relocation.anchor.line_end) == (12, 12)
    relocation = one(quoted(STORY, 2, "counted gulls", line_end=3), STORY, new)
    assert (relocation.anchor.line_start, relocation.anchor.line_end) == (11, 12)


def test_a_moved_paragraph_carries_its_comments_far() -> None:
    new = [*STORY[:1], *STORY[2:], STORY[1]]  # line 2 becomes the last line
    results = relocate_all([Anchor(2, 2), quoted(STORY, 2, "counted gulls")], STORY, new)
    assert [r.anchor.line_start for r in results] == [12, 12]


def test_a_repeated_quote_follows_the_predicted_occurrence() -> None:
    # "the tide was turning" is in lines 3 and 10; comment on each.
    first, second = (
        quoted(STORY, 3, "the tide was turning"),
        quoted(STORY, 10, "the tide was turning"),
    )
    new = [*STORY[:5], "A new paragraph about the gulls.", *STORY[5:]]
    results = relocate_all([first, second], STORY, new)
    assert [r.anchor.quote_line for r in results] == [3, 11]
    assert results[0].state is AnchorState.ANCHORED
    assert results[1].state is AnchorState.MOVED


def test_a_quote_gone_from_its_line_goes_to_the_nearest_line_that_has_it() -> None:
    new = list(STORY)
    new[9] = "Osei lit the stove in his office and said nothing at all."
    relocation = one(quoted(STORY, 10, "the tide was turning"), STORY, new)
    assert relocation.anchor.quote_line == 3
    assert relocation.state is AnchorState.MOVED


def test_a_quote_repeated_within_its_line_keeps_its_own_occurrence() -> None:
    lines = ["the sea, the sea, and then the sea again", "Another line."]
    new = ["Before.", "the sea, the sea, and then the sea again", "Another line."]
    for occurrence in range(3):
        relocation = one(quoted(lines, 1, "the sea", occurrence=occurrence), lines, new)
        assert (
            relocation.anchor.quote_offset
            == quoted(lines, 1, "the sea", occurrence=occurrence).quote_offset
        )
        assert relocation.anchor.quote_line == 2


def test_a_split_paragraph_sends_each_comment_to_its_half() -> None:
    split_at = STORY[10].index(", and the")
    first_half = STORY[10][:split_at] + "."
    second_half = "The" + STORY[10][split_at + len(", and the") :]
    new = [*STORY[:10], first_half, second_half, *STORY[11:]]
    anchors = [
        Anchor(11, 11),
        quoted(STORY, 11, "engine coughing"),
        quoted(STORY, 11, "waved her aboard"),
        Anchor(12, 12),
    ]
    results = relocate_all(anchors, STORY, new)
    assert [r.anchor.line_start for r in results] == [11, 11, 12, 13]
    assert results[1].state is AnchorState.ANCHORED
    assert results[2].state is AnchorState.MOVED
    assert located(results[2], new) == "waved her aboard"
    assert 0.6 <= results[0].score < 1.0


def test_merged_paragraphs_keep_the_comments_of_both() -> None:
    new = [*STORY[:4], STORY[4] + " " + STORY[5], *STORY[6:]]
    results = relocate_all([Anchor(5, 5), Anchor(6, 6), Anchor(5, 6), Anchor(7, 7)], STORY, new)
    assert [(r.anchor.line_start, r.anchor.line_end) for r in results] == [
        (5, 5),
        (5, 5),
        (5, 5),
        (6, 6),
    ]
    assert [r.state for r in results] == [
        AnchorState.ANCHORED,
        AnchorState.MOVED,
        AnchorState.MOVED,
        AnchorState.MOVED,
    ]


def test_a_much_expanded_paragraph_keeps_its_line_comments() -> None:
    new = list(STORY)
    new[7] += (
        " Not the lawyer, not her mother, not the neighbour who had found the tin under the "
        "sink and carried it over wrapped in a tea towel as if it might go off."
    )
    relocation = one(Anchor(8, 8), STORY, new)
    assert relocation.anchor == Anchor(8, 8)
    assert relocation.state is AnchorState.ANCHORED


def test_an_edited_paragraph_keeps_its_line_comments() -> None:
    new = list(STORY)
    new[8] = new[8].replace("so thick", "so heavy")
    relocation = one(Anchor(9, 9), STORY, new)
    assert relocation.anchor == Anchor(9, 9)
    assert relocation.state is AnchorState.ANCHORED  # same line, no quote to differ
    assert 0.6 <= relocation.score < 1.0


def test_a_rewritten_paragraph_outdates_its_line_comments() -> None:
    new = list(STORY)
    new[8] = "Night came early, grey and wet, and nobody spoke of the lighthouse."
    relocation = one(Anchor(9, 9), STORY, new)
    assert relocation.state is AnchorState.OUTDATED


def test_a_moved_and_edited_paragraph_is_found_by_its_quote() -> None:
    edited = STORY[6].replace("forty years", "fifty long years")
    new = [*STORY[:6], *STORY[7:11], edited, STORY[11]]
    relocation = one(quoted(STORY, 7, "biscuit tin for forty years"), STORY, new)
    assert relocation.anchor.quote_line == 11
    assert relocation.anchor.quote == "biscuit tin for fifty long years"


def test_everything_is_outdated_when_the_new_text_is_empty() -> None:
    anchors = [Anchor(1, 1), Anchor(2, 4), quoted(STORY, 3, "two cups")]
    assert [r.state for r in relocate_all(anchors, STORY, [])] == [AnchorState.OUTDATED] * 3


def test_the_summary_counts_a_typical_revision() -> None:
    new = ["Prologue.", *STORY[:7], *STORY[8:]]
    new[6] = new[6].replace("surprised", "startled")
    assert summarize(build_line_map(STORY, new)) == RevisionSummary(
        added=1, removed=1, changed=1, unchanged=10
    )
    line_map = build_line_map(STORY, new)
    assert line_map.new_line_for(1) == 2
    assert line_map.new_line_for(8) is None


def test_the_line_map_is_read_only() -> None:
    """One map serves every anchor of a revision: nothing may rewrite it on the way."""
    line_map = build_line_map(STORY, STORY[1:])
    assert line_map.old_to_new[0] == -1 and line_map.predicted[1] == 0
    with pytest.raises(FrozenInstanceError):
        line_map.new_lines = ()  # type: ignore[misc]


def test_only_the_package_reaches_its_private_modules() -> None:
    """The rest of the bot, the cogs and the benches use what ``bot.reanchor`` exports."""
    root = Path(__file__).resolve().parent.parent
    outside = [
        path
        for folder in ("bot", "cogs", "bench")
        for path in (root / folder).rglob("*.py")
        if (root / "bot" / "reanchor") not in path.parents
    ]
    offenders = [
        str(path.relative_to(root))
        for path in outside
        if "bot.reanchor._" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


# --- bounded work: same answers, bounded time (issue: a revise burnt 34 s of CPU) --------


def _all_pairs_candidates(
    olds: list[int],
    news: list[int],
    old_lines: Sequence[str],
    new_lines: Sequence[str],
    _effort: object,
) -> list[tuple[float, int, int]]:
    """The pairing as it was: every (old, new) pair visited, those off the band skipped."""
    full = len(olds) * len(news) <= _line_map.FULL_PAIRING_CELLS
    scale = len(news) / len(olds)
    found: list[tuple[float, int, int]] = []
    for new_pos, new in enumerate(news):
        new_words = new_lines[new].split()
        for old_pos, old in enumerate(olds):
            if not full and abs(new_pos - old_pos * scale) > _line_map.PAIRING_BAND:
                continue
            old_words = old_lines[old].split()
            ratio = SequenceMatcher(None, old_words, new_words, autojunk=False).ratio()
            if ratio >= SAME_PARAGRAPH_RATIO:
                found.append((ratio, old, new))
    return found


def _all_pairs_absorb(
    draft: Any, old_lines: Sequence[str], new_lines: Sequence[str], _effort: object
) -> None:
    """Absorbing leftovers as it was: every new line of the block visited."""
    for i1, i2, j1, j2 in draft.replace_blocks:
        scale = (j2 - j1) / (i2 - i1)
        full = (i2 - i1) * (j2 - j1) <= _line_map.FULL_PAIRING_CELLS
        for old in range(i1, i2):
            if draft.old_to_new[old] >= 0:
                continue
            old_words = old_lines[old].split()
            best_share, best_new = 0.0, -1
            for new in range(j1, j2):
                if not full and abs((new - j1) - (old - i1) * scale) > _line_map.PAIRING_BAND:
                    continue
                new_words = new_lines[new].split()
                matcher = SequenceMatcher(None, old_words, new_words, autojunk=False)
                share = sum(b.size for b in matcher.get_matching_blocks()) / len(old_words)
                if share > best_share:
                    best_share, best_new = share, new
            if best_share < ABSORBED_SHARE:
                continue
            words = new_lines[best_new].split()
            ratio = SequenceMatcher(None, old_words, words, autojunk=False).ratio()
            if draft.new_to_old[best_new] < 0:
                _line_map.link(draft, old, best_new, ratio)
            else:
                draft.old_to_new[old] = best_new
                draft.similarity[old] = ratio
                draft.predicted[old] = best_new


@st.composite
def rewrites(draw: st.DrawFn) -> tuple[list[str], list[str], list[Anchor]]:
    """Long excerpts with most lines edited: replace blocks far over the full-pairing size."""
    old = draw(st.lists(paragraphs, min_size=22, max_size=60, unique=True))
    new = []
    for line in old:
        words = line.split(" ")
        for _ in range(draw(st.integers(1, 3))):
            words[draw(st.integers(0, len(words) - 1))] = draw(st.sampled_from(WORDS))
        new.append(" ".join(words))
    for edit in draw(st.lists(edits, max_size=8)):
        apply_edit(new, edit)
    # Paragraphs merged (or grown): what absorbing leftovers is for.
    for at in draw(st.lists(st.integers(0, 1_000), max_size=4)):
        if len(new) > 1:
            at %= len(new) - 1
            new[at : at + 2] = [new[at] + " " + new[at + 1]]
    anchors = draw(st.lists(anchors_on(old), min_size=1, max_size=12))
    return old, new, anchors


def _map_of(line_map: LineMap) -> tuple[Sequence[int], Sequence[float], Sequence[int]]:
    return line_map.old_to_new, line_map.similarity, line_map.predicted


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(rewrites(), revisions()))
def test_the_banded_line_map_is_the_all_pairs_one(
    case: tuple[list[str], list[str], list[Anchor]],
) -> None:
    old, new, anchors = case
    banded = build_line_map(old, new)
    with (
        patch.object(_line_map, "_block_candidates", _all_pairs_candidates),
        patch.object(_line_map, "_absorb_leftovers", _all_pairs_absorb),
    ):
        all_pairs = build_line_map(old, new)
    assert _map_of(banded) == _map_of(all_pairs)
    assert [relocate(a, banded) for a in anchors] == [relocate(a, all_pairs) for a in anchors]


def _repeated(words: Sequence[str], chars: int = 190_000) -> str:
    text = " ".join(words[index % len(words)] for index in range(chars // 6))
    return text[: text.rfind(" ", 0, chars)]


FIVE_WORDS = ("salt", "lantern", "harbour", "quiet", "window")


def _quoted_in(line: str, count: int) -> list[Anchor]:
    rng = Random(11)
    found = []
    for _ in range(count):
        start = line.index(" ", rng.randrange(len(line) - 100)) + 1
        end = line.index(" ", start + rng.randint(8, 40))
        found.append(span_anchor([line], 1, start, end))
    return found


def _cpu_seconds(action: Callable[[], object]) -> float:
    started = time.process_time()
    action()
    return time.process_time() - started


def test_a_paragraph_of_five_repeated_words_revises_quickly() -> None:
    # Was 18-34 s of CPU (the line map compared 31,000 words with 31,000, quadratically
    # on repeats); the target is under 2 s, the bound generous so a slow CI stays green.
    old = [_repeated(FIVE_WORDS)]
    words = old[0].split(" ")
    edited_at = len(" ".join(words[: len(words) // 2]))
    replaced = words[len(words) // 2]
    words[len(words) // 2] = "lighthouse"
    new = [" ".join(words)]
    anchors = [*_quoted_in(old[0], 60), Anchor(1, 1)]
    results: list[Relocation] = []
    elapsed = _cpu_seconds(lambda: results.extend(relocate_all(anchors, old, new)))
    assert elapsed < 6.0, f"{elapsed:.1f} s"
    # Every quote keeps its own occurrence, however often its words repeat: the
    # same offset before the edited word, shifted by the longer word after it.
    assert {r.state for r in results} == {AnchorState.ANCHORED}
    shift = len("lighthouse") - len(replaced)
    for anchor, relocation in zip(anchors[:-1], results, strict=False):
        assert anchor.quote_offset is not None
        moved = anchor.quote_offset + (shift if anchor.quote_offset > edited_at else 0)
        assert relocation.anchor.quote_offset == moved
        assert located(relocation, new) == anchor.quote


def test_a_paragraph_of_five_repeated_words_rewritten_revises_quickly() -> None:
    old = [_repeated(FIVE_WORDS)]
    new = [_repeated(FIVE_WORDS[::-1])]
    anchors = _quoted_in(old[0], 60)
    results: list[Relocation] = []
    elapsed = _cpu_seconds(lambda: results.extend(relocate_all(anchors, old, new)))
    assert elapsed < 6.0, f"{elapsed:.1f} s"
    assert len(results) == len(anchors)
    for relocation in results:
        if relocation.state is not AnchorState.OUTDATED:
            assert located(relocation, new) == relocation.anchor.quote


def _prose(rng: Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) + rng.choice(("", "", "s", "ed")) for _ in range(words))


def test_a_full_rewrite_of_two_thousand_lines_maps_quickly() -> None:
    # Every line edited: one 2,000 x 2,000 replace block. Visiting every pair to keep
    # the band took about 0.5 s of CPU for the line map alone; the band alone ~0.1 s.
    rng = Random(5)
    old = [_prose(rng, rng.randint(8, 18)) for _ in range(2_000)]
    new = []
    for line in old:
        words = line.split(" ")
        words[rng.randrange(len(words))] = rng.choice(WORDS)
        new.append(" ".join(words) + " again")
    elapsed = min(_cpu_seconds(lambda: build_line_map(old, new)) for _ in range(3))
    assert elapsed < 0.3, f"{elapsed * 1000:.0f} ms"


def test_fuzzy_search_stops_when_the_budget_is_spent() -> None:
    new = list(STORY)
    new[6] = STORY[6].replace("forty years", "fifty long years")
    anchors = [quoted(STORY, 7, "biscuit tin for forty years"), quoted(STORY, 3, "two cups")]
    line_map = build_line_map(STORY, new)
    spent = SearchBudget(far_seconds=0.0, near_seconds=0.0)
    fuzzy, exact = (relocate(anchor, line_map, spent) for anchor in anchors)
    assert fuzzy.state is AnchorState.OUTDATED  # would have been found fuzzily
    assert relocate(anchors[0], line_map).state is AnchorState.MOVED
    assert exact.state is AnchorState.ANCHORED  # verbatim quotes need no budget


def test_the_far_search_stops_before_the_near_one() -> None:
    now = [0.0]
    budget = SearchBudget(far_seconds=1.0, near_seconds=2.0, clock=lambda: now[0])
    assert budget.far_open() and budget.near_open()
    now[0] = 1.5
    assert not budget.far_open() and budget.near_open()
    now[0] = 2.5
    assert not budget.far_open() and not budget.near_open()


def test_a_quote_repeated_thousands_of_times_keeps_its_occurrence() -> None:
    line = "the tide " * 20_000 + "the lantern"
    old = [line]
    anchor = quoted(old, 1, "the tide", occurrence=11_000)
    new = ["Prologue.", line.replace("the lantern", "a lantern")]
    relocation = one(anchor, old, new)
    assert relocation.anchor.quote_line == 2
    assert relocation.anchor.quote_offset == anchor.quote_offset


@fast
@given(
    st.text(alphabet="ab ", max_size=300),
    st.text(alphabet="ab", min_size=1, max_size=3),
    st.integers(0, 320),
)
def test_the_occurrences_weighed_are_the_nearest_to_the_old_offset(
    line: str, quote: str, hint: int
) -> None:
    every = [at for at in range(len(line)) if line.startswith(quote, at)]
    nearest = sorted(sorted(every, key=lambda at: (abs(at - hint), at))[: _exact._MAX_OCCURRENCES])
    assert _exact._occurrences(line, quote, hint) == nearest
