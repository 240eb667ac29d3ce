"""R5: Discord failing under the bot (SimCord's ``inject_error``).

Whatever Discord refuses or loses, the user gets a clear message (privately), the
database holds no excerpt that was never posted (and nothing half-written), nothing
crashes, and the next command works.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import discord
import pytest

from bot.errors import MarginaliaError
from tests.helpers import SCENE, Server, count, post_scene, unposted


def excerpt_tables(db_path: Path) -> dict[str, int]:
    tables = ("excerpts", "revisions", "lines", "excerpt_messages", "comments", "replies")
    return {table: count(db_path, f"SELECT COUNT(*) FROM {table}") for table in tables}


def private_answer(result: Any) -> str:
    """The one message the user got: ephemeral, whether answer or followup."""
    messages = [m for m in [result.response, *result.followups] if m is not None]
    assert messages, f"the user was told nothing: {result!r}"
    assert all(m.ephemeral for m in messages), [(m.content, m.ephemeral) for m in messages]
    return "\n".join(m.content for m in messages)


def no_public_trace(server: Server, env: Any) -> None:
    """Nothing the failed posting said is left in the channel for everyone to see (Discord's
    own "started a thread" notice aside)."""
    bot_id = env.bot.user.id
    for message in server.channel.history():
        if message.author.id == bot_id and message.type is not discord.MessageType.thread_created:
            assert message.flags.ephemeral, message.content


def taken_errors(env: Any) -> list[BaseException]:
    return [getattr(error, "original", error) for error in env.errors]


async def post(server: Server, title: str = "The Keeper") -> Any:
    return await server.author.slash(
        server.channel, "excerpt post", title=title, file=("keeper.txt", SCENE.encode())
    )


async def still_serving(env: Any, server: Server, db_path: Path) -> None:
    """The next commands work: a new excerpt is posted and takes a comment."""
    thread = await post_scene(env, server, title="After the storm")
    answered = await server.reader.slash(thread, "comment add", line="1", text="Calm again.")
    assert not answered.ephemeral and "Comment #" in answered.response.embeds[0].title
    assert unposted(db_path) == 0


POSTING_FAULTS = [
    ("/channels/*/threads", 403, "would not let me post"),
    ("/channels/*/threads", 404, "disappeared"),
    ("/channels/*/threads", 500, "had a problem"),
    ("/channels/*/messages", 403, "would not let me post"),
    ("/channels/*/messages", 404, "disappeared"),
    ("/channels/*/messages", 500, "had a problem"),
]


@pytest.mark.parametrize(("path", "status", "fragment"), POSTING_FAULTS)
async def test_posting_fault_rolls_back_and_says_so(
    simcord_env: Any, server: Server, db_path: Path, path: str, status: int, fragment: str
) -> None:
    simcord_env.inject_error("POST", path, status=status, times=1)
    result = await post(server)

    answer = private_answer(result)
    assert fragment in answer and "Nothing was saved" in answer
    assert all(isinstance(e, MarginaliaError) for e in taken_errors(simcord_env))
    # Not an excerpt, revision or line left behind; no half-posted thread either.
    assert excerpt_tables(db_path) == dict.fromkeys(excerpt_tables(db_path), 0)
    assert server.channel.threads == []
    no_public_trace(server, simcord_env)
    await still_serving(simcord_env, server, db_path)


async def test_posting_fault_from_the_paste_box(
    simcord_env: Any, server: Server, db_path: Path
) -> None:
    shown = await server.author.slash(server.channel, "excerpt post", title="Pasted")
    simcord_env.inject_error("POST", "/channels/*/threads", status=403, times=1)
    result = await server.author.submit_modal(shown, {"text": "One.\nTwo.\nThree."})
    assert "would not let me post" in private_answer(result)
    assert simcord_env.errors
    assert excerpt_tables(db_path)["excerpts"] == 0 and server.channel.threads == []
    await still_serving(simcord_env, server, db_path)


async def test_lines_refused_and_thread_cleanup_refused_too(
    simcord_env: Any, server: Server, db_path: Path
) -> None:
    """Discord refuses the lines, then refuses to delete the empty thread: the user is
    still told, and the database still holds nothing of the excerpt."""
    simcord_env.inject_error("POST", "/channels/*/messages", status=403, times=1)
    simcord_env.inject_error("DELETE", "/channels/*", status=500, times=1)
    result = await post(server)
    assert "would not let me post" in private_answer(result)
    assert simcord_env.errors
    assert excerpt_tables(db_path)["excerpts"] == 0 and unposted(db_path) == 0
    # The empty thread stays for a moderator; no numbered line was ever shown in it.
    assert [len(thread.history()) for thread in server.channel.threads] == [0]
    await still_serving(simcord_env, server, db_path)


async def test_a_long_excerpt_fails_midway_and_leaves_nothing(
    simcord_env: Any, server: Server, db_path: Path
) -> None:
    """Lines go out in several messages; Discord refuses one part-way through."""
    paragraph = "The sea kept its own counsel, grey on grey, and the keeper kept his. " * 5
    text = "\n\n".join(f"{n}. {paragraph}" for n in range(1, 90))
    posted_messages = 0

    # inject_error counts only matching requests, and the thread's id is not known before
    # it exists: so the fault is armed for the third message as it is being sent.
    original_send = simcord_env.bot.http.send_message

    async def send_message(channel_id: Any, *, params: Any) -> Any:
        nonlocal posted_messages
        posted_messages += 1
        if posted_messages == 3:
            simcord_env.backend.faults.append(
                {
                    "method": "POST",
                    "path": f"/channels/{channel_id}/messages",
                    "status": 403,
                    "code": 50013,
                    "message": "Missing Permissions",
                    "times": 1,
                }
            )
        return await original_send(channel_id, params=params)

    simcord_env.bot.http.send_message = send_message
    try:
        result = await server.author.slash(
            server.channel, "excerpt post", title="Long", file=("l.txt", text.encode())
        )
    finally:
        del simcord_env.bot.http.send_message
    assert posted_messages >= 3
    assert "would not let me post" in private_answer(result)
    assert simcord_env.errors
    assert excerpt_tables(db_path) == dict.fromkeys(excerpt_tables(db_path), 0)
    assert server.channel.threads == [], "the half-posted thread must be removed"
    await still_serving(simcord_env, server, db_path)


async def test_confirmation_followup_fails_once(
    simcord_env: Any, server: Server, db_path: Path
) -> None:
    """The excerpt is posted; only the "it's up" followup fails. The user must not be told
    that nothing was saved (they would post it twice): the confirmation goes another way."""
    simcord_env.inject_error("POST", "/webhooks/*", status=500, times=1)
    result = await post(server)
    assert simcord_env.errors == []
    assert "is up as excerpt **#1**" in result.response.content
    assert excerpt_tables(db_path)["excerpts"] == 1 and unposted(db_path) == 0
    assert len(server.channel.threads) == 1
    await still_serving(simcord_env, server, db_path)


async def test_confirmation_never_arrives_but_the_excerpt_is_whole(
    simcord_env: Any, server: Server, db_path: Path
) -> None:
    simcord_env.inject_error("*", "/webhooks/*", status=500, times=None)
    result = await post(server)
    assert simcord_env.errors == [], "a lost confirmation is not a crash"
    assert result.response is None or "is up" not in (result.response.content or "")
    # Posted, whole and usable: every line stored and shown in the thread.
    assert unposted(db_path) == 0
    assert count(db_path, "SELECT COUNT(*) FROM lines") == 4
    thread = server.channel.threads[0]
    assert any(m.embeds and "📖" in (m.embeds[0].title or "") for m in thread.history())
    simcord_env.backend.faults.clear()
    await still_serving(simcord_env, server, db_path)


@pytest.mark.parametrize("status", [403, 404])
async def test_comment_echo_refused_keeps_the_comment_and_says_where(
    simcord_env: Any, server: Server, db_path: Path, status: int
) -> None:
    thread = await post_scene(simcord_env, server)
    simcord_env.inject_error("POST", "/channels/*/messages", status=status, times=1)
    result = await server.reader.slash(
        server.channel, "comment add", excerpt="1", line="2", text="Saved anyway."
    )
    answer = private_answer(result)
    assert "#1" in answer and "it is saved" in answer.lower()
    assert simcord_env.errors == []
    assert count(db_path, "SELECT COUNT(*) FROM comments WHERE text = 'Saved anyway.'") == 1
    assert not any(m.embeds and "Comment #1" in (m.embeds[0].title or "") for m in thread.history())
    await still_serving(simcord_env, server, db_path)


async def test_reply_echo_refused_keeps_the_reply(
    simcord_env: Any, server: Server, db_path: Path
) -> None:
    thread = await post_scene(simcord_env, server)
    await server.reader.slash(thread, "comment add", line="1", text="Hm.")
    simcord_env.inject_error("POST", "/channels/*/messages", status=403, times=1)
    result = await server.reader2.slash(
        server.channel, "comment reply", comment="1", text="Agreed."
    )
    assert "Reply added to comment **#1**" in private_answer(result)
    assert count(db_path, "SELECT COUNT(*) FROM replies") == 1
    await still_serving(simcord_env, server, db_path)


async def test_answer_lost_after_the_comment_was_saved_is_honest(
    simcord_env: Any, server: Server, db_path: Path
) -> None:
    """Discord fails the answer itself (500 on the interaction callback) after the comment
    is stored: the retry answer must not claim that nothing was changed."""
    thread = await post_scene(simcord_env, server)
    simcord_env.inject_error("POST", "/interactions/*/callback", status=500, times=1)
    result = await server.reader.slash(thread, "comment add", line="1", text="Once only.")
    answer = private_answer(result)
    assert "nothing was changed" not in answer.lower()
    assert "can't be sure" in answer and "check" in answer
    assert count(db_path, "SELECT COUNT(*) FROM comments") == 1
    assert [type(e).__name__ for e in taken_errors(simcord_env)] == ["HTTPException"]
    await still_serving(simcord_env, server, db_path)


async def test_expired_interaction_does_not_lose_the_comment(
    simcord_env: Any, server: Server, db_path: Path
) -> None:
    thread = await post_scene(simcord_env, server)
    simcord_env.inject_error("POST", "/interactions/*/callback", status=404, code=10062, times=2)
    result = await server.reader.slash(thread, "comment add", line="1", text="Late but kept.")
    assert not result.acknowledged  # Discord would show "The application did not respond"
    assert [type(e).__name__ for e in taken_errors(simcord_env)] == ["NotFound"]
    assert count(db_path, "SELECT COUNT(*) FROM comments WHERE text = 'Late but kept.'") == 1
    await still_serving(simcord_env, server, db_path)
