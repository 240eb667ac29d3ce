"""P6: time from start to ready and the bot's memory at ready, on an existing database.

Run as ``python -m bench.startup DATABASE [--json]``; it starts the real bot in SimCord
and prints one line. Start to ready runs from loading the bot (discord.py, aiohttp and
the bot's own modules) through opening the database (checks, migrations, the unposted
purge), loading the cogs, syncing commands and logging in, to the bot's own READY
handler. SimCord's own import is not in it (a real run never loads it), nor its settling
after READY (background work such as the upload worker's warm-up, which no command
waits for). Memory is this process's own ``VmHWM`` (peak resident set) and ``VmRSS``
from ``/proc/self/status`` once SimCord has settled: ``ru_maxrss`` would include the
peak of the parent that started it, since a child inherits that figure.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import json
import os
import sys
import time
from pathlib import Path


async def measure(database: Path | str) -> dict[str, float]:
    from bench.measure import proc_status_mb

    started = time.perf_counter()
    gc.disable()  # as `python -m bot` starts; the bot's on_ready resumes collection
    # Imported here so their cost counts toward start-up: the bot's client module loads
    # discord.py and aiohttp (the cogs load when the bot sets itself up).
    importlib.import_module("bot.ui.client")
    from bot import create_bot

    loaded = time.perf_counter()
    import simcord  # the harness: its own import is not the bot's start-up

    harness = time.perf_counter() - loaded
    bot = create_bot(database=database)
    try:
        async with simcord.run(bot) as env:
            env.create_guild("Startup")
            assert bot.ready_after is not None, "SimCord settled before READY"
            elapsed = bot.started_at + bot.ready_after - started - harness
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
