"""Escaping user text for Discord, and cutting rendered text to Discord's limits.

Every user-typed text reaches Discord through one of these: ``escape`` for message
content, ``escape_embed`` inside embeds, ``escape_fragment`` for pieces shown side by
side, ``plain`` where Discord shows no markdown (names, choices).
"""

from __future__ import annotations

import re
import unicodedata

import discord

from bot.formatting import one_line

CONTINUATION = "↪ "

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


def plain(text: str, limit: int) -> str:
    """Single-line text for places Discord shows without markdown (names, choices)."""
    return one_line(text, limit)


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
