"""R6: every mutating command, tried by someone who may not, is refused and changes nothing.

"Someone who may not": a member who is neither the author nor a moderator; the excerpt's
author on a reader's comment (may resolve, not edit or delete); a moderator on someone
else's comment text (may delete, not edit); a moderator of another server; a member who
moderates elsewhere, or only one channel; and members of another server using this
server's ids.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import discord
import pytest

from bot.errors import MarginaliaError
from tests.helpers import SCENE, Server, expect_refusal, make_server, post_scene
from tests.helpers import table_dump as dump

REVISED = SCENE.replace("thirteen", "fourteen")

# (command, options, state to set up first, who tries, refusal fragment)
Attempt = tuple[str, dict[str, Any], str, str, str]

EXCERPT_ATTEMPTS: list[Attempt] = [
    ("excerpt close", {"excerpt": "1"}, "", "stranger", "only the author"),
    ("excerpt reopen", {"excerpt": "1"}, "closed", "stranger", "only the author"),
    ("excerpt delete", {"excerpt": "1"}, "", "stranger", "only the author"),
    (
        "excerpt revise",
        {"excerpt": "1", "file": ("r.txt", REVISED.encode())},
        "",
        "stranger",
        "only the author",
    ),
    (
        "excerpt revise",
        {"excerpt": "1", "file": ("r.txt", REVISED.encode())},
        "",
        "moderator",
        "only the author",
    ),
    ("excerpt revise", {"excerpt": "1"}, "", "stranger", "only the author"),  # the paste box
]
COMMENT_ATTEMPTS: list[Attempt] = [
    ("comment resolve", {"comment": "1"}, "", "stranger", "only the excerpt's author"),
    ("comment reopen", {"comment": "1"}, "resolved", "stranger", "only the excerpt's author"),
    ("comment edit", {"comment": "1", "text": "Hijacked."}, "", "stranger", "your own"),
    ("comment delete", {"comment": "1"}, "", "stranger", "your own"),
    ("comment edit", {"comment": "1", "text": "Hijacked."}, "", "author", "your own"),
    ("comment delete", {"comment": "1"}, "", "author", "your own"),
    ("comment edit", {"comment": "1", "text": "Hijacked."}, "", "moderator", "your own"),
]
ALL_ATTEMPTS = EXCERPT_ATTEMPTS + COMMENT_ATTEMPTS


def attempt_id(attempt: Attempt) -> str:
    command, _options, state, who, _fragment = attempt
    return f"{command.replace(' ', '-')}{'-' + state if state else ''}-by-{who}"


async def prepare(env: Any, server: Server, state: str) -> Any:
    """Excerpt #1 by the author, comment #1 by the reader, then the state asked for."""
    thread = await post_scene(env, server)
    await server.reader.slash(thread, "comment add", line="3", text="Chilling.")
    await server.reader.slash(thread, "comment reply", comment="1", text="And a reply.")
    if state == "closed":
        await server.author.slash(thread, "excerpt close", excerpt="1")
    elif state == "resolved":
        await server.author.slash(thread, "comment resolve", comment="1")
    return thread


def only_domain_refusals(env: Any) -> None:
    for error in env.errors:
        assert isinstance(getattr(error, "original", error), MarginaliaError), repr(error)


def channel_snapshot(server: Server) -> list[tuple[int, str, int]]:
    """Every message in the channel and its threads: (id, content, embeds) for comparison."""
    return [
        (message.id, message.content, len(message.embeds))
        for channel in (server.channel, *server.channel.threads)
        for message in channel.history()
        if not message.flags.ephemeral
    ]


@pytest.mark.parametrize("attempt", ALL_ATTEMPTS, ids=[attempt_id(a) for a in ALL_ATTEMPTS])
@pytest.mark.parametrize("where", ["thread", "channel"])
async def test_wrong_member_is_refused_and_nothing_changes(
    simcord_env: Any, server: Server, db_path: Path, attempt: Attempt, where: str
) -> None:
    command, options, state, who, fragment = attempt
    thread = await prepare(simcord_env, server, state)
    actor = {
        "stranger": server.reader2,
        "author": server.author,
        "moderator": server.moderator,
    }[who]
    before, shown = dump(db_path), channel_snapshot(server)

    result = await actor.slash(thread if where == "thread" else server.channel, command, **options)

    expect_refusal(simcord_env, result, fragment)
    only_domain_refusals(simcord_env)
    assert result.modal is None and not result.followups
    assert dump(db_path) == before
    assert channel_snapshot(server) == shown
    assert len(server.channel.threads) == 1


