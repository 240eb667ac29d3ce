"""An excerpt is visible only to members who can view its channel, and the bot posts for a
member only where they could post themselves (issue 11, items 3 and 6).

A staff-only channel (``@everyone`` denied View Channel, a Staff role allowed) holds an
excerpt with a comment. An ordinary member, from the public channel, must find no trace of
it: every read, list, autocomplete, digest and write answers exactly as for a missing one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import discord
import pytest

from tests.helpers import SCENE, Server, count, expect_refusal

Deny = discord.PermissionOverwrite


def counts(db_path: Path) -> tuple[int, int, int]:
    return (
        count(db_path, "SELECT COUNT(*) FROM excerpts"),
        count(db_path, "SELECT COUNT(*) FROM comments"),
        count(db_path, "SELECT COUNT(*) FROM replies"),
    )


def public_messages(channel: Any) -> list[tuple[int, str, int]]:
    return [
        (message.id, message.content, len(message.embeds))
        for message in channel.history()
        if not message.flags.ephemeral
    ]


async def staff_excerpt(env: Any, server: Server) -> tuple[Any, Any, Any]:
    """(staff member, staff channel, thread) with excerpt #1 and comment #1 in it."""
    staff_role = server.guild.create_role("Staff")
    everyone = server.guild.roles["@everyone"]
    staff_room = server.guild.create_text_channel(
        "staff-only",
        overwrites={
            everyone: Deny(view_channel=False),
            staff_role: Deny(view_channel=True),
            env.bot.user: Deny(view_channel=True),
        },
    )
    staff = server.guild.add_member(env.create_user("staffer"), roles=[staff_role])
    posted = await staff.slash(
        staff_room, "excerpt post", title="Staff notes", file=("s.txt", SCENE.encode())
    )
    assert posted.response is not None and "#1" in posted.response.content
    thread = staff_room.threads[-1]
    added = await staff.slash(thread, "comment add", line="2", text="Secret remark.")
    assert added.response.embeds
    assert env.errors == []
    return staff, staff_room, thread


async def test_a_member_who_cannot_view_the_channel_finds_no_trace_of_its_excerpt(
    simcord_env: Any, server: Server, db_path: Path
) -> None:
    env = simcord_env
    _staff, _room, thread = await staff_excerpt(env, server)
    reader, public = server.reader, server.channel
    stored, thread_shown = counts(db_path), public_messages(thread)

    # Autocomplete and lists show nothing of it.
    assert await reader.autocomplete(public, "excerpt show", "excerpt", "") == []
    assert await reader.autocomplete(public, "excerpt show", "excerpt", "Staff") == []
    assert await reader.autocomplete(public, "comment reply", "comment", "") == []
    assert await reader.autocomplete(public, "comment list", "excerpt", "1") == []
    listed = await reader.slash(public, "excerpt list")
    assert "No excerpts" in listed.response.content and listed.ephemeral

    # Every command naming it answers exactly as for an excerpt that never existed.
    missing = await reader.slash(public, "excerpt show", excerpt="99")
    never = expect_refusal(env, missing, "no excerpt #99")
    hidden_excerpt = never.replace("#99", "#1")
    for command, options in [
        ("excerpt show", {"excerpt": "1"}),
        ("excerpt show", {"excerpt": "1", "lines": "1-4"}),
        ("comment list", {"excerpt": "1"}),
        ("digest excerpt", {"excerpt": "1"}),
        ("comment add", {"excerpt": "1", "line": "1", "text": "I can see you."}),
        ("excerpt close", {"excerpt": "1"}),
        ("excerpt reopen", {"excerpt": "1"}),
        ("excerpt delete", {"excerpt": "1"}),
        ("excerpt revise", {"excerpt": "1", "file": ("r.txt", b"New text.")}),
        ("excerpt revise", {"excerpt": "1"}),
    ]:
        result = await reader.slash(public, command, **cast(dict[str, Any], options))
        assert expect_refusal(env, result, "no excerpt #1") == hidden_excerpt, command
        assert result.modal is None and not result.followups, command

    never_comment = expect_refusal(
        env, await reader.slash(public, "comment resolve", comment="99"), "no comment #99"
    ).replace("#99", "#1")
    for command, options in [
        ("comment reply", {"comment": "1", "text": "Peeking."}),
        ("comment resolve", {"comment": "1"}),
        ("comment reopen", {"comment": "1"}),
        ("comment edit", {"comment": "1", "text": "Mine now."}),
        ("comment delete", {"comment": "1"}),
    ]:
        result = await reader.slash(public, command, **options)
        assert expect_refusal(env, result, "no comment #1") == never_comment, command

    # Nothing was stored and nothing reached the private thread.
    assert counts(db_path) == stored
    assert public_messages(thread) == thread_shown


