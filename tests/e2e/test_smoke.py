from __future__ import annotations

import gc

import simcord

from tests.helpers import new_bot, post_scene


async def test_post_and_comment(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    history = thread.history()
    print([m.embeds[0].description[:80] if m.embeds else m.content for m in history])
    result = await server.reader.slash(
        thread, "comment add", line="3", text="Lovely @everyone", quote="watching"
    )
    print(result.response.embeds[0].to_dict())
    assert not result.ephemeral


async def test_collection_paused_for_start_up_resumes_once_ready(tmp_path):
    """`python -m bot` pauses the garbage collector while it loads; READY resumes it."""
    bot = new_bot(tmp_path / "gc.db")
    gc.disable()
    try:
        async with simcord.run(bot):
            assert gc.isenabled()
    finally:
        gc.enable()
        await bot.close()
