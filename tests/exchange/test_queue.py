"""The queue: the SPEC's score, leaving at 3 substantive critiques, what /queue next offers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest_asyncio

from bot.exchange import ExchangeService, uncommented
from bot.models import Actor
from bot.storage import store_for
from bot.workshop import Workshop
from tests.helpers import AUTHOR, GUILD, READER, Clock, posted

READERS = [Actor(10 + n, f"R{n}") for n in range(4)]
OTHER = Actor(5, "Cy")


@pytest_asyncio.fixture
async def setup(db_path: Path | str) -> AsyncIterator[tuple[Workshop, ExchangeService, Clock]]:
    database = store_for(db_path)
    await database.open()
    clock = Clock()
    yield Workshop(database, clock), ExchangeService(database, clock), clock
    await database.close()


async def critique(workshop: Workshop, number: int, reader: Actor, words: int = 200) -> None:
    await workshop.comments.add_comment(
        guild_id=GUILD,
        excerpt_number=number,
        member=reader,
        line_spec="1",
        text=" ".join([reader.display_name, *["ab"] * (words - 1)]),
    )


async def order(exchange: ExchangeService) -> list[int]:
    items, _total = await exchange.queue_page(GUILD, 0)
    return [item.excerpt_number for item in items]


async def test_first_excerpts_and_waiting_come_first(setup):
    workshop, exchange, clock = setup
    first = await posted(workshop, author=AUTHOR)  # AUTHOR's first: −20
    clock.now += timedelta(days=1)
    second = await posted(workshop, author=AUTHOR)  # not a first
    third = await posted(workshop, author=OTHER)  # OTHER's first
    # first: −20 −6 (a day waiting); third: −20; second: 0.
    assert await order(exchange) == [first, third, second]
    clock.now += timedelta(days=30)  # waiting is capped at 60: the firsts stay ahead
    assert await order(exchange) == [first, third, second]


async def test_an_excerpt_leaves_at_three_critiques_and_authors_who_give_rise(setup):
    workshop, exchange, _clock = setup
    number = await posted(workshop, author=AUTHOR)
    other = await posted(workshop, author=OTHER)
    assert await order(exchange) == [number, other]  # both firsts: oldest first
    await critique(workshop, number, READERS[0])
    assert await order(exchange) == [other, number]  # R = 1: +10
    await critique(workshop, number, READERS[1])
    await critique(workshop, number, READERS[2], words=100)  # not substantive
    assert await order(exchange) == [other, number]
    await critique(workshop, number, READERS[3])
    assert await order(exchange) == [other]  # 3 substantive critiques: out
    # OTHER critiques: C = 1 lowers their excerpt's score by 5.
    await critique(workshop, number, OTHER)
    items, _ = await exchange.queue_page(GUILD, 0)
    assert items[0].base == -20000 - 5000


async def test_next_skips_own_and_critiqued_and_closed(setup):
    workshop, exchange, _clock = setup
    mine = await posted(workshop, author=READER)
    done = await posted(workshop, author=AUTHOR)
    waiting = await posted(workshop, author=OTHER, lines=40)
    await critique(workshop, done, READER)
    pick = await exchange.queue_next(GUILD, READER)
    assert pick is not None and pick.item.excerpt_number == waiting
    assert pick.uncommented == [(1, 40)] and pick.focus is None
    await workshop.excerpts.set_excerpt_open(GUILD, waiting, OTHER, open_=False)
    assert await exchange.queue_next(GUILD, READER) is None
    assert mine in await order(exchange)


def test_uncommented_ranges() -> None:
    assert uncommented([(3, 5), (4, 9), (12, 12)], 14) == [(1, 2), (10, 11), (13, 14)]
    assert uncommented([], 3) == [(1, 3)]
    assert uncommented([(1, 3)], 3) == []
