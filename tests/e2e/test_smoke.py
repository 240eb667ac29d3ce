from __future__ import annotations

from tests.helpers import post_scene


async def test_post_and_comment(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    history = thread.history()
    print([m.embeds[0].description[:80] if m.embeds else m.content for m in history])
    result = await server.reader.slash(
        thread, "comment add", line="3", text="Lovely @everyone", quote="watching"
    )
    print(result.response.embeds[0].to_dict())
    assert not result.ephemeral
