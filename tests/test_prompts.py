"""Daily prompts without Discord: the schedule table, claiming, the rotation and the rules."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
import pytest_asyncio

from bot.errors import InvalidInput, NotAllowed, NotFound, WrongState
from bot.models import ShardSet
from bot.prompt_library import LibraryPrompt, library_key
from bot.prompts import PromptService
from bot.storage import Database, store_for
from bot.storage import prompts as prompt_sql
from tests import helpers
from tests.helpers import Clock

GUILD = 100
OTHER = 200
CHANNEL = 10


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def library(*texts: str) -> tuple[LibraryPrompt, ...]:
    return tuple(LibraryPrompt(library_key(text), "plot", text) for text in texts)


@pytest.fixture
def clock() -> Clock:
    return Clock(at("2026-03-28T08:00:00"))


@pytest_asyncio.fixture
async def service(db_path: Path | str, clock: Clock) -> AsyncIterator[PromptService]:
    database = store_for(db_path)
    await database.open()
    yield PromptService(database, clock, library("One.", "Two.", "Three."))
    await database.close()


async def london_at_nine(service: PromptService, guild: int = GUILD) -> None:
    await service.setup(
        guild,
        can_manage=True,
        channel_id=CHANNEL,
        role_id=None,
        time_text="09:00",
        zone_text="Europe/London",
    )


async def claim_at(service: PromptService, clock: Clock, when: str) -> list[Any]:
    clock.now = at(when)
    return await service.claim_due()


def rows(service: PromptService, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    # The raw SQL reads the database behind the service's store (a file, or PostgreSQL).
    return helpers.rows(target_of(service), sql, *params)


def target_of(service: PromptService) -> Path | str:
    url: str | None = getattr(service.db, "url", None)
    return url or cast(Database, service.db).path


# ------------------------------------------------------------------ schedule


@pytest.mark.sqlite_only  # reads SQLite's query plan
async def test_due_query_reads_only_the_due_index(service):
    plan = rows(
        service,
        "EXPLAIN QUERY PLAN SELECT guild_id FROM prompt_schedules"
        " WHERE paused = 0 AND next_due_utc <= ? ORDER BY next_due_utc LIMIT ?",
        0,
        50,
    )
    assert any("prompt_schedules_due" in str(step) for step in plan), plan


async def test_claims_exactly_once_per_local_day_across_the_spring_change(service, clock):
    await london_at_nine(service)
    assert await claim_at(service, clock, "2026-03-28T08:59:59") == []
    [claim] = await claim_at(service, clock, "2026-03-28T09:00:00")
    assert claim.local_date == date(2026, 3, 28) and claim.scheduled
    assert await claim_at(service, clock, "2026-03-28T09:00:30") == []
    # 09:00 BST is 08:00 UTC on the change day.
    assert await claim_at(service, clock, "2026-03-29T07:59:59") == []
    [claim] = await claim_at(service, clock, "2026-03-29T08:00:00")
    assert claim.local_date == date(2026, 3, 29)
    assert await claim_at(service, clock, "2026-03-29T23:00:00") == []


async def test_a_claimed_day_cannot_be_claimed_again(service, clock):
    async with service.db.transaction() as tx:
        first = await tx.prompts.claim_day(
            guild_id=GUILD,
            local_date=date(2026, 3, 28),
            channel_id=1,
            role_id=None,
            now=clock.now,
        )
        second = await tx.prompts.claim_day(
            guild_id=GUILD,
            local_date=date(2026, 3, 28),
            channel_id=1,
            role_id=None,
            now=clock.now,
        )
    assert first is not None and second is None


async def test_two_bots_on_one_database_claim_a_day_once(service, clock):
    await london_at_nine(service)
    other_db = store_for(target_of(service))
    await other_db.open()
    try:
        twin = PromptService(other_db, clock, service.library)
        clock.now = at("2026-03-28T09:00:00")
        results = await asyncio.gather(service.claim_due(), twin.claim_due())
    finally:
        await other_db.close()
    assert sum(len(claims) for claims in results) == 1


async def test_a_bot_back_the_same_local_day_posts_and_a_missed_day_is_skipped(service, clock):
    await london_at_nine(service)
    # Down all of 28 March and back at 22:00 on the 30th: only the 30th gets its prompt.
    [claim] = await claim_at(service, clock, "2026-03-30T21:00:00")
    assert claim.local_date == date(2026, 3, 30)
    schedule = await service.get_schedule(GUILD)
    assert schedule is not None and schedule.next_due == at("2026-03-31T08:00:00")


async def test_a_bot_back_after_the_local_day_waits_for_the_next(service, clock):
    await london_at_nine(service)
    assert await claim_at(service, clock, "2026-03-29T00:30:00") == []
    assert await claim_at(service, clock, "2026-03-29T07:59:00") == []
    [claim] = await claim_at(service, clock, "2026-03-29T08:00:00")
    assert claim.local_date == date(2026, 3, 29)


async def test_setup_after_todays_time_starts_tomorrow(service, clock):
    clock.now = at("2026-03-28T10:00:00")
    await london_at_nine(service)
    assert await claim_at(service, clock, "2026-03-28T23:59:00") == []
    [claim] = await claim_at(service, clock, "2026-03-29T08:00:00")
    assert claim.local_date == date(2026, 3, 29)


async def test_pause_stops_and_resume_does_not_burst(service, clock):
    await london_at_nine(service)
    await service.pause(GUILD, can_manage=True)
    with pytest.raises(WrongState):
        await service.pause(GUILD, can_manage=True)
    assert await claim_at(service, clock, "2026-03-30T12:00:00") == []
    await service.resume(GUILD, can_manage=True)
    assert await claim_at(service, clock, "2026-03-30T12:00:30") == []
    schedule = await service.get_schedule(GUILD)
    assert schedule is not None and schedule.next_due == at("2026-03-31T08:00:00")


async def test_wake_time_spares_the_database_until_something_is_due(service, clock):
    await london_at_nine(service)
    assert await claim_at(service, clock, "2026-03-28T08:30:00") == []

    class Unusable:
        def transaction(self) -> Any:
            raise AssertionError("the database was used before anything was due")

    real, service.db = service.db, Unusable()  # type: ignore[assignment]
    assert await claim_at(service, clock, "2026-03-28T08:59:59") == []
    service.db = real
    assert len(await claim_at(service, clock, "2026-03-28T09:00:00")) == 1


async def test_setup_lowers_the_wake_time(service, clock):
    await london_at_nine(service)
    assert await claim_at(service, clock, "2026-03-28T08:30:00") == []
    await service.setup(
        OTHER, can_manage=True, channel_id=2, role_id=None, time_text="08:40", zone_text="UTC"
    )
    [claim] = await claim_at(service, clock, "2026-03-28T08:40:00")
    assert claim.guild_id == OTHER


# ------------------------------------------------------------- the rotation


async def test_server_prompts_first_then_the_library_without_repeats(service, clock):
    await service.add_prompt(GUILD, can_manage=True, author_id=1, text="Ours.")
    await london_at_nine(service)
    used = []
    for day in range(8):
        [claim] = await claim_at(service, clock, f"2026-04-{day + 1:02d}T12:00:00")
        used.append(claim.text)
    assert used[0] == "Ours."
    assert sorted(used[:4]) == ["One.", "Ours.", "Three.", "Two."]
    assert sorted(used[4:8]) == ["One.", "Ours.", "Three.", "Two."]
    assert used[4] != used[3]


async def test_a_claim_names_the_server_prompt_it_took(service, clock):
    ours = await service.add_prompt(GUILD, can_manage=True, author_id=1, text="Ours.")
    await london_at_nine(service)
    [claim] = await claim_at(service, clock, "2026-04-01T12:00:00")
    assert (claim.text, claim.server_prompt_number) == ("Ours.", ours.number)
    extra = await service.claim_now(GUILD, can_manage=True)
    assert extra.text in {"One.", "Two.", "Three."} and extra.server_prompt_number is None


async def test_now_takes_from_the_rotation_and_keeps_the_day(service, clock):
    await london_at_nine(service)
    extra = await service.claim_now(GUILD, can_manage=True)
    assert not extra.scheduled and extra.local_date == date(2026, 3, 28)
    [daily] = await claim_at(service, clock, "2026-03-28T09:00:00")
    assert daily.local_date == date(2026, 3, 28) and daily.text != extra.text
    overview = await service.overview(GUILD)
    assert overview.library_remaining == 1 and overview.library_total == 3


async def test_a_failed_post_is_recorded_not_retried_and_its_prompt_returns(service, clock):
    await london_at_nine(service)
    [claim] = await claim_at(service, clock, "2026-03-28T09:00:00")
    await service.record_failed(claim, "Discord refused")
    failure = await service.failure(GUILD)
    assert failure is not None and failure.reason == "Discord refused"
    assert failure.local_date == date(2026, 3, 28) and failure.channel_id == CHANNEL
    assert await claim_at(service, clock, "2026-03-28T09:01:00") == []
    assert (await service.overview(GUILD)).library_remaining == 3
    assert rows(service, "SELECT status, error FROM prompt_posts") == [
        ("failed", "Discord refused")
    ]

    [claim] = await claim_at(service, clock, "2026-03-29T08:00:00")
    await service.record_posted(claim, message_id=5, thread_id=6)
    assert await service.failure(GUILD) is None


async def test_a_missing_thread_is_a_post_with_a_note(service, clock):
    await london_at_nine(service)
    [claim] = await claim_at(service, clock, "2026-03-28T09:00:00")
    await service.record_posted(claim, message_id=5, thread_id=None, warning="no thread")
    assert rows(service, "SELECT status, message_id FROM prompt_posts") == [("posted", 5)]
    failure = await service.failure(GUILD)
    assert failure is not None and failure.reason == "no thread"


async def test_no_prompts_at_all_is_a_recorded_failure(service, clock):
    service.library = ()
    await london_at_nine(service)
    await london_at_nine(service, OTHER)
    assert await claim_at(service, clock, "2026-03-28T09:00:00") == []
    failure = await service.failure(GUILD)
    assert failure is not None and "no prompts" in failure.reason
    with pytest.raises(WrongState):
        await service.claim_now(GUILD, can_manage=True)


async def test_an_unknown_stored_zone_does_not_stop_other_servers(service, clock):
    await london_at_nine(service)
    await london_at_nine(service, OTHER)
    rows(
        service,
        "UPDATE prompt_schedules SET time_zone = 'Nowhere/Gone' WHERE guild_id = ? RETURNING 1",
        GUILD,
    )
    service.schedules_changed()
    [claim] = await claim_at(service, clock, "2026-03-28T09:00:00")
    assert claim.guild_id == OTHER
    failure = await service.failure(GUILD)
    assert failure is not None and "Nowhere/Gone" in failure.reason


# ---------------------------------------------------------------- the rules


@pytest.mark.parametrize(
    ("time_text", "zone_text"), [("25:00", "Europe/London"), ("09:00", "Mars/Base")]
)
async def test_bad_settings_store_nothing(service, time_text, zone_text):
    with pytest.raises(InvalidInput):
        await service.setup(
            GUILD,
            can_manage=True,
            channel_id=1,
            role_id=None,
            time_text=time_text,
            zone_text=zone_text,
        )
    assert await service.get_schedule(GUILD) is None


async def test_only_managers_change_anything(service):
    with pytest.raises(NotAllowed, match="Manage Server"):
        await service.setup(
            GUILD,
            can_manage=False,
            channel_id=1,
            role_id=None,
            time_text="09:00",
            zone_text="UTC",
        )
    for action in (
        service.add_prompt(GUILD, can_manage=False, author_id=1, text="x"),
        service.remove_prompt(GUILD, can_manage=False, raw="1"),
        service.claim_now(GUILD, can_manage=False),
        service.pause(GUILD, can_manage=False),
        service.resume(GUILD, can_manage=False),
    ):
        with pytest.raises(NotAllowed):
            await action
    assert rows(service, "SELECT COUNT(*) FROM server_prompts") == [(0,)]


async def test_add_refuses_duplicates_and_remove_needs_a_real_id(service):
    first = await service.add_prompt(GUILD, can_manage=True, author_id=1, text="  A storm.  ")
    assert first.number == 1 and first.text == "A storm."
    with pytest.raises(InvalidInput, match="#1"):
        await service.add_prompt(GUILD, can_manage=True, author_id=1, text="a   STORM.")
    with pytest.raises(InvalidInput):
        await service.add_prompt(GUILD, can_manage=True, author_id=1, text="   ")
    removed = await service.remove_prompt(GUILD, can_manage=True, raw="#1")
    assert removed.number == 1
    with pytest.raises(NotFound):
        await service.remove_prompt(GUILD, can_manage=True, raw="1")
    # Ids are never reused, even after a removal.
    again = await service.add_prompt(GUILD, can_manage=True, author_id=1, text="A storm.")
    assert again.number == 2


async def test_search_finds_prompts_by_text_or_number(service):
    for text in ("A storm at sea.", "The last bus."):
        await service.add_prompt(GUILD, can_manage=True, author_id=1, text=text)
    assert [p.number for p in await service.search_prompts(GUILD, "bus")] == [2]
    assert [p.number for p in await service.search_prompts(GUILD, "#1")] == [1]
    assert [p.number for p in await service.search_prompts(GUILD, "")] == [2, 1]
    assert await service.search_prompts(OTHER, "") == []


async def test_not_set_up_is_explained(service):
    for action in (
        service.pause(GUILD, can_manage=True),
        service.claim_now(GUILD, can_manage=True),
    ):
        with pytest.raises(WrongState, match="/prompt setup"):
            await action
    overview = await service.overview(GUILD)
    assert overview.schedule is None and overview.next_post is None


async def test_rerunning_setup_keeps_the_days_claim(service, clock):
    await london_at_nine(service)
    assert len(await claim_at(service, clock, "2026-03-28T09:00:00")) == 1
    clock.now = at("2026-03-28T09:30:00")
    await service.setup(
        GUILD,
        can_manage=True,
        channel_id=CHANNEL,
        role_id=None,
        time_text="10:00",
        zone_text="Europe/London",
    )
    assert await claim_at(service, clock, "2026-03-28T23:00:00") == []
    [claim] = await claim_at(service, clock, "2026-03-29T09:00:00")
    assert claim.local_date == date(2026, 3, 29)


def test_timestamps_round_trip() -> None:
    moment = at("2026-10-25T00:30:00")
    assert prompt_sql.from_stamp(prompt_sql.to_stamp(moment)) == moment
    assert prompt_sql.from_stamp(prompt_sql.to_stamp(moment + timedelta(seconds=0.5))) == moment


# ------------------------------------------------------------------ shards


def guild_on_shard(shard: int, count: int = 4, n: int = 1) -> int:
    """A server id Discord puts on ``shard`` of ``count`` (its ``n``-th such id)."""
    return ((n * count + shard) << 22) | 12345


async def test_a_scheduler_over_shards_0_1_of_4_claims_only_its_servers(service, clock):
    guilds = {shard: [guild_on_shard(shard, n=n) for n in (1, 2)] for shard in range(4)}
    for shard_guilds in guilds.values():
        for guild in shard_guilds:
            await london_at_nine(service, guild)
    # The same store, another process's view: shards 0 and 1 of 4.
    mine = PromptService(service.db, clock, service.library, shards=ShardSet(4, (0, 1)))
    claims = await claim_at(mine, clock, "2026-03-28T09:00:00")
    assert sorted(c.guild_id for c in claims) == sorted(guilds[0] + guilds[1])
    # The others stay due for their own process: shards 2 and 3.
    theirs = PromptService(service.db, clock, service.library, shards=ShardSet(4, (2, 3)))
    later = await claim_at(theirs, clock, "2026-03-28T09:00:30")
    assert sorted(c.guild_id for c in later) == sorted(guilds[2] + guilds[3])
    assert await claim_at(mine, clock, "2026-03-28T09:01:00") == []


async def test_a_scheduler_wakes_for_its_own_shards_first_due(service, clock):
    await london_at_nine(service, guild_on_shard(2))
    async with service.db.read() as session:
        assert await session.prompts.earliest_due(ShardSet(4, (0, 1))) is None
        assert await session.prompts.earliest_due(ShardSet(4, (2,))) == at("2026-03-28T09:00:00")


async def test_overlapping_shard_sets_still_claim_a_day_once(service, clock):
    guilds = [guild_on_shard(shard, n=n) for shard in range(4) for n in (1, 2, 3)]
    for guild in guilds:
        await london_at_nine(service, guild)
    other_db = store_for(target_of(service))
    await other_db.open()
    try:
        # By mistake both processes were given shard 1.
        first = PromptService(service.db, clock, service.library, shards=ShardSet(4, (0, 1)))
        second = PromptService(other_db, clock, service.library, shards=ShardSet(4, (1, 2, 3)))
        clock.now = at("2026-03-28T09:00:00")
        results = await asyncio.gather(first.claim_due(), second.claim_due())
    finally:
        await other_db.close()
    claimed = [c.guild_id for claims in results for c in claims]
    assert sorted(claimed) == sorted(guilds)
