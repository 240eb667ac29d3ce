"""Notifications in the core: who hears what, the outbox, claims and local times."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest_asyncio
from hypothesis import given
from hypothesis import strategies as st

from bot.models import NotifyEvent, NotifyMode
from bot.notifications import NotificationService
from bot.schedule import next_time_after
from bot.storage import store_for
from bot.workshop import Workshop
from tests.helpers import AUTHOR, GUILD, READER, Clock, posted

NEW_YORK = ZoneInfo("America/New_York")


@pytest_asyncio.fixture
async def world(db_path: Path | str) -> AsyncIterator[tuple[Workshop, NotificationService, Clock]]:
    database = store_for(db_path)
    await database.open()
    clock = Clock(now=datetime(2026, 3, 7, 12, tzinfo=UTC))
    yield Workshop(database, clock), NotificationService(database, clock), clock
    await database.close()


def test_the_next_local_time_follows_daylight_saving() -> None:
    six = time(18, 0)
    saturday = next_time_after(datetime(2026, 3, 7, 12, tzinfo=UTC), six, NEW_YORK)
    assert saturday == datetime(2026, 3, 7, 23, tzinfo=UTC)  # EST
    sunday = next_time_after(saturday, six, NEW_YORK)
    assert sunday == datetime(2026, 3, 8, 22, tzinfo=UTC)  # EDT: an hour earlier in UTC


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
    ),
    st.times(),
    st.sampled_from(["UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe"]),
)
def test_the_next_local_time_is_always_later_and_within_a_day_and_a_bit(
    moment: datetime, at: time, zone: str
) -> None:
    found = next_time_after(moment, at, ZoneInfo(zone))
    assert moment < found <= moment + timedelta(hours=26)


async def test_nobody_hears_of_their_own_action_and_off_means_nothing(world) -> None:
    workshop, service, clock = world
    number = await posted(workshop)
    await workshop.comments.add_comment(
        guild_id=GUILD, excerpt_number=number, member=AUTHOR, line_spec="1", text="Me."
    )
    await service.change(READER.id, mode=NotifyMode.OFF)
    first = await workshop.comments.add_comment(
        guild_id=GUILD, excerpt_number=number, member=READER, line_spec="1", text="Hi."
    )
    await workshop.comments.reply(
        guild_id=GUILD, comment_number=first.comment.number, member=AUTHOR, text="Thanks."
    )
    clock.now = datetime(2026, 3, 8, 0, tzinfo=UTC)
    [message] = await service.claim_due(10)
    assert message.settings.member_id == AUTHOR.id
    assert [notice.event for notice in message.notices] == [NotifyEvent.COMMENT]
    assert await service.claim_due(10) == []  # claimed once


async def test_a_daily_member_whose_news_came_after_the_slot_waits_for_the_next(world) -> None:
    workshop, service, clock = world
    number = await posted(workshop)
    await service.change(AUTHOR.id, mode=NotifyMode.DAILY, at="09:00", time_zone="UTC")
    clock.now = datetime(2026, 3, 10, 12, tzinfo=UTC)  # the stored slot (8 March) is stale
    await workshop.comments.add_comment(
        guild_id=GUILD, excerpt_number=number, member=READER, line_spec="1", text="Hi."
    )
    assert await service.claim_due(10) == []
    clock.now = datetime(2026, 3, 11, 8, 59, tzinfo=UTC)
    assert await service.claim_due(10) == []
    clock.now = datetime(2026, 3, 11, 9, 0, 30, tzinfo=UTC)
    assert len(await service.claim_due(10)) == 1


async def test_two_processes_claim_each_message_once(world, db_path) -> None:
    """Two bot processes over one database race for the same due messages: every event
    goes out in exactly one of them."""
    workshop, service, clock = world
    number = await posted(workshop)
    readers = [READER.__class__(100 + n, f"Reader {n}") for n in range(6)]
    for reader in readers:
        await service.change(reader.id, mode=NotifyMode.INSTANT)
    for round_ in range(4):
        for reader in readers:
            added = await workshop.comments.add_comment(
                guild_id=GUILD,
                excerpt_number=number,
                member=reader,
                line_spec="1",
                text=f"Note {round_} by {reader.display_name}.",
            )
            await workshop.comments.reply(
                guild_id=GUILD, comment_number=added.comment.number, member=AUTHOR, text="Thanks."
            )
    other_store = store_for(db_path)
    await other_store.open()
    try:
        other = NotificationService(other_store, clock)
        clock.now += timedelta(minutes=5)
        first, second = await asyncio.gather(service.claim_due(100), other.claim_due(100))
    finally:
        await other_store.close()
    sent = [
        (message.settings.member_id, notice.detail)
        for message in [*first, *second]
        for notice in message.notices
    ]
    assert len(sent) == len(set(sent)) == 24  # each reader: four replies, each heard once
    assert {member for member, _ in sent} == {reader.id for reader in readers}
