"""Issue 13's figures: every answer should cost one page, whatever is stored.

``python -m bench pages [--size 1M] [--runs 3] [--samples 2000] [--budget 60]``
(sizes: tiny, 100k, 1M, 3M, 10M or a number of comments). The skewed database comes
from ``bench.dataset`` (cached by size); the real bot runs on a private copy in SimCord
and every figure is the bot's own time: from receiving the interaction (the command
tree's dispatch, or the view's for a button) to sending its first visible answer (a
message, an edit, autocomplete choices, or a deferred command's first followup: a
deferral is not an answer); SimCord's own settling and handling of the answer are not
in it, nor is work after the answer (keeping a card's message id). Prints each series
per run, then one table beside the targets.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import itertools
import json
import math
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite
import discord
import simcord

from bench import dataset
from bench.measure import RUNS, SAMPLES, Series, describe, sample_runs
from bot import create_bot
from bot.models import Actor
from bot.ui.client import MarginaliaBot
from bot.ui.comments import COMMENTS_PER_PAGE
from bot.ui.excerpts import EXCERPT_COUNT_CAP, EXCERPTS_PER_PAGE

Report = Callable[[str], None]
NO_MATCH = "qzxv"  # a word no comment or title contains
SETTLE_TIMEOUT_S = 300.0  # today's /excerpt list at 10M takes longer than SimCord's 5 s
EXPIRE_SECONDS = 601  # past any view's timeout (lists: 5 minutes)
FLOOR_GUILD = dataset.GUILD_BASE + 9_999  # raw rows for the storage floor go here

# The series' names, as the table reads them.
PAGE_READS = (
    "/excerpt list (hot server)",
    "/comment list, first page (hot excerpt)",
    "/comment list, a later page (Next)",
    "/excerpt show (hot excerpt)",
    "excerpt autocomplete, no match",
    "comment autocomplete, no match, outside a thread",
    "comment autocomplete, no match, in a hot thread",
)
DIGEST_MINE = "/digest mine (877 excerpts)"
COMMENT_ADD = "/comment add (hot thread)"
NO_OP = "no-op command"
FLOOR = "storage floor (raw durable insert + point read)"
COLD_START = "cold start to ready"
MEMORY = "VmHWM at ready"
REWRITE = "full rewrite 2,000 lines x 2,000 comments"


@dataclass
class Row:
    name: str
    figure: str
    target: str
    ok: bool | None  # None: no target to judge


# Set while the bot handles one interaction: when it first answered (None: not yet).
_ANSWERED: contextvars.ContextVar[list[float | None]] = contextvars.ContextVar("answered")
# What answers an interaction with something the member sees (a deferral does not).
_ANSWERS = (
    (discord.InteractionResponse, "send_message"),
    (discord.InteractionResponse, "edit_message"),
    (discord.InteractionResponse, "autocomplete"),
    (discord.Interaction, "edit_original_response"),
    (discord.Webhook, "send"),  # a deferred command's first followup
)


def _noting_the_answer(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """The answer is timed when the bot sends it: what the simulated Discord then does
    with it (storing it, with its growing history of messages) is not the bot's time."""

    async def answer(*args: Any, **kwargs: Any) -> Any:
        mark = _ANSWERED.get(None)
        if mark is not None and mark[0] is None:
            mark[0] = time.perf_counter()
        return await method(*args, **kwargs)

    return answer


