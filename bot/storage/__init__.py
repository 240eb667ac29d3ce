"""All SQL lives in this package: the storage interface, then its backends.

Services hold a :class:`Store` and work through its sessions' repositories
(:mod:`bot.storage.interface`); :class:`Database` is the SQLite store, with its
connection and migrations in :mod:`bot.storage.database` and one module per table
group (``excerpts``, ``comments``, ``prompts``, ``feedback``). ``_sql``, ``_rows`` and
``_files`` are private to the package: shared SQL helpers, rows to records by column
name, and the database file's safety checks and lock.

:func:`store_for` picks the backend from the target: a ``postgresql://`` URL gives the
PostgreSQL store (:mod:`bot.storage.postgres`, which runs the same repositories' SQL
through a placeholder translator), anything else a SQLite file.
"""

from pathlib import Path

from bot.storage._files import (
    DatabaseBusy,
    DatabaseInUse,
    DatabaseLock,
    UnusableDatabase,
    side_files,
)
from bot.storage._one_hop import on_event_loop
from bot.storage.database import (
    Database,
    MigrationError,
    SqliteSession,
    known_version,
    stored_version,
)
from bot.storage.interface import (
    CommentStore,
    ExcerptStore,
    FeedbackStore,
    PromptStore,
    Session,
    Store,
)

# The default pool size of a PostgreSQL store (MARGINALIA_DATABASE_POOL_SIZE).
DEFAULT_POOL_SIZE = 10


def is_postgres_url(target: object) -> bool:
    """Whether ``target`` names a PostgreSQL database (``postgresql://`` or ``postgres://``)."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def store_for(target: str | Path, *, pool_size: int = DEFAULT_POOL_SIZE) -> Store:
    """The (not yet opened) store for ``target``: a PostgreSQL URL or a SQLite file path."""
    if is_postgres_url(target):
        # Imported here: asyncpg is an optional extra, needed only for PostgreSQL.
        try:
            from bot.storage.postgres import PostgresStore
        except ImportError:
            raise UnusableDatabase(
                "the database is a PostgreSQL URL but asyncpg is not installed: "
                "pip install 'marginalia[postgres]'"
            ) from None
        return PostgresStore(str(target), pool_size=pool_size)
    return Database(target)


__all__ = [
    "DEFAULT_POOL_SIZE",
    "CommentStore",
    "Database",
    "DatabaseBusy",
    "DatabaseInUse",
    "DatabaseLock",
    "ExcerptStore",
    "FeedbackStore",
    "MigrationError",
    "PromptStore",
    "Session",
    "SqliteSession",
    "Store",
    "UnusableDatabase",
    "is_postgres_url",
    "known_version",
    "on_event_loop",
    "side_files",
    "store_for",
    "stored_version",
]
