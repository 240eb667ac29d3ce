"""The SQLite store: the one connection, its pragmas, migrations and sessions.

The bot owns one writer connection: every action that writes runs in one
transaction under an asyncio lock, so statements from concurrent interactions
never interleave inside each other's transactions. Reads run on a small pool of
read-only connections beside it: in WAL mode readers never wait for the writer
nor the writer for them, so a long list or digest load cannot hold up a comment
in another server. :class:`Database` implements
:class:`bot.storage.interface.Store`; its sessions (:class:`SqliteSession`) hand
out the table groups' repositories.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.storage._checkpoints import Checkpointer
from bot.storage._files import (
    UnusableDatabase,
    check_ours,
    has_content,
    prepare_location,
    read_only_uri,
    unusable,
)
from bot.storage._one_hop import (
    DatabaseThread,
    DirectConnection,
    commit_or_roll_back,
    open_shared,
)
from bot.storage._readers import ReaderPool
from bot.storage.comments import SqliteComments
from bot.storage.excerpts import SqliteExcerpts
from bot.storage.exchange import SqliteExchange
from bot.storage.feedback import SqliteFeedback
from bot.storage.interface import Session
from bot.storage.notifications import SqliteNotifications
from bot.storage.prompts import SqlitePrompts
from bot.storage.reviews import SqliteReviews

log = logging.getLogger(__name__)
T = TypeVar("T")

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
BUSY_TIMEOUT_MS = 5_000
# How long a read-only reader (export) waits for a writer's lock before saying so.
READ_BUSY_TIMEOUT_S = 5.0
# Read-only connections serving read(): lists, autocomplete, show and digest loads run
# side by side on them, off the writer's lock. Two: the machine the bot runs on is small,
# and a third long read waits for a free reader, never for the writer.
READER_POOL_SIZE = 2
# Page caches (SQLite's default is 2 MB): the indexes' upper pages a comment's insert
# walks stay in memory at ten million comments. They fill as pages are read, so
# memory grows to them with use, not at start.
WRITER_CACHE_KIB = 32_768
READER_CACHE_KIB = 8_192
# The sync levels that wait for the disk at each commit (see run_transaction's durable).
_SYNCED = ("FULL", "EXTRA", "2", "3")


class MigrationError(UnusableDatabase):
    """The database cannot be brought to this code's schema."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def read_migrations(backend: str) -> list[Migration]:
    """One backend's shipped migrations (``migrations/<backend>/``), in version order."""
    folder = resources.files("bot.storage").joinpath("migrations").joinpath(backend)
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    return found


def load_migrations() -> list[Migration]:
    """The shipped SQLite migrations, in version order."""
    found = read_migrations("sqlite")
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise MigrationError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return found


class SqliteSession:
    """The repositories of one session over the connection (a :class:`Session`).

    ``connection`` is SQLite's own, for tools and tests that check with raw SQL;
    services use only the repositories.
    """

    def __init__(
        self,
        connection: aiosqlite.Connection | DirectConnection,
        on_notice: Callable[[], None] | None = None,
    ) -> None:
        self.connection = connection
        self.excerpts = SqliteExcerpts(connection)
        self.comments = SqliteComments(connection)
        self.prompts = SqlitePrompts(connection)
        self.feedback = SqliteFeedback(connection)
        self.exchange = SqliteExchange(connection)
        self.notifications = SqliteNotifications(connection, on_notice)
        self.reviews = SqliteReviews(connection)


