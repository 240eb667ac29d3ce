"""Two bot processes over one database (issue 14, item 3): two bots, each in its own
SimCord environment (its own simulated Discord, its own virtual clock, its own pool of
connections), share the database the way two processes of a shard cluster do.

The environments build the same servers in the same order, so a server and its channel
have the same ids in both: whichever bot claims a server's day posts in its own copy of
the channel, and the prompts are counted over both copies.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import discord
import simcord

from bot import create_bot
from bot.models import Actor
from bot.storage import store_for
from bot.ui.client import MarginaliaBot
from tests.helpers import rows

SHARDS = 4
SERVERS_PER_SHARD = 2
POST_TIMES = ("01:00", "07:00", "13:00", "19:00")
CHUNK = timedelta(minutes=15)  # the clocks move in step, a chunk at a time
DAY_END = datetime(2026, 1, 1, 23, 30, tzinfo=UTC)
COMMENTS = 500
T = TypeVar("T")


def guild_id(shard: int, n: int) -> int:
    """A server id on ``shard`` of ``SHARDS`` (Discord's (id >> 22) % count)."""
    return (((n + 1) * SHARDS + shard) << 22) | 7


@dataclass
class Node:
    """One process of the cluster: its bot and its simulated Discord."""

    env: Any
    bot: MarginaliaBot
    shard_ids: str
    channels: dict[int, Any]  # server id -> channel handle in this environment
    scope: contextlib.ExitStack  # the test's own code reads this environment's clock


async def start_node(target: Any, shard_ids: str) -> Node:
    bot = create_bot(database=target, dev_guild_id=None, shard_count=SHARDS, shard_ids=shard_ids)
    env = simcord.Env(bot)
    await env.start()
    scope = contextlib.ExitStack()
    scope.enter_context(env.time_context())
    channels: dict[int, Any] = {}
    for shard in range(SHARDS):
        for n in range(SERVERS_PER_SHARD):
            guild = env.create_guild(f"S{shard}-{n}", id=guild_id(shard, n))
            channels[guild.id] = guild.create_text_channel("prompts")
    return Node(env, bot, shard_ids, channels, scope)


async def restart(node: Node, target: Any) -> None:
    old = node.bot
    node.bot = create_bot(
        database=target, dev_guild_id=None, shard_count=SHARDS, shard_ids=node.shard_ids
    )
    await node.env.restart_bot(node.bot)
    await old.close()


async def stop(node: Node) -> None:
    node.scope.close()
    await node.env.shutdown()
    await node.bot.close()


def migrated(target: Any) -> Any:
    """The shared database, migrated before the processes start (two SQLite stores must
    not both create a fresh file's tables; PostgreSQL's migrations take a lock anyway)."""

    async def migrate() -> None:
        store = store_for(target)
        await store.open()
        await store.close()

    asyncio.run(migrate())
    return target


def run_side_by_side(*scripts: Callable[[threading.Barrier], Coroutine[Any, Any, T]]) -> list[T]:
    """Each script on an event loop of its own in a thread of its own (SimCord runs one
    environment per loop), started together; they meet at the barrier to keep in step."""
    barrier = threading.Barrier(len(scripts), timeout=300)
    results: list[Any] = [None] * len(scripts)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            results[index] = asyncio.run(scripts[index](barrier))
        except BaseException as error:
            errors.append(error)
            barrier.abort()  # the other side stops waiting for this one

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(scripts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    real = [e for e in errors if not isinstance(e, threading.BrokenBarrierError)]
    if real or errors:
        raise (real or errors)[0]
    return results


async def meet(barrier: threading.Barrier) -> None:
    await asyncio.to_thread(barrier.wait)


def prompts_in(channel: Any) -> list[discord.Message]:
    return [m for m in channel.history() if m.embeds and "Prompt for" in str(m.embeds[0].title)]


@dataclass
class Day:
    channel_ids: dict[int, int]
    prompts: dict[int, int]  # server id -> prompts posted in this environment


def prompt_day(
    target: Any, shard_ids: str, restarts: set[datetime], set_up: bool
) -> Callable[[threading.Barrier], Coroutine[Any, Any, Day]]:
    async def script(barrier: threading.Barrier) -> Day:
        node = await start_node(target, shard_ids)
        try:
            if set_up:
                for index, (guild, channel) in enumerate(node.channels.items()):
                    await node.bot.prompts.setup(
                        guild,
                        can_manage=True,
                        channel_id=channel.id,
                        role_id=None,
                        time_text=POST_TIMES[index % len(POST_TIMES)],
                        zone_text="UTC",
                    )
            await meet(barrier)
            node.bot.prompts.schedules_changed()
            while node.env.now() < DAY_END:
                await node.env.advance_time(CHUNK.total_seconds())
                if node.env.now() in restarts:
                    await restart(node, target)
                await meet(barrier)
            return Day(
                {g: c.id for g, c in node.channels.items()},
                {g: len(prompts_in(c)) for g, c in node.channels.items()},
            )
        finally:
            await stop(node)

    return script


def test_no_server_gets_two_prompts_a_day_with_restarts_and_overlapping_shards(db_path):
    migrated(db_path)
    # Given overlapping shard sets by mistake: both processes run shard 1.
    first, second = run_side_by_side(
        prompt_day(db_path, "0-1", {datetime(2026, 1, 1, 7, 0, tzinfo=UTC)}, set_up=True),
        prompt_day(
            db_path,
            "1-3",
            {datetime(2026, 1, 1, 12, 45, tzinfo=UTC), datetime(2026, 1, 1, 19, 0, tzinfo=UTC)},
            set_up=False,
        ),
    )
    assert first.channel_ids == second.channel_ids, "both environments must build the same ids"
    for guild in first.prompts:
        posted = first.prompts[guild] + second.prompts[guild]
        assert posted == 1, f"server {guild} got {posted} prompts"
    # Each process posted only in its own shards' servers; both took part.
    for day, own in ((first, {0, 1}), (second, {1, 2, 3})):
        assert all((g >> 22) % SHARDS in own for g, n in day.prompts.items() if n)
        assert sum(day.prompts.values()) > 0


def comment_burst(
    target: Any, shard_ids: str, parity: int, set_up: bool
) -> Callable[[threading.Barrier], Coroutine[Any, Any, list[tuple[int, int]]]]:
    async def script(barrier: threading.Barrier) -> list[tuple[int, int]]:
        node = await start_node(target, shard_ids)
        servers = list(node.channels)[:2]
        try:
            if set_up:
                for guild in servers:
                    excerpt = await node.bot.workshop.excerpts.create_excerpt(
                        guild_id=guild,
                        channel_id=node.channels[guild].id,
                        author=Actor(1, "Author"),
                        title="Shared",
                        lines=[f"Line {n}." for n in range(1, 11)],
                        content_warning=None,
                    )
                    await node.bot.workshop.excerpts.mark_posted(excerpt, 5_000 + guild % 997, [])
            await meet(barrier)

            async def add(index: int) -> tuple[int, int]:
                guild = servers[index % len(servers)]
                added = await node.bot.workshop.comments.add_comment(
                    guild_id=guild,
                    member=Actor(100 + index, f"reader{index}"),
                    line_spec=str(1 + index % 10),
                    text=f"Comment {index}",
                    excerpt_number=1,
                )
                return guild, added.comment.number

            mine = range(parity, COMMENTS, 2)
            return list(await asyncio.gather(*(add(index) for index in mine)))
        finally:
            await stop(node)

    return script


def test_500_concurrent_comments_across_two_processes_are_numbered_gaplessly(db_path):
    migrated(db_path)
    first, second = run_side_by_side(
        comment_burst(db_path, "0-1", 0, set_up=True),
        comment_burst(db_path, "2-3", 1, set_up=False),
    )
    numbered = first + second
    assert len(numbered) == COMMENTS
    servers = sorted({guild for guild, _ in numbered})
    for guild in servers:
        numbers = sorted(n for g, n in numbered if g == guild)
        assert numbers == list(range(1, len(numbers) + 1)), f"server {guild}: {numbers[:10]}"
    stored = [(int(g), int(n)) for g, n in rows(db_path, "SELECT guild_id, number FROM comments")]
    assert sorted(stored) == sorted(numbered)
