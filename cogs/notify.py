"""/notify, and the loop that sends notifications as direct messages.

Each tick of the prompt scheduler's loop (every 30 seconds of virtual clock time) claims
every due message in the database (committed before anything is sent), then sends each.
A member whose direct messages are closed (Discord 50007) is sent nothing more until they
run /notify, and is told so once, privately, after their next command.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.models import NotifyMode
from bot.notifications import Outgoing
from bot.schedule import search_timezones
from bot.ui.client import MarginaliaBot
from bot.ui.notifications import (
    DMS_CLOSED,
    describe_settings,
    expired_note,
    notification_messages,
)

log = logging.getLogger(__name__)

CLAIM_BATCH = 500
MAX_BATCHES_PER_TICK = 20
RETRY_AFTER = timedelta(minutes=10)  # Discord refused for a passing reason
CANNOT_DM = 50007

ModeChoice = Literal["instant", "daily", "off"]


async def zone_autocomplete(
    _interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=name, value=name) for name in search_timezones(current)]


class Notify(commands.Cog):
    def __init__(self, bot: MarginaliaBot) -> None:
        self.bot = bot
        self.notifications = bot.notifications
        self.owed_notice: set[int] = set()  # members to tell their direct messages are closed
        # Readers whose reviews expired untouched, to tell on their next command.
        self.expired: dict[int, list[int]] = {}
        self._owed_loaded = False

    async def cog_load(self) -> None:
        # Who is owed a notice is read on the first tick: the database may not be open yet.
        self._owed_loaded = False
        self.bot.on_tick.append(self.send_due)

    async def _load_owed(self) -> None:
        self.owed_notice |= set(await self.notifications.owed_dm_notices())
        await self._load_expired()
        self._owed_loaded = True

    async def _load_expired(self) -> None:
        self.expired = {}
        for reader_id, _guild_id, number in await self.bot.reviews.untold_expired():
            self.expired.setdefault(reader_id, []).append(number)

    async def cog_unload(self) -> None:
        if self.send_due in self.bot.on_tick:
            self.bot.on_tick.remove(self.send_due)

    # ------------------------------------------------------------ /notify

    @app_commands.command(name="notify", description="How you hear of feedback on your writing")
    @app_commands.describe(
        mode="instant (at most one message every 2 minutes), daily (one digest), or off",
        time="Daily digest time, 24-hour HH:MM in your time zone (default 18:00)",
        timezone="Your time zone, e.g. Europe/London; start typing to search",
    )
    @app_commands.autocomplete(timezone=zone_autocomplete)
    async def notify(
        self,
        interaction: discord.Interaction,
        mode: ModeChoice | None = None,
        time: app_commands.Range[str, 1, 20] | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
    ) -> None:
        member_id = interaction.user.id
        if mode is None and time is None and timezone is None:
            settings = await self.notifications.settings(member_id)
            await interaction.response.send_message(describe_settings(settings), ephemeral=True)
            return
        settings = await self.notifications.change(
            member_id,
            mode=None if mode is None else NotifyMode(mode),
            at=time,
            time_zone=timezone,
        )
        self.owed_notice.discard(member_id)
        await interaction.response.send_message(
            f"✅ Saved. {describe_settings(settings)}", ephemeral=True
        )

    @commands.Cog.listener()
    async def on_app_command_completion(
        self, interaction: discord.Interaction, _command: Any
    ) -> None:
        """After a member's command: tell them, once, that their direct messages are closed."""
        member_id = interaction.user.id
        if member_id in self.expired:
            numbers = self.expired.pop(member_id)
            with contextlib.suppress(discord.HTTPException):
                await interaction.followup.send(expired_note(numbers), ephemeral=True)
            await self.bot.reviews.expiry_told(member_id)
        if member_id not in self.owed_notice or interaction.command is None:
            return
        if interaction.command.name == "notify":
            return  # /notify itself tries again
        self.owed_notice.discard(member_id)
        try:
            await interaction.followup.send(DMS_CLOSED, ephemeral=True)
        except discord.HTTPException as error:
            log.info("could not tell member %s their DMs are closed: %s", member_id, error)
            self.owed_notice.add(member_id)
            return
        await self.notifications.dm_notice_told(member_id)

    # ------------------------------------------------------------ the tick

    async def send_due(self) -> int:
        """Claim and send every due message; returns how many were claimed. Reviews
        untouched for 7 days are discarded here too."""
        if not self._owed_loaded:
            try:
                await self._load_owed()
            except Exception:
                log.exception("could not read who is owed a notice")
        try:
            if await self.bot.reviews.expire_stale():
                await self._load_expired()
        except Exception:
            log.exception("could not discard stale reviews")
        sent = 0
        for _ in range(MAX_BATCHES_PER_TICK):
            try:
                claimed = await self.notifications.claim_due(CLAIM_BATCH)
            except Exception:
                # An exception would end a tasks loop for good; the next tick retries.
                log.exception("could not claim due notifications")
                return sent
            memberships: dict[tuple[int, int], bool] = {}
            for outgoing in claimed:
                try:
                    await self._deliver(outgoing, memberships)
                except Exception:
                    log.exception("could not notify member %s", outgoing.settings.member_id)
            sent += len(claimed)
            if len(claimed) < CLAIM_BATCH:
                break
        return sent

    async def _deliver(self, outgoing: Outgoing, memberships: dict[tuple[int, int], bool]) -> None:
        member_id = outgoing.settings.member_id
        notices = [
            notice
            for notice in outgoing.notices
            if await self._still_member(notice.guild_id, member_id, memberships)
        ]
        if not notices:
            return
        messages = notification_messages(outgoing.settings, notices, self._server_name)
        try:
            user = self.bot.get_user(member_id) or await self.bot.fetch_user(member_id)
            for content in messages:
                await user.send(content, allowed_mentions=discord.AllowedMentions.none())
        except discord.Forbidden as error:
            if error.code != CANNOT_DM:
                log.info("member %s: direct message refused: %s", member_id, error)
                return
            log.info("member %s does not take direct messages", member_id)
            await self.notifications.dms_closed(member_id)
            self.owed_notice.add(member_id)
        except discord.NotFound:
            log.info("member %s is gone; their notifications are dropped", member_id)
        except discord.HTTPException as error:
            if error.status < 500:
                log.info("member %s: direct message refused: %s", member_id, error)
                return
            await self.notifications.release(outgoing, discord.utils.utcnow() + RETRY_AFTER)

    async def _still_member(
        self, guild_id: int, member_id: int, known: dict[tuple[int, int], bool]
    ) -> bool:
        """Whether the member is still in the server (members who left hear nothing)."""
        key = (guild_id, member_id)
        if key not in known:
            guild = self.bot.get_guild(guild_id)
            if guild is not None and guild.get_member(member_id) is not None:
                known[key] = True
            else:
                # Not in this process's cache: in a shard cluster the server may be another
                # process's (any process sends any member's messages), so ask Discord.
                try:
                    await self.bot.http.get_member(guild_id, member_id)
                    known[key] = True
                except (discord.NotFound, discord.Forbidden):
                    known[key] = False  # left the server, or the bot did
                except discord.HTTPException:
                    known[key] = True  # unsure: rather tell than lose
        return known[key]

    def _server_name(self, guild_id: int) -> str:
        guild = self.bot.get_guild(guild_id)
        return guild.name if guild is not None else f"server {guild_id}"


async def setup(bot: MarginaliaBot) -> None:
    await bot.add_cog(Notify(bot))
