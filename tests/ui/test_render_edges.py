"""Card details a reader sees: whole lines around a quote, plain locations, mentions."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.models import Anchor, AnchorState, Comment, Excerpt, ExcerptStatus, Line
from bot.ui.comments import comment_embed, comment_location, marked_line
from bot.ui.escaping import escape, escape_embed
from tests.helpers import make_comment

T0 = datetime(2026, 1, 1, tzinfo=UTC)
USER = "<@123456789012345678>"


def _quoted(text: str, phrase: str, number: int = 7) -> Comment:
    offset = text.index(phrase)
    return make_comment(Anchor(number, number, phrase, number, offset))


# --- the line around a quote ---------------------------------------------------


def test_a_quote_near_the_end_of_a_505_character_line_shows_the_whole_line() -> None:
    text = "Opening words of a long paragraph, " + "and so on " * 44 + "the quoted bit at the end."
    assert 490 < len(text) < 520
    shown = marked_line(Line(7, text), _quoted(text, "the quoted bit"))
    assert "Opening words of a long paragraph" in shown
    assert "**the quoted bit**" in shown
    assert "…" not in shown


@given(
    st.integers(0, 3000),
    st.integers(1, 200),
    st.integers(0, 3000),
    st.integers(100, 1000),
)
def test_a_long_line_is_cut_to_the_budget_around_the_quote(
    before: int, length: int, after: int, limit: int
) -> None:
    text = "a" * before + "Q" * length + "b" * after
    shown = marked_line(Line(7, text), _quoted(text, "Q" * length), limit)
    assert "**" + "Q" * length + "**" in shown
    visible = len(re.sub(r"[^abQ]", "", shown))
    assert visible == min(len(text), max(limit, length + 60))


# --- where a comment stands ------------------------------------------------------


def test_locations_read_as_plain_words() -> None:
    moved = make_comment(
        Anchor(3, 6),
        anchor_state=AnchorState.MOVED,
        revision=2,
        origin_line_start=3,
        origin_line_end=3,
    )
    assert comment_location(moved, 2) == "lines 3–6 (was line 3 of revision 1)"
    outdated = replace(moved, anchor_state=AnchorState.OUTDATED, origin_line_end=4)
    assert comment_location(outdated, 2) == (
        "⌛ outdated (written on lines 3–4 of revision 1, whose text is gone)"
    )
    assert comment_location(moved, 2, original=True) == "line 3 of revision 1"
    assert comment_location(make_comment(Anchor(5, 5)), 1) == "line 5"
    assert "(s)" not in comment_location(moved, 2) + comment_location(outdated, 2)


# --- suggestions keep the reader's phrase -----------------------------------------


def test_the_card_shows_a_suggestion_against_the_phrase_the_reader_quoted() -> None:
    text = "He brewed the tea."
    applied = replace(
        _quoted(text, "brewed the tea"), suggestion="brewed the tea", origin_quote="went to make"
    )
    excerpt = Excerpt(1, 1, 1, "T", 3, "Ann", 5, 6, 2, ExcerptStatus.OPEN, None, 4, 7, T0, T0)
    field = comment_embed(applied, excerpt, [Line(7, text)]).fields[0]
    assert field.value == "~~went to make~~ → brewed the tea"


# --- mentions in embeds -------------------------------------------------------------


def test_well_formed_mentions_are_left_for_discord_to_show_as_names() -> None:
    text = f"{USER}, <@!{USER[2:-1]}>, <@&{USER[2:-1]}> and <#{USER[2:-1]}> **bold**"
    shown = escape_embed(text)
    assert shown.startswith(f"{USER}, <@!{USER[2:-1]}>, <@&{USER[2:-1]}> and <#{USER[2:-1]}>")
    assert shown.endswith("\\*\\*bold\\*\\*")


def test_anything_else_stays_escaped() -> None:
    for text in [
        "@everyone",
        "@here",
        "<@12>",
        "<@everyone>",
        "<t:1:R>",
        "<@123456789012345678",
        "<a:x:1>",
    ]:
        assert escape_embed(text) == escape(text)


_pieces = st.sampled_from(
    [
        USER,
        "<#123456789012345678>",
        "<@&123456789012345678>",
        "<@",
        "@everyone",
        "*",
        "_",
        "\n",
        "1. ",
        "> ",
        "#",
        "`",
        "<",
        "x",
        " ",
    ]
)


@given(st.lists(_pieces, max_size=12))
def test_only_the_tokens_differ_from_plain_escaping(pieces: list[str]) -> None:
    text = "".join(pieces)
    shown = escape_embed(text)
    # Removing the tokens from both leaves the same escaped text around them.
    token = re.compile(r"<(?:@[!&]?|#)\d{17,20}>")
    assert token.sub("", shown) == token.sub(
        "", escape(token.sub("\x00", text)).replace("\x00", "")
    )
    assert "@everyone" not in shown
