"""P6: time from start to ready and resident memory, on an existing database.

Run as ``python -m bench.startup DATABASE``; it starts the real bot in SimCord
(login, database open and migrations, cogs, command sync, READY) and prints
one line.
"""

from __future__ import annotations

import asyncio
import os
import resource
import sys
import time
from pathlib import Path


async def measure(database: Path) -> str:
    started = time.perf_counter()
    # Imported here so their cost counts toward start-up.
    import simcord

    from bot import create_bot

    bot = create_bot(database=database)
    try:
        async with simcord.run(bot) as env:
            env.create_guild("Startup")
            elapsed = time.perf_counter() - started
    finally:
        await bot.close()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size_mb = database_size_mb(database)
    return (
        f"P6 start to ready {elapsed:.2f} s (target <= 1.5 s), "
        f"peak RSS {rss_mb:.0f} MB (target <= 120 MB), database {size_mb:.0f} MB"
    )


def database_size_mb(database: Path) -> float:
    return os.path.getsize(database) / 2**20


if __name__ == "__main__":
    print(asyncio.run(measure(Path(sys.argv[1]))))
