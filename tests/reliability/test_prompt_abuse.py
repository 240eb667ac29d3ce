"""/prompt under pressure (issue 11, items 11 and 12).

11: a moderator's `/prompt list` with a failure note on a page already near Discord's embed
    limit must still fit.
12: a Manage Server member who may not mention a role must not make the bot ping it, and
    `/prompt now` (which pings the role too) is rate-limited per server.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import discord
import simcord

from bot.errors import MarginaliaError
from tests.helpers import NY_DUE, Server, advance_to, count, expect_refusal, setup, shown
from tests.helpers import PROMPT_TICK as TICK

EMBED_LIMIT = 4096


async def lock_the_channel_and_miss_a_day(env: Any, server: Server) -> None:
    await setup(server, "19:10", "America/New_York")
    env.inject_error(
        "POST",
        f"/channels/{server.channel.id}/messages",
        status=403,
        code=50013,
        message="Missing Permissions",
        times=None,
    )
    await advance_to(env, NY_DUE + TICK)


async def test_prompt_list_pages_fit_with_the_failure_note(
    simcord_env: Any, server: Server
) -> None:
    # Markdown-heavy prompts: each is escaped to about twice its length in the list,
    # so the first page is cut close to its 3,800-character budget.
    for number in range(1, 10):
        text = f"Prompt {number}: " + "_*" * (130 + 5 * number)
        added = await server.moderator.slash(server.channel, "prompt add", text=text)
        assert "Added prompt" in added.response.content
    await lock_the_channel_and_miss_a_day(simcord_env, server)

    listing = await server.moderator.slash(server.channel, "prompt list")

    assert simcord_env.errors == []
    pages = [listing.response.embeds[0]]
    while any(c.get("label") == "Next" and not c.get("disabled") for c in _buttons(listing)):
        listing = await server.moderator.click(listing.response, label="Next")
        pages.append(listing.response.embeds[0])
    assert str(pages[0].description).startswith("⚠️ **I couldn't post the daily prompt")
    assert all(len(str(page.description)) <= EMBED_LIMIT for page in pages)
    everything = "\n".join(str(page.description) for page in pages)
    assert all(f"**#{number}**" in everything for number in range(1, 10))


def _buttons(result: Any) -> list[dict[str, Any]]:
    return [
        component for row in result.response.components for component in row.get("components", [])
    ]


async def test_an_ordinary_member_sees_no_failure(simcord_env: Any, server: Server) -> None:
    """Issue 10: failures are the moderators' to fix; readers see the schedule only."""
    await lock_the_channel_and_miss_a_day(simcord_env, server)
    reader_view = shown(await server.reader.slash(server.channel, "prompt list"))
    assert "Every day at" in reader_view
    assert "failed" not in reader_view and "couldn't post" not in reader_view
    assert "permission" not in reader_view.lower()
    moderator_view = shown(await server.moderator.slash(server.channel, "prompt list"))
    assert "couldn't post" in moderator_view


async def test_a_role_the_moderator_may_not_mention_is_refused_at_setup(
    simcord_env: Any, server: Server, db_path: Path
) -> None:
    quiet = server.guild.create_role("Everyone-ish", mentionable=False)
    result = await server.moderator.slash(
        server.channel,
        "prompt setup",
        channel=server.channel,
        time="09:00",
        timezone="UTC",
        role=quiet,
    )
    expect_refusal(simcord_env, result, "Mention Everyone", "Nothing was saved")
    assert count(db_path, "SELECT COUNT(*) FROM prompt_schedules") == 0

    # A mentionable role is fine, and so is any role for a member with Mention Everyone.
    open_role = server.guild.create_role("Prompt fans", mentionable=True)
    await setup(server, "09:00", "UTC", role=open_role)
    pingers = server.guild.create_role(
        "Pingers", permissions=discord.Permissions(manage_guild=True, mention_everyone=True)
    )
    admin = server.guild.add_member(simcord_env.create_user("pinger"), roles=[pingers])
    refusals = len(simcord_env.errors)
    allowed = await admin.slash(
        server.channel,
        "prompt setup",
        channel=server.channel,
        time="09:00",
        timezone="UTC",
        role=quiet,
    )
    assert allowed.response.content.startswith("✅")
    assert len(simcord_env.errors) == refusals


async def test_prompt_now_is_rate_limited_per_server(
    simcord_env: Any, server: Server, db_path: Path
) -> None:
    fans = server.guild.create_role("Prompt fans", mentionable=True)
    await setup(server, "19:10", "America/New_York", role=fans)
    first = await server.moderator.slash(server.channel, "prompt now")
    assert "Posted a prompt" in shown(first)

    again = await server.moderator.slash(server.channel, "prompt now")
    # 19:00 New York now; the next extra prompt may come 30 minutes later.
    text = expect_refusal(simcord_env, again, "/prompt now", "19:30", "America/New_York")
    assert "less than 30 minutes ago" in text
    assert count(db_path, "SELECT COUNT(*) FROM prompt_posts WHERE kind = 'now'") == 1
    pings = [m for m in server.channel.history() if fans.mention in m.content]
    assert len(pings) == 1

    await simcord_env.advance_time(30 * 60)
    later = await server.moderator.slash(server.channel, "prompt now")
    assert "Posted a prompt" in shown(later)
    extras = [
        str(m.embeds[0].title)
        for m in server.channel.history()
        if m.embeds and "Extra prompt" in str(m.embeds[0].title)
    ]
    assert extras == [
        "✍️ Extra prompt for Wednesday 31 December 2025",
        "✍️ Extra prompt 2 for Wednesday 31 December 2025",
    ]


async def test_a_failed_prompt_now_does_not_use_up_the_allowance(
    simcord_env: Any, server: Server
) -> None:
    await setup(server, "19:10", "America/New_York")
    simcord_env.inject_error("POST", f"/channels/{server.channel.id}/messages", status=500, times=1)
    failed = await server.moderator.slash(server.channel, "prompt now")
    simcord.assert_error(simcord_env, MarginaliaError)
    assert "couldn't post" in shown(failed)
    retried = await server.moderator.slash(server.channel, "prompt now")
    assert "Posted a prompt" in shown(retried)
    assert len(simcord_env.errors) == 1
    # The day's scheduled prompt still comes, under its own title.
    await advance_to(simcord_env, NY_DUE + timedelta(minutes=1))
    titles = [str(m.embeds[0].title) for m in server.channel.history() if m.embeds]
    assert titles == [
        "✍️ Extra prompt for Wednesday 31 December 2025",
        "✍️ Prompt for Wednesday 31 December 2025",
    ]
