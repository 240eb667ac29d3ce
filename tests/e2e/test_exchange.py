"""The critique exchange end to end: setup, the posting gate, the queue, thanks, balances
and grants, with several members in one server."""

from __future__ import annotations

from tests.helpers import SCENE, expect_refusal, post_scene, rows


def critique(seed: str, words: int) -> str:
    return " ".join([seed, *["ab"] * (words - 1)])


async def test_the_exchange_with_several_members(simcord_env, server, db_path):
    thread = await post_scene(simcord_env, server)  # posted while the exchange is off: free
    refused = await server.reader.slash(server.channel, "exchange setup", enabled=True)
    expect_refusal(simcord_env, refused, "Manage Server")
    on = await server.moderator.slash(server.channel, "exchange setup", enabled=True)
    assert on.ephemeral and "**on**" in on.response.content

    # Reader 2 starts with 2 credits; an excerpt costs 3: refused privately, nothing posted.
    threads = len(server.channel.threads)
    short = await server.reader2.slash(
        server.channel, "excerpt post", title="Mine", file=("m.txt", SCENE.encode())
    )
    expect_refusal(simcord_env, short, "balance is 2", "costs 3", "#1")
    assert len(server.channel.threads) == threads
    assert rows(db_path, "SELECT COUNT(*) FROM excerpts WHERE title = 'Mine'") == [(0,)]

    # The queue sends the reader to #1 and names its uncommented lines.
    nxt = await server.reader.slash(server.channel, "queue next")
    assert nxt.ephemeral and "#1" in nxt.response.content
    assert "lines 1–4 have no comments yet" in nxt.response.content

    # A short comment is not yet a critique; with more, the credit follows the words live.
    await server.reader.slash(thread, "comment add", line="1", text=critique("one", 60))
    nxt = await server.reader.slash(server.channel, "queue next")
    assert "lines 2–4 have no comments yet" in nxt.response.content
    await server.reader.slash(thread, "comment add", line="2", text=critique("two", 260))
    mine = await server.reader.slash(server.channel, "exchange balance")
    assert mine.ephemeral
    assert "3 credits" in mine.response.embeds[0].title  # 2 to start, 1 for 320 words
    assert "critique of #1" in mine.response.embeds[0].description
    # Having critiqued #1, the reader is not sent there again.
    again = await server.reader.slash(server.channel, "queue next")
    assert "Nothing in the queue is waiting for you" in again.response.content

    # The author thanks comment #1: the card says so, the reader gets half a credit.
    not_author = await server.reader2.slash(thread, "comment thank", comment="1")
    expect_refusal(simcord_env, not_author, "Only the author")
    thanked = await server.author.slash(thread, "comment thank", comment="1")
    assert thanked.ephemeral
    cards = [m for m in thread.history() if m.embeds and "Comment #1" in (m.embeds[0].title or "")]
    assert "thanked" in cards[-1].embeds[0].footer.text
    twice = await server.author.slash(thread, "comment thank", comment="1")
    expect_refusal(simcord_env, twice, "already thanked")

    listed = await server.reader2.slash(server.channel, "queue list")
    assert "#1" in listed.response.embeds[0].description
    assert "1 critique" in listed.response.embeds[0].description

    # Others' balances are for moderators; grants refuse bad amounts, writing nothing.
    peek = await server.reader2.slash(server.channel, "exchange balance", member=server.reader)
    expect_refusal(simcord_env, peek, "moderators")
    seen = await server.moderator.slash(server.channel, "exchange balance", member=server.reader)
    assert "3.5 credits" in seen.response.embeds[0].title
    for amount in ("abc", "0.3", "1e9"):
        bad = await server.moderator.slash(
            server.channel, "exchange grant", member=server.reader2, amount=amount, reason="hi"
        )
        expect_refusal(simcord_env, bad, "not an amount")
    long = await server.moderator.slash(
        server.channel, "exchange grant", member=server.reader2, amount="1", reason="x" * 201
    )
    expect_refusal(simcord_env, long, "limit is 200")
    assert rows(db_path, "SELECT COUNT(*) FROM ledger WHERE kind = 'grant'") == [(0,)]
    granted = await server.moderator.slash(
        server.channel, "exchange grant", member=server.reader2, amount="1", reason="Welcome"
    )
    assert granted.ephemeral and "3 credits" in granted.response.content

    # Now reader 2 can post; the price is a ledger entry.
    await server.reader2.slash(
        server.channel, "excerpt post", title="Mine", file=("m.txt", SCENE.encode())
    )
    assert rows(
        db_path, "SELECT halves, kind, excerpt_number FROM ledger WHERE kind = 'posting'"
    ) == [(-6, "posting", 2)]
