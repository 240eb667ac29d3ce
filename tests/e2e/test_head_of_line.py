"""A comment in a quiet server never waits behind a long read in a busy one."""

from __future__ import annotations

import asyncio

from tests.conftest import make_server, post_scene


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


async def test_lists_still_answer_privately_after_deferring(simcord_env, server):
    await post_scene(simcord_env, server)
    listed = await server.reader.slash(server.channel, "excerpt list")
    assert listed.ephemeral and "The Keeper" in str(listed.response.embeds[0].to_dict())
    empty = await server.reader.slash(server.channel, "comment list", excerpt="1")
    assert empty.ephemeral and "No comments on excerpt #1 yet." in empty.response.content
    shown = await server.reader.slash(server.channel, "excerpt show", excerpt="1")
    assert shown.ephemeral and shown.response.embeds
