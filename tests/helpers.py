"""Builders shared by tests, imported explicitly (``from tests.helpers import ...``).

``conftest.py`` holds fixtures only; everything a test calls by name lives here:

- a test server in SimCord (``Server``, ``make_server``), the bot's factory (``new_bot``),
  an excerpt posted through the real command (``SCENE``, ``post_scene``) and the check that
  the bot refused politely (``expect_refusal``);
- /prompt on SimCord's virtual clock (``setup``, ``advance_to``, ``shown``, ``NY_DUE``,
  ``PROMPT_TICK``) and ``only_domain_errors``, which says no error was a crash;
- the core without Discord: a settable ``Clock``, ``posted`` (an excerpt on a ``Workshop``)
  and ``marginalia_database`` (a database file for the command-line tests; ``ROOT``,
  ``WELL_FORMED_TOKEN``);
- digest files read back (``thread_numbers``, ``Page``);
- raw-SQL reads of the bot's database file (``count``, ``rows``, ``table_dump``,
  ``unposted``), for asserting what was, or was not, written;
- ``loop_lag_probe``, below.

``loop_lag_probe`` checks that the event loop never stalls: the bot serves every
server from one loop, so one callback that runs 50 ms delays everyone by 50 ms.

It works the way asyncio's debug mode finds slow callbacks (``BaseEventLoop._run_once``
times each ``Handle._run`` and warns past ``loop.slow_callback_duration``), without
debug mode's other costs, which would slow every callback and blur the measure:
while the probe is open each callback the loop runs is timed, and a ticker task
records how late the loop let it wake, which also catches a stall between callbacks.

    async with loop_lag_probe() as lag:
        await member.slash(...)
    lag.assert_no_stall()          # nothing ran longer than 50 ms
    print(lag.max_callback, lag.max_tick_delay, lag.slow)
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import discord
import simcord

from bot import create_bot
from bot.errors import MarginaliaError
from bot.models import Actor, Anchor, AnchorState, Comment, CommentStatus, PostedMessage
from bot.storage import Database, is_postgres_url
from bot.ui.client import MarginaliaBot
from bot.workshop import Workshop
from tests.postgres_server import postgres_rows

ROOT = Path(__file__).resolve().parent.parent  # the project's folder
# The shape of a bot token (id . time . signature); Discord is never reached with it.
WELL_FORMED_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB"

# --------------------------------------------------------------- SimCord servers


def new_bot(db_path: Path | str) -> MarginaliaBot:
    """A bot on ``db_path`` (a SQLite file or a PostgreSQL URL) that ignores a developer's
    .env server for command sync."""
    return create_bot(database=db_path, dev_guild_id=None)


@dataclass
class Server:
    guild: Any
    channel: Any
    author: Any
    reader: Any
    reader2: Any
    moderator: Any


def make_server(env: Any, name: str = "Workshop", **guild_options: Any) -> Server:
    """A server with a workshop channel and its members; ``guild_options`` go to
    SimCord's ``create_guild`` (``shard_id=`` for a sharded bot)."""
    guild = env.create_guild(name, **guild_options)
    channel = guild.create_text_channel("workshop")
    mods = guild.create_role(
        "Moderators", permissions=discord.Permissions(manage_guild=True, manage_messages=True)
    )
    return Server(
        guild=guild,
        channel=channel,
        author=guild.add_member(env.create_user(f"{name.lower()}-author")),
        reader=guild.add_member(env.create_user(f"{name.lower()}-reader")),
        reader2=guild.add_member(env.create_user(f"{name.lower()}-reader2")),
        moderator=guild.add_member(env.create_user(f"{name.lower()}-mod"), roles=[mods]),
    )


def expect_refusal(env: Any, result: Any, *fragments: str) -> str:
    """The bot answered with an ephemeral, polite error naming ``fragments``."""
    simcord.assert_error(env, MarginaliaError)
    assert result.ephemeral, "errors must be ephemeral"
    content: str = result.response.content
    for fragment in fragments:
        assert fragment.lower() in content.lower(), f"{fragment!r} not in {content!r}"
    return content


SCENE = (
    "The lighthouse keeper counted the gulls every morning.\n\n"
    "Nobody had asked him to; it simply steadied his hands.\n\n"
    "On the ninth day there were thirteen, and one of them was *watching* him.\n\n"
    "He wrote the number in the log, underlined it twice, and went to make tea."
)


async def post_scene(env: Any, server: Server, text: str = SCENE, title: str = "The Keeper") -> Any:
    """Post an excerpt as the author; returns the excerpt's thread handle."""
    result = await server.author.slash(
        server.channel, "excerpt post", title=title, file=("keeper.txt", text.encode())
    )
    assert result.response is not None, result
    thread = server.channel.threads[-1]
    return thread


