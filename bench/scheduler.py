"""Benchmark the prompt scheduler's tick: find the due servers and claim them.

10,000 servers have a schedule on a real SQLite file; before each tick, 10 of them are
made due. A tick is :meth:`PromptService.claim_due` (the due query through its index,
then one transaction that claims each server's day, picks its prompt and moves its
schedule on), which is everything the loop does before talking to Discord.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.prompt_library import DEFAULT_LIBRARY_PATH, load_library
from bot.prompts import PromptService
from bot.storage import Database

SERVERS = 10_000
DUE_PER_TICK = 10
TICKS = 20
TARGET_MS = 50.0
ZONES = ("Europe/London", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "UTC")
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
Report = Callable[[str], None]


async def fill(database: Database) -> None:
    """Every server is scheduled for some hour later today, so none is due yet."""
    async with database.transaction() as tx:
        for guild_id in range(1, SERVERS + 1):
            await tx.prompts.save_schedule(
                guild_id=guild_id,
                channel_id=1_000_000 + guild_id,
                role_id=None,
                post_time=NOW.time(),
                time_zone=ZONES[guild_id % len(ZONES)],
                next_due=NOW + timedelta(hours=1 + guild_id % 11, minutes=guild_id % 60),
                now=NOW,
            )


async def make_due(database: Database, guild_ids: range) -> None:
    async with database.transaction() as tx:
        for guild_id in guild_ids:
            await tx.prompts.advance_schedule(
                guild_id, next_due=NOW - timedelta(minutes=1), last_local_date=None, now=NOW
            )


async def measure(report: Report) -> float:
    with tempfile.TemporaryDirectory() as folder:
        database = Database(Path(folder) / "scheduler.db")
        await database.open()
        try:
            await fill(database)
            service = PromptService(database, lambda: NOW, load_library(DEFAULT_LIBRARY_PATH))
            samples: list[float] = []
            for tick in range(TICKS):
                first = 1 + tick * DUE_PER_TICK * 37  # spread the due servers over the table
                await make_due(database, range(first, first + DUE_PER_TICK))
                service.schedules_changed()
                started = time.perf_counter()
                claims = await service.claim_due()
                samples.append((time.perf_counter() - started) * 1000)
                if len(claims) != DUE_PER_TICK:
                    raise RuntimeError(f"tick {tick} claimed {len(claims)}, not {DUE_PER_TICK}")
            idle_started = time.perf_counter()
            await service.claim_due()
            idle_ms = (time.perf_counter() - idle_started) * 1000
        finally:
            await database.close()
    report(f"idle tick (nothing due, answered from the cached wake time): {idle_ms:.3f} ms")
    return statistics.median(samples)


def run(report: Report = print) -> None:
    median = asyncio.run(measure(report))
    report(
        f"scheduler tick, {SERVERS} servers, {DUE_PER_TICK} due: {median:.1f} ms "
        f"(target <= {TARGET_MS:.0f} ms)"
    )


if __name__ == "__main__":
    run()
