"""The one SQLite connection, its pragmas, migrations and transactions.

The bot owns a single aiosqlite connection. Every user action runs in one
transaction under an asyncio lock, so statements from concurrent interactions
never interleave inside each other's transactions.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
BUSY_TIMEOUT_MS = 5_000


class MigrationError(RuntimeError):
    """The database cannot be brought to this code's schema."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    """The shipped migrations, in version order."""
    folder = resources.files("bot.storage").joinpath("migrations")
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise MigrationError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return found


class Database:
    """Owns the connection. Use :meth:`transaction` for writes, :meth:`read` for reads."""

    def __init__(
        self, path: str | Path, *, synchronous: str = "FULL", read_only: bool = False
    ) -> None:
        self.path = str(path)
        self._synchronous = synchronous
        # Read-only (exports beside a live bot): never creates, migrates or writes the
        # file, so a mistyped path can't leave an empty database behind.
        self.read_only = read_only
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    async def open(self) -> None:
        """Raises ``FileNotFoundError`` for a missing read-only file, ``sqlite3.Error``
        for a file that is not a Marginalia database, ``MigrationError`` for a newer one."""
        if self._conn is not None:
            return
        if self.read_only:
            self._conn = await _open_read_only(Path(self.path))
            return
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a transaction
        # means exactly one user action.
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            # execute_fetchall: a PRAGMA that returns a row leaves a live statement
            # (and so blocks COMMIT) until its rows are consumed.
            await conn.execute_fetchall("PRAGMA journal_mode = WAL")
            await conn.execute_fetchall(f"PRAGMA synchronous = {self._synchronous}")
            await conn.execute_fetchall("PRAGMA foreign_keys = ON")
            await conn.execute_fetchall(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await _migrate(conn, load_migrations())
        except BaseException:
            await conn.close()
            raise
        self._conn = conn

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            async with self._lock:
                await conn.close()

    def _connection(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One atomic unit of work: committed on success, rolled back on any error."""
        async with self._lock:
            conn = self._connection()
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")

    @asynccontextmanager
    async def exclusive(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection to ourselves, outside any transaction.

        For an action that reads, validates, then writes with a single statement
        (atomic and durable on its own): holding the lock keeps other actions
        from writing in between, without paying for BEGIN and COMMIT round trips.
        """
        async with self._lock:
            yield self._connection()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """A consistent snapshot for several reads."""
        async with self._lock:
            conn = self._connection()
            await conn.execute("BEGIN")
            try:
                yield conn
            finally:
                await conn.execute("COMMIT")

    async def backup_to(self, target: str | Path) -> None:
        """A consistent copy of the live database, via SQLite's online backup API."""
        async with self._lock:
            conn = self._connection()
            destination = sqlite3.connect(str(target))
            try:
                await conn.backup(destination)
            finally:
                destination.close()


def _read_only_uri(path: Path) -> str:
    if not path.is_file():
        raise FileNotFoundError(str(path))
    # mode=ro: SQLite itself refuses to create or write the file.
    return path.resolve().as_uri() + "?mode=ro"


async def _open_read_only(path: Path) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(_read_only_uri(path), uri=True, isolation_level=None)
    try:
        await conn.execute_fetchall("PRAGMA query_only = ON")
        rows = await conn.execute_fetchall("SELECT MAX(version) FROM schema_migrations")
        newest = next(iter(rows))[0]
        if newest is not None and newest > len(load_migrations()):
            raise MigrationError(
                f"the database (schema {newest}) is newer than this code knows; "
                "use a newer Marginalia"
            )
    except BaseException:
        await conn.close()
        raise
    return conn


async def _applied_versions(conn: aiosqlite.Connection) -> set[int]:
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    rows = await conn.execute_fetchall("SELECT version FROM schema_migrations")
    return {int(row[0]) for row in rows}


async def _migrate(conn: aiosqlite.Connection, migrations: list[Migration]) -> None:
    applied = await _applied_versions(conn)
    known = {m.version for m in migrations}
    if applied - known:
        newest = max(applied)
        raise MigrationError(
            f"the database {newest=} is newer than this code knows; "
            "run a newer Marginalia or restore a backup"
        )
    for migration in migrations:
        if migration.version in applied:
            continue
        log.info("applying migration %04d_%s", migration.version, migration.name)
        stamp = datetime.now(UTC).isoformat()
        # executescript runs outside Python's transaction handling, so the
        # migration and its record are wrapped in one explicit transaction.
        script = (
            "BEGIN IMMEDIATE;\n"
            f"{migration.sql}\n;"
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES "
            f"({migration.version}, '{migration.name}', '{stamp}');\n"
            "COMMIT;"
        )
        try:
            await conn.executescript(script)
        except sqlite3.Error as error:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise MigrationError(
                f"migration {migration.version:04d}_{migration.name} failed: {error}"
            ) from error
