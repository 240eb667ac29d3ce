"""``Store.run_read``: a whole read on one snapshot (on SQLite, run whole on a reader's
thread): its result, every row of a long read, refused writes and foreign awaits."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot.storage import Session
from bot.storage._one_hop import AwaitedOutsideTheDatabase
from bot.storage._rows import ROWS_PER_SLICE
from tests.helpers import GUILD, READER, posted

INSERT = "INSERT INTO guild_sequences (guild_id, kind, last_value) VALUES (?, 'x', 1)"


async def test_a_read_returns_its_result_from_one_snapshot(workshop):
    number = await posted(workshop)

    async def two_reads(session: Session) -> tuple[str, int]:
        excerpt = await session.excerpts.get_excerpt(GUILD, number)
        assert excerpt is not None
        lines = await session.excerpts.get_lines(excerpt.id, excerpt.revision)
        return excerpt.title, len(lines)

    assert await workshop.db.run_read(two_reads) == ("Title", 5)


@pytest.mark.sqlite_only  # PostgreSQL runs the read on the loop
async def test_a_read_runs_on_a_readers_thread_and_every_row_comes_back(workshop):
    number = await posted(workshop)
    for n in range(ROWS_PER_SLICE + 20):  # mapped in more than one slice
        await workshop.comments.add_comment(
            guild_id=GUILD, excerpt_number=number, member=READER, line_spec="1", text=f"c{n}"
        )
    ran_on: list[str] = []

    async def comments(session: Session) -> int:
        ran_on.append(threading.current_thread().name)
        excerpt = await session.excerpts.get_excerpt(GUILD, number)
        assert excerpt is not None
        return len(await session.comments.list_comments(excerpt.id))

    assert await workshop.db.run_read(comments) == ROWS_PER_SLICE + 20
    assert ran_on[0].startswith("sqlite-reader")


async def test_a_read_cannot_write(workshop):
    async def writes(session: Session) -> None:
        await session.connection.execute(INSERT, (1,))  # type: ignore[attr-defined]

    with pytest.raises(Exception, match=r"(?i)read.?only"):
        await workshop.db.run_read(writes)
    async with workshop.db.read() as session:
        rows = await session.connection.execute_fetchall(
            "SELECT COUNT(*) AS n FROM guild_sequences WHERE kind = 'x'"
        )
    assert int(next(iter(rows))["n"]) == 0


@pytest.mark.sqlite_only  # PostgreSQL runs the read on the loop, where awaiting is fine
async def test_awaiting_anything_but_the_session_is_refused_and_the_reader_freed(workshop):
    number = await posted(workshop)

    async def waits(session: Session) -> None:
        await session.excerpts.get_excerpt(GUILD, number)
        await asyncio.sleep(0)

    with pytest.raises(AwaitedOutsideTheDatabase):
        await workshop.db.run_read(waits)
    reads = [workshop.excerpts.get_excerpt(GUILD, number) for _ in range(6)]
    assert all(excerpt.number == number for excerpt in await asyncio.gather(*reads))
