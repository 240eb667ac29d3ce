"""/prompt: daily writing prompts, and the loop that posts them.

The loop ticks every 30 seconds of (virtual) clock time, so a prompt appears within
half a minute of its local time. Each tick claims the due servers through the core
(which commits the claim before anything is sent), then posts them one by one; a
server whose channel is gone or locked is recorded as failed and the loop moves on.
"""

from __future__ import annotations

import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.errors import InvalidInput
from bot.formatting import shorten
from bot.prompts import CLAIM_BATCH, Claim
from bot.schedule import search_timezones
from bot.ui.checks import actor_of, require_prompt_channel, require_prompt_role
from bot.ui.client import MarginaliaBot
from bot.ui.escaping import escape
from bot.ui.prompts import (
    discord_timestamp,
    failure_note,
    http_reason,
    list_pages,
    local_moment,
    prompt_embed,
    thread_title,
)
from bot.ui.transformers import prompt_autocomplete
from bot.ui.views import Paginator
from cogs.common import guild_id_of

log = logging.getLogger(__name__)

TICK_SECONDS = 30
# Bounds one tick's work if a great many servers share a post time; the rest follow
# on the next tick.
MAX_BATCHES_PER_TICK = 20
THREAD_ARCHIVE_MINUTES: Literal[1440] = 1440  # a day: until the next prompt arrives


class CannotPost(Exception):
    """Discord would not take the prompt; ``str`` says why, for the moderators."""


async def zone_autocomplete(
    _interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=name, value=name) for name in search_timezones(current)]


