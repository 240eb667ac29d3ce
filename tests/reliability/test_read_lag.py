"""Big reads never stall the event loop: 10,000 comment rows become records in slices.

Fetching runs in the reader's thread (SQLite) or the driver (PostgreSQL), but turning
rows into records is Python on the event loop: 10,000 comments with their replies took
well over 50 ms in one piece, and every server waited. A loop-lag probe watches a
digest load of an excerpt with 10,000 comments, and the digest made from it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from bot.digest_formats import DigestFormat
from bot.digest_service import Digests
from tests.helpers import AUTHOR, GUILD, READER, loop_lag_probe, posted

COMMENTS = 10_000
STAMP = "2026-01-01T00:00:00+00:00"


async def _many_comments(workshop, number: int) -> int:
    async with workshop.db.transaction() as tx:
        excerpt = await tx.excerpts.get_excerpt(GUILD, number)
        assert excerpt is not None
        await tx.comments.bulk_insert_comments(
            [
                (
                    GUILD,
                    n,
                    excerpt.id,
                    READER.id,
                    READER.display_name,
                    f"Note {n}.",
                    1 + n % 5,
                    1 + n % 5,
                    1,
                    STAMP,
                )
                for n in range(1, COMMENTS + 1)
            ]
        )
    for n in range(1, COMMENTS + 1, 500):
        await workshop.comments.reply(
            guild_id=GUILD, comment_number=n, member=AUTHOR, text="Thanks!"
        )
    return excerpt.id


@contextmanager
def frozen_heap() -> Iterator[None]:
    """What the bot does once ready: what exists lives on, out of the collector's sight.

    Otherwise a full collection, set off by any big allocation, walks the test
    runner's whole heap (pytest, SimCord, discord.py): 45 ms on its own.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


async def test_a_10000_comment_digest_load_never_stalls_the_loop(workshop):
    number = await posted(workshop)
    await _many_comments(workshop, number)
    with frozen_heap():
        async with loop_lag_probe() as lag, workshop.db.read() as session:
            excerpt = await session.excerpts.get_excerpt(GUILD, number)
            assert excerpt is not None
            feedback = await session.feedback.excerpt_feedback(excerpt)
            mine = await session.feedback.author_feedback(GUILD, AUTHOR.id)
    lag.assert_no_stall()
    assert len(feedback.comments) == COMMENTS
    assert [c.number for c in feedback.comments] == list(range(1, COMMENTS + 1))
    assert sum(len(c.replies) for c in feedback.comments) == COMMENTS // 500
    assert mine[0].comments == feedback.comments


async def test_a_10000_comment_digest_never_stalls_the_loop(workshop):
    number = await posted(workshop)
    await _many_comments(workshop, number)
    digests = Digests(workshop.db, lambda: datetime(2026, 2, 1, tzinfo=UTC))
    with frozen_heap():
        async with loop_lag_probe() as lag:
            digest = await digests.excerpt_digest(GUILD, number, DigestFormat.MARKDOWN)
    lag.assert_no_stall()
    assert digest.comments == COMMENTS