# --------------------------------------------------------- /prompt on the virtual clock
# SimCord's virtual clock starts at 2026-01-01 00:00 UTC: 19:00 on 31 December in New York.

PROMPT_TICK = timedelta(seconds=30)  # one turn of the prompt scheduler
# 19:10 in New York on the first virtual evening.
NY_DUE = datetime(2026, 1, 1, 0, 10, tzinfo=UTC)


def shown(result: Any) -> str:
    """Everything a response shows: content and embed descriptions."""
    response = result.response
    parts = [response.content, *(embed.description for embed in response.embeds)]
    return "\n".join(part for part in parts if part)


async def advance_to(env: Any, when: datetime) -> None:
    # SimCord bounds one advance by real time, so long spans go a day at a time.
    while env.now() < when:
        await env.advance_time(min((when - env.now()).total_seconds(), 86_400))


async def setup(
    server: Server, time: str, timezone: str, channel: Any = None, **options: Any
) -> Any:
    result = await server.moderator.slash(
        server.channel,
        "prompt setup",
        channel=channel or server.channel,
        time=time,
        timezone=timezone,
        **options,
    )
    assert result.response is not None and result.ephemeral, result
    assert result.response.content.startswith("✅"), result.response.content
    return result


def only_domain_errors(env: Any) -> None:
    """Every error the bot raised was a domain refusal, none a crash."""
    for error in env.errors:
        original = getattr(error, "original", error)
        assert isinstance(original, MarginaliaError), repr(error)


# ------------------------------------------------------------- the core, no Discord


