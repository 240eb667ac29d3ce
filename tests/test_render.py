"""Escaping and message packing: every line once, in order, within Discord's limits."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.models import Excerpt, ExcerptStatus, Line
from bot.render import (
    CONTINUATION,
    EMBED_DESCRIPTION_LIMIT,
    EMBEDS_PER_MESSAGE,
    LINE_SEPARATOR,
    MESSAGE_EMBED_TOTAL_LIMIT,
    embed_size,
    escape,
    excerpt_messages,
    pack_lines,
    render_line,
)

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
                placed.append((int(re.match(r"`(\d+)`", piece)[1]), message_index))
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
