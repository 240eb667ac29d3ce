"""Reviews end to end: drafts nobody else sees, one message and one notification on submit."""

from __future__ import annotations

from typing import Any

from tests.helpers import expect_refusal, post_scene, rows


def bot_messages(thread: Any) -> list[Any]:
    return [m for m in thread.history() if m.author.bot]


def dms(member: Any) -> list[Any]:
    return [m for m in member.user.dm_channel.history() if m.author.bot]


async def down_for(env: Any, bot: Any, seconds: float) -> None:
    """The bot is down: its loops are stopped while the clock moves."""
    bot.get_cog("Prompts").scheduler.cancel()
    await env.settle()
    await env.advance_time(seconds)


async def ten_drafts(server: Any, thread: Any) -> None:
    started = await server.reader.slash(thread, "review start")
    assert started.ephemeral and "drafts" in started.response.content
    for number in range(10):
        result = await server.reader.slash(
            thread, "comment add", line=str(1 + number % 4), text=f"Draft {number}."
        )
        assert result.ephemeral and "draft" in result.response.content


async def test_drafts_are_private_then_submitted_as_one_message(simcord_env, server, db_path):
    thread = await post_scene(simcord_env, server)
    await server.author.slash(server.channel, "notify", mode="instant")
    before = len(bot_messages(thread))
    await ten_drafts(server, thread)
    assert len(bot_messages(thread)) == before  # nothing posted
    assert rows(db_path, "SELECT COUNT(*) FROM comments") == [(0,)]
    listed = await server.reader2.slash(thread, "comment list")
    assert "No comments" in listed.response.content
    shown = await server.author.slash(thread, "excerpt show", excerpt="1")
    assert "💬" not in str([e.description for e in shown.response.embeds])
    choices = await server.reader2.autocomplete(thread, "comment reply", "comment", "")
    assert choices == []
    await simcord_env.advance_time(300)
    assert dms(server.author) == []
    mine = await server.reader.slash(thread, "review show")
    assert "10 drafts" in mine.response.content

    submitted = await server.reader.slash(thread, "review submit", summary="Lovely opening.")
    assert submitted.ephemeral
    posted = bot_messages(thread)[before:]
    assert len(posted) == 1
    message = posted[0]
    assert "Lovely opening." in message.content and "10 comments" in message.content
    assert len(message.embeds) == 10  # Discord's limit for one message
    assert rows(db_path, "SELECT COUNT(*) FROM comments WHERE review_id IS NOT NULL") == [(10,)]
    # Comments in line order, numbered in that order.
    assert rows(db_path, "SELECT line_start FROM comments ORDER BY number") == sorted(
        rows(db_path, "SELECT line_start FROM comments")
    )
    await simcord_env.advance_time(180)
    [notice] = dms(server.author)
    assert "submitted a review" in notice.content and "1 update" in notice.content


async def test_a_small_review_is_one_message_and_its_cards_stay_current(
    simcord_env, server, db_path
):
    thread = await post_scene(simcord_env, server)
    before = len(bot_messages(thread))
    await server.reader.slash(thread, "review start")
    await server.reader.slash(thread, "comment add", line="3", text="Second.", kind="pacing")
    await server.reader.slash(thread, "comment add", line="1", text="First.")
    await server.reader.slash(thread, "review submit")
    [message] = bot_messages(thread)[before:]
    assert [e.title for e in message.embeds] == [
        "💬 Comment #1 · line 1",
        "💬 Comment #2 · line 3",
    ]
    await server.reader.slash(thread, "comment edit", comment="2", text="Second, edited.")
    await server.author.slash(thread, "comment resolve", comment="1")
    await server.reader.slash(thread, "comment delete", comment="2")
    [message] = [m for m in bot_messages(thread) if m.id == message.id]
    assert "resolved" in message.embeds[0].footer.text
    assert "Comment #2 (line 3) was deleted" in message.embeds[1].description
    assert len(message.embeds) == 2 and "Review of #1" in message.content


async def test_discard_keeps_nothing_and_needs_confirmation(simcord_env, server, db_path):
    thread = await post_scene(simcord_env, server)
    await ten_drafts(server, thread)
    asked = await server.reader.slash(thread, "review discard")
    assert "10 draft" in asked.response.content
    await server.reader.click(asked.response, label="Discard")
    assert rows(db_path, "SELECT COUNT(*) FROM review_drafts") == [(0,)]
    assert rows(db_path, "SELECT COUNT(*) FROM comments") == [(0,)]
    # Comments are ordinary again.
    plain = await server.reader.slash(thread, "comment add", line="1", text="Now public.")
    assert not plain.ephemeral


async def test_drafts_survive_a_restart_and_expire_after_seven_days(
    simcord_env, server, restart, db_path
):
    thread = await post_scene(simcord_env, server)
    await server.reader.slash(thread, "review start")
    await server.reader.slash(thread, "comment add", line="2", text="Kept over a restart.")
    bot = await restart()
    shown = await server.reader.slash(thread, "review show")
    assert "Kept over a restart." in shown.response.content
    await down_for(simcord_env, bot, 6 * 86_400)
    bot = await restart()
    await simcord_env.advance_time(60)
    assert rows(db_path, "SELECT status FROM reviews") == [("open",)]
    # Down for the rest of the week: the first tick after the restart discards it.
    await down_for(simcord_env, bot, 2 * 86_400)
    await restart()
    await simcord_env.advance_time(60)
    assert rows(db_path, "SELECT status FROM reviews") == [("expired",)]
    answer = await server.reader.slash(server.channel, "notify")
    assert any("untouched for 7 days" in m.content for m in answer.followups)
    again = await server.reader.slash(server.channel, "notify")
    assert not any("untouched" in m.content for m in again.followups)


async def test_submit_without_an_open_review_is_refused(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    result = await server.reader.slash(thread, "review submit")
    expect_refusal(simcord_env, result, "no open review")


async def test_the_menu_and_replies_make_drafts_too(simcord_env, server, db_path):
    thread = await post_scene(simcord_env, server)
    await server.reader2.slash(thread, "comment add", line="1", text="Public.")
    await server.reader.slash(thread, "review start")
    message = thread.history()[-2]
    shown = await server.reader.context_menu(thread, "Comment on line", message)
    drafted = await server.reader.submit_modal(shown, {"line": "2", "text": "From the menu."})
    assert drafted.ephemeral and "draft" in drafted.response.content
    reply = await server.reader.slash(thread, "comment reply", comment="1", text="Agreed.")
    assert reply.ephemeral and "draft" in reply.response.content
    assert rows(db_path, "SELECT COUNT(*) FROM replies") == [(0,)]
    await server.reader.slash(thread, "review submit")
    assert rows(db_path, "SELECT COUNT(*) FROM replies") == [(1,)]
    assert rows(db_path, "SELECT text FROM comments WHERE review_id IS NOT NULL") == [
        ("From the menu.",)
    ]
