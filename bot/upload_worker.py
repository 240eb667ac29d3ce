"""Reading uploads off the event loop, a Word document in a process with a budget.

Why a process: a .docx is a zip of XML written by anyone. The streaming reader in
``bot.docx_text`` stops at the product's limits, but a process is what makes the
budget a guarantee rather than a hope: its address space is capped (a parser that
balloons gets a ``MemoryError`` in the worker, never in the bot) and a read that
outlasts its wall-clock budget is killed, which a thread can't be. The workers come
from a ``forkserver`` (not ``fork``: the bot has threads and an event loop a fork
would copy mid-flight) and stay warm, so a read costs a pickle of the upload and the
parse itself. Plain text needs none of this: it is decoded in a thread.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import multiprocessing
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from bot.errors import InvalidInput
from bot.text import Decoded, check_upload, read_upload

log = logging.getLogger(__name__)
T = TypeVar("T")

# Discord wants an answer within 3 s of the command and the read happens before the
# answer, so a read that isn't done in 2 s is refused (a real document takes well
# under a second; see bot.docx_text's bounds).
READ_SECONDS = 2.0
# Address space for a worker: Python, lxml and a streamed document fit in a fraction.
WORKER_MEMORY_BYTES = 768 * 1024 * 1024
WORKERS = 2


def _limit_memory(limit: int) -> None:
    """Cap the worker's address space (runs in the worker as it starts)."""
    try:
        import resource
    except ImportError:  # not on POSIX: the wall-clock budget still holds
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _outside_any_request(function: Callable[..., T], *args: Any) -> T:
    """Run ``function`` in an empty context.

    The workers, and the threads that feed them, outlive the request that happened to
    start them: nothing scoped to that request (its context variables) follows them.
    """
    return contextvars.Context().run(function, *args)


def _ready() -> bool:
    import lxml.etree  # type: ignore[import-untyped]  # noqa: F401  (load it before a read)

    return True


def _too_slow() -> InvalidInput:
    return InvalidInput(
        "That file took too long to read, so I stopped. Save the excerpt alone in a new "
        "document, or as a UTF-8 `.txt` file, and attach it again."
    )


class UploadReader:
    """Decodes uploads without blocking the event loop; one per bot."""

    def __init__(
        self,
        *,
        timeout: float = READ_SECONDS,
        memory_bytes: int = WORKER_MEMORY_BYTES,
        workers: int = WORKERS,
    ) -> None:
        self.timeout = timeout
        self.memory_bytes = memory_bytes
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._warm: Future[bool] | None = None
        self._starting = threading.Lock()  # two first uploads at once make one pool

    def _start(self) -> tuple[ProcessPoolExecutor, Future[bool]]:
        # Runs in a thread: starting the fork server and the workers blocks.
        with self._starting:
            return self._start_locked()

    def _start_locked(self) -> tuple[ProcessPoolExecutor, Future[bool]]:
        if self._pool is None or self._warm is None:
            if sys.platform.startswith("linux"):
                context = multiprocessing.get_context("forkserver")
                # Workers fork from a server that loaded only what reading needs, not
                # the bot (discord.py and all): small, and quick to start.
                context.set_forkserver_preload(["bot.text", "lxml.etree"])
            else:
                context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=context,
                initializer=_limit_memory,
                initargs=(self.memory_bytes,),
            )
            self._warm = self._pool.submit(_ready)
        return self._pool, self._warm

    async def start(self) -> None:
        """Start the workers now, so the first upload doesn't wait for them."""
        _pool, warm = await asyncio.to_thread(_outside_any_request, self._start)
        await asyncio.wrap_future(warm)

    async def read(self, filename: str, data: bytes) -> Decoded:
        """The upload's text, or ``InvalidInput`` (also when the budget runs out)."""
        if check_upload(filename, len(data)) != ".docx":
            return await asyncio.to_thread(read_upload, filename, data)
        if self._warm is None or not self._warm.done():
            await self.start()
        pool = self._pool
        if pool is None:  # discarded meanwhile by a read that ran out of time
            await self.start()
            pool = self._pool
        assert pool is not None
        try:
            # Submitting may start a worker: keep even that off the loop.
            job = await asyncio.to_thread(
                _outside_any_request, pool.submit, read_upload, filename, data
            )
            return await asyncio.wait_for(asyncio.wrap_future(job), self.timeout)
        except TimeoutError:
            log.warning("reading %r took over %.1f s; worker stopped", filename, self.timeout)
            self._discard(pool)
            raise _too_slow() from None
        except MemoryError as error:
            raise InvalidInput(
                "That Word document needs more memory to read than I can give it. Save the "
                "excerpt alone in a new document, or as a `.txt` file, and try again."
            ) from error
        except BrokenProcessPool as error:
            log.warning("upload worker died reading %r", filename)
            self._discard(pool)
            raise _too_slow() from error

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        """Kill a pool's workers (a read may be stuck in one) and start afresh next time."""
        if self._pool is pool:
            self._pool, self._warm = None, None
        # The executor has no public way to stop a running task; its workers do.
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Let the workers exit (nothing is read after the bot stops)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool, self._warm = None, None
