"""The exchange's actions: setup, the posting gate, balances, grants and the queue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.errors import InvalidInput, NotAllowed
from bot.exchange._credit import penalty
from bot.exchange._words import format_halves, parse_halves
from bot.exchange_models import EntryKind, ExchangeSettings, LedgerEntry, QueueItem
from bot.formatting import one_line
from bot.models import Actor

if TYPE_CHECKING:
    from bot.storage import Store
    from bot.storage.interface import ExchangeStore

DEFAULT_STARTING = 2
DEFAULT_COST = 3
DEFAULT_EXTRA_COST = 4
SETTING_RANGE = range(0, 51)
# A grant moves at most this many credits either way.
MAX_GRANT = 1000
MAX_REASON_CHARS = 200
SHOWN_ENTRIES = 10
QUEUE_PAGE = 10
SUGGESTED = 3
# /queue next names at most this many uncommented ranges.
SHOWN_GAPS = 3


class NotEnoughCredits(InvalidInput):
    """Posting refused: the balance is below the price. ``suggestions`` name excerpts from
    the queue to critique first."""

    def __init__(self, balance: int, price: int, suggestions: list[QueueItem]) -> None:
        named = ", ".join(f"#{item.excerpt_number}" for item in suggestions)
        message = (
            f"Posting costs {format_halves(price)} credits here and your balance is "
            f"{format_halves(balance)}, so nothing was posted. Critique other members' "
            "excerpts to earn credits (150 words or more each)"
            + (f": try {named} (`/queue next` picks one for you)." if named else ".")
        )
        super().__init__(message)
        self.balance = balance
        self.price = price
        self.suggestions = suggestions


@dataclass(frozen=True, slots=True)
class Balance:
    member_id: int
    halves: int
    entries: list[LedgerEntry]
    enabled: bool


@dataclass(frozen=True, slots=True)
class QueuePick:
    """What /queue next offers: the excerpt and the line ranges nobody commented on."""

    item: QueueItem
    title: str
    author_name: str
    thread_id: int | None
    uncommented: list[tuple[int, int]]
    # The author's focus, once excerpts carry one (None until then).
    focus: str | None = None


def score(item: QueueItem, now: datetime) -> float:
    """The SPEC's score: 10·R − min(6·days, 60) − 5·√min(C, 100) − 20 if first."""
    days = max(0, (now.date() - item.posted_at.date()).days)  # whole UTC days
    return item.base / 1000 - min(6 * days, 60)


def uncommented(ranges: list[tuple[int, int]], line_count: int) -> list[tuple[int, int]]:
    """The runs of lines 1..line_count no range covers, in order."""
    covered = [False] * (line_count + 2)
    for first, last in ranges:
        for line in range(max(1, first), min(line_count, last) + 1):
            covered[line] = True
    gaps: list[tuple[int, int]] = []
    start: int | None = None
    for line in range(1, line_count + 2):
        if line <= line_count and not covered[line]:
            start = line if start is None else start
        elif start is not None:
            gaps.append((start, line - 1))
            start = None
    return gaps


def check_setting(value: int, name: str) -> int:
    if value not in SETTING_RANGE:
        raise InvalidInput(f"`{name}` must be a whole number from 0 to 50; {value} is not.")
    return value


async def posting_price(exchange: ExchangeStore, settings: ExchangeSettings, author_id: int) -> int:
    """cost + extra_cost × the author's excerpts still in the queue, in half credits."""
    queued = await exchange.queued_by(settings.guild_id, author_id)
    return 2 * (settings.cost + settings.extra_cost * queued)


async def balance_of(
    exchange: ExchangeStore, settings: ExchangeSettings, member_id: int, now: datetime
) -> int:
    """A member's balance, entering their starting credits the first time they are seen."""
    if await exchange.mark_started(settings.guild_id, member_id) and settings.starting:
        await exchange.add_entry(
            guild_id=settings.guild_id,
            member_id=member_id,
            halves=2 * settings.starting,
            kind=EntryKind.START,
            now=now,
        )
    return await exchange.balance(settings.guild_id, member_id)


