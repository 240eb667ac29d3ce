"""/excerpt: post, show, list, close, reopen and delete excerpts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import MarginaliaError, PostingFailed
from bot.models import Excerpt, Intensity, Line
from bot.text import check_upload
from bot.ui.checks import actor_of, require_excerpt_posting_rights, viewer_of
from bot.ui.client import MarginaliaBot
from bot.ui.comments import card_edit
from bot.ui.escaping import escape
from bot.ui.excerpts import (
    ExcerptListPages,
    ShowPages,
    excerpt_messages,
    not_yet_posted,
    posted_note,
    posting_failure,
    revision_summary,
    revision_where,
    unposted_note,
)
from bot.ui.suggestions import (
    APPLYING,
    applied_reply,
    preview_embed,
    preview_question,
    refusal,
)
from bot.ui.threads import (
    THREAD_NOT_UPDATED,
    announce,
    delete_quietly,
    home_channel,
    post_in_thread,
    post_revision,
    thread_of,
    update_thread,
)
from bot.ui.transformers import ExcerptId, IntensityOption, SuggestionChoice
from bot.ui.views import Confirm, ErrorAwareModal, Paginator
from bot.upload_worker import UploadReader
from bot.workshop import RevisionOutcome
from cogs.common import guild_id_of

log = logging.getLogger(__name__)

PASTE_LIMIT = 4000  # Discord's limit for one modal text field
CARDS_UPDATED = 10  # applied comments whose cards a revision edits (rate limits)


@dataclass(frozen=True, slots=True)
class FeedbackWanted:
    """What the author asked readers for, carried from the command to the paste form."""

    focus: str | None = None
    intensity: Intensity | None = None


class PasteModal(ErrorAwareModal, title="Paste your excerpt"):
    text: discord.ui.TextInput[PasteModal] = discord.ui.TextInput(
        label="Excerpt text",
        custom_id="text",
        style=discord.TextStyle.paragraph,
        max_length=PASTE_LIMIT,
        placeholder="Blank-line paragraphs or one per line. Over 4,000 characters? Attach a file.",
    )

    def __init__(
        self, cog: Excerpts, title: str, content_warning: str | None, wanted: FeedbackWanted
    ) -> None:
        super().__init__()
        self.cog = cog
        self.excerpt_title = title
        self.content_warning = content_warning
        self.wanted = wanted

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self.cog.publish(
            interaction,
            self.excerpt_title,
            self.text.value,
            self.content_warning,
            wanted=self.wanted,
        )


class ReviseModal(ErrorAwareModal, title="Paste the new revision"):
    text: discord.ui.TextInput[ReviseModal] = discord.ui.TextInput(
        label="Revised text",
        custom_id="text",
        style=discord.TextStyle.paragraph,
        max_length=PASTE_LIMIT,
        placeholder="The whole excerpt as it now reads. Over 4,000 characters? Attach a file.",
    )

    def __init__(self, cog: Excerpts, number: int) -> None:
        super().__init__()
        self.cog = cog
        self.number = number

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self.cog.publish_revision(interaction, self.number, self.text.value)


class Excerpts(commands.Cog):
    excerpt = app_commands.Group(
        name="excerpt", description="Post and manage story excerpts", guild_only=True
    )

    def __init__(self, bot: MarginaliaBot) -> None:
        self.bot = bot
        self.workshop = bot.workshop
        self.uploads = UploadReader()
        self._warming: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        # Warm the upload workers in the background: the first .docx shouldn't wait.
        self._warming = asyncio.create_task(self.uploads.start())

    async def cog_unload(self) -> None:
        if self._warming is not None:
            self._warming.cancel()
        self.uploads.close()

    # ------------------------------------------------------------- posting

    @excerpt.command(
        name="post", description="Post an excerpt, numbered line by line, in its own thread"
    )
    @app_commands.describe(
        title="The excerpt's title",
        file="A .txt, .md or .docx file; leave empty to paste the text instead",
        content_warning="Shown under a spoiler in the header",
        focus="What you want feedback on, shown in the header",
        intensity="How blunt readers may be",
    )
    async def post(
        self,
        interaction: discord.Interaction,
        title: app_commands.Range[str, 1, 200],
        file: discord.Attachment | None = None,
        content_warning: app_commands.Range[str, 1, 400] | None = None,
        focus: app_commands.Range[str, 1, 400] | None = None,
        intensity: IntensityOption = None,
    ) -> None:
        # Validate the title before showing a modal, so nobody pastes a chapter in vain.
        require_excerpt_posting_rights(interaction)
        self.workshop.excerpts.check_details(title, content_warning)
        wanted = FeedbackWanted(self.workshop.excerpts.check_focus(focus), intensity)
        if file is None:
            await interaction.response.send_modal(PasteModal(self, title, content_warning, wanted))
            return
        check_upload(file.filename, file.size)
        decoded = await self.uploads.read(file.filename, await file.read())
        await self.publish(
            interaction, title, decoded.text, content_warning, decoded.note, wanted=wanted
        )

    async def publish(
        self,
        interaction: discord.Interaction,
        title: str,
        text: str,
        content_warning: str | None,
        note: str = "",
        *,
        wanted: FeedbackWanted = FeedbackWanted(),
    ) -> None:
        """Validate, store, post in a new thread, then make the excerpt live."""
        guild_id = guild_id_of(interaction)
        clean_title, lines, warning = self.workshop.excerpts.prepare_excerpt(
            title, text, content_warning
        )
        home = home_channel(interaction.channel)
        # Typed inside a thread (another excerpt's, or a forum post): the new excerpt is
        # announced in the parent channel, or only to the poster, never in that thread.
        elsewhere = isinstance(interaction.channel, discord.Thread)
        # With the critique exchange on, a short balance is refused privately, before
        # the public "thinking…" appears.
        await self.workshop.excerpts.check_credits(guild_id, actor_of(interaction))
        await interaction.response.defer(thinking=True, ephemeral=elsewhere)
        excerpt = await self.workshop.excerpts.create_excerpt(
            guild_id=guild_id,
            channel_id=home.id,
            author=actor_of(interaction),
            title=clean_title,
            lines=lines,
            content_warning=warning,
            focus=wanted.focus,
            intensity=wanted.intensity,
        )
        numbered = [Line(number, text) for number, text in enumerate(lines, start=1)]
        thread: discord.Thread | None = None
        try:
            thread, posted = await post_in_thread(home, excerpt, numbered)
        except discord.HTTPException as error:
            await self.workshop.excerpts.discard_unposted(excerpt)
            await delete_quietly(thread)
            raise PostingFailed(posting_failure(error)) from error
        except BaseException:
            await self.workshop.excerpts.discard_unposted(excerpt)
            await delete_quietly(thread)
            raise
        await self.workshop.excerpts.mark_posted(excerpt, thread.id, posted)
        done = posted_note(clean_title, excerpt, len(lines), thread.mention)
        if elsewhere:
            announced = await announce(home, done)
            if announced is not None:
                done += f" (announced in {home.mention})"
        if note:  # how the file was read, e.g. a Word document's tracked changes
            done += f"\n{note}"
        try:
            await interaction.followup.send(done)
        except discord.HTTPException:
            # The excerpt is live in its thread: an error saying "nothing was saved" would
            # be false and invite a duplicate. Try the other endpoint, else let it be.
            try:
                await interaction.edit_original_response(content=done)
            except discord.HTTPException:
                log.warning("excerpt #%d is posted; could not confirm it", excerpt.number)

    @excerpt.command(name="revise", description="Post a new revision; comments follow their text")
    @app_commands.describe(
        excerpt="The excerpt to revise",
        file="The whole revised text (.txt, .md or .docx); leave empty to paste it",
    )
    async def revise(
        self,
        interaction: discord.Interaction,
        excerpt: ExcerptId,
        file: discord.Attachment | None = None,
    ) -> None:
        number = excerpt
        if file is None:
            await self.workshop.excerpts.check_can_revise(
                guild_id_of(interaction), number, actor_of(interaction)
            )
            await interaction.response.send_modal(ReviseModal(self, number))
            return
        check_upload(file.filename, file.size)
        decoded = await self.uploads.read(file.filename, await file.read())
        await self.publish_revision(interaction, number, decoded.text)
        if decoded.note:  # e.g. a Word document's tracked changes, read as accepted
            await interaction.followup.send(decoded.note, ephemeral=True)

    async def publish_revision(
        self, interaction: discord.Interaction, number: int, text: str
    ) -> None:
        """Store the revision (comments re-anchored), then post it in the excerpt's thread."""
        # Re-anchoring a rewrite can outlast Discord's 3 seconds, so defer first: privately,
        # because the public record is the summary in the thread and a refusal stays private.
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self.workshop.excerpts.revise_excerpt(
            guild_id=guild_id_of(interaction),
            number=number,
            member=actor_of(interaction),
            text=text,
        )
        await self.send_revision(interaction, outcome)

    async def send_revision(
        self, interaction: discord.Interaction, outcome: RevisionOutcome, extra: str = ""
    ) -> None:
        """Post a stored revision in the excerpt's thread and tell the author privately."""
        excerpt = outcome.excerpt
        notice = revision_summary(outcome)
        missing = not_yet_posted(excerpt_messages(excerpt, outcome.lines), outcome.already_posted)
        thread = await thread_of(interaction, excerpt.thread_id)
        posting = None if thread is None else await post_revision(thread, notice, missing)
        # What did reach the thread takes "Comment on line", even when the rest failed.
        if posting is not None and posting.posted:
            await self.workshop.excerpts.record_revision_messages(excerpt, posting.posted)
        where = revision_where(
            outcome,
            thread.mention if thread is not None else None,
            posting.posted if posting is not None else [],
            refused=posting is not None and posting.refused,
        )
        await interaction.followup.send(notice + where + extra, ephemeral=True)
        if outcome.applied:
            # The few applied comments' cards say so; many are left to the notice.
            cards = await self.workshop.suggestions.applied_cards(
                excerpt, outcome.applied, limit=CARDS_UPDATED
            )
            edits = [change for context in cards for change in card_edit(context)]
            if edits and not await update_thread(interaction, excerpt.thread_id, None, edits):
                with contextlib.suppress(discord.HTTPException):
                    await interaction.followup.send(THREAD_NOT_UPDATED, ephemeral=True)

    @excerpt.command(name="apply", description="Put readers' suggestions into a new revision")
    @app_commands.describe(
        excerpt="The excerpt whose suggestions to apply",
        comments='Comment numbers ("4, 7"), or "all" open suggestions (the default)',
    )
    async def apply(
        self,
        interaction: discord.Interaction,
        excerpt: ExcerptId,
        comments: SuggestionChoice = None,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id, chosen = guild_id_of(interaction), comments
        preview = await self.workshop.suggestions.preview(
            guild_id=guild_id, number=excerpt, member=actor_of(interaction), chosen=chosen
        )

        async def confirmed(click: discord.Interaction) -> None:
            # Rights and text are judged again at the click, against the same revision.
            await click.response.edit_message(content=APPLYING, view=None)
            try:
                outcome, application = await self.workshop.suggestions.apply(
                    guild_id=guild_id,
                    number=excerpt,
                    member=actor_of(click),
                    chosen=chosen,
                    revision=preview.excerpt.revision,
                )
            except MarginaliaError as error:
                # The preview becomes the refusal, so it never says "Applying…" forever.
                await click.edit_original_response(content=refusal(error), embed=None)
                return
            await self.send_revision(click, outcome, applied_reply(application))

        ask = Confirm(interaction.user.id, "Apply", confirmed)
        ask.confirm.style = discord.ButtonStyle.success
        await ask.ask(interaction, preview_question(preview), embed=preview_embed(preview))

    # ------------------------------------------------------------- reading

    @excerpt.command(name="show", description="See an excerpt's lines with their comment counts")
    @app_commands.describe(
        excerpt="The excerpt",
        lines='A line ("12") or a range ("10-20")',
        revision="An earlier revision",
    )
    async def show(
        self,
        interaction: discord.Interaction,
        excerpt: ExcerptId,
        lines: str | None = None,
        revision: app_commands.Range[int, 1] | None = None,
    ) -> None:
        # Each page is one bounded read, but it may wait for a free reader behind long
        # reads (digests): deferring keeps Discord's 3 seconds safe.
        await interaction.response.defer(ephemeral=True, thinking=True)

        async def note(shown: Excerpt, shown_revision: int) -> str | None:
            return await self._unposted_note(interaction, shown, shown_revision)

        source = ShowPages(
            self.workshop.excerpts,
            note,
            guild_id=guild_id_of(interaction),
            number=excerpt,
            spec=lines,
            revision=revision,
            viewer=viewer_of(interaction),
        )
        if not await Paginator(interaction.user.id, source).start(interaction):
            await interaction.followup.send("No lines to show.", ephemeral=True)

    async def _unposted_note(
        self, interaction: discord.Interaction, excerpt: Excerpt, revision: int
    ) -> str | None:
        """For the author: the current revision is not all in the thread, and the way out."""
        if interaction.user.id != excerpt.author_id or revision != excerpt.revision:
            return None
        if await self.workshop.excerpts.revision_fully_posted(excerpt):
            return None
        return unposted_note(excerpt)

    @excerpt.command(name="list", description="Excerpts in this server, newest first")
    @app_commands.describe(author="Only this member's excerpts")
    async def list_(
        self, interaction: discord.Interaction, author: discord.Member | None = None
    ) -> None:
        # Each page is one bounded read; deferring keeps Discord's 3 seconds safe anyway.
        await interaction.response.defer(ephemeral=True, thinking=True)
        source = ExcerptListPages(
            self.workshop.excerpts,
            guild_id=guild_id_of(interaction),
            author_id=author.id if author else None,
            viewer=viewer_of(interaction),
        )
        if not await Paginator(interaction.user.id, source).start(interaction):
            whose = f" by {escape(author.display_name)}" if author else ""
            await interaction.followup.send(
                f"No excerpts{whose} yet. Post one with `/excerpt post`.", ephemeral=True
            )

    # ------------------------------------------------------------ managing

    @excerpt.command(name="close", description="Stop new comments on an excerpt")
    async def close(self, interaction: discord.Interaction, excerpt: ExcerptId) -> None:
        await self._set_open(interaction, excerpt, open_=False)

    @excerpt.command(name="reopen", description="Allow new comments on an excerpt again")
    async def reopen(self, interaction: discord.Interaction, excerpt: ExcerptId) -> None:
        await self._set_open(interaction, excerpt, open_=True)

    async def _set_open(
        self, interaction: discord.Interaction, number: int, *, open_: bool
    ) -> None:
        excerpt = await self.workshop.excerpts.set_excerpt_open(
            guild_id_of(interaction),
            number,
            actor_of(interaction),
            open_=open_,
        )
        state = "open for comments again" if open_ else "closed to new comments"
        said = (
            f"{'🔓' if open_ else '🔒'} Excerpt **#{excerpt.number}** · "
            f"{escape(excerpt.title)} is {state}."
        )
        in_thread = interaction.channel_id == excerpt.thread_id
        await interaction.response.send_message(said, ephemeral=not in_thread)
        if in_thread:
            return
        # Typed elsewhere: the thread says it too, so its last word is the truth.
        announced = f"{said[:-1]} (by {escape(interaction.user.display_name)})."
        if not await update_thread(interaction, excerpt.thread_id, announced, ()):
            with contextlib.suppress(discord.HTTPException):
                await interaction.followup.send(THREAD_NOT_UPDATED, ephemeral=True)

    @excerpt.command(name="delete", description="Delete an excerpt and all its feedback")
    async def delete(self, interaction: discord.Interaction, excerpt: ExcerptId) -> None:
        guild_id = guild_id_of(interaction)
        member = actor_of(interaction)
        number = excerpt
        found = await self.workshop.excerpts.check_can_delete_excerpt(guild_id, number, member)

        async def confirmed(click: discord.Interaction) -> None:
            # Rights are judged at the click: a member demoted meanwhile is refused.
            deleted = await self.workshop.excerpts.delete_excerpt(guild_id, number, actor_of(click))
            await click.response.edit_message(
                content=f"🗑️ Excerpt #{deleted.number} and all its feedback were deleted.", view=None
            )
            await delete_quietly(await thread_of(click, deleted.thread_id))

        await Confirm(interaction.user.id, "Delete", confirmed).ask(
            interaction,
            f"Delete excerpt **#{found.number}** · {escape(found.title)}, its thread and all "
            "its comments? This cannot be undone.",
        )


async def setup(bot: MarginaliaBot) -> None:
    await bot.add_cog(Excerpts(bot))
