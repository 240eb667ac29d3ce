"""The thread tells the truth: a reader of the excerpt's thread sees each comment's card
as it stands now (edited, resolved, reopened, deleted), and status changes typed
elsewhere are said there too. Every check reads the thread as a reader sees it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import discord
import pytest

from bot.ui.comments import COMMENT_COLOUR, RESOLVED_COLOUR
from tests.helpers import SCENE, Server, count, post_scene, rows


def seen(thread: Any, reader: Any) -> list[discord.Message]:
    """The thread's messages as ``reader`` sees them (others' private answers hidden)."""
    return thread.history(viewer=reader)


def visible_text(thread: Any, reader: Any) -> str:
    """Every word a reader can see in the thread: contents, titles, descriptions,
    fields, authors and footers of every embed."""
    parts: list[str] = []
    for message in seen(thread, reader):
        parts.append(message.content or "")
        for embed in message.embeds:
            parts += [embed.title or "", embed.description or "", embed.author.name or ""]
            parts += [embed.footer.text or ""]
            parts += [f"{field.name} {field.value}" for field in embed.fields]
    return "\n".join(parts)


def card(thread: Any, reader: Any, number: int) -> discord.Embed:
    """The one card showing comment ``number`` in the thread."""
    cards = [
        embed
        for message in seen(thread, reader)
        for embed in message.embeds
        if (embed.title or "").startswith(f"💬 Comment #{number} ")
    ]
    assert len(cards) == 1, [e.title for e in cards]
    return cards[0]


def reply_cards(thread: Any, reader: Any, number: int) -> list[discord.Embed]:
    return [
        embed
        for message in seen(thread, reader)
        for embed in message.embeds
        if (embed.title or "").startswith(f"↳ Reply to comment #{number} ")
    ]


def card_ids(db_path: Path) -> list[tuple[Any, ...]]:
    return rows(
        db_path,
        "SELECT 'comment', number, card_message_id FROM comments UNION ALL"
        " SELECT 'reply', comment_id, card_message_id FROM replies ORDER BY 1, 2",
    )


def last_words(thread: Any, reader: Any) -> str:
    return seen(thread, reader)[-1].content


async def test_a_card_follows_its_comment_through_edit_resolve_reopen_and_delete(
    simcord_env: Any, server: Server, db_path: Path
) -> None:
    thread = await post_scene(simcord_env, server)
    reader = server.reader2  # a reader who only reads the thread
    await server.reader.slash(thread, "comment add", line="2", text="Why tea? Abusive words.")
    await server.author.slash(server.channel, "comment reply", comment="1", text="Comfort, RE1.")
    await server.reader2.slash(thread, "comment reply", comment="1", text="Agreed, RE2.")
    # Each card's message is remembered, whether it was posted from inside or outside.
    assert [row[2] is not None for row in card_ids(db_path)] == [True, True, True]
    assert "Why tea? Abusive words." in (card(thread, reader, 1).description or "")
    assert len(reply_cards(thread, reader, 1)) == 2

    # Edit: the card shows the new text, marked edited; the old words are gone.
    await server.reader.slash(thread, "comment edit", comment="1", text="Why tea, not rum?")
    shown = card(thread, reader, 1)
    assert "Why tea, not rum?" in (shown.description or "")
    assert "edited" in (shown.footer.text or "") and "open" in (shown.footer.text or "")
    assert "Abusive" not in visible_text(thread, reader)

    # Resolve inside the thread: colour and footer follow; the answer there says it.
    await server.author.slash(thread, "comment resolve", comment="1")
    shown = card(thread, reader, 1)
    assert shown.colour == RESOLVED_COLOUR and "✅ resolved" in (shown.footer.text or "")
    assert "resolved by" in last_words(thread, reader)

    # Reopen from the main channel: the card turns back, and the thread says so.
    answer = await server.moderator.slash(server.channel, "comment reopen", comment="1")
    assert answer.ephemeral and "reopened" in answer.response.content
    shown = card(thread, reader, 1)
    assert shown.colour == COMMENT_COLOUR and "· open ·" in (shown.footer.text or "")
    assert last_words(thread, reader) == (
        "Comment **#1** (line 2 of excerpt #1) ↩️ reopened by workshop-mod."
    )
    # One short line, never a ping.
    announcement = seen(thread, reader)[-1]
    assert announcement.mentions == [] and not announcement.mention_everyone

    # A moderator deletes it: a one-line tombstone, the replies' cards gone, no words left.
    deleted = await server.moderator.slash(server.channel, "comment delete", comment="1")
    assert deleted.ephemeral and deleted.followups == []
    text = visible_text(thread, reader)
    for words in ("Why tea", "rum", "Comfort", "RE1", "RE2"):
        assert words not in text
    assert reply_cards(thread, reader, 1) == []
    assert "🗑️ Comment #1 (line 2) was deleted." in [m.content for m in seen(thread, reader)]
    assert not any(
        (e.title or "").startswith("💬 Comment #1 ") for m in seen(thread, reader) for e in m.embeds
    )


async def test_a_reply_card_does_not_repeat_the_comment_it_answers(
    simcord_env: Any, server: Server
) -> None:
    """Reply cards name the comment by number: editing it leaves no stale copy behind."""
    thread = await post_scene(simcord_env, server)
    await server.reader.slash(thread, "comment add", line="1", text="First wording.")
    await server.author.slash(thread, "comment reply", comment="1", text="Noted.")
    await server.reader.slash(thread, "comment edit", comment="1", text="Second wording.")
    assert "First wording" not in visible_text(thread, server.reader2)
    [reply] = reply_cards(thread, server.reader2, 1)
    assert reply.footer.text == "Excerpt #1 · reply with /comment reply comment:1"


@pytest.mark.parametrize("where", ["main channel", "thread"])
async def test_closing_an_excerpt_is_said_once_in_its_thread(
    simcord_env: Any, server: Server, where: str
) -> None:
    thread = await post_scene(simcord_env, server)
    typed_in = server.channel if where == "main channel" else thread
    before = len(seen(thread, server.reader))
    await server.author.slash(typed_in, "excerpt close", excerpt="1")
    await server.author.slash(typed_in, "excerpt reopen", excerpt="1")
    said = [m.content for m in seen(thread, server.reader)[before:]]
    if where == "main channel":
        assert said == [
            "🔒 Excerpt **#1** · The Keeper is closed to new comments (by workshop-author).",
            "🔓 Excerpt **#1** · The Keeper is open for comments again (by workshop-author).",
        ]
    else:  # the public answers are the announcements
        assert said == [
            "🔒 Excerpt **#1** · The Keeper is closed to new comments.",
            "🔓 Excerpt **#1** · The Keeper is open for comments again.",
        ]


async def test_a_status_change_from_elsewhere_never_pings(simcord_env: Any, server: Server) -> None:
    thread = await post_scene(simcord_env, server)
    hostile = server.guild.add_member(simcord_env.create_user("@everyone"))
    await server.author.slash(thread, "comment add", line="1", text="Mine.")
    await server.author.slash(server.channel, "comment resolve", comment="1")
    await hostile.slash(server.channel, "comment add", excerpt="1", line="2", text="Hm.")
    await server.author.slash(server.channel, "comment resolve", comment="2")
    for message in seen(thread, server.reader):
        assert not message.mention_everyone and message.mentions == []


REFUSALS = [
    ("PATCH", "/channels/*/messages/*", 403, 50013),  # permission removed
    ("PATCH", "/channels/*/messages/*", 404, 10008),  # the card was deleted by hand
    ("PATCH", "/channels/*/messages/*", 400, 50083),  # thread archived
]


@pytest.mark.parametrize(("method", "path", "status", "code"), REFUSALS)
async def test_a_refused_card_edit_keeps_the_action_and_says_so(
    simcord_env: Any, server: Server, db_path: Path, method: str, path: str, status: int, code: int
) -> None:
    thread = await post_scene(simcord_env, server)
    await server.reader.slash(thread, "comment add", line="2", text="Old words.")
    simcord_env.inject_error(method, path, status=status, code=code, times=None)

    edited = await server.reader.slash(server.channel, "comment edit", comment="1", text="New.")
    resolved = await server.author.slash(thread, "comment resolve", comment="1")
    assert simcord_env.errors == [], "a refused card is not a failed action"
    for result in (edited, resolved):
        [note] = [m for m in result.followups if m.ephemeral]
        assert "couldn't update the excerpt's thread" in note.content
    assert rows(db_path, "SELECT text, status FROM comments") == [("New.", "resolved")]


async def test_a_deleted_thread_still_lets_comments_change(
    simcord_env: Any, server: Server, db_path: Path
) -> None:
    thread = await post_scene(simcord_env, server)
    await server.reader.slash(thread, "comment add", line="2", text="Words.")
    # Gone on Discord's side: every call about the thread answers "Unknown Channel".
    simcord_env.inject_error("*", f"/channels/{thread.id}*", status=404, code=10003, times=None)
    deleted = await server.reader.slash(server.channel, "comment delete", comment="1")
    assert "were deleted" in deleted.response.content
    assert "couldn't update" in deleted.followups[0].content
    assert count(db_path, "SELECT COUNT(*) FROM comments") == 0


async def test_a_revision_edits_no_card(simcord_env: Any, server: Server) -> None:
    """Cards are not rewritten one by one after a revision (Discord's rate limits);
    the notice says what moved instead."""
    thread = await post_scene(simcord_env, server)
    for line in ("1", "2", "3"):
        await server.reader.slash(thread, "comment add", line=line, text=f"On {line}.")
    before = len(simcord_env.http_requests)
    text = "A new first line.\n\n" + SCENE
    await server.author.slash(thread, "excerpt revise", excerpt="1", file=("v2.txt", text.encode()))
    edits = [r for r in simcord_env.http_requests[before:] if r.method == "PATCH"]
    assert [r.path for r in edits if "/messages/" in r.path and "webhooks" not in r.path] == []
    notice = next(m.content for m in seen(thread, server.reader) if m.content.startswith("📝"))
    assert notice == (
        "📝 **Revision 2** of excerpt **#1** · The Keeper: 1 line added. Comments: "
        "#1 moved from line 1 to line 2; #2 moved from line 2 to line 3; "
        "#3 moved from line 3 to line 4."
    )
