"""The PostgreSQL store: an asyncpg pool, the shared repositories, its own migrations.

Chosen when the database setting is a ``postgresql://`` URL (see :func:`bot.storage.store_for`).
The repositories' SQL is the SQLite backend's: :class:`PgConnection` gives them the
connection surface they use (``execute_fetchall``, ``execute``, ``executemany``) over an
asyncpg connection, translating ``?``, ``?N`` and ``:name`` placeholders to ``$n`` once per
SQL string. Unlike SQLite's single writer, writers run side by side: each
:meth:`PostgresStore.transaction` is one pooled connection in one READ COMMITTED
transaction, and a write session's read of the excerpt or schedule it goes on to change
locks that row (``Dialect.lock``), so actions on the same excerpt or server still follow
one another while the rest run at once.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import (
    AsyncIterator,
    Callable,
    Coroutine,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.storage import DEFAULT_POOL_SIZE
from bot.storage._dialect import POSTGRESQL_READ, POSTGRESQL_WRITE, Dialect
from bot.storage._files import UnusableDatabase
from bot.storage.comments import SqliteComments
from bot.storage.database import Migration, MigrationError, read_migrations
from bot.storage.excerpts import SqliteExcerpts
from bot.storage.exchange import SqliteExchange
from bot.storage.feedback import SqliteFeedback
from bot.storage.interface import Session
from bot.storage.notifications import SqliteNotifications
from bot.storage.prompts import SqlitePrompts
from bot.storage.reviews import SqliteReviews

log = logging.getLogger(__name__)
T = TypeVar("T")

CONNECT_TIMEOUT_S = 10.0
# Every process migrating the same database takes this lock first: one migrates, the
# others wait, then find nothing left to do. (A constant: "Marginalia" in ASCII.)
MIGRATION_LOCK = 0x4D617267696E616C

# A string literal (skipped), a ``::`` cast (kept), a placeholder, or a word whose
# spelling differs: SQLite's INTEGER casts are 64-bit (BIGINT here), and its LIKE ignores
# ASCII case (ILIKE here).
_TOKENS = re.compile(
    r"'(?:[^']|'')*'|::|\?(\d*)|(?<![:\w]):([A-Za-z_]\w*)|\bAS\s+INTEGER\b|\bLIKE\b",
    re.IGNORECASE,
)


def redacted(url: str) -> str:
    """The URL without its password, fit for a message or a log line."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}@{host}"))


@functools.lru_cache(maxsize=2048)
def translate(sql: str) -> tuple[str, tuple[int | str, ...]]:
    """SQLite-style SQL as PostgreSQL reads it, and where each ``$n`` takes its value
    from: a position in the parameter sequence, or a name in the parameter mapping.

    Only parameters the statement uses are sent, renumbered from ``$1``: PostgreSQL
    refuses a parameter whose type nothing in the statement tells.
    """
    sources: list[int | str] = []
    slots: dict[int | str, int] = {}
    largest = 0

    def slot(key: int | str) -> str:
        if key not in slots:
            sources.append(key)
            slots[key] = len(sources)
        return f"${slots[key]}"

    def replace(match: re.Match[str]) -> str:
        nonlocal largest
        token = match.group(0)
        if token.startswith("'") or token == "::":
            return token
        if token.startswith("?"):
            # SQLite's rule: a bare ? is one more than the largest number so far.
            number = int(match.group(1)) if match.group(1) else largest + 1
            largest = max(largest, number)
            return slot(number - 1)
        if match.group(2):
            return slot(match.group(2))
        if token.upper().startswith("AS"):
            return "AS BIGINT"
        return "ILIKE"

    return _TOKENS.sub(replace, sql), tuple(sources)


def bind(sources: Sequence[int | str], parameters: Any) -> list[Any]:
    if not sources:
        return []
    if isinstance(parameters, Mapping):
        return [parameters[key] for key in sources]
    values = parameters if isinstance(parameters, Sequence) else list(parameters)
    return [values[key] for key in sources]  # type: ignore[index]


class _Done:
    """What a write statement reports, as SQLite's cursor does: the rows it changed."""

    __slots__ = ("rowcount",)

    def __init__(self, status: str) -> None:
        tail = status.rsplit(" ", 1)[-1]
        self.rowcount = int(tail) if tail.isdigit() else -1