class Clock:
    """The bot's own time per interaction, from receiving it to answering it: tree
    dispatch (commands, autocomplete) and view dispatch (buttons), recorded by
    interaction id. What the bot does after answering (keeping a card's message id)
    is not in it; a command that never answers is timed to its end."""

    def __init__(self, bot: MarginaliaBot) -> None:
        self.own: dict[int, float] = {}
        self.last = math.nan
        original_call = bot.tree._call

        async def timed_call(interaction: discord.Interaction[MarginaliaBot]) -> None:
            await self._time(interaction, original_call(interaction))

        bot.tree._call = timed_call  # type: ignore[method-assign]
        original_task = discord.ui.View._scheduled_task
        clock = self

        async def timed_task(view: discord.ui.View, item: Any, interaction: Any) -> None:
            await clock._time(interaction, original_task(view, item, interaction))

        self._original_task = original_task
        discord.ui.View._scheduled_task = timed_task  # type: ignore[method-assign,assignment]
        self._originals = [(owner, name, getattr(owner, name)) for owner, name in _ANSWERS]
        for owner, name, method in self._originals:
            setattr(owner, name, _noting_the_answer(method))

    async def _time(self, interaction: Any, work: Awaitable[None]) -> None:
        mark: list[float | None] = [None]
        token = _ANSWERED.set(mark)
        started = time.perf_counter()
        try:
            await work
        finally:
            _ANSWERED.reset(token)
            answered = mark[0] if mark[0] is not None else time.perf_counter()
            self.last = self.own[interaction.id] = (answered - started) * 1000

    def close(self) -> None:
        discord.ui.View._scheduled_task = self._original_task  # type: ignore[method-assign]
        for owner, name, method in self._originals:
            setattr(owner, name, method)


async def timed(clock: Clock, action: Awaitable[Any]) -> float:
    clock.last = math.nan
    await action
    if math.isnan(clock.last):
        raise RuntimeError("the interaction never reached the bot")
    return clock.last


@dataclass
class Scene:
    env: Any
    bot: MarginaliaBot
    clock: Clock
    shape: dataset.Shape
    hot_channel: Any
    hot_thread: Any  # the thread of a hot excerpt (~10k comments)
    quiet_thread: Any  # the thread of an excerpt in the smallest server
    reader: Any
    quiet_reader: Any
    prolific: Any  # the author with 877 excerpts


async def build_scene(env: Any, bot: MarginaliaBot, database: Path, shape: dataset.Shape) -> Scene:
    hot = env.create_guild("Hot", id=shape.hot_guild)
    quiet = env.create_guild("Quiet", id=shape.quiet_guild)
    hot_channel = hot.create_text_channel("workshop")
    quiet_channel = quiet.create_text_channel("workshop")
    prolific = hot.add_member(env.create_user("prolific"))
    reader = hot.add_member(env.create_user("reader"))
    quiet_reader = quiet.add_member(env.create_user("quiet-reader"))
    text = "\n\n".join(f"Line {n} of the bench's own excerpt." for n in range(1, 41))
    for channel, member in ((hot_channel, prolific), (quiet_channel, quiet_reader)):
        await member.slash(channel, "excerpt post", title="Bench", file=("b.txt", text.encode()))
    hot_thread, quiet_thread = hot_channel.threads[-1], quiet_channel.threads[-1]
    # The generated rows know neither SimCord's channel, thread nor user ids: put every
    # excerpt of both servers in their channel, give the hot excerpt the thread just posted
    # (the posted excerpt takes the hot one's made-up thread id), and the prolific
    # author's excerpts to the member who will ask for their digest.
    conn = sqlite3.connect(database, timeout=10)
    try:
        for guild, channel in ((shape.hot_guild, hot_channel), (shape.quiet_guild, quiet_channel)):
            conn.execute(
                "UPDATE excerpts SET channel_id = ? WHERE guild_id = ?", (channel.id, guild)
            )
        (made_up,) = conn.execute(
            "SELECT thread_id FROM excerpts WHERE guild_id = ? AND number = ?",
            (shape.hot_guild, shape.hot_excerpt),
        ).fetchone()
        conn.execute(
            "UPDATE excerpts SET thread_id = ? WHERE thread_id = ?", (made_up, hot_thread.id)
        )
        conn.execute(
            "UPDATE excerpts SET thread_id = ? WHERE guild_id = ? AND number = ?",
            (hot_thread.id, shape.hot_guild, shape.hot_excerpt),
        )
        conn.execute(
            "UPDATE excerpts SET author_id = ? WHERE guild_id = ? AND author_id = ?",
            (prolific.id, shape.hot_guild, shape.prolific_author),
        )
        conn.commit()
    finally:
        conn.close()
    return Scene(
        env,
        bot,
        Clock(bot),
        shape,
        hot_channel,
        hot_thread,
        quiet_thread,
        reader,
        quiet_reader,
        prolific,
    )


# ------------------------------------------------------------------ the benches


