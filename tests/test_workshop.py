"""The workshop services without Discord: numbering, the comment rules, retries, posting state."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.errors import InvalidInput, NotAllowed, NotFound, WrongState
from bot.models import Actor, CommentStatus
from bot.workshop import parse_number
from tests.helpers import AUTHOR, GUILD, MODERATOR, OTHER_GUILD, READER, posted


async def test_a_failed_action_writes_nothing(workshop):
    number = await posted(workshop)
    with pytest.raises(InvalidInput):
        await workshop.comments.add_comment(
            guild_id=GUILD,
            excerpt_number=number,
            member=READER,
            line_spec="2",
            text="x",
            quote="not there",
        )
    async with workshop.db.read() as session:
        rows = await session.connection.execute_fetchall(
            "SELECT COUNT(*), (SELECT last_value FROM guild_sequences WHERE kind = 'comment')"
            " FROM comments"
        )
    assert tuple(next(iter(rows))) == (0, None)


async def test_numbers_are_per_guild_and_never_reused(workshop):
    first = await posted(workshop)
    assert await posted(workshop, OTHER_GUILD) == 1
    await workshop.excerpts.delete_excerpt(GUILD, first, AUTHOR)
    assert await posted(workshop) == 2
    with pytest.raises(NotFound, match="was deleted"):
        await workshop.excerpts.get_excerpt(GUILD, first)


async def test_unposted_excerpts_are_invisible_and_purged(workshop):
    _title, lines, _ = workshop.excerpts.prepare_excerpt("T", "a\nb", None)
    excerpt = await workshop.excerpts.create_excerpt(
        guild_id=GUILD, channel_id=1, author=AUTHOR, title="T", lines=lines, content_warning=None
    )
    with pytest.raises(NotFound):
        await workshop.excerpts.get_excerpt(GUILD, excerpt.number)
    assert await workshop.excerpts.search_excerpts(GUILD, "") == []
    assert await workshop.excerpts.purge_unposted() == 1


async def test_comment_rules(workshop):
    number = await posted(workshop)
    added = await workshop.comments.add_comment(
        guild_id=GUILD,
        excerpt_number=number,
        member=READER,
        line_spec="2-3",
        text="  Nice  ",
        quote="keeper's",
        suggestion="warden's",
    )
    comment = added.comment
    assert (comment.anchor.line_start, comment.anchor.line_end, comment.text) == (2, 3, "Nice")
    assert comment.anchor.quote_line == 2 and comment.suggestion == "warden's"
    assert [line.number for line in added.lines] == [2, 3]

    with pytest.raises(NotAllowed):
        await workshop.comments.edit_comment(
            guild_id=GUILD, comment_number=comment.number, member=AUTHOR, text="x"
        )
    with pytest.raises(NotAllowed):
        await workshop.comments.set_resolved(
            guild_id=GUILD,
            comment_number=comment.number,
            member=Actor(9, "Stranger"),
            resolved=True,
        )
    resolved = await workshop.comments.set_resolved(
        guild_id=GUILD, comment_number=comment.number, member=AUTHOR, resolved=True
    )
    assert (
        resolved.comment.status is CommentStatus.RESOLVED
        and resolved.comment.resolved_by_id == AUTHOR.id
    )
    with pytest.raises(WrongState):
        await workshop.comments.set_resolved(
            guild_id=GUILD, comment_number=comment.number, member=AUTHOR, resolved=True
        )
    with pytest.raises(NotFound):
        await workshop.comments.set_resolved(
            guild_id=OTHER_GUILD, comment_number=comment.number, member=MODERATOR, resolved=False
        )
    await workshop.comments.reply(
        guild_id=GUILD, comment_number=comment.number, member=AUTHOR, text="Thanks"
    )
    async with workshop.db.read() as session:
        stored = await session.comments.get_comment(GUILD, comment.number)
        assert stored is not None
        [fetched] = await session.comments.attach_replies([stored])
    assert [r.text for r in fetched.replies] == ["Thanks"]
    await workshop.comments.delete_comment(
        guild_id=GUILD, comment_number=comment.number, member=MODERATOR
    )
    async with workshop.db.read() as session:
        assert await session.comments.get_comment(GUILD, comment.number) is None


async def test_closed_excerpts_take_no_new_feedback(workshop):
    number = await posted(workshop)
    await workshop.excerpts.set_excerpt_open(GUILD, number, MODERATOR, open_=False)
    with pytest.raises(WrongState, match="closed"):
        await workshop.comments.add_comment(
            guild_id=GUILD, excerpt_number=number, member=READER, line_spec="1", text="x"
        )
    with pytest.raises(NotAllowed):
        await workshop.excerpts.set_excerpt_open(GUILD, number, READER, open_=True)


@pytest.mark.parametrize(("raw", "expected"), [("12", 12), ("#12", 12), ("E12", 12), (" c 7 ", 7)])
def test_ids_accept_common_spellings(raw, expected):
    assert parse_number(raw, "excerpt") == expected


@pytest.mark.parametrize("raw", ["", "0", "abc", "12a", "-3", "1" * 30])
def test_bad_ids_are_refused(raw):
    with pytest.raises(InvalidInput):
        parse_number(raw, "excerpt")


async def test_comment_numbers_are_never_reused(workshop):
    number = await posted(workshop)

    async def add(text: str) -> int:
        added = await workshop.comments.add_comment(
            guild_id=GUILD, excerpt_number=number, member=READER, line_spec="1", text=text
        )
        return added.comment.number

    assert [await add("x"), await add("y")] == [1, 2]
    await workshop.comments.delete_comment(guild_id=GUILD, comment_number=2, member=READER)
    assert await add("y") == 3


async def test_a_retried_comment_or_reply_is_stored_once_within_the_window(workshop):
    """A member whose answer never came sends the same comment again: one comment."""
    number = await posted(workshop)

    async def add(text: str = "Same words.", member: Actor = READER) -> tuple[int, bool]:
        added = await workshop.comments.add_comment(
            guild_id=GUILD, excerpt_number=number, member=member, line_spec="2", text=text
        )
        return added.comment.number, added.repeated

    assert await add() == (1, False)
    assert await add() == (1, True)  # the retry
    assert await add(member=MODERATOR) == (2, False)  # someone else saying the same
    assert await add("Other words.") == (3, False)
    workshop.comments._now.now += timedelta(minutes=10)  # type: ignore[attr-defined]
    assert await add() == (4, False)  # long after: a deliberate repeat

    first = await workshop.comments.reply(
        guild_id=GUILD, comment_number=1, member=AUTHOR, text="Thanks!"
    )
    again = await workshop.comments.reply(
        guild_id=GUILD, comment_number=1, member=AUTHOR, text="Thanks!"
    )
    assert (again.reply.id, again.repeated, first.repeated) == (first.reply.id, True, False)
    other = await workshop.comments.reply(
        guild_id=GUILD, comment_number=2, member=AUTHOR, text="Thanks!"
    )
    assert other.reply.id != first.reply.id and not other.repeated


@pytest.mark.parametrize(
    ("posted_ranges", "line_count", "whole"),
    [
        ([(1, 15), (16, 59)], 59, True),
        ([(16, 59), (1, 15)], 59, True),
        ([(1, 15)], 59, False),
        ([(1, 15), (17, 59)], 59, False),
        ([(1, 5), (5, 5), (5, 9)], 9, True),  # a long line spread over messages
        ([], 3, False),
    ],
)
def test_a_revision_is_fully_posted_when_its_messages_show_every_line(
    posted_ranges, line_count, whole
):
    from bot.workshop import fully_posted

    assert fully_posted(posted_ranges, line_count) is whole