class PgConnection:
    """The connection surface the repositories use, over one asyncpg connection.

    Rows are asyncpg Records: read by column name, as ``sqlite3.Row``."""

    def __init__(self, raw: asyncpg.Connection) -> None:
        self.raw = raw

    async def execute_fetchall(self, sql: str, parameters: Any = (), /) -> list[Any]:
        text, sources = translate(sql)
        rows: list[Any] = await self.raw.fetch(text, *bind(sources, parameters))
        return rows

    async def execute(self, sql: str, parameters: Any = (), /) -> _Done:
        text, sources = translate(sql)
        if not sources:  # the simple protocol: also runs a script of several statements
            return _Done(await self.raw.execute(text))
        return _Done(await self.raw.execute(text, *bind(sources, parameters)))

    async def executemany(self, sql: str, parameters: Iterable[Any], /) -> None:
        text, sources = translate(sql)
        batch = [bind(sources, row) for row in parameters]
        if batch:
            await self.raw.executemany(text, batch)


class PgSession:
    """The repositories of one PostgreSQL session (a :class:`Session`); ``connection``
    is the adapter, for tools and tests that check with raw SQL."""

    def __init__(
        self,
        connection: PgConnection,
        dialect: Dialect,
        on_notice: Callable[[], None] | None = None,
    ) -> None:
        self.connection = connection
        self.excerpts = SqliteExcerpts(connection, dialect)
        self.comments = SqliteComments(connection, dialect)
        self.prompts = SqlitePrompts(connection, dialect)
        self.feedback = SqliteFeedback(connection, dialect)
        self.exchange = SqliteExchange(connection)
        self.notifications = SqliteNotifications(connection, on_notice)
        self.reviews = SqliteReviews(connection)


class PostgresStore:
    """A :class:`~bot.storage.interface.Store` on a PostgreSQL database, shared by as many
    bot processes as need it."""

    def __init__(self, url: str, *, pool_size: int = DEFAULT_POOL_SIZE) -> None:
        self.url = url
        self.pool_size = pool_size
        self._pool: asyncpg.Pool | None = None
        # Notification events this process wrote: its sender looks at the outbox when this
        # moved or its next due instant came. Another process's events are sent by that
        # process's own sender (claims keep each message to one sender).
        self.notices_written = 0

    def __str__(self) -> str:
        return redacted(self.url)

    @property
    def is_open(self) -> bool:
        return self._pool is not None

    async def open(self, *, migrate_schema: bool = True) -> None:
        """Connect and migrate; raises ``UnusableDatabase`` with one line saying why.

        ``migrate_schema=False``: only connect, for a helper process of a bot that
        migrated the database as it started (a digest worker).
        """
        if self._pool is not None:
            return
        pool = await connect_pool(self.url, self.pool_size)
        try:
            if migrate_schema:
                async with pool.acquire() as conn:
                    await migrate(conn, self.url)
        except BaseException:
            await pool.close()
            raise
        self._pool = pool

    async def inspect(self) -> None:
        """Nothing to check without connecting: :meth:`open` says what is wrong."""

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    def _opened(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("database is not open")
        return self._pool

    def _count_notice(self) -> None:
        self.notices_written += 1

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgSession]:
        """One atomic unit of work on one pooled connection (READ COMMITTED): committed on
        success, rolled back on any error. Other actions run at the same time."""
        async with self._opened().acquire() as conn, conn.transaction():
            yield PgSession(PgConnection(conn), POSTGRESQL_WRITE, self._count_notice)

    async def run_transaction(
        self, action: Callable[[Session], Coroutine[Any, Any, T]], *, durable: bool = True
    ) -> T:
        """``action`` in one transaction; ``durable=False`` commits without waiting for the
        WAL flush (``synchronous_commit = off`` for this transaction only)."""
        async with self._opened().acquire() as conn, conn.transaction():
            if not durable:
                await conn.execute("SET LOCAL synchronous_commit = off")
            return await action(PgSession(PgConnection(conn), POSTGRESQL_WRITE, self._count_notice))

    @asynccontextmanager
    async def read(self) -> AsyncIterator[PgSession]:
        """One consistent snapshot (REPEATABLE READ, READ ONLY) on a pooled connection."""
        async with (
            self._opened().acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            yield PgSession(PgConnection(conn), POSTGRESQL_READ)

    async def run_read(self, action: Callable[[Session], Coroutine[Any, Any, T]]) -> T:
        """``action`` on one snapshot (see :meth:`read`)."""
        async with self.read() as session:
            return await action(session)

    async def backup_to(self, target: str | Path) -> None:
        raise UnusableDatabase(
            f"{redacted(self.url)} is a PostgreSQL database: back it up with pg_dump "
            "(e.g. `pg_dump --format=custom --file=marginalia.dump <url>`), not with this command"
        )


async def _keep_as_is(conn: asyncpg.Connection) -> None:
    """What a connection goes back to the pool with. Sessions keep no state outside their
    transaction (no LISTEN, no session SET, only transaction-scoped advisory locks), so
    asyncpg's default reset (RESET ALL, UNLISTEN, CLOSE ALL: a round trip on every action)
    buys nothing here; a transaction left open by an interrupted action is rolled back."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


@contextmanager
def reaching(where: str) -> Iterator[None]:
    """Every way connecting can fail (a bad URL, the server down, a refused login, no such
    database) as an ``UnusableDatabase`` with the one line to show; ``where`` names the
    database in it, without its password."""
    try:
        yield
    except asyncpg.InvalidPasswordError:
        raise UnusableDatabase(
            f"PostgreSQL refused the login to {where}: check the user and password in the URL"
        ) from None
    except asyncpg.InvalidAuthorizationSpecificationError as error:
        raise UnusableDatabase(f"PostgreSQL refused the login to {where}: {error}") from None
    except asyncpg.InvalidCatalogNameError:
        raise UnusableDatabase(
            f"{where}: no such database on that server; create it first (createdb)"
        ) from None
    except (OSError, TimeoutError) as error:
        reason = getattr(error, "strerror", None) or str(error) or "timed out"
        raise UnusableDatabase(
            f"cannot reach PostgreSQL at {where} ({reason}): is the server running?"
        ) from None
    except (ValueError, asyncpg.ClientConfigurationError) as error:
        raise UnusableDatabase(f"{where} is not a usable PostgreSQL URL: {error}") from None
    except asyncpg.PostgresError as error:
        raise UnusableDatabase(f"cannot use the PostgreSQL database {where}: {error}") from None


async def connect_pool(url: str, size: int) -> asyncpg.Pool:
    """A pool to ``url``, or ``UnusableDatabase`` with one line (see :func:`reaching`)."""
    with reaching(redacted(url)):
        pool: asyncpg.Pool = await asyncpg.create_pool(
            url, min_size=1, max_size=size, timeout=CONNECT_TIMEOUT_S, reset=_keep_as_is
        )
    return pool


def migrations() -> list[Migration]:
    """PostgreSQL's migrations: a baseline at SQLite's version 7, then one file per version."""
    return read_migrations("postgresql")


def newest_known() -> int:
    return max(m.version for m in migrations())


async def schema_version(conn: asyncpg.Connection) -> int:
    """The database's schema version: 0 for an empty one."""
    # A query on pg_tables, not to_regclass(): after an advisory lock, the catalog cache
    # may not yet know of a table another process has just created and committed.
    exists = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema()"
        " AND tablename = 'schema_migrations')"
    )
    if not exists:
        return 0
    return int(await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))


