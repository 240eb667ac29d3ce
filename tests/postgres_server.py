"""A real PostgreSQL for the tests (a pytest plugin, registered in ``conftest.py``).

``MARGINALIA_TEST_POSTGRES_URL`` names a server to use (its user may create databases).
Otherwise a throwaway cluster is made for the session: ``initdb`` into a temporary folder
(as the ``postgres`` user when running as root: the server refuses root), listening on a
Unix socket in that folder only, fsync off; it is stopped and removed at the end of the
session, failed or not. If neither can be had, the PostgreSQL half of the suite skips
with one line saying why, unless ``MARGINALIA_REQUIRE_POSTGRES=1`` (CI): then it fails.

Each test gets its own database, a copy of one migrated template (``CREATE DATABASE ...
TEMPLATE``, a file copy: cheap), dropped after the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import pytest

URL_SETTING = "MARGINALIA_TEST_POSTGRES_URL"
REQUIRE_SETTING = "MARGINALIA_REQUIRE_POSTGRES"
T = TypeVar("T")


def run_sync(work: Callable[[], Awaitable[T]]) -> T:
    """Run async database work to its end from sync code, even inside a running event
    loop (a test's): on a loop of its own in a helper thread."""

    async def go() -> T:
        return await work()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, go()).result()


def with_database(url: str, name: str) -> str:
    """``url`` pointing at database ``name`` instead (the socket/host query is kept)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@dataclass
class PostgresServer:
    admin_url: str
    template: str
    _names: Iterator[int]

    def new_database(self, *, migrated: bool = True) -> str:
        """A fresh database (migrated, or else empty): its URL."""
        name = f"marginalia_test_{os.getpid()}_{next(self._names)}"
        template = self.template if migrated else "template0"
        create = f'CREATE DATABASE "{name}" TEMPLATE "{template}"'
        run_sync(lambda: _admin(self.admin_url, create))
        return with_database(self.admin_url, name)

    def drop_database(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        run_sync(lambda: _admin(self.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(url: str, *statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url, timeout=10)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


class _Cluster:
    """A throwaway PostgreSQL cluster in a temporary folder."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="marginalia-pg-"))
        self.data = self.folder / "data"
        self.started = False

    def _as_server_user(self, *command: str) -> list[str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *command]
        return list(command)

    def start(self) -> str:
        binaries = _binaries()
        if binaries is None:
            raise RuntimeError("PostgreSQL's initdb was not found (apt-get install postgresql)")
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self.folder.chmod(0o700)
        _run(
            self._as_server_user(
                str(binaries / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            )
        )
        options = (
            f"-c listen_addresses='' -c unix_socket_directories='{self.folder}' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=300 -c shared_buffers=64MB"
        )
        _run(
            self._as_server_user(
                str(binaries / "pg_ctl"),
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.folder / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            )
        )
        self.started = True
        return f"postgresql://postgres@/postgres?host={self.folder}"

    def stop(self) -> None:
        binaries = _binaries()
        if self.started and binaries is not None:
            with contextlib.suppress(Exception):
                _run(
                    self._as_server_user(
                        str(binaries / "pg_ctl"),
                        "-D",
                        str(self.data),
                        "-m",
                        "immediate",
                        "-w",
                        "stop",
                    )
                )
        shutil.rmtree(self.folder, ignore_errors=True)


def _binaries() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        program = next((Path(part).name for part in command if "/bin/" in part), command[0])
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"{program} failed: {tail[0]}")


def _migrated_template(admin_url: str) -> str:
    from bot.storage.postgres import PostgresStore

    template = f"marginalia_template_{os.getpid()}"

    async def make() -> None:
        await _admin(
            admin_url, f'DROP DATABASE IF EXISTS "{template}"', f'CREATE DATABASE "{template}"'
        )
        store = PostgresStore(with_database(admin_url, template), pool_size=1)
        await store.open()
        await store.close()

    run_sync(make)
    return template


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer | None]:
    """The session's PostgreSQL, or None (with the reason in ``postgres_unavailable``)."""
    required = os.environ.get(REQUIRE_SETTING, "").strip() not in ("", "0")
    cluster: _Cluster | None = None
    server: PostgresServer | None = None
    try:
        try:
            admin_url = os.environ.get(URL_SETTING, "").strip()
            if not admin_url:
                cluster = _Cluster()
                admin_url = cluster.start()
            server = PostgresServer(admin_url, _migrated_template(admin_url), itertools.count(1))
        except Exception as error:
            if required:
                raise RuntimeError(
                    f"{REQUIRE_SETTING} is set but no PostgreSQL could be had: {error}"
                ) from error
            _unavailable.append(f"PostgreSQL unavailable, its half of the suite skipped: {error}")
        yield server
    finally:
        if cluster is not None:
            cluster.stop()  # its databases go with it
        elif server is not None:
            template = f'DROP DATABASE IF EXISTS "{server.template}"'
            with contextlib.suppress(Exception):
                run_sync(lambda: _admin(server.admin_url, template))


_unavailable: list[str] = []


@pytest.fixture
def postgres_url(postgres_server: PostgresServer | None) -> Iterator[str]:
    """A fresh migrated PostgreSQL database for one test, dropped after it."""
    if postgres_server is None:
        pytest.skip(_unavailable[0] if _unavailable else "PostgreSQL unavailable")
    url = postgres_server.new_database()
    try:
        yield url
    finally:
        postgres_server.drop_database(url)


def postgres_rows(url: str, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
    """Raw SQL (SQLite-style placeholders) on a PostgreSQL database, rows as tuples."""
    import asyncpg

    from bot.storage.postgres import bind, translate

    text, sources = translate(sql)

    async def fetch() -> list[tuple[Any, ...]]:
        conn = await asyncpg.connect(url, timeout=10)
        try:
            return [tuple(row) for row in await conn.fetch(text, *bind(sources, params))]
        finally:
            await conn.close()

    return run_sync(fetch)
