"""All SQL lives in this package: the storage interface, then its SQLite backend.

Services hold a :class:`Store` and work through its sessions' repositories
(:mod:`bot.storage.interface`); :class:`Database` is the SQLite store, with its
connection and migrations in :mod:`bot.storage.database` and one module per table
group (``excerpts``, ``comments``, ``prompts``, ``feedback``). ``_sql``, ``_rows`` and
``_files`` are private to the package: shared SQL helpers, rows to records by column
name, and the database file's safety checks and lock.
"""

from bot.storage._files import (
    DatabaseBusy,
    DatabaseInUse,
    DatabaseLock,
    UnusableDatabase,
    side_files,
)
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

__all__ = [
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
    "known_version",
    "side_files",
    "stored_version",
]
