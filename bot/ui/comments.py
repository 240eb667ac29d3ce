"""How comments look in Discord: their cards and replies' cards in the excerpt's thread,
the tombstone a deleted one leaves, where one stands, list entries and choice names."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord

from bot.formatting import shorten
from bot.models import AnchorState, Comment, CommentStatus, Excerpt, Line, Reply
from bot.ui.escaping import escape, escape_embed, escape_fragment, plain
from bot.ui.pages import fill_page, pages_estimate, pages_of
from bot.ui.threads import CardChange
from bot.ui.views import Page
from bot.workshop import CommentContext, CommentListing, CommentService, MessageLines

COMMENT_COLOUR = discord.Colour(0xE0A526)


RESOLVED_COLOUR = discord.Colour(0x3BA55D)


def marked_line(line: Line, comment: Comment, limit: int = 700) -> str:
    """The line a comment points at, as a quote block, its phrase in bold."""
    anchor = comment.anchor
    text = line.text
    if anchor.quote and anchor.quote_line == line.number and anchor.quote_offset is not None:
        start, end = anchor.quote_offset, anchor.quote_offset + len(anchor.quote)
        low, high = _window(len(text), start, end, limit)
        lead = "…" if low > 0 else ""
        tail = "…" if high < len(text) else ""
        body = (
            f"{lead}{escape_fragment(text[low:start])}**{escape_fragment(text[start:end])}**"
            f"{escape_fragment(text[end:high])}{tail}"
        )
    else:
        body = escape(shorten(text, limit))
    return "\n".join(f"> {part}" if part else ">" for part in f"`{line.number}` {body}".split("\n"))


def _window(length: int, start: int, end: int, limit: int) -> tuple[int, int]:
    """The stretch of a line to show around characters start..end: the whole line when
    it fits ``limit``, else the phrase centred, the room a side can't use given to the
    other (a phrase near an end of the line is not cut short on that side)."""
    if length <= limit:
        return 0, length
    room = max(limit - (end - start), 60)
    low = max(0, start - room // 2)
    high = min(length, end + room - (start - low))
    low = max(0, start - (room - (high - end)))
    return low, high


def comment_embed(comment: Comment, excerpt: Excerpt, lines: Sequence[Line]) -> discord.Embed:
    resolved = comment.status is CommentStatus.RESOLVED
    embed = discord.Embed(
        title=f"💬 Comment #{comment.number} · {comment.anchor.describe()}",
        colour=RESOLVED_COLOUR if resolved else COMMENT_COLOUR,
    )
    embed.set_author(name=plain(comment.author_name, 80))
    shown = [
        line
        for line in lines
        if comment.anchor.line_start <= line.number <= comment.anchor.line_end
    ]
    quoted = "\n".join(
        marked_line(line, comment, 700 // max(1, len(shown[:3]))) for line in shown[:3]
    )
    if len(shown) > 3:
        quoted += f"\n> … {len(shown) - 3} more line(s)"
    embed.description = shorten(
        f"{quoted}\n\n{escape_embed(comment.text)}" if quoted else escape_embed(comment.text),
        4000,
    )
    # The phrase as the reader quoted it: once applied by hand the anchor reads the new words.
    before = comment.suggested_against
    if comment.suggestion is not None and before is not None:
        embed.add_field(
            name="Suggestion",
            # The old phrase's "[" must not pair with a "](url)" in the suggestion.
            value=shorten(
                f"~~{escape_fragment(before)}~~ → {escape_embed(comment.suggestion)}", 1024
            ),
            inline=False,
        )
    for reply in comment.replies[-5:]:
        embed.add_field(
            name=f"↳ {escape(plain(reply.author_name, 80))}",
            value=shorten(escape_embed(reply.text), 1024),
            inline=False,
        )
    notes = [f"Excerpt #{excerpt.number}", comment_status_label(comment)]
    if comment.edited_at is not None:
        notes.append("✏️ edited")
    if comment.thanked_at is not None:
        notes.append("🙏 thanked by the author")
    notes.append(f"reply with /comment reply comment:{comment.number}")
    embed.set_footer(text=" · ".join(notes))
    return embed


def comment_status_label(comment: Comment) -> str:
    """The status a card's footer shows; its colour follows it."""
    if comment.is_applied:
        return f"✅ applied in revision {comment.applied_revision}"
    return "✅ resolved" if comment.status is CommentStatus.RESOLVED else "open"


def reply_embed(reply: Reply, comment: Comment) -> discord.Embed:
    # The footer names the comment by number, not by its text: an edit or a delete of
    # the comment must not leave its old words on every reply's card.
    embed = discord.Embed(
        title=f"↳ Reply to comment #{comment.number} · {comment.anchor.describe()}",
        description=shorten(escape_embed(reply.text), 4000),
        colour=COMMENT_COLOUR,
    )
    embed.set_author(name=plain(reply.author_name, 80))
    embed.set_footer(
        text=f"Excerpt #{comment.excerpt_number} · "
        f"reply with /comment reply comment:{comment.number}"
    )
    return embed


def _lines_phrase(first: int, last: int) -> str:
    return f"line {first}" if first == last else f"lines {first}–{last}"


def comment_tombstone(comment: Comment) -> str:
    """What stays of a deleted comment's card: one line, none of its words."""
    return f"🗑️ Comment #{comment.number} ({comment.anchor.describe()}) was deleted."


