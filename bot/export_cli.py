"""`python -m bot export`: feedback digests from the database, without Discord.

The same files `/digest` sends, for digests too large to upload, for scripts
and backups, or when the bot is offline. The database is opened read-only, so
an export can run beside the live bot and a wrong path never creates a file.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import ConfigError, read_environment, settings_from
from bot.digest import DigestFormat
from bot.digests import Digest, Digests, NoDigest, Nothing, parse_since
from bot.errors import MarginaliaError
from bot.storage import Database, MigrationError

if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]

EXIT_OK = 0
EXIT_FAILED = 2  # the same code argparse uses for a bad command line
_PROG = "marginalia export"

_SUFFIXES = {
    ".md": DigestFormat.MARKDOWN,
    ".markdown": DigestFormat.MARKDOWN,
    ".html": DigestFormat.HTML,
    ".htm": DigestFormat.HTML,
    ".docx": DigestFormat.DOCX,
}

_EPILOG = """\
examples:
  python -m bot export --excerpt 12 --guild 123456789012345678 --format docx -o keeper.docx
  python -m bot export --author 234567890123456789 --since 2024-05-01 -o -

--guild may be left out when the database holds the excerpts of one server only.
Without --format, the format follows the -o file's extension (.md, .html, .docx),
else Markdown. Exit status: 0 on success, 2 with one line on stderr otherwise.
"""


# The bot's wording speaks to the author; a command line names who was meant.
_NOTHING = {
    Nothing.NO_EXCERPTS: "user {user} has no excerpts in server {guild}",
    Nothing.NO_NEW_FEEDBACK: "no new feedback on user {user}'s excerpts since {since}",
    Nothing.NO_FEEDBACK: "user {user}'s excerpts in server {guild} have no feedback yet",
}


class ExportFailed(Exception):
    """Ends the export with its message as the one line on stderr."""


@dataclass(frozen=True, slots=True)
class ExportRequest:
    database: Path
    guild: int | None
    excerpt: int | None
    author: int | None
    since: date | None
    format: DigestFormat
    include_resolved: bool
    revision: int | None
    output: str | None  # a path, "-" for stdout, None for the digest's own file name


def add_parser(commands: SubParsers) -> None:
    """Register the ``export`` subcommand on ``python -m bot``'s parser."""
    parser = commands.add_parser(
        "export",
        help="write a feedback digest file from the database, without Discord",
        description="Write the feedback on one excerpt, or on all of an author's excerpts,\n"
        "as a Markdown, HTML or Word file, reading the bot's database read-only.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--excerpt", type=_positive, metavar="N", help="the excerpt's id, as in /digest"
    )
    which.add_argument(
        "--author", type=_positive, metavar="USER_ID", help="all excerpts of this Discord user"
    )
    parser.add_argument(
        "--guild",
        type=_positive,
        metavar="GUILD_ID",
        help="the Discord server (guild) id; optional when the database holds one server",
    )
    parser.add_argument(
        "--since",
        metavar="YYYY-MM-DD",
        help="with --author: only threads with comments or replies from this day on (UTC)",
    )
    parser.add_argument(
        "--format",
        choices=[fmt.value for fmt in DigestFormat],
        help="file format (default: from the -o extension, else markdown)",
    )
    parser.add_argument(
        "--include-resolved",
        action="store_true",
        help="also list resolved comments (they are always counted)",
    )
    parser.add_argument(
        "--revision",
        type=int,
        metavar="N",
        help="with --excerpt: an earlier revision, with the comments written on it",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="file to write, '-' for standard output (default: the digest's own file name "
        "in the current directory)",
    )
    parser.add_argument(
        "--database",
        type=Path,
        metavar="PATH",
        help="the bot's SQLite file (default: MARGINALIA_DATABASE from .env, "
        "else data/marginalia.db)",
    )


def run(args: argparse.Namespace) -> int:
    """Run an export from parsed arguments; returns the exit status."""
    try:
        request = _request(args)
        digest = asyncio.run(_export(request))
        written = _write(digest, request.output)
    except ExportFailed as error:
        print(f"{_PROG}: {error}", file=sys.stderr)
        return EXIT_FAILED
    if written is not None:
        print(f"wrote {written} ({_summary(digest)})")
    return EXIT_OK


