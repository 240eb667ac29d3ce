"""Worker processes with a budget: memory capped, time bounded, errors passed through."""

from __future__ import annotations

import os
import time

import pytest

from bot.errors import InvalidInput
from bot.process_pool import JobFailed, WorkerPool

MEMORY = 768 * 1024 * 1024


def _ready() -> bool:
    return True


def _allocate(size: int) -> int:
    return len(bytearray(size))


def _refuse(message: str) -> None:
    raise InvalidInput(message, typed="x")


def _niceness() -> int:
    return os.nice(0)


def _pid() -> int:
    return os.getpid()


@pytest.fixture
def pool():
    workers = WorkerPool(name="test", workers=1, memory_bytes=MEMORY, warm_up=_ready, niceness=5)
    yield workers
    workers.close()


async def test_a_worker_cannot_take_more_memory_than_its_budget(pool: WorkerPool) -> None:
    with pytest.raises(MemoryError):
        await pool.run(30, _allocate, 2 * MEMORY)
    assert await pool.run(30, _allocate, 1024) == 1024


async def test_a_job_past_its_budget_is_stopped_and_the_pool_recovers(pool: WorkerPool) -> None:
    stuck = await pool.run(30, _pid)
    started = time.perf_counter()
    with pytest.raises(JobFailed, match="over"):
        await pool.run(0.2, time.sleep, 30)
    assert time.perf_counter() - started < 5
    # The stuck worker was killed, not left running beside a fresh one.
    assert await pool.run(30, _allocate, 10) == 10
    assert await pool.run(30, _pid) != stuck


async def test_the_jobs_own_error_reaches_the_caller(pool: WorkerPool) -> None:
    with pytest.raises(InvalidInput) as refused:
        await pool.run(30, _refuse, "Nope: {typed}")
    assert str(refused.value) == "Nope: x"


async def test_workers_run_below_the_bots_priority(pool: WorkerPool) -> None:
    assert await pool.run(30, _niceness) == min(19, os.nice(0) + 5)
    assert await pool.run(30, _pid) != os.getpid()
