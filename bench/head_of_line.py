"""Benchmark: how long a comment in a quiet server waits behind a long read in a busy one.

Run with ``python -m bench.head_of_line``. A busy server holds one excerpt with 10,000
comments (the digest bench's feedback, stored through the bot's own storage); a quiet
server holds one small excerpt. Each round starts a long read in the busy server (its
digest load, or its ``/comment list``), lets it get going, then adds a comment in the
quiet server and times it. The same rounds run twice on the same file:

- *one connection*: every action on the writer under its lock (``READER_POOL_SIZE = 0``,
  which is exactly how the store worked before the reader pool);
- *reader pool*: reads on their own read-only connections.

Target: a quiet-server comment never waits more than 20 ms behind any read.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.digest import build_feedback, store_feedback
from bot.models import Actor, Excerpt, PostedMessage
from bot.storage import Database
from bot.storage import database as database_module
from bot.workshop import Workshop

BUSY, QUIET = 1, 2
ROUNDS = 15
ALONE = 50
HEAD_START_S = 0.005  # the long read is under way when the comment arrives
TARGET_MS = 20.0
READER = Actor(7, "Quiet Reader")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 29, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


async def _post_quiet(workshop: Workshop) -> int:
    title, lines, warning = workshop.excerpts.prepare_excerpt(
        "Quiet", "\n".join(f"Line {n} of a small scene." for n in range(1, 6)), None
    )
    excerpt = await workshop.excerpts.create_excerpt(
        guild_id=QUIET,
        channel_id=3,
        author=Actor(6, "Quiet Author"),
        title=title,
        lines=lines,
        content_warning=warning,
    )
    await workshop.excerpts.mark_posted(excerpt, thread_id=4, messages=[PostedMessage(5, 1, 5)])
    return excerpt.number


async def _timed(action: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    await action()
    return (time.perf_counter() - start) * 1000


@dataclass(frozen=True, slots=True)
class Waits:
    """A quiet-server comment's time behind one kind of long read, in milliseconds."""

    median: float
    worst: float
    read: float  # the long read's own median


@dataclass(frozen=True, slots=True)
class Results:
    alone: float  # a quiet-server comment with nothing else running, median ms
    behind: dict[str, Waits]


async def _measure(path: Path, pool_size: int, busy: Excerpt, quiet: int) -> Results:
    saved = database_module.READER_POOL_SIZE
    database_module.READER_POOL_SIZE = pool_size
    store = Database(path)
    try:
        await store.open()
    finally:
        database_module.READER_POOL_SIZE = saved
    workshop = Workshop(store, Clock())

    async def add_comment() -> None:
        await workshop.comments.add_comment(
            guild_id=QUIET, excerpt_number=quiet, member=READER, line_spec="2", text="Nice."
        )

    async def digest_load() -> None:
        async with store.read() as session:
            await session.feedback.excerpt_feedback(busy)

    async def comment_list() -> None:
        await workshop.comments.list_comments(
            guild_id=BUSY, excerpt_number=busy.number, line_spec=None, status=None
        )

    behind: dict[str, Waits] = {}
    try:
        alone = [await _timed(add_comment) for _ in range(ALONE)]
        for name, read in (("digest load", digest_load), ("/comment list", comment_list)):
            waits: list[float] = []
            reads: list[float] = []
            for _ in range(ROUNDS):
                reading = asyncio.create_task(_timed(read))
                await asyncio.sleep(HEAD_START_S)
                waits.append(await _timed(add_comment))
                reads.append(await reading)
            behind[name] = Waits(statistics.median(waits), max(waits), statistics.median(reads))
    finally:
        await store.close()
    return Results(statistics.median(alone), behind)


async def _run(report: Callable[[str], None]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "head_of_line.db"
        setup = Database(path, synchronous="OFF")
        await setup.open()
        busy = await store_feedback(setup, build_feedback(), guild_id=BUSY)
        quiet = await _post_quiet(Workshop(setup, Clock()))
        await setup.close()
        for label, pool_size in (("one connection", 0), ("reader pool", 2)):
            results = await _measure(path, pool_size, busy, quiet)
            report(f"{label}: a quiet-server comment alone, median {results.alone:.2f} ms")
            for name, waits in results.behind.items():
                verdict = "ok" if waits.worst <= TARGET_MS else f"over {TARGET_MS:.0f} ms"
                report(
                    f"{label}: behind a {name} of 10,000 comments ({waits.read:,.0f} ms): "
                    f"median {waits.median:,.2f} ms, worst {waits.worst:,.2f} ms of {ROUNDS}"
                    f" ({verdict})"
                )


def run(report: Callable[[str], None] = print) -> None:
    asyncio.run(_run(report))


if __name__ == "__main__":
    run()
