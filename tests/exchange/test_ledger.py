"""The ledger and the live credit, on a real database: the abuse list of the exchange."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.errors import InvalidInput, NotAllowed
from bot.exchange import ExchangeService, NotEnoughCredits, credit_halves
from bot.models import Actor
from bot.storage import store_for
from bot.workshop import Workshop
from tests.helpers import AUTHOR, GUILD, MODERATOR, READER, Clock, posted

ADMIN = Actor(4, "Ada", is_moderator=True, can_manage_server=True)
OTHER = Actor(5, "Cy")


@pytest_asyncio.fixture
async def services(db_path: Path | str) -> AsyncIterator[tuple[Workshop, ExchangeService]]:
    database = store_for(db_path)
    await database.open()
    clock = Clock(step=timedelta(seconds=1))
    yield Workshop(database, clock), ExchangeService(database, clock)
    await database.close()


def prose(n: int, seed: str = "w") -> str:
    """``n`` words nobody's story holds, a text of its own for each ``seed``."""
    return " ".join([seed, *["ab"] * (n - 1)])


async def comment(workshop: Workshop, number: int, text: str, member: Actor = READER) -> int:
    added = await workshop.comments.add_comment(
        guild_id=GUILD, excerpt_number=number, member=member, line_spec="1", text=text
    )
    return added.comment.number


async def balance(exchange: ExchangeService, member: Actor) -> int:
    return (await exchange.balance(guild_id=GUILD, member=member)).halves


async def entries(workshop: Any, member: Actor) -> list[tuple[int, str]]:
    async with workshop.db.read() as session:
        rows = await session.connection.execute_fetchall(
            "SELECT halves, kind FROM ledger WHERE member_id = ? ORDER BY id", (member.id,)
        )
    return [(int(r[0]), str(r[1])) for r in rows]


async def test_credit_follows_the_words_live(services):
    workshop, exchange = services
    number = await posted(workshop)
    first = await comment(workshop, number, prose(160))
    assert await balance(exchange, READER) == 1
    await comment(workshop, number, prose(200, "v"))
    assert await balance(exchange, READER) == 2  # 360 words: one credit (½ more at 600)
    await workshop.comments.edit_comment(
        guild_id=GUILD, comment_number=first, member=READER, text=prose(10)
    )
    assert await balance(exchange, READER) == 1  # 210 words
    await workshop.comments.delete_comment(guild_id=GUILD, comment_number=first, member=READER)
    assert await balance(exchange, READER) == 1
    assert [kind for _, kind in await entries(workshop, READER)] == ["critique"] * 3


async def test_pasting_the_story_earns_nothing(services):
    workshop, exchange = services
    number = await posted(workshop, lines=400)
    story = " ".join(f"Line {n} of the keeper's tale." for n in range(1, 120))
    await comment(workshop, number, story[:1400])
    await comment(workshop, number, "Nice. " + story[1400:2800])
    assert await balance(exchange, READER) == 0
    assert await entries(workshop, READER) == []


async def test_one_comment_repeated_twenty_times_counts_once(services):
    workshop, exchange = services
    number = await posted(workshop)
    text = prose(200)
    for line in range(1, 21):
        await workshop.comments.add_comment(
            guild_id=GUILD, excerpt_number=number, member=READER, line_spec=str(line % 5 + 1),
            text=text,
        )  # fmt: skip
    assert await balance(exchange, READER) == 1  # 200 words, not 4,000


async def test_ones_own_excerpt_never_counts(services):
    workshop, exchange = services
    number = await posted(workshop)
    for seed in "abc":
        await comment(workshop, number, prose(300, seed), member=AUTHOR)
    assert await balance(exchange, AUTHOR) == 0
    assert await entries(workshop, AUTHOR) == []


async def test_deleting_after_spending_refuses_posting_until_positive(services):
    workshop, exchange = services
    other = await posted(workshop, author=OTHER)  # before the exchange is on
    await exchange.setup(
        guild_id=GUILD, member=ADMIN, enabled=True, starting=0, cost=1, extra_cost=0
    )
    critique = await comment(workshop, other, prose(320))
    assert await balance(exchange, READER) == 2
    await posted(workshop, author=READER)
    assert await balance(exchange, READER) == 0
    await workshop.comments.delete_comment(guild_id=GUILD, comment_number=critique, member=READER)
    assert await balance(exchange, READER) == -2
    with pytest.raises(NotEnoughCredits, match="balance is -1"):
        await posted(workshop, author=READER)
    await exchange.grant(guild_id=GUILD, member=MODERATOR, to=READER.id, amount="1", reason="x")
    with pytest.raises(NotEnoughCredits):
        await posted(workshop, author=READER)  # 0 credits: short of a price of 1
    await exchange.grant(guild_id=GUILD, member=MODERATOR, to=READER.id, amount="1", reason="x")
    await posted(workshop, author=READER)


