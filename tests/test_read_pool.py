"""Reads off the writer's path: a pool of read-only connections beside the one writer.

A long read (a hot server's list, a digest load) must not hold up a comment elsewhere;
a read after an acknowledged write sees it; the pool closes with the store.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from bot.storage import Database
from bot.storage.database import READER_POOL_SIZE
from bot.workshop import Workshop
from tests.helpers import AUTHOR, GUILD, OTHER_GUILD, READER, Clock, posted

# Counting to a few million in SQL: a read that keeps a reader busy for a good while.
SLOW_READ = (
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3000000)"
    " SELECT count(*) FROM n"
)


@pytest_asyncio.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    store = Database(tmp_path / "pool.db")
    await store.open()
    yield store
    await store.close()


async def comment(workshop: Workshop, guild: int, number: int, text: str = "A note.") -> int:
    context = await workshop.comments.add_comment(
        guild_id=guild, excerpt_number=number, member=READER, line_spec="1", text=text
    )
    return context.comment.number


async def test_a_comment_answers_while_a_read_session_is_open(database):
    workshop = Workshop(database, Clock(step=timedelta(seconds=1)))
    await posted(workshop, GUILD)
    quiet = await posted(workshop, OTHER_GUILD)
    async with database.read() as session:
        assert await session.excerpts.get_excerpt(GUILD, 1) is not None
        # With one connection and one lock this waited for the read to end: forever here.
        number = await asyncio.wait_for(comment(workshop, OTHER_GUILD, quiet), timeout=2)
    assert number == 1


async def test_a_comment_answers_while_a_long_query_runs(database):
    workshop = Workshop(database, Clock(step=timedelta(seconds=1)))
    quiet = await posted(workshop, OTHER_GUILD)
    started = asyncio.Event()

    async def long_read() -> float:
        async with database.read() as session:
            started.set()
            begun = time.perf_counter()
            await session.connection.execute_fetchall(SLOW_READ)
            return time.perf_counter() - begun

    reading = asyncio.create_task(long_read())
    await started.wait()
    await asyncio.sleep(0.01)  # the query is running on its reader
    begun = time.perf_counter()
    await comment(workshop, OTHER_GUILD, quiet)
    waited = time.perf_counter() - begun
    read_took = await reading
    # The comment did not queue behind the read: it finished well before the read did.
    assert waited < read_took / 2, (waited, read_took)


async def test_a_read_sees_every_acknowledged_write(database):
    workshop = Workshop(database, Clock(step=timedelta(seconds=1)))
    number = await posted(workshop)
    for count in range(1, 6):
        await comment(workshop, GUILD, number, f"Note {count}.")
        listing = await workshop.comments.list_comments(
            guild_id=GUILD, excerpt_number=number, line_spec=None, status=None
        )
        assert [c.text for c in listing.comments][-1] == f"Note {count}."
        assert len(listing.comments) == count


async def test_a_read_session_is_one_snapshot(database):
    workshop = Workshop(database, Clock(step=timedelta(seconds=1)))
    number = await posted(workshop)
    count = "SELECT count(*) FROM comments"
    async with database.read() as session:
        before = (await session.connection.execute_fetchall(count))[0][0]
        await comment(workshop, GUILD, number)
        # Committed meanwhile, but after this snapshot began: not seen inside it.
        assert (await session.connection.execute_fetchall(count))[0][0] == before
    async with database.read() as session:
        assert (await session.connection.execute_fetchall(count))[0][0] == before + 1


async def test_readers_refuse_to_write(database):
    async with database.read() as session:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            await session.connection.execute("DELETE FROM excerpts")


async def test_more_reads_than_readers_all_finish(database):
    workshop = Workshop(database, Clock(step=timedelta(seconds=1)))
    number = await posted(workshop)
    await comment(workshop, GUILD, number)
    listings = await asyncio.gather(
        *(
            workshop.comments.list_comments(
                guild_id=GUILD, excerpt_number=number, line_spec=None, status=None
            )
            for _ in range(READER_POOL_SIZE * 3)
        )
    )
    assert all(len(listing.comments) == 1 for listing in listings)


async def test_close_closes_every_reader(tmp_path):
    store = Database(tmp_path / "closing.db")
    await store.open()
    readers = list(store._readers)
    assert len(readers) == READER_POOL_SIZE
    async with store.read() as session:
        await session.excerpts.get_excerpt(GUILD, 1)
    await store.close()
    # aiosqlite runs each connection in a thread; an unclosed one keeps the process alive.
    for reader in readers:
        reader.conn._thread.join(timeout=5)
        assert not reader.conn._thread.is_alive()
        assert reader.conn._connection is None
        reader.thread._thread.join(timeout=5)
        assert not reader.thread._thread.is_alive()
    with pytest.raises(RuntimeError, match="not open"):
        async with store.read():
            pass


async def test_close_waits_for_a_read_in_flight(tmp_path):
    store = Database(tmp_path / "inflight.db")
    await store.open()
    release = asyncio.Event()

    async def reading() -> object:
        async with store.read() as session:
            await release.wait()
            return await session.excerpts.get_excerpt(GUILD, 1)

    task = asyncio.create_task(reading())
    await asyncio.sleep(0.01)
    closing = asyncio.create_task(store.close())
    await asyncio.sleep(0.01)
    assert not closing.done()
    release.set()
    assert await task is None
    await closing


async def test_a_read_only_store_still_reads(tmp_path):
    path = tmp_path / "export.db"
    writer = Database(path)
    await writer.open()
    workshop = Workshop(writer, Clock())
    number = await posted(workshop)
    await writer.close()
    reader = Database(path, read_only=True)
    await reader.open()
    try:
        async with reader.read() as session:
            assert await session.excerpts.get_excerpt(GUILD, number) is not None
    finally:
        await reader.close()


async def test_the_start_up_purge_uses_the_unposted_index(database):
    async with database.read() as session:
        plan = await session.connection.execute_fetchall(
            "EXPLAIN QUERY PLAN DELETE FROM excerpts WHERE thread_id IS NULL"
        )
    details = " ".join(str(row["detail"]) for row in plan)
    assert "excerpts_unposted" in details, details


async def test_the_purge_still_removes_only_unposted_excerpts(database):
    workshop = Workshop(database, Clock(step=timedelta(seconds=1)))
    kept = await posted(workshop)
    title, parsed, warning = workshop.excerpts.prepare_excerpt("Draft", "One line.", None)
    await workshop.excerpts.create_excerpt(
        guild_id=GUILD,
        channel_id=1,
        author=AUTHOR,
        title=title,
        lines=parsed,
        content_warning=warning,
    )
    async with database.transaction() as tx:
        assert await tx.excerpts.purge_unposted() == 1
    async with database.read() as session:
        assert await session.excerpts.get_excerpt(GUILD, kept) is not None
