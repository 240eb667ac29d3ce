"""Benchmarks for the spine: comment latency, autocomplete, insert rate, packing, start-up.

Builds a database of 1,000,000 comments over 1,000 excerpts, then drives the real
bot through SimCord. Latency is reported two ways: the bot's own time from
receiving an interaction to having answered it (the command tree's dispatch),
and the SimCord round trip, which adds SimCord's ~50 ms settle step.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiosqlite
import discord
import simcord

from bot import create_bot
from bot.models import Actor
from bot.ui.client import MarginaliaBot

EXCERPTS = 1_000
COMMENTS = 1_000_000
LINES_PER_EXCERPT = 40
SAMPLES = 300
Report = Callable[[str], None]


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1)]


def describe(samples: list[float]) -> str:
    return f"p50 {statistics.median(samples):.2f} ms, p99 {percentile(samples, 0.99):.2f} ms"


async def build_database(bot: MarginaliaBot, guild_id: int, report: Report) -> None:
    started = time.perf_counter()
    line_texts = [
        f"Paragraph {n}: the keeper counted the gulls, and the gulls counted him back."
        for n in range(1, LINES_PER_EXCERPT + 1)
    ]
    now = discord.utils.utcnow()
    excerpt_ids: list[int] = []
    async with bot.database.transaction() as tx:
        for index in range(EXCERPTS):
            excerpt = await tx.excerpts.insert_excerpt(
                guild_id=guild_id,
                title=f"Bulk excerpt {index}",
                author_id=1 + index % 50,
                author_name=f"author{index % 50}",
                channel_id=1,
                content_warning=None,
                lines=line_texts,
                word_count=500,
                now=now,
            )
            await tx.excerpts.mark_posted(excerpt.id, 1, 10_000 + index, [])
            excerpt_ids.append(excerpt.id)
    stamp = now.isoformat()
    batch: list[tuple[Any, ...]] = []
    for number in range(1, COMMENTS + 1):
        line = 1 + number % LINES_PER_EXCERPT
        batch.append(
            (
                guild_id,
                number,
                excerpt_ids[number % EXCERPTS],
                1 + number % 500,
                f"reader{number % 500}",
                f"Comment {number}: this line drags a little.",
                line,
                line,
                1,
                stamp,
            )
        )
        if len(batch) == 100_000:
            async with bot.database.transaction() as tx:
                await tx.comments.bulk_insert_comments(batch)
            batch.clear()
    report(
        f"built {COMMENTS:,} comments over {EXCERPTS:,} excerpts in "
        f"{time.perf_counter() - started:.1f} s"
    )


def instrument(bot: MarginaliaBot) -> list[float]:
    """Time the tree's dispatch of each interaction: receipt to answered (ms)."""
    timings: list[float] = []
    original = bot.tree._call

    async def timed(interaction: discord.Interaction[MarginaliaBot]) -> None:
        started = time.perf_counter()
        try:
            await original(interaction)
        finally:
            timings.append((time.perf_counter() - started) * 1000)

    bot.tree._call = timed  # type: ignore[method-assign]
    return timings


async def measure(
    timings: list[float], action: Callable[[int], Awaitable[Any]], count: int = SAMPLES
) -> tuple[list[float], list[float]]:
    own: list[float] = []
    trips: list[float] = []
    for index in range(count):
        timings.clear()
        started = time.perf_counter()
        await action(index)
        trips.append((time.perf_counter() - started) * 1000)
        own.append(timings[-1])
    return own, trips


