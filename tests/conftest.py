"""Fixtures only: a real bot on a real SQLite file, inside SimCord's simulated Discord, and
the core on a fresh database. Builders live in ``tests/helpers.py``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.storage import Database
from bot.ui.client import MarginaliaBot
from bot.workshop import Workshop
from tests.helpers import Clock, Server, make_server, new_bot


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "marginalia.db"


@pytest_asyncio.fixture
async def bots(db_path: Path) -> AsyncIterator[list[MarginaliaBot]]:
    """Every bot a test starts; all are closed at the end (SimCord never closes them)."""
    started: list[MarginaliaBot] = [new_bot(db_path)]
    yield started
    for bot in started:
        await bot.close()


@pytest.fixture
def simcord_bot(bots: list[MarginaliaBot]) -> MarginaliaBot:
    return bots[0]


@pytest.fixture
def restart(
    simcord_env: Any, bots: list[MarginaliaBot], db_path: Path
) -> Callable[[], Awaitable[MarginaliaBot]]:
    """Stop the running bot and start a fresh one on the same database."""

    async def restart_bot() -> MarginaliaBot:
        old = bots[-1]
        new = new_bot(db_path)
        bots.append(new)
        await simcord_env.restart_bot(new)
        await old.close()
        return new

    return restart_bot


@pytest.fixture
def server(simcord_env: Any) -> Server:
    return make_server(simcord_env)


@pytest_asyncio.fixture
async def workshop(tmp_path: Path) -> AsyncIterator[Workshop]:
    """The excerpt and comment services on a fresh database, a clock ticking a second a read."""
    database = Database(tmp_path / "w.db")
    await database.open()
    yield Workshop(database, Clock(step=timedelta(seconds=1)))
    await database.close()
