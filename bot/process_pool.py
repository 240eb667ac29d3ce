"""Warm worker processes with a budget: for work that must never share the bot's process.

Why a process and not a thread: work that can run for seconds in Python (reading a Word
document, rendering a digest of 50,000 comments) holds the interpreter's lock, and every
thread of the bot, the event loop and the database's included, then waits its turn for
it: a comment that takes 1 ms alone takes 100 ms behind a digest rendered in a thread.
In a process it waits for nothing. A process also makes the budget a guarantee rather
than a hope: its address space is capped (work that balloons gets a ``MemoryError`` in
the worker, never in the bot) and a job that outlasts its wall-clock budget is killed,
which a thread can't be.

The workers come from a ``forkserver`` (not ``fork``: the bot has threads and an event
loop a fork would copy mid-flight) and stay warm, so a job costs a pickle of its input
and output and the work itself.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

# What every worker's fork server loads once, so a new worker starts with it: the
# readers of uploads and the digest pipeline (lxml under both), not the bot itself.
FORK_SERVER_PRELOAD = ["bot.text", "lxml.etree", "bot.digest_worker"]


class JobFailed(Exception):
    """The job ran out of time, or its worker died; the pool's workers were replaced."""


def _start_worker(memory_limit: int, niceness: int) -> None:
    """Cap the worker's address space and lower its priority (runs in the worker as it
    starts)."""
    if niceness and hasattr(os, "nice"):
        os.nice(niceness)
    try:
        import resource
    except ImportError:  # not on POSIX: the wall-clock budget still holds
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        memory_limit = min(memory_limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, hard))


def _outside_any_request(function: Callable[..., T], *args: Any) -> T:
    """Run ``function`` in an empty context.

    The workers, and the threads that feed them, outlive the request that happened to
    start them: nothing scoped to that request (its context variables) follows them.
    """
    return contextvars.Context().run(function, *args)


class WorkerPool:
    """A few warm worker processes, each under ``memory_bytes`` of address space.

    ``niceness`` lowers the workers' priority: work nobody waits on within seconds
    (a digest) then takes the cores only when the bot's own threads leave them, so a
    command never queues behind it for a time slice. ``warm_up`` runs in a worker when
    the pool starts (import what the jobs need there, so the first job doesn't pay for
    it); it must be a module-level function.
    """

    def __init__(
        self,
        *,
        name: str,
        workers: int,
        memory_bytes: int,
        warm_up: Callable[[], bool],
        niceness: int = 0,
    ) -> None:
        self.name = name
        self.niceness = niceness
        self.workers = workers
        self.memory_bytes = memory_bytes
        self._warm_up = warm_up
        self._pool: ProcessPoolExecutor | None = None
        self._warm: Future[bool] | None = None
        self._starting = threading.Lock()  # two first jobs at once make one pool

    def _start(self) -> tuple[ProcessPoolExecutor, Future[bool]]:
        # Runs in a thread: starting the fork server and the workers blocks.
        with self._starting:
            if self._pool is None or self._warm is None:
                if sys.platform.startswith("linux"):
                    context = multiprocessing.get_context("forkserver")
                    context.set_forkserver_preload(FORK_SERVER_PRELOAD)
                else:
                    context = multiprocessing.get_context("spawn")
                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=context,
                    initializer=_start_worker,
                    initargs=(self.memory_bytes, self.niceness),
                )
                self._warm = self._pool.submit(self._warm_up)
            return self._pool, self._warm

    async def start(self) -> None:
        """Start the workers now, so the first job doesn't wait for them."""
        _pool, warm = await asyncio.to_thread(_outside_any_request, self._start)
        await asyncio.wrap_future(warm)

    async def run(self, budget: float, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in a worker: its result or its own exception.

        ``MemoryError`` when the worker hit its cap; :class:`JobFailed` when the job
        outlasted ``budget`` seconds or its worker died (the workers are then killed,
        a stuck one among them, and the next job starts afresh).
        """
        if self._warm is None or not self._warm.done():
            await self.start()
        pool = self._pool
        if pool is None:  # discarded meanwhile by a job that ran out of time
            await self.start()
            pool = self._pool
        assert pool is not None
        try:
            # Submitting may start a worker: keep even that off the loop.
            job = await asyncio.to_thread(_outside_any_request, pool.submit, function, *args)
            return await asyncio.wait_for(asyncio.wrap_future(job), budget)
        except TimeoutError:
            log.warning("%s: a job took over %.1f s; workers stopped", self.name, budget)
            self._discard(pool)
            raise JobFailed(f"over {budget:.1f} s") from None
        except BrokenProcessPool as error:
            log.warning("%s: a worker died", self.name)
            self._discard(pool)
            raise JobFailed("the worker died") from error

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        """Kill a pool's workers (a job may be stuck in one) and start afresh next time."""
        if self._pool is pool:
            self._pool, self._warm = None, None
        # The executor has no public way to stop a running task; its workers do.
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Let the workers exit (no job is taken after the bot stops)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool, self._warm = None, None
