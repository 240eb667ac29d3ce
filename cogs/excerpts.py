"""/excerpt: post, show, list, close, reopen and delete excerpts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Sequence
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import InvalidInput
from bot.models import AnchorState, Excerpt, Line, PostedMessage
from bot.text import check_upload
from bot.ui.client import MarginaliaBot
from bot.ui.render import (
    EXCERPT_COLOUR,
    PlannedMessage,
    escape,
    excerpt_messages,
    excerpt_status_label,
    pages_of,
    render_line,
    thread_name,
)
from bot.ui.views import Confirm, Paginator
from bot.upload_worker import UploadReader
from bot.workshop import RevisionOutcome, parse_number
from cogs.common import (
    THREAD_NOT_UPDATED,
    ErrorAwareModal,
    excerpt_autocomplete,
    guild_id_of,
    member_of,
    require_excerpt_posting_rights,
    thread_of,
    update_thread,
    viewer_of,
)

log = logging.getLogger(__name__)

PASTE_LIMIT = 4000  # Discord's limit for one modal text field
THREAD_ARCHIVE_MINUTES: Literal[10080] = 10080  # a week: feedback takes time


class PostingFailed(InvalidInput):
    """Discord refused part of the posting; the excerpt was rolled back."""


class PasteModal(ErrorAwareModal, title="Paste your excerpt"):
    text: discord.ui.TextInput[PasteModal] = discord.ui.TextInput(
        label="Excerpt text",
        custom_id="text",
        style=discord.TextStyle.paragraph,
        max_length=PASTE_LIMIT,
        placeholder="Blank-line paragraphs or one per line. Over 4,000 characters? Attach a file.",
    )

    def __init__(self, cog: Excerpts, title: str, content_warning: str | None) -> None:
        super().__init__()
        self.cog = cog
        self.excerpt_title = title
        self.content_warning = content_warning

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self.cog.publish(
            interaction, self.excerpt_title, self.text.value, self.content_warning
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
    )
    async def post(
        self,
        interaction: discord.Interaction,
        title: app_commands.Range[str, 1, 200],
        file: discord.Attachment | None = None,
        content_warning: app_commands.Range[str, 1, 400] | None = None,
    ) -> None:
        # Validate the title before showing a modal, so nobody pastes a chapter in vain.
        require_excerpt_posting_rights(interaction)
        self.workshop.check_details(title, content_warning)
        if file is None:
            await interaction.response.send_modal(PasteModal(self, title, content_warning))
            return
        check_upload(file.filename, file.size)
        decoded = await self.uploads.read(file.filename, await file.read())
        await self.publish(interaction, title, decoded.text, content_warning, decoded.note)

    async def publish(
        self,
        interaction: discord.Interaction,
        title: str,
        text: str,
        content_warning: str | None,
        note: str = "",
    ) -> None:
        """Validate, store, post in a new thread, then make the excerpt live."""
        guild_id = guild_id_of(interaction)
        clean_title, lines, warning = self.workshop.prepare_excerpt(title, text, content_warning)
        home = _home_channel(interaction.channel)
        # Typed inside a thread (another excerpt's, or a forum post): the new excerpt is
        # announced in the parent channel, or only to the poster, never in that thread.
        elsewhere = isinstance(interaction.channel, discord.Thread)
        await interaction.response.defer(thinking=True, ephemeral=elsewhere)
        excerpt = await self.workshop.create_excerpt(
            guild_id=guild_id,
            channel_id=home.id,
            author=member_of(interaction),
            title=clean_title,
            lines=lines,
            content_warning=warning,
        )
        numbered = [Line(number, text) for number, text in enumerate(lines, start=1)]
        thread: discord.Thread | None = None
        try:
            thread, posted = await _post_in_thread(home, excerpt, numbered)
        except discord.HTTPException as error:
            await self.workshop.discard_unposted(excerpt)
            await _delete_quietly(thread)
            raise PostingFailed(_posting_failure(error)) from error
        except BaseException:
            await self.workshop.discard_unposted(excerpt)
            await _delete_quietly(thread)
            raise
        await self.workshop.mark_posted(excerpt, thread.id, posted)
        done = (
            f"📖 **{escape(clean_title)}** is up as excerpt **#{excerpt.number}** "
            f"({len(lines):,} lines, {excerpt.word_count:,} words): {thread.mention}"
        )
        if elsewhere:
            announced = await _announce(home, done)
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
    @app_commands.autocomplete(excerpt=excerpt_autocomplete)
    async def revise(
        self,
        interaction: discord.Interaction,
        excerpt: str,
        file: discord.Attachment | None = None,
    ) -> None:
        number = parse_number(excerpt, "excerpt")
        if file is None:
            await self.workshop.check_can_revise(
                guild_id_of(interaction), number, member_of(interaction)
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
        outcome = await self.workshop.revise_excerpt(
            guild_id=guild_id_of(interaction),
            number=number,
            member=member_of(interaction),
            text=text,
        )
        excerpt = outcome.excerpt
        notice = revision_summary(outcome)
        missing = _not_yet_posted(excerpt_messages(excerpt, outcome.lines), outcome.already_posted)
        thread = await thread_of(interaction, excerpt.thread_id)
        posted: list[PostedMessage] = []
        refused = False
        if thread is not None:
            try:
                await thread.send(notice, allowed_mentions=discord.AllowedMentions.none())
                await _send_planned(thread, missing, posted)
            except discord.HTTPException as error:
                log.info("revision not fully posted in thread %s: %s", thread.id, error)
                refused = True
            # What did reach the thread takes "Comment on line", even when the rest failed.
            if posted:
                await self.workshop.record_revision_messages(excerpt, posted)
        if thread is None:
            where = (
                "\n⚠️ It is saved, but I couldn't reach the excerpt's thread "
                "(it may be deleted, or hidden from me)."
            )
        elif not refused:
            where = f" Posted in {thread.mention}."
        else:
            shown = lines_shown([*outcome.already_posted, *_ranges(posted)])
            where = (
                f"\n⚠️ It is saved, but Discord refused part of the posting: {shown:,} of "
                f"{excerpt.line_count:,} lines are in the excerpt's thread. Post the rest with "
                f"`/excerpt revise excerpt:{excerpt.number}` and the same text."
            )
        await interaction.followup.send(notice + where)

    # ------------------------------------------------------------- reading

    @excerpt.command(name="show", description="See an excerpt's lines with their comment counts")
    @app_commands.describe(
        excerpt="The excerpt",
        lines='A line ("12") or a range ("10-20")',
        revision="An earlier revision",
    )
    @app_commands.autocomplete(excerpt=excerpt_autocomplete)
    async def show(
        self,
        interaction: discord.Interaction,
        excerpt: str,
        lines: str | None = None,
        revision: app_commands.Range[int, 1] | None = None,
    ) -> None:
        view = await self.workshop.show_lines(
            guild_id_of(interaction),
            parse_number(excerpt, "excerpt"),
            lines,
            revision,
            viewer=viewer_of(interaction),
        )
        unposted_note = await self._unposted_note(interaction, view.excerpt, view.revision)
        entries = [_line_with_counts(line, view.counts.get(line.number)) for line in view.lines]
        title = f"#{view.excerpt.number} · {escape(view.excerpt.title)}"
        if view.revision != view.excerpt.revision:
            title += f" (revision {view.revision})"
        pages = [
            discord.Embed(title=title[:256], description=page, colour=EXCERPT_COLOUR)
            for page in pages_of(entries, per_page=40)
        ]
        for page in pages if unposted_note else ():
            page.set_footer(text=unposted_note)
        await Paginator(interaction.user.id, pages).start(interaction)

    async def _unposted_note(
        self, interaction: discord.Interaction, excerpt: Excerpt, revision: int
    ) -> str | None:
        """For the author: the current revision is not all in the thread, and the way out."""
        if interaction.user.id != excerpt.author_id or revision != excerpt.revision:
            return None
        if await self.workshop.revision_fully_posted(excerpt):
            return None
        return (
            f"⚠️ Revision {excerpt.revision} is not fully posted in the thread (Discord refused "
            f"part of it). Post the rest with /excerpt revise excerpt:{excerpt.number} and the "
            "same text."
        )

    @excerpt.command(name="list", description="Excerpts in this server, newest first")
    @app_commands.describe(author="Only this member's excerpts")
    async def list_(
        self, interaction: discord.Interaction, author: discord.Member | None = None
    ) -> None:
        summaries = await self.workshop.list_excerpts(
            guild_id_of(interaction), author.id if author else None, viewer=viewer_of(interaction)
        )
        if not summaries:
            whose = f" by {escape(author.display_name)}" if author else ""
            await interaction.response.send_message(
                f"No excerpts{whose} yet. Post one with `/excerpt post`.", ephemeral=True
            )
            return
        entries = [
            f"**#{s.excerpt.number}** · {escape(s.excerpt.title)} — {escape(s.excerpt.author_name)}"
            f"\n*{s.excerpt.line_count} lines · {s.open_comments} open, "
            f"{s.resolved_comments} resolved · {excerpt_status_label(s.excerpt)}*"
            + (f" · <#{s.excerpt.thread_id}>" if s.excerpt.thread_id else "")
            for s in summaries
        ]
        pages = [
            discord.Embed(title="Excerpts", description=page, colour=EXCERPT_COLOUR)
            for page in pages_of(entries, per_page=10)
        ]
        await Paginator(interaction.user.id, pages).start(interaction)

    # ------------------------------------------------------------ managing

    @excerpt.command(name="close", description="Stop new comments on an excerpt")
    @app_commands.autocomplete(excerpt=excerpt_autocomplete)
    async def close(self, interaction: discord.Interaction, excerpt: str) -> None:
        await self._set_open(interaction, excerpt, open_=False)

    @excerpt.command(name="reopen", description="Allow new comments on an excerpt again")
    @app_commands.autocomplete(excerpt=excerpt_autocomplete)
    async def reopen(self, interaction: discord.Interaction, excerpt: str) -> None:
        await self._set_open(interaction, excerpt, open_=True)

    async def _set_open(self, interaction: discord.Interaction, raw: str, *, open_: bool) -> None:
        excerpt = await self.workshop.set_excerpt_open(
            guild_id_of(interaction),
            parse_number(raw, "excerpt"),
            member_of(interaction),
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
    @app_commands.autocomplete(excerpt=excerpt_autocomplete)
    async def delete(self, interaction: discord.Interaction, excerpt: str) -> None:
        guild_id = guild_id_of(interaction)
        member = member_of(interaction)
        number = parse_number(excerpt, "excerpt")
        found = await self.workshop.check_can_delete_excerpt(guild_id, number, member)

        async def confirmed(click: discord.Interaction) -> None:
            # Rights are judged at the click: a member demoted meanwhile is refused.
            deleted = await self.workshop.delete_excerpt(guild_id, number, member_of(click))
            await click.response.edit_message(
                content=f"🗑️ Excerpt #{deleted.number} and all its feedback were deleted.", view=None
            )
            await _delete_quietly(await thread_of(click, deleted.thread_id))

        await Confirm(interaction.user.id, "Delete", confirmed).ask(
            interaction,
            f"Delete excerpt **#{found.number}** · {escape(found.title)}, its thread and all "
            "its comments? This cannot be undone.",
        )


MOVES_SHOWN = 8  # the notice names this many comments, then counts the rest


def revision_summary(outcome: RevisionOutcome) -> str:
    """The revision notice: what changed and where comments went, in plain words."""
    excerpt = outcome.excerpt
    revision = excerpt.revision
    of = f"of excerpt **#{excerpt.number}** · {escape(excerpt.title)}"
    if outcome.reposting:
        if outcome.already_posted:
            return f"📝 The rest of **revision {revision}** {of}, which Discord refused before:"
        return f"📝 **Revision {revision}** {of}, posted again: Discord refused it before."
    return f"📝 **Revision {revision}** {of}: {_line_changes(outcome)}.{_comment_moves(outcome)}"


def _line_changes(outcome: RevisionOutcome) -> str:
    change = outcome.summary
    counts = [(change.added, "added"), (change.removed, "removed"), (change.changed, "changed")]
    said = [(n, verb) for n, verb in counts if n]
    if not said:
        return "the same lines, rearranged"
    (first, verb), rest = said[0], said[1:]
    return ", ".join([f"{_count(first, 'line')} {verb}", *(f"{n} {v}" for n, v in rest)])


def _comment_moves(outcome: RevisionOutcome) -> str:
    parts = []
    for move in outcome.moves[:MOVES_SHOWN]:
        if move.state is AnchorState.OUTDATED:
            parts.append(f"#{move.number} is outdated (its text is gone)")
        elif move.old_line == move.new_line:
            parts.append(f"#{move.number} follows its text within line {move.new_line}")
        else:
            parts.append(f"#{move.number} moved from line {move.old_line} to line {move.new_line}")
    if len(outcome.moves) > MOVES_SHOWN:
        more = len(outcome.moves) - MOVES_SHOWN
        parts.append(f"{more} more moved or outdated (see `/comment list`)")
    if outcome.kept:
        parts.append(
            f"{outcome.kept} stay where they were" if outcome.kept > 1 else "1 stays where it was"
        )
    return f" Comments: {'; '.join(parts)}." if parts else ""


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _not_yet_posted(
    planned: Sequence[tuple[list[discord.Embed], PlannedMessage]],
    already: Sequence[tuple[int, int]],
) -> list[tuple[list[discord.Embed], PlannedMessage]]:
    """The planned messages not yet in the thread: all of them, unless a repost follows a
    posting Discord cut short (its messages are recorded by the lines they show)."""
    left = Counter(already)
    missing = []
    for embeds, plan in planned:
        key = (plan.first_line, plan.last_line)
        if plan.first_line and left[key] > 0:
            left[key] -= 1
            continue
        missing.append((embeds, plan))
    return missing


def _ranges(posted: Sequence[PostedMessage]) -> list[tuple[int, int]]:
    return [(p.first_line, p.last_line) for p in posted]


def lines_shown(ranges: Sequence[tuple[int, int]]) -> int:
    """How many distinct lines these (first, last) message ranges show."""
    shown: set[int] = set()
    for first, last in ranges:
        if first:
            shown.update(range(first, last + 1))
    return len(shown)


def _line_with_counts(line: Line, counts: tuple[int, int] | None) -> str:
    rendered = render_line(line.number, line.text)
    if counts:
        open_count, resolved = counts
        resolved_note = f", {resolved} resolved" if resolved else ""
        rendered += f"\n*💬 {open_count} open{resolved_note}*"
    return rendered


async def _announce(
    home: discord.TextChannel | discord.ForumChannel, text: str
) -> discord.Message | None:
    """Announce a new excerpt in its parent text channel; a forum shows its new post
    by itself (it takes no plain messages)."""
    if not isinstance(home, discord.TextChannel):
        return None
    try:
        return await home.send(text)
    except discord.HTTPException as error:
        log.info("could not announce in channel %s: %s", home.id, error)
        return None


def _home_channel(
    channel: discord.abc.GuildChannel | discord.abc.PrivateChannel | discord.Thread | None,
) -> discord.TextChannel | discord.ForumChannel:
    """Where the excerpt's thread goes: the channel used, or the parent of a thread."""
    if isinstance(channel, discord.Thread):
        channel = channel.parent
    if isinstance(channel, discord.TextChannel | discord.ForumChannel):
        return channel
    raise InvalidInput("Post excerpts from a text or forum channel, so I can open a thread there.")


