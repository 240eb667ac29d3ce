"""P6: time from start to ready and the bot's memory at ready, on an existing database.

Run as ``python -m bench.startup DATABASE [--json]``; it starts the real bot in SimCord
(login, database open and migrations, cogs, command sync, READY) and prints one line.
Memory is this process's own ``VmHWM`` (peak resident set) and ``VmRSS`` from
``/proc/self/status``: ``ru_maxrss`` would include the peak of the parent that started
it, since a child inherits that figure.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path


async def measure(database: Path | str) -> dict[str, float]:
    started = time.perf_counter()
    # Imported here so their cost counts toward start-up.
    import simcord

    from bench.measure import proc_status_mb
    from bot import create_bot

    bot = create_bot(database=database)
    try:
        async with simcord.run(bot) as env:
            env.create_guild("Startup")
            elapsed = time.perf_counter() - started
            memory = proc_status_mb()
    finally:
        await bot.close()
    return {
        "ready_s": elapsed,
        "vm_hwm_mb": memory["VmHWM"],
        "vm_rss_mb": memory["VmRSS"],
        "database_mb": database_size_mb(database),
    }


def database_size_mb(database: Path | str) -> float:
    """The SQLite file's size; NaN for a PostgreSQL URL (the server keeps the data)."""
    if str(database).startswith(("postgresql://", "postgres://")):
        return float("nan")
    return os.path.getsize(database) / 2**20


def describe(figures: dict[str, float]) -> str:
    return (
        f"P6 start to ready {figures['ready_s']:.2f} s (target <= 0.4 s), "
        f"VmHWM {figures['vm_hwm_mb']:.0f} MB, VmRSS {figures['vm_rss_mb']:.0f} MB at ready "
        f"(target <= 70 MB), database {figures['database_mb']:.0f} MB"
    )


if __name__ == "__main__":
    target = sys.argv[1]
    is_url = target.startswith(("postgresql://", "postgres://"))
    figures = asyncio.run(measure(target if is_url else Path(target)))
    print(json.dumps(figures) if "--json" in sys.argv[2:] else describe(figures))
