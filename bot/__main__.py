"""Command line: `python -m bot` runs the bot; subcommands work on the database without Discord."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.config import ConfigError, configure_logging, read_environment, settings_from


def run_bot() -> int:
    try:
        settings = settings_from(read_environment(), need_token=True)
    except ConfigError as error:
        print(f"marginalia: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    from bot.client import MarginaliaBot

    assert settings.token is not None
    MarginaliaBot(settings).run(settings.token, log_handler=None)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="start the bot (the default)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in (None, "run"):
        return run_bot()
    return 2


if __name__ == "__main__":
    sys.exit(main())
