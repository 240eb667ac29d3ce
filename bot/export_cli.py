"""`python -m bot export`: feedback digests from the database, without Discord.

The same files `/digest` sends, for digests too large to upload, for scripts
and backups, or when the bot is offline. The database is opened read-only, so
an export can run beside the live bot and a wrong path never creates a file.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sqlite3
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import ConfigError, read_environment, settings_from
from bot.digest_formats import DigestFormat
from bot.digest_service import Digest, Digests, NoDigest, NoDigestKind, parse_since
from bot.errors import MarginaliaError
from bot.storage import Database, UnusableDatabase, side_files

if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]

EXIT_OK = 0
EXIT_FAILED = 2  # the same code argparse uses for a bad command line
_LARGEST_ID = 2**63 - 1  # SQLite's INTEGER; Discord's snowflakes fit
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
else Markdown; any other extension, or one that contradicts --format, is refused.
An existing file is replaced only with --force, and never the database itself.
Exit status: 0 on success, 2 with one line on stderr otherwise.
"""


# The bot's wording speaks to the author; a command line names who was meant.
_NOTHING = {
    NoDigestKind.NO_EXCERPTS: "user {user} has no excerpts in server {guild}",
    NoDigestKind.NO_NEW_FEEDBACK: "no new feedback on user {user}'s excerpts since {since}",
    NoDigestKind.NO_FEEDBACK: "user {user}'s excerpts in server {guild} have no feedback yet",
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
    force: bool = False
    tracked_suggestions: bool = True  # docx: open suggestions as tracked changes


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
        type=_positive,
        metavar="N",
        help="with --excerpt: an earlier revision, with the comments written on it",
    )
    parser.add_argument(
        "--suggestions",
        choices=["tracked", "comments"],
        default="tracked",
        help="docx: open suggestions as tracked changes to accept or reject (default), "
        "or as margin comments only",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="file to write, '-' for standard output (default: the digest's own file name "
        "in the current directory)",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace the output file if it already exists"
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
        written = _write(digest, request)
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
    if value > _LARGEST_ID:
        raise argparse.ArgumentTypeError(f"{raw!r} is too large to be an id")
    return value


def _request(args: argparse.Namespace) -> ExportRequest:
    if args.since is not None and args.author is None:
        raise ExportFailed("--since works with --author only")
    try:
        since = parse_since(args.since) if args.since is not None else None
    except MarginaliaError as error:
        raise ExportFailed(str(error)) from None
    database = args.database or _configured_database()
    if args.output not in (None, "-"):
        # First, before reading anything: a refused target costs the user no wait.
        _check_target(Path(args.output), database, force=args.force)
    return ExportRequest(
        database=database,
        guild=args.guild,
        excerpt=args.excerpt,
        author=args.author,
        since=since,
        format=_format(args.format, args.output),
        include_resolved=args.include_resolved,
        revision=args.revision,
        output=args.output,
        force=args.force,
        tracked_suggestions=args.suggestions == "tracked",
    )


def _configured_database() -> Path:
    try:
        return settings_from(read_environment(), need_token=False).database
    except ConfigError as error:
        raise ExportFailed(str(error)) from None


def _format(chosen: str | None, output: str | None) -> DigestFormat:
    """--format, else the -o extension's; an unknown extension or a clash is refused, so
    ``-o out.pdf`` never writes Markdown into a file a PDF viewer will choke on."""
    suffix = Path(output).suffix.lower() if output not in (None, "-") else ""
    named = _SUFFIXES.get(suffix)
    if suffix and named is None:
        known = ", ".join(sorted(set(_SUFFIXES)))
        raise ExportFailed(f"cannot write a {suffix} file: name the output {known}")
    if chosen is None:
        return named or DigestFormat.MARKDOWN
    fmt = DigestFormat(chosen)
    # A manuscript is Markdown with CriticMarkup: it goes in a .md file too.
    if (
        named is not None
        and named is not fmt
        and (named, fmt)
        != (
            DigestFormat.MARKDOWN,
            DigestFormat.MANUSCRIPT,
        )
    ):
        raise ExportFailed(
            f"--format {fmt.value} does not match {Path(str(output)).name} "
            f"({named.value}); change one of them"
        )
    return fmt


async def _export(request: ExportRequest) -> Digest:
    database = Database(request.database, read_only=True)
    try:
        await database.open()
    except FileNotFoundError:
        raise ExportFailed(
            f"no database at {request.database}; pass --database PATH or set "
            "MARGINALIA_DATABASE in .env"
        ) from None
    except UnusableDatabase as error:
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
            tracked_suggestions=request.tracked_suggestions,
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


def _check_target(target: Path, database: Path, *, force: bool) -> None:
    """Refuse to write over the database (or its -wal, -shm, -journal, lock), over something
    that isn't a regular file, or over an existing file without --force."""
    guarded = [database, *side_files(database)]
    if any(_same_path(target, path) for path in guarded):
        raise ExportFailed(
            f"{target} is the database or one of its own files; choose another output path"
        )
    if not target.exists() and not target.is_symlink():
        return
    if target.is_dir():
        raise ExportFailed(f"{target} is a folder; give a file name to write")
    if not target.is_file():
        raise ExportFailed(
            f"{target} is not a regular file; write to a file, or to standard output with -o -"
        )
    if not force:
        raise ExportFailed(f"{target} already exists; pass --force to replace it")


def _same_path(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return a.samefile(b)
    except OSError:
        pass
    return os.path.abspath(a) == os.path.abspath(b)


def _write(digest: Digest, request: ExportRequest) -> Path | None:
    """Write the file; returns where, or None for standard output."""
    if request.output == "-":
        _write_stdout(digest.file.content)
        return None
    target = Path(request.output or digest.file.filename)
    _check_target(target, request.database, force=request.force)
    # A temporary file in the same folder, renamed over the target: the target is
    # either the old file or the whole new one, never half a digest.
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        with partial.open("xb") as file:
            file.write(digest.file.content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, target)
    except OSError as error:
        raise ExportFailed(f"could not write {target}: {error.strerror or error}") from None
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()
    return target


def _write_stdout(content: bytes) -> None:
    try:
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        # Python would report the pipe again when it flushes at exit: point stdout at
        # /dev/null so that the line below is all the user sees.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        raise ExportFailed(
            "standard output was closed before the digest was written (the program "
            "reading it stopped early)"
        ) from None


def _summary(digest: Digest) -> str:
    excerpts = "1 excerpt" if digest.excerpts == 1 else f"{digest.excerpts:,} excerpts"
    listed = "" if digest.shown == digest.comments else f", {digest.shown:,} listed"
    return (
        f"{excerpts}, {digest.comments:,} comments{listed}, "
        f"{digest.readers:,} readers, {len(digest.file.content):,} bytes"
    )
