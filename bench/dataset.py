"""A skewed workshop database, built fast and cached by size.

The shape of issue 13's measurements: 1,000 servers whose sizes follow Zipf's law,
a few hot excerpts with ~10,000 comments each, one prolific author (877 excerpts,
~56,000 comments on them) in the biggest server, and everyone else's comments spread
over ordinary excerpts, interleaved in time (ids do not cluster by excerpt).

The file is built the way a real one grows old: the schema of migrations 0001-0004
(the last one whose tables these inserts know) is applied and recorded exactly as
the bot records it, the rows go in with plain ``executemany`` in one transaction,
then ``bot.storage.Database(path).open()`` applies every later migration, so any
count, index or search table a later migration adds is backfilled by that migration
as it would be on a production database. Both the base file (keyed by size) and the
migrated file (keyed by size and the migrations' text) are cached, so a rerun only
copies a file.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import os
import random
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.storage import Database
from bot.storage.database import load_migrations

GENERATOR_VERSION = 1
BASE_SCHEMA = 4  # the migrations whose tables the inserts below are written for
SERVERS = 1_000
ZIPF_EXPONENT = 1.1
HOT_COMMENTS = 10_000  # comments on each hot excerpt
HOT_SHARE = 0.3  # of all comments, on hot excerpts
HOT_SERVERS = 10  # hot excerpts live in the biggest servers
ORDINARY_MEAN = 70  # comments per ordinary excerpt, on average
LINES = 40  # lines of an ordinary excerpt
HOT_LINES = 400
PROLIFIC_EXCERPTS = 877
PROLIFIC_COMMENTS = 56_000
REPLY_SHARE = 0.02
READERS = 2_000
GUILD_BASE = 900_000_000_000_000_000  # server of rank r: GUILD_BASE + r
PROLIFIC_AUTHOR = 4_242  # author id of the prolific author (rank-1 server)
SEED = 20_261_129
BATCH = 50_000

SIZES = {
    "tiny": 5_000,
    "100k": 100_000,
    "1M": 1_000_000,
    "3M": 3_000_000,
    "10M": 10_000_000,
}

Report = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Shape:
    """What a bench needs to know about a generated database."""

    comments: int
    hot_guild: int  # the biggest server
    quiet_guild: int  # the smallest server
    hot_excerpt: int  # number (in hot_guild) of a hot excerpt
    prolific_author: int  # author id with PROLIFIC_EXCERPTS excerpts in hot_guild
    guild_excerpts: int  # excerpts in hot_guild


def parse_size(text: str) -> int:
    if text in SIZES:
        return SIZES[text]
    return int(text.replace("_", "").replace(",", ""))


def size_name(comments: int) -> str:
    for name, value in SIZES.items():
        if value == comments:
            return name
    return str(comments)


def cache_folder() -> Path:
    root = os.environ.get("MARGINALIA_BENCH_CACHE") or os.environ.get("XDG_CACHE_HOME")
    base = Path(root) if root else Path.home() / ".cache"
    folder = base if os.environ.get("MARGINALIA_BENCH_CACHE") else base / "marginalia-bench"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def migrations_key() -> str:
    digest = hashlib.sha256()
    for migration in load_migrations():
        digest.update(f"{migration.version}:{migration.name}:{migration.sql}".encode())
    return digest.hexdigest()[:10]


def prepared(comments: int, folder: Path, report: Report = print) -> tuple[Path, Shape]:
    """A private copy (in ``folder``) of the cached, migrated database of this size."""
    migrated = migrated_file(comments, report)
    target = folder / "bench.db"
    started = time.perf_counter()
    shutil.copyfile(migrated, target)
    # On disk before the run, as a database in use is: otherwise the first sync (a
    # commit's, a checkpoint's) writes the whole fresh copy out and is timed with it.
    with target.open("rb+") as copy:
        os.fsync(copy.fileno())
    report(
        f"copied the cached {size_name(comments)} database (and synced it) in "
        f"{time.perf_counter() - started:.1f} s"
    )
    return target, shape_of(target, comments)


def migrated_file(comments: int, report: Report) -> Path:
    folder = cache_folder()
    name = f"skewed-{size_name(comments)}-g{GENERATOR_VERSION}"
    migrated = folder / f"{name}-m{migrations_key()}.db"
    if migrated.exists():
        return migrated
    base = folder / f"{name}-base.db"
    if not base.exists():
        partial = base.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        started = time.perf_counter()
        build_base(partial, comments)
        partial.rename(base)
        report(
            f"built {comments:,} comments ({base.stat().st_size / 2**20:,.0f} MB) in "
            f"{time.perf_counter() - started:.1f} s"
        )
    for stale in folder.glob(f"{name}-m*.db"):
        stale.unlink()  # an older schema's copy: only the newest is kept
    partial = migrated.with_suffix(".partial")
    shutil.copyfile(base, partial)
    started = time.perf_counter()
    asyncio.run(_migrate(partial))
    partial.rename(migrated)
    report(f"applied later migrations in {time.perf_counter() - started:.1f} s")
    return migrated


async def _migrate(path: Path) -> None:
    database = Database(path)
    await database.open()
    await database.close()
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def shape_of(path: Path, comments: int) -> Shape:
    hot_guild = GUILD_BASE + 1
    conn = sqlite3.connect(path)
    try:
        (hot_excerpt,) = conn.execute(
            "SELECT number FROM excerpts WHERE guild_id = ? AND line_count = ? ORDER BY number"
            " LIMIT 1",
            (hot_guild, HOT_LINES),
        ).fetchone()
        (guild_excerpts,) = conn.execute(
            "SELECT COUNT(*) FROM excerpts WHERE guild_id = ?", (hot_guild,)
        ).fetchone()
        (quiet_guild,) = conn.execute("SELECT MAX(guild_id) FROM excerpts").fetchone()
    finally:
        conn.close()
    return Shape(
        comments=comments,
        hot_guild=hot_guild,
        quiet_guild=int(quiet_guild),
        hot_excerpt=int(hot_excerpt),
        prolific_author=PROLIFIC_AUTHOR,
        guild_excerpts=int(guild_excerpts),
    )


# ------------------------------------------------------------------ building


@dataclass(slots=True)
class _Excerpt:
    id: int
    guild: int  # rank, 1..SERVERS
    number: int
    author: int
    lines: int
    comments: int  # target


def _zipf_weights(count: int) -> list[float]:
    return [1 / rank**ZIPF_EXPONENT for rank in range(1, count + 1)]


def _plan(comments: int, rng: random.Random) -> list[_Excerpt]:
    prolific = PROLIFIC_COMMENTS if comments >= 4 * PROLIFIC_COMMENTS else comments // 10
    prolific_excerpts = PROLIFIC_EXCERPTS if prolific == PROLIFIC_COMMENTS else 50
    hot_count = max(1, int(comments * HOT_SHARE) // HOT_COMMENTS)
    hot_each = min(HOT_COMMENTS, max(1, int(comments * HOT_SHARE) // hot_count))
    ordinary_total = max(0, comments - prolific - hot_count * hot_each)
    ordinary_count = max(SERVERS, ordinary_total // ORDINARY_MEAN)
    guild_weights = _zipf_weights(SERVERS)
    # Every server has at least one excerpt; the rest follow Zipf.
    guilds = list(range(1, SERVERS + 1)) + rng.choices(
        range(1, SERVERS + 1), weights=guild_weights, k=ordinary_count - SERVERS
    )
    plan: list[_Excerpt] = []
    numbers: dict[int, int] = {}

    def add(guild: int, author: int, lines: int, target: int) -> None:
        numbers[guild] = numbers.get(guild, 0) + 1
        plan.append(_Excerpt(len(plan) + 1, guild, numbers[guild], author, lines, target))

    for index in range(hot_count):
        add(1 + index % HOT_SERVERS, 10_000 + index, HOT_LINES, hot_each)
    for _ in range(prolific_excerpts):
        add(1, PROLIFIC_AUTHOR, LINES, prolific // prolific_excerpts)
    rng.shuffle(guilds)
    for guild in guilds:
        # Exponential spread around the mean: most excerpts get a few dozen comments.
        target = int(rng.expovariate(1 / ORDINARY_MEAN))
        add(guild, 1 + rng.randrange(200) + guild * 1_000, LINES, target)
    # Scale ordinary targets so the total is exact.
    ordinary = [e for e in plan if e.lines == LINES and e.author != PROLIFIC_AUTHOR]
    drawn = sum(e.comments for e in ordinary) or 1
    for excerpt in ordinary:
        excerpt.comments = excerpt.comments * ordinary_total // drawn
    short = comments - sum(e.comments for e in plan)
    plan[0].comments += short
    return plan


def _apply_base_schema(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TABLE schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    stamp = datetime.now(UTC).isoformat()
    for migration in load_migrations()[:BASE_SCHEMA]:
        conn.executescript(migration.sql)
        conn.execute(
            "INSERT INTO schema_migrations VALUES (?, ?, ?)",
            (migration.version, migration.name, stamp),
        )


def build_base(path: Path, comments: int) -> None:
    rng = random.Random(SEED + comments)
    plan = _plan(comments, rng)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -1000000")
        _apply_base_schema(conn)  # executescript commits: the schema goes first
        conn.execute("BEGIN")
        # The sequence trigger runs once per row; the sequences are written once at the end.
        (trigger_sql,) = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'comments_advance_sequence'"
        ).fetchone()
        conn.execute("DROP TRIGGER comments_advance_sequence")
        start = datetime(2025, 1, 1, tzinfo=UTC)
        _insert_excerpts(conn, plan, start)
        numbers = _insert_comments(conn, plan, comments, rng, start)
        conn.executemany(
            "INSERT INTO guild_sequences (guild_id, kind, last_value) VALUES (?, ?, ?)",
            [(GUILD_BASE + g, "comment", n) for g, n in numbers.items()]
            + [
                (GUILD_BASE + g, "excerpt", max(e.number for e in plan if e.guild == g))
                for g in {e.guild for e in plan}
            ],
        )
        conn.execute(trigger_sql)
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()


def _line_text(excerpt: int, number: int) -> str:
    return (
        f"Line {number} of {excerpt}: the keeper counted the gulls at dusk, "
        "and the gulls, unhurried, counted him back."
    )


def _insert_excerpts(conn: sqlite3.Connection, plan: list[_Excerpt], start: datetime) -> None:
    stamp = start.isoformat()
    conn.executemany(
        "INSERT INTO excerpts (id, guild_id, number, title, author_id, author_name, channel_id,"
        " thread_id, revision, status, word_count, line_count, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, 1, ?, 1, 'open', ?, ?, ?, ?)",
        (
            (
                e.id,
                GUILD_BASE + e.guild,
                e.number,
                f"Excerpt {e.number} of server {e.guild}",
                e.author,
                f"author{e.author}",
                5_000_000_000 + e.id,
                e.lines * 18,
                e.lines,
                stamp,
                stamp,
            )
            for e in plan
        ),
    )
    conn.executemany(
        "INSERT INTO revisions (excerpt_id, number, line_count, word_count, created_at)"
        " VALUES (?, 1, ?, ?, ?)",
        ((e.id, e.lines, e.lines * 18, stamp) for e in plan),
    )
    conn.executemany(
        "INSERT INTO lines (excerpt_id, revision, number, text) VALUES (?, 1, ?, ?)",
        ((e.id, n, _line_text(e.id, n)) for e in plan for n in range(1, e.lines + 1)),
    )
    conn.executemany(
        "INSERT INTO excerpt_messages (message_id, excerpt_id, revision, first_line, last_line)"
        " VALUES (?, ?, 1, 1, ?)",
        ((6_000_000_000 + e.id, e.id, e.lines) for e in plan),
    )


_WORDS = [
    "this",
    "line",
    "drags",
    "a",
    "little",
    "the",
    "rhythm",
    "stumbles",
    "here",
    "lovely",
    "image",
    "I",
    "lost",
    "the",
    "thread",
    "who",
    "is",
    "speaking",
    "cut",
    "this",
    "beautiful",
    "too",
    "much",
    "telling",
    "show",
    "it",
    "instead",
    "why",
    "now",
]


def _insert_comments(
    conn: sqlite3.Connection,
    plan: list[_Excerpt],
    comments: int,
    rng: random.Random,
    start: datetime,
) -> dict[int, int]:
    """Comments in time order, each on an excerpt drawn by its share: interleaved ids."""
    cumulative = list(itertools.accumulate(e.comments for e in plan))
    numbers: dict[int, int] = {}
    span = timedelta(days=600) / max(comments, 1)
    reply_rows: list[tuple[int, int, str, str, str]] = []

    def rows() -> Iterator[tuple[object, ...]]:
        for chunk_start in range(0, comments, BATCH):
            count = min(BATCH, comments - chunk_start)
            chosen = rng.choices(plan, cum_weights=cumulative, k=count)
            for offset, excerpt in enumerate(chosen):
                index = chunk_start + offset
                guild = excerpt.guild
                number = numbers[guild] = numbers.get(guild, 0) + 1
                line = 1 + index * 7919 % excerpt.lines
                stamp = (start + span * index).isoformat()
                reader = 1 + index * 31 % READERS
                text = (
                    f"{_WORDS[index % len(_WORDS)]} {_WORDS[index * 7 % len(_WORDS)]} "
                    f"{_WORDS[index * 13 % len(_WORDS)]}, note {index}"
                )
                if index % 50 == 0:
                    reply_rows.append(
                        (index + 1, reader + 1, f"reader{reader + 1}", "Agreed.", stamp)
                    )
                yield (
                    index + 1,
                    GUILD_BASE + guild,
                    number,
                    excerpt.id,
                    reader,
                    f"reader{reader}",
                    text,
                    line,
                    line,
                    "resolved" if index % 5 == 0 else "open",
                    line,
                    line,
                    stamp,
                    stamp,
                )

    conn.executemany(
        "INSERT INTO comments (id, guild_id, number, excerpt_id, author_id, author_name, text,"
        " line_start, line_end, status, revision, origin_revision, origin_line_start,"
        " origin_line_end, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1, ?, ?, ?, ?)",
        rows(),
    )
    conn.executemany(
        "INSERT INTO replies (comment_id, author_id, author_name, text, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        reply_rows,
    )
    return numbers


if __name__ == "__main__":
    import sys

    size = parse_size(sys.argv[1] if len(sys.argv) > 1 else "1M")
    print(migrated_file(size, print))
