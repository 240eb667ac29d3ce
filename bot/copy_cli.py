"""`python -m bot copy --to postgresql://… [--database PATH]`: move to PostgreSQL.

Copies the bot's SQLite database (``--database``, else the configured file) into an
empty PostgreSQL database: migrates it to the same schema, copies every table with its
ids, then checks each table's row count and checksum on both sides and prints them. All
of it is one transaction: a target that is not empty, a source that is not Marginalia's
or is newer than this code, an unreachable server or any mismatch leaves the target as
it was. The source is only read (the bot may keep running; stop it before switching).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import ConfigError, read_environment, settings_from
from bot.db_target import TargetError, check_url, hide_password, is_postgres_url

if TYPE_CHECKING:
    from bot.storage.pg_copy import CopyReport

    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]

EXIT_OK = 0
EXIT_FAILED = 2


def add_parser(commands: SubParsers) -> None:
    parser = commands.add_parser(
        "copy",
        help="copy the SQLite database into an empty PostgreSQL database, verified",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    parser.add_argument(
        "--to", required=True, metavar="URL", help="the empty PostgreSQL database's URL"
    )
    parser.add_argument(
        "--database",
        type=Path,
        metavar="PATH",
        help="the SQLite file to copy (default: MARGINALIA_DATABASE from .env, "
        "else data/marginalia.db)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        if not is_postgres_url(args.to):
            raise TargetError(
                f"--to {hide_password(args.to)} is not a postgresql:// URL: give the empty "
                "PostgreSQL database to copy into"
            )
        url = check_url(args.to.strip())
        source = args.database
        if source is None:
            source = settings_from(read_environment(), need_token=False).database
        if not Path(source).is_file():
            raise TargetError(
                f"there is no database at {source}; pass --database with the path to the "
                "bot's SQLite file"
            )
        report = asyncio.run(_copy(Path(source), url))
    except (TargetError, ConfigError) as error:
        print(f"marginalia copy: {error}", file=sys.stderr)
        return EXIT_FAILED
    print("\n".join(report.lines()))
    return EXIT_OK


async def _copy(source: Path, url: str) -> CopyReport:
    from bot.storage import UnusableDatabase, stored_version
    from bot.storage.pg_copy import copy_to_postgres

    try:
        version = await stored_version(source)  # not ours, newer: refused here
        if version == 0:
            raise TargetError(f"{source} is an empty database: there is nothing to copy")
        return await copy_to_postgres(source, url, source_version=version)
    except UnusableDatabase as error:
        raise TargetError(str(error)) from None
