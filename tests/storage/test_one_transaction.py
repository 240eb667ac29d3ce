"""``Store.run_transaction``: a whole action as one transaction (on SQLite, run whole on
the writer's thread): committed, rolled back, refused when it awaits something else."""

from __future__ import annotations

import asyncio
import contextvars
import sqlite3

import pytest

from bot.storage import Session
from bot.storage._one_hop import AwaitedOutsideTheDatabase

INSERT = "INSERT INTO guild_sequences (guild_id, kind, last_value) VALUES (?, 'x', 1)"
COUNT = "SELECT COUNT(*) AS n FROM guild_sequences"


async def count(workshop) -> int:
    async with workshop.db.read() as session:
        rows = await session.connection.execute_fetchall(COUNT)
    return int(next(iter(rows))["n"])


async def test_an_action_commits_and_returns_its_result(workshop):
    async def two_rows(session: Session) -> str:
        await session.connection.execute(INSERT, (1,))  # type: ignore[attr-defined]
        await session.connection.execute(INSERT, (2,))  # type: ignore[attr-defined]
        return "done"

    assert await workshop.db.run_transaction(two_rows) == "done"
    assert await count(workshop) == 2


async def test_an_error_rolls_the_whole_action_back(workshop):
    async def fails_halfway(session: Session) -> None:
        await session.connection.execute(INSERT, (1,))  # type: ignore[attr-defined]
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        await workshop.db.run_transaction(fails_halfway)
    assert await count(workshop) == 0
    # The writer is free again.
    async with workshop.db.transaction() as tx:
        await tx.connection.execute(INSERT, (3,))
    assert await count(workshop) == 1


@pytest.mark.sqlite_only  # PostgreSQL runs the action on the loop, where awaiting is fine
async def test_awaiting_anything_but_the_session_is_refused_and_rolled_back(workshop):
    async def waits(session: Session) -> None:
        await session.connection.execute(INSERT, (1,))  # type: ignore[attr-defined]
        await asyncio.sleep(0)

    with pytest.raises(AwaitedOutsideTheDatabase):
        await workshop.db.run_transaction(waits)
    assert await count(workshop) == 0


async def test_a_failed_statement_rolls_back_and_leaves_the_writer_usable(workshop):
    async def duplicate(session: Session) -> None:
        await session.connection.execute(INSERT, (1,))  # type: ignore[attr-defined]
        await session.connection.execute(INSERT, (1,))  # type: ignore[attr-defined]

    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        await workshop.db.run_transaction(duplicate)
    assert await count(workshop) == 0
    await workshop.db.run_transaction(
        lambda session: session.connection.execute(INSERT, (5,))  # type: ignore[attr-defined]
    )
    assert await count(workshop) == 1


@pytest.mark.sqlite_only  # SQLite's sync level; PostgreSQL sets synchronous_commit locally
async def test_a_non_durable_commit_puts_the_sync_level_back(workshop):
    async def one_row(session: Session) -> None:
        await session.connection.execute(INSERT, (1,))  # type: ignore[attr-defined]

    await workshop.db.run_transaction(one_row, durable=False)
    async with workshop.db.transaction() as tx:
        rows = await tx.connection.execute_fetchall("PRAGMA synchronous")
    assert next(iter(rows))[0] == 2  # FULL, the store's own level
    assert await count(workshop) == 1


@pytest.mark.sqlite_only  # the writer's thread is SQLite's
async def test_a_cancelled_caller_waits_for_its_action_to_end(workshop, tmp_path):
    """The lock is only let go once the thread is done with the connection, so the next
    transaction never finds one half-way through."""
    started = asyncio.Event()
    loop = asyncio.get_running_loop()

    async def slow(session: Session) -> None:
        loop.call_soon_threadsafe(started.set)
        await session.connection.execute(INSERT, (1,))  # type: ignore[attr-defined]
        # A long statement: a recursive count to a million.
        await session.connection.execute_fetchall(  # type: ignore[attr-defined]
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)"
            " SELECT COUNT(*) FROM n"
        )

    task = asyncio.create_task(workshop.db.run_transaction(slow))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with workshop.db.transaction() as tx:  # would fail inside the other's transaction
        await tx.connection.execute(INSERT, (2,))
    assert await count(workshop) == 2
    with sqlite3.connect(workshop.db.path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


MARK: contextvars.ContextVar[str] = contextvars.ContextVar("mark", default="unset")


async def test_the_action_sees_the_callers_context_variables(workshop):
    """A clock that follows a context variable (SimCord's virtual one) keeps its time."""
    MARK.set("caller's")

    async def read_mark(session: Session) -> str:
        return MARK.get()

    assert await workshop.db.run_transaction(read_mark) == "caller's"