async def test_members_who_can_view_the_channel_still_see_everything(
    simcord_env: Any, server: Server
) -> None:
    """The filter is about the channel, not a blanket no: staff (and only staff) see it."""
    staff, _room, _thread = await staff_excerpt(simcord_env, server)
    public = server.channel
    await post_open(simcord_env, server, title="Open to all")
    choices = await staff.autocomplete(public, "excerpt show", "excerpt", "")
    assert [choice["value"] for choice in choices] == ["2", "1"]
    reader_choices = await server.reader.autocomplete(public, "excerpt show", "excerpt", "")
    assert [choice["value"] for choice in reader_choices] == ["2"]
    listed = await staff.slash(public, "excerpt list")
    assert "Staff notes" in listed.response.embeds[0].description
    assert "Staff notes" not in (
        (await server.reader.slash(public, "excerpt list")).response.embeds[0].description
    )
    shown = await staff.slash(public, "excerpt show", excerpt="1")
    assert "lighthouse" in shown.response.embeds[0].description
    comments = await staff.autocomplete(public, "comment reply", "comment", "")
    assert [choice["value"] for choice in comments] == ["1"]
    digest = await staff.slash(public, "digest excerpt", excerpt="1")
    assert digest.response.attachments
    added = await staff.slash(public, "comment add", excerpt="1", line="3", text="Seen.")
    assert "#2" in added.response.content
    assert simcord_env.errors == []


async def post_open(env: Any, server: Server, title: str) -> Any:
    result = await server.author.slash(
        server.channel, "excerpt post", title=title, file=("k.txt", SCENE.encode())
    )
    assert result.response is not None
    return server.channel.threads[-1]


@pytest.mark.parametrize(
    ("denied", "named"),
    [
        ({"send_messages": False}, "Send Messages"),
        ({"create_public_threads": False}, "Create Public Threads"),
        ({"send_messages_in_threads": False}, "Send Messages in Threads"),
    ],
)
async def test_the_bot_posts_no_excerpt_where_the_member_may_not_post(
    simcord_env: Any, server: Server, db_path: Path, denied: dict[str, bool], named: str
) -> None:
    quiet = server.guild.create_text_channel(
        "announcements", overwrites={server.reader: Deny(**denied)}
    )
    for options in [{"file": ("s.txt", SCENE.encode())}, {}]:  # a file, or the paste box
        result = await server.reader.slash(quiet, "excerpt post", title="Mine", **options)
        expect_refusal(simcord_env, result, named, "permission")
        assert result.modal is None
    assert quiet.threads == [] and public_messages(quiet) == []
    assert counts(db_path) == (0, 0, 0)
    # Others there are unaffected.
    allowed = await server.author.slash(
        quiet, "excerpt post", title="Theirs", file=("s.txt", SCENE.encode())
    )
    assert "#1" in allowed.response.content


async def test_the_bot_posts_no_comment_in_a_thread_the_member_may_not_write_in(
    simcord_env: Any, server: Server, db_path: Path
) -> None:
    env = simcord_env
    readonly = server.guild.create_text_channel(
        "readonly", overwrites={server.reader: Deny(send_messages_in_threads=False)}
    )
    posted = await server.author.slash(
        readonly, "excerpt post", title="Theirs", file=("s.txt", SCENE.encode())
    )
    assert "#1" in posted.response.content
    thread = readonly.threads[-1]
    await server.reader2.slash(thread, "comment add", line="1", text="Allowed here.")
    stored, shown = counts(db_path), public_messages(thread)

    for where in (server.channel, thread):
        added = await server.reader.slash(
            where, "comment add", excerpt="1", line="2", text="Sneaking in."
        )
        expect_refusal(env, added, "Send Messages in Threads")
        replied = await server.reader.slash(where, "comment reply", comment="1", text="Psst.")
        expect_refusal(env, replied, "Send Messages in Threads")
    lines = next(
        m for m in thread.history() if any("lighthouse" in (e.description or "") for e in m.embeds)
    )
    menu = await server.reader.context_menu(thread, "Comment on line", lines)
    expect_refusal(env, menu, "Send Messages in Threads")
    assert menu.modal is None  # refused before the form opens
    assert counts(db_path) == stored
    assert public_messages(thread) == shown
    # Reading is still fine: they can view the channel.
    listed = await server.reader.slash(server.channel, "comment list", excerpt="1")
    assert "Allowed here." in listed.response.embeds[0].description


async def test_a_check_on_one_excerpt_asks_for_its_channel_alone_and_agrees_with_lists(
    simcord_env: Any, simcord_bot: Any, server: Server
) -> None:
    from bot.ui.checks import MemberViewer

    staff, _room, _thread = await staff_excerpt(simcord_env, server)
    await server.author.slash(
        server.channel, "excerpt post", title="Open", file=("o.txt", SCENE.encode())
    )
    guild = simcord_bot.get_guild(server.guild.id)
    secret = await simcord_bot.workshop.excerpts.get_excerpt(server.guild.id, 1)
    public = await simcord_bot.workshop.excerpts.get_excerpt(server.guild.id, 2)
    for user, sees_secret in ((server.reader, False), (staff, True)):
        viewer = MemberViewer(guild, await guild.fetch_member(user.id))
        assert viewer.can_see(public) and viewer.can_see(secret) is sees_secret
        assert viewer.can_write_in_thread(secret) is sees_secret
        # Nothing asked for every channel of the server: a list would.
        assert "channel_ids" not in vars(viewer) and "hidden_thread_ids" not in vars(viewer)
        assert (secret.channel_id in viewer.channel_ids) is sees_secret
        assert public.channel_id in viewer.channel_ids
