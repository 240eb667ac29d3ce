"""Digests made in a worker process: the same file as in the bot's own process, every
acknowledged comment in it, refusals and budgets as the user sees them; an in-memory
database has no worker."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.digest_service import Digest, Digests
from bot.digest_worker import DigestWorker
from bot.errors import InvalidInput, NotFound
from bot.storage import Database
from bot.workshop import Workshop
from tests.helpers import AUTHOR, GUILD, OTHER_GUILD, READER, Clock, posted

GENERATED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def in_a_worker(workshop: Workshop, **options: Any) -> Digests:
    worker = DigestWorker.for_store(workshop.db, **options)
    assert worker is not None
    return Digests(workshop.db, clock=lambda: GENERATED, worker=worker)


async def _comment(workshop: Workshop, number: int, text: str) -> None:
    await workshop.comments.add_comment(
        guild_id=GUILD, excerpt_number=number, member=READER, line_spec="2", text=text
    )


async def test_a_worker_makes_the_same_file_with_every_acknowledged_comment(
    workshop: Workshop,
) -> None:
    number = await posted(workshop)
    await _comment(workshop, number, "The gulls again.")
    digests = in_a_worker(workshop)
    try:
        made = await digests.excerpt_digest(GUILD, number, "markdown")
        here = await Digests(workshop.db, clock=lambda: GENERATED).excerpt_digest(
            GUILD, number, "markdown"
        )
        await _comment(workshop, number, "Acknowledged just now.")
        mine = await digests.author_digest(GUILD, AUTHOR.id, "docx", author_name="Ann")
    finally:
        digests.close()
    assert made == here
    assert isinstance(mine, Digest) and mine.comments == 2


async def test_a_workers_refusal_reaches_the_caller_as_itself(workshop: Workshop) -> None:
    await posted(workshop)
    digests = in_a_worker(workshop)
    try:
        with pytest.raises(NotFound):
            await digests.excerpt_digest(OTHER_GUILD, 1, "markdown")
    finally:
        digests.close()


async def test_a_digest_past_its_budget_is_refused_politely_and_the_next_one_is_made(
    workshop: Workshop,
) -> None:
    number = await posted(workshop)
    await _comment(workshop, number, "Slow.")
    digests = in_a_worker(workshop, timeout=0.0001)
    assert digests.worker is not None
    try:
        with pytest.raises(InvalidInput, match="took too long"):
            await digests.excerpt_digest(GUILD, number, "docx")
        digests.worker.timeout = 60
        assert (await digests.excerpt_digest(GUILD, number, "docx")).comments == 1
    finally:
        digests.close()


async def test_an_in_memory_database_is_served_in_the_bots_own_process() -> None:
    database = Database(":memory:")
    await database.open()
    try:
        workshop = Workshop(database, Clock())
        number = await posted(workshop)
        await _comment(workshop, number, "Here.")
        assert DigestWorker.for_store(database) is None
        made = await Digests(database, clock=lambda: GENERATED).excerpt_digest(
            GUILD, number, "markdown"
        )
    finally:
        await database.close()
    assert made.comments == 1
