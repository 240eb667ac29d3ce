"""A bot over some shards of a cluster (MARGINALIA_SHARD_COUNT / _IDS) on SimCord."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import discord
import pytest_asyncio
from discord.ext import commands

from bot import create_bot
from bot.ui.client import MarginaliaBot
from tests.helpers import NY_DUE, advance_to, count, make_server, post_scene, setup
from tests.helpers import PROMPT_TICK as TICK


@pytest_asyncio.fixture
async def simcord_bot(db_path: Path) -> AsyncIterator[MarginaliaBot]:
    bot = create_bot(database=db_path, dev_guild_id=None, shard_count=4, shard_ids="0-1")
    yield bot
    await bot.close()


def prompt_messages(channel: Any) -> list[discord.Message]:
    return [m for m in channel.history() if m.embeds and "Prompt for" in str(m.embeds[0].title)]


async def test_a_sharded_bot_answers_commands_in_its_shards_servers(simcord_env, simcord_bot):
    assert isinstance(simcord_bot, commands.AutoShardedBot)
    assert simcord_bot.shard_count == 4 and sorted(simcord_bot.shards) == [0, 1]
    for shard in (0, 1):
        server = make_server(simcord_env, f"Shard{shard}", shard_id=shard)
        thread = await post_scene(simcord_env, server)
        result = await server.reader.slash(thread, "comment add", line="2", text="Steady.")
        assert result.response.embeds[0].title == "💬 Comment #1 · line 2"
        guild = simcord_bot.get_guild(server.guild.id)
        assert guild is not None and guild.shard_id == shard


async def test_a_sharded_bot_posts_only_its_shards_prompts(simcord_env, simcord_bot, db_path):
    mine = make_server(simcord_env, "Mine", shard_id=1)
    theirs = make_server(simcord_env, "Theirs", shard_id=3)
    await setup(mine, "19:10", "America/New_York")
    # The server on shard 3 was set up through another process of the cluster.
    await simcord_bot.prompts.setup(
        theirs.guild.id,
        can_manage=True,
        channel_id=theirs.channel.id,
        role_id=None,
        time_text="19:10",
        zone_text="America/New_York",
    )
    simcord_bot.prompts.schedules_changed()
    await advance_to(simcord_env, NY_DUE + 2 * TICK)
    assert len(prompt_messages(mine.channel)) == 1
    assert prompt_messages(theirs.channel) == []
    # Its day is still waiting for the process that runs shard 3.
    posts = "SELECT COUNT(*) FROM prompt_posts WHERE guild_id = ?"
    assert count(db_path, posts, theirs.guild.id) == 0
    await advance_to(simcord_env, NY_DUE + timedelta(days=1) + 2 * TICK)
    assert len(prompt_messages(mine.channel)) == 2