class ExchangeService:
    def __init__(self, database: Store, clock: Callable[[], datetime]) -> None:
        self.db = database
        self._now = clock

    async def settings(self, guild_id: int) -> ExchangeSettings:
        async with self.db.read() as session:
            found = await session.exchange.get_settings(guild_id)
        return found or _defaults(guild_id)

    async def setup(
        self,
        *,
        guild_id: int,
        member: Actor,
        enabled: bool,
        starting: int | None = None,
        cost: int | None = None,
        extra_cost: int | None = None,
    ) -> ExchangeSettings:
        if not member.can_manage_server:
            raise NotAllowed("Only members with Manage Server can set up the exchange.")
        async with self.db.transaction() as tx:
            current = await tx.exchange.get_settings(guild_id) or _defaults(guild_id)
            wanted = ExchangeSettings(
                guild_id=guild_id,
                enabled=enabled,
                starting=check_setting(
                    current.starting if starting is None else starting, "starting"
                ),
                cost=check_setting(current.cost if cost is None else cost, "cost"),
                extra_cost=check_setting(
                    current.extra_cost if extra_cost is None else extra_cost, "extra_cost"
                ),
            )
            await tx.exchange.save_settings(wanted, member.id, self._now())
        return wanted

    async def balance(self, *, guild_id: int, member: Actor, of: int | None = None) -> Balance:
        target = member.id if of is None else of
        if target != member.id and not member.is_moderator:
            raise NotAllowed("Only moderators can see another member's balance.")
        async with self.db.transaction() as tx:
            settings = await tx.exchange.get_settings(guild_id) or _defaults(guild_id)
            if settings.enabled:
                halves = await balance_of(tx.exchange, settings, target, self._now())
            else:
                halves = await tx.exchange.balance(guild_id, target)
            entries = await tx.exchange.last_entries(guild_id, target, SHOWN_ENTRIES)
        return Balance(target, halves, entries, settings.enabled)

    async def grant(
        self, *, guild_id: int, member: Actor, to: int, amount: str, reason: str
    ) -> int:
        """Add a moderator's grant (negative allowed); the member's new balance."""
        if not member.is_moderator:
            raise NotAllowed("Only moderators can grant credits.")
        halves = parse_halves(amount, MAX_GRANT)
        if halves is None or halves == 0:
            raise InvalidInput(
                "“{typed}” is not an amount of credits. Use a whole or half number such as "
                f"`1`, `-2` or `0.5`, at most {MAX_GRANT:,} either way.",
                typed=one_line(amount, 40),
            )
        why = " ".join(reason.split())
        if not why:
            raise InvalidInput("Please give a reason for the grant.")
        if len(why) > MAX_REASON_CHARS:
            raise InvalidInput(
                f"The reason is {len(why):,} characters long; the limit is {MAX_REASON_CHARS}."
            )
        now = self._now()
        async with self.db.transaction() as tx:
            settings = await tx.exchange.get_settings(guild_id) or _defaults(guild_id)
            if settings.enabled:
                await balance_of(tx.exchange, settings, to, now)
            await tx.exchange.add_entry(
                guild_id=guild_id,
                member_id=to,
                halves=halves,
                kind=EntryKind.GRANT,
                reason=why,
                granted_by=member.id,
                now=now,
            )
            return await tx.exchange.balance(guild_id, to)

    async def queue_page(self, guild_id: int, page: int) -> tuple[list[QueueItem], int]:
        """One page of the queue in order, and how many excerpts it holds."""
        async with self.db.read() as session:
            total = await session.exchange.queue_size(guild_id)
            items = await session.exchange.queue(
                guild_id, self._now().date(), offset=page * QUEUE_PAGE, limit=QUEUE_PAGE
            )
        return items, total

    async def queue_next(self, guild_id: int, member: Actor) -> QueuePick | None:
        """The excerpt the member should critique now, or None when nothing is waiting."""
        async with self.db.read() as session:
            picks = await _suggest(session.exchange, guild_id, member.id, self._now(), 1)
            for item in picks:
                excerpt = await session.excerpts.get_excerpt(guild_id, item.excerpt_number)
                if excerpt is None:
                    continue
                ranges = await session.exchange.commented_ranges(excerpt.id)
                return QueuePick(
                    item=item,
                    title=excerpt.title,
                    author_name=excerpt.author_name,
                    thread_id=excerpt.thread_id,
                    uncommented=uncommented(ranges, excerpt.line_count)[:SHOWN_GAPS],
                    focus=excerpt.focus,
                )
        return None


