"""Autocomplete search reads one bounded page, whatever the server holds.

Each search is run against a small and a much larger server: the SQLite work it does
(virtual-machine steps, counted by a progress handler) must stay flat, and no statement
it runs may scan a whole table (EXPLAIN QUERY PLAN)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, cast

import aiosqlite
import pytest_asyncio

from bot.models import ChannelViewer
from bot.storage import Database
from bot.storage._sql import SEARCH_WINDOW

GUILD = 1
STAMP = "2026-01-01T00:00:00+00:00"
HIDDEN_CHANNEL = 99


@pytest_asyncio.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "search.db", synchronous="OFF")
    await database.open()
    yield database
    await database.close()


async def grow(database: Database, excerpts: range, comments: range) -> None:
    """Excerpts (posted, channel 10; every tenth in a hidden channel) and comments spread
    over them, the words "gull" and "tide" in every comment."""
    async with database.transaction() as tx:
        conn = tx.connection  # type: ignore[attr-defined]
        await conn.executemany(
            "INSERT INTO excerpts (id, guild_id, number, title, author_id, author_name,"
            " channel_id, thread_id, word_count, line_count, created_at, updated_at)"
            " VALUES (?1, ?2, ?1, ?3, 1, 'Ann', ?4, 1000 + ?1, 10, 3, ?5, ?5)",
            [
                (n, GUILD, f"Harbour {n}", HIDDEN_CHANNEL if n % 10 == 0 else 10, STAMP)
                for n in excerpts
            ],
        )
        await tx.comments.bulk_insert_comments(
            [
                (
                    GUILD,
                    n,
                    excerpts.start + n % len(excerpts),
                    2,
                    "Ben",
                    f"gull {n} tide",
                    1,
                    1,
                    1,
                    STAMP,
                )
                for n in comments
            ]
        )


async def traced(
    database: Database, search: Callable[[Any], Awaitable[object]]
) -> tuple[int, list[str]]:
    """(VM steps, statements run) for one search in one read session."""
    steps = 0
    statements: list[str] = []

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    async with database.read() as session:
        conn = cast(aiosqlite.Connection, session.connection)  # a read: aiosqlite's
        raw: sqlite3.Connection = conn._conn  # the thread's own connection
        await conn._execute(raw.set_trace_callback, statements.append)
        await conn._execute(raw.set_progress_handler, count, 1)
        try:
            await search(session)
        finally:
            await conn._execute(raw.set_progress_handler, None, 1)
            await conn._execute(raw.set_trace_callback, None)
    return steps, statements


async def plan(database: Database, statement: str) -> list[str]:
    async with database.read() as session:
        conn = cast(aiosqlite.Connection, session.connection)  # a read: aiosqlite's
        rows = await conn.execute_fetchall(f"EXPLAIN QUERY PLAN {statement}")
    return [str(row["detail"]) for row in rows]


VIEWER = ChannelViewer(channel_ids=frozenset({10}), hidden_thread_ids=frozenset())
SEARCHES: dict[str, Callable[[Any], Awaitable[object]]] = {
    "comment word, server": lambda s: s.comments.search_comments(
        GUILD, "zzqx", excerpt_id=None, limit=25, viewer=VIEWER
    ),
    "comment word, excerpt": lambda s: s.comments.search_comments(
        GUILD, "zzqx", excerpt_id=1, limit=25, viewer=VIEWER
    ),
    "comment number": lambda s: s.comments.search_comments(
        GUILD, "#7", excerpt_id=None, limit=25, viewer=None
    ),
    "excerpt title": lambda s: s.excerpts.search_excerpts(GUILD, "zzqx", 25, VIEWER),
    "excerpt number": lambda s: s.excerpts.search_excerpts(GUILD, "3", 25, None),
}


async def test_every_autocomplete_costs_the_same_at_ten_times_the_rows(database):
    await grow(database, range(1, 1_001), range(1, 3 * SEARCH_WINDOW))
    small = {name: await traced(database, search) for name, search in SEARCHES.items()}
    # Ten times the comments and excerpts, none of them on excerpt #1.
    await grow(database, range(1_001, 11_001), range(3 * SEARCH_WINDOW, 33 * SEARCH_WINDOW))
    for name, search in SEARCHES.items():
        steps, statements = await traced(database, search)
        assert steps < small[name][0] * 1.5 + 1_000, (name, small[name][0], steps)
        for statement in statements:
            if statement.lstrip().upper().startswith("SELECT"):
                details = await plan(database, statement)
                scans = [d for d in details if re.match(r"SCAN (c|e|comments|excerpts)\b", d)]
                assert not scans, (name, details)


async def test_a_typed_number_is_found_however_old(database):
    await grow(database, range(1, 11), range(1, 3 * SEARCH_WINDOW))
    async with database.read() as session:
        found = await session.comments.search_comments(GUILD, "#2", excerpt_id=None, limit=4)
        # #2 first (typed exactly, however old), then the newest whose number starts with 2.
        assert [c.number for c in found] == [2, 2999, 2998, 2997]
        # #9 is on excerpt #10, in a channel the viewer can't see.
        seen = await session.comments.search_comments(
            GUILD, "9", excerpt_id=None, limit=5, viewer=VIEWER
        )
        assert 9 not in [c.number for c in seen] and seen
        everything = await session.comments.search_comments(GUILD, "9", excerpt_id=None, limit=5)
        assert everything[0].number == 9
        titles = await session.excerpts.search_excerpts(GUILD, "#4", 5)
        assert titles[0][0] == 4


async def test_text_is_searched_among_the_newest_rows_only(database):
    await grow(database, range(1, 11), range(1, 3 * SEARCH_WINDOW))
    async with database.transaction() as tx:
        await tx.connection.execute(  # type: ignore[attr-defined]
            "UPDATE comments SET text = 'albatross' WHERE number IN (5, 2990)"
        )
    async with database.read() as session:
        found = await session.comments.search_comments(
            GUILD, "albatross", excerpt_id=None, limit=25
        )
    assert [c.number for c in found] == [2990]
