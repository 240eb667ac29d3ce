"""A whole SQLite transaction in one trip to the writer's thread (package-private).

Each ``await`` on an aiosqlite connection is a trip to its thread and back through the
event loop: adding a comment (the excerpt, the open-review check, the insert, its
credit and its notification) made a dozen trips around one commit. Run instead on the
writer's thread, the same repositories, given a connection whose methods never suspend,
finish in one ``send``: the action's coroutine runs to its end without the loop.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import sqlite3
import threading
from collections.abc import Callable, Coroutine, Iterable
from queue import SimpleQueue
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")
Session = TypeVar("Session")
_Job = tuple["asyncio.Future[Any]", Callable[[], Any]] | None


class DatabaseThread:
    """One thread running jobs in order and handing each result back to the caller's
    loop: the same shape as aiosqlite's own thread, for jobs bigger than a statement
    (the writer's transactions, a reader's page)."""

    def __init__(self, name: str) -> None:
        self._jobs: SimpleQueue[_Job] = SimpleQueue()
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()

    def run(self, job: Callable[[], T]) -> asyncio.Future[T]:
        """Start ``job`` in the caller's context (its context variables), as
        ``asyncio.to_thread`` does."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        context = contextvars.copy_context()
        self._jobs.put((future, functools.partial(context.run, job)))
        return future

    async def finish(self, job: Callable[[], T]) -> T:
        """``job``'s result. A caller cancelled meanwhile still waits for the job to end
        before it goes: it holds the connection the job is using."""
        running = self.run(job)
        try:
            return await asyncio.shield(running)
        except asyncio.CancelledError:
            while not running.done():
                try:
                    await asyncio.shield(running)
                except asyncio.CancelledError:
                    continue
                except BaseException:  # the caller is gone: its cancellation is the answer
                    break
            raise

    def stop(self) -> None:
        """Finish the jobs already given, then end the thread."""
        self._jobs.put(None)

    def _work(self) -> None:
        while (item := self._jobs.get()) is not None:
            future, job = item
            try:
                result = job()
            except BaseException as error:  # handed to the caller, who re-raises it
                future.get_loop().call_soon_threadsafe(_fail, future, error)
            else:
                future.get_loop().call_soon_threadsafe(_succeed, future, result)


def _succeed(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():
        future.set_result(result)


def _fail(future: asyncio.Future[Any], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)


class DirectConnection:
    """The repositories' connection surface (:class:`bot.storage._dialect.Connection`) over
    a plain ``sqlite3`` connection: every call runs at once, on the calling thread."""

    def __init__(self, raw: sqlite3.Connection) -> None:
        self.raw = raw

    async def execute_fetchall(self, sql: str, parameters: Any = (), /) -> list[Any]:
        return self.raw.execute(sql, parameters).fetchall()

    async def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        return self.raw.execute(sql, parameters)

    async def executemany(self, sql: str, parameters: Iterable[Any], /) -> sqlite3.Cursor:
        return self.raw.executemany(sql, parameters)


async def open_shared(path: str) -> tuple[aiosqlite.Connection, sqlite3.Connection]:
    """A connection reachable two ways: through aiosqlite (statement by statement, on its
    thread) and as the plain ``sqlite3`` connection beneath it, for whole actions run on a
    :class:`DatabaseThread`. The owner makes sure the two are never used at once."""
    opened: list[sqlite3.Connection] = []

    def connect() -> sqlite3.Connection:
        # isolation_level=None: BEGIN/COMMIT are ours, so a transaction means one action.
        opened.append(sqlite3.connect(path, isolation_level=None, check_same_thread=False))
        return opened[0]

    conn = await aiosqlite.Connection(connect, iter_chunk_size=64)
    return conn, opened[0]


def on_event_loop() -> bool:
    """Whether the caller runs on an event loop: not on a database thread, where a whole
    action runs with no loop to yield to (and none waiting for it)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class AwaitedOutsideTheDatabase(RuntimeError):
    """An action run on the writer's thread awaited something other than its session."""


def run_to_end(coroutine: Coroutine[Any, Any, T]) -> T:
    """The coroutine's result, run without an event loop: it may await only calls that
    finish at once (a :class:`DirectConnection`'s), which never suspend."""
    try:
        coroutine.send(None)
    except StopIteration as finished:
        return finished.value  # type: ignore[no-any-return]
    coroutine.close()
    raise AwaitedOutsideTheDatabase(
        "an action run whole on a database thread awaited something other than the database"
    )


def commit_or_roll_back(
    raw: sqlite3.Connection,
    action: Callable[[], Coroutine[Any, Any, T]],
    *,
    synchronous: str | None = None,
) -> T:
    """``action()`` inside ``BEGIN IMMEDIATE`` … ``COMMIT`` on ``raw``; any error (the
    commit's own included) rolls everything back and propagates.

    ``synchronous`` sets SQLite's sync level for this commit only (``NORMAL``: in WAL
    mode the commit is atomic and consistent but reaches the disk with the next synced
    commit or checkpoint), then puts the connection's own level back."""
    if synchronous is None:
        return _in_transaction(raw, action)
    restore = raw.execute("PRAGMA synchronous").fetchall()[0][0]
    raw.execute(f"PRAGMA synchronous = {synchronous}")
    try:
        return _in_transaction(raw, action)
    finally:
        raw.execute(f"PRAGMA synchronous = {int(restore)}")


def _in_transaction(raw: sqlite3.Connection, action: Callable[[], Coroutine[Any, Any, T]]) -> T:
    raw.execute("BEGIN IMMEDIATE")
    try:
        result = run_to_end(action())
        raw.execute("COMMIT")
    except BaseException:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        raise
    return result


def read_to_end(
    raw: sqlite3.Connection,
    action: Callable[[Session], Coroutine[Any, Any, T]],
    session: Session,
) -> T:
    """``action(session)`` inside one read transaction on ``raw``: every statement sees
    the same committed state."""
    raw.execute("BEGIN")
    try:
        return run_to_end(action(session))
    finally:
        if raw.in_transaction:
            raw.execute("COMMIT")