async def reads(scene: Scene, options: argparse.Namespace, report: Report) -> list[Series]:
    s, clock, hot = scene, scene.clock, scene.shape.hot_excerpt
    out: list[Series] = []

    async def run(
        name: str, action: Callable[[int], Awaitable[Any]], *, expire: bool = True
    ) -> None:
        async def sample(index: int) -> float:
            if expire and index % 10 == 0:
                await expire_views(s)
            return await timed(clock, action(index))

        series = await sample_runs(
            name,
            sample,
            runs=options.runs,
            samples=options.samples,
            budget_s=options.budget,
        )
        for line in series.lines():
            report(line)
        out.append(series)

    await run("/excerpt list (hot server)", lambda i: s.reader.slash(s.hot_channel, "excerpt list"))
    await run(
        "/comment list, first page (hot excerpt)",
        lambda i: s.reader.slash(s.hot_channel, "comment list", excerpt=str(hot)),
    )
    await run("/comment list, a later page (Next)", await _later_pages(s), expire=False)
    await run(
        "/excerpt show (hot excerpt)",
        lambda i: s.reader.slash(s.hot_channel, "excerpt show", excerpt=str(hot)),
    )
    await run(
        "excerpt autocomplete, no match",
        lambda i: s.reader.autocomplete(s.hot_channel, "excerpt show", "excerpt", NO_MATCH),
    )
    await run(
        "comment autocomplete, no match, outside a thread",
        lambda i: s.reader.autocomplete(s.hot_channel, "comment resolve", "comment", NO_MATCH),
    )
    await run(
        "comment autocomplete, no match, in a hot thread",
        lambda i: s.reader.autocomplete(s.hot_thread, "comment resolve", "comment", NO_MATCH),
    )
    await run(DIGEST_MINE, lambda i: s.prolific.slash(s.hot_channel, "digest mine"))
    return out


async def expire_views(s: Scene) -> None:
    """Let every open list time out (virtual time, unmeasured). SimCord looks at every live
    view and timer while it settles, on the bot's own loop, so hundreds of open lists
    would slow every later sample by tens of milliseconds that a real loop does not pay."""
    await s.env.advance_time(EXPIRE_SECONDS)


async def _later_pages(s: Scene) -> Callable[[int], Awaitable[Any]]:
    """Each sample presses Next on an open list; a fresh list every 20 pages."""
    state: dict[str, Any] = {"message": None, "pressed": 0}

    async def press(index: int) -> Any:
        if state["message"] is None or state["pressed"] >= 10:
            await expire_views(s)
            opened = await s.reader.slash(
                s.hot_channel, "comment list", excerpt=str(s.shape.hot_excerpt)
            )
            state["message"], state["pressed"] = opened.response, 0
        state["pressed"] += 1
        return await s.reader.click(state["message"], label="Next")

    return press


async def writes(scene: Scene, options: argparse.Namespace, report: Report) -> list[Series]:
    """/comment add, a no-op command, and the storage floor, sample for sample in one run."""
    s, clock = scene, scene.clock
    add = Series(COMMENT_ADD)
    noop = Series(NO_OP)
    floor = Series(FLOOR)
    per_run = math.ceil(options.samples / options.runs)
    raw = await aiosqlite.connect(s.bot.settings.database, isolation_level=None)
    await raw.execute_fetchall("PRAGMA synchronous = FULL")
    await raw.execute_fetchall("PRAGMA busy_timeout = 5000")
    number = 0
    try:
        for _ in range(options.runs):
            runs: tuple[list[float], list[float], list[float]] = ([], [], [])
            for index in range(per_run):
                runs[0].append(
                    await timed(
                        clock,
                        s.reader.slash(
                            s.hot_thread,
                            "comment add",
                            line=str(1 + index % 40),
                            # Unique across runs: the same text again is a retry,
                            # which the bot answers without a second insert.
                            text=f"Bench note {number + 1}",
                        ),
                    )
                )
                runs[1].append(await timed(clock, s.reader.slash(s.hot_channel, "noop")))
                number += 1
                runs[2].append(await _floor_sample(raw, number))
            add.runs.append(runs[0])
            noop.runs.append(runs[1])
            floor.runs.append(runs[2])
    finally:
        await raw.close()
    for series in (add, noop, floor):
        for line in series.lines():
            report(line)
    return [add, noop, floor]


