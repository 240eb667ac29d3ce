"""Growing past one machine: SQLite and PostgreSQL side by side, in one run.

`python -m bench cluster [--size 1M] [--postgres URL] [--samples N]`

* P1 `/comment add`, the bot's own time (tree dispatch, as in `pages`), p50/p99, on the
  cached skewed database of ``--size`` comments (see :mod:`bench.dataset`): the SQLite
  file, and the same rows copied into PostgreSQL with `python -m bot copy`'s engine
  (cached on the server as a template database, so a rerun only clones it).
* P2 comment inserts through the store (one durable insert per comment, as
  `/comment add` writes it) against a raw single-row INSERT with the same durability
  (aiosqlite with synchronous=FULL; asyncpg with synchronous_commit on), and 8 concurrent
  writers (8 servers) against one, on a fresh database.
* The prompt scheduler's tick with 100,000 configured servers, 100 of them due: every
  claim_due batch the loop runs before talking to Discord.
* Start-up to ready on the ``--size`` database, in a fresh process (`bench.startup`).

The PostgreSQL server is ``--postgres`` / ``MARGINALIA_BENCH_POSTGRES`` or a cluster kept
under the bench cache (fsync on; see :mod:`bench.pg_server`).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench import dataset
from bench.measure import percentile
from bench.pg_server import admin, bench_postgres, fetch_value, with_database

Report = Callable[[str], None]
BACKENDS = ("SQLite", "PostgreSQL")
WARM_UP = 20
P1_TARGET_MS = 10.0
P2_RAW_TARGET = 0.6
P2_WRITERS_TARGET = 3.0
WRITERS = 8
TICK_TARGET_MS = 50.0
SERVERS = 100_000
DUE = 100
TICKS = 10
STARTUP_TARGET_S = 1.5
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@dataclass
class Figure:
    name: str
    target: str
    values: dict[str, str] = field(default_factory=dict)
    ok: dict[str, bool | None] = field(default_factory=dict)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench cluster")
    parser.add_argument("--size", default="1M", help="comments in the P1/start-up database")
    parser.add_argument("--postgres", help="a server URL whose user may create databases")
    parser.add_argument("--samples", type=int, default=300, help="P1 samples per backend")
    parser.add_argument("--inserts", type=int, default=1_000, help="P2 inserts per figure")
    return parser.parse_args(argv or [])


# ------------------------------------------------------------------ the databases


async def pg_copy_of(admin_url: str, source: Path, size: str, report: Report) -> str:
    """A fresh PostgreSQL database holding ``source``'s rows: cloned from a cached
    template, which is made (with the copy command's engine) the first time."""
    from bot.storage import known_version
    from bot.storage.pg_copy import copy_to_postgres

    template = f"marginalia_bench_{size.lower()}_{dataset.migrations_key()}"
    exists = await fetch_value(
        admin_url, "SELECT COUNT(*) FROM pg_database WHERE datname = $1", template
    )
    if not exists:
        partial = f"{template}_partial"
        await admin(admin_url, f"DROP DATABASE IF EXISTS {partial}", f"CREATE DATABASE {partial}")
        started = time.perf_counter()
        copied = await copy_to_postgres(
            source, with_database(admin_url, partial), source_version=known_version()
        )
        rows = sum(t.rows for t in copied.tables)
        report(
            f"copied {rows:,} rows into PostgreSQL (python -m bot copy's engine, verified) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        await admin(with_database(admin_url, partial), "VACUUM ANALYZE", "CHECKPOINT")
        await admin(admin_url, f"ALTER DATABASE {partial} RENAME TO {template}")
    name = f"marginalia_bench_run_{os.getpid()}"
    started = time.perf_counter()
    await admin(
        admin_url, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name} TEMPLATE {template}"
    )
    report(f"cloned the cached PostgreSQL {size} database in {time.perf_counter() - started:.1f} s")
    return with_database(admin_url, name)


async def fresh_pg(admin_url: str, purpose: str) -> str:
    name = f"marginalia_bench_{purpose}_{os.getpid()}"
    await admin(admin_url, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}")
    return with_database(admin_url, name)


async def drop_pg(admin_url: str, url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    await admin(admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# ------------------------------------------------------------------ P1


async def comment_add(
    target: str, shape: dataset.Shape, samples: int
) -> tuple[list[float], list[float]]:
    """``/comment add`` and, sample for sample, a command that does nothing (the floor:
    discord.py's dispatch and this machine's scheduling noise)."""
    import discord
    import simcord

    from bench.pages import Clock, timed
    from bot import create_bot

    bot = create_bot(database=target, dev_guild_id=None)

    @bot.tree.command(name="noop", description="Benchmark floor: answers at once")
    async def noop(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("ok")

    text = "\n\n".join(f"Line {n} of the bench's own excerpt." for n in range(1, 41))
    try:
        async with simcord.run(bot) as env:
            guild = env.create_guild("Hot", id=shape.hot_guild)
            channel = guild.create_text_channel("workshop")
            author = guild.add_member(env.create_user("author"))
            reader = guild.add_member(env.create_user("reader"))
            await author.slash(
                channel, "excerpt post", title="Bench", file=("b.txt", text.encode())
            )
            thread = channel.threads[-1]
            clock = Clock(bot)
            own: list[float] = []
            floor: list[float] = []
            try:
                for index in range(WARM_UP + samples):
                    add = reader.slash(
                        thread, "comment add", line=str(1 + index % 40), text=f"Bench {index}"
                    )
                    own.append(await timed(clock, add))
                    floor.append(await timed(clock, reader.slash(thread, "noop")))
            finally:
                clock.close()
    finally:
        await bot.close()
    return own[WARM_UP:], floor[WARM_UP:]


# ------------------------------------------------------------------ P2


async def _excerpts(store: Any, writers: int) -> list[tuple[int, int]]:
    """One posted excerpt in each of ``writers`` servers: (guild_id, excerpt_id)."""
    made: list[tuple[int, int]] = []
    async with store.transaction() as tx:
        for writer in range(writers):
            guild = 7_000_000 + writer
            excerpt = await tx.excerpts.insert_excerpt(
                guild_id=guild,
                title=f"Writer {writer}",
                author_id=1,
                author_name="author",
                channel_id=1,
                content_warning=None,
                lines=[f"Line {n}." for n in range(1, 41)],
                word_count=120,
                now=NOW,
            )
            await tx.excerpts.mark_posted(excerpt.id, 1, 90_000 + writer, [])
            made.append((guild, excerpt.id))
    return made


async def _store_insert(store: Any, guild: int, excerpt_id: int, index: int) -> None:
    from bot.models import Anchor

    # The way /comment add writes: one transaction.
    async with store.transaction() as session:
        await session.comments.insert_comment(
            guild_id=guild,
            excerpt_id=excerpt_id,
            excerpt_number=1,
            revision=1,
            author_id=2,
            author_name="reader",
            text=f"Store note {index}",
            anchor=Anchor(1 + index % 40, 1 + index % 40),
            suggestion=None,
            now=NOW,
        )


_RAW_GUILDS = itertools.count(8_000_000, 1_000)  # raw rows never collide across rounds
_RAW_INSERT = (
    "INSERT INTO comments (guild_id, number, excerpt_id, author_id, author_name, text,"
    " line_start, line_end, revision, origin_revision, origin_line_start, origin_line_end,"
    " created_at, updated_at) VALUES ({}, {}, {}, 2, 'raw', {}, 1, 1, 1, 1, 1, 1, {}, {})"
)


async def _raw_rate(
    target: str, guild: int, excerpt_id: int, count: int, writers: int = 1
) -> float:
    stamp = NOW.isoformat()
    if target.startswith("postgresql://"):
        import asyncpg

        sql = _RAW_INSERT.format("$1", "$2", "$3", "$4", "$5", "$6")
        conns = [await asyncpg.connect(target) for _ in range(writers)]
        per_writer = count // writers

        async def write(slot: int) -> None:
            first = 10**6 + (1 + slot) * 10**5 + (10**4 if writers > 1 else 0)
            for number in range(first, first + per_writer):
                await conns[slot].execute(
                    sql, guild + slot, number, excerpt_id, f"raw {number}", stamp, stamp
                )

        try:
            started = time.perf_counter()
            await asyncio.gather(*(write(slot) for slot in range(writers)))
            return per_writer * writers / (time.perf_counter() - started)
        finally:
            for conn in conns:
                await conn.close()
    import aiosqlite

    raw = await aiosqlite.connect(target, isolation_level=None)
    await raw.execute_fetchall("PRAGMA synchronous = FULL")
    await raw.execute_fetchall("PRAGMA busy_timeout = 5000")
    sql = _RAW_INSERT.format(*"??????")
    try:
        started = time.perf_counter()
        for number in range(1, count + 1):
            await raw.execute(
                sql, (guild, 10**6 + number, excerpt_id, f"raw {number}", stamp, stamp)
            )
        return count / (time.perf_counter() - started)
    finally:
        await raw.close()


async def inserts(target: str, count: int) -> dict[str, float]:
    from bot.storage import store_for

    store = store_for(target)
    await store.open()
    try:
        pairs = await _excerpts(store, WRITERS + 1)
        guild, excerpt_id = pairs[0]
        for index in range(50):  # warm the statements and the pool
            await _store_insert(store, guild, excerpt_id, index)
        started = time.perf_counter()
        for index in range(count):
            await _store_insert(store, guild, excerpt_id, index)
        one = count / (time.perf_counter() - started)
        per_writer = max(1, count // WRITERS)

        async def writer(slot: int) -> None:
            g, e = pairs[1 + slot]
            for index in range(per_writer):
                await _store_insert(store, g, e, index)

        started = time.perf_counter()
        await asyncio.gather(*(writer(slot) for slot in range(WRITERS)))
        eight = per_writer * WRITERS / (time.perf_counter() - started)
    finally:
        await store.close()
    raw = await _raw_rate(target, next(_RAW_GUILDS), pairs[0][1], count)
    result = {"store": one, "raw": raw, "eight": eight}
    if target.startswith("postgresql://"):
        # The machine's own ceiling: raw inserts on 8 connections at once.
        result["raw_eight"] = await _raw_rate(
            target, next(_RAW_GUILDS), pairs[0][1], count, WRITERS
        )
    return result


# ------------------------------------------------------------------ the scheduler


def _schedule_rows() -> list[tuple[Any, ...]]:
    from bot.storage.prompts import to_stamp

    zones = ("Europe/London", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "UTC")
    stamp = to_stamp(NOW)
    return [
        (
            (guild << 22) | 1,
            1_000_000 + guild,
            None,
            NOW.strftime("%H:%M"),
            zones[guild % len(zones)],
            0,
            to_stamp(NOW + timedelta(hours=1 + guild % 11, minutes=guild % 60)),
            None,
            stamp,
            stamp,
        )
        for guild in range(1, SERVERS + 1)
    ]


_SCHEDULE_COLUMNS = (
    "guild_id",
    "channel_id",
    "role_id",
    "post_time",
    "time_zone",
    "paused",
    "next_due_utc",
    "last_local_date",
    "created_at",
    "updated_at",
)


async def _fill_schedules(target: str) -> None:
    rows = _schedule_rows()
    if target.startswith("postgresql://"):
        import asyncpg

        conn = await asyncpg.connect(target)
        try:
            await conn.copy_records_to_table(
                "prompt_schedules", records=rows, columns=list(_SCHEDULE_COLUMNS)
            )
            await conn.execute("ANALYZE prompt_schedules")
        finally:
            await conn.close()
        return
    import sqlite3

    marks = ", ".join("?" for _ in _SCHEDULE_COLUMNS)
    with sqlite3.connect(target) as conn:
        conn.executemany(
            f"INSERT INTO prompt_schedules ({', '.join(_SCHEDULE_COLUMNS)}) VALUES ({marks})",
            rows,
        )
        conn.execute("ANALYZE")
    conn.close()


async def scheduler_tick(target: str) -> list[float]:
    from bot.prompt_library import DEFAULT_LIBRARY_PATH, load_library
    from bot.prompts import CLAIM_BATCH, PromptService
    from bot.storage import store_for

    store = store_for(target)
    await store.open()  # migrates a fresh database
    await store.close()
    await _fill_schedules(target)
    store = store_for(target)
    await store.open()
    try:
        service = PromptService(store, lambda: NOW, load_library(DEFAULT_LIBRARY_PATH))
        samples: list[float] = []
        for tick in range(TICKS):
            first = 1 + tick * DUE * 37
            async with store.transaction() as tx:
                for guild in range(first, first + DUE):
                    await tx.prompts.advance_schedule(
                        (guild << 22) | 1,
                        next_due=NOW - timedelta(minutes=1),
                        last_local_date=None,
                        now=NOW,
                    )
            service.schedules_changed()
            started = time.perf_counter()
            claimed = 0
            while True:  # the loop's tick: batch after batch until a short one
                claims = await service.claim_due(CLAIM_BATCH)
                claimed += len(claims)
                if len(claims) < CLAIM_BATCH:
                    break
            samples.append((time.perf_counter() - started) * 1000)
            if claimed != DUE:
                raise RuntimeError(f"tick {tick} claimed {claimed}, not {DUE}")
    finally:
        await store.close()
    return samples


# ------------------------------------------------------------------ start-up


def startup(target: str) -> float:
    done = subprocess.run(
        [sys.executable, "-m", "bench.startup", target, "--json"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "MARGINALIA_LOG_LEVEL": "WARNING"},
    )
    return float(json.loads(done.stdout.strip().splitlines()[-1])["ready_s"])


# ------------------------------------------------------------------ the run


def _ms(samples: list[float]) -> str:
    return f"{statistics.median(samples):.2f} / {percentile(samples, 0.99):.2f} ms"


async def _measure(
    admin_url: str, options: argparse.Namespace, report: Report, folder: str
) -> list[Figure]:
    size = dataset.size_name(dataset.parse_size(options.size))
    p1 = Figure(f"P1 /comment add own time p50 / p99 ({size} comments)", "PG p99 <= 10 ms")
    floor = Figure("P1 floor: a command that does nothing, p50 / p99", "(noise)")
    p2 = Figure("P2 store inserts / raw single-row INSERT", f">= {P2_RAW_TARGET}x")
    p2w = Figure(f"P2 {WRITERS} concurrent writers / 1 writer", f">= {P2_WRITERS_TARGET:.0f}x")
    p2raw = Figure(f"P2 raw INSERT, {WRITERS} connections / 1 (the ceiling)", "(machine)")
    tick = Figure(f"scheduler tick, {SERVERS:,} servers, {DUE} due (median / max)", "<= 50 ms both")
    start = Figure(f"start-up to ready ({size} comments)", "<= 1.5 s both")
    figures = [p1, floor, p2, p2w, p2raw, tick, start]
    comments = dataset.parse_size(options.size)
    sqlite_db, shape = await asyncio.to_thread(dataset.prepared, comments, Path(folder), report)
    source = dataset.migrated_file(comments, report)  # cached by now
    pg_db = await pg_copy_of(admin_url, source, size, report)
    big = {"SQLite": str(sqlite_db), "PostgreSQL": pg_db}
    try:
        for backend, target in big.items():
            own, nothing = await comment_add(target, shape, options.samples)
            p1.values[backend] = _ms(own)
            floor.values[backend] = _ms(nothing)
            p1.ok[backend] = percentile(own, 0.99) <= P1_TARGET_MS if backend != "SQLite" else None
            report(f"P1 {backend}: {p1.values[backend]} over {len(own)} samples")
        for backend, target in big.items():
            seconds = await asyncio.to_thread(startup, target)
            start.values[backend] = f"{seconds:.2f} s"
            start.ok[backend] = seconds <= STARTUP_TARGET_S
            report(f"start-up {backend}: {seconds:.2f} s")
    finally:
        await drop_pg(admin_url, pg_db)
    fresh = {
        "SQLite": str(Path(folder) / "p2.db"),
        "PostgreSQL": await fresh_pg(admin_url, "p2"),
    }
    ticks = {
        "SQLite": str(Path(folder) / "tick.db"),
        "PostgreSQL": await fresh_pg(admin_url, "tick"),
    }
    try:
        for backend in BACKENDS:
            # The median of three rounds: the machine is shared, one round can be unlucky.
            rounds = [await inserts(fresh[backend], options.inserts) for _ in range(3)]
            rates = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
            ratio, scale = rates["store"] / rates["raw"], rates["eight"] / rates["store"]
            p2.values[backend] = f"{ratio:.2f}x ({rates['store']:,.0f} vs {rates['raw']:,.0f}/s)"
            p2.ok[backend] = ratio >= P2_RAW_TARGET
            p2w.values[backend] = f"{scale:.2f}x ({rates['eight']:,.0f}/s)"
            p2w.ok[backend] = scale >= P2_WRITERS_TARGET if backend != "SQLite" else None
            if "raw_eight" in rates:
                p2raw.values[backend] = (
                    f"{rates['raw_eight'] / rates['raw']:.2f}x ({rates['raw_eight']:,.0f}/s)"
                )
            report(f"P2 {backend}: {p2.values[backend]}; {WRITERS} writers {p2w.values[backend]}")
            samples = await scheduler_tick(ticks[backend])
            tick.values[backend] = f"{statistics.median(samples):.1f} / {max(samples):.1f} ms"
            tick.ok[backend] = max(samples) <= TICK_TARGET_MS
            report(f"tick {backend}: {tick.values[backend]}")
    finally:
        await drop_pg(admin_url, fresh["PostgreSQL"])
        await drop_pg(admin_url, ticks["PostgreSQL"])
    return figures


def table(figures: list[Figure]) -> list[str]:
    def cell(figure: Figure, backend: str) -> str:
        value = figure.values.get(backend, "-")
        verdict = figure.ok.get(backend)
        return value + ("" if verdict is None else (" ok" if verdict else " MISSED"))

    width = max(len(f.name) for f in figures)
    columns = [max(len(b), *(len(cell(f, b)) for f in figures)) for b in BACKENDS]
    lines = [
        f"{'':<{width}}  "
        + "  ".join(f"{b:<{w}}" for b, w in zip(BACKENDS, columns, strict=True))
        + "  target"
    ]
    for figure in figures:
        cells = "  ".join(f"{cell(figure, b):<{w}}" for b, w in zip(BACKENDS, columns, strict=True))
        lines.append(f"{figure.name:<{width}}  {cells}  {figure.target}")
    return lines


def run(report: Report = print, argv: list[str] | None = None) -> None:
    options = parse(argv)
    with (
        bench_postgres(options.postgres, report) as admin_url,
        tempfile.TemporaryDirectory() as folder,
    ):
        figures = asyncio.run(_measure(admin_url, options, report, folder))
    for line in table(figures):
        report(line)


if __name__ == "__main__":
    run(argv=sys.argv[1:])
