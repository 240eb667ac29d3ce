"""Where the exchange, reviews, notifications and suggestions meet, end to end: thanks and
applied suggestions reach the reader, a submitted review earns its critique credit (its
drafts never do), and the queue shows what the author asked for."""

from __future__ import annotations

from typing import Any

from tests.helpers import post_scene, rows


def dms(member: Any) -> list[Any]:
    return [m for m in member.user.dm_channel.history() if m.author.bot]


def critique(seed: str, words: int) -> str:
    return " ".join(f"{seed}{n}" for n in range(words))


async def test_thanks_and_an_applied_suggestion_reach_the_reader(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    await server.reader.slash(server.channel, "notify", mode="instant")
    await server.reader.slash(
        thread,
        "comment add",
        line="1",
        text="Counted, not tallied?",
        quote="counted",
        suggestion="tallied",
    )
    await server.author.slash(thread, "comment thank", comment="1")
    asked = await server.author.slash(thread, "excerpt apply", excerpt="1")
    await server.author.click(asked.response, label="Apply")
    await simcord_env.advance_time(180)
    [message] = dms(server.reader)
    assert "thanked you for your comment" in message.content
    assert "applied your suggestion" in message.content
    assert dms(server.author) == []  # nobody hears of their own action


async def test_a_review_earns_credit_only_when_submitted(simcord_env, server, db_path):
    thread = await post_scene(simcord_env, server)
    await server.reader.slash(thread, "review start")
    await server.reader.slash(thread, "comment add", line="1", text=critique("a", 200))
    await server.reader.slash(thread, "comment add", line="2", text=critique("b", 150))
    assert rows(db_path, "SELECT COUNT(*) FROM critiques WHERE words > 0") == [(0,)]
    await server.reader.slash(thread, "review submit", summary="Two notes.")
    assert rows(db_path, "SELECT words, halves FROM critiques") == [(350, 2)]
    listed = await server.reader2.slash(server.channel, "queue list")
    assert "1 critique" in listed.response.embeds[0].description


async def test_queue_next_shows_the_authors_focus(simcord_env, server):
    await server.author.slash(
        server.channel,
        "excerpt post",
        title="Dialogue",
        file=("d.txt", b"One.\n\nTwo.\n\nThree."),
        focus="Does the ending land?",
    )
    nxt = await server.reader.slash(server.channel, "queue next")
    assert "Does the ending land?" in nxt.response.content


async def test_digests_list_each_readers_substantive_words(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    await server.reader.slash(thread, "comment add", line="1", text=critique("a", 320))
    pasted = "The lighthouse keeper counted the gulls every morning and then some"
    await server.reader2.slash(thread, "comment add", line="1", text=f"{pasted} {critique('b', 5)}")
    answer = await server.author.slash(thread, "digest excerpt", excerpt="1")
    markdown = (await answer.response.attachments[0].read()).decode()
    [line] = [line for line in markdown.splitlines() if "Critique words" in line]
    # Most first; the 8 story words reader 2 pasted are not theirs: 3 + 5 of theirs count.
    assert line.endswith("workshop-reader 320 · workshop-reader2 8")