async def test_a_refused_post_names_queue_excerpts_and_stores_nothing(services):
    workshop, exchange = services
    waiting = [await posted(workshop, author=OTHER) for _ in range(4)]
    await exchange.setup(guild_id=GUILD, member=ADMIN, enabled=True, starting=1)
    with pytest.raises(NotEnoughCredits) as refused:
        await posted(workshop, author=READER)
    assert refused.value.balance == 2 and refused.value.price == 6
    assert [item.excerpt_number for item in refused.value.suggestions] == waiting[:3]
    async with workshop.db.read() as session:
        stored = await session.connection.execute_fetchall(
            "SELECT COUNT(*) FROM excerpts WHERE author_id = ?", (READER.id,)
        )
    assert next(iter(stored))[0] == 0


async def test_the_price_grows_with_excerpts_in_the_queue_and_revisions_are_free(services):
    workshop, exchange = services
    await exchange.setup(
        guild_id=GUILD, member=ADMIN, enabled=True, starting=50, cost=3, extra_cost=4
    )
    await posted(workshop)
    await posted(workshop)
    assert await balance(exchange, AUTHOR) == 2 * (50 - 3 - 7)
    kinds = [kind for _, kind in await entries(workshop, AUTHOR)]
    assert kinds == ["start", "posting", "posting"]


@pytest.mark.parametrize("amount", ["abc", "0.3", "1e9", "0", "", "99999"])
async def test_bad_amounts_write_nothing(services, amount):
    workshop, exchange = services
    with pytest.raises(InvalidInput):
        await exchange.grant(
            guild_id=GUILD, member=MODERATOR, to=READER.id, amount=amount, reason="r"
        )
    assert await entries(workshop, READER) == []


async def test_grants_need_a_short_reason_and_a_moderator(services):
    workshop, exchange = services
    with pytest.raises(InvalidInput, match="limit is 200"):
        await exchange.grant(
            guild_id=GUILD, member=MODERATOR, to=READER.id, amount="1", reason="r" * 201
        )
    with pytest.raises(NotAllowed):
        await exchange.grant(guild_id=GUILD, member=AUTHOR, to=READER.id, amount="1", reason="r")
    with pytest.raises(NotAllowed):
        await exchange.balance(guild_id=GUILD, member=AUTHOR, of=READER.id)
    assert await entries(workshop, READER) == []
    assert (
        await exchange.grant(
            guild_id=GUILD, member=MODERATOR, to=READER.id, amount="-0.5", reason="oops"
        )
        == -1
    )


@pytest.mark.parametrize("setting", ["starting", "cost", "extra_cost"])
@pytest.mark.parametrize("value", [-1, 51])
async def test_settings_out_of_range_are_refused(services, setting, value):
    _workshop, exchange = services
    with pytest.raises(InvalidInput, match="from 0 to 50"):
        await exchange.setup(guild_id=GUILD, member=ADMIN, enabled=True, **{setting: value})
    assert not (await exchange.settings(GUILD)).enabled
    with pytest.raises(NotAllowed):
        await exchange.setup(guild_id=GUILD, member=MODERATOR, enabled=True)


async def test_500_concurrent_comments_credit_exactly_once(services):
    workshop, exchange = services
    number = await posted(workshop)
    texts = [prose(3, f"c{i}") for i in range(500)]  # 1,500 distinct words in all
    await asyncio.gather(*(comment(workshop, number, text) for text in texts))
    assert await balance(exchange, READER) == credit_halves(1500) == 4
    assert sum(h for h, _ in await entries(workshop, READER)) == 4
    async with workshop.db.read() as session:
        rows = await session.connection.execute_fetchall(
            "SELECT words, halves FROM critiques WHERE reader_id = ?", (READER.id,)
        )
    assert [tuple(r) for r in rows] == [(1500, 4)]


async def test_thanks_give_half_a_credit_once_per_reader_per_excerpt(services):
    workshop, exchange = services
    number = await posted(workshop)
    first = await comment(workshop, number, "short")
    second = await comment(workshop, number, "also short")
    await workshop.comments.thank(guild_id=GUILD, comment_number=first, member=AUTHOR)
    await workshop.comments.thank(guild_id=GUILD, comment_number=second, member=AUTHOR)
    assert await balance(exchange, READER) == 1
    with pytest.raises(Exception, match="already"):
        await workshop.comments.thank(guild_id=GUILD, comment_number=first, member=AUTHOR)
    with pytest.raises(NotAllowed):
        await workshop.comments.thank(guild_id=GUILD, comment_number=first, member=OTHER)
    own = await comment(workshop, number, "mine", member=AUTHOR)
    with pytest.raises(NotAllowed):
        await workshop.comments.thank(guild_id=GUILD, comment_number=own, member=AUTHOR)


async def test_a_member_who_left_keeps_their_ledger(services):
    # Leaving a server touches nothing of ours: the ledger is keyed by member id only.
    workshop, exchange = services
    number = await posted(workshop)
    await comment(workshop, number, prose(300))
    assert (await exchange.balance(guild_id=GUILD, member=MODERATOR, of=READER.id)).halves == 2
