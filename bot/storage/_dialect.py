"""What the backends' SQL cannot share (package-private): a handful of fragments.

The repositories' SQL is written once, in the subset SQLite and PostgreSQL agree on
(placeholders ``?``, ``?N`` or ``:name``; the PostgreSQL connection translates them). The
few things that differ come from the session's :class:`Dialect`: how a list of ids is
bound as one parameter, and whether a write session's read of the row it is about to
change locks that row (PostgreSQL runs writers side by side; SQLite has one writer).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str
    # A write session's read of the excerpt or schedule it goes on to change locks that
    # row until commit (PostgreSQL only: SQLite's single writer already excludes others).
    lock_rows: bool = False

    def in_ids(self, column: str, ids: Collection[int]) -> tuple[str, Any]:
        """``column IN <ids>`` with the ids bound as one parameter, however many there are."""
        if self.name == "postgresql":
            return f"{column} = ANY(?)", sorted(ids)
        return f"{column} IN (SELECT value FROM json_each(?))", json.dumps(sorted(ids))

    def not_in_ids(self, column: str, ids: Collection[int]) -> tuple[str, Any]:
        """``column NOT IN <ids>``, bound the same way (``column`` is NOT NULL here)."""
        if self.name == "postgresql":
            return f"{column} <> ALL(?)", sorted(ids)
        return f"{column} NOT IN (SELECT value FROM json_each(?))", json.dumps(sorted(ids))

    def lock(self, alias: str) -> str:
        """Appended to a write session's SELECT of one row it will change: keeps other
        writers off that row until commit. Empty where there is nothing to lock."""
        return f" FOR NO KEY UPDATE OF {alias}" if self.lock_rows else ""


SQLITE = Dialect("sqlite")
POSTGRESQL_READ = Dialect("postgresql")
POSTGRESQL_WRITE = Dialect("postgresql", lock_rows=True)


class Result(Protocol):
    """What a write statement tells: how many rows it changed."""

    @property
    def rowcount(self) -> int: ...


class Connection(Protocol):
    """The part of a connection the repositories use: aiosqlite's, and the PostgreSQL
    adapter's (:class:`bot.storage.postgres.PgConnection`) over an asyncpg connection."""

    async def execute_fetchall(self, sql: str, parameters: Any = ..., /) -> Iterable[Any]: ...

    async def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...

    async def executemany(self, sql: str, parameters: Iterable[Any], /) -> Any: ...
