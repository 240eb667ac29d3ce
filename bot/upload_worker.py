"""Reading uploads off the event loop, a Word document in a process with a budget.

A .docx is a zip of XML written by anyone. The streaming reader in ``bot.docx_text``
stops at the product's limits; a worker process (:mod:`bot.process_pool`) makes the
budget a guarantee: capped memory, and a read that outlasts its time is killed. Plain
text needs none of this: it is decoded in a thread.
"""

from __future__ import annotations

import asyncio
import logging

from bot.errors import InvalidInput
from bot.process_pool import JobFailed, WorkerPool
from bot.text import Decoded, check_upload, read_upload

log = logging.getLogger(__name__)

# Discord wants an answer within 3 s of the command and the read happens before the
# answer, so a read that isn't done in 2 s is refused (a real document takes well
# under a second; see bot.docx_text's bounds).
READ_SECONDS = 2.0
# Address space for a worker: Python, lxml and a streamed document fit in a fraction.
WORKER_MEMORY_BYTES = 768 * 1024 * 1024
WORKERS = 2


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
        self._pool = WorkerPool(
            name="upload reader", workers=workers, memory_bytes=memory_bytes, warm_up=_ready
        )

    async def start(self) -> None:
        """Start the workers now, so the first upload doesn't wait for them."""
        await self._pool.start()

    async def read(self, filename: str, data: bytes) -> Decoded:
        """The upload's text, or ``InvalidInput`` (also when the budget runs out)."""
        if check_upload(filename, len(data)) != ".docx":
            return await asyncio.to_thread(read_upload, filename, data)
        try:
            return await self._pool.run(self.timeout, read_upload, filename, data)
        except JobFailed as error:
            log.warning("reading %r stopped: %s", filename, error)
            raise _too_slow() from None
        except MemoryError as error:
            raise InvalidInput(
                "That Word document needs more memory to read than I can give it. Save the "
                "excerpt alone in a new document, or as a `.txt` file, and try again."
            ) from error

    def close(self) -> None:
        """Let the workers exit (nothing is read after the bot stops)."""
        self._pool.close()
