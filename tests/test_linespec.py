"""Reading line specs such as "12" and "12-14"."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import InvalidInput
from bot.linespec import MAX_SPEC_CHARS, parse_line_spec


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("12", (12, 12)),
        ("  12 ", (12, 12)),
        ("12-14", (12, 14)),
        ("12 - 14", (12, 14)),
        ("12–14", (12, 14)),
        ("12 — 14", (12, 14)),
        ("12−14", (12, 14)),
        ("12-12", (12, 12)),
        ("1-40", (1, 40)),
        ("40", (40, 40)),
        ("007", (7, 7)),
        ("line 3", (3, 3)),
        ("Lines 3-5", (3, 5)),
    ],
)
def test_accepted_specs(spec: str, expected: tuple[int, int]) -> None:
    assert parse_line_spec(spec, 40) == expected


def _message(spec: str, line_count: int = 40) -> str:
    with pytest.raises(InvalidInput) as info:
        parse_line_spec(spec, line_count)
    return str(info.value)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("", "Please give a line number or a range"),
        ("   ", "Please give a line number"),
        ("abc", "couldn't read “abc” as a line number"),
        ("12-", "couldn't read"),
        ("-", "couldn't read"),
        ("1,2", "couldn't read"),
        ("1.5", "couldn't read"),
        ("12-14-16", "couldn't read"),
        ("0", "numbered from 1"),
        ("0-3", "numbered from 1"),
        ("3-0", "numbered from 1"),
        ("-3", "can't be negative"),
        ("999", "There is no line 999"),
        ("39-41", "There is no line 41"),
        ("5-2", "did you mean `2-5`?"),
        ("1" * 100, "too long"),
        ("9" * (MAX_SPEC_CHARS - 1), "There is no line 9999"),
    ],
)
def test_refused_specs_explain_and_give_the_valid_range(spec: str, expected: str) -> None:
    message = _message(spec)
    assert expected in message
    assert "1–40" in message


def test_reversed_range_past_the_end_is_reported_as_past_the_end() -> None:
    # Suggesting "2-999" would only lead to a second error.
    assert "There is no line 999" in _message("999-2")


def test_echoed_input_is_shortened_and_flattened() -> None:
    message = _message("not a number\nat `all` really, no")
    assert "\n" not in message
    assert "`all`" not in message
    assert "…" in message


def test_single_line_excerpt_wording() -> None:
    assert parse_line_spec("1", 1) == (1, 1)
    assert "only line 1" in _message("2", 1)


def test_excerpt_without_lines() -> None:
    assert "no lines" in _message("1", 0)


@given(st.integers(1, 5000), st.data())
def test_every_valid_spec_round_trips(line_count: int, data: st.DataObject) -> None:
    first = data.draw(st.integers(1, line_count))
    last = data.draw(st.integers(first, line_count))
    assert parse_line_spec(str(first), line_count) == (first, first)
    assert parse_line_spec(f"{first}-{last}", line_count) == (first, last)
    assert parse_line_spec(f" {first} – {last} ", line_count) == (first, last)


_spec_like = st.text(alphabet=st.sampled_from("0123456789 -–—−lines\t"), max_size=15)


@given(st.one_of(st.text(max_size=60), _spec_like), st.integers(-2, 3000))
def test_any_string_parses_in_range_or_raises_invalid_input(spec: str, line_count: int) -> None:
    try:
        first, last = parse_line_spec(spec, line_count)
    except InvalidInput as error:
        assert str(error)
    else:
        assert 1 <= first <= last <= line_count


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("L7", (7, 7)),
        ("l7", (7, 7)),
        ("#7", (7, 7)),
        ("L 7", (7, 7)),
        ("L3-L5", (3, 5)),
        ("L3–5", (3, 5)),
        ("l3 - l5", (3, 5)),
        ("#3-#5", (3, 5)),
        ("lines 3-5", (3, 5)),
        ("line L7", (7, 7)),
    ],
)
def test_the_bots_own_line_labels_are_accepted(spec: str, expected: tuple[int, int]) -> None:
    # Autocomplete and the cards label lines "L4"; readers type what they see.
    assert parse_line_spec(spec, 40) == expected


@pytest.mark.parametrize("spec", ["L", "#", "LL7", "L-3", "x7", "L7L", "7L"])
def test_labels_without_a_number_or_doubled_are_refused(spec: str) -> None:
    with pytest.raises(InvalidInput):
        parse_line_spec(spec, 40)


_LABELS = st.sampled_from(["", "L", "l", "#", "L ", "# "])
_JOINS = st.sampled_from(["-", "–", "—", " - ", " – ", "−"])
_PREFIXES = st.sampled_from(["", "line ", "lines ", "Line ", "LINES"])


@given(st.integers(1, 2000), st.data())
def test_labelled_specs_round_trip(line_count: int, data: st.DataObject) -> None:
    first = data.draw(st.integers(1, line_count))
    last = data.draw(st.integers(first, line_count))
    prefix, join = data.draw(_PREFIXES), data.draw(_JOINS)
    label_first, label_last = data.draw(_LABELS), data.draw(_LABELS)
    single = f"{prefix}{label_first}{first}"
    ranged = f"{prefix}{label_first}{first}{join}{label_last}{last}"
    assert parse_line_spec(single, line_count) == (first, first)
    assert parse_line_spec(ranged, line_count) == (first, last)
    assert parse_line_spec(f"  {ranged.lower()} ", line_count) == (first, last)


@given(
    st.text(alphabet=st.sampled_from("0123456789 -–Ll#ines"), max_size=15),
    st.integers(-2, 3000),
)
def test_labelled_noise_parses_in_range_or_raises_invalid_input(spec: str, line_count: int) -> None:
    try:
        first, last = parse_line_spec(spec, line_count)
    except InvalidInput as error:
        assert str(error)
    else:
        assert 1 <= first <= last <= line_count
