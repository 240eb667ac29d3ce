"""Helpers shared by tests.

``loop_lag_probe`` checks that the event loop never stalls: the bot serves every
server from one loop, so one callback that runs 50 ms delays everyone by 50 ms.

It works the way asyncio's debug mode finds slow callbacks (``BaseEventLoop._run_once``
times each ``Handle._run`` and warns past ``loop.slow_callback_duration``), without
debug mode's other costs, which would slow every callback and blur the measure:
while the probe is open each callback the loop runs is timed, and a ticker task
records how late the loop let it wake, which also catches a stall between callbacks.

    async with loop_lag_probe() as lag:
        await member.slash(...)
    lag.assert_no_stall()          # nothing ran longer than 50 ms
    print(lag.max_callback, lag.max_tick_delay, lag.slow)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

STALL_LIMIT = 0.05  # seconds: the most the event loop may be held by one piece of work
TICK = 0.005
TICKER_SLACK = 4  # see LoopLag.assert_no_stall


@dataclass
class LoopLag:
    """What the probe saw: the slowest callbacks and the ticker's worst wake-up delay."""

    limit: float
    slow: list[tuple[float, str]] = field(default_factory=list)  # (seconds, callback)
    max_callback: float = 0.0
    max_tick_delay: float = 0.0
    callbacks: int = 0

    def assert_no_stall(self, limit: float | None = None) -> None:
        """No callback held the loop past ``limit``, and the ticker was never far late.

        The callbacks are the measure (as in asyncio's debug mode). The ticker gets a
        looser bound: on a shared machine the OS can leave the whole process waiting
        for a core for tens of milliseconds, which no code of ours can prevent, while a
        stall outside any callback (the loop itself blocked) still shows far beyond it.
        """
        limit = self.limit if limit is None else limit
        slow = [(round(took, 3), what) for took, what in self.slow if took > limit]
        assert not slow, f"the event loop stalled: {slow}"
        assert self.max_tick_delay <= TICKER_SLACK * limit, (
            f"the event loop woke a {TICK * 1000:.0f} ms ticker "
            f"{self.max_tick_delay * 1000:.0f} ms late"
        )


def _describe(handle: asyncio.Handle) -> str:
    callback: Callable[..., Any] | None = getattr(handle, "_callback", None)
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, asyncio.Task):
        return f"task {owner.get_coro()!r}"
    return repr(callback)


@asynccontextmanager
async def loop_lag_probe(limit: float = STALL_LIMIT) -> AsyncIterator[LoopLag]:
    """Time every callback of the running loop, and tick, while the block runs."""
    loop = asyncio.get_running_loop()
    lag = LoopLag(limit)
    original_run = asyncio.Handle._run

    def timed_run(handle: asyncio.Handle) -> None:
        if getattr(handle, "_loop", None) is not loop:
            original_run(handle)
            return
        started = time.perf_counter()
        try:
            original_run(handle)
        finally:
            took = time.perf_counter() - started
            lag.callbacks += 1
            lag.max_callback = max(lag.max_callback, took)
            if took > limit / 2:
                lag.slow.append((took, _describe(handle)))

    async def ticker() -> None:
        while True:
            asked = time.perf_counter()
            await asyncio.sleep(TICK)
            late = time.perf_counter() - asked - TICK
            lag.max_tick_delay = max(lag.max_tick_delay, late)

    asyncio.Handle._run = timed_run  # type: ignore[method-assign]
    ticking = asyncio.create_task(ticker())
    try:
        yield lag
    finally:
        ticking.cancel()
        asyncio.Handle._run = original_run  # type: ignore[method-assign]