async def _floor_sample(raw: aiosqlite.Connection, number: int) -> float:
    stamp = "2026-11-29T00:00:00+00:00"
    started = time.perf_counter()
    await raw.execute(
        "INSERT INTO comments (guild_id, number, excerpt_id, author_id, author_name, text,"
        " line_start, line_end, revision, origin_revision, origin_line_start, origin_line_end,"
        " created_at, updated_at) VALUES (?, ?, 1, 77, 'Raw', ?, 1, 1, 1, 1, 1, 1, ?, ?)",
        (FLOOR_GUILD, number, f"Raw note {number}", stamp, stamp),
    )
    await raw.execute_fetchall(
        "SELECT * FROM comments WHERE guild_id = ? AND number = ?", (FLOOR_GUILD, number)
    )
    return (time.perf_counter() - started) * 1000


async def head_of_line(scene: Scene, options: argparse.Namespace, report: Report) -> list[Series]:
    """A comment in the quiet server sent while a long read runs in the hot one: its time
    minus its median alone is how long it waited.

    SimCord runs one operation at a time, so both go through the bot's services (the
    layer the cogs call), as two concurrent tasks on the bot's loop.
    """
    s = scene
    bot, shape = s.bot, s.shape
    actor = Actor(s.quiet_reader.id, "quiet-reader")
    quiet_excerpt = await _quiet_excerpt_number(s)
    counter = iter(range(10**9))

    async def comment() -> float:
        started = time.perf_counter()
        await bot.workshop.comments.add_comment(
            guild_id=shape.quiet_guild,
            member=actor,
            line_spec="1",
            text=f"While reading {next(counter)}",
            excerpt_number=quiet_excerpt,
        )
        return (time.perf_counter() - started) * 1000

    alone = [await comment() for _ in range(50)]
    base = statistics.median(alone)
    report(f"quiet comment alone (service layer): {describe(alone)}")
    reads: dict[str, Callable[[], Awaitable[Any]]] = {
        "/excerpt list": lambda: _excerpt_list_reads(bot, shape.hot_guild),
        "comment autocomplete in a hot thread": lambda: bot.workshop.comments.search_comments(
            shape.hot_guild, NO_MATCH, shape.hot_excerpt
        ),
        "/comment list": lambda: bot.workshop.comments.list_comments(
            guild_id=shape.hot_guild,
            excerpt_number=shape.hot_excerpt,
            line_spec=None,
            status=None,
            limit=COMMENTS_PER_PAGE + 1,  # one page, as the command reads
        ),
        "/digest mine": lambda: bot.digests.author_digest(
            shape.hot_guild, s.prolific.id, "markdown"
        ),
    }
    out: list[Series] = []
    for name, read in reads.items():
        series = Series(f"quiet comment waited behind {name}")
        try:
            took = await timed_seconds(read)
            offsets = _spread_over(took)
            for _ in range(options.runs):
                run: list[float] = []
                started = time.perf_counter()
                while len(run) < options.contended and (
                    len(run) < 3 or time.perf_counter() - started < options.budget / options.runs
                ):
                    waited = await _contended(read, comment, next(offsets)) - base
                    run.append(max(0.0, waited))
                series.runs.append(run)
        except TypeError as error:  # a service whose signature changed: say so, go on
            report(f"{series.name}: skipped ({error})")
            continue
        for line in series.lines():
            report(line)
        out.append(series)
    return out


async def _excerpt_list_reads(bot: MarginaliaBot, guild_id: int) -> None:
    """What ``/excerpt list`` reads: the capped count, then one page (not every excerpt
    of the server, which no command reads)."""
    service = bot.workshop.excerpts
    await service.count_excerpts(guild_id, cap=EXCERPT_COUNT_CAP + 1)
    await service.list_excerpts(guild_id, limit=EXCERPTS_PER_PAGE + 1)


async def _quiet_excerpt_number(s: Scene) -> int:
    conn = sqlite3.connect(s.bot.settings.database, timeout=10)
    try:
        (number,) = conn.execute(
            "SELECT number FROM excerpts WHERE guild_id = ? AND thread_id = ?",
            (s.shape.quiet_guild, s.quiet_thread.id),
        ).fetchone()
    finally:
        conn.close()
    return int(number)


