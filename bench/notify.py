"""Benchmark notifications: the sender's tick, and what the outbox adds to /comment add.

Tick: 100,000 members have a setting on a real SQLite file; before each tick 1,000 of
them are made due with an event waiting. A tick is :meth:`NotificationService.claim_due`
(the due query through its index, the per-member conditional claim, the events claimed
with RETURNING, one transaction): everything the loop does before talking to Discord.

/comment add: :meth:`CommentService.add_comment` on the same file, interleaved sample by
sample so all three see the same machine: on the commenter's own excerpt (no event), on
an excerpt whose author turned notifications off, and on one whose author gets them.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.measure import Series
from bot.models import Actor, NotifyEvent, NotifyMode
from bot.notifications import DEFAULT, NotificationService, notice_for, record
from bot.storage import Database
from bot.workshop import Workshop

MEMBERS = 100_000
DUE_PER_TICK = 1_000
TICKS = 5
TICK_TARGET_MS = 100.0
RATIO_TARGET = 1.3
COMMENT_SAMPLES = 1_200  # per kind
NOW = datetime(2026, 6, 1, 18, 0, 30, tzinfo=UTC)
Report = Callable[[str], None]

GUILD = 1
AUTHOR_OFF = Actor(900_001, "Quiet author")
AUTHOR_ON = Actor(900_002, "Keen author")
READER = Actor(900_003, "Reader")


async def _excerpt(workshop: Workshop, author: Actor) -> int:
    excerpt = await workshop.excerpts.create_excerpt(
        guild_id=GUILD,
        channel_id=10,
        author=author,
        title=f"By {author.display_name}",
        lines=[f"Line {n} of the excerpt, long enough to comment on." for n in range(1, 41)],
        content_warning=None,
    )
    await workshop.excerpts.mark_posted(excerpt, 10_000 + excerpt.number, [])
    return excerpt.number


async def tick(database: Database, report: Report) -> float:
    workshop = Workshop(database, lambda: NOW)
    number = await _excerpt(workshop, AUTHOR_ON)
    excerpt = await workshop.excerpts.get_excerpt(GUILD, number)
    tomorrow = int((NOW + timedelta(days=1)).replace(second=0).timestamp())
    async with database.transaction() as tx:
        await tx.notifications.bulk_settings(
            [(m, "daily", "18:00", "UTC", tomorrow, tomorrow) for m in range(1, MEMBERS + 1)]
        )
    service = NotificationService(database, lambda: NOW)
    samples: list[float] = []
    slot = NOW.replace(second=0)
    for round_ in range(TICKS):
        members = range(1 + round_ * 17_000, 1 + round_ * 17_000 + DUE_PER_TICK)
        async with database.transaction() as tx:
            await tx.notifications.reschedule([(m, slot, slot) for m in members])
            for member in members:
                await record(
                    tx,
                    notice_for(member, excerpt, NotifyEvent.COMMENT, "Reader", "#1: hello"),
                    actor_id=READER.id,
                    now=NOW - timedelta(hours=2),
                )
        started = time.perf_counter()
        claimed = await service.claim_due(DUE_PER_TICK)
        samples.append((time.perf_counter() - started) * 1000)
        if len(claimed) != DUE_PER_TICK:
            raise RuntimeError(f"tick {round_} claimed {len(claimed)}, not {DUE_PER_TICK}")
    idle_started = time.perf_counter()
    await service.claim_due(DUE_PER_TICK)
    idle_ms = (time.perf_counter() - idle_started) * 1000
    report(
        f"tick, {MEMBERS:,} members, {DUE_PER_TICK:,} due: median {statistics.median(samples):.1f}"
        f" ms, max {max(samples):.1f} ms (target ≤ {TICK_TARGET_MS:.0f} ms)"
    )
    report(
        f"idle tick (nothing due: one index lookup, then the cached wake time): {idle_ms:.3f} ms"
    )
    return max(samples)


async def comment_add(database: Database, report: Report) -> float:
    workshop = Workshop(database, lambda: NOW)
    own = await _excerpt(workshop, READER)
    quiet = await _excerpt(workshop, AUTHOR_OFF)
    keen = await _excerpt(workshop, AUTHOR_ON)
    async with database.transaction() as tx:
        await tx.notifications.save_settings(
            replace(DEFAULT, member_id=AUTHOR_OFF.id, mode=NotifyMode.OFF),
            next_daily=NOW + timedelta(days=1),
            now=NOW,
        )
    kinds = {"own excerpt (no event)": own, "author off": quiet, "author notified": keen}
    series = {name: Series(name) for name in kinds}
    runs = 3
    for _ in range(runs):
        for series_ in series.values():
            series_.runs.append([])
        for index in range(COMMENT_SAMPLES // runs):
            for name, number in kinds.items():
                started = time.perf_counter()
                await workshop.comments.add_comment(
                    guild_id=GUILD,
                    excerpt_number=number,
                    member=READER,
                    line_spec=str(1 + index % 40),
                    text=f"Comment {index} on {name}.",
                )
                series[name].runs[-1].append((time.perf_counter() - started) * 1000)
    for series_ in series.values():
        for line in series_.lines():
            report(f"/comment add, {line}")
    ratio = series["author notified"].stat("p99") / series["own excerpt (no event)"].stat("p99")
    report(f"/comment add p99 notified / no event: {ratio:.2f}× (target ≤ {RATIO_TARGET}×)")
    return ratio


async def measure(report: Report) -> None:
    with tempfile.TemporaryDirectory() as folder:
        database = Database(Path(folder) / "notify.db")
        await database.open()
        try:
            await tick(database, report)
            await comment_add(database, report)
        finally:
            await database.close()


def run(report: Report) -> None:
    asyncio.run(measure(report))