def make_comment(anchor: Anchor, **changes: object) -> Comment:
    """An open, anchored comment record on ``anchor``, for rendering tests; ``changes``
    replace any field."""
    comment = Comment(
        id=1,
        guild_id=1,
        number=4,
        excerpt_id=1,
        excerpt_number=1,
        author_id=2,
        author_name="Ruth",
        text="Hm.",
        anchor=anchor,
        suggestion=None,
        status=CommentStatus.OPEN,
        anchor_state=AnchorState.ANCHORED,
        revision=1,
        origin_revision=1,
        origin_line_start=anchor.line_start,
        origin_line_end=anchor.line_end,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        updated_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return replace(comment, **changes)  # type: ignore[arg-type]


@dataclass
class Clock:
    """The services' clock: stands still at ``now`` and steps ``step`` on every reading."""

    now: datetime = datetime(2026, 11, 25, 12, tzinfo=UTC)
    step: timedelta = timedelta(0)

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now


AUTHOR = Actor(1, "Ann")
READER = Actor(2, "Ben")
MODERATOR = Actor(3, "Mo", is_moderator=True)
GUILD = 100
OTHER_GUILD = 200


async def posted(
    workshop: Workshop, guild: int = GUILD, lines: int = 5, author: Actor = AUTHOR
) -> int:
    """A posted excerpt of ``lines`` numbered lines in ``guild``; returns its number."""
    title, parsed, warning = workshop.excerpts.prepare_excerpt(
        "Title", "\n".join(f"Line {n} of the keeper's tale." for n in range(1, lines + 1)), None
    )
    excerpt = await workshop.excerpts.create_excerpt(
        guild_id=guild,
        channel_id=1,
        author=author,
        title=title,
        lines=parsed,
        content_warning=warning,
    )
    await workshop.excerpts.mark_posted(
        excerpt, thread_id=1000 + excerpt.id, messages=[PostedMessage(5, 1, lines)]
    )
    return excerpt.number


async def marginalia_database(path: Path, *, in_flight: bool = False) -> None:
    """A real database with one posted excerpt (and one still being posted, if asked)."""
    database = Database(path)
    await database.open()
    workshop = Workshop(database, clock=lambda: datetime.now(UTC))
    try:
        posted = await workshop.excerpts.create_excerpt(
            guild_id=5,
            channel_id=7,
            author=Actor(1, "Author"),
            title="Posted",
            lines=["One.", "Two."],
            content_warning=None,
        )
        await workshop.excerpts.mark_posted(posted, 900, [PostedMessage(901, 1, 2)])
        if in_flight:
            await workshop.excerpts.create_excerpt(
                guild_id=5,
                channel_id=7,
                author=Actor(1, "Author"),
                title="Being posted right now",
                lines=["Three."],
                content_warning=None,
            )
    finally:
        await database.close()


# ------------------------------------------------------ raw SQL on the database file


def rows(db_path: Path | str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Raw SQL on the test's database, SQLite file or PostgreSQL URL (write the portable
    SQL the repositories do; placeholders as SQLite's)."""
    if is_postgres_url(db_path):
        return postgres_rows(str(db_path), sql, params)
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql, params).fetchall()


def count(db_path: Path | str, sql: str, *params: Any) -> int:
    return int(rows(db_path, sql, *params)[0][0])


def unposted(db_path: Path | str) -> int:
    """Excerpts written but never shown in a thread."""
    return count(db_path, "SELECT COUNT(*) FROM excerpts WHERE thread_id IS NULL")


def table_dump(db_path: Path | str, *, internal: bool = True) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, sorted: two dumps are equal iff the contents are.

    ``internal=False`` leaves out SQLite's own tables (``sqlite_sequence``...).
    """
    if is_postgres_url(db_path):
        names = [
            str(row[0])
            for row in rows(
                db_path,
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                " ORDER BY tablename",
            )
        ]
        return {name: sorted(rows(db_path, f"SELECT * FROM {name}"), key=repr) for name in names}
    skip = "" if internal else " AND name NOT LIKE 'sqlite_%'"
    with sqlite3.connect(db_path) as conn:
        names = [
            row[0]
            for row in conn.execute(
                f"SELECT name FROM sqlite_master WHERE type = 'table'{skip} ORDER BY name"
            )
        ]
        return {name: sorted(conn.execute(f"SELECT * FROM {name}"), key=repr) for name in names}


# ---------------------------------------------------------------- digest files


def thread_numbers(markdown: str) -> list[int]:
    """Comment numbers in the order the Markdown lists their threads."""
    found = re.findall(r"^- \*\*.*· #(\d+) · (?:open|resolved)", markdown, re.M)
    return [int(number) for number in found]


class Page(HTMLParser):
    """An HTML digest as read back: its tags, its text, and the text inside <mark>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.marks: list[str] = []
        self.text: list[str] = []
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in {"meta", "br"}:
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        while self._open and self._open.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if "mark" in self._open:
            self.marks.append(data)


# ------------------------------------------------------------------- loop lag

STALL_LIMIT = 0.05  # seconds: the most the event loop may be held by one piece of work
TICK = 0.005
TICKER_SLACK = 4  # see LoopLag.assert_no_stall


@dataclass
class LoopLag:
    """What the probe saw: the slowest callbacks and the ticker's worst wake-up delay."""

    limit: float
    slow: list[tuple[float, str]] = field(default_factory=list)  # (seconds, callback)
    max_callback: float = 0.0
    max_tick_delay: float = 0.0
    callbacks: int = 0

    def assert_no_stall(self, limit: float | None = None) -> None:
        """No callback held the loop past ``limit``, and the ticker was never far late.

        The callbacks are the measure (as in asyncio's debug mode). The ticker gets a
        looser bound: on a shared machine the OS can leave the whole process waiting
        for a core for tens of milliseconds, which no code of ours can prevent, while a
        stall outside any callback (the loop itself blocked) still shows far beyond it.
        """
        limit = self.limit if limit is None else limit
        slow = [(round(took, 3), what) for took, what in self.slow if took > limit]
        assert not slow, f"the event loop stalled: {slow}"
        assert self.max_tick_delay <= TICKER_SLACK * limit, (
            f"the event loop woke a {TICK * 1000:.0f} ms ticker "
            f"{self.max_tick_delay * 1000:.0f} ms late"
        )


def _describe(handle: asyncio.Handle) -> str:
    callback: Callable[..., Any] | None = getattr(handle, "_callback", None)
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, asyncio.Task):
        return f"task {owner.get_coro()!r}"
    return repr(callback)


@asynccontextmanager
async def loop_lag_probe(limit: float = STALL_LIMIT) -> AsyncIterator[LoopLag]:
    """Time every callback of the running loop, and tick, while the block runs."""
    loop = asyncio.get_running_loop()
    lag = LoopLag(limit)
    original_run = asyncio.Handle._run

    def timed_run(handle: asyncio.Handle) -> None:
        if getattr(handle, "_loop", None) is not loop:
            original_run(handle)
            return
        started = time.perf_counter()
        try:
            original_run(handle)
        finally:
            took = time.perf_counter() - started
            lag.callbacks += 1
            lag.max_callback = max(lag.max_callback, took)
            if took > limit / 2:
                lag.slow.append((took, _describe(handle)))

    async def ticker() -> None:
        while True:
            asked = time.perf_counter()
            await asyncio.sleep(TICK)
            late = time.perf_counter() - asked - TICK
            lag.max_tick_delay = max(lag.max_tick_delay, late)

    asyncio.Handle._run = timed_run  # type: ignore[method-assign, assignment]
    ticking = asyncio.create_task(ticker())
    try:
        yield lag
    finally:
        ticking.cancel()
        asyncio.Handle._run = original_run  # type: ignore[method-assign]