async def migrate(conn: asyncpg.Connection, url: str) -> tuple[int, int]:
    """Bring the schema up to date: every migration newer than the database, each in one
    transaction with its ``schema_migrations`` row, under an advisory lock so processes
    starting together migrate once. Returns (version before, version after)."""
    where = redacted(url)
    known = migrations()
    newest = max(m.version for m in known)
    before: int | None = None
    try:
        for migration in [None, *known]:
            async with conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
                current = await schema_version(conn)
                if before is None:
                    before = current
                    await _check_ours(conn, current, where)
                    if current > newest:
                        raise MigrationError(
                            f"{where} was written by a newer Marginalia (schema {current}, "
                            f"this one knows {newest}): run the newer version or restore a backup"
                        )
                if migration is None or migration.version <= current:
                    continue
                log.info("applying PostgreSQL migration %04d_%s", migration.version, migration.name)
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
                )
                try:
                    await conn.execute(migration.sql)
                except asyncpg.PostgresError as error:
                    raise MigrationError(
                        f"migration {migration.version:04d}_{migration.name} failed on "
                        f"{where}: {error}"
                    ) from error
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    datetime.now(UTC).isoformat(),
                )
    except asyncpg.PostgresError as error:
        raise UnusableDatabase(f"cannot use the PostgreSQL database {where}: {error}") from None
    return before or 0, await schema_version(conn)


async def _check_ours(conn: asyncpg.Connection, version: int, where: str) -> None:
    """Refuse a database that holds another application's tables: never written to."""
    if version:
        return
    tables = await conn.fetchval(
        "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()"
        " AND tablename <> 'schema_migrations'"
    )
    if tables:
        raise UnusableDatabase(
            f"{where} already holds {tables} table(s) that are not Marginalia's: "
            "use an empty database"
        )