async def _post_in_thread(
    home: discord.TextChannel | discord.ForumChannel, excerpt: Excerpt, lines: Sequence[Line]
) -> tuple[discord.Thread, list[PostedMessage]]:
    planned = excerpt_messages(excerpt, lines)
    posted: list[PostedMessage] = []
    if isinstance(home, discord.ForumChannel):
        first_embeds, first_plan = planned[0]
        created = await home.create_thread(name=thread_name(excerpt), embeds=first_embeds)
        thread = created.thread
        posted.append(
            PostedMessage(created.message.id, first_plan.first_line, first_plan.last_line)
        )
        remaining = planned[1:]
    else:
        thread = await home.create_thread(
            name=thread_name(excerpt),
            type=discord.ChannelType.public_thread,
            auto_archive_duration=THREAD_ARCHIVE_MINUTES,
        )
        remaining = planned
    try:
        await _send_planned(thread, remaining, posted)
    except BaseException:
        await _delete_quietly(thread)
        raise
    return thread, [p for p in posted if p.first_line]


async def _send_planned(
    thread: discord.Thread,
    planned: Sequence[tuple[list[discord.Embed], PlannedMessage]],
    posted: list[PostedMessage],
) -> None:
    """Send each planned message, adding to ``posted`` as each one lands (so a failure
    part-way leaves the record of what did): which lines it shows, for the menu."""
    for embeds, plan in planned:
        message = await thread.send(embeds=embeds)
        if plan.first_line:
            posted.append(PostedMessage(message.id, plan.first_line, plan.last_line))


async def _delete_quietly(thread: discord.Thread | None) -> None:
    if thread is None:
        return
    try:
        await thread.delete()
    except discord.HTTPException:
        log.info("could not delete thread %s; it stays for a moderator to remove", thread.id)


def _posting_failure(error: discord.HTTPException) -> str:
    if isinstance(error, discord.Forbidden):
        return (
            "Discord would not let me post the excerpt here: I need View Channel, Send Messages, "
            "Embed Links, Create Public Threads and Send Messages in Threads in this channel. "
            "Nothing was saved."
        )
    if isinstance(error, discord.NotFound):
        return "The channel or thread disappeared while I was posting. Nothing was saved."
    return (
        "Discord had a problem while I was posting the excerpt. "
        "Nothing was saved; please try again."
    )


async def setup(bot: MarginaliaBot) -> None:
    await bot.add_cog(Excerpts(bot))