async def _suggest(
    exchange: ExchangeStore, guild_id: int, reader_id: int, now: datetime, wanted: int
) -> list[QueueItem]:
    """The first ``wanted`` excerpts of the queue the reader has neither written nor
    critiqued: the queue read just far enough past those they already critiqued."""
    done = await exchange.critiqued_by(guild_id, reader_id)
    today = now.date()
    limit = wanted + len(done)
    # The first eligible excerpts in base order (an index walk, no sort) bound the answer:
    # a score is base − 6000·min(days, 10), so an excerpt whose base is above the worst of
    # their scores + 60,000 cannot win. Only those under the bound are sorted by score.
    horizon = today.toordinal() - 10
    in_base_order = await exchange.queue(
        guild_id, today, offset=0, limit=limit, skip_author=reader_id, by_base=True
    )
    eligible = [item for item in in_base_order if item.excerpt_number not in done][:wanted]
    if not eligible:
        return []
    worst = max(
        item.base + 6000 * max(item.posted_at.date().toordinal(), horizon) for item in eligible
    )
    items = await exchange.queue(
        guild_id,
        today,
        offset=0,
        limit=limit,
        skip_author=reader_id,
        max_base=worst - 6000 * horizon,
    )
    return [item for item in items if item.excerpt_number not in done][:wanted]


def _defaults(guild_id: int) -> ExchangeSettings:
    return ExchangeSettings(
        guild_id=guild_id,
        enabled=False,
        starting=DEFAULT_STARTING,
        cost=DEFAULT_COST,
        extra_cost=DEFAULT_EXTRA_COST,
    )


async def check_can_post(
    exchange: ExchangeStore, guild_id: int, author_id: int, now: datetime
) -> None:
    """Refuse a new excerpt (``NotEnoughCredits``) when the exchange is on and the author's
    balance is below its price. Call inside the transaction that stores it."""
    settings = await exchange.get_settings(guild_id)
    if settings is None or not settings.enabled:
        return
    balance = await balance_of(exchange, settings, author_id, now)
    price = await posting_price(exchange, settings, author_id)
    if balance < price or balance < 0:
        suggestions = await _suggest(exchange, guild_id, author_id, now, SUGGESTED)
        raise NotEnoughCredits(balance, price, suggestions)


async def book_posted(
    exchange: ExchangeStore,
    *,
    guild_id: int,
    excerpt_id: int,
    excerpt_number: int,
    author_id: int,
    now: datetime,
) -> None:
    """A new excerpt is live: charge its price (exchange on) and put it in the queue.
    Call inside the transaction that marks it posted."""
    settings = await exchange.get_settings(guild_id)
    if settings is not None and settings.enabled:
        price = await posting_price(exchange, settings, author_id)
        if price:
            await exchange.add_entry(
                guild_id=guild_id,
                member_id=author_id,
                halves=-price,
                kind=EntryKind.POSTING,
                excerpt_number=excerpt_number,
                now=now,
            )
    given = await exchange.given(guild_id, author_id)
    await exchange.enqueue(
        guild_id=guild_id,
        excerpt_id=excerpt_id,
        excerpt_number=excerpt_number,
        author_id=author_id,
        penalty=penalty(given),
        now=now,
    )
