"""/comment and the "Comment on line" message menu."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import InvalidInput, WrongState
from bot.formatting import shorten
from bot.models import CommentStatus, Excerpt
from bot.ui.checks import actor_of, viewer_of
from bot.ui.client import MarginaliaBot
from bot.ui.comments import (
    CommentListPages,
    card_edit,
    card_url,
    comment_embed,
    deletion_changes,
    older_revision_note,
    reply_embed,
)
from bot.ui.escaping import escape
from bot.ui.threads import THREAD_NOT_UPDATED, CardChange, thread_of, update_thread
from bot.ui.transformers import CommentId, OptionalExcerptId
from bot.ui.views import ErrorAwareModal, Paginator
from bot.workshop import require_open, require_thread_writer
from cogs.common import excerpt_number_for, guild_id_of

log = logging.getLogger(__name__)

StatusChoice = Literal["open", "resolved", "all"]


class CommentModal(ErrorAwareModal, title="Comment on a line"):
    line: discord.ui.TextInput[CommentModal] = discord.ui.TextInput(
        label='Line ("12") or range ("12-14")', max_length=20, custom_id="line"
    )
    quote: discord.ui.TextInput[CommentModal] = discord.ui.TextInput(
        label="Phrase to pin it to (optional)",
        required=False,
        max_length=1000,
        custom_id="quote",
    )
    text: discord.ui.TextInput[CommentModal] = discord.ui.TextInput(
        label="Your comment",
        style=discord.TextStyle.paragraph,
        max_length=1500,
        custom_id="text",
    )

    def __init__(self, cog: Comments, excerpt: Excerpt, first: int, last: int) -> None:
        super().__init__()
        self.cog = cog
        self.excerpt = excerpt
        self.line.default = str(first)
        self.line.placeholder = f"{first}" if first == last else f"{first}–{last}"

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self.cog.add_and_echo(
            interaction,
            excerpt_number=self.excerpt.number,
            thread_id=None,
            line=self.line.value,
            text=self.text.value,
            quote=self.quote.value or None,
            suggestion=None,
        )


class Comments(commands.Cog):
    comment = app_commands.Group(
        name="comment", description="Comment on excerpt lines", guild_only=True
    )

    def __init__(self, bot: MarginaliaBot) -> None:
        self.bot = bot
        self.workshop = bot.workshop
        self.menu = app_commands.ContextMenu(name="Comment on line", callback=self.comment_on_line)
        self.menu.guild_only = True

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    # ----------------------------------------------------------------- add

    @comment.command(name="add", description="Pin a comment to a line, a range, or a phrase")
    @app_commands.describe(
        line='A line ("12") or a range ("12-14")',
        text="Your comment",
        excerpt="The excerpt (defaults to the one whose thread you are in)",
        quote="A phrase inside those lines to pin the comment to, copied exactly",
        suggestion="Replacement for the quoted phrase",
    )
    async def add(
        self,
        interaction: discord.Interaction,
        line: app_commands.Range[str, 1, 40],
        text: app_commands.Range[str, 1, 1500],
        excerpt: OptionalExcerptId = None,
        quote: app_commands.Range[str, 1, 1000] | None = None,
        suggestion: app_commands.Range[str, 1, 1000] | None = None,
    ) -> None:
        await self.add_and_echo(
            interaction,
            excerpt_number=excerpt,
            thread_id=interaction.channel_id,
            line=line,
            text=text,
            quote=quote,
            suggestion=suggestion,
        )

    async def add_and_echo(
        self,
        interaction: discord.Interaction,
        *,
        excerpt_number: int | None,
        thread_id: int | None,
        line: str,
        text: str,
        quote: str | None,
        suggestion: str | None,
    ) -> None:
        context = await self.workshop.comments.add_comment(
            guild_id=guild_id_of(interaction),
            excerpt_number=excerpt_number,
            thread_id=thread_id,
            member=actor_of(interaction),
            line_spec=line,
            text=text,
            quote=quote,
            suggestion=suggestion,
        )
        comment = context.comment

        async def record(message_id: int) -> None:
            await self.workshop.comments.record_comment_card(comment, message_id)

        await self._answer_with_card(
            interaction,
            context.excerpt,
            comment_embed(comment, context.excerpt, context.lines),
            note=f"💬 Comment **#{comment.number}** added to {comment.anchor.describe()} of "
            f"excerpt **#{context.excerpt.number}**.",
            repeated=context.repeated,
            card_message_id=comment.card_message_id,
            record=record,
        )

    async def _answer_with_card(
        self,
        interaction: discord.Interaction,
        excerpt: Excerpt,
        card: discord.Embed,
        *,
        note: str,
        repeated: bool,
        card_message_id: int | None,
        record: Callable[[int], Awaitable[None]],
    ) -> None:
        """Answer, and show the card in the excerpt's thread; ``record`` keeps its id.

        Inside the thread the public answer is the card. From elsewhere the member is
        answered privately first and the card is posted after: the thread's rate limit can
        hold that post for seconds, past Discord's 3 seconds to answer. A retried
        submission (``repeated``) gets no second card."""
        in_thread = interaction.channel_id == excerpt.thread_id
        if repeated and (card_message_id is not None or not in_thread):
            where = (
                f" It is in the thread: {card_url(excerpt, card_message_id)}"
                if card_message_id is not None and excerpt.thread_id is not None
                else ""
            )
            await interaction.response.send_message(
                f"{note} (You sent it twice; it is saved once.){where}", ephemeral=True
            )
            return
        if in_thread:
            answer = await interaction.response.send_message(embed=card)
            if answer.message_id is not None:
                await record(answer.message_id)
            return
        # Answer first; if even that fails, still post the card before reporting it, so a
        # retry (which finds the stored comment) has nothing left to do.
        answer_failed: discord.HTTPException | None = None
        try:
            await interaction.response.send_message(
                f"{note} Posting it in the excerpt's thread…", ephemeral=True
            )
        except discord.HTTPException as error:
            answer_failed = error
        echo = await self._post_in_thread(interaction, excerpt, card)
        if echo is not None:
            await record(echo.id)
        if answer_failed is not None:
            raise answer_failed
        where = (
            f"Posted in {echo.jump_url}."
            if echo
            else "It is saved, but I couldn't post it in the excerpt's thread "
            "(it may be archived or hidden from me)."
        )
        try:
            await interaction.edit_original_response(content=f"{note} {where}")
        except discord.HTTPException as error:
            log.info("could not complete the answer to interaction %s: %s", interaction.id, error)

    async def _post_in_thread(
        self, interaction: discord.Interaction, excerpt: Excerpt, embed: discord.Embed
    ) -> discord.Message | None:
        thread = await thread_of(interaction, excerpt.thread_id)
        if thread is None:
            return None
        try:
            return await thread.send(embed=embed, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as error:
            log.info("could not echo into thread %s: %s", excerpt.thread_id, error)
            return None

    # ---------------------------------------------------------- the thread

    @comment.command(name="reply", description="Reply to a comment")
    async def reply(
        self,
        interaction: discord.Interaction,
        comment: CommentId,
        text: app_commands.Range[str, 1, 1500],
    ) -> None:
        context = await self.workshop.comments.reply(
            guild_id=guild_id_of(interaction),
            comment_number=comment,
            member=actor_of(interaction),
            text=text,
        )

        async def record(message_id: int) -> None:
            await self.workshop.comments.record_reply_card(context.reply, message_id)

        await self._answer_with_card(
            interaction,
            context.excerpt,
            reply_embed(context.reply, context.comment),
            note=f"↳ Reply added to comment **#{context.comment.number}**.",
            repeated=context.repeated,
            card_message_id=context.reply.card_message_id,
            record=record,
        )

    @comment.command(name="resolve", description="Mark a comment as resolved")
    async def resolve(self, interaction: discord.Interaction, comment: CommentId) -> None:
        await self._set_resolved(interaction, comment, resolved=True)

    @comment.command(name="reopen", description="Reopen a resolved comment")
    async def reopen(self, interaction: discord.Interaction, comment: CommentId) -> None:
        await self._set_resolved(interaction, comment, resolved=False)

    async def _set_resolved(
        self, interaction: discord.Interaction, number: int, *, resolved: bool
    ) -> None:
        context = await self.workshop.comments.set_resolved(
            guild_id=guild_id_of(interaction),
            comment_number=number,
            member=actor_of(interaction),
            resolved=resolved,
        )
        verb = "✅ resolved" if resolved else "↩️ reopened"
        said = (
            f"Comment **#{context.comment.number}** ({context.comment.anchor.describe()} of "
            f"excerpt #{context.excerpt.number}) {verb} by "
            f"{escape(interaction.user.display_name)}."
        )
        in_thread = interaction.channel_id == context.excerpt.thread_id
        await interaction.response.send_message(said, ephemeral=not in_thread)
        # Typed elsewhere, the change is said in the thread too, so its last word is true.
        await self._update_thread(
            interaction,
            context.excerpt,
            announce=None if in_thread else said,
            edits=card_edit(context),
        )

    @comment.command(name="thank", description="Thank a reader for a comment on your excerpt")
    async def thank(self, interaction: discord.Interaction, comment: CommentId) -> None:
        context = await self.workshop.comments.thank(
            guild_id=guild_id_of(interaction), comment_number=comment, member=actor_of(interaction)
        )
        await interaction.response.send_message(
            f"🙏 You thanked {escape(context.comment.author_name)} for comment "
            f"**#{context.comment.number}**.",
            ephemeral=True,
        )
        await self._update_thread(interaction, context.excerpt, edits=card_edit(context))

    @comment.command(name="edit", description="Change the text of your comment")
    async def edit(
        self,
        interaction: discord.Interaction,
        comment: CommentId,
        text: app_commands.Range[str, 1, 1500],
    ) -> None:
        context = await self.workshop.comments.edit_comment(
            guild_id=guild_id_of(interaction),
            comment_number=comment,
            member=actor_of(interaction),
            text=text,
        )
        await interaction.response.send_message(
            f"✏️ Comment **#{context.comment.number}** now reads:\n"
            f">>> {escape(shorten(context.comment.text, 1800))}",
            ephemeral=True,
        )
        await self._update_thread(interaction, context.excerpt, edits=card_edit(context))

    @comment.command(name="delete", description="Delete your comment (moderators: any comment)")
    async def delete(self, interaction: discord.Interaction, comment: CommentId) -> None:
        deleted = await self.workshop.comments.delete_comment(
            guild_id=guild_id_of(interaction),
            comment_number=comment,
            member=actor_of(interaction),
        )
        await interaction.response.send_message(
            f"🗑️ Comment #{deleted.comment.number} and its replies were deleted.", ephemeral=True
        )
        # The comment's card becomes a one-line tombstone; its replies' cards go.
        await self._update_thread(
            interaction, deleted.excerpt, edits=deletion_changes(deleted.comment)
        )

    async def _update_thread(
        self,
        interaction: discord.Interaction,
        excerpt: Excerpt,
        *,
        announce: str | None = None,
        edits: Sequence[CardChange] = (),
    ) -> None:
        """Bring the thread up to date after the answer was sent. The database already
        holds the truth: if Discord refuses, the member is told, and nothing is undone."""
        if announce is None and not edits:
            return
        if not await update_thread(interaction, excerpt.thread_id, announce, edits):
            with contextlib.suppress(discord.HTTPException):
                await interaction.followup.send(THREAD_NOT_UPDATED, ephemeral=True)

    # ---------------------------------------------------------------- list

    @comment.command(name="list", description="Comments on an excerpt, in line order")
    @app_commands.describe(
        excerpt="The excerpt (defaults to the one whose thread you are in)",
        line='Only comments touching this line ("12") or range ("10-20")',
        status="Which comments to show (default: all)",
        revision="Only comments written on this earlier revision",
    )
    async def list_(
        self,
        interaction: discord.Interaction,
        excerpt: OptionalExcerptId = None,
        line: str | None = None,
        status: StatusChoice = "all",
        revision: app_commands.Range[int, 1] | None = None,
    ) -> None:
        # Each page is one bounded read; deferring keeps Discord's 3 seconds safe anyway.
        await interaction.response.defer(ephemeral=True, thinking=True)
        source = CommentListPages(
            self.workshop.comments,
            original=revision is not None,
            guild_id=guild_id_of(interaction),
            excerpt_number=await excerpt_number_for(interaction, excerpt),
            line_spec=line,
            status=None if status == "all" else CommentStatus(status),
            revision=revision,
            viewer=viewer_of(interaction),
        )
        if not await Paginator(interaction.user.id, source).start(interaction):
            number = source.excerpt.number if source.excerpt else excerpt
            await interaction.followup.send(
                f"No {'' if status == 'all' else status + ' '}comments"
                f"{' on those lines' if line else ''} on excerpt #{number} yet.",
                ephemeral=True,
            )

    # ---------------------------------------------------------------- menu

    async def comment_on_line(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        found = await self.workshop.excerpts.excerpt_for_message(
            guild_id_of(interaction), message.id, viewer=viewer_of(interaction)
        )
        if found is None:
            raise InvalidInput(
                "That message is not part of a current excerpt. Use **Comment on line** on one of "
                "my messages showing numbered lines."
            )
        # Refuse now, not after the reader has typed her note into the form.
        require_open(found.excerpt)
        require_thread_writer(actor_of(interaction), found.excerpt, "comment")
        if not found.is_current:
            raise WrongState(older_revision_note(found, guild_id_of(interaction)))
        await interaction.response.send_modal(
            CommentModal(self, found.excerpt, found.first, found.last)
        )


async def setup(bot: MarginaliaBot) -> None:
    await bot.add_cog(Comments(bot))
