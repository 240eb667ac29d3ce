"""The SQLite store's readers: read-only connections beside the writer (package-private).

In WAL mode readers never wait for the writer nor the writer for them, so a long list
or a hot thread's search cannot hold up a comment in another server. A reader serves
either a session of several awaited reads (:meth:`ReaderPool.session`), one trip to its
thread per statement, or a whole read run on its thread (:meth:`ReaderPool.run`), one
trip for a page however many statements make it.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.storage._files import unusable
from bot.storage._one_hop import DatabaseThread, DirectConnection, open_shared, read_to_end

T = TypeVar("T")
Opened = TypeVar("Opened")


@dataclass(frozen=True, slots=True)
class Reader:
    """One read-only connection, reachable two ways: through aiosqlite (statement by
    statement) and directly on a thread of its own (a whole read at once). A reader is
    lent to one caller at a time, so the two never use the connection together."""

    conn: aiosqlite.Connection
    raw: sqlite3.Connection
    thread: DatabaseThread


class ReaderPool:
    def __init__(self) -> None:
        self._readers: list[Reader] = []
        self._free: asyncio.Queue[Reader] = asyncio.Queue()

    def __len__(self) -> int:
        return len(self._readers)

    def __iter__(self) -> Iterator[Reader]:
        return iter(self._readers)

    async def open(self, path: str, size: int, pragmas: list[str]) -> None:
        """``size`` readers on ``path``, each set up with ``pragmas``."""
        self._free = asyncio.Queue()
        for number in range(size):
            reader = await _open_reader(path, pragmas, f"sqlite-reader-{number}")
            self._readers.append(reader)
            self._free.put_nowait(reader)

    @asynccontextmanager
    async def lent(self) -> AsyncIterator[Reader]:
        """A free reader for the caller alone (waiting for one if all are busy)."""
        reader = await self._free.get()
        try:
            yield reader
        finally:
            self._free.put_nowait(reader)

    async def run(
        self,
        session_of: Callable[[DirectConnection], Opened],
        action: Callable[[Opened], Coroutine[Any, Any, T]],
    ) -> T:
        """``action`` on one snapshot, run whole on a free reader's thread."""
        async with self.lent() as reader:
            session = session_of(DirectConnection(reader.raw))
            return await reader.thread.finish(lambda: read_to_end(reader.raw, action, session))

    async def close(self) -> None:
        """Close every reader, after the reads in flight on them end."""
        readers, self._readers = self._readers, []
        for _ in readers:
            await self._free.get()
        for reader in readers:
            await reader.conn.close()
            reader.thread.stop()


async def _open_reader(path: str, pragmas: list[str], name: str) -> Reader:
    try:
        conn, raw = await open_shared(path)
    except sqlite3.Error as error:
        raise unusable(Path(path), error) from None
    try:
        for pragma in pragmas:
            await conn.execute_fetchall(pragma)
    except BaseException:
        await conn.close()
        raise
    # Repositories read columns by name (see bot.storage._rows).
    conn.row_factory = sqlite3.Row
    return Reader(conn, raw, DatabaseThread(name))
