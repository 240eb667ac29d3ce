"""/prompt: daily writing prompts, and the loop that posts them.

The loop ticks every 30 seconds of (virtual) clock time, so a prompt appears within
half a minute of its local time. Each tick claims the due servers through the core
(which commits the claim before anything is sent), then posts them one by one; a
server whose channel is gone or locked is recorded as failed and the loop moves on.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import date, datetime
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.errors import InvalidInput
from bot.models import Failure, Schedule
from bot.prompts import CLAIM_BATCH, Claim, PromptOverview
from bot.schedule import search_timezones
from bot.ui.client import MarginaliaBot
from bot.ui.render import escape, pages_of, plain, shorten
from bot.ui.views import Paginator
from cogs.common import bot_of, guild_id_of

log = logging.getLogger(__name__)

TICK_SECONDS = 30
# Bounds one tick's work if a great many servers share a post time; the rest follow
# on the next tick.
MAX_BATCHES_PER_TICK = 20
THREAD_ARCHIVE_MINUTES: Literal[1440] = 1440  # a day: until the next prompt arrives
PROMPT_COLOUR = discord.Colour(0x8E6CC0)
NEEDED_PERMISSIONS = (
    "view_channel",
    "send_messages",
    "embed_links",
    "create_public_threads",
    "send_messages_in_threads",
)
_PERMISSION_NAMES = (
    "View Channel, Send Messages, Embed Links, Create Public Threads and Send Messages in Threads"
)


class CannotPost(Exception):
    """Discord would not take the prompt; ``str`` says why, for the moderators."""


def long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def local_moment(moment: datetime) -> str:
    """A local time as the server reads it, with the zone's abbreviation ("BST")."""
    return f"{long_date(moment.date())}, {moment:%H:%M} {moment.tzname() or ''}".rstrip()


def discord_timestamp(moment: datetime, style: str = "R") -> str:
    return f"<t:{int(moment.timestamp())}:{style}>"


def extra_label(claim: Claim) -> str:
    """ "Extra prompt" (then "Extra prompt 2", ...) for /prompt now, so its post and thread
    never share a name with the day's scheduled prompt or another extra."""
    return "Extra prompt" + (f" {claim.extra}" if claim.extra > 1 else "")


def prompt_embed(claim: Claim) -> discord.Embed:
    kind = "Prompt" if claim.scheduled else extra_label(claim)
    embed = discord.Embed(
        title=f"✍️ {kind} for {long_date(claim.local_date)}",
        description=escape(claim.text),
        colour=PROMPT_COLOUR,
    )
    number = claim.server_prompt_number
    source = None if number is None else f"server prompt #{number}"
    footer = "Share what you write in the thread below."
    embed.set_footer(text=f"{footer} · {source}" if source else footer)
    return embed


def thread_title(claim: Claim) -> str:
    day = f"{claim.local_date.day} {claim.local_date:%B %Y}"
    if claim.scheduled:
        return plain(f"✍️ Responses · {day}", 100)
    return plain(f"✍️ Responses · {day} · {extra_label(claim).lower()}", 100)


def failure_note(failure: Failure) -> str:
    when = f" for {long_date(failure.local_date)}" if failure.local_date else ""
    where = f" in <#{failure.channel_id}>" if failure.channel_id else ""
    return (
        f"⚠️ **I couldn't post the daily prompt{when}**{where}: {failure.reason}. "
        "Fix that, or choose another channel with `/prompt setup`; `/prompt now` tries "
        "again straight away. This note stays until a prompt posts successfully."
    )


def http_reason(error: discord.HTTPException, channel_id: int) -> str:
    if isinstance(error, discord.Forbidden):
        return (
            f"Discord refused: I lack a permission in <#{channel_id}> (I need {_PERMISSION_NAMES})"
        )
    if isinstance(error, discord.NotFound):
        return f"the channel <#{channel_id}> no longer exists, or I can no longer see it"
    return f"Discord returned an error ({error.status}); it may be a passing outage"


def manages_server(interaction: discord.Interaction) -> bool:
    """Manage Server held server-wide; a channel overwrite never makes a moderator."""
    user = interaction.user
    if isinstance(user, discord.Member):
        # If the server is not cached, keep the channel's view rather than fail.
        with contextlib.suppress(AttributeError):
            return user.guild_permissions.manage_guild
    return interaction.permissions.manage_guild


async def zone_autocomplete(
    _interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=name, value=name) for name in search_timezones(current)]


