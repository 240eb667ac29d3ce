"""All SQL lives in this package: the connection and migrations, then one module per table group."""

from bot.storage import comments, digests, excerpts, prompts
from bot.storage.database import (
    Database,
    DatabaseBusy,
    DatabaseInUse,
    DatabaseLock,
    MigrationError,
    UnusableDatabase,
)

__all__ = [
    "Database",
    "DatabaseBusy",
    "DatabaseInUse",
    "DatabaseLock",
    "MigrationError",
    "UnusableDatabase",
    "comments",
    "digests",
    "excerpts",
    "prompts",
]