class Prompts(commands.Cog):
    prompt = app_commands.Group(name="prompt", description="Daily writing prompts", guild_only=True)

    def __init__(self, bot: MarginaliaBot) -> None:
        self.bot = bot
        self.prompts = bot.prompts

    async def cog_load(self) -> None:
        self.scheduler.start()

    async def cog_unload(self) -> None:
        self.scheduler.cancel()

    # ------------------------------------------------------------- the loop

    @tasks.loop(seconds=TICK_SECONDS)
    async def scheduler(self) -> None:
        await self.post_due()
        # Other timed work rides on this one loop (notifications): one clock, one tick.
        for run in tuple(self.bot.on_tick):
            try:
                await run()
            except Exception:
                log.exception("a scheduled task failed; the next tick retries")

    @scheduler.before_loop
    async def _before_scheduler(self) -> None:
        # Channels are resolved from the cache, which is filled by READY.
        await self.bot.wait_until_ready()

    async def post_due(self) -> int:
        """Claim and post every due server; returns how many prompts were attempted."""
        attempted = 0
        for _ in range(MAX_BATCHES_PER_TICK):
            try:
                claims = await self.prompts.claim_due(CLAIM_BATCH)
            except Exception:
                # An exception would end a tasks loop for good; the next tick retries.
                log.exception("could not claim due prompts")
                return attempted
            for claim in claims:
                await self._deliver(claim)
            attempted += len(claims)
            if len(claims) < CLAIM_BATCH:
                break
        return attempted

    async def _deliver(self, claim: Claim) -> None:
        """Post one claimed prompt; whatever happens, record it and never raise."""
        try:
            message, thread, warning = await self._post(claim)
        except CannotPost as error:
            log.warning("guild %s: could not post its prompt: %s", claim.guild_id, error)
            await self._record_failed(claim, str(error))
            return
        except Exception:
            log.exception("guild %s: unexpected error posting its prompt", claim.guild_id)
            await self._record_failed(claim, "something went wrong on my side")
            return
        try:
            await self.prompts.record_posted(
                claim,
                message_id=message.id,
                thread_id=thread.id if thread else None,
                warning=warning,
            )
        except Exception:
            log.exception("guild %s: prompt posted but not recorded", claim.guild_id)

    async def _record_failed(self, claim: Claim, reason: str) -> None:
        try:
            await self.prompts.record_failed(claim, reason)
        except Exception:
            log.exception("guild %s: could not record a failed prompt", claim.guild_id)

    async def _post(
        self, claim: Claim
    ) -> tuple[discord.Message, discord.Thread | None, str | None]:
        channel = await self._channel(claim.channel_id)
        if claim.role_id is None:
            content, mentions = None, discord.AllowedMentions.none()
        else:
            # The role is the one ping this bot ever sends, and only on this message.
            content = f"<@&{claim.role_id}>"
            mentions = discord.AllowedMentions(
                everyone=False,
                users=False,
                replied_user=False,
                roles=[discord.Object(claim.role_id)],
            )
        try:
            message = await channel.send(
                content=content, embed=prompt_embed(claim), allowed_mentions=mentions
            )
        except discord.HTTPException as error:
            raise CannotPost(http_reason(error, claim.channel_id)) from error
        try:
            thread = await message.create_thread(
                name=thread_title(claim), auto_archive_duration=THREAD_ARCHIVE_MINUTES
            )
        except discord.HTTPException as error:
            log.warning("guild %s: prompt posted without a thread: %s", claim.guild_id, error)
            return (
                message,
                None,
                (
                    "the prompt was posted, but I couldn't open a thread for responses "
                    f"({http_reason(error, claim.channel_id)})"
                ),
            )
        return message, thread, None

    async def _channel(self, channel_id: int) -> discord.TextChannel:
        channel = self.bot.get_channel(channel_id)
        if channel is None:
            try:
                channel = await self.bot.fetch_channel(channel_id)
            except discord.HTTPException as error:
                raise CannotPost(http_reason(error, channel_id)) from error
        if not isinstance(channel, discord.TextChannel):
            raise CannotPost(f"<#{channel_id}> is not a text channel any more")
        return channel

    # ------------------------------------------------------------ commands

    @prompt.command(name="setup", description="Post a writing prompt every day (Manage Server)")
    @app_commands.describe(
        channel="Where the prompts go; each gets a thread for responses",
        time="Local time of day, 24-hour HH:MM (e.g. 09:00)",
        timezone="Your time zone, e.g. Europe/London; start typing to search",
        role="A role to mention with each prompt (optional)",
    )
    @app_commands.autocomplete(timezone=zone_autocomplete)
    async def setup_(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        time: app_commands.Range[str, 1, 20],
        timezone: app_commands.Range[str, 1, 64],
        role: discord.Role | None = None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        can_manage = actor_of(interaction).can_manage_server
        if can_manage:
            # Checked before storing, so a setup that could never post is refused whole.
            require_prompt_role(interaction, role)
            require_prompt_channel(channel)
        schedule = await self.prompts.setup(
            guild_id,
            can_manage=can_manage,
            channel_id=channel.id,
            role_id=role.id if role else None,
            time_text=time,
            zone_text=timezone,
        )
        overview = await self.prompts.overview(guild_id)
        lines = [
            f"✅ A prompt will be posted in {channel.mention} every day at "
            f"**{schedule.post_time:%H:%M}** ({schedule.time_zone}), with a thread for responses.",
        ]
        if overview.next_post is not None:
            lines.append(
                f"Next prompt: **{local_moment(overview.next_post)}** "
                f"({discord_timestamp(overview.next_post)})."
            )
        if role is not None:
            lines.append(f"Each prompt mentions {role.mention}; nothing else ever pings.")
            if (
                not role.mentionable
                and not channel.permissions_for(channel.guild.me).mention_everyone
            ):
                lines.append(
                    f"Heads-up: {role.mention} isn't mentionable, so Discord won't ping it. "
                    "Allow “anyone to @mention this role” in Server Settings → Roles."
                )
        if schedule.paused:
            lines.append("⏸️ Prompts are paused; `/prompt resume` starts them again.")
        lines.append("Want one today? `/prompt now` posts one straight away.")
        await self._reply(interaction, "\n".join(lines))

    @prompt.command(name="add", description="Add a prompt of your own (Manage Server)")
    @app_commands.describe(text="The prompt; this server's prompts are used before the library's")
    async def add(
        self, interaction: discord.Interaction, text: app_commands.Range[str, 1, 1000]
    ) -> None:
        added = await self.prompts.add_prompt(
            guild_id_of(interaction),
            can_manage=actor_of(interaction).can_manage_server,
            author_id=interaction.user.id,
            text=text,
        )
        await self._reply(
            interaction,
            f"📝 Added prompt **#{added.number}**: {escape(shorten(added.text, 300))}\n"
            "This server's own prompts come before the library's, in the order they were added.",
        )

    @prompt.command(
        name="remove", description="Remove one of this server's prompts (Manage Server)"
    )
    @app_commands.describe(prompt="The prompt to remove; start typing to search")
    @app_commands.autocomplete(prompt=prompt_autocomplete)
    async def remove(self, interaction: discord.Interaction, prompt: str) -> None:
        removed = await self.prompts.remove_prompt(
            guild_id_of(interaction), can_manage=actor_of(interaction).can_manage_server, raw=prompt
        )
        await self._reply(
            interaction,
            f"🗑️ Removed prompt **#{removed.number}**: {escape(shorten(removed.text, 300))}",
        )

    @prompt.command(name="list", description="The prompt schedule and this server's prompts")
    async def list_(self, interaction: discord.Interaction) -> None:
        guild_id = guild_id_of(interaction)
        overview = await self.prompts.overview(guild_id)
        note = await self._note(interaction)
        pages = list_pages(overview, note)
        await Paginator(interaction.user.id, pages).start(interaction)

    @prompt.command(name="now", description="Post a prompt right away (Manage Server)")
    async def now(self, interaction: discord.Interaction) -> None:
        claim = await self.prompts.claim_now(
            guild_id_of(interaction), can_manage=actor_of(interaction).can_manage_server
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            message, thread, warning = await self._post(claim)
        except CannotPost as error:
            await self.prompts.record_failed(claim, str(error))
            raise InvalidInput(f"I couldn't post the prompt: {error}.") from error
        except Exception:
            await self.prompts.record_failed(claim, "something went wrong on my side")
            raise
        await self.prompts.record_posted(
            claim, message_id=message.id, thread_id=thread.id if thread else None, warning=warning
        )
        text = f"✍️ Posted a prompt in <#{claim.channel_id}>: {message.jump_url}"
        if warning:
            text += f"\n⚠️ But {warning}."
        text += "\nToday's scheduled prompt will still be posted at its usual time."
        await self._reply(interaction, text)

    @prompt.command(name="pause", description="Stop the daily prompts for now (Manage Server)")
    async def pause(self, interaction: discord.Interaction) -> None:
        await self.prompts.pause(
            guild_id_of(interaction), can_manage=actor_of(interaction).can_manage_server
        )
        await self._reply(
            interaction, "⏸️ Daily prompts are paused. `/prompt resume` starts them again."
        )

    @prompt.command(name="resume", description="Start the daily prompts again (Manage Server)")
    async def resume(self, interaction: discord.Interaction) -> None:
        guild_id = guild_id_of(interaction)
        await self.prompts.resume(guild_id, can_manage=actor_of(interaction).can_manage_server)
        overview = await self.prompts.overview(guild_id)
        text = "▶️ Daily prompts are back on."
        if overview.next_post is not None:
            text += (
                f" Next prompt: **{local_moment(overview.next_post)}** "
                f"({discord_timestamp(overview.next_post)})."
            )
        await self._reply(interaction, text)

    # ------------------------------------------------------------- replies

    async def _note(self, interaction: discord.Interaction) -> str | None:
        """The failure note, for members who can act on it."""
        if interaction.guild_id is None or not actor_of(interaction).can_manage_server:
            return None
        failure = await self.prompts.failure(interaction.guild_id)
        return failure_note(failure) if failure else None

    async def _reply(self, interaction: discord.Interaction, text: str) -> None:
        # Read after the action, so a post or setup that just fixed things shows no note.
        note = await self._note(interaction)
        content = f"{note}\n\n{text}" if note else text
        if interaction.response.is_done():
            await interaction.followup.send(content, ephemeral=True)
        else:
            await interaction.response.send_message(content, ephemeral=True)


async def setup(bot: MarginaliaBot) -> None:
    await bot.add_cog(Prompts(bot))
