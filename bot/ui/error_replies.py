"""Answering an interaction with an error, whatever state the interaction is in."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.errors import MarginaliaError
from bot.ui.escaping import escape

log = logging.getLogger(__name__)

UNEXPECTED = (
    "Sorry, something went wrong on my side and nothing was changed. "
    "Please try again; if it keeps happening, tell a moderator."
)


DISCORD_FAILED = (
    "⚠️ Discord had a problem while I was answering, so I can't be sure this went through. "
    "Please check (for example with `/comment list` or `/excerpt list`) before trying again."
)


def error_message(error: BaseException) -> str | None:
    """The text to show for an error the user can act on, or None for a bug."""
    original = getattr(error, "original", None)
    if isinstance(original, BaseException):
        error = original
    # A typed option refused by the core (a transformer's domain error): its own text.
    if isinstance(error, app_commands.TransformerError) and isinstance(
        error.__cause__, MarginaliaError
    ):
        error = error.__cause__
    if isinstance(error, MarginaliaError):
        return f"⚠️ {error.render(escape)}"
    if isinstance(error, app_commands.NoPrivateMessage):
        return "⚠️ Marginalia's commands work inside a server, not in direct messages."
    if isinstance(error, app_commands.MissingPermissions):
        needed = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
        return f"⚠️ You need the {needed} permission for this."
    if isinstance(error, app_commands.BotMissingPermissions):
        needed = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
        return f"⚠️ I need the {needed} permission here; ask a moderator to grant it."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"⚠️ Slow down a little: try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.CheckFailure):
        return "⚠️ You can't use this command here."
    if isinstance(error, app_commands.TransformerError):
        return f"⚠️ “{error.value}” is not a valid value for this option."
    if isinstance(error, discord.Forbidden):
        return (
            "⚠️ Discord refused me: I lack a permission in this channel "
            "(View Channel, Send Messages, Embed Links, Create Public Threads, "
            "Send Messages in Threads). Nothing was saved."
        )
    if isinstance(error, discord.HTTPException):
        # Discord failed while the action may already have been saved (a comment is stored
        # before it is echoed): "nothing was changed" could be false and invite a duplicate.
        return DISCORD_FAILED
    return None


async def send_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Tell the user, ephemerally; log anything that is not their doing."""
    message = error_message(error)
    command = interaction.command.qualified_name if interaction.command else "?"
    if message is None:
        log.error("unexpected error in %s", command, exc_info=error)
        message = UNEXPECTED
    elif message is DISCORD_FAILED:
        log.warning("Discord failed during %s: %s", command, getattr(error, "original", error))
    try:
        if interaction.response.is_done():
            await _drop_public_placeholder(interaction, message)
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver an error message for interaction %s", interaction.id)


async def _drop_public_placeholder(interaction: discord.Interaction, message: str) -> None:
    """After a public "thinking…" defer, Discord turns the first followup into that public
    message, ignoring its ephemeral flag, so the error would show to the whole channel.
    Complete the placeholder and delete it: the followup is then a new, private message.
    (Should the delete fail, the error simply stays visible, as it would have been.)"""
    if interaction.response.type is not discord.InteractionResponseType.deferred_channel_message:
        return
    try:
        original = await interaction.original_response()
        if not original.flags.loading or original.flags.ephemeral:
            return
        await interaction.edit_original_response(content=message)
        await interaction.delete_original_response()
    except discord.HTTPException:
        log.info("could not replace the placeholder of interaction %s", interaction.id)
