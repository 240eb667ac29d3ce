"""WAL checkpoints off the writer's path (package-private).

SQLite's automatic checkpoint runs inside the commit that crosses its threshold: that
commit then copies a thousand pages into the database file and waits for the disk, and
a comment that happened to be that commit took a hundred milliseconds and more. The
writer turns the automatic checkpoint off; this checkpointer, on a connection of its
own (its own thread), copies pages back every so many commits. A PASSIVE checkpoint
waits for nobody: the writer keeps committing to the WAL and readers keep their
snapshots while it runs, and the WAL starts over once everything in it is copied.

Under a sustained stream of writes the copy never quite catches up, so the WAL would
only grow; past a cap, one checkpoint runs while holding the writers back, which lets
the WAL start over (a pause as short as what is left to copy, and rare).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import aiosqlite

log = logging.getLogger(__name__)

# Commits between checkpoints: a comment writes ten to twenty pages, so a few times
# SQLite's own threshold of a thousand pages (a WAL of about 10 MB). Each checkpoint's
# disk syncs slow the commits beside it a little: fewer of them, fewer slow comments.
CHECKPOINT_EVERY_COMMITS = 256
# Frames the WAL may hold before a checkpoint holds the writers back (64 MB of pages).
LOG_CAP_FRAMES = 16_384


class Checkpointer:
    """Checkpoints one database's WAL in the background, every ``every`` commits."""

    def __init__(self, path: str, writers: asyncio.Lock, *, every: int | None = None) -> None:
        self.path = path
        self.every = every or CHECKPOINT_EVERY_COMMITS
        self._writers = writers  # the writer's lock: held, no commit can start
        self._conn: aiosqlite.Connection | None = None
        self._commits = 0  # since the last checkpoint started
        self._total = 0
        self._running: asyncio.Task[None] | None = None

    async def open(self, synchronous: str) -> None:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            # No busy handler: a checkpoint never waits for a writer or a reader.
            await conn.execute_fetchall("PRAGMA busy_timeout = 0")
            await conn.execute_fetchall(f"PRAGMA synchronous = {synchronous}")
        except BaseException:
            await conn.close()
            raise
        self._conn = conn

    def committed(self) -> None:
        """Count one commit; start a checkpoint when enough have gathered."""
        self._commits += 1
        self._total += 1
        if self._commits < self.every or self._conn is None:
            return
        if self._running is None or self._running.done():
            self._commits = 0
            self._running = asyncio.get_running_loop().create_task(self._checkpoint())

    async def _checkpoint(self) -> None:
        """Copy passes until one sees no commit land while it ran: the WAL is then all
        copied (or held by a reader's snapshot), and the next commit starts it over.
        A pass that ends with commits behind it leaves those uncopied, and a writer
        that began meanwhile can't start the WAL over: hence another pass."""
        conn = self._conn
        if conn is None:
            return
        try:
            while True:
                commits = self._total
                rows = await conn.execute_fetchall("PRAGMA wal_checkpoint(PASSIVE)")
                _busy, frames, _copied = next(iter(rows))
                if frames > LOG_CAP_FRAMES:
                    async with self._writers:
                        await conn.execute_fetchall("PRAGMA wal_checkpoint(PASSIVE)")
                    return
                if self._total == commits:
                    break
            # With everything copied, start the WAL over now: RESTART holds new writers
            # only while it copies what is left (little, after the passes); without a
            # busy handler it never waits for a writer or a reader, and does what it
            # can, as PASSIVE would.
            await conn.execute_fetchall("PRAGMA wal_checkpoint(RESTART)")
        except sqlite3.Error as error:  # the next one tries again; SQLite's data is safe
            log.warning("background checkpoint failed: %s", error)

    async def idle(self) -> None:
        """Wait for a checkpoint under way (tests, and close)."""
        running = self._running
        if running is not None:
            await asyncio.shield(running)

    async def close(self) -> None:
        """Wait for a checkpoint under way, then close the connection."""
        await self.idle()
        self._running = None
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.close()
