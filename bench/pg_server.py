"""A PostgreSQL server for the benches, with the durability a real one has (fsync on).

``MARGINALIA_BENCH_POSTGRES`` (or ``--postgres``) names a server to use: a URL whose
user may create and drop databases. Without one, a cluster is kept under the bench
cache (``$MARGINALIA_BENCH_CACHE/postgres``): made with ``initdb`` the first time,
started for the run on a Unix socket in that folder (no TCP), stopped at the end. Its
databases (the generated 1M-comment one, as a template) stay for the next run.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.dataset import cache_folder

Report = Callable[[str], None]


def with_database(url: str, name: str) -> str:
    """``url`` pointing at the database ``name`` on the same server."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


async def admin(url: str, *statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def fetch_value(url: str, query: str, *args: Any) -> Any:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(query, *args)
    finally:
        await conn.close()


def _binaries() -> Path:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if not candidates:
        raise RuntimeError("PostgreSQL's initdb was not found (apt-get install postgresql)")
    return Path(candidates[0]).parent


def _as_server_user(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root: the Debian package's user runs it then.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def bench_postgres(url: str | None, report: Report) -> Iterator[str]:
    """The admin URL of the server the benches use (see the module doc)."""
    url = url or os.environ.get("MARGINALIA_BENCH_POSTGRES")
    if url:
        yield url
        return
    folder = cache_folder() / "postgres"
    data = folder / "data"
    binaries = _binaries()
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
        reachable = subprocess.run(["runuser", "-u", "postgres", "--", "test", "-w", str(folder)])
        if reachable.returncode != 0:
            raise RuntimeError(
                f"the postgres user cannot reach {folder} (a folder under /root?): set "
                "MARGINALIA_BENCH_CACHE to a folder it can reach, or MARGINALIA_BENCH_POSTGRES "
                "to a server"
            )
    folder.chmod(0o700)
    if not (data / "PG_VERSION").exists():
        subprocess.run(
            _as_server_user(
                [str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]
            ),
            check=True,
            capture_output=True,
        )
        report(f"made a PostgreSQL cluster for the benches in {folder}")
    options = (
        f"-c listen_addresses='' -c unix_socket_directories='{folder}' -c shared_buffers=256MB"
    )
    subprocess.run(
        _as_server_user(
            [
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(folder / "server.log"),
                "-w",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql://postgres@/postgres?host={folder}"
    finally:
        subprocess.run(
            _as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
            check=False,
            capture_output=True,
        )
