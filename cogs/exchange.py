"""/exchange and /queue: the critique exchange's settings, balances and grants, and the
queue of excerpts waiting for critique. Every answer is private."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.exchange import ExchangeService
from bot.ui.checks import actor_of
from bot.ui.client import MarginaliaBot
from bot.ui.exchange import QueuePages, balance_embed, credits, next_text, settings_text
from bot.ui.views import Paginator
from cogs.common import guild_id_of

SettingRange = app_commands.Range[int, 0, 50]


class Exchange(commands.Cog):
    exchange = app_commands.Group(
        name="exchange", description="Credits for critique", guild_only=True
    )
    queue = app_commands.Group(
        name="queue", description="Excerpts waiting for critique", guild_only=True
    )

    def __init__(self, bot: MarginaliaBot) -> None:
        self.bot = bot
        self.service: ExchangeService = bot.exchange

    @exchange.command(
        name="setup", description="Turn the critique exchange on or off (Manage Server)"
    )
    @app_commands.describe(
        enabled="On: posting an excerpt costs credits, earned by critiquing others",
        starting="Credits each member starts with (0–50, default 2)",
        cost="Credits an excerpt costs (0–50, default 3)",
        extra_cost="More credits per excerpt of theirs still in the queue (0–50, default 4)",
    )
    async def setup_(
        self,
        interaction: discord.Interaction,
        enabled: bool,
        starting: SettingRange | None = None,
        cost: SettingRange | None = None,
        extra_cost: SettingRange | None = None,
    ) -> None:
        settings = await self.service.setup(
            guild_id=guild_id_of(interaction),
            member=actor_of(interaction),
            enabled=enabled,
            starting=starting,
            cost=cost,
            extra_cost=extra_cost,
        )
        await interaction.response.send_message(settings_text(settings), ephemeral=True)

    @exchange.command(name="balance", description="Your credits and their last entries")
    @app_commands.describe(member="Another member's (moderators only)")
    async def balance(
        self, interaction: discord.Interaction, member: discord.Member | None = None
    ) -> None:
        found = await self.service.balance(
            guild_id=guild_id_of(interaction),
            member=actor_of(interaction),
            of=None if member is None else member.id,
        )
        name = (member or interaction.user).display_name
        await interaction.response.send_message(embed=balance_embed(found, name), ephemeral=True)

    @exchange.command(name="grant", description="Give or take credits, with a reason (moderators)")
    @app_commands.describe(
        member="Who gets them",
        amount='Credits: "1", "-2", "0.5" (whole or half numbers)',
        reason="Why (kept in their ledger, at most 200 characters)",
    )
    async def grant(
        self,
        interaction: discord.Interaction,
        member: discord.Member,
        amount: app_commands.Range[str, 1, 20],
        reason: app_commands.Range[str, 1, 400],
    ) -> None:
        balance = await self.service.grant(
            guild_id=guild_id_of(interaction),
            member=actor_of(interaction),
            to=member.id,
            amount=amount,
            reason=reason,
        )
        await interaction.response.send_message(
            f"Granted {amount.strip()} to {member.mention}; their balance is now "
            f"{credits(balance)}.",
            ephemeral=True,
        )

    @queue.command(name="list", description="Excerpts waiting for critique, in order")
    async def list_(self, interaction: discord.Interaction) -> None:
        pages = QueuePages(self.service, guild_id_of(interaction), discord.utils.utcnow())
        if not await Paginator(interaction.user.id, pages).start(interaction):
            await interaction.response.send_message(
                "The queue is empty: every excerpt has its critiques.", ephemeral=True
            )

    @queue.command(name="next", description="The excerpt you should critique now")
    async def next_(self, interaction: discord.Interaction) -> None:
        guild_id = guild_id_of(interaction)
        pick = await self.service.queue_next(guild_id, actor_of(interaction))
        await interaction.response.send_message(next_text(pick, guild_id), ephemeral=True)


async def setup(bot: MarginaliaBot) -> None:
    await bot.add_cog(Exchange(bot))