async def timed_seconds(read: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await read()
    return time.perf_counter() - started


def _spread_over(seconds: float) -> Iterator[float]:
    """When to send the comment after the read starts: spread evenly over the read's
    whole length, sample after sample (a digest loads, then renders: a comment may
    arrive in either part)."""
    golden = (5**0.5 - 1) / 2
    for sample in itertools.count():
        yield max(0.001, seconds * ((0.05 + sample * golden) % 1.0))


async def _contended(
    read: Callable[[], Awaitable[Any]], comment: Callable[[], Awaitable[float]], after: float
) -> float:
    long_read = asyncio.ensure_future(read())
    await asyncio.sleep(after)  # the read is under way
    waited = await comment()
    await long_read
    return waited


# ------------------------------------------------------------------ outside the session


def cold_start(database: Path, runs: int, report: Report) -> tuple[Series, Series]:
    """Start to ready and VmHWM at ready, each in a fresh process (bench.startup), with
    the bot's modules byte-compiled as ``scripts/run.sh`` leaves them."""
    seconds = Series(COLD_START)
    memory = Series(MEMORY)
    project = Path(__file__).resolve().parent.parent
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(project / "bot"), str(project / "cogs")],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    for _ in range(runs):
        completed = subprocess.run(
            [sys.executable, "-m", "bench.startup", str(database), "--json"],
            capture_output=True,
            text=True,
            check=True,
        )
        figures = json.loads(completed.stdout.strip().splitlines()[-1])
        seconds.runs.append([figures["ready_s"] * 1000])
        memory.runs.append([figures["vm_hwm_mb"]])
        report(
            f"cold start {figures['ready_s']:.2f} s, VmHWM {figures['vm_hwm_mb']:.1f} MB, "
            f"VmRSS {figures['vm_rss_mb']:.1f} MB at ready"
        )
    return seconds, memory


def full_rewrite(runs: int, report: Report) -> Series:
    from bench.reanchor import full_rewrite_ms

    series = Series(REWRITE)
    for _ in range(runs):
        series.runs.append([full_rewrite_ms()])
    for line in series.lines():
        report(line)
    return series


# ------------------------------------------------------------------ the table


def table(results: dict[str, Series], size: str) -> list[Row]:
    """The issue's rows for what was measured (``--only`` leaves the others out)."""
    rows: list[Row] = []
    flat = "p99 <= 10 ms at 10M, flat from 1M"
    for key in PAGE_READS:
        if key in results:
            rows.append(_latency_row(results[key], flat, 10.0))
    if DIGEST_MINE in results:
        rows.append(_latency_row(results[DIGEST_MINE], "(no target; defers)", None))
    waits = [s for name, s in results.items() if name.startswith("quiet comment waited")]
    for series in waits:
        rows.append(
            Row(
                series.name,
                f"max {series.stat('max'):.1f} ms, p50 {series.stat('p50'):.1f} ms "
                f"(n {series.count})",
                "<= 20 ms behind any read",
                series.stat("max") <= 20,
            )
        )
    if COMMENT_ADD in results:
        rows.extend(_write_rows(results[COMMENT_ADD], results[NO_OP], results[FLOOR]))
    if COLD_START in results:
        rows.extend(_start_rows(results[COLD_START], results[MEMORY]))
    if REWRITE in results:
        rewrite = results[REWRITE]
        rows.append(
            Row(
                rewrite.name,
                f"min {rewrite.stat('min'):.0f} ms, median {rewrite.stat('p50'):.0f} ms",
                "<= 200 ms",
                rewrite.stat("p50") <= 200,
            )
        )
    return rows


def _write_rows(add: Series, noop: Series, floor: Series) -> list[Row]:
    over50 = add.stat("p50") - floor.stat("p50")
    over99 = add.stat("p99") - floor.stat("p99")
    return [
        _latency_row(add, "", None),
        _latency_row(floor, "", None),
        Row(
            "/comment add overhead above the floor",
            f"p50 {over50:.2f} ms, p99 {over99:.2f} ms; no-op ratio p99 "
            f"{add.stat('p99') / max(noop.stat('p99'), 1e-9):.2f}x "
            f"(no-op p99 {noop.stat('p99'):.2f} ms)",
            "<= 0.5 ms p99",
            over99 <= 0.5,
        ),
    ]


