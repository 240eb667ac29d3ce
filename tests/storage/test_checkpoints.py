"""WAL checkpoints run beside the writer, not inside one of its commits."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.storage import Database, Session, _checkpoints

pytestmark = pytest.mark.sqlite_only  # SQLite's write-ahead log

INSERT = "INSERT INTO guild_sequences (guild_id, kind, last_value) VALUES (?, ?, 1)"


async def write_rows(database: Database, count: int, *, pause_every: int | None) -> None:
    for n in range(count):

        async def one_row(session: Session, n: int = n) -> None:
            await session.connection.execute(INSERT, (n, "x" * 500))  # type: ignore[attr-defined]

        await database.run_transaction(one_row)
        if pause_every and n % pause_every == pause_every - 1:
            await database._checkpoints.idle()  # type: ignore[union-attr]
        await asyncio.sleep(0)  # a due checkpoint starts


def log_size(path: Path) -> int:
    return Path(f"{path}-wal").stat().st_size


async def rows_in(database: Database) -> int:
    async with database.read() as session:
        rows = await session.connection.execute_fetchall("SELECT COUNT(*) FROM guild_sequences")
    return int(next(iter(rows))[0])


async def test_the_writer_never_checkpoints_itself(tmp_path):
    database = Database(tmp_path / "c.db")
    await database.open()
    try:
        async with database.transaction() as tx:
            rows = await tx.connection.execute_fetchall("PRAGMA wal_autocheckpoint")
        assert next(iter(rows))[0] == 0
    finally:
        await database.close()


async def test_the_log_stays_within_a_few_checkpoint_intervals(tmp_path: Path, monkeypatch):
    """A thousand commits of a page or two each: without checkpoints the log would hold
    them all (over 10 MB); copied back every 50 commits it holds a few intervals' worth."""
    monkeypatch.setattr(_checkpoints, "CHECKPOINT_EVERY_COMMITS", 50)
    path = tmp_path / "c.db"
    database = Database(path)
    await database.open()
    try:
        await write_rows(database, 1000, pause_every=100)
        wal = log_size(path)
        assert wal < 3_500_000, f"the log grew to {wal:,} bytes"
        assert await rows_in(database) == 1000
    finally:
        await database.close()


async def test_a_sustained_stream_of_writes_is_held_back_at_the_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(_checkpoints, "LOG_CAP_FRAMES", 300)
    path = tmp_path / "c.db"
    database = Database(path)
    await database.open()
    try:
        await write_rows(database, 1000, pause_every=None)
        wal = log_size(path)
        assert wal < 4_000_000, f"the log grew to {wal:,} bytes"
        assert await rows_in(database) == 1000
    finally:
        await database.close()
