"""Rendering records as Discord messages: escaping, the posted excerpt, comment cards.

Limits are Discord's: an embed description holds 4096 characters, a message's
embeds 6000 characters in all and at most 10 embeds.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import discord

from bot.models import AnchorState, Comment, CommentStatus, Excerpt, ExcerptStatus, Line, Reply

EMBED_DESCRIPTION_LIMIT = 4096
MESSAGE_EMBED_TOTAL_LIMIT = 6000
EMBEDS_PER_MESSAGE = 10
LINE_SEPARATOR = "\n\n"
CONTINUATION = "↪ "

EXCERPT_COLOUR = discord.Colour(0x5B7DB1)
COMMENT_COLOUR = discord.Colour(0xE0A526)
RESOLVED_COLOUR = discord.Colour(0x3BA55D)

# Things escape_markdown leaves alone that Discord would still format.
_NUMBERED_LIST = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)
_ANGLE_TOKENS = re.compile(r"<(?=[@#:]|t:|a:|/|https?:)")


def escape(text: str) -> str:
    """User text shown exactly as typed: no formatting, no mentions, no masked links."""
    escaped = discord.utils.escape_markdown(text, ignore_links=False)
    escaped = discord.utils.escape_mentions(escaped)
    escaped = _NUMBERED_LIST.sub(r"\1\\\2", escaped)
    return _ANGLE_TOKENS.sub(r"\\<", escaped)


# What Discord shows as a name inside an embed and never pings from there: users (both
# forms), roles and channels, by a snowflake id. Nothing looser: "<@everyone>", "<@12>"
# and the like stay escaped.
_EMBED_MENTION = re.compile(r"<(?:@[!&]?|#)\d{17,20}>")
_HOLE = "\x00"  # never in stored text: clean_text removes control characters


def escape_embed(text: str) -> str:
    """User text for an embed's description or field: as ``escape``, except that a
    well-formed user, role or channel mention shows as Discord shows it, a name.

    Mentions inside embeds never ping, so this is safe there and only there: message
    content keeps ``escape`` (and every message goes with ``AllowedMentions.none()``).
    """
    tokens = _EMBED_MENTION.findall(text)
    if not tokens or _HOLE in text:
        return escape(text)
    # Escape around placeholders so the tokens keep their place in the line (escapes
    # that depend on a line's start still see the whole line).
    held = escape(_EMBED_MENTION.sub(_HOLE, text))
    pieces = held.split(_HOLE)
    return "".join(piece + token for piece, token in zip(pieces, [*tokens, ""], strict=True))


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def plain(text: str, limit: int) -> str:
    """Single-line text for places Discord shows without markdown (names, choices)."""
    return shorten(" ".join(text.split()), limit)


# ------------------------------------------------------------------ excerpt


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


def split_long(rendered: str, limit: int) -> list[str]:
    """Pieces of at most ``limit`` characters; every piece after the first starts with
    ``CONTINUATION``.

    Nothing is dropped or added besides the markers, so the pieces re-join exactly:
    ``rendered == pieces[0] + "".join(p.removeprefix(CONTINUATION) for p in pieces[1:])``.
    A cut falls after a space where one lies in the second half of the room, never between
    a backslash and the character it escapes, and, where avoidable, never before a
    combining mark or around a joiner. Each cut moves forward by at least one character
    of ``rendered``, so the loop ends whatever the text.
    """
    if len(rendered) <= limit:
        return [rendered]
    if limit < len(CONTINUATION) + 2:  # room for the marker and one escape sequence
        raise ValueError(f"limit {limit} is too small to split text")
    cuttable = _cut_points(rendered)
    pieces: list[str] = []
    start = 0
    room = limit
    while len(rendered) - start > room:
        cut = _choose_cut(rendered, cuttable, start, start + room)
        pieces.append(("" if start == 0 else CONTINUATION) + rendered[start:cut])
        start = cut
        room = limit - len(CONTINUATION)
    pieces.append(("" if start == 0 else CONTINUATION) + rendered[start:])
    return pieces


_JOINERS = frozenset("\u200c\u200d\u2060")


def _cut_points(text: str) -> bytearray:
    """``1`` at each index where text may be cut before that character.

    Escaped text pairs every backslash with the character after it (a typed backslash
    was doubled), so scanning left to right finds the pairs; the index just after an
    escaping backslash is never a cut point. Index 0 is never one either.
    """
    allowed = bytearray(b"\x01") * (len(text) + 1)
    allowed[0] = 0
    index = 0
    while index < len(text):
        if text[index] == "\\" and index + 1 < len(text):
            allowed[index + 1] = 0
            index += 2
        else:
            index += 1
    return allowed


def _is_graceful(text: str, cut: int) -> bool:
    """A cut that doesn't separate a mark or a joined sequence from its neighbours."""
    after = text[cut] if cut < len(text) else ""
    before = text[cut - 1]
    if after and (unicodedata.category(after) in ("Mn", "Mc", "Me") or after in _JOINERS):
        return False
    return before not in _JOINERS


def _choose_cut(text: str, cuttable: bytearray, start: int, end: int) -> int:
    """The best cut in ``(start, end]``; there is always one, as escapes are 2 long."""
    for cut in range(end, start + (end - start) // 2, -1):
        if text[cut - 1] == " " and cuttable[cut]:
            return cut
    fallback = 0
    for cut in range(end, max(start, end - 64), -1):
        if cuttable[cut]:
            if _is_graceful(text, cut):
                return cut
            fallback = fallback or cut
    if fallback:
        return fallback
    return end if cuttable[end] else end - 1


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


def embed_size(embed: discord.Embed) -> int:
    """Characters Discord counts toward a message's 6000-character embed total."""
    size = len(embed.title or "") + len(embed.description or "")
    size += len(embed.footer.text or "") + len(embed.author.name or "")
    return size + sum(len(f.name or "") + len(f.value or "") for f in embed.fields)


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


# ----------------------------------------------------------------- comments


# An opening bracket not already escaped: an even run of backslashes (pairs) before it.
_BARE_BRACKET = re.compile(r"(?<!\\)((?:\\\\)*)\[")


def escape_fragment(text: str) -> str:
    """Escape a fragment of text that is shown next to other fragments (around a bold
    quote, or a quote and its suggestion).

    ``escape`` only defuses a masked link ``[text](url)`` it sees whole; cut at the
    quote, "[" and "](url)" land in different pieces and would join again into a live,
    disguised link. Escaping every bracket that opens one keeps it text.
    """
    return _BARE_BRACKET.sub(r"\1\\[", escape(text))


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
    notes.append(f"reply with /comment reply comment:{comment.number}")
    embed.set_footer(text=" · ".join(notes))
    return embed


def comment_status_label(comment: Comment) -> str:
    """The status a card's footer shows; its colour follows it."""
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


# -------------------------------------------------------------------- lists


def excerpt_status_label(excerpt: Excerpt) -> str:
    return {ExcerptStatus.OPEN: "open", ExcerptStatus.CLOSED: "🔒 closed"}.get(excerpt.status, "")


def pages_of(
    entries: Sequence[str], *, per_page: int, limit: int = EMBED_DESCRIPTION_LIMIT
) -> list[str]:
    """Group rendered entries into page texts that fit an embed description."""
    pages: list[str] = []
    current: list[str] = []
    size = 0
    for entry in entries:
        entry = shorten(entry, limit)
        if current and (len(current) >= per_page or size + len(entry) + 1 > limit):
            pages.append("\n".join(current))
            current, size = [], 0
        current.append(entry)
        size += len(entry) + 1
    if current:
        pages.append("\n".join(current))
    return pages