class Database:
    """Owns the connection: the SQLite :class:`~bot.storage.interface.Store`.
    Use :meth:`transaction` for writes, :meth:`read` for reads."""

    def __init__(
        self, path: str | Path, *, synchronous: str = "FULL", read_only: bool = False
    ) -> None:
        self.path = str(path)
        self._synchronous = synchronous
        # Read-only (exports beside a live bot): never creates, migrates or writes the
        # file, so a mistyped path can't leave an empty database behind.
        self.read_only = read_only
        self._conn: aiosqlite.Connection | None = None
        # The same SQLite connection as ``_conn``'s, for whole transactions run on the
        # writer's own thread (run_transaction); the lock keeps the two from overlapping.
        self._raw: sqlite3.Connection | None = None
        self._writer: DatabaseThread | None = None
        # Copies the WAL back into the file between commits (None: :memory:, read-only).
        self._checkpoints: Checkpointer | None = None
        self._lock = asyncio.Lock()
        # The reader pool (empty for :memory: and read-only stores: there read() shares
        # the one connection under the lock). A queue: read() waits for a free reader.
        self._readers = ReaderPool()
        # How many notification events were written: the sender looks at the outbox only
        # when this moved or its next due instant came, not on every tick.
        self.notices_written = 0

    def _count_notice(self) -> None:
        self.notices_written += 1

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    async def open(self) -> None:
        """Raises ``FileNotFoundError`` for a missing read-only file, ``UnusableDatabase``
        (one line saying why) for a file that is not a Marginalia database, a newer one,
        a damaged or a locked one. A file that is not ours is never written to."""
        if self._conn is not None:
            return
        if self.read_only:
            self._conn = await _open_read_only(Path(self.path))
            self._conn.row_factory = sqlite3.Row
            return
        if self.path != ":memory:":
            prepare_location(Path(self.path))
        try:
            # Used from two threads, never at once: the writer's lock keeps them apart.
            conn, raw = await open_shared(self.path)
        except sqlite3.Error as error:
            raise UnusableDatabase(f"cannot open the database {self.path}: {error}") from None
        try:
            # execute_fetchall: a PRAGMA that returns a row leaves a live statement
            # (and so blocks COMMIT) until its rows are consumed.
            await conn.execute_fetchall(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            # Checked before the first write (even journal_mode writes the header):
            # another application's file must come out exactly as it went in.
            if await check_ours(conn, Path(self.path)):
                await _check_not_newer(conn, Path(self.path))
            await conn.execute_fetchall("PRAGMA journal_mode = WAL")
            await conn.execute_fetchall(f"PRAGMA synchronous = {self._synchronous}")
            await conn.execute_fetchall("PRAGMA foreign_keys = ON")
            await conn.execute_fetchall(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")
            await _migrate(conn, load_migrations(), Path(self.path))
        except sqlite3.Error as error:
            await conn.close()
            raise unusable(Path(self.path), error) from None
        except BaseException:
            await conn.close()
            raise
        # Repositories read columns by name (see bot.storage._rows).
        conn.row_factory = sqlite3.Row
        self._conn, self._raw = conn, raw
        self._writer = DatabaseThread("sqlite-writer")
        if self.path != ":memory:":  # each connection to :memory: is a database of its own
            try:
                await self._open_readers()
                await self._open_checkpoints(conn)
            except BaseException:
                await self.close()
                raise

    async def _open_checkpoints(self, writer: aiosqlite.Connection) -> None:
        """Checkpoints leave the writer's commits for a connection of their own."""
        checkpoints = Checkpointer(self.path, self._lock)
        await checkpoints.open(self._synchronous)
        await writer.execute_fetchall("PRAGMA wal_autocheckpoint = 0")
        self._checkpoints = checkpoints

    async def _open_readers(self) -> None:
        """The read pool, opened after migrations so readers see this code's schema."""
        await self._readers.open(
            self.path,
            READER_POOL_SIZE,
            [
                f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
                # A reader must never write: a write slipping into read() would race the
                # writer's transactions; query_only makes SQLite refuse it.
                "PRAGMA query_only = ON",
                f"PRAGMA cache_size = -{READER_CACHE_KIB}",
            ],
        )

    async def inspect(self) -> None:
        """Refuse, by reading only, an existing file that is not a usable Marginalia
        database (a missing or empty one is fine: open() creates it). Leaves nothing behind."""
        path = Path(self.path)
        if self.path == ":memory:" or not has_content(path):
            return
        conn = await _open_read_only(path, allow_empty=True)
        await conn.close()

    async def close(self) -> None:
        """Closes the writer and every reader (each is a thread: one left open keeps the
        process alive), after the sessions in flight on them end."""
        conn, self._conn = self._conn, None
        checkpoints, self._checkpoints = self._checkpoints, None
        if checkpoints is not None:
            await checkpoints.close()
        await self._readers.close()
        if conn is not None:
            async with self._lock:
                await conn.close()
                self._raw = None
                if self._writer is not None:
                    self._writer.stop()
                    self._writer = None

    def _connection(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteSession]:
        """One atomic unit of work: committed on success, rolled back on any error."""
        async with self._lock:
            conn = self._connection()
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteSession(conn, self._count_notice)
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")
            self._committed()

    def _committed(self) -> None:
        if self._checkpoints is not None:
            self._checkpoints.committed()

    async def run_transaction(
        self, action: Callable[[Session], Coroutine[Any, Any, T]], *, durable: bool = True
    ) -> T:
        """``action`` as one transaction, run whole on the writer's thread: one trip there
        and back instead of one per statement. It may await only its session's
        repositories (anything else raises ``AwaitedOutsideTheDatabase``, rolled back).

        ``durable=False`` is for bookkeeping a crash may lose (a card's message id): its
        commit doesn't wait for the disk and becomes durable with the next one."""
        async with self._lock:
            self._connection()
            raw, writer = self._raw, self._writer
            if raw is None or writer is None:
                raise RuntimeError(f"{self.path} is open read-only: it takes no transactions")
            relaxed = None if durable or self._synchronous.upper() not in _SYNCED else "NORMAL"

            def run() -> T:
                session = SqliteSession(DirectConnection(raw), self._count_notice)
                return commit_or_roll_back(raw, lambda: action(session), synchronous=relaxed)

            result = await writer.finish(run)
            self._committed()
            return result

    @asynccontextmanager
    async def read(self) -> AsyncIterator[SqliteSession]:
        """A consistent snapshot for several reads, on a reader of the pool: it never waits
        for the writer's lock, nor does the writer wait for it. It sees every transaction
        committed before it began (WAL's guarantee), none committed after."""
        if not self._readers:
            async with self._lock, _snapshot(self._connection()) as session:
                yield session
            return
        self._connection()  # a closed store says so, rather than waiting for a reader
        async with self._readers.lent() as reader, _snapshot(reader.conn) as session:
            yield session

    async def run_read(self, action: Callable[[Session], Coroutine[Any, Any, T]]) -> T:
        """``action`` on one snapshot, run whole on a reader's thread: one trip there and
        back for a page, however many statements make it. It may await only its
        session's repositories (anything else raises ``AwaitedOutsideTheDatabase``)."""
        if not self._readers:
            async with self.read() as session:
                return await action(session)
        self._connection()
        return await self._readers.run(SqliteSession, action)

    async def backup_to(self, target: str | Path) -> None:
        """A consistent copy of the live database, via SQLite's online backup API."""
        async with self._lock:
            conn = self._connection()
            destination = sqlite3.connect(str(target))
            try:
                await conn.backup(destination)
            finally:
                destination.close()


@asynccontextmanager
async def _snapshot(conn: aiosqlite.Connection) -> AsyncIterator[SqliteSession]:
    """One read transaction: every statement inside sees the same committed state."""
    await conn.execute("BEGIN")
    try:
        yield SqliteSession(conn)
    finally:
        await conn.execute("COMMIT")


async def _open_read_only(path: Path, *, allow_empty: bool = False) -> aiosqlite.Connection:
    uri = read_only_uri(path)
    conn = await aiosqlite.connect(uri, uri=True, isolation_level=None, timeout=READ_BUSY_TIMEOUT_S)
    try:
        await conn.execute_fetchall("PRAGMA query_only = ON")
        if await check_ours(conn, path):
            await _check_not_newer(conn, path)
        elif not allow_empty:
            raise UnusableDatabase(f"{path} is an empty database, not a Marginalia one")
    except sqlite3.Error as error:
        await conn.close()
        raise unusable(path, error) from None
    except BaseException:
        await conn.close()
        raise
    return conn


async def _check_not_newer(conn: aiosqlite.Connection, path: Path) -> None:
    rows = await conn.execute_fetchall("SELECT MAX(version) FROM schema_migrations")
    newest = next(iter(rows))[0]
    if newest is not None and int(newest) > len(load_migrations()):
        raise _newer(path, int(newest))


def _newer(path: Path, version: int) -> MigrationError:
    return MigrationError(
        f"{path} was written by a newer Marginalia (schema {version}, this one knows "
        f"{len(load_migrations())}): run the newer version or restore a backup"
    )


async def _applied_versions(conn: aiosqlite.Connection) -> set[int]:
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    rows = await conn.execute_fetchall("SELECT version FROM schema_migrations")
    return {int(row[0]) for row in rows}


async def _migrate(conn: aiosqlite.Connection, migrations: list[Migration], path: Path) -> None:
    applied = await _applied_versions(conn)
    known = {m.version for m in migrations}
    if applied - known:
        raise _newer(path, max(applied))
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


def known_version() -> int:
    """The schema version this code brings a database to."""
    return len(load_migrations())


async def stored_version(path: Path) -> int:
    """The schema version of the database at ``path`` (0: empty), read without writing.

    Raises :class:`UnusableDatabase` for a file that is not ours and for a newer schema."""
    conn = await _open_read_only(path, allow_empty=True)
    try:
        present = "SELECT COUNT(*) FROM sqlite_master WHERE name = 'schema_migrations'"
        if not next(iter(await conn.execute_fetchall(present)))[0]:
            return 0
        newest = "SELECT MAX(version) FROM schema_migrations"
        value = next(iter(await conn.execute_fetchall(newest)))[0]
        return 0 if value is None else int(value)
    except sqlite3.Error as error:
        raise unusable(path, error) from None
    finally:
        await conn.close()
