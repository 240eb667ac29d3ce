"""`python -m bot migrate [--database PATH|URL]`: bring a database's schema up to date.

The bot migrates its database itself when it starts; this does it beforehand (before a
deploy, after restoring an old backup, for a PostgreSQL database several processes
share) and says from which version to which. A database written by a newer Marginalia,
another application's file, an unreachable server: one line, a non-zero exit, nothing
written. A SQLite file a running bot holds is refused: stop the bot first.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import ConfigError
from bot.db_target import Target, TargetError, resolve_target

if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]

EXIT_OK = 0
EXIT_FAILED = 2


@dataclass(frozen=True, slots=True)
class MigrationReport:
    before: int
    after: int

    def summary(self) -> str:
        if self.before == self.after:
            return f"already at {self.after}"
        return f"schema {self.before} → {self.after}"


def add_parser(commands: SubParsers) -> None:
    parser = commands.add_parser(
        "migrate",
        help="bring the database's schema up to date and say from which version to which",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    parser.add_argument(
        "--database",
        metavar="PATH|URL",
        help="a SQLite file or a postgresql:// URL (default: MARGINALIA_DATABASE_URL, "
        "else MARGINALIA_DATABASE from .env, else data/marginalia.db)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        target = resolve_target(args.database)
        if target.path is not None and not target.path.is_file():
            raise TargetError(
                f"there is no database at {target.path}; the bot creates it on its first "
                "start (or pass --database with the right path)"
            )
        report = asyncio.run(migrate(target))
    except (TargetError, ConfigError) as error:
        print(f"marginalia migrate: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"{target.shown}: {report.summary()}")
    return EXIT_OK


async def migrate(target: Target) -> MigrationReport:
    from bot.storage import UnusableDatabase

    if target.url is not None:
        from bot.storage.pg_tools import migrate_postgres

        try:
            before, after = await migrate_postgres(target.url)
        except UnusableDatabase as error:
            raise TargetError(str(error)) from None
        return MigrationReport(before, after)
    assert target.path is not None
    return await _migrate_sqlite(target.path)


async def _migrate_sqlite(path: Path) -> MigrationReport:
    from bot.storage import (
        Database,
        DatabaseLock,
        UnusableDatabase,
        known_version,
        stored_version,
    )

    try:
        before = await stored_version(path)  # refuses a stranger's file and a newer schema
        if before == known_version():
            return MigrationReport(before, before)
        with DatabaseLock(path):  # a running bot holds it: never migrate under it
            database = Database(path)
            await database.open()
            await database.close()
        return MigrationReport(before, await stored_version(path))
    except UnusableDatabase as error:
        raise TargetError(str(error)) from None