async def _other_guild_attempts(
    simcord_env: Any, server: Server, db_path: Path, actor: Any, channel: Any
) -> None:
    attempts: list[tuple[str, dict[str, Any]]] = [
        ("excerpt close", {"excerpt": "1"}),
        ("excerpt reopen", {"excerpt": "1"}),
        ("excerpt delete", {"excerpt": "1"}),
        ("excerpt revise", {"excerpt": "1", "file": ("r.txt", REVISED.encode())}),
        ("excerpt revise", {"excerpt": "1"}),
        ("comment resolve", {"comment": "1"}),
        ("comment reopen", {"comment": "1"}),
        ("comment edit", {"comment": "1", "text": "Hijacked."}),
        ("comment delete", {"comment": "1"}),
        ("comment reply", {"comment": "1", "text": "From outside."}),
        ("comment add", {"excerpt": "1", "line": "1", "text": "From outside."}),
    ]
    before, shown = dump(db_path), channel_snapshot(server)
    for command, options in attempts:
        result = await actor.slash(channel, command, **options)
        expect_refusal(simcord_env, result, "no ")
        assert dump(db_path) == before, command
    only_domain_refusals(simcord_env)
    assert channel_snapshot(server) == shown


async def test_another_servers_moderator_cannot_touch_this_server(
    simcord_env: Any, server: Server, db_path: Path
) -> None:
    await prepare(simcord_env, server, "")
    other = make_server(simcord_env, "Elsewhere")
    await _other_guild_attempts(simcord_env, server, db_path, other.moderator, other.channel)


async def test_this_servers_author_cannot_reach_in_from_another_server(
    simcord_env: Any, server: Server, db_path: Path
) -> None:
    """The excerpt's own author, a member of both servers, acting from the other one."""
    await prepare(simcord_env, server, "")
    other = make_server(simcord_env, "Elsewhere")
    author_there = other.guild.add_member(server.author.user)
    await _other_guild_attempts(simcord_env, server, db_path, author_there, other.channel)


async def test_moderating_another_server_gives_no_rights_here(
    simcord_env: Any, server: Server, db_path: Path
) -> None:
    await prepare(simcord_env, server, "")
    other = make_server(simcord_env, "Elsewhere")
    mods = other.guild.create_role(
        "Mods there", permissions=discord.Permissions(manage_guild=True, manage_messages=True)
    )
    user = simcord_env.create_user("double-agent")
    other.guild.add_member(user, roles=[mods])
    here = server.guild.add_member(user)
    before = dump(db_path)
    for command, options, fragment in [
        ("excerpt close", {"excerpt": "1"}, "only the author"),
        ("comment delete", {"comment": "1"}, "your own"),
        ("comment resolve", {"comment": "1"}, "only the excerpt's author"),
    ]:
        result = await here.slash(server.channel, command, **options)
        expect_refusal(simcord_env, result, fragment)
    assert dump(db_path) == before


async def test_managing_messages_in_one_channel_gives_no_rights_elsewhere(
    simcord_env: Any, server: Server, db_path: Path
) -> None:
    """A member may run their own channel (Manage Messages there, by a channel overwrite).
    That must not make them a moderator of excerpts and comments in other channels by
    typing the command in theirs."""
    await prepare(simcord_env, server, "")
    lounge = server.guild.create_text_channel(
        "lounge",
        overwrites={server.reader2: discord.PermissionOverwrite(manage_messages=True)},
    )
    before = dump(db_path)
    for command, options, fragment in [
        ("comment delete", {"comment": "1"}, "your own"),
        ("comment resolve", {"comment": "1"}, "only the excerpt's author"),
        ("excerpt close", {"excerpt": "1"}, "only the author"),
    ]:
        result = await server.reader2.slash(lounge, command, **options)
        expect_refusal(simcord_env, result, fragment)
    assert dump(db_path) == before


async def test_the_rightful_members_still_can(
    simcord_env: Any, server: Server, db_path: Path
) -> None:
    """The refusals above are about who, not a blanket no: the right people succeed."""
    thread = await prepare(simcord_env, server, "")
    edited = await server.reader.slash(thread, "comment edit", comment="1", text="Mine.")
    assert "Mine." in edited.response.content
    resolved = await server.author.slash(thread, "comment resolve", comment="1")
    assert "resolved" in resolved.response.content
    reopened = await server.moderator.slash(thread, "comment reopen", comment="1")
    assert "reopened" in reopened.response.content
    closed = await server.moderator.slash(thread, "excerpt close", excerpt="1")
    assert "closed" in closed.response.content
    deleted = await server.moderator.slash(thread, "comment delete", comment="1")
    assert "deleted" in deleted.response.content
    assert simcord_env.errors == []
