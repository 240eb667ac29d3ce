"""/prompt end to end: the real bot and its scheduler loop on SimCord's virtual clock.

The virtual clock starts at 2026-01-01 00:00 UTC, which is 19:00 on Wednesday
31 December 2025 in New York. A tick of the scheduler is 30 virtual seconds, and a
virtual day costs about half a real second, so far-off dates are reached with the bot
"down" (its loop stopped, so no ticks are simulated) and then restarted.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import pytest
import simcord

from bot.errors import MarginaliaError
from bot.prompt_library import LibraryPrompt, library_key
from tests.helpers import (
    NY_DUE,
    advance_to,
    count,
    expect_refusal,
    make_server,
    setup,
    shown,
)
from tests.helpers import PROMPT_TICK as TICK


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def prompts_in(channel: Any) -> list[discord.Message]:
    return [
        m
        for m in channel.history()
        if m.embeds and (m.embeds[0].title or "").startswith(("✍️ Prompt for", "✍️ Extra prompt"))
    ]


def titles(channel: Any) -> list[str]:
    return [str(m.embeds[0].title) for m in prompts_in(channel)]


def times(channel: Any) -> list[datetime]:
    return [m.created_at for m in prompts_in(channel)]


def texts(channel: Any) -> list[str]:
    return [str(m.embeds[0].description) for m in prompts_in(channel)]


def on_time(posted: datetime, due: datetime) -> bool:
    """Posted at the due instant or within the following tick, never before."""
    return due <= posted < due + TICK


def message_posts(env: Any, channel: Any) -> list[Any]:
    path = f"/channels/{channel.id}/messages"
    return [r for r in env.http_requests if r.method == "POST" and r.path == path]


async def down_until(env: Any, bot: Any, when: datetime) -> None:
    """The bot is down until ``when``: its scheduler is stopped while the clock moves."""
    bot.get_cog("Prompts").scheduler.cancel()
    await env.settle()
    await env.advance_time((when - env.now()).total_seconds())


# ------------------------------------------------------------------ schedule


async def test_posts_at_the_local_minute_and_not_before(simcord_env, server, db_path):
    assert simcord_env.now() == at("2026-01-01T00:00:00")
    result = await setup(server, "19:10", "America/New_York")
    content = result.response.content
    assert "19:10" in content and "America/New_York" in content
    assert "Wednesday 31 December 2025, 19:10 EST" in content
    assert f"<t:{int(NY_DUE.timestamp())}:R>" in content

    await advance_to(simcord_env, NY_DUE - timedelta(seconds=1))
    assert prompts_in(server.channel) == []
    await advance_to(simcord_env, NY_DUE + TICK)
    [posted] = prompts_in(server.channel)
    assert on_time(posted.created_at, NY_DUE)
    assert posted.embeds[0].title == "✍️ Prompt for Wednesday 31 December 2025"
    assert posted.embeds[0].description
    assert not posted.content  # no role configured: nothing to ping
    [thread] = server.channel.threads
    assert "31 December 2025" in str(thread.name)

    # The next local day, at the same local minute, exactly once more.
    await advance_to(simcord_env, NY_DUE + timedelta(days=1, minutes=5))
    assert [t - NY_DUE for t in times(server.channel)] == [timedelta(0), timedelta(days=1)]
    assert titles(server.channel)[1] == "✍️ Prompt for Thursday 1 January 2026"
    assert len(set(texts(server.channel))) == 2
    assert count(db_path, "SELECT COUNT(*) FROM prompt_posts WHERE status = 'posted'") == 2


async def test_two_servers_in_different_zones(simcord_env, server):
    tokyo = server
    los_angeles = make_server(simcord_env, "Coast")
    await setup(tokyo, "10:00", "Asia/Tokyo")  # 01:00 UTC
    await setup(los_angeles, "08:00", "America/Los_Angeles")  # 16:00 UTC
    await advance_to(simcord_env, at("2026-01-02T00:00:00"))
    [tokyo_post] = prompts_in(tokyo.channel)
    [la_post] = prompts_in(los_angeles.channel)
    assert on_time(tokyo_post.created_at, at("2026-01-01T01:00:00"))
    assert on_time(la_post.created_at, at("2026-01-01T16:00:00"))
    assert tokyo_post.embeds[0].title == "✍️ Prompt for Thursday 1 January 2026"
    assert la_post.embeds[0].title == "✍️ Prompt for Thursday 1 January 2026"
    await advance_to(simcord_env, at("2026-01-02T17:00:00"))
    assert len(prompts_in(tokyo.channel)) == 2
    assert len(prompts_in(los_angeles.channel)) == 2


async def test_spring_forward_in_london(simcord_env, server, simcord_bot, restart):
    await down_until(simcord_env, simcord_bot, at("2026-03-27T12:00:00"))
    await restart()
    early = make_server(simcord_env, "Early")
    await setup(server, "09:00", "Europe/London")
    # 01:30 does not exist on 29 March: it posts an hour later on the wall, 02:30 BST.
    await setup(early, "01:30", "Europe/London")

    await advance_to(simcord_env, at("2026-03-31T00:00:00"))
    assert titles(server.channel) == [
        "✍️ Prompt for Saturday 28 March 2026",
        "✍️ Prompt for Sunday 29 March 2026",
        "✍️ Prompt for Monday 30 March 2026",
    ]
    nine = times(server.channel)
    assert on_time(nine[0], at("2026-03-28T09:00:00"))  # 09:00 GMT
    assert on_time(nine[1], at("2026-03-29T08:00:00"))  # 09:00 BST, the change day
    assert on_time(nine[2], at("2026-03-30T08:00:00"))
    half_one = times(early.channel)
    assert len(half_one) == 3
    assert on_time(half_one[0], at("2026-03-28T01:30:00"))  # 01:30 GMT
    assert on_time(half_one[1], at("2026-03-29T01:30:00"))  # 02:30 BST
    assert on_time(half_one[2], at("2026-03-30T00:30:00"))  # 01:30 BST


async def test_fall_back_in_london(simcord_env, server, simcord_bot, restart):
    await down_until(simcord_env, simcord_bot, at("2026-10-24T12:00:00"))
    await restart()
    early = make_server(simcord_env, "Early")
    await setup(server, "09:00", "Europe/London")
    # 01:30 happens twice on 25 October; only the first (BST) one posts.
    await setup(early, "01:30", "Europe/London")

    await advance_to(simcord_env, at("2026-10-26T12:00:00"))
    half_one = times(early.channel)
    assert titles(early.channel) == [
        "✍️ Prompt for Sunday 25 October 2026",
        "✍️ Prompt for Monday 26 October 2026",
    ]
    assert on_time(half_one[0], at("2026-10-25T00:30:00"))  # 01:30 BST
    assert on_time(half_one[1], at("2026-10-26T01:30:00"))  # 01:30 GMT
    nine = times(server.channel)
    assert len(nine) == 2
    assert on_time(nine[0], at("2026-10-25T09:00:00"))  # 09:00 GMT, the change day
    assert on_time(nine[1], at("2026-10-26T09:00:00"))


# ------------------------------------------------------------------ restarts


async def test_restart_just_before_the_post_time(simcord_env, server, restart):
    await setup(server, "19:10", "America/New_York")
    await advance_to(simcord_env, NY_DUE - timedelta(seconds=15))
    await restart()
    await advance_to(simcord_env, NY_DUE + timedelta(hours=20))
    [posted] = prompts_in(server.channel)
    assert on_time(posted.created_at, NY_DUE)


async def test_restart_just_after_the_post_never_posts_again(simcord_env, server, restart, db_path):
    await setup(server, "19:10", "America/New_York")
    await advance_to(simcord_env, NY_DUE + timedelta(seconds=1))
    assert len(prompts_in(server.channel)) == 1
    await restart()
    await advance_to(simcord_env, NY_DUE + timedelta(hours=2))
    await restart()
    await advance_to(simcord_env, NY_DUE + timedelta(hours=23, minutes=59))
    assert len(prompts_in(server.channel)) == 1
    assert count(db_path, "SELECT COUNT(*) FROM prompt_posts") == 1


async def test_down_at_the_post_time_posts_on_return_the_same_local_day(
    simcord_env, server, simcord_bot, restart
):
    await setup(server, "19:10", "America/New_York")
    # Back at 22:00 on the same New York evening: the day is not over, so it posts now.
    back = at("2026-01-01T03:00:00")
    await down_until(simcord_env, simcord_bot, back)
    await restart()
    await simcord_env.advance_time(1)
    [posted] = prompts_in(server.channel)
    assert on_time(posted.created_at, back)
    assert posted.embeds[0].title == "✍️ Prompt for Wednesday 31 December 2025"
    # And the next day's prompt comes at its usual time, once.
    await advance_to(simcord_env, NY_DUE + timedelta(days=1, hours=1))
    assert len(prompts_in(server.channel)) == 2
    assert on_time(times(server.channel)[1], NY_DUE + timedelta(days=1))


async def test_down_past_the_local_day_skips_it_without_a_burst(
    simcord_env, server, simcord_bot, restart
):
    await setup(server, "19:10", "America/New_York")
    # Back at 22:00 New York time three days later: the days missed are not caught up,
    # but the current day, whose time has passed and which is not over, gets its prompt.
    back = at("2026-01-04T03:00:00")
    await down_until(simcord_env, simcord_bot, back)
    await restart()
    await simcord_env.advance_time(60)
    assert titles(server.channel) == ["✍️ Prompt for Saturday 3 January 2026"]
    await advance_to(simcord_env, at("2026-01-05T00:11:00"))
    assert titles(server.channel)[1:] == ["✍️ Prompt for Sunday 4 January 2026"]


async def test_down_long_after_the_local_day_ended(simcord_env, server, simcord_bot, restart):
    await setup(server, "19:10", "America/New_York")
    # 01:00 in New York on 1 January: 31 December is over and 1 January's time is ahead.
    await down_until(simcord_env, simcord_bot, at("2026-01-01T06:00:00"))
    await restart()
    await advance_to(simcord_env, NY_DUE + timedelta(days=1) - timedelta(seconds=1))
    assert prompts_in(server.channel) == []
    await advance_to(simcord_env, NY_DUE + timedelta(days=1, minutes=1))
    assert titles(server.channel) == ["✍️ Prompt for Thursday 1 January 2026"]


async def test_setup_again_the_same_day_does_not_post_twice(simcord_env, server):
    await setup(server, "19:10", "America/New_York")
    await advance_to(simcord_env, NY_DUE + TICK)
    await setup(server, "19:30", "America/New_York")
    await advance_to(simcord_env, NY_DUE + timedelta(hours=3))
    assert len(prompts_in(server.channel)) == 1
    await advance_to(simcord_env, NY_DUE + timedelta(days=1, minutes=21))
    assert on_time(times(server.channel)[1], NY_DUE + timedelta(days=1, minutes=20))


# ------------------------------------------------------ pause, resume, now


async def test_pause_then_resume_without_a_burst(simcord_env, server):
    await setup(server, "19:10", "America/New_York")
    paused = await server.moderator.slash(server.channel, "prompt pause")
    assert paused.ephemeral and "paused" in paused.response.content
    again = await server.moderator.slash(server.channel, "prompt pause")
    expect_refusal(simcord_env, again, "already paused")
    listing = await server.reader.slash(server.channel, "prompt list")
    assert "Paused" in shown(listing)

    await advance_to(simcord_env, NY_DUE + timedelta(minutes=20))
    assert prompts_in(server.channel) == []
    # Resumed after today's time: today is not posted late; tomorrow is on time.
    resumed = await server.moderator.slash(server.channel, "prompt resume")
    assert resumed.ephemeral and "Thursday 1 January 2026, 19:10 EST" in resumed.response.content
    await advance_to(simcord_env, NY_DUE + timedelta(days=1) - timedelta(seconds=1))
    assert prompts_in(server.channel) == []
    await advance_to(simcord_env, NY_DUE + timedelta(days=1, minutes=1))
    assert titles(server.channel) == ["✍️ Prompt for Thursday 1 January 2026"]
    not_paused = await server.moderator.slash(server.channel, "prompt resume")
    expect_refusal(simcord_env, not_paused, "aren't paused")


async def test_now_posts_at_once_and_keeps_the_days_prompt(simcord_env, server):
    early = await server.moderator.slash(server.channel, "prompt now")
    expect_refusal(simcord_env, early, "/prompt setup")

    await setup(server, "19:10", "America/New_York")
    result = await server.moderator.slash(server.channel, "prompt now")
    assert result.ephemeral
    assert "Posted a prompt" in shown(result) and "still be posted" in shown(result)
    [posted] = prompts_in(server.channel)
    assert posted.created_at < NY_DUE
    assert posted.embeds[0].title == "✍️ Extra prompt for Wednesday 31 December 2025"
    assert len(server.channel.threads) == 1

    await advance_to(simcord_env, NY_DUE + TICK)
    assert len(prompts_in(server.channel)) == 2
    assert on_time(times(server.channel)[1], NY_DUE)
    assert len(set(texts(server.channel))) == 2
    # Same day, two posts: their titles and their threads' names tell them apart.
    assert titles(server.channel) == [
        "✍️ Extra prompt for Wednesday 31 December 2025",
        "✍️ Prompt for Wednesday 31 December 2025",
    ]
    names = [str(thread.name) for thread in server.channel.threads]
    assert len(names) == 2 and len(set(names)) == 2


# -------------------------------------------------------------- failures


async def test_locked_channel_fails_alone_and_moderators_are_told(simcord_env, server, db_path):
    locked = server
    other = make_server(simcord_env, "Other")
    await setup(locked, "19:10", "America/New_York")
    await setup(other, "01:10", "Europe/Paris")  # the same instant, 00:10 UTC
    simcord_env.inject_error(
        "POST",
        f"/channels/{locked.channel.id}/messages",
        status=403,
        code=50013,
        message="Missing Permissions",
        times=None,
    )
    await advance_to(simcord_env, NY_DUE + timedelta(hours=1))
    assert prompts_in(locked.channel) == []
    assert len(prompts_in(other.channel)) == 1
    # Claimed, failed, recorded: not retried on every tick.
    assert len(message_posts(simcord_env, locked.channel)) == 1
    assert count(db_path, "SELECT COUNT(*) FROM prompt_posts WHERE status = 'failed'") == 1

    listing = await locked.moderator.slash(locked.channel, "prompt list")
    text = shown(listing)
    assert text.startswith("⚠️ **I couldn't post the daily prompt for Wednesday 31 December 2025**")
    assert "permission" in text and "/prompt setup" in text
    # Failures are the moderators' to fix: a reader sees the schedule only.
    reader_view = shown(await locked.reader.slash(locked.channel, "prompt list"))
    assert "couldn't post" not in reader_view and "failed" not in reader_view
    # The note stays on every moderator command until a prompt posts successfully.
    added = await locked.moderator.slash(locked.channel, "prompt add", text="Write a storm.")
    assert added.response.content.startswith("⚠️ **I couldn't post")
    assert "Added prompt **#1**" in added.response.content

    # "/prompt now" into the locked channel fails politely, and nothing is posted.
    now = await locked.moderator.slash(locked.channel, "prompt now")
    simcord.assert_error(simcord_env, MarginaliaError)
    assert now.ephemeral and "couldn't post" in shown(now)

    # The loop kept going: the next day the other server posts again.
    await advance_to(simcord_env, NY_DUE + timedelta(days=1, minutes=1))
    assert len(prompts_in(other.channel)) == 2
    assert prompts_in(locked.channel) == []

    # Choosing a channel the bot can post in clears the note; the next day posts there.
    fresh = locked.guild.create_text_channel("prompts")
    moved = await setup(locked, "19:10", "America/New_York", channel=fresh)
    assert "⚠️" not in moved.response.content
    await advance_to(simcord_env, NY_DUE + timedelta(days=2, minutes=1))
    assert titles(fresh) == ["✍️ Prompt for Friday 2 January 2026"]
    assert "failed" not in shown(await locked.moderator.slash(locked.channel, "prompt list"))


async def test_deleted_channel_is_reported(simcord_env, server):
    await setup(server, "19:10", "America/New_York")
    simcord_env.inject_error(
        "POST",
        f"/channels/{server.channel.id}/messages",
        status=404,
        code=10003,
        message="Unknown Channel",
        times=None,
    )
    await advance_to(simcord_env, NY_DUE + TICK)
    paused = await server.moderator.slash(server.channel, "prompt pause")
    assert paused.response.content.startswith("⚠️")
    assert "no longer exists" in paused.response.content


async def test_a_channel_i_cannot_post_in_is_refused_at_setup(
    simcord_env, server, simcord_bot, db_path
):
    me = simcord_bot.get_guild(server.guild.id).me
    closed = server.guild.create_text_channel(
        "closed", overwrites={me: discord.PermissionOverwrite(send_messages=False)}
    )
    result = await server.moderator.slash(
        server.channel, "prompt setup", channel=closed, time="09:00", timezone="UTC"
    )
    expect_refusal(simcord_env, result, "Send Messages", "Nothing was saved")
    assert count(db_path, "SELECT COUNT(*) FROM prompt_schedules") == 0


# ------------------------------------------------------------ the rotation


async def test_server_prompts_first_and_no_repeats_over_a_cycle(simcord_env, server, simcord_bot):
    simcord_bot.prompts.library = tuple(
        LibraryPrompt(library_key(text), "plot", text)
        for text in ("Library one.", "Library two.", "Library three.")
    )
    for text in ("Ours first.", "Ours second."):
        added = await server.moderator.slash(server.channel, "prompt add", text=text)
        assert added.ephemeral
    await setup(server, "19:10", "America/New_York")
    await advance_to(simcord_env, NY_DUE + timedelta(days=5, minutes=1))
    posted = texts(server.channel)
    assert len(posted) == 6
    assert posted[:2] == ["Ours first.", "Ours second."]
    assert sorted(posted[:5]) == sorted(
        ["Ours first.", "Ours second.", "Library one.", "Library two.", "Library three."]
    )
    # A new cycle starts, and never with the prompt that ended the last one.
    assert posted[5] != posted[4]
    listing = shown(await server.reader.slash(server.channel, "prompt list"))
    assert "of 3 prompts left in this cycle" in listing


async def test_prompt_text_is_escaped_and_only_the_role_pings(simcord_env, server):
    writers = server.guild.create_role("Writers", mentionable=True)
    await server.moderator.slash(
        server.channel, "prompt add", text="Tell @everyone about the *loud* <@1> neighbour."
    )
    await setup(server, "19:10", "America/New_York", role=writers)
    await advance_to(simcord_env, NY_DUE + TICK)
    [posted] = prompts_in(server.channel)
    assert posted.content == f"<@&{writers.id}>"
    description = str(posted.embeds[0].description)
    assert "\\*loud\\*" in description and "@everyone" not in description
    [request] = [r for r in message_posts(simcord_env, server.channel) if r.json.get("embeds")]
    mentions = request.json["allowed_mentions"]
    assert mentions["parse"] == [] and [int(r) for r in mentions["roles"]] == [writers.id]
    assert not mentions.get("users") and not mentions.get("replied_user")


# --------------------------------------------------------- commands and rules


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("prompt setup", {"time": "09:00", "timezone": "UTC"}),
        ("prompt add", {"text": "A prompt."}),
        ("prompt remove", {"prompt": "1"}),
        ("prompt now", {}),
        ("prompt pause", {}),
        ("prompt resume", {}),
    ],
)
async def test_non_moderators_are_refused(simcord_env, server, db_path, command, options):
    if command == "prompt setup":
        options = {**options, "channel": server.channel}
    result = await server.reader.slash(server.channel, command, **options)
    expect_refusal(simcord_env, result, "Manage Server")
    assert count(db_path, "SELECT COUNT(*) FROM prompt_schedules") == 0
    assert count(db_path, "SELECT COUNT(*) FROM server_prompts") == 0


@pytest.mark.parametrize(
    ("time", "timezone", "fragment"),
    [("25:00", "Europe/London", "25:00"), ("09:00", "Mars/Base", "Mars/Base")],
)
async def test_bad_time_or_zone_is_refused_and_nothing_stored(
    simcord_env, server, db_path, time, timezone, fragment
):
    result = await server.moderator.slash(
        server.channel, "prompt setup", channel=server.channel, time=time, timezone=timezone
    )
    expect_refusal(simcord_env, result, fragment)
    assert count(db_path, "SELECT COUNT(*) FROM prompt_schedules") == 0


async def test_everyone_is_not_a_prompt_role(simcord_env, server, db_path):
    result = await server.moderator.slash(
        server.channel,
        "prompt setup",
        channel=server.channel,
        time="09:00",
        timezone="UTC",
        role=server.guild.default_role,
    )
    expect_refusal(simcord_env, result, "@everyone")
    assert count(db_path, "SELECT COUNT(*) FROM prompt_schedules") == 0


async def test_add_remove_list_and_autocomplete(simcord_env, server):
    for text in ("A lighthouse at noon.", "The last bus home."):
        await server.moderator.slash(server.channel, "prompt add", text=text)
    duplicate = await server.moderator.slash(
        server.channel, "prompt add", text="a  LIGHTHOUSE at noon."
    )
    expect_refusal(simcord_env, duplicate, "already", "#1")

    choices = await server.moderator.autocomplete(server.channel, "prompt remove", "prompt", "bus")
    assert [c["value"] for c in choices] == ["2"]
    assert choices[0]["name"] == "#2 · The last bus home."
    zones = await server.moderator.autocomplete(server.channel, "prompt setup", "timezone", "new_y")
    assert "America/New_York" in [c["value"] for c in zones]

    await setup(server, "19:10", "America/New_York")
    listing = shown(await server.reader.slash(server.channel, "prompt list"))
    assert f"<#{server.channel.id}>" in listing
    assert "**19:10** · America/New_York" in listing
    assert "Wednesday 31 December 2025, 19:10 EST" in listing
    assert f"<t:{int(NY_DUE.timestamp())}:R>" in listing
    assert "**#1** · A lighthouse at noon." in listing
    assert "**#2** · The last bus home." in listing
    assert "448 of 448 prompts left" in listing

    removed = await server.moderator.slash(server.channel, "prompt remove", prompt="#1")
    assert removed.ephemeral and "Removed prompt **#1**" in removed.response.content
    gone = await server.moderator.slash(server.channel, "prompt remove", prompt="1")
    expect_refusal(simcord_env, gone, "no prompt #1")
    listing = shown(await server.reader.slash(server.channel, "prompt list"))
    assert "lighthouse" not in listing and "#2" in listing


async def test_list_before_setup_explains_how_to_start(simcord_env, server):
    listing = await server.reader.slash(server.channel, "prompt list")
    assert listing.ephemeral
    assert "/prompt setup" in shown(listing)
