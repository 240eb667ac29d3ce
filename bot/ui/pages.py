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
