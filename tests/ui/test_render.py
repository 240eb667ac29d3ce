"""Escaping and message packing: every line once, in order, within Discord's limits."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import replace
from datetime import UTC, datetime
from typing import cast

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.models import (
    Anchor,
    Comment,
    Excerpt,
    ExcerptStatus,
    Line,
)
from bot.ui.comments import comment_embed, marked_line
from bot.ui.escaping import CONTINUATION, escape, split_long
from bot.ui.excerpts import LINE_SEPARATOR, excerpt_messages, pack_lines, render_line
from bot.ui.pages import (
    EMBED_DESCRIPTION_LIMIT,
    EMBEDS_PER_MESSAGE,
    MESSAGE_EMBED_TOTAL_LIMIT,
    embed_size,
)
from tests.helpers import make_comment

NOW = datetime(2026, 11, 25, tzinfo=UTC)


def make_excerpt(lines: int, warning: str | None = None) -> Excerpt:
    return Excerpt(
        id=1,
        guild_id=1,
        number=7,
        title="Title *with* stars",
        author_id=1,
        author_name="Ann",
        channel_id=1,
        thread_id=None,
        revision=1,
        status=ExcerptStatus.OPEN,
        content_warning=warning,
        word_count=10,
        line_count=lines,
        created_at=NOW,
        updated_at=NOW,
    )


def test_escape_shows_markdown_literally():
    assert escape("*a* _b_ `c` ~~d~~ ||e||") == r"\*a\* \_b\_ \`c\` \~\~d\~\~ \|\|e\|\|"
    assert escape("# Heading") == r"\# Heading"
    assert escape("-# small") == r"\-# small" or escape("-# small").startswith("\\")
    assert escape("> quote") == r"\> quote"
    assert escape("1. one") == r"1\. one"
    assert escape("[link](http://x.y)") == r"\[link](http://x.y)"
    assert escape("<@123456789012345678>") == "\\<@\u200b123456789012345678>"
    assert escape("@everyone") == "@\u200beveryone"
    assert escape("plain words, émoji 🎉 and עברית") == "plain words, émoji 🎉 and עברית"


def test_header_rides_in_the_first_message():
    lines = [Line(1, "Hello.")]
    messages = excerpt_messages(make_excerpt(1, warning="gore"), lines)
    assert len(messages) == 1
    embeds, plan = messages[0]
    assert embeds[0].title is not None and embeds[0].description is not None
    assert embeds[0].title.startswith("📖") and "||gore||" in embeds[0].description
    assert embeds[1].description == "`1` Hello."
    assert (plan.first_line, plan.last_line) == (1, 1)


def _posted_pieces(lines: list[Line]) -> tuple[list[list[str]], list[str]]:
    messages = excerpt_messages(make_excerpt(len(lines)), lines)
    for embeds, _plan in messages:
        assert len(embeds) <= EMBEDS_PER_MESSAGE
        assert sum(embed_size(e) for e in embeds) <= MESSAGE_EMBED_TOTAL_LIMIT
        for embed in embeds:
            assert len(embed.description or "") <= EMBED_DESCRIPTION_LIMIT
    per_message = [
        [
            piece
            for e in embeds
            if not (e.title or "").startswith("📖")
            for piece in (e.description or "").split(LINE_SEPARATOR)
        ]
        for embeds, _ in messages
    ]
    return per_message, [piece for message in per_message for piece in message]


paragraph = (
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=9000)
    .map(lambda s: s.strip() or "x")
    .filter(lambda s: "\n\n" not in s)
)


@settings(max_examples=60, deadline=None)
@given(st.lists(paragraph, min_size=1, max_size=40))
def test_packing_keeps_every_line_once_in_order_within_limits(texts):
    lines = [Line(number, text) for number, text in enumerate(texts, start=1)]
    per_message, _pieces = _posted_pieces(lines)
    placed: list[tuple[int, int]] = []  # (line number, message index) per piece
    for message_index, message in enumerate(per_message):
        for piece in message:
            if piece.startswith(CONTINUATION):
                placed.append((placed[-1][0], message_index))
            else:
                placed.append(
                    (int(cast(re.Match[str], re.match(r"`(\d+)`", piece))[1]), message_index)
                )
    assert list(dict.fromkeys(n for n, _ in placed)) == list(range(1, len(lines) + 1))
    for number in range(1, len(lines) + 1):
        messages_used = {m for n, m in placed if n == number}
        if len(messages_used) > 1:  # split across messages only when it must be
            assert len(render_line(number, lines[number - 1].text)) > EMBED_DESCRIPTION_LIMIT


def test_thirty_thousand_characters_use_the_fewest_messages():
    sentence = "The tide came in over the stones and went out again, as it always had. "
    lines = [Line(n, sentence * 4) for n in range(1, 108)]
    rendered = sum(len(render_line(line.number, line.text)) for line in lines)
    assert rendered > 30_000
    messages = excerpt_messages(make_excerpt(len(lines)), lines)
    assert len(messages) <= math.ceil(rendered / 6000) + 1


def test_a_line_too_long_for_one_embed_is_split_at_spaces():
    text = ("word " * 2000).strip()
    planned = pack_lines([Line(1, text), Line(2, "after")])
    pieces = [d for m in planned for d in m.descriptions]
    assert pieces[0].startswith("`1` ") and pieces[1].startswith(CONTINUATION)
    assert all(len(p) <= EMBED_DESCRIPTION_LIMIT for p in pieces)
    assert "".join(p.removeprefix(CONTINUATION) for p in pieces).count("word") == 2000


# ------------------------------------------------------------- split_long


def _rejoined(pieces: list[str]) -> str:
    """The join rule: later pieces carry one continuation marker, nothing else is lost."""
    assert all(piece.startswith(CONTINUATION) for piece in pieces[1:])
    return pieces[0] + "".join(piece.removeprefix(CONTINUATION) for piece in pieces[1:])


def _odd_backslashes_before(text: str, index: int) -> bool:
    run = 0
    while index - run > 0 and text[index - run - 1] == "\\":
        run += 1
    return run % 2 == 1


hostile_text = st.text(
    alphabet=st.one_of(
        st.sampled_from("\\\\\\*_~`|>#-[]()<@!:. \n1"),
        st.sampled_from("\u0301\u0308\u20dd\u200d\u200c\ufe0f\u0e31"),  # marks and joiners
        st.characters(blacklist_categories=["Cs"]),
    ),
    max_size=700,
) | st.builds(
    lambda ch, n: ch * n, st.sampled_from(["\\", "*", "a\u0301", "é", " "]), st.integers(0, 900)
)


@settings(max_examples=400, deadline=None)
@given(hostile_text, st.integers(min_value=4, max_value=300))
def test_split_long_terminates_fits_and_rejoins(text, limit):
    rendered = render_line(1, text)
    pieces = split_long(rendered, limit)
    assert all(len(piece) <= limit for piece in pieces)
    assert _rejoined(pieces) == rendered
    # No piece ends between a backslash and the character it escapes.
    offset = 0
    for piece in pieces[:-1]:
        offset += len(piece.removeprefix(CONTINUATION))
        assert not _odd_backslashes_before(rendered, offset), (rendered, offset)
    # Every piece but the last holds real text, not just the marker.
    assert all(len(piece.removeprefix(CONTINUATION)) > 0 for piece in pieces)


def test_two_thousand_backslashes_split_instead_of_looping():
    rendered = render_line(1, "\\" * 2_100)
    pieces = split_long(rendered, EMBED_DESCRIPTION_LIMIT)
    assert len(pieces) == 2 and _rejoined(pieces) == rendered
    pieces = split_long(render_line(1, "\\" * 200_000), EMBED_DESCRIPTION_LIMIT)
    assert all(len(p) <= EMBED_DESCRIPTION_LIMIT for p in pieces)
    assert "".join(p.removeprefix(CONTINUATION) for p in pieces).count("\\") == 400_000


def test_split_long_prefers_spaces_and_keeps_marks_with_their_letter():
    rendered = "x" * 10 + " " + "e\u0301" * 20
    pieces = split_long(rendered, 16)
    assert pieces[0] == "x" * 10 + " "
    for piece in pieces[1:]:
        assert not unicodedata.combining(piece.removeprefix(CONTINUATION)[0])


# ------------------------------------------------------------- marked_line

_LIVE_LINK = re.compile(r"(?<!\\)(?:\\\\)*\[[^\]]*\]\(")


def _comment_on(line: Line, quote: str) -> Comment:
    offset = line.text.index(quote)
    return make_comment(
        Anchor(line.number, line.number, quote, line.number, offset),
        number=1,
        excerpt_number=7,
        author_name="Bea",
        text="Where does this go?",
        created_at=NOW,
        updated_at=NOW,
    )


def test_a_quote_never_turns_story_text_into_a_live_masked_link():
    line = Line(3, "She clicked [the archive](https://evil.example/login) and waited.")
    comment = _comment_on(line, "the archive")
    description = comment_embed(comment, make_excerpt(3), [line]).description or ""
    assert "**the archive**" in description
    assert not _LIVE_LINK.search(description), description


def test_a_suggestion_never_completes_a_masked_link_begun_in_the_quote():
    line = Line(2, "Open [the archive now.")
    comment = replace(_comment_on(line, "[the archive"), suggestion="](https://evil.example/login)")
    suggestion = comment_embed(comment, make_excerpt(2), [line]).fields[0].value
    assert suggestion is not None
    assert not _LIVE_LINK.search(suggestion.replace("~~", "")), suggestion


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="[]()\\*x ", max_size=30),
    st.text(alphabet="[]()\\*x ", min_size=1, max_size=10),
    st.text(alphabet="[]()\\*x ", max_size=30),
)
def test_marked_line_has_no_live_link_whatever_the_quote(before, quote, after):
    line = Line(1, before + quote + after)
    marked = marked_line(line, _comment_on(line, quote))
    assert not _LIVE_LINK.search(marked.replace("**", "")), marked
