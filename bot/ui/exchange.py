"""Rendering for the critique exchange: settings, balances, the queue, what /queue next says."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.exchange import (
    QUEUE_PAGE,
    Balance,
    EntryKind,
    ExchangeService,
    ExchangeSettings,
    LedgerEntry,
    QueuePick,
    format_halves,
    score,
)
from bot.formatting import plural
from bot.ui.escaping import escape, plain
from bot.ui.views import Page

EXCHANGE_COLOUR = discord.Colour.gold()


def credits(halves: int) -> str:
    return f"{format_halves(halves)} credit{'' if halves in (2, -2) else 's'}"


def settings_text(settings: ExchangeSettings) -> str:
    if not settings.enabled:
        return (
            "The critique exchange is **off**: posting is free. The queue (`/queue list`, "
            "`/queue next`) still shows who is waiting for critique."
        )
    return (
        "The critique exchange is **on**. Posting an excerpt costs "
        f"**{settings.cost}** credits, plus **{settings.extra_cost}** for each of the "
        f"author's excerpts still in the queue; members start with **{settings.starting}**. "
        "A critique of someone else's excerpt earns ½ credit from 150 words, 1 from 300, "
        "½ more per 300 after that (at most 2); quoted story text and repeats don't count. "
        "Revisions are free."
    )


def entry_line(entry: LedgerEntry) -> str:
    when = f"<t:{int(entry.created_at.timestamp())}:d>"
    amount = ("+" if entry.halves > 0 else "") + format_halves(entry.halves)
    what = {
        EntryKind.START: "starting credits",
        EntryKind.CRITIQUE: f"critique of #{entry.excerpt_number}",
        EntryKind.POSTING: f"posting #{entry.excerpt_number}",
        EntryKind.THANKS: f"thanks on #{entry.excerpt_number}",
        EntryKind.GRANT: f"grant by <@{entry.granted_by}>: “{escape(entry.reason or '')}”",
    }[entry.kind]
    return f"`{amount:>5}` {what} · {when}"


def balance_embed(balance: Balance, name: str) -> discord.Embed:
    embed = discord.Embed(
        title=f"{plain(name, 80)}: {credits(balance.halves)}", colour=EXCHANGE_COLOUR
    )
    lines = [entry_line(entry) for entry in balance.entries]
    embed.description = "\n".join(lines) if lines else "No ledger entries yet."
    if not balance.enabled:
        embed.set_footer(text="The exchange is off in this server: posting is free.")
    return embed


class QueuePages:
    """The queue, a page per button press (a :class:`~bot.ui.views.PageSource`)."""

    def __init__(self, exchange: ExchangeService, guild_id: int, now: datetime) -> None:
        self.exchange = exchange
        self.guild_id = guild_id
        self.now = now

    async def page(self, key: int | None, number: int) -> Page[int] | None:
        index = key or 0
        items, total = await self.exchange.queue_page(self.guild_id, index)
        if not items:
            return None
        pages = max(1, -(-total // QUEUE_PAGE))
        lines = []
        for position, item in enumerate(items, start=index * QUEUE_PAGE + 1):
            days = max(0, (self.now.date() - item.posted_at.date()).days)
            lines.append(
                f"{position}. **#{item.excerpt_number}** by <@{item.author_id}> · "
                f"{plural(item.critiques, 'critique')} · waiting {plural(days, 'day')}"
                f" · score {score(item, self.now):.0f}"
            )
        embed = discord.Embed(
            title=f"📚 The queue: {plural(total, 'excerpt')} waiting for critique",
            description="\n".join(lines),
            colour=EXCHANGE_COLOUR,
        )
        embed.set_footer(text="Lowest score first · `/queue next` picks one for you")
        return Page(embed, index + 1 if index + 1 < pages else None, pages)


def ranges_text(ranges: list[tuple[int, int]]) -> str:
    parts = [f"{a}" if a == b else f"{a}–{b}" for a, b in ranges]
    noun = "line" if len(ranges) == 1 and ranges[0][0] == ranges[0][1] else "lines"
    return f"{noun} {', '.join(parts)}"


def next_text(pick: QueuePick | None, guild_id: int) -> str:
    if pick is None:
        return (
            "Nothing in the queue is waiting for you: every excerpt there is yours or "
            "already has your critique. Thank you!"
        )
    item = pick.item
    where = f"https://discord.com/channels/{guild_id}/{pick.thread_id}" if pick.thread_id else ""
    lines = [
        f"📖 Critique next: **#{item.excerpt_number} {escape(plain(pick.title, 90))}** by "
        f"{escape(plain(pick.author_name, 80))} ({plural(item.critiques, 'critique')} so far)."
        + (f" {where}" if where else "")
    ]
    if pick.focus:
        lines.append(f"The author asks for feedback on: {escape(plain(pick.focus, 300))}")
    if pick.uncommented:
        lines.append(f"👀 {ranges_text(pick.uncommented)} have no comments yet.")
    lines.append(
        f"Start with `/comment add excerpt:{item.excerpt_number}`; 150 words or more "
        "of your own make a critique that counts."
    )
    return "\n".join(lines)
