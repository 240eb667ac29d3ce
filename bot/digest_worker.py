"""Digests made in a worker process, which reads the database itself.

A digest of an author's 877 excerpts loads 56,000 comments and renders them: seconds of
Python. On the bot's own threads, that holds the interpreter's lock, and a comment in
another server that takes 1 ms alone took 10 to 300 ms behind it. The worker opens the
SQLite file read-only (WAL lets it read beside the bot's writer, a consistent snapshot
of every committed action), renders there, and sends back only the finished file. The
bot's loop, writer and readers never wait for it. The worker's budget (time and memory)
stops a digest that would run away. On PostgreSQL the worker connects to the same
database (one connection, for the digest's one read transaction).

An in-memory database, which no other process can open, is read and rendered in this
process.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any, TypeVar

from bot.digest_formats import DigestFormat
from bot.digest_service import Digest, Digests, NoDigest
from bot.errors import InvalidInput
from bot.process_pool import JobFailed, WorkerPool
from bot.storage import Database, is_postgres_url
from bot.storage.interface import Store

log = logging.getLogger(__name__)
T = TypeVar("T")

# A deferred answer may come up to 15 minutes later; a digest within the product's
# limits takes a few seconds, so two minutes only stops one that has run away.
DIGEST_SECONDS = 120.0
# Address space per worker: Python, the loaded feedback and the file being built.
WORKER_MEMORY_BYTES = 2 * 1024 * 1024 * 1024
WORKERS = 2
# Below the bot's own threads: a comment never waits for a core behind a digest.
WORKER_NICENESS = 10


def _ready() -> bool:
    return True


def _too_slow() -> InvalidInput:
    return InvalidInput(
        "That digest took too long to make, so I stopped. Ask for less: a recent day with "
        "`since`, or one excerpt with `/digest excerpt`. A server admin can export any "
        "digest with the bot's command line."
    )


def _too_large() -> InvalidInput:
    return InvalidInput(
        "That digest needs more memory than I can give it. Ask for less: a recent day with "
        "`since`, or one excerpt with `/digest excerpt`. A server admin can export any "
        "digest with the bot's command line."
    )


async def _opened_for_reading(target: str) -> Store:
    """The bot's database, opened by a worker: never created, migrated or written."""
    if is_postgres_url(target):
        from bot.storage.postgres import PostgresStore

        store = PostgresStore(target, pool_size=1)
        await store.open(migrate_schema=False)
        return store
    database = Database(target, read_only=True)
    await database.open()
    return database


def _in_worker(
    target: str,
    generated_at: datetime,
    make: Callable[..., Awaitable[T]],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> T:
    """Runs in the worker: open the database for reading, make the digest, close."""

    async def run() -> T:
        database = await _opened_for_reading(target)
        try:
            return await make(Digests(database, clock=lambda: generated_at), *args, **kwargs)
        finally:
            await database.close()

    return asyncio.run(run())


class OffLoopDigests:
    """What the ``/digest`` commands call: :class:`~bot.digest_service.Digests`, made
    in a worker process unless the store is in memory. One per bot; ``close`` it."""

    def __init__(
        self,
        database: Store,
        clock: Callable[[], datetime],
        *,
        timeout: float = DIGEST_SECONDS,
        memory_bytes: int = WORKER_MEMORY_BYTES,
    ) -> None:
        self._here = Digests(database, clock)
        self._clock = clock
        self.timeout = timeout
        self._target = _target_of(database)
        self._pool = WorkerPool(
            name="digest maker",
            workers=WORKERS,
            memory_bytes=memory_bytes,
            warm_up=_ready,
            niceness=WORKER_NICENESS,
        )

    @property
    def in_worker(self) -> bool:
        """Whether digests are made in a worker (not for an in-memory database)."""
        return self._target is not None

    async def excerpt_digest(
        self,
        guild_id: int,
        number: int,
        fmt: DigestFormat | str,
        *,
        include_resolved: bool = False,
        revision: int | None = None,
        tracked_suggestions: bool = True,
    ) -> Digest:
        """See :meth:`Digests.excerpt_digest`."""
        return await self._make(
            Digests.excerpt_digest,
            (guild_id, number, fmt),
            {
                "include_resolved": include_resolved,
                "revision": revision,
                "tracked_suggestions": tracked_suggestions,
            },
        )

    async def author_digest(
        self,
        guild_id: int,
        author_id: int,
        fmt: DigestFormat | str,
        *,
        since: date | None = None,
        include_resolved: bool = False,
        author_name: str | None = None,
    ) -> Digest | NoDigest:
        """See :meth:`Digests.author_digest`."""
        return await self._make(
            Digests.author_digest,
            (guild_id, author_id, fmt),
            {"since": since, "include_resolved": include_resolved, "author_name": author_name},
        )

    async def _make(
        self,
        make: Callable[..., Awaitable[T]],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> T:
        if self._target is None:
            return await make(self._here, *args, **kwargs)
        try:
            return await self._pool.run(
                self.timeout, _in_worker, self._target, self._clock(), make, args, kwargs
            )
        except JobFailed as error:
            log.warning("a digest stopped: %s", error)
            raise _too_slow() from None
        except MemoryError:
            log.warning("a digest needed more than %d bytes", self._pool.memory_bytes)
            raise _too_large() from None

    def close(self) -> None:
        """Let the workers exit."""
        self._pool.close()


def _target_of(database: Store) -> str | None:
    """Where a worker finds the bot's database: a SQLite file or a PostgreSQL URL."""
    if isinstance(database, Database):
        return None if database.path == ":memory:" else database.path
    url = getattr(database, "url", None)
    return url if isinstance(url, str) and is_postgres_url(url) else None
