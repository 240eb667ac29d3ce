"""Shared fixtures: a real bot on a real SQLite file, inside SimCord's simulated Discord."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import pytest
import pytest_asyncio
import simcord

from bot import create_bot
from bot.errors import MarginaliaError
from bot.ui.client import MarginaliaBot


def new_bot(db_path: Path) -> MarginaliaBot:
    """A bot on ``db_path`` that ignores a developer's .env server for command sync."""
    return create_bot(database=db_path, dev_guild_id=None)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "marginalia.db"


@pytest_asyncio.fixture
async def bots(db_path: Path) -> AsyncIterator[list[MarginaliaBot]]:
    """Every bot a test starts; all are closed at the end (SimCord never closes them)."""
    started: list[MarginaliaBot] = [new_bot(db_path)]
    yield started
    for bot in started:
        await bot.close()


@pytest.fixture
def simcord_bot(bots: list[MarginaliaBot]) -> MarginaliaBot:
    return bots[0]


@pytest.fixture
def restart(
    simcord_env: Any, bots: list[MarginaliaBot], db_path: Path
) -> Callable[[], Awaitable[MarginaliaBot]]:
    """Stop the running bot and start a fresh one on the same database."""

    async def restart_bot() -> MarginaliaBot:
        old = bots[-1]
        new = new_bot(db_path)
        bots.append(new)
        await simcord_env.restart_bot(new)
        await old.close()
        return new

    return restart_bot


@dataclass
class Server:
    guild: Any
    channel: Any
    author: Any
    reader: Any
    reader2: Any
    moderator: Any


def make_server(env: Any, name: str = "Workshop") -> Server:
    guild = env.create_guild(name)
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


@pytest.fixture
def server(simcord_env: Any) -> Server:
    return make_server(simcord_env)


def expect_refusal(env: Any, result: Any, *fragments: str) -> str:
    """The bot answered with an ephemeral, polite error naming ``fragments``."""
    simcord.assert_error(env, MarginaliaError)
    assert result.ephemeral, "errors must be ephemeral"
    content = result.response.content
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
