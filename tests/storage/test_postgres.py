"""The PostgreSQL store itself: placeholder translation, migrations, and the guarantees
that must hold with several writers at once (numbers, claims, row locks)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.errors import WrongState
from bot.models import Actor, ExcerptStatus
from bot.storage import MigrationError, UnusableDatabase
from bot.storage.postgres import PostgresStore, migrations, translate
from bot.workshop import Workshop
from tests.helpers import GUILD, Clock, count, posted, rows
from tests.postgres_server import PostgresServer

NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)


def test_placeholders_become_numbered_parameters() -> None:
    assert translate("SELECT ? , '?', ?")[0] == "SELECT $1 , '?', $2"
    # Numbered ones keep their sources; unused ones are not sent (their type is unknown).
    assert translate("SELECT ?3, ?1, ?3") == ("SELECT $1, $2, $1", (2, 0))
    assert translate("WHERE a = :x AND (b = :y OR :x IS NULL) AND c = 'it''s :z'") == (
        "WHERE a = $1 AND (b = $2 OR $1 IS NULL) AND c = 'it''s :z'",
        ("x", "y"),
    )
    # SQLite's 64-bit INTEGER and case-blind LIKE.
    assert translate("CAST(? AS INTEGER) x LIKE ?")[0] == "CAST($1 AS BIGINT) x ILIKE $2"


@pytest.fixture
def server(postgres_server: PostgresServer | None) -> PostgresServer:
    if postgres_server is None:
        pytest.skip("PostgreSQL unavailable")
    return postgres_server


@pytest.fixture
def empty_url(server: PostgresServer) -> Iterator[str]:
    url = server.new_database(migrated=False)
    yield url
    server.drop_database(url)


async def test_an_empty_database_is_migrated_once_by_processes_starting_together(empty_url):
    stores = [PostgresStore(empty_url, pool_size=2) for _ in range(4)]
    await asyncio.gather(*(store.open() for store in stores))
    for store in stores:
        await store.close()
    newest = max(m.version for m in migrations())
    assert rows(empty_url, "SELECT version FROM schema_migrations ORDER BY version") == [
        (m.version,) for m in migrations()
    ]
    assert newest >= 7


async def test_a_newer_database_is_refused_with_one_line(postgres_url):
    rows(postgres_url, "INSERT INTO schema_migrations VALUES (999, 'future', 'then') RETURNING 1")
    store = PostgresStore(postgres_url)
    with pytest.raises(MigrationError) as refused:
        await store.open()
    message = str(refused.value)
    assert "newer Marginalia (schema 999" in message and "\n" not in message
    assert not store.is_open


async def test_another_applications_database_is_left_alone(empty_url):
    rows(empty_url, "CREATE TABLE invoices (id BIGINT) ")
    with pytest.raises(UnusableDatabase, match="not Marginalia's"):
        await PostgresStore(empty_url).open()
    assert rows(empty_url, "SELECT to_regclass('excerpts') IS NULL") == [(True,)]


async def test_a_server_that_is_down_is_one_line():
    store = PostgresStore("postgresql://nobody@/marginalia?host=/nonexistent-folder")
    with pytest.raises(UnusableDatabase, match="cannot reach PostgreSQL") as refused:
        await store.open()
    assert "\n" not in str(refused.value)


async def test_backup_says_to_use_pg_dump(postgres_url):
    store = PostgresStore(postgres_url)
    await store.open()
    try:
        with pytest.raises(UnusableDatabase, match="pg_dump"):
            await store.backup_to("copy.db")
    finally:
        await store.close()


@pytest.fixture
async def store(postgres_url):
    store = PostgresStore(postgres_url, pool_size=8)
    await store.open()
    yield store
    await store.close()


async def test_concurrent_comments_take_unique_gapless_numbers(store, postgres_url):
    """200 comments at once through 8 pooled connections: each transaction runs beside
    the others (no lock in the process), yet the numbers are 1..200, each once."""
    workshop = Workshop(store, Clock(step=timedelta(milliseconds=1)))
    first = await posted(workshop, lines=3)
    second = await posted(workshop, lines=2)

    async def add(index: int) -> int:
        result = await workshop.comments.add_comment(
            guild_id=GUILD,
            member=Actor(100 + index, f"Reader {index}"),
            line_spec=str(1 + index % 2),
            text=f"Note {index}.",
            excerpt_number=first if index % 2 else second,
        )
        return result.comment.number

    numbers = await asyncio.gather(*(add(index) for index in range(200)))
    assert sorted(numbers) == list(range(1, 201))
    assert count(postgres_url, "SELECT COUNT(DISTINCT number) FROM comments") == 200
    assert rows(postgres_url, "SELECT last_value FROM guild_sequences WHERE kind = 'comment'") == [
        (200,)
    ]
    # The counts the triggers keep agree with the rows.
    assert count(postgres_url, "SELECT SUM(open_comments) FROM excerpts") == 200


async def test_two_processes_racing_for_a_day_claim_it_once(server, postgres_url):
    """Two stores (two processes' pools) claim the same server's day at the same moment."""
    stores = [PostgresStore(postgres_url, pool_size=2) for _ in range(2)]
    for store in stores:
        await store.open()
    start = asyncio.Event()

    async def claim(store: PostgresStore) -> int | None:
        await start.wait()
        async with store.transaction() as tx:
            return await tx.prompts.claim_day(
                guild_id=GUILD, local_date=date(2025, 3, 1), channel_id=7, role_id=None, now=NOW
            )

    try:
        for _ in range(20):
            start.clear()
            racing = [asyncio.create_task(claim(store)) for store in stores]
            await asyncio.sleep(0)
            start.set()
            results = await asyncio.gather(*racing)
            assert sum(result is not None for result in results) <= 1
            rows(postgres_url, "DELETE FROM prompt_posts RETURNING 1")
        assert count(postgres_url, "SELECT COUNT(*) FROM prompt_posts") == 0
    finally:
        for store in stores:
            await store.close()


async def test_a_comment_and_a_close_on_one_excerpt_follow_one_another(store, postgres_url):
    """The comment's read of its excerpt locks the row: a close that starts meanwhile
    waits for the comment to commit, rather than slipping in between its check and insert."""
    workshop = Workshop(store, Clock(step=timedelta(milliseconds=1)))
    number = await posted(workshop, lines=2)
    async with store.transaction() as session:
        excerpt, _ = await session.excerpts.get_excerpt_with_lines(GUILD, 1, 1, number=number)
        assert excerpt is not None

        async def close() -> None:
            async with store.transaction() as tx:
                await tx.excerpts.set_status(excerpt.id, ExcerptStatus.CLOSED, NOW)

        closing = asyncio.create_task(close())
        await asyncio.sleep(0.2)
        assert not closing.done(), "the close waited for the comment's transaction"
    await closing
    with pytest.raises(WrongState):
        await workshop.comments.add_comment(
            guild_id=GUILD, member=Actor(9, "Late"), line_spec="1", text="x", excerpt_number=number
        )
