"""Notifications as direct messages, end to end on SimCord's virtual clock.

The clock starts at 2026-01-01 00:00 UTC. The default is a daily digest at 18:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import simcord

from bot.models import NotifyEvent
from bot.notifications import notice_for, record
from tests.helpers import advance_to, post_scene, rows


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def dms(member: Any) -> list[Any]:
    return [m for m in member.user.dm_channel.history() if m.author.bot]


def stop_sender(bot: Any) -> None:
    bot.get_cog("Prompts").scheduler.cancel()  # the loop notifications ride on


async def down_until(env: Any, bot: Any, when: datetime) -> None:
    """The bot is down until ``when``: its loops are stopped while the clock moves."""
    stop_sender(bot)
    await env.settle()
    await env.advance_time((when - env.now()).total_seconds())


async def test_a_days_comments_make_one_digest_at_18_utc(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    for number in range(25):
        await server.reader.slash(thread, "comment add", line="2", text=f"Note {number}.")
        await simcord_env.advance_time(600)
    assert dms(server.author) == []
    await advance_to(simcord_env, at("2026-01-01T17:59:00"))
    assert dms(server.author) == []
    await advance_to(simcord_env, at("2026-01-01T18:01:00"))
    [digest] = dms(server.author)
    assert "25 updates" in digest.content
    assert "Workshop" in digest.content and "#1 · The Keeper" in digest.content
    assert f"https://discord.com/channels/{server.guild.id}/{thread.id}" in digest.content
    assert "/notify" in digest.content  # the first one says how to change it
    # Nobody hears of their own action; nothing new, no message.
    assert dms(server.reader) == []
    await advance_to(simcord_env, at("2026-01-02T18:01:00"))
    assert len(dms(server.author)) == 1


async def test_instant_mode_holds_two_minutes_and_sends_one_message(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    answer = await server.author.slash(server.channel, "notify", mode="instant")
    assert answer.ephemeral and "2 minutes" in answer.response.content
    for number in range(5):
        await server.reader.slash(thread, "comment add", line="1", text=f"Quick {number}.")
        await simcord_env.advance_time(20)
    await simcord_env.advance_time(120)
    [message] = dms(server.author)
    assert "5 updates" in message.content
    await server.reader2.slash(thread, "comment reply", comment="1", text="Agreed.")
    await simcord_env.advance_time(180)
    assert len(dms(server.author)) == 2
    assert len(dms(server.reader)) == 0  # daily: the reply to her comment waits for 18:00


async def test_daily_digest_at_local_time_across_a_dst_change(
    simcord_env, server, simcord_bot, restart
):
    await down_until(simcord_env, simcord_bot, at("2026-03-07T12:00:00"))
    await restart()
    thread = await post_scene(simcord_env, server)
    await server.author.slash(
        server.channel, "notify", mode="daily", time="18:00", timezone="America/New_York"
    )
    await server.reader.slash(thread, "comment add", line="1", text="Saturday note.")
    # 18:00 EST on Saturday 7 March is 23:00 UTC.
    await advance_to(simcord_env, at("2026-03-07T22:59:00"))
    assert dms(server.author) == []
    await advance_to(simcord_env, at("2026-03-07T23:01:00"))
    assert len(dms(server.author)) == 1
    # Clocks go forward on Sunday 8 March: 18:00 EDT is 22:00 UTC.
    await advance_to(simcord_env, at("2026-03-08T15:00:00"))
    for number in range(3):
        await server.reader.slash(thread, "comment add", line="2", text=f"Sunday {number}.")
    await advance_to(simcord_env, at("2026-03-08T21:59:00"))
    assert len(dms(server.author)) == 1
    await advance_to(simcord_env, at("2026-03-08T22:01:00"))
    digests = dms(server.author)
    assert len(digests) == 2 and "3 updates" in digests[1].content


async def test_restart_between_claim_and_send_sends_nothing_twice(
    simcord_env, server, simcord_bot, restart, db_path
):
    thread = await post_scene(simcord_env, server)
    await server.reader.slash(thread, "comment add", line="1", text="Before the crash.")
    stop_sender(simcord_bot)
    await simcord_env.settle()
    await advance_to(simcord_env, at("2026-01-01T18:00:30"))
    # The claim is committed, then the bot dies before sending.
    claimed = await simcord_bot.notifications.claim_due(10)
    assert len(claimed) == 1
    await restart()
    await advance_to(simcord_env, at("2026-01-02T18:01:00"))
    assert dms(server.author) == []
    assert rows(db_path, "SELECT COUNT(*) FROM notifications WHERE claimed_at IS NULL") == [(0,)]


async def test_a_digest_due_while_down_goes_out_on_return(
    simcord_env, server, simcord_bot, restart
):
    thread = await post_scene(simcord_env, server)
    await server.reader.slash(thread, "comment add", line="1", text="While you sleep.")
    await down_until(simcord_env, simcord_bot, at("2026-01-01T20:00:00"))
    assert dms(server.author) == []
    await restart()
    await simcord_env.advance_time(60)
    [digest] = dms(server.author)
    assert "While you sleep." in digest.content


async def test_closed_direct_messages_are_not_retried_and_told_once(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    await server.author.slash(server.channel, "notify", mode="instant")
    dm = server.author.user.dm_channel
    simcord_env.inject_error(
        "POST", f"/channels/{dm.id}/messages", status=403, code=50007, times=None
    )
    await server.reader.slash(thread, "comment add", line="1", text="One.")
    await simcord_env.advance_time(180)
    await server.reader.slash(thread, "comment add", line="2", text="Two.")
    await simcord_env.advance_time(180)
    attempts = [
        r
        for r in simcord_env.http_requests
        if r.method == "POST" and r.path == f"/channels/{dm.id}/messages"
    ]
    assert len(attempts) == 1  # the second event was not tried again
    first = await server.author.slash(server.channel, "excerpt list")
    notices = [m.content for m in first.followups if "direct messages are closed" in m.content]
    assert len(notices) == 1
    again = await server.author.slash(server.channel, "excerpt list")
    assert not any("direct messages are closed" in m.content for m in again.followups)
    simcord.assert_no_errors(simcord_env)
    # /notify tries again.
    simcord_env.backend.faults.clear()
    await server.author.slash(server.channel, "notify", mode="instant")
    await simcord_env.advance_time(60)
    [message] = dms(server.author)
    assert "Two." in message.content


async def test_members_who_left_hear_nothing_and_deleted_comments_are_withdrawn(
    simcord_env, server, db_path
):
    thread = await post_scene(simcord_env, server)
    await server.reader.slash(thread, "comment add", line="1", text="Withdrawn soon.")
    await server.reader.slash(thread, "comment delete", comment="1")
    assert rows(db_path, "SELECT COUNT(*) FROM notifications") == [(0,)]
    await server.reader.slash(thread, "comment add", line="2", text="Kept.")
    await server.author.slash(thread, "comment reply", comment="2", text="Thanks!")
    server.guild.remove_member(server.reader)
    await advance_to(simcord_env, at("2026-01-01T18:01:00"))
    assert len(dms(server.author)) == 1
    assert dms(server.reader) == []


async def test_notify_without_options_shows_the_setting(simcord_env, server):
    shown = await server.reader.slash(server.channel, "notify")
    assert shown.ephemeral and "18:00 UTC" in shown.response.content
    changed = await server.reader.slash(
        server.channel, "notify", time="7:30", timezone="europe/paris"
    )
    assert "07:30 Europe/Paris" in changed.response.content
    off = await server.reader.slash(server.channel, "notify", mode="off")
    assert "off" in off.response.content


async def test_a_thousand_digests_due_at_the_same_minute_are_each_sent_once(
    simcord_env, server, simcord_bot
):
    thread = await post_scene(simcord_env, server)
    excerpt = await simcord_bot.workshop.excerpts.get_excerpt(server.guild.id, 1)
    members = [server.guild.add_member(simcord_env.create_user(f"member-{n}")) for n in range(1000)]
    now = simcord_env.now()
    async with simcord_bot.database.transaction() as tx:
        for member in members:
            await record(
                tx,
                notice_for(member.id, excerpt, NotifyEvent.THANKED, "Maya", "#1: thanks"),
                actor_id=server.author.id,
                now=now,
            )
    await advance_to(simcord_env, at("2026-01-01T18:02:00"))
    sent = [
        r
        for r in simcord_env.http_requests
        if r.method == "POST"
        and r.path.startswith("/channels/")
        and r.path != f"/channels/{thread.id}/messages"
        and r.path.endswith("/messages")
    ]
    assert len(sent) == 1000
    for member in members[::97]:
        [digest] = dms(member)
        assert "thanked you" in digest.content
    await simcord_env.advance_time(600)
    assert all(len(dms(member)) == 1 for member in members[::50])


async def test_an_edit_soon_after_posting_sends_nothing_more_and_shows_the_new_words(
    simcord_env, server
):
    thread = await post_scene(simcord_env, server)
    await server.author.slash(server.channel, "notify", mode="instant")
    await server.reader.slash(thread, "comment add", line="1", text="Frist thought.")
    await simcord_env.advance_time(30)
    await server.reader.slash(thread, "comment edit", comment="1", text="First thought.")
    await simcord_env.advance_time(300)
    [message] = dms(server.author)
    assert "First thought." in message.content and "Frist" not in message.content