async def latency_benchmarks(database: Path, report: Report) -> None:
    bot = create_bot(database=database)

    @bot.tree.command(name="noop", description="Benchmark baseline: answers at once")
    async def noop(interaction: discord.Interaction) -> None:
        # Public, like a comment posted in its thread: SimCord idles ~50 ms after an
        # ephemeral answer, which would flatter the ratio.
        await interaction.response.send_message("ok")

    try:
        async with simcord.run(bot) as env:
            guild = env.create_guild("Bench")
            channel = guild.create_text_channel("workshop")
            author = guild.add_member(env.create_user("author"))
            reader = guild.add_member(env.create_user("reader"))
            await build_database(bot, guild.id, report)

            text = "\n\n".join(
                f"{n}. The tide came in over the stones and went out again, as it always "
                "had; the keeper wrote it down anyway, every time, in a careful hand."
                for n in range(1, 230)
            )
            posted = await author.slash(
                channel, "excerpt post", title="Thirty thousand", file=("t.txt", text.encode())
            )
            assert posted.response is not None
            thread = channel.threads[-1]
            messages = thread.history()
            rendered = sum(
                len(e.description or "") + len(e.title or "") for m in messages for e in m.embeds
            )
            bound = math.ceil(rendered / 6000)
            report(
                f"P4 posting {len(text):,} characters ({rendered:,} rendered): "
                f"{len(messages)} messages; ceil(rendered/6000) = {bound} "
                f"(target <= {bound + 1})"
            )

            timings = instrument(bot)
            own_add, trip_add = await measure(
                timings,
                lambda i: reader.slash(
                    thread, "comment add", line=str(1 + i % 200), text=f"Note {i}"
                ),
            )
            own_noop, trip_noop = await measure(timings, lambda i: reader.slash(channel, "noop"))
            report(f"P1 /comment add, bot's own time: {describe(own_add)} (target p99 <= 25 ms)")
            report(f"P1 no-op command, bot's own time: {describe(own_noop)}")
            ratio = percentile(own_add, 0.99) / max(percentile(own_noop, 0.99), 1e-9)
            report(f"P1 ratio p99 comment/no-op: {ratio:.2f}x (target <= 2x)")
            report(
                f"P1 round trip through SimCord: /comment add {describe(trip_add)}; "
                f"no-op {describe(trip_noop)}"
            )

            words = ["Bulk", "excerpt 9", "Thirty", "12", "", "zzz"]
            own_auto, trip_auto = await measure(
                timings,
                lambda i: reader.autocomplete(
                    channel, "excerpt show", "excerpt", words[i % len(words)]
                ),
            )
            report(
                f"P1 excerpt autocomplete, bot's own time: {describe(own_auto)} "
                "(target p99 <= 10 ms)"
            )
            report(f"P1 excerpt autocomplete round trip: {describe(trip_auto)}")
            await store_insert_rate(bot, guild.id, report)
    finally:
        await bot.close()


async def store_insert_rate(bot: MarginaliaBot, guild_id: int, report: Report) -> None:
    """Comments through the full core (validation + transaction) vs raw insert+commit."""
    count = 2_000
    number = (await bot.workshop.excerpts.list_excerpts(guild_id))[0].excerpt.number
    reader = Actor(77, "Reader")
    started = time.perf_counter()
    for index in range(count):
        await bot.workshop.comments.add_comment(
            guild_id=guild_id,
            excerpt_number=number,
            member=reader,
            line_spec=str(1 + index % 100),
            text=f"Store note {index}",
        )
    store_rate = count / (time.perf_counter() - started)

    # The baseline writes plain rows into the same table of the same database (same
    # indexes, same durability) through its own connection: the difference is our work.
    async with aiosqlite.connect(bot.settings.database) as raw:
        await raw.execute_fetchall("PRAGMA synchronous = FULL")
        started = time.perf_counter()
        for index in range(count):
            await raw.execute(
                "INSERT INTO comments (guild_id, number, excerpt_id, author_id, author_name,"
                " text, line_start, line_end, revision, origin_revision, origin_line_start,"
                " origin_line_end, created_at, updated_at)"
                " VALUES (?, ?, 1, 77, 'Raw', ?, 1, 1, 1, 1, 1, 1, ?, ?)",
                (guild_id + 1, index + 1, f"Raw note {index}", "2026-11-25", "2026-11-25"),
            )
            await raw.commit()
        raw_rate = count / (time.perf_counter() - started)
    report(
        f"P2 store inserts {store_rate:,.0f}/s vs raw aiosqlite insert+commit {raw_rate:,.0f}/s "
        f"into the same table (WAL, synchronous=FULL): ratio {store_rate / raw_rate:.2f} "
        "(target >= 0.6)"
    )


def startup(database: Path, report: Report) -> None:
    """P6 in a fresh process so its memory is the bot's alone."""
    completed = subprocess.run(
        [sys.executable, "-m", "bench.startup", str(database)],
        capture_output=True,
        text=True,
        check=True,
    )
    report(completed.stdout.strip())


def run(report: Report = print) -> None:
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.db"
        asyncio.run(latency_benchmarks(database, report))
        startup(database, report)


if __name__ == "__main__":
    run()
