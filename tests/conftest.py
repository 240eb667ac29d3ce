"""Fixtures only: a real bot on a real database, inside SimCord's simulated Discord, and
the core on a fresh database. Builders live in ``tests/helpers.py``.

Every test that asks for a database (``db_path``, ``workshop``, the ``bots`` chain) runs
twice: on a SQLite file and on a fresh PostgreSQL database (``tests/postgres_server.py``).
A test about the SQLite file itself says so with ``@pytest.mark.sqlite_only``."""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.storage import store_for
from bot.ui.client import MarginaliaBot
from bot.workshop import Workshop
from tests.helpers import Clock, Server, make_server, new_bot
from tests.postgres_server import (  # noqa: F401 (fixtures)
    PostgresServer,
    _admin,
    postgres_server,
    postgres_url,
    run_sync,
    with_database,
)

BACKENDS = ("sqlite", "postgresql")
_empty_names = itertools.count(1)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``backend`` (and so every database fixture) takes each backend in turn."""
    if "backend" in metafunc.fixturenames:
        sqlite_only = metafunc.definition.get_closest_marker("sqlite_only") is not None
        metafunc.parametrize("backend", ["sqlite"] if sqlite_only else list(BACKENDS))


@pytest.fixture
def db_path(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Path | str:
    """Where the test's data lives: a SQLite file's path, or a PostgreSQL database's URL."""
    if backend == "postgresql":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return tmp_path / "marginalia.db"


@pytest_asyncio.fixture
async def bots(db_path: Path | str) -> AsyncIterator[list[MarginaliaBot]]:
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
    simcord_env: Any, bots: list[MarginaliaBot], db_path: Path | str
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
async def workshop(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Workshop]:
    """The excerpt and comment services on a fresh database, a clock ticking a second a read."""
    target = (
        request.getfixturevalue("postgres_url") if backend == "postgresql" else tmp_path / "w.db"
    )
    database = store_for(target)
    await database.open()
    yield Workshop(database, Clock(step=timedelta(seconds=1)))
    await database.close()


@pytest.fixture
def empty_postgres(request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty PostgreSQL database (no schema at all, for the copy and migrate commands),
    dropped after the test."""
    server: PostgresServer | None = request.getfixturevalue("postgres_server")
    if server is None:
        pytest.skip("PostgreSQL unavailable")
    name = f"marginalia_empty_{os.getpid()}_{next(_empty_names)}"
    admin = server.admin_url
    run_sync(lambda: _admin(admin, f'CREATE DATABASE "{name}"'))
    try:
        yield with_database(admin, name)
    finally:
        run_sync(lambda: _admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
