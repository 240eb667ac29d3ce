"""/review: hold comments and replies on one excerpt as drafts, then submit them at once."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.ui.checks import actor_of
from bot.ui.client import MarginaliaBot
from bot.ui.reviews import review_messages, shown_review, started_note, submitted_note
from bot.ui.threads import NO_MENTIONS, thread_of
from bot.ui.transformers import OptionalExcerptId
from bot.ui.views import Confirm
from cogs.common import guild_id_of

log = logging.getLogger(__name__)


class Reviews(commands.Cog):
    review = app_commands.Group(
        name="review",
        description="Draft feedback on an excerpt, then post it at once",
        guild_only=True,
    )

    def __init__(self, bot: MarginaliaBot) -> None:
        self.bot = bot
        self.reviews = bot.reviews

    @review.command(name="start", description="Make your comments on an excerpt drafts")
    @app_commands.describe(excerpt="The excerpt (defaults to the one whose thread you are in)")
    async def start(
        self, interaction: discord.Interaction, excerpt: OptionalExcerptId = None
    ) -> None:
        started = await self.reviews.start(
            guild_id=guild_id_of(interaction),
            member=actor_of(interaction),
            excerpt_number=excerpt,
            thread_id=interaction.channel_id,
        )
        await interaction.response.send_message(started_note(started), ephemeral=True)

    @review.command(name="show", description="Your open review's drafts")
    async def show(self, interaction: discord.Interaction) -> None:
        shown = await self.reviews.show(
            guild_id=guild_id_of(interaction),
            member=actor_of(interaction),
            thread_id=interaction.channel_id,
        )
        await interaction.response.send_message(shown_review(shown), ephemeral=True)

    @review.command(name="discard", description="Drop your open review and its drafts")
    async def discard(self, interaction: discord.Interaction) -> None:
        guild_id = guild_id_of(interaction)
        shown = await self.reviews.show(
            guild_id=guild_id, member=actor_of(interaction), thread_id=interaction.channel_id
        )

        async def confirmed(click: discord.Interaction) -> None:
            excerpt = await self.reviews.discard(
                guild_id=guild_id, member=actor_of(click), thread_id=interaction.channel_id
            )
            await click.response.edit_message(
                content=f"🗑️ Your review of excerpt #{excerpt.number} was discarded.", view=None
            )

        await Confirm(interaction.user.id, "Discard", confirmed).ask(
            interaction,
            f"Discard your review of excerpt **#{shown.excerpt.number}** and its "
            f"{len(shown.drafts)} draft(s)? This cannot be undone.",
        )

    @review.command(name="submit", description="Post your review's drafts as one message")
    @app_commands.describe(summary="A few words to open the review with")
    async def submit(
        self,
        interaction: discord.Interaction,
        summary: app_commands.Range[str, 1, 1500] | None = None,
    ) -> None:
        submission = await self.reviews.submit(
            guild_id=guild_id_of(interaction),
            member=actor_of(interaction),
            thread_id=interaction.channel_id,
            summary=summary,
        )
        # Answer first: the thread's rate limit may hold the post past Discord's 3 seconds.
        await interaction.response.send_message(
            submitted_note(submission, "Posting it in the excerpt's thread…"), ephemeral=True
        )
        thread = await thread_of(interaction, submission.excerpt.thread_id)
        placed: list[tuple[int, int]] = []
        first: discord.Message | None = None
        try:
            for content, embeds, comment_ids in (
                review_messages(submission, interaction.user.display_name)
                if thread is not None
                else []
            ):
                assert thread is not None
                message = await thread.send(
                    content=content, embeds=embeds, allowed_mentions=NO_MENTIONS
                )
                first = first or message
                placed.extend((comment_id, message.id) for comment_id in comment_ids)
        except discord.HTTPException as error:
            log.info(
                "review not fully posted in thread %s: %s", submission.excerpt.thread_id, error
            )
        if placed:
            await self.reviews.record_cards(placed)
        where = (
            f"Posted in {first.jump_url}."
            if first is not None
            else "It is saved, but I couldn't post it in the excerpt's thread."
        )
        try:
            await interaction.edit_original_response(content=submitted_note(submission, where))
        except discord.HTTPException as error:
            log.info("could not complete the answer to interaction %s: %s", interaction.id, error)


async def setup(bot: MarginaliaBot) -> None:
    await bot.add_cog(Reviews(bot))
