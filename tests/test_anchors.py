"""Anchoring comments on lines and quoted phrases; checking suggestions."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.anchors import MAX_QUOTE_CHARS, build_anchor, check_suggestion
from bot.errors import InvalidInput
from bot.models import CONTEXT_CHARS, Anchor

LINES = [
    "It was a dark and stormy night.",
    "The Rain fell in torrents, except at occasional intervals.",
    "the rain fell again; The rain, they said, would never stop.",
    "She said “don’t go” and went.\nThen she came back.",
]


def _located(anchor: Anchor) -> str:
    assert anchor.quote is not None
    assert anchor.quote_line is not None
    assert anchor.quote_offset is not None
    text = LINES[anchor.quote_line - 1]
    return text[anchor.quote_offset : anchor.quote_offset + len(anchor.quote)]


# --- build_anchor without a quote -------------------------------------------


@pytest.mark.parametrize("quote", [None, "", "   ", "\n\t"])
def test_no_quote_gives_a_plain_line_anchor(quote: str | None) -> None:
    assert build_anchor(LINES, 2, 3, quote) == Anchor(2, 3)


def test_unvalidated_range_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        build_anchor(LINES, 0, 1, None)
    with pytest.raises(ValueError):
        build_anchor(LINES, 3, 2, None)
    with pytest.raises(ValueError):
        build_anchor(LINES, 1, 5, None)


# --- build_anchor with a quote ----------------------------------------------


def test_exact_quote_records_position_and_context() -> None:
    anchor = build_anchor(LINES, 1, 1, "  stormy  ")
    assert anchor == Anchor(
        line_start=1,
        line_end=1,
        quote="stormy",
        quote_line=1,
        quote_offset=LINES[0].index("stormy"),
        prefix="It was a dark and ",
        suffix=" night.",
    )


def test_context_is_capped_at_context_chars() -> None:
    lines = ["a" * 100 + "NEEDLE" + "b" * 100]
    anchor = build_anchor(lines, 1, 1, "NEEDLE")
    assert anchor.prefix == "a" * CONTEXT_CHARS
    assert anchor.suffix == "b" * CONTEXT_CHARS


def test_quote_at_line_edges_has_short_context() -> None:
    anchor = build_anchor(LINES, 1, 1, "It was")
    assert (anchor.prefix, anchor.quote_offset) == ("", 0)
    anchor = build_anchor(LINES, 1, 1, "night.")
    assert anchor.suffix == ""


def test_case_sensitive_match_anywhere_in_range_beats_earlier_case_insensitive_one() -> None:
    # Line 2 has "The Rain" (differs in case); line 3 has "The rain" exactly.
    anchor = build_anchor(LINES, 2, 3, "The rain")
    assert (anchor.quote_line, anchor.quote) == (3, "The rain")
    assert anchor.quote_offset == LINES[2].index("The rain")


def test_case_insensitive_fallback_keeps_the_authors_casing() -> None:
    anchor = build_anchor(LINES, 2, 2, "the rain FELL")
    assert anchor.quote == "The Rain fell"
    assert (anchor.quote_line, anchor.quote_offset) == (2, 0)


def test_first_line_in_range_wins_among_equal_matches() -> None:
    anchor = build_anchor(LINES, 2, 3, "rain")
    assert (anchor.quote_line, anchor.quote) == (3, "rain")  # line 2 has only "Rain"
    anchor = build_anchor(LINES, 2, 3, "fell")
    assert anchor.quote_line == 2


def test_quote_may_span_source_lines_of_a_paragraph() -> None:
    anchor = build_anchor(LINES, 4, 4, "went.\r\nThen")
    assert anchor.quote == "went.\nThen"
    assert _located(anchor) == anchor.quote


def test_whitespace_and_quote_marks_are_matched_leniently_as_a_last_resort() -> None:
    # Slash-command options can't hold a newline, and keyboards type straight quotes.
    anchor = build_anchor(LINES, 4, 4, 'said "don\'t go" and went. Then')
    assert anchor.quote == "said “don’t go” and went.\nThen"
    assert _located(anchor) == anchor.quote


def test_regex_characters_in_quote_are_literal() -> None:
    lines = ["Price: $5 (approx.) [sic] a+b*c? ^_^ \\o/"]
    for phrase in ["$5 (approx.)", "[sic]", "a+b*c?", "^_^ \\o/"]:
        anchor = build_anchor(lines, 1, 1, phrase)
        assert anchor.quote == phrase


def test_quote_outside_the_range_is_not_found() -> None:
    with pytest.raises(InvalidInput) as info:
        build_anchor(LINES, 2, 3, "stormy")
    message = str(info.value)
    assert "“stormy”" in message
    assert "lines 2–3" in message
    assert "copied exactly" in message
    assert "one line" in message


def test_quote_across_two_lines_is_not_found() -> None:
    with pytest.raises(InvalidInput, match="line 1"):
        build_anchor(LINES[:2], 1, 1, "night. The Rain")
    with pytest.raises(InvalidInput, match="within one line"):
        build_anchor(LINES, 1, 2, "night. The Rain")


def test_long_missing_quote_is_shortened_in_the_message() -> None:
    quote = "never written " * 20
    with pytest.raises(InvalidInput) as info:
        build_anchor(LINES, 1, 1, quote)
    message = str(info.value)
    assert "…" in message
    assert len(message) < 300


def test_overlong_quote_is_refused() -> None:
    lines = ["x" * 2000]
    assert build_anchor(lines, 1, 1, "x" * MAX_QUOTE_CHARS).quote == "x" * MAX_QUOTE_CHARS
    with pytest.raises(InvalidInput, match="1,000 characters"):
        build_anchor(lines, 1, 1, "x" * (MAX_QUOTE_CHARS + 1))


# --- check_suggestion -------------------------------------------------------


def test_no_suggestion() -> None:
    assert check_suggestion(None, None) is None
    assert check_suggestion("quote", None) is None
    assert check_suggestion("quote", "   ") is None


def test_suggestion_is_stripped() -> None:
    assert check_suggestion("dark", "  gloomy ") == "gloomy"


def test_change_of_case_is_a_real_suggestion() -> None:
    assert check_suggestion("the rain", "The rain") == "The rain"


@pytest.mark.parametrize("quote", [None, "", "  "])
def test_suggestion_needs_a_quote(quote: str | None) -> None:
    with pytest.raises(InvalidInput) as info:
        check_suggestion(quote, "gloomy")
    message = str(info.value)
    assert "replaces a quoted phrase" in message
    assert "quote:" in message


def test_suggestion_equal_to_quote_is_refused() -> None:
    with pytest.raises(InvalidInput, match="same as the quote"):
        check_suggestion(" dark ", "dark  ")


def test_overlong_suggestion_is_refused() -> None:
    assert check_suggestion("a", "b" * 1000) == "b" * 1000
    with pytest.raises(InvalidInput, match="1,000 characters"):
        check_suggestion("a", "b" * 1001)


# --- properties -------------------------------------------------------------

_alphabet = st.sampled_from("abcABC ßſKk\u0130i\u00e9E\u0301’'\"“\n")
_lines = st.lists(st.text(_alphabet, min_size=1, max_size=30), min_size=1, max_size=6)


@given(_lines, st.data())
def test_stored_quote_is_the_exact_text_at_its_offset(
    lines: list[str], data: st.DataObject
) -> None:
    start = data.draw(st.integers(1, len(lines)))
    end = data.draw(st.integers(start, len(lines)))
    quote = data.draw(st.text(_alphabet, min_size=1, max_size=8))
    try:
        anchor = build_anchor(lines, start, end, quote)
    except InvalidInput:
        return
    if anchor.quote is None:
        assert not quote.strip()
        return
    assert anchor.quote_line is not None and anchor.quote_offset is not None
    assert start <= anchor.quote_line <= end
    text = lines[anchor.quote_line - 1]
    offset = anchor.quote_offset
    assert text[offset : offset + len(anchor.quote)] == anchor.quote
    assert anchor.prefix == text[max(0, offset - CONTEXT_CHARS) : offset]
    assert anchor.suffix == text[offset + len(anchor.quote) :][:CONTEXT_CHARS]


@given(_lines, st.data())
def test_case_sensitive_hits_are_preferred(lines: list[str], data: st.DataObject) -> None:
    start = data.draw(st.integers(1, len(lines)))
    end = data.draw(st.integers(start, len(lines)))
    # Take the quote from a line of the range, so an exact hit always exists.
    source = lines[data.draw(st.integers(start, end)) - 1]
    i = data.draw(st.integers(0, len(source) - 1))
    j = data.draw(st.integers(i + 1, len(source)))
    quote = source[i:j].strip()
    assume(quote)
    anchor = build_anchor(lines, start, end, quote)
    first_exact = next(n for n in range(start, end + 1) if quote in lines[n - 1])
    assert anchor.quote == quote
    assert anchor.quote_line == first_exact
    assert anchor.quote_offset == lines[first_exact - 1].index(quote)


@given(st.one_of(st.none(), st.text(max_size=20)), st.one_of(st.none(), st.text(max_size=20)))
def test_check_suggestion_returns_stripped_text_or_raises_invalid_input(
    quote: str | None, suggestion: str | None
) -> None:
    try:
        result = check_suggestion(quote, suggestion)
    except InvalidInput:
        return
    if result is not None:
        assert result == result.strip() and result
        assert quote is not None and result != quote.strip()
