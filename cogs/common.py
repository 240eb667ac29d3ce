"""Glue shared by the cogs: the bot behind an interaction, its server, the excerpt meant."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.errors import InvalidInput
from bot.ui.checks import viewer_of
from bot.workshop import WHICH_EXCERPT

if TYPE_CHECKING:
    from bot.ui.client import MarginaliaBot


def bot_of(interaction: discord.Interaction) -> MarginaliaBot:
    return interaction.client  # type: ignore[return-value]


def guild_id_of(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


async def excerpt_number_for(interaction: discord.Interaction, number: int | None) -> int:
    """The excerpt named, or the one whose thread the command is used in."""
    if number is not None:
        return number
    channel_id = interaction.channel_id
    if channel_id is not None:
        excerpt = await bot_of(interaction).workshop.excerpts.excerpt_for_thread(
            guild_id_of(interaction), channel_id, viewer=viewer_of(interaction)
        )
        if excerpt is not None:
            return excerpt.number
    raise InvalidInput(WHICH_EXCERPT)
