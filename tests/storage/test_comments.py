"""Comment storage: reads that take more ids than one statement can bind."""

from __future__ import annotations

import sqlite3

from bot.models import Actor
from tests.helpers import AUTHOR, GUILD, posted

READER = Actor(2, "Ben")


async def test_reply_counts_take_more_ids_than_one_statement_can_bind(workshop):
    limit = sqlite3.connect(":memory:").getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    number = await posted(workshop)
    added = await workshop.comments.add_comment(
        guild_id=GUILD, excerpt_number=number, member=READER, line_spec="2", text="Good."
    )
    comment = added.comment
    await workshop.comments.reply(
        guild_id=GUILD, comment_number=comment.number, member=AUTHOR, text="Thanks!"
    )
    async with workshop.db.read() as session:
        counts = await session.comments.count_replies([*range(-limit, 0), comment.id])
    assert counts == {comment.id: 1}
