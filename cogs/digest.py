"""/digest: feedback exported as a Markdown, HTML or Word file.

Thin on purpose: the core (:mod:`bot.digest_service`) loads and renders; this cog
picks the options, checks Discord's upload limit (compressing a file over it into a
.zip when that fits) and sends the file.
"""

from __future__ import annotations

import asyncio
import io
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.digest_service import Digest, NoDigest, parse_since
from bot.errors import InvalidInput
from bot.ui.checks import viewer_of
from bot.ui.client import MarginaliaBot
from bot.ui.digests import author_summary, excerpt_summary, too_large, zipped, zipped_note
from bot.ui.transformers import OptionalExcerptId
from cogs.common import excerpt_number_for, guild_id_of

FormatChoice = Literal["markdown", "html", "docx", "manuscript"]
MineFormatChoice = Literal["markdown", "html", "docx"]
SuggestionsChoice = Literal["tracked", "comments"]

# What Discord allows an unboosted server; used when the interaction doesn't say.
DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024


class DigestCommands(commands.Cog):
    digest = app_commands.Group(
        name="digest", description="Export feedback as a file", guild_only=True
    )

    def __init__(self, bot: MarginaliaBot) -> None:
        self.bot = bot
        self.digests = bot.digests

    @digest.command(name="excerpt", description="All feedback on one excerpt, as a file")
    @app_commands.describe(
        excerpt="The excerpt (default: the one whose thread you are in)",
        fmt="markdown (default), html (printable), docx (Word) or manuscript (CriticMarkup)",
        include_resolved="Also list resolved comments (they are always counted)",
        revision="An earlier revision, with the comments written on it (default: current)",
        suggestions="docx: open suggestions as tracked changes (default) or as comments only",
    )
    @app_commands.rename(fmt="format")
    async def excerpt_(
        self,
        interaction: discord.Interaction,
        excerpt: OptionalExcerptId = None,
        fmt: FormatChoice = "markdown",
        include_resolved: bool = False,
        revision: app_commands.Range[int, 1] | None = None,
        suggestions: SuggestionsChoice = "tracked",
    ) -> None:
        guild_id = guild_id_of(interaction)
        number = await excerpt_number_for(interaction, excerpt)
        # Hidden from the invoker (a channel they can't view): refused as if missing.
        await self.bot.workshop.excerpts.get_excerpt(
            guild_id, number, viewer=viewer_of(interaction)
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        digest = await self.digests.excerpt_digest(
            guild_id,
            number,
            fmt,
            include_resolved=include_resolved,
            revision=revision,
            tracked_suggestions=suggestions == "tracked",
        )
        summary = excerpt_summary(number, digest)
        export = (
            f"--excerpt {number} --guild {guild_id}"
            + (" --include-resolved" if include_resolved else "")
            + (f" --revision {revision}" if revision else "")
            + (" --suggestions comments" if suggestions == "comments" else "")
        )
        await _send(interaction, digest, summary, export, listed_resolved=include_resolved)

    @digest.command(name="mine", description="All feedback on your excerpts in this server")
    @app_commands.describe(
        since="Only threads with new comments or replies from this day on (YYYY-MM-DD, UTC)",
        fmt="markdown (default; also pastes well into Discord), html (printable) or docx (Word)",
    )
    @app_commands.rename(fmt="format")
    async def mine(
        self,
        interaction: discord.Interaction,
        since: app_commands.Range[str, 1, 40] | None = None,
        fmt: MineFormatChoice = "markdown",
    ) -> None:
        guild_id = guild_id_of(interaction)
        # Checked before deferring, so a typo is answered at once.
        day = parse_since(since, discord.utils.utcnow().date()) if since else None
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.digests.author_digest(
            guild_id,
            interaction.user.id,
            fmt,
            since=day,
            author_name=interaction.user.display_name,
        )
        if isinstance(result, NoDigest):
            await interaction.followup.send(result.reason, ephemeral=True)
            return
        summary = author_summary(result, day)
        export = f"--author {interaction.user.id} --guild {guild_id}" + (
            f" --since {day.isoformat()}" if day else ""
        )
        await _send(interaction, result, summary, export)


def upload_limit(interaction: discord.Interaction) -> int:
    """The largest file this interaction's reply may carry.

    Discord tells each interaction its own limit (boosts and the invoker's Nitro
    included); the guild's boost tier is the fallback, then the unboosted size.
    """
    limit = getattr(interaction, "filesize_limit", None)
    if isinstance(limit, int) and limit > 0:
        return limit
    if interaction.guild is not None:
        return interaction.guild.filesize_limit
    return DEFAULT_UPLOAD_LIMIT


async def _send(
    interaction: discord.Interaction,
    digest: Digest,
    summary: str,
    export_args: str,
    *,
    listed_resolved: bool = False,
) -> None:
    content, filename = digest.file.content, digest.file.filename
    limit = upload_limit(interaction)
    if len(content) > limit:
        # Markdown and HTML compress several times over; megabytes, so off the event loop.
        content = await asyncio.to_thread(zipped, filename, content)
        if len(content) > limit:
            raise InvalidInput(
                too_large(
                    digest,
                    limit,
                    export_args,
                    listed_resolved=listed_resolved,
                    zipped_size=len(content),
                )
            )
        filename += ".zip"
        summary += "\n" + zipped_note(digest, limit)
    file = discord.File(io.BytesIO(content), filename=filename)
    await interaction.followup.send(summary, file=file, ephemeral=True)


async def setup(bot: MarginaliaBot) -> None:
    await bot.add_cog(DigestCommands(bot))
