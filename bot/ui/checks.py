"""Who is acting and what they may see or post: every permission judgement, in one place.

Moderators are judged by server-wide (guild) permissions, never by
``interaction.permissions``: those are of the channel the command is typed in, and a
channel overwrite there (someone's own channel) must not make them a moderator of every
excerpt, comment and prompt in the server.
"""

from __future__ import annotations

import contextlib
import functools

import discord

from bot.errors import InvalidInput, NotAllowed
from bot.models import Actor, ChannelViewer, Excerpt, Viewer
from bot.ui.prompts import NEEDED_PERMISSIONS, missing_permissions_note


def server_permissions(interaction: discord.Interaction) -> discord.Permissions:
    """The invoker's server-wide permissions; the channel's if the server is not cached
    (rather than fail)."""
    user = interaction.user
    if isinstance(user, discord.Member):
        with contextlib.suppress(AttributeError):
            return user.guild_permissions
    return interaction.permissions


def actor_of(interaction: discord.Interaction) -> Actor:
    """The invoker as the core sees them: moderators hold Manage Server or Manage Messages
    server-wide; prompts are run by those with Manage Server."""
    permissions = server_permissions(interaction)
    return Actor(
        id=interaction.user.id,
        display_name=interaction.user.display_name,
        is_moderator=permissions.manage_guild or permissions.manage_messages,
        can_manage_server=permissions.manage_guild,
        viewer=viewer_of(interaction),
    )


def can_mention_everyone(interaction: discord.Interaction) -> bool:
    """Mention Everyone held server-wide: the right to ping a role that isn't mentionable."""
    user = interaction.user
    return isinstance(user, discord.Member) and user.guild_permissions.mention_everyone


def viewer_of(interaction: discord.Interaction) -> Viewer:
    """What the invoker can see and write in, from the server's cached channels and the
    permissions Discord would apply to them (roles, overwrites, private thread membership).

    Fails closed: without a cached server only the channel in use counts as visible."""
    guild = interaction.guild
    user = interaction.user
    if guild is None or not isinstance(user, discord.Member) or not guild.channels:
        return _viewer_of_this_channel(interaction)
    return MemberViewer(guild, user)


class MemberViewer:
    """A :class:`Viewer` worked out as it is asked: a check on one excerpt costs that
    channel's permissions, not every channel's and thread's of the server (thousands in a
    big one); a list asks for the whole set once."""

    def __init__(self, guild: discord.Guild, member: discord.Member) -> None:
        self._guild = guild
        self._member = member
        self._permissions: dict[int, discord.Permissions | None] = {}

    def _permissions_in(self, channel_id: int) -> discord.Permissions | None:
        if channel_id not in self._permissions:
            channel = self._guild.get_channel(channel_id)
            self._permissions[channel_id] = (
                None if channel is None else channel.permissions_for(self._member)
            )
        return self._permissions[channel_id]

    @functools.cached_property
    def channel_ids(self) -> frozenset[int]:
        return frozenset(
            channel.id
            for channel in self._guild.channels
            if channel.permissions_for(self._member).view_channel
        )

    @functools.cached_property
    def hidden_thread_ids(self) -> frozenset[int]:
        return frozenset(
            thread.id
            for thread in self._guild.threads
            if thread.is_private() and not _in_private_thread(thread, self._member)
        )

    def can_see(self, excerpt: Excerpt) -> bool:
        permissions = self._permissions_in(excerpt.channel_id)
        if permissions is None or not permissions.view_channel:
            return False
        thread = self._guild.get_thread(excerpt.thread_id) if excerpt.thread_id else None
        return thread is None or not thread.is_private() or _in_private_thread(thread, self._member)

    def can_write_in_thread(self, excerpt: Excerpt) -> bool:
        permissions = self._permissions_in(excerpt.channel_id)
        return (
            permissions is not None
            and permissions.view_channel
            and permissions.send_messages_in_threads
        )


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
    return ChannelViewer(frozenset(ids), frozenset(), frozenset(writable))


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


# ------------------------------------------------------------------ prompts


def require_prompt_role(interaction: discord.Interaction, role: discord.Role | None) -> None:
    """A role to ping with each prompt: never @everyone, and, as the bot pings it on the
    invoker's say-so, only one they could ping themselves."""
    if role is None:
        return
    if role.is_default():
        raise InvalidInput(
            "I won't mention @everyone with each prompt. Pick a role members can opt into, "
            "or leave `role` empty."
        )
    if role.mentionable or can_mention_everyone(interaction):
        return
    raise InvalidInput(
        f"You can't mention {role.mention} yourself: it isn't mentionable and you don't have "
        "the **Mention Everyone** permission, so I won't ping it with each prompt for you. "
        "Make the role mentionable (Server Settings → Roles), ask someone who may mention "
        "it to run the setup, or leave `role` empty. Nothing was saved."
    )


def require_prompt_channel(channel: discord.TextChannel) -> None:
    """The bot can post prompts, and open their threads, in ``channel``."""
    granted = channel.permissions_for(channel.guild.me)
    missing = [name for name in NEEDED_PERMISSIONS if not getattr(granted, name)]
    if missing:
        raise InvalidInput(missing_permissions_note(channel.mention, missing))
