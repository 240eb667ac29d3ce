"""How excerpts look in Discord: the posted header and numbered lines packed into
messages, the revision notice, the list and the line-by-line view, failure notes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import discord

from bot.formatting import plural, shorten
from bot.models import (
    AnchorState,
    Excerpt,
    ExcerptStatus,
    ExcerptSummary,
    Line,
    PostedMessage,
    Viewer,
)
from bot.ui.escaping import escape, plain, split_long
from bot.ui.pages import (
    EMBED_DESCRIPTION_LIMIT,
    EMBEDS_PER_MESSAGE,
    MESSAGE_EMBED_TOTAL_LIMIT,
    embed_size,
    fill_page,
    pages_estimate,
    pages_of,
)
from bot.ui.views import Page
from bot.workshop import ExcerptService, LineListing, RevisionOutcome

EXCERPT_COLOUR = discord.Colour(0x5B7DB1)


LINE_SEPARATOR = "\n\n"


def thread_name(excerpt: Excerpt) -> str:
    # Names are not markdown, but Discord echoes them in a "thread created" notice.
    # No leading "#": a mention of the thread already shows one.
    return plain(discord.utils.escape_mentions(f"{excerpt.title} · excerpt {excerpt.number}"), 100)


def excerpt_header(excerpt: Excerpt) -> discord.Embed:
    # Embed titles render markdown too: the title is shown exactly as the author typed it.
    embed = discord.Embed(title=shorten(f"📖 {escape(excerpt.title)}", 256), colour=EXCERPT_COLOUR)
    parts = [
        f"by **{escape(excerpt.author_name)}** · excerpt **#{excerpt.number}**"
        f" · revision {excerpt.revision}",
        f"{excerpt.word_count:,} words · {excerpt.line_count:,} lines",
    ]
    if excerpt.content_warning:
        parts.append(f"⚠️ Content warning: ||{escape(excerpt.content_warning)}||")
    parts.append(
        f"Comment with `/comment add line:12 text:…` here (or `excerpt:{excerpt.number}` "
        "anywhere), add `quote:` to pin a phrase, or right-click a message → "
        "Apps → **Comment on line**."
    )
    embed.description = "\n".join(parts)
    return embed


def render_line(number: int, text: str) -> str:
    return f"`{number}` {escape(text)}"


@dataclass(slots=True)
class PlannedMessage:
    """One message of a posted excerpt: its embeds' descriptions and the lines it shows."""

    descriptions: list[str] = field(default_factory=list)
    first_line: int = 0
    last_line: int = 0
    reserved: int = 0  # characters taken by a header embed in this message

    @property
    def size(self) -> int:
        return self.reserved + sum(len(d) for d in self.descriptions)


def pack_lines(lines: Sequence[Line], *, reserved_first: int = 0) -> list[PlannedMessage]:
    """Pack numbered lines into as few messages as Discord's limits allow.

    A line is never split unless it alone exceeds an embed; then its pieces
    follow one another, spilling into the next message only when they must.
    """
    messages: list[PlannedMessage] = [PlannedMessage(reserved=reserved_first)]
    for line in lines:
        for piece in split_long(render_line(line.number, line.text), EMBED_DESCRIPTION_LIMIT):
            _place(messages, piece, line.number)
    return [m for m in messages if m.descriptions]


def _place(messages: list[PlannedMessage], piece: str, line_number: int) -> None:
    current = messages[-1]
    if current.descriptions:
        last = current.descriptions[-1]
        joined = len(LINE_SEPARATOR) + len(piece)
        if (
            len(last) + joined <= EMBED_DESCRIPTION_LIMIT
            and current.size + joined <= MESSAGE_EMBED_TOTAL_LIMIT
        ):
            current.descriptions[-1] = last + LINE_SEPARATOR + piece
            current.last_line = line_number
            return
    embeds_in_message = len(current.descriptions) + (1 if current.reserved else 0)
    if (
        current.size + len(piece) > MESSAGE_EMBED_TOTAL_LIMIT
        or embeds_in_message >= EMBEDS_PER_MESSAGE
    ):
        current = PlannedMessage()
        messages.append(current)
    if not current.descriptions:
        current.first_line = line_number
    current.descriptions.append(piece)
    current.last_line = line_number


def excerpt_messages(
    excerpt: Excerpt, lines: Sequence[Line]
) -> list[tuple[list[discord.Embed], PlannedMessage]]:
    """The embeds of each message that posts an excerpt; the header rides in the first."""
    header = excerpt_header(excerpt)
    planned = pack_lines(lines, reserved_first=embed_size(header))
    result: list[tuple[list[discord.Embed], PlannedMessage]] = []
    for index, message in enumerate(planned):
        embeds = [discord.Embed(description=d, colour=EXCERPT_COLOUR) for d in message.descriptions]
        if index == 0 and message.reserved:
            embeds.insert(0, header)
        result.append((embeds, message))
    if not result:
        result.append(([header], PlannedMessage()))
    return result


