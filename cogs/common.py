"""Glue shared by the cogs: who is acting, which excerpt is meant, autocomplete."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.errors import InvalidInput, NotAllowed
from bot.models import Actor, Viewer
from bot.ui.error_replies import send_error
from bot.ui.render import comment_choice_name, plain
from bot.workshop import WHICH_EXCERPT, parse_number

if TYPE_CHECKING:
    from bot.ui.client import MarginaliaBot

log = logging.getLogger(__name__)


def bot_of(interaction: discord.Interaction) -> MarginaliaBot:
    return interaction.client  # type: ignore[return-value]


def guild_id_of(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


def member_of(interaction: discord.Interaction) -> Actor:
    """The invoker as the core sees them; moderators hold Manage Server or Manage Messages
    server-wide. Not ``interaction.permissions``: those are of the channel the command is
    typed in, and a channel overwrite there (someone's own channel) must not make them a
    moderator of every excerpt and comment in the server."""
    permissions = interaction.permissions
    if isinstance(interaction.user, discord.Member):
        # If the server is not cached, keep the channel's view rather than fail.
        with contextlib.suppress(AttributeError):
            permissions = interaction.user.guild_permissions
    return Actor(
        id=interaction.user.id,
        display_name=interaction.user.display_name,
        is_moderator=permissions.manage_guild or permissions.manage_messages,
        viewer=viewer_of(interaction),
    )


def viewer_of(interaction: discord.Interaction) -> Viewer:
    """What the invoker can see and write in, from the server's cached channels and the
    permissions Discord would apply to them (roles, overwrites, private thread membership).

    Fails closed: without a cached server only the channel in use counts as visible."""
    guild = interaction.guild
    user = interaction.user
    if guild is None or not isinstance(user, discord.Member) or not guild.channels:
        return _viewer_of_this_channel(interaction)
    visible: set[int] = set()
    writable: set[int] = set()
    for channel in guild.channels:
        permissions = channel.permissions_for(user)
        if permissions.view_channel:
            visible.add(channel.id)
            if permissions.send_messages_in_threads:
                writable.add(channel.id)
    hidden = {
        thread.id
        for thread in guild.threads
        if thread.is_private() and not _in_private_thread(thread, user)
    }
    return Viewer(frozenset(visible), frozenset(hidden), frozenset(writable))


def _in_private_thread(thread: discord.Thread, user: discord.Member) -> bool:
    if thread.owner_id == user.id or any(m.id == user.id for m in thread.members):
        return True
    parent = thread.parent
    return parent is not None and parent.permissions_for(user).manage_threads


def _viewer_of_this_channel(interaction: discord.Interaction) -> Viewer:
    channel = interaction.channel
    ids = {interaction.channel_id} if interaction.channel_id is not None else set()
    if isinstance(channel, discord.Thread) and channel.parent_id is not None:
        ids.add(channel.parent_id)
    writable = ids if interaction.permissions.send_messages_in_threads else set()
    return Viewer(frozenset(ids), frozenset(), frozenset(writable))


def require_excerpt_posting_rights(interaction: discord.Interaction) -> None:
    """The bot opens an excerpt's thread on the invoker's behalf: only where they could post
    it themselves. Judged in the channel the thread goes to (a thread's parent)."""
    channel = interaction.channel
    home = channel.parent if isinstance(channel, discord.Thread) else channel
    permissions = interaction.permissions
    if home is not channel and home is not None and isinstance(interaction.user, discord.Member):
        permissions = home.permissions_for(interaction.user)
    needed = (
        {"send_messages": "Send Messages (Create Posts)"}
        if isinstance(home, discord.ForumChannel)
        else {"send_messages": "Send Messages", "create_public_threads": "Create Public Threads"}
    )
    needed["send_messages_in_threads"] = "Send Messages in Threads"
    missing = [label for flag, label in needed.items() if not getattr(permissions, flag)]
    if missing:
        names = " and ".join(f"**{label}**" for label in missing)
        raise NotAllowed(
            f"You don't have the {names} permission{'s' if len(missing) > 1 else ''} in this "
            "channel, so I won't post an excerpt here for you. Please use a channel where "
            "you can post."
        )


async def excerpt_number_for(interaction: discord.Interaction, raw: str | None) -> int:
    """The excerpt named, or the one whose thread the command is used in."""
    if raw is not None and raw.strip():
        return parse_number(raw, "excerpt")
    channel_id = interaction.channel_id
    if channel_id is not None:
        excerpt = await bot_of(interaction).workshop.excerpt_for_thread(
            guild_id_of(interaction), channel_id, viewer=viewer_of(interaction)
        )
        if excerpt is not None:
            return excerpt.number
    raise InvalidInput(WHICH_EXCERPT)


async def excerpt_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    if interaction.guild_id is None:
        return []
    found = await bot_of(interaction).workshop.search_excerpts(
        interaction.guild_id, current, viewer=viewer_of(interaction)
    )
    return [
        app_commands.Choice(name=plain(f"#{number} · {title} — {author}", 100), value=str(number))
        for number, title, author in found
    ]


async def comment_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    if interaction.guild_id is None:
        return []
    workshop = bot_of(interaction).workshop
    viewer = viewer_of(interaction)
    excerpt_number = None
    if interaction.channel_id is not None:
        excerpt = await workshop.excerpt_for_thread(
            interaction.guild_id, interaction.channel_id, viewer=viewer
        )
        excerpt_number = excerpt.number if excerpt else None
    found = await workshop.search_comments(
        interaction.guild_id, current, excerpt_number, viewer=viewer
    )
    if not found and excerpt_number is not None:
        found = await workshop.search_comments(interaction.guild_id, current, viewer=viewer)
    return [
        app_commands.Choice(name=comment_choice_name(comment), value=str(comment.number))
        for comment in found
    ]


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


class ErrorAwareModal(discord.ui.Modal):
    """A modal whose failures reach the user like a command's."""

    async def on_error(  # type: ignore[override]  # Modal's signature, not View's
        self, interaction: discord.Interaction, error: Exception, /
    ) -> None:
        await send_error(interaction, error)


# ------------------------------------------------------------ the thread's cards

THREAD_NOT_UPDATED = (
    "⚠️ It is saved, but I couldn't update the excerpt's thread (it may be archived, "
    "deleted or closed to me), so the thread may not show this change yet."
)


NO_MENTIONS = discord.AllowedMentions.none()


@dataclass(frozen=True, slots=True)
class CardChange:
    """One card in an excerpt's thread brought up to date: new embed, new text, or gone."""

    message_id: int
    embed: discord.Embed | None = None
    content: str | None = None
    delete: bool = False


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
            if change.delete:
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