async def prompt_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    if interaction.guild_id is None:
        return []
    found = await bot_of(interaction).prompts.search_prompts(interaction.guild_id, current)
    return [
        app_commands.Choice(name=plain(f"#{p.number} · {p.text}", 100), value=str(p.number))
        for p in found
    ]


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
        can_manage = manages_server(interaction)
        if can_manage:
            # Checked before storing, so a setup that could never post is refused whole.
            _check_role(role)
            _check_can_mention(interaction, role)
            _check_channel(channel)
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
            can_manage=manages_server(interaction),
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
            guild_id_of(interaction), can_manage=manages_server(interaction), raw=prompt
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
        # The note is an entry like the others, so every page, the first included, fits.
        entries = [note] if note is not None else []
        entries.append(_schedule_block(overview))
        entries.append(f"**This server's prompts** ({len(overview.server_prompts)})")
        entries.extend(
            f"**#{p.number}** · {escape(shorten(p.text, 300))}" for p in overview.server_prompts
        )
        if not overview.server_prompts:
            entries.append("None yet. Moderators can add some with `/prompt add`.")
        pages = [
            discord.Embed(title="✍️ Daily prompts", description=page, colour=PROMPT_COLOUR)
            for page in pages_of(entries, per_page=12, limit=3800)
        ]
        await Paginator(interaction.user.id, pages).start(interaction)

    @prompt.command(name="now", description="Post a prompt right away (Manage Server)")
    async def now(self, interaction: discord.Interaction) -> None:
        claim = await self.prompts.claim_now(
            guild_id_of(interaction), can_manage=manages_server(interaction)
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
        await self.prompts.pause(guild_id_of(interaction), can_manage=manages_server(interaction))
        await self._reply(
            interaction, "⏸️ Daily prompts are paused. `/prompt resume` starts them again."
        )

    @prompt.command(name="resume", description="Start the daily prompts again (Manage Server)")
    async def resume(self, interaction: discord.Interaction) -> None:
        guild_id = guild_id_of(interaction)
        await self.prompts.resume(guild_id, can_manage=manages_server(interaction))
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
        if interaction.guild_id is None or not manages_server(interaction):
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


def _check_role(role: discord.Role | None) -> None:
    if role is not None and role.is_default():
        raise InvalidInput(
            "I won't mention @everyone with each prompt. Pick a role members can opt into, "
            "or leave `role` empty."
        )


def _check_can_mention(interaction: discord.Interaction, role: discord.Role | None) -> None:
    """The bot pings the role on the invoker's say-so: only if they could ping it too."""
    if role is None or role.mentionable:
        return
    user = interaction.user
    if isinstance(user, discord.Member) and user.guild_permissions.mention_everyone:
        return
    raise InvalidInput(
        f"You can't mention {role.mention} yourself: it isn't mentionable and you don't have "
        "the **Mention Everyone** permission, so I won't ping it with each prompt for you. "
        "Make the role mentionable (Server Settings → Roles), ask someone who may mention "
        "it to run the setup, or leave `role` empty. Nothing was saved."
    )


def _check_channel(channel: discord.TextChannel) -> None:
    granted = channel.permissions_for(channel.guild.me)
    missing = [name for name in NEEDED_PERMISSIONS if not getattr(granted, name)]
    if missing:
        names = ", ".join(name.replace("_", " ").title() for name in missing)
        raise InvalidInput(
            f"I can't post prompts in {channel.mention}: I'm missing {names} there. "
            "Grant those, or choose another channel. Nothing was saved."
        )


def _schedule_block(overview: PromptOverview) -> str:
    """The schedule as anyone may see it; failures are for moderators, in their note."""
    schedule: Schedule | None = overview.schedule
    if schedule is None:
        lines = [
            "Daily prompts aren't set up here. A moderator can start them with `/prompt setup`."
        ]
    else:
        lines = [
            f"📍 Channel: <#{schedule.channel_id}>",
            f"🕘 Every day at **{schedule.post_time:%H:%M}** · {schedule.time_zone}",
        ]
        if schedule.role_id is not None:
            lines.append(f"🔔 Mentions <@&{schedule.role_id}>")
        if schedule.paused:
            lines.append("⏸️ **Paused**: `/prompt resume` starts them again.")
        elif overview.next_post is not None:
            lines.append(
                f"⏭️ Next prompt: {local_moment(overview.next_post)} "
                f"({discord_timestamp(overview.next_post)})"
            )
    lines.append(
        f"📚 Library: {overview.library_remaining} of {overview.library_total} prompts left "
        f"in this cycle · this server's own: {overview.server_unused} unused"
    )
    return "\n".join(lines)


async def setup(bot: MarginaliaBot) -> None:
    await bot.add_cog(Prompts(bot))
