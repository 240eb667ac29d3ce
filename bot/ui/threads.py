"""An excerpt's thread: opening it and posting the excerpt's lines there, finding it again,
and bringing its cards up to date after a change.

The database already holds the truth when these run: if Discord refuses, the member is
told (``THREAD_NOT_UPDATED``) and nothing is undone.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import discord

from bot.errors import InvalidInput
from bot.models import Excerpt, Line, PostedMessage
from bot.ui.excerpts import PlannedMessage, excerpt_messages, thread_name

log = logging.getLogger(__name__)

THREAD_NOT_UPDATED = (
    "⚠️ It is saved, but I couldn't update the excerpt's thread (it may be archived, "
    "deleted or closed to me), so the thread may not show this change yet."
)


NO_MENTIONS = discord.AllowedMentions.none()
THREAD_ARCHIVE_MINUTES: Literal[10080] = 10080  # a week: feedback takes time


async def thread_of(
    interaction: discord.Interaction, thread_id: int | None
) -> discord.Thread | None:
    """The excerpt's thread, from cache or Discord; None if it is gone or hidden from us."""
    if thread_id is None or interaction.guild is None:
        return None
    thread = interaction.guild.get_thread(thread_id)
    if thread is not None:
        return thread
    try:
        channel = await interaction.client.fetch_channel(thread_id)
    except discord.HTTPException:
        return None
    return channel if isinstance(channel, discord.Thread) else None


@dataclass(frozen=True, slots=True)
class CardChange:
    """One card in an excerpt's thread brought up to date: new embed, new text, or gone."""

    message_id: int
    embed: discord.Embed | None = None
    content: str | None = None
    delete: bool = False
    # The message is a review's, showing several comments: replace only the embed of
    # comment #in_review (its title, or a tombstone's text, names it).
    in_review: int | None = None


async def update_thread(
    interaction: discord.Interaction,
    thread_id: int | None,
    announce: str | None,
    changes: Sequence[CardChange],
) -> bool:
    """Say ``announce`` in the excerpt's thread and apply ``changes`` to its cards; False
    if Discord refused any of it (the thread archived, deleted, or closed to the bot)."""
    thread = await thread_of(interaction, thread_id)
    if thread is None:
        return False
    done = True
    if thread.archived and not thread.locked:
        # Discord refuses edits in an archived thread; any member may wake an unlocked one.
        try:
            await thread.edit(archived=False)
        except discord.HTTPException as error:
            log.info("could not unarchive thread %s: %s", thread.id, error)
    if announce:
        try:
            await thread.send(announce, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as error:
            log.info("could not announce in thread %s: %s", thread.id, error)
            done = False
    for change in changes:
        message = thread.get_partial_message(change.message_id)
        try:
            if change.in_review is not None and change.embed is not None:
                await _replace_in_review(thread, change.message_id, change.in_review, change.embed)
            elif change.delete:
                await message.delete()
            elif change.embed is not None:
                await message.edit(embed=change.embed, allowed_mentions=NO_MENTIONS)
            else:
                await message.edit(content=change.content, embeds=[], allowed_mentions=NO_MENTIONS)
        except discord.NotFound:
            # A card to remove that is already gone is what was wanted.
            done = done and change.delete
        except discord.HTTPException as error:
            log.info("could not update card %s in thread %s: %s", message.id, thread.id, error)
            done = False
    return done


async def _replace_in_review(
    thread: discord.Thread, message_id: int, number: int, embed: discord.Embed
) -> None:
    """Swap comment #number's embed in a review's message, keeping the others."""
    message = await thread.fetch_message(message_id)
    embeds = list(message.embeds)
    names = (f"💬 Comment #{number} ", f"🗑️ Comment #{number} ")
    for index, shown in enumerate(embeds):
        said = (shown.title or "") + " " + (shown.description or "")
        if said.startswith(names) or (shown.description or "").startswith(names):
            embeds[index] = embed
            await message.edit(embeds=embeds, allowed_mentions=NO_MENTIONS)
            return


# ------------------------------------------------------------ posting excerpts


async def announce(
    home: discord.TextChannel | discord.ForumChannel, text: str
) -> discord.Message | None:
    """Announce a new excerpt in its parent text channel; a forum shows its new post
    by itself (it takes no plain messages)."""
    if not isinstance(home, discord.TextChannel):
        return None
    try:
        return await home.send(text)
    except discord.HTTPException as error:
        log.info("could not announce in channel %s: %s", home.id, error)
        return None


def home_channel(
    channel: discord.abc.GuildChannel | discord.abc.PrivateChannel | discord.Thread | None,
) -> discord.TextChannel | discord.ForumChannel:
    """Where the excerpt's thread goes: the channel used, or the parent of a thread."""
    if isinstance(channel, discord.Thread):
        channel = channel.parent
    if isinstance(channel, discord.TextChannel | discord.ForumChannel):
        return channel
    raise InvalidInput("Post excerpts from a text or forum channel, so I can open a thread there.")


async def post_in_thread(
    home: discord.TextChannel | discord.ForumChannel, excerpt: Excerpt, lines: Sequence[Line]
) -> tuple[discord.Thread, list[PostedMessage]]:
    planned = excerpt_messages(excerpt, lines)
    posted: list[PostedMessage] = []
    if isinstance(home, discord.ForumChannel):
        first_embeds, first_plan = planned[0]
        created = await home.create_thread(name=thread_name(excerpt), embeds=first_embeds)
        thread = created.thread
        posted.append(
            PostedMessage(created.message.id, first_plan.first_line, first_plan.last_line)
        )
        remaining = planned[1:]
    else:
        thread = await home.create_thread(
            name=thread_name(excerpt),
            type=discord.ChannelType.public_thread,
            auto_archive_duration=THREAD_ARCHIVE_MINUTES,
        )
        remaining = planned
    try:
        await send_planned(thread, remaining, posted)
    except BaseException:
        await delete_quietly(thread)
        raise
    return thread, [p for p in posted if p.first_line]


async def send_planned(
    thread: discord.Thread,
    planned: Sequence[tuple[list[discord.Embed], PlannedMessage]],
    posted: list[PostedMessage],
) -> None:
    """Send each planned message, adding to ``posted`` as each one lands (so a failure
    part-way leaves the record of what did): which lines it shows, for the menu."""
    for embeds, plan in planned:
        message = await thread.send(embeds=embeds)
        if plan.first_line:
            posted.append(PostedMessage(message.id, plan.first_line, plan.last_line))


async def delete_quietly(thread: discord.Thread | None) -> None:
    if thread is None:
        return
    try:
        await thread.delete()
    except discord.HTTPException:
        log.info("could not delete thread %s; it stays for a moderator to remove", thread.id)


@dataclass(slots=True)
class RevisionPosting:
    """What reached the thread of a revision: its messages, and whether Discord refused
    the rest."""

    posted: list[PostedMessage] = field(default_factory=list)
    refused: bool = False


async def post_revision(
    thread: discord.Thread,
    notice: str,
    planned: Sequence[tuple[list[discord.Embed], PlannedMessage]],
) -> RevisionPosting:
    """Say ``notice`` in the thread, then post the revision's messages not yet there."""
    posting = RevisionPosting()
    try:
        await thread.send(notice, allowed_mentions=discord.AllowedMentions.none())
        await send_planned(thread, planned, posting.posted)
    except discord.HTTPException as error:
        log.info("revision not fully posted in thread %s: %s", thread.id, error)
        posting.refused = True
    return posting