def excerpt_status_label(excerpt: Excerpt) -> str:
    return {ExcerptStatus.OPEN: "open", ExcerptStatus.CLOSED: "🔒 closed"}.get(excerpt.status, "")


# ------------------------------------------------------------------ posting


def posted_note(title: str, excerpt: Excerpt, line_count: int, thread_mention: str) -> str:
    """The answer once a new excerpt is up in its thread."""
    return (
        f"📖 **{escape(title)}** is up as excerpt **#{excerpt.number}** "
        f"({line_count:,} lines, {excerpt.word_count:,} words): {thread_mention}"
    )


def posting_failure(error: discord.HTTPException) -> str:
    """Why Discord refused to post a new excerpt (which was then rolled back)."""
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


def not_yet_posted(
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


def lines_shown(ranges: Sequence[tuple[int, int]]) -> int:
    """How many distinct lines these (first, last) message ranges show."""
    shown: set[int] = set()
    for first, last in ranges:
        if first:
            shown.update(range(first, last + 1))
    return len(shown)


# ---------------------------------------------------------------- revisions

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
    return (
        f"📝 **Revision {revision}** {of}: {_line_changes(outcome)}."
        f"{applied_note(outcome.applied)}{_comment_moves(outcome)}"
    )


def applied_note(numbers: Sequence[int]) -> str:
    """How many suggestions a revision put in, and whose comments they were."""
    if not numbers:
        return ""
    named = ", ".join(f"#{n}" for n in numbers[:MOVES_SHOWN])
    if len(numbers) > MOVES_SHOWN:
        named += f" and {len(numbers) - MOVES_SHOWN} more"
    return f" {plural(len(numbers), 'suggestion')} applied ({named})."


def _line_changes(outcome: RevisionOutcome) -> str:
    change = outcome.summary
    counts = [(change.added, "added"), (change.removed, "removed"), (change.changed, "changed")]
    said = [(n, verb) for n, verb in counts if n]
    if not said:
        return "the same lines, rearranged"
    (first, verb), rest = said[0], said[1:]
    return ", ".join([f"{plural(first, 'line')} {verb}", *(f"{n} {v}" for n, v in rest)])


def _comment_moves(outcome: RevisionOutcome) -> str:
    parts = []
    moves = [move for move in outcome.moves if move.number not in outcome.applied]
    for move in moves[:MOVES_SHOWN]:
        if move.state is AnchorState.OUTDATED:
            parts.append(f"#{move.number} is outdated (its text is gone)")
        elif move.old_line == move.new_line:
            parts.append(f"#{move.number} follows its text within line {move.new_line}")
        else:
            parts.append(f"#{move.number} moved from line {move.old_line} to line {move.new_line}")
    if len(moves) > MOVES_SHOWN:
        more = len(moves) - MOVES_SHOWN
        parts.append(f"{more} more moved or outdated (see `/comment list`)")
    if outcome.kept:
        parts.append(
            f"{outcome.kept} stay where they were" if outcome.kept > 1 else "1 stays where it was"
        )
    return f" Comments: {'; '.join(parts)}." if parts else ""


def revision_where(
    outcome: RevisionOutcome,
    thread_mention: str | None,
    posted: Sequence[PostedMessage],
    *,
    refused: bool,
) -> str:
    """Where the revision is: in the thread, or why not all of it is."""
    excerpt = outcome.excerpt
    if thread_mention is None:
        return (
            "\n⚠️ It is saved, but I couldn't reach the excerpt's thread "
            "(it may be deleted, or hidden from me)."
        )
    if not refused:
        return f" Posted in {thread_mention}."
    shown = lines_shown([*outcome.already_posted, *((p.first_line, p.last_line) for p in posted)])
    return (
        f"\n⚠️ It is saved, but Discord refused part of the posting: {shown:,} of "
        f"{excerpt.line_count:,} lines are in the excerpt's thread. Post the rest with "
        f"`/excerpt revise excerpt:{excerpt.number}` and the same text."
    )


def unposted_note(excerpt: Excerpt) -> str:
    """For the author: the current revision is not all in the thread, and the way out."""
    return (
        f"⚠️ Revision {excerpt.revision} is not fully posted in the thread (Discord refused "
        f"part of it). Post the rest with /excerpt revise excerpt:{excerpt.number} and the "
        "same text."
    )


# ------------------------------------------------------------------ reading


def line_with_counts(line: Line, counts: tuple[int, int] | None) -> str:
    rendered = render_line(line.number, line.text)
    if counts:
        open_count, resolved = counts
        resolved_note = f", {resolved} resolved" if resolved else ""
        rendered += f"\n*💬 {open_count} open{resolved_note}*"
    return rendered


LINES_PER_PAGE = 40
EXCERPTS_PER_PAGE = 10
# /excerpt list counts at most this many excerpts for its "Page N/M": beyond it, "Page N".
EXCERPT_COUNT_CAP = 1_000


def show_pages(listing: LineListing, footer: str | None) -> list[discord.Embed]:
    """An excerpt's lines with their comment counts, 40 to a page."""
    entries = [line_with_counts(line, listing.counts.get(line.number)) for line in listing.lines]
    pages = [_show_embed(listing, page, footer) for page in pages_of(entries, per_page=40)]
    return pages


def _show_embed(listing: LineListing, text: str, footer: str | None) -> discord.Embed:
    title = f"#{listing.excerpt.number} · {escape(listing.excerpt.title)}"
    if listing.revision != listing.excerpt.revision:
        title += f" (revision {listing.revision})"
    embed = discord.Embed(title=title[:256], description=text, colour=EXCERPT_COLOUR)
    if footer:
        embed.set_footer(text=footer)
    return embed


class ShowPages:
    """/excerpt show, one page per button press: the page's lines and the counts of the
    comments touching them, read when the page is shown."""

    def __init__(
        self,
        service: ExcerptService,
        note: Callable[[Excerpt, int], Awaitable[str | None]],
        *,
        guild_id: int,
        number: int,
        spec: str | None,
        revision: int | None,
        viewer: Viewer | None,
    ) -> None:
        self._service = service
        self._note = note  # the footer, from the first page's excerpt and revision
        self._footer: str | None = None
        self._query = (guild_id, number, spec, revision)
        self._viewer = viewer

    async def page(self, key: int | None, number: int) -> Page[int] | None:
        guild_id, excerpt_number, spec, revision = self._query
        listing = await self._service.show_lines(
            guild_id,
            excerpt_number,
            spec,
            revision,
            viewer=self._viewer,
            window=(key if key is not None else 1, LINES_PER_PAGE),
        )
        if not listing.lines:
            return None
        if key is None:
            self._footer = await self._note(listing.excerpt, listing.revision)
        entries = [
            line_with_counts(line, listing.counts.get(line.number)) for line in listing.lines
        ]
        text, taken = fill_page(entries, per_page=LINES_PER_PAGE)
        last_shown = listing.lines[taken - 1].number
        remaining = listing.last - last_shown
        embed = _show_embed(listing, text, self._footer)
        following = last_shown + 1 if remaining > 0 else None
        return Page(embed, following, pages_estimate(number, remaining, LINES_PER_PAGE))


def list_entry(summary: ExcerptSummary) -> str:
    excerpt = summary.excerpt
    return (
        f"**#{excerpt.number}** · {escape(excerpt.title)} — {escape(excerpt.author_name)}"
        f"\n*{excerpt.line_count} lines · {summary.open_comments} open, "
        f"{summary.resolved_comments} resolved · {excerpt_status_label(excerpt)}*"
        + (f" · <#{excerpt.thread_id}>" if excerpt.thread_id else "")
    )


def list_pages(summaries: Sequence[ExcerptSummary]) -> list[discord.Embed]:
    return [
        discord.Embed(title="Excerpts", description=page, colour=EXCERPT_COLOUR)
        for page in pages_of([list_entry(s) for s in summaries], per_page=EXCERPTS_PER_PAGE)
    ]


class ExcerptListPages:
    """/excerpt list, one page per button press: the next excerpts below the last number
    shown (keyset), with the comment counts the storage layer keeps."""

    def __init__(
        self,
        service: ExcerptService,
        *,
        guild_id: int,
        author_id: int | None,
        viewer: Viewer | None,
    ) -> None:
        self._service = service
        self._guild_id = guild_id
        self._author_id = author_id
        self._viewer = viewer
        self._listed: int | None = None  # counted once, on the first page, up to the cap
        self._shown_before: dict[int, int] = {1: 0}

    async def page(self, key: int | None, number: int) -> Page[int] | None:
        if self._listed is None:
            self._listed = await self._service.count_excerpts(
                self._guild_id, self._author_id, viewer=self._viewer, cap=EXCERPT_COUNT_CAP + 1
            )
        summaries = await self._service.list_excerpts(
            self._guild_id,
            self._author_id,
            viewer=self._viewer,
            before=key,
            limit=EXCERPTS_PER_PAGE + 1,
        )
        if not summaries:
            return None
        fetched = summaries[:EXCERPTS_PER_PAGE]
        text, taken = fill_page([list_entry(s) for s in fetched], per_page=EXCERPTS_PER_PAGE)
        before = self._shown_before.get(number, 0)
        self._shown_before[number + 1] = before + taken
        total = None
        if self._listed <= EXCERPT_COUNT_CAP:
            total = pages_estimate(number, self._listed - before - taken, EXCERPTS_PER_PAGE)
        following = fetched[taken - 1].excerpt.number if len(summaries) > taken else None
        embed = discord.Embed(title="Excerpts", description=text, colour=EXCERPT_COLOUR)
        return Page(embed, following, total)
