"""Measuring critique: the word counting and the credit scale, with property tests."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.exchange import (
    credit_halves,
    critique_words,
    format_halves,
    parse_halves,
    substantive_words,
)
from bot.exchange._words import shingles

STORY = [
    "The keeper climbed the stairs at dusk, as he had done for forty years,",
    "counting each step aloud so the dark would know he was coming.",
    "At the top the lamp waited, cold and patient, and the sea below it kept its own count.",
    "He never once wondered who had built the tower or why it leaned toward the north.",
]
STORY_SHINGLES = shingles([STORY])
STORY_WORDS = " ".join(STORY).split()

words = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8), min_size=0, max_size=60
)


def test_the_scale_at_its_edges() -> None:
    assert [credit_halves(w) for w in (0, 149, 150, 299, 300, 599, 600, 899, 900, 10**6)] == [
        0, 0, 1, 1, 2, 2, 3, 3, 4, 4,
    ]  # fmt: skip


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=10**6))
def test_the_scale_is_monotone_and_bounded(a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert 0 <= credit_halves(low) <= credit_halves(high) <= 4


@given(st.integers(min_value=300, max_value=10**5))
def test_half_a_credit_more_per_300_words(w: int) -> None:
    assert credit_halves(w) == min(4, 2 + (w - 300) // 300)


def test_pasting_the_story_earns_nothing() -> None:
    pasted = " ".join(STORY * 10)  # far more than 400 copied words
    assert substantive_words(pasted, STORY_SHINGLES) == 0


def test_short_echoes_of_the_story_still_count() -> None:
    # Seven words of the story in a row are a quotation a critic may make.
    text = "I love 'the keeper climbed the stairs at dusk' here"
    assert substantive_words(text, STORY_SHINGLES) == len(text.split())


@given(words, st.integers(min_value=0, max_value=len(STORY_WORDS) - 8), st.integers(8, 30))
def test_appending_story_text_never_adds_words(own: list[str], start: int, length: int) -> None:
    pasted = " ".join(STORY_WORDS[start : start + length])
    before = substantive_words(" ".join(own), STORY_SHINGLES)
    after = substantive_words(" ".join([*own, "|", pasted]), STORY_SHINGLES)
    assert after <= before + 0  # the run is removed whole


@given(words, words)
def test_new_distinct_text_never_lowers_a_critique(first: list[str], second: list[str]) -> None:
    one = critique_words([" ".join(first)], STORY_SHINGLES)
    both = critique_words([" ".join(first), " ".join(second)], STORY_SHINGLES)
    assert both >= one


@given(words, st.integers(min_value=1, max_value=20))
def test_a_text_repeated_counts_once(own: list[str], times: int) -> None:
    text = " ".join(own)
    assert critique_words([text] * times, STORY_SHINGLES) == critique_words([text], STORY_SHINGLES)


@given(words)
def test_words_of_ones_own_are_all_counted(own: list[str]) -> None:
    # Lowercase nonsense words never form a run of the story.
    text = " ".join(f"zq{word}" for word in own)
    assert substantive_words(text, STORY_SHINGLES) == len(own)


def test_amounts() -> None:
    assert [parse_halves(typed, 1000) for typed in ("1", "-2", "0.5", "+1.5", " 3 ")] == [
        2, -4, 1, 3, 6,
    ]  # fmt: skip
    for bad in ("abc", "0.3", "1e9", "", "1.25", "2000", "--1", "1/2", "nan", "inf"):
        assert parse_halves(bad, 1000) is None, bad
    assert [format_halves(h) for h in (0, 1, 2, 3, -1, -4)] == [
        "0",
        "0.5",
        "1",
        "1.5",
        "-0.5",
        "-2",
    ]


@given(st.integers(min_value=-2000, max_value=2000))
def test_amounts_round_trip(halves: int) -> None:
    assert parse_halves(format_halves(halves), 1000) == halves
