"""The line map's shortcuts: the pairing bands of a replace block, followed from one
new line to the next, are the bands each new line would find on its own; a pair
its prefilter scores clearly over the bar passes ``could_match``."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Indel

from bot.reanchor._line_map import _SURELY, PAIRING_BAND, _bands, _span
from bot.reanchor._paragraphs import Paragraph


def _band_alone(new_pos: int, scale: float, count: int) -> range:
    """The band of one new position, sought from scratch: ``_span`` trimmed at both ends."""
    band = _span((new_pos - PAIRING_BAND) / scale, (new_pos + PAIRING_BAND) / scale, count)
    low, high = band.start, band.stop
    while low < high and abs(new_pos - low * scale) > PAIRING_BAND:
        low += 1
    while high > low and abs(new_pos - (high - 1) * scale) > PAIRING_BAND:
        high -= 1
    return range(low, high)


def _every_position_in_band(new_pos: int, scale: float, count: int) -> list[int]:
    return [old for old in range(count) if abs(new_pos - old * scale) <= PAIRING_BAND]


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 3_000), st.integers(1, 3_000))
def test_bands_followed_along_are_the_bands_sought_alone(olds: int, news: int) -> None:
    scale = news / olds
    for new_pos, (low, high) in enumerate(_bands(news, scale, olds)):
        assert list(range(low, high)) == list(_band_alone(new_pos, scale, olds))


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 200), st.integers(1, 200))
def test_bands_hold_every_position_within_reach(olds: int, news: int) -> None:
    scale = news / olds
    for new_pos, (low, high) in enumerate(_bands(news, scale, olds)):
        assert list(range(low, high)) == _every_position_in_band(new_pos, scale, olds)


codes = st.text(alphabet="abcdef", max_size=30)


@settings(max_examples=500, deadline=None)
@given(codes, codes)
def test_a_prefilter_score_clearly_over_the_bar_could_match(old: str, new: str) -> None:
    """``_likely`` lets a pair scored at least ``_SURELY`` skip ``could_match``."""
    if Indel.normalized_similarity(new, old) >= _SURELY:
        assert Paragraph(list(old), old).could_match(Paragraph(list(new), new))