def _start_rows(start: Series, memory: Series) -> list[Row]:
    return [
        Row(
            start.name,
            f"median {start.stat('p50') / 1000:.2f} s, max {start.stat('max') / 1000:.2f} s",
            "<= 0.4 s at 10M",
            start.stat("p50") <= 400,
        ),
        Row(
            memory.name,
            f"max {memory.stat('max'):.1f} MB (the bot process itself)",
            "<= 70 MB",
            memory.stat("max") <= 70,
        ),
    ]


def _latency_row(series: Series, target: str, limit: float | None) -> Row:
    cut = ", budget cut" if series.budget_hit else ""
    figure = (
        f"min {series.stat('min'):.2f} / p50 {series.stat('p50'):.2f} / "
        f"p99 {series.stat('p99'):.2f} ms (n {series.count:,}{cut})"
    )
    return Row(series.name, figure, target, None if limit is None else series.stat("p99") <= limit)


def print_table(rows: list[Row], size: str, report: Report) -> None:
    report(f"issue 13 figures at {size} comments (bot's own time):")
    width = max(len(r.name) for r in rows)
    fig = max(len(r.figure) for r in rows)
    for r in rows:
        verdict = "" if r.ok is None else ("  ok" if r.ok else "  MISSED")
        report(f"| {r.name:<{width}} | {r.figure:<{fig}} | {r.target}{verdict}")


# ------------------------------------------------------------------ running


async def session(
    database: Path, shape: dataset.Shape, options: argparse.Namespace, report: Report
) -> dict[str, Series]:
    bot = create_bot(database=database)

    @bot.tree.command(name="noop", description="Benchmark baseline: answers at once")
    async def noop(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("ok")

    results: dict[str, Series] = {}
    try:
        async with simcord.run(bot, settle_timeout=SETTLE_TIMEOUT_S) as env:
            scene = await build_scene(env, bot, database, shape)
            try:
                for part in (reads, writes, head_of_line):
                    if options.only and part.__name__ not in options.only:
                        continue
                    for series in await part(scene, options, report):
                        results[series.name] = series
            finally:
                scene.clock.close()
    finally:
        await bot.close()
    return results


PARTS = ("start", "reads", "writes", "head_of_line", "rewrite")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench pages")
    parser.add_argument("--size", default="1M", help="tiny, 100k, 1M, 3M, 10M or a number")
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--samples", type=int, default=SAMPLES, help="per series, all runs")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per series at most")
    parser.add_argument("--contended", type=int, default=20, help="head-of-line samples per run")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=PARTS,
        help="measure only these parts (the table then lists only their rows)",
    )
    return parser.parse_args(argv)


def run(report: Report = print, argv: list[str] | None = None) -> list[Row]:
    options = parse(argv or [])
    comments = dataset.parse_size(options.size)
    size = dataset.size_name(comments)
    with tempfile.TemporaryDirectory() as folder:
        database, shape = dataset.prepared(comments, Path(folder), report)
        report(
            f"hot server: {shape.guild_excerpts:,} excerpts; hot excerpt #{shape.hot_excerpt}; "
            f"{options.runs} runs, {options.samples:,} samples per series"
        )
        wanted = set(options.only or PARTS)
        results: dict[str, Series] = {}
        if "start" in wanted:
            start, memory = cold_start(database, options.runs, report)
            results[start.name], results[memory.name] = start, memory
        if "rewrite" in wanted:
            # Before the session: SimCord's record of every message sent in it would
            # otherwise weigh on each garbage collection during the plan, a heap the
            # bot's own process never has.
            rewrite = full_rewrite(options.runs, report)
            results[rewrite.name] = rewrite
        if wanted & {"reads", "writes", "head_of_line"}:
            results.update(asyncio.run(session(database, shape, options, report)))
    rows = table(results, size)
    print_table(rows, size, report)
    return rows


if __name__ == "__main__":
    run(argv=sys.argv[1:])
