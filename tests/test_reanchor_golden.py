"""Re-anchoring gives the same answers as before it was made faster.

Each digest condenses every relocation (lines, quote, offset, context, state and
score, repr'd exactly) and the line map of one case, as the implementation
before the speed-ups computed them. A change meant to be a pure speed-up must
leave them all alone; a change of behaviour must say so by updating them.
The cases come from ``bench.reanchor`` (the timed full rewrite among them) with
an unlimited search budget, so no answer depends on the machine's speed.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections.abc import Sequence
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench import reanchor as bench
from bot.models import Anchor
from bot.reanchor import SearchBudget, _new_text, build_line_map, relocate_all
from tests.test_reanchor import apply_edit, edits, revisions, span_anchor


def _digest(anchors: Sequence[Anchor], old: list[str], new: list[str]) -> str:
    relocations = relocate_all(anchors, old, new, SearchBudget(math.inf, math.inf))
    line_map = build_line_map(old, new)
    summary = [
        line_map.old_to_new,
        [repr(value) for value in line_map.similarity],
        line_map.predicted,
        line_map.new_text.touched,
        line_map.summary,
        [(r.anchor, r.state.value, repr(r.score)) for r in relocations],
    ]
    return hashlib.sha256(repr(summary).encode()).hexdigest()[:16]


def _revised(seed: int) -> tuple[list[Anchor], list[str], list[str]]:
    """A few hundred paragraphs, a third of them edited, inserted, deleted; respelt words."""
    rng = random.Random(seed)
    vocabulary = bench._vocabulary(rng, 400)
    old = [bench._paragraph(rng, vocabulary, 3) for _ in range(300)]
    new = bench._revise(rng, vocabulary, old, 0.35, 3)
    for _ in range(60):
        at = rng.randrange(len(new))
        line = new[at]
        cut = rng.randrange(len(line))
        new[at] = line[:cut] + rng.choice("aeiouy") + line[cut + 1 :]
    for _ in range(20):
        line = new.pop(rng.randrange(len(new)))
        new.insert(rng.randrange(len(new) + 1), bench._edit_words(rng, vocabulary, line))
    return bench._anchors(rng, old, 400), old, new


def _bench_case(name: str) -> tuple[list[Anchor], list[str], list[str]]:
    for make in bench.CASES:
        rng = random.Random(bench.SEED)
        case = make(rng, bench._vocabulary(rng))
        if case.name == name:
            return case.anchors, case.old, case.new
    raise LookupError(name)


GOLDEN = {
    "full rewrite": "341835d39c057677",
    "full rewrite, seed 7": "8a0248b5963f0b02",
    "typical": "790641391e6ea208",
    "revised 1": "d159cded1daa0be4",
    "revised 2": "2adf8a577582ec75",
    "revised 3": "fa10c0b00e72fc38",
    # Recorded before the second round of speed-ups: paragraphs of thousands of words.
    "repeated words": "87ac2a9b43cd7a32",
    "repeated words, rewritten": "748eb4ea3a751855",
    "full rewrite, 5,000 lines": "39dd966a9262ef42",
}


def _case(name: str) -> tuple[list[Anchor], list[str], list[str]]:
    if name == "full rewrite":
        return bench.full_rewrite_case()
    if name == "full rewrite, seed 7":
        return bench.full_rewrite_case(7)
    if name.startswith("revised"):
        return _revised(int(name.split()[-1]))
    return _bench_case(name)


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_relocations_are_as_before(name: str) -> None:
    assert _digest(*_case(name)) == GOLDEN[name]


# --- the word index finds what searching the text finds -----------------------------

MESSY_WORDS = ("salt", "salt,", "Salt", "a", "the", "(lantern)", "lanterns", "sa", "lt", "—")
messy_lines = st.lists(
    st.tuples(st.sampled_from(MESSY_WORDS), st.sampled_from((" ", " ", "  ", "\t"))),
    min_size=1,
    max_size=12,
).map(lambda pairs: "".join(word + gap for word, gap in pairs).strip() or "a")


@st.composite
def messy_revisions(draw: st.DrawFn) -> tuple[list[Anchor], list[str], list[str]]:
    """Short texts of look-alike words and uneven spaces; quotes cut anywhere, even mid-word."""
    old = draw(st.lists(messy_lines, min_size=1, max_size=12))
    new = list(old)
    for edit in draw(st.lists(edits, max_size=6)):
        apply_edit(new, edit)
    new = [line.replace(draw(st.sampled_from(MESSY_WORDS)), "salt", 1) for line in new]
    anchors = []
    for number in draw(st.lists(st.integers(1, len(old)), min_size=1, max_size=10)):
        text = old[number - 1]
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        if text[start:end].strip() == text[start:end]:
            anchors.append(span_anchor(old, number, start, end))
    return anchors, old, new


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(messy_revisions(), revisions().map(lambda case: (case[2], case[0], case[1]))))
def test_the_word_index_finds_what_searching_the_text_finds(
    case: tuple[list[Anchor], list[str], list[str]],
) -> None:
    anchors, old, new = case
    searched = relocate_all(anchors, old, new)  # a few quotes: the text is searched
    with (
        patch.object(_new_text, "_SEARCHES_BEFORE_INDEX", 0),
        patch.object(_new_text, "_MOST_LINES", 1),  # and never too common to index
    ):
        indexed = relocate_all(anchors, old, new)
    assert indexed == searched


@settings(max_examples=200, deadline=None)
@given(
    st.lists(messy_lines, min_size=1, max_size=8),
    st.sampled_from(("salt", "lantern", "ante", "Salt", "lanterns", "ntern")),
)
def test_the_words_of_every_line_find_what_the_touched_words_find(
    lines: list[str], word: str
) -> None:
    """A far search through a full rewrite looks words up among every line's words."""
    every = _new_text.NewText.of(tuple(lines), range(len(lines)))
    by_touched_words = every._touched_words.lines_with(every, word, 3)
    expected = None if by_touched_words is None else set(sorted(by_touched_words))
    assert every.touched_with(word, 3) == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(messy_lines, min_size=1, max_size=4).map(" ".join))
def test_a_lines_tokens_are_its_runs_of_non_space(line: str) -> None:
    """Token starts worked out from the word lengths are where the runs of non-space start."""
    text = _new_text.NewText.of((line, "\u2003".join(line.split(" "))), [0, 1])
    for index, tokens in ((0, text.tokens(0)), (1, text.tokens(1))):
        runs = [match.span() for match in re.finditer(r"\S+", text.lines[index])]
        spans = [
            (start, start + length)
            for start, length in zip(tokens.starts, tokens.lengths, strict=True)
        ]
        assert spans == runs
