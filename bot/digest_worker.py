"""Digests made in a worker process, which reads the database itself.

A digest of an author's 877 excerpts loads 56,000 comments and renders them: seconds of
Python. On the bot's own threads, that holds the interpreter's lock, and a comment in
another server that takes 1 ms alone took 10 to 300 ms behind it. The worker opens the
SQLite file read-only (WAL lets it read beside the bot's writer, a consistent snapshot
of every committed action), renders there, and sends back only the finished file. The
bot's loop, writer and readers never wait for it. The worker's budget (time and memory)
stops a digest that would run away. On PostgreSQL the worker connects to the same
database (one connection, for the digest's one read transaction).

An in-memory database, which no other process can open, has no worker: its digests are
read and rendered in this process.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from bot.errors import InvalidInput
from bot.process_pool import JobFailed, WorkerPool
from bot.storage import Database, is_postgres_url
from bot.storage.interface import Store

log = logging.getLogger(__name__)

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
    method: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    """Runs in the worker: open the database for reading, make the digest, close."""
    # Imported here: the service imports this module to hand its methods over.
    from bot.digest_service import Digests

    async def run() -> Any:
        database = await _opened_for_reading(target)
        try:
            digests = Digests(database, clock=lambda: generated_at)
            return await getattr(digests, method)(*args, **kwargs)
        finally:
            await database.close()

    return asyncio.run(run())


class DigestWorker:
    """Makes the bot's digests in worker processes (see ``Digests(worker=...)``)."""

    def __init__(
        self,
        target: str,
        *,
        timeout: float = DIGEST_SECONDS,
        memory_bytes: int = WORKER_MEMORY_BYTES,
    ) -> None:
        self.target = target
        self.timeout = timeout
        self._pool = WorkerPool(
            name="digest maker",
            workers=WORKERS,
            memory_bytes=memory_bytes,
            warm_up=_ready,
            niceness=WORKER_NICENESS,
        )

    @classmethod
    def for_store(cls, database: Store, **options: Any) -> DigestWorker | None:
        """A worker for the bot's database; None for one no other process can open."""
        if isinstance(database, Database):
            return None if database.path == ":memory:" else cls(database.path, **options)
        url = getattr(database, "url", None)
        if isinstance(url, str) and is_postgres_url(url):
            return cls(url, **options)
        return None

    async def make(
        self, method: str, generated_at: datetime, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        """``Digests.<method>(*args, **kwargs)``, made in a worker at ``generated_at``."""
        try:
            return await self._pool.run(
                self.timeout, _in_worker, self.target, generated_at, method, args, kwargs
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