def _positive(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{raw!r} is not an id (a positive number)")
    return value


def _request(args: argparse.Namespace) -> ExportRequest:
    if args.since is not None and args.author is None:
        raise ExportFailed("--since works with --author only")
    try:
        since = parse_since(args.since) if args.since is not None else None
    except MarginaliaError as error:
        raise ExportFailed(str(error)) from None
    return ExportRequest(
        database=args.database or _configured_database(),
        guild=args.guild,
        excerpt=args.excerpt,
        author=args.author,
        since=since,
        format=_format(args.format, args.output),
        include_resolved=args.include_resolved,
        revision=args.revision,
        output=args.output,
    )


def _configured_database() -> Path:
    try:
        return settings_from(read_environment(), need_token=False).database
    except ConfigError as error:
        raise ExportFailed(str(error)) from None


def _format(chosen: str | None, output: str | None) -> DigestFormat:
    if chosen is not None:
        return DigestFormat(chosen)
    if output is not None and output != "-":
        return _SUFFIXES.get(Path(output).suffix.lower(), DigestFormat.MARKDOWN)
    return DigestFormat.MARKDOWN


async def _export(request: ExportRequest) -> Digest:
    database = Database(request.database, read_only=True)
    try:
        await database.open()
    except FileNotFoundError:
        raise ExportFailed(
            f"no database at {request.database}; pass --database PATH or set "
            "MARGINALIA_DATABASE in .env"
        ) from None
    except sqlite3.Error as error:
        raise ExportFailed(f"{request.database} is not a Marginalia database ({error})") from None
    except MigrationError as error:
        raise ExportFailed(str(error)) from None
    digests = Digests(database, clock=lambda: datetime.now(UTC))
    try:
        guild = request.guild or await _only_guild(digests)
        try:
            return await _digest(digests, request, guild)
        except MarginaliaError as error:
            # The core speaks of "this server"; here, say which one was read.
            raise ExportFailed(f"{str(error).rstrip('.')} (server {guild}).") from None
    except sqlite3.Error as error:
        raise ExportFailed(f"could not read {request.database}: {error}") from None
    finally:
        await database.close()


async def _only_guild(digests: Digests) -> int:
    found = await digests.guild_ids()
    if len(found) == 1:
        return found[0]
    if not found:
        raise ExportFailed("the database holds no excerpts yet")
    listed = ", ".join(str(guild) for guild in found[:10]) + (", …" if len(found) > 10 else "")
    raise ExportFailed(f"the database holds {len(found)} servers ({listed}); pass --guild")


async def _digest(digests: Digests, request: ExportRequest, guild: int) -> Digest:
    if request.excerpt is not None:
        return await digests.excerpt_digest(
            guild,
            request.excerpt,
            request.format,
            include_resolved=request.include_resolved,
            revision=request.revision,
        )
    assert request.author is not None  # argparse requires --excerpt or --author
    result = await digests.author_digest(
        guild,
        request.author,
        request.format,
        since=request.since,
        include_resolved=request.include_resolved,
    )
    if isinstance(result, NoDigest):
        raise ExportFailed(
            _NOTHING[result.kind].format(user=request.author, guild=guild, since=request.since)
        )
    return result


def _write(digest: Digest, output: str | None) -> Path | None:
    """Write the file; returns where, or None for standard output."""
    if output == "-":
        sys.stdout.buffer.write(digest.file.content)
        sys.stdout.buffer.flush()
        return None
    target = Path(output) if output is not None else Path(digest.file.filename)
    try:
        target.write_bytes(digest.file.content)
    except OSError as error:
        raise ExportFailed(f"could not write {target}: {error.strerror or error}") from None
    return target


def _summary(digest: Digest) -> str:
    excerpts = "1 excerpt" if digest.excerpts == 1 else f"{digest.excerpts:,} excerpts"
    listed = "" if digest.shown == digest.comments else f", {digest.shown:,} listed"
    return (
        f"{excerpts}, {digest.comments:,} comments{listed}, "
        f"{digest.readers:,} readers, {len(digest.file.content):,} bytes"
    )
