"""Discord's size limits, and fitting rendered entries into pages that respect them.

An embed description holds 4096 characters, a message's embeds 6000 characters in all
and at most 10 embeds.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.formatting import shorten

EMBED_DESCRIPTION_LIMIT = 4096
MESSAGE_EMBED_TOTAL_LIMIT = 6000
EMBEDS_PER_MESSAGE = 10


def embed_size(embed: discord.Embed) -> int:
    """Characters Discord counts toward a message's 6000-character embed total."""
    size = len(embed.title or "") + len(embed.description or "")
    size += len(embed.footer.text or "") + len(embed.author.name or "")
    return size + sum(len(f.name or "") + len(f.value or "") for f in embed.fields)


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


def fill_page(
    entries: Sequence[str], *, per_page: int, limit: int = EMBED_DESCRIPTION_LIMIT
) -> tuple[str, int]:
    """The first page :func:`pages_of` would make of ``entries``, and how many it holds:
    a page fetched on its own looks exactly like the same page of the whole list."""
    page = pages_of(entries[:per_page], per_page=per_page, limit=limit)[:1]
    if not page:
        return "", 0
    return page[0], _held(page[0], entries, limit)


def _held(page: str, entries: Sequence[str], limit: int) -> int:
    """How many of ``entries`` open ``page`` (joined by newlines)."""
    size = -1
    for count, entry in enumerate(entries, start=1):
        size += len(shorten(entry, limit)) + 1
        if size >= len(page):
            return count
    return len(entries)


def pages_estimate(number: int, shown_after: int, per_page: int) -> int:
    """Page ``number`` of a list with ``shown_after`` entries still after it: how many
    pages in all, if the rest fill whole pages."""
    return number + -(-max(0, shown_after) // per_page)
