"""difflib's matches worked out with ``str.find`` are difflib's matches, to the last bit."""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.models import Anchor
from bot.reanchor import _matching
from bot.reanchor._found import StoredContext, context_agreement
from bot.reanchor._matching import WordCodes, matched, ratio

# Few letters, so blocks tie often: the choice among equally long blocks is what could differ.
texts = st.text(alphabet="ab c", max_size=40)
word_lists = st.lists(
    st.sampled_from(("the", "salt", "salt,", "Salt", "a", "lantern")), max_size=30
)


def _difflib_matched(a: Sequence[str], b: Sequence[str]) -> int:
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks())


@settings(max_examples=600, deadline=None)
@given(texts, texts)
def test_characters_match_as_difflib_matches_them(a: str, b: str) -> None:
    assert matched(a, b) == _difflib_matched(a, b)
    assert ratio(a, b) == SequenceMatcher(None, a, b, autojunk=False).ratio()


@settings(max_examples=600, deadline=None)
@given(word_lists, word_lists)
def test_words_match_as_difflib_matches_them(a: list[str], b: list[str]) -> None:
    codes = WordCodes()
    coded_a, coded_b = codes.of(a), codes.of(b)
    assert matched(coded_a, coded_b) == _difflib_matched(a, b)
    assert ratio(coded_a, coded_b) == SequenceMatcher(None, a, b, autojunk=False).ratio()


@settings(max_examples=100, deadline=None)
@given(
    st.text(alphabet="abcd ", min_size=60, max_size=300), st.text(alphabet="abcd ", max_size=300)
)
def test_long_pairs_match_the_same_either_way(a: str, b: str) -> None:
    expected = _difflib_matched(a, b)
    assert matched(a, b) == expected
    with patch.object(_matching, "_LONG", 10**9):  # searched with str.find, however long
        assert matched(a, b) == expected


# --- one anchor's context, compared with many places -------------------------------

context_words = st.sampled_from(("the", "salt", "salt,", "Salt", "a", "lantern", "—", "of"))
context_texts = st.lists(
    st.tuples(context_words, st.sampled_from((" ", " ", "  "))), max_size=12
).map(lambda pairs: "".join(word + gap for word, gap in pairs))


@settings(max_examples=400, deadline=None)
@given(context_texts, context_texts, st.lists(context_texts, min_size=1, max_size=4))
def test_a_stored_context_agrees_as_each_comparison_alone(
    prefix: str, suffix: str, lines: list[str]
) -> None:
    anchor = Anchor(line_start=1, line_end=1, quote="q", prefix=prefix, suffix=suffix)
    stored = StoredContext(anchor)
    for line in lines:  # one table of codes across every comparison
        for start in range(0, len(line) + 1, 3):
            end = min(len(line), start + 2)
            agreement = stored.agreement(line, start, end)
            assert agreement == context_agreement(anchor, line, start, end)
            assert stored.bound(line, start, end) >= agreement


def test_far_candidates_are_chosen_the_same_way_in_every_process() -> None:
    """Among equally long words the quote is looked up by the first alphabetically, not by
    a set's order (which changes with each process's hash seed)."""
    from bot.reanchor._fuzzy import _touched_sharing_words
    from bot.reanchor._new_text import NewText

    lines = (
        "alpha bravo went here",
        "omega sigma stayed there",
        "delta gamma came later",
        "nothing to see",
    )
    text = NewText.of(lines, touched=range(len(lines)))
    quote = "sigma omega gamma delta bravo alpha"
    # Four of the six five-letter words: alpha, bravo, delta, gamma; two are needed.
    assert sorted(_touched_sharing_words(text, quote, set())) == [0, 2]
