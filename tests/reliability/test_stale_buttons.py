"""Confirmation buttons are judged at the click and never die silently (issue 11, item 13).

A member demoted after `/excerpt delete` can't use the earlier Delete button; buttons are
disabled when their time runs out (the message is kept); a click on a button left from
before a restart gets a polite private answer instead of "This interaction failed".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.ui import views
from tests.helpers import Server, expect_refusal, post_scene, rows

TIMEOUT = getattr(views, "CONFIRM_TIMEOUT_SECONDS", 120)  # seconds a question waits


def excerpt_status(db_path: Path) -> str:
    return str(rows(db_path, "SELECT status FROM excerpts WHERE number = 1")[0][0])


def buttons(message: Any) -> list[dict[str, Any]]:
    return [component for row in message.components for component in row.get("components", [])]


async def test_a_moderator_demoted_before_the_click_cannot_delete(
    simcord_env: Any, server: Server, db_path: Path
) -> None:
    await post_scene(simcord_env, server)
    asked = await server.moderator.slash(server.channel, "excerpt delete", excerpt="1")
    assert "cannot be undone" in asked.response.content

    # The Moderators role is taken away while the question is still on screen.
    simcord_env.backend.edit_member(server.guild.id, server.moderator.id, {"role_ids": []})
    await simcord_env.settle()
    clicked = await server.moderator.click(asked.response, label="Delete")

    expect_refusal(simcord_env, clicked, "only the author")
    assert excerpt_status(db_path) == "open"
    assert len(server.channel.threads) == 1


async def test_buttons_are_disabled_when_time_runs_out(
    simcord_env: Any, server: Server, db_path: Path
) -> None:
    await post_scene(simcord_env, server)
    asked = await server.author.slash(server.channel, "excerpt delete", excerpt="1")
    assert buttons(asked.response) and not any(b.get("disabled") for b in buttons(asked.response))

    await simcord_env.advance_time(TIMEOUT - 5)
    assert not any(b.get("disabled") for b in buttons(asked.response))
    await simcord_env.advance_time(10)
    await simcord_env.settle()

    assert "cannot be undone" in asked.response.content  # the message is kept
    assert buttons(asked.response)
    assert all(b.get("disabled") for b in buttons(asked.response))
    assert excerpt_status(db_path) == "open"
    assert simcord_env.errors == []


async def test_a_click_after_a_restart_is_answered_politely(
    simcord_env: Any,
    server: Server,
    db_path: Path,
    restart: Callable[[], Awaitable[Any]],
) -> None:
    await post_scene(simcord_env, server)
    asked = await server.author.slash(server.channel, "excerpt delete", excerpt="1")
    await restart()

    clicked = await server.author.click(asked.response, label="Delete")

    assert clicked.response is not None, "the click must be answered"
    assert clicked.ephemeral
    assert (
        "expired" in clicked.response.content
        and "run the command again" in clicked.response.content
    )
    assert excerpt_status(db_path) == "open"
    assert simcord_env.errors == []

    # The command itself works as before in the new process.
    again = await server.author.slash(server.channel, "excerpt delete", excerpt="1")
    done = await server.author.click(again.response, label="Delete")
    assert "were deleted" in done.response.content
    assert excerpt_status(db_path) == "deleted"
    assert simcord_env.errors == []


async def test_page_buttons_after_a_restart_are_answered_politely(
    simcord_env: Any, server: Server, restart: Callable[[], Awaitable[Any]]
) -> None:
    thread = await post_scene(simcord_env, server)
    for number in range(12):
        await server.reader.slash(thread, "comment add", line="1", text=f"Note {number}.")
    listing = await server.reader.slash(thread, "comment list")
    turned = await server.reader.click(listing.response, label="Next")
    assert "Page 2/2" in str(turned.response.embeds[0].footer.text)
    await restart()

    stale = await server.reader.click(listing.response, label="Previous")

    assert stale.ephemeral and "expired" in stale.response.content
    assert simcord_env.errors == []
