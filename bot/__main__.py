"""Command line: `python -m bot` runs the bot; subcommands work on the database without Discord."""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import (
    ConfigError,
    check_token,
    configure_logging,
    read_environment,
    settings_from,
)

EXIT_FAILED = 2


def run_bot() -> int:
    """Start the bot; anything that stops it at start is one line on stderr and exit 2."""
    try:
        settings = settings_from(read_environment(), need_token=True)
        assert settings.token is not None
        check_token(settings.token)
    except ConfigError as error:
        return _stop(str(error))
    configure_logging(settings.log_level)
    # Start-up makes some hundred thousand objects that live as long as the bot (modules,
    # classes, commands): collecting among them while they are made only costs time
    # (~50 ms of a 0.35 s start). The bot collects again once ready (its on_ready), with
    # all of them frozen out of the collector's sight.
    gc.disable()
    from bot.ui.client import run_until_stopped

    problem = run_until_stopped(settings)
    return _stop(problem) if problem else 0


def run_sandbox(database: Path | None, port: int | None) -> int:
    """The sandbox on a kept database is a bot like any other: it must not share the file
    with a running bot (it would purge that bot's excerpts mid-post) nor use a bad one."""
    from bot.ui.sandbox import main as sandbox_main

    if database is None:
        return sandbox_main(None, port)
    from bot.storage import Database, DatabaseLock, UnusableDatabase

    try:
        asyncio.run(Database(database).inspect())
        with DatabaseLock(database):
            return sandbox_main(database, port)
    except UnusableDatabase as error:
        return _stop(str(error))


def _stop(message: str) -> int:
    print(f"marginalia: {message}", file=sys.stderr)
    return EXIT_FAILED


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="start the bot (the default)")
    sandbox = commands.add_parser(
        "sandbox",
        help="try the bot in a local browser page: a simulated Discord, no token needed",
        description="Run the real bot in a simulated Discord server (SimCord) and show it in a "
        'browser page on 127.0.0.1. Needs the sandbox extra: pip install -e ".[sandbox]"',
    )
    sandbox.add_argument(
        "--database",
        type=Path,
        metavar="PATH",
        help="SQLite file to keep the sandbox's excerpts in (default: a throwaway file); "
        "not your real bot's database",
    )
    sandbox.add_argument(
        "--port", type=int, metavar="N", help="port for the page (default: any free port)"
    )
    from bot.export_cli import add_parser as add_export_parser

    add_export_parser(commands)
    from bot.backup_cli import add_backup_command

    add_backup_command(commands)
    from bot.migrate_cli import add_parser as add_migrate_parser

    add_migrate_parser(commands)
    from bot.copy_cli import add_parser as add_copy_parser

    add_copy_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in (None, "run"):
        return run_bot()
    if args.command == "sandbox":
        return run_sandbox(args.database, args.port)
    if args.command == "export":
        from bot.export_cli import run as run_export

        return run_export(args)
    if args.command == "backup":
        from bot.backup_cli import run_backup_command

        return run_backup_command(args)
    if args.command == "migrate":
        from bot.migrate_cli import run as run_migrate

        return run_migrate(args)
    if args.command == "copy":
        from bot.copy_cli import run as run_copy

        return run_copy(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