def comment_location(comment: Comment, current_revision: int, *, original: bool = False) -> str:
    """Where a comment stands, in plain words: its lines now, where it was written if a
    revision moved it, or where it was if its text is gone."""
    written = (
        f"{_lines_phrase(comment.origin_line_start, comment.origin_line_end)}"
        f" of revision {comment.origin_revision}"
    )
    if comment.anchor_state is AnchorState.OUTDATED:
        return f"⌛ outdated (written on {written}, whose text is gone)"
    if original:
        return written
    where = comment.anchor.describe()
    if comment.origin_revision != current_revision and comment.anchor_state is AnchorState.MOVED:
        where += f" (was {written})"
    return where


def comment_choice_name(comment: Comment) -> str:
    """How a comment reads in an autocomplete list: number, line and first words."""
    return plain(f"#{comment.number} · L{comment.anchor.line_start} · {comment.text}", 100)


# ----------------------------------------------------------------- the cards


def card_edit(context: CommentContext) -> list[CardChange]:
    """The change that brings a comment's card up to date, if it has one."""
    if context.comment.card_message_id is None:
        return []
    card = comment_embed(context.comment, context.excerpt, context.lines)
    return [CardChange(context.comment.card_message_id, embed=card)]


def deletion_changes(comment: Comment) -> list[CardChange]:
    """The comment's card becomes a one-line tombstone; its replies' cards go."""
    edits: list[CardChange] = []
    if comment.card_message_id is not None:
        edits.append(CardChange(comment.card_message_id, content=comment_tombstone(comment)))
    edits.extend(
        CardChange(reply.card_message_id, delete=True)
        for reply in comment.replies
        if reply.card_message_id is not None
    )
    return edits


def card_url(excerpt: Excerpt, message_id: int | None) -> str:
    return f"https://discord.com/channels/{excerpt.guild_id}/{excerpt.thread_id}/{message_id}"


def older_revision_note(found: MessageLines, guild_id: int) -> str:
    """Which revision a message shows, and where the current one is."""
    excerpt = found.excerpt
    if found.current_message_id is not None and excerpt.thread_id is not None:
        where = (
            f"its lines start at https://discord.com/channels/{guild_id}/"
            f"{excerpt.thread_id}/{found.current_message_id}"
        )
    elif excerpt.thread_id is not None:
        where = f"it is in <#{excerpt.thread_id}>"
    else:
        where = f"see `/excerpt show excerpt:{excerpt.number}`"
    return (
        f"That message shows revision {found.revision} of excerpt #{excerpt.number}, which "
        f"has been revised since. Comment on the current one, revision {excerpt.revision}: "
        f"{where} (use **Comment on line** there, or `/comment add`)."
    )


# --------------------------------------------------------------------- lists


def list_entry(comment: Comment, where: str, replies: int) -> str:
    marks = []
    if comment.status is CommentStatus.RESOLVED:
        marks.append(comment_status_label(comment))
    if replies:
        marks.append(f"{replies} repl{'y' if replies == 1 else 'ies'}")
    tail = f"\n*{' · '.join(marks)}*" if marks else ""
    text = escape(shorten(" ".join(comment.text.split()), 200))
    return f"**#{comment.number}** · {where} · {escape(comment.author_name)}: {text}{tail}"


def list_pages(listing: CommentListing, *, original: bool) -> list[discord.Embed]:
    """Comments in line order, ten to a page; ``original``: where each was written."""
    entries = _list_entries(listing, listing.comments, original=original)
    return [
        discord.Embed(title=_list_title(listing.excerpt), description=page, colour=COMMENT_COLOUR)
        for page in pages_of(entries, per_page=COMMENTS_PER_PAGE)
    ]


def _list_title(excerpt: Excerpt) -> str:
    return shorten(f"Comments on #{excerpt.number} · {escape(excerpt.title)}", 256)


def _list_entries(
    listing: CommentListing, comments: Sequence[Comment], *, original: bool
) -> list[str]:
    return [
        list_entry(
            c,
            comment_location(c, listing.excerpt.revision, original=original),
            listing.reply_counts.get(c.id, 0),
        )
        for c in comments
    ]


# Where a comment stands in list order: (outdated, first line, number).
ListKey = tuple[bool, int, int]
COMMENTS_PER_PAGE = 10


class CommentListPages:
    """/comment list, one page per button press: keyset reads in list order, with the
    reply counts of that page's comments only."""

    def __init__(self, service: CommentService, *, original: bool, **query: Any) -> None:
        self._service = service
        self._original = original
        self._query = query  # guild_id, excerpt_number, line_spec, status, revision, viewer
        self._shown_before: dict[int, int] = {1: 0}  # page number -> entries before it
        self.excerpt: Excerpt | None = None

    async def page(self, key: ListKey | None, number: int) -> Page[ListKey] | None:
        listing = await self._service.list_comments(
            **self._query, after=key, limit=COMMENTS_PER_PAGE + 1
        )
        self.excerpt = listing.excerpt
        if not listing.comments:
            return None
        fetched = listing.comments[:COMMENTS_PER_PAGE]
        text, taken = fill_page(
            _list_entries(listing, fetched, original=self._original), per_page=COMMENTS_PER_PAGE
        )
        before = self._shown_before.get(number, 0)
        self._shown_before[number + 1] = before + taken
        total = None
        if listing.total is not None:
            total = pages_estimate(number, listing.total - before - taken, COMMENTS_PER_PAGE)
        last = fetched[taken - 1]
        following: ListKey | None = None
        if len(listing.comments) > taken:
            following = (
                last.anchor_state is AnchorState.OUTDATED,
                last.anchor.line_start,
                last.number,
            )
        embed = discord.Embed(
            title=_list_title(listing.excerpt), description=text, colour=COMMENT_COLOUR
        )
        return Page(embed, following, total)
