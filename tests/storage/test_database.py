"""The SQLite database: migrations, transactions, backups."""

from __future__ import annotations

import sqlite3

import pytest

from bot.models import Actor
from bot.storage import Database, MigrationError
from bot.storage.database import load_migrations
from tests.helpers import GUILD, posted

READER = Actor(2, "Ben")


async def test_migrations_apply_once_and_record_versions(tmp_path):
    path = tmp_path / "m.db"
    for _ in range(2):
        database = Database(path)
        await database.open()
        await database.close()
    with sqlite3.connect(path) as conn:
        versions = [row[0] for row in conn.execute("SELECT version FROM schema_migrations")]
        assert versions == [m.version for m in load_migrations()]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_a_newer_database_is_refused(tmp_path):
    path = tmp_path / "n.db"
    database = Database(path)
    await database.open()
    await database.close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', 'x')")
    with pytest.raises(MigrationError, match="newer"):
        await Database(path).open()


async def test_transaction_rolls_back_on_error(workshop):
    with pytest.raises(RuntimeError):
        async with workshop.db.transaction() as tx:
            await tx.connection.execute("INSERT INTO guild_sequences VALUES (1, 'x', 1)")
            raise RuntimeError("boom")
    async with workshop.db.read() as session:
        rows = await session.connection.execute_fetchall("SELECT COUNT(*) FROM guild_sequences")
    assert [tuple(row) for row in rows] == [(0,)]


@pytest.mark.sqlite_only  # SQLite's online backup of the file; PostgreSQL uses pg_dump
async def test_backup_is_a_consistent_copy(workshop, tmp_path):
    number = await posted(workshop)
    await workshop.comments.add_comment(
        guild_id=GUILD, excerpt_number=number, member=READER, line_spec="1", text="x"
    )
    target = tmp_path / "backup.db"
    await workshop.db.backup_to(target)
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM comments").fetchone()[0] == 1
        assert conn.execute("SELECT COUNT(*) FROM lines").fetchone()[0] == 5
