"""A comment in a quiet server never waits behind a long read in a busy one."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from tests.helpers import make_server, post_scene


async def test_a_comment_answers_while_a_long_read_is_in_flight(simcord_env, simcord_bot, server):
    await post_scene(simcord_env, server)
    quiet = make_server(simcord_env, "Quiet")
    thread = await post_scene(simcord_env, quiet)
    # A digest load or a hot server's list holding its read session open.
    async with simcord_bot.database.read() as session:
        assert await session.excerpts.get_excerpt(server.guild.id, 1) is not None
        result = await asyncio.wait_for(
            quiet.reader.slash(thread, "comment add", line="2", text="Lovely."), timeout=5
        )
    assert not result.ephemeral
    assert result.response.embeds[0].title == "💬 Comment #1 · line 2"


# Discord's interaction callback types: 4 answers at once, 5 defers ("thinking…").
DEFERRED = 5
EPHEMERAL = 64


async def answered_with(env: Any, slash: Awaitable[Any]) -> tuple[Any, list[Any]]:
    """The command's result and the bodies of the interaction callbacks it sent."""
    start = len(env.http_requests)
    result = await slash
    callbacks = [r.json for r in env.http_requests[start:] if r.path.endswith("/callback")]
    return result, callbacks


async def test_reads_that_can_outlast_three_seconds_defer_and_answer_as_before(simcord_env, server):
    await post_scene(simcord_env, server)
    private_defer = [{"type": DEFERRED, "data": {"flags": EPHEMERAL}}]
    listed, callbacks = await answered_with(
        simcord_env, server.reader.slash(server.channel, "excerpt list")
    )
    assert callbacks == private_defer and listed.ephemeral
    assert "The Keeper" in str(listed.response.embeds[0].to_dict())
    empty, callbacks = await answered_with(
        simcord_env, server.reader.slash(server.channel, "comment list", excerpt="1")
    )
    assert callbacks == private_defer and empty.ephemeral
    assert empty.response.content == "No comments on excerpt #1 yet."
    shown, callbacks = await answered_with(
        simcord_env, server.reader.slash(server.channel, "excerpt show", excerpt="1")
    )
    assert callbacks == private_defer and shown.ephemeral and shown.response.embeds
    nothing, callbacks = await answered_with(
        simcord_env, server.reader.slash(server.channel, "excerpt list", author=server.reader2)
    )
    assert callbacks == private_defer and nothing.ephemeral
    assert nothing.response.content.startswith("No excerpts by ")
