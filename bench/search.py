"""Autocomplete at scale: `python -m bench search [COMMENTS]` (default 1,000,000).

Builds one server holding COMMENTS comments (a hot excerpt with 30,000 of them, the rest
spread over 5,000 excerpts) through the migrations, then times what the comment and
excerpt autocompletes read: a word that matches nothing (the worst case, nothing stops
the search early), inside the hot thread (its excerpt, then the server) and elsewhere, and
a typed number. Median and max of 21 runs, in ms. The database is cached in
``bench/.cache`` so a second run (or the old code, with PYTHONPATH pointing at it) reuses it.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.storage.database import Database

GUILD = 1
EXCERPTS = 5_000
HOT_COMMENTS = 30_000
LIMIT = 25
RUNS = 21
WORDS = [
    "the",
    "a",
    "gull",
    "harbour",
    "tide",
    "salt",
    "rope",
    "lantern",
    "keel",
    "drift",
    "fog",
    "bell",
    "north",
    "quay",
]
Report = Callable[[str], None]


def _path(comments: int) -> Path:
    return Path(__file__).parent / ".cache" / f"search-{comments}.db"


def _fill(path: Path, comments: int) -> None:
    """Rows straight into the migrated file: executemany, one transaction."""
    rng = random.Random(13)
    stamp = "2026-01-01T00:00:00+00:00"
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO excerpts (id, guild_id, number, title, author_id, author_name,"
            " channel_id, thread_id, word_count, line_count, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, 'Author', 10, ?, 100, 10, ?, ?)",
            (
                (n, GUILD, n, " ".join(rng.choices(WORDS, k=4)), n % 97, 1_000 + n, stamp, stamp)
                for n in range(1, EXCERPTS + 1)
            ),
        )

        def rows() -> object:
            for number in range(1, comments + 1):
                # The hot excerpt (#1) takes its comments spread over the whole history.
                hot = number % (comments // HOT_COMMENTS) == 0
                excerpt = 1 if hot else rng.randint(2, EXCERPTS)
                text = " ".join(rng.choices(WORDS, k=12))
                yield (GUILD, number, excerpt, number % 500, "Reader", text, 1, 1, 1, stamp)

        conn.executemany(
            "INSERT INTO comments (guild_id, number, excerpt_id, author_id, author_name, text,"
            " line_start, line_end, revision, origin_revision, origin_line_start,"
            " origin_line_end, created_at, updated_at)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?7, ?8, ?10, ?10)",
            rows(),  # type: ignore[arg-type]
        )
    conn.close()


async def _build(comments: int, report: Report) -> Path:
    path = _path(comments)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    database = Database(partial, synchronous="OFF")
    await database.open()
    await database.close()
    started = time.perf_counter()
    _fill(partial, comments)
    partial.rename(path)
    report(f"built {comments:,} comments in {time.perf_counter() - started:.1f} s")
    return path


async def _times(action: Callable[[], Awaitable[object]]) -> str:
    await action()
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        await action()
        samples.append((time.perf_counter() - started) * 1000)
    return f"median {statistics.median(samples):8.2f} ms   max {max(samples):8.2f} ms"


async def measure(comments: int, report: Report) -> None:
    path = await _build(comments, report)
    database = Database(path)
    await database.open()
    try:
        async with database.read() as session:
            hot = await session.excerpts.get_excerpt(GUILD, 1)
        assert hot is not None

        async def guild_no_match() -> object:
            async with database.read() as session:
                return await session.comments.search_comments(
                    GUILD, "zzqx", excerpt_id=None, limit=LIMIT
                )

        async def thread_no_match() -> object:
            # What the thread's autocomplete does: its excerpt, then the server.
            assert hot is not None
            async with database.read() as session:
                found = await session.comments.search_comments(
                    GUILD, "zzqx", excerpt_id=hot.id, limit=LIMIT
                )
                if not found:
                    found = await session.comments.search_comments(
                        GUILD, "zzqx", excerpt_id=None, limit=LIMIT
                    )
                return found

        async def by_number() -> object:
            async with database.read() as session:
                return await session.comments.search_comments(
                    GUILD, "#12345", excerpt_id=None, limit=LIMIT
                )

        async def words() -> object:
            async with database.read() as session:
                return await session.comments.search_comments(
                    GUILD, "gull", excerpt_id=None, limit=LIMIT
                )

        async def excerpt_no_match() -> object:
            async with database.read() as session:
                return await session.excerpts.search_excerpts(GUILD, "zzqx", LIMIT)

        report(f"{comments:,} comments, one server, hot excerpt {HOT_COMMENTS:,}")
        report(f"comment, no match, server      {await _times(guild_no_match)}")
        report(f"comment, no match, hot thread  {await _times(thread_no_match)}")
        report(f"comment, a number              {await _times(by_number)}")
        report(f"comment, a common word         {await _times(words)}")
        report(f"excerpt, no match              {await _times(excerpt_no_match)}")
    finally:
        await database.close()


def run(report: Report = print, comments: int = 1_000_000) -> None:
    asyncio.run(measure(comments, report))


if __name__ == "__main__":
    run(comments=int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
