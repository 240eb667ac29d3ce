"""How prompts look in Discord: the prompt's post and thread, the schedule, the note
that tells moderators why a prompt could not be posted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import discord

from bot.formatting import shorten
from bot.models import Failure, Schedule
from bot.prompts import Claim, PromptOverview
from bot.ui.escaping import escape, plain
from bot.ui.pages import pages_of

PROMPT_COLOUR = discord.Colour(0x8E6CC0)
# What the bot needs in the prompt channel, as discord.py names it and as Discord shows it.
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


def schedule_block(overview: PromptOverview) -> str:
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


def list_pages(overview: PromptOverview, note: str | None) -> list[discord.Embed]:
    """The schedule and this server's prompts; ``note`` (for moderators) comes first."""
    # The note is an entry like the others, so every page, the first included, fits.
    entries = [note] if note is not None else []
    entries.append(schedule_block(overview))
    entries.append(f"**This server's prompts** ({len(overview.server_prompts)})")
    entries.extend(
        f"**#{p.number}** · {escape(shorten(p.text, 300))}" for p in overview.server_prompts
    )
    if not overview.server_prompts:
        entries.append("None yet. Moderators can add some with `/prompt add`.")
    return [
        discord.Embed(title="✍️ Daily prompts", description=page, colour=PROMPT_COLOUR)
        for page in pages_of(entries, per_page=12, limit=3800)
    ]


def missing_permissions_note(channel_mention: str, missing: Sequence[str]) -> str:
    names = ", ".join(name.replace("_", " ").title() for name in missing)
    return (
        f"I can't post prompts in {channel_mention}: I'm missing {names} there. "
        "Grant those, or choose another channel. Nothing was saved."
    )
