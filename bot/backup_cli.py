"""`python -m bot backup PATH [--database DB] [--force]`: a consistent copy of the database.

Safe while the bot is running: the source is opened read-only and copied with SQLite's
online backup API in one step, which reads a single consistent snapshot (in WAL mode the
bot keeps writing meanwhile). The copy is written next to PATH under a temporary name,
checked with PRAGMA integrity_check, switched to a self-contained rollback journal (one
file, no ``-wal``), and only then renamed to PATH, so PATH is never a half-written backup.
PATH's folder is created if needed; PATH is never the database or a file SQLite keeps
beside it (``-wal``, ``-shm``, ``-journal``), nor anything but a regular file.

To restore, stop the bot and copy the backup over the database file (removing any
``-wal`` and ``-shm`` files next to it), or point ``MARGINALIA_DATABASE`` at the backup.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from bot.config import ConfigError
from bot.db_target import TargetError, pg_dump_command, resolve_target
from bot.formatting import file_size
from bot.storage import side_files

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
SOURCE_BUSY_TIMEOUT_S = 30.0


class BackupError(Exception):
    """The backup could not be made; the message is the one line to show."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True, slots=True)
class BackupReport:
    source: Path
    target: Path
    size_bytes: int
    counts: dict[str, int]

    def summary(self) -> str:
        counted = ", ".join(f"{count:,} {table}" for table, count in self.counts.items())
        return (
            f"Backed up {self.source} to {self.target} ({file_size(self.size_bytes)}"
            f"{'; ' + counted if counted else ''}); integrity check ok."
        )


_COUNTED_TABLES = ("excerpts", "lines", "comments", "replies", "prompts")


def add_backup_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``backup`` subcommand on ``python -m bot``'s parser."""
    parser = commands.add_parser(
        "backup",
        help="copy the database consistently, even while the bot is running",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    parser.add_argument("path", type=Path, metavar="PATH", help="where to write the copy")
    parser.add_argument(
        "--database",
        metavar="DB",
        help="the database to copy (default: MARGINALIA_DATABASE from .env, "
        "else data/marginalia.db); a PostgreSQL database is backed up with pg_dump",
    )
    parser.add_argument("--force", action="store_true", help="overwrite PATH if it already exists")


def run_backup_command(args: argparse.Namespace) -> int:
    """Run ``backup`` from parsed arguments; prints one line, returns the exit code."""
    try:
        target = resolve_target(args.database)
        if target.url is not None:
            raise BackupError(
                f"{target.shown} is a PostgreSQL database: back it up with pg_dump instead: "
                f"{pg_dump_command(target.url, str(args.path))} (restore with pg_restore)",
                EXIT_USAGE,
            )
        assert target.path is not None
        report = backup(target.path, args.path, force=args.force)
    except TargetError as error:
        print(f"marginalia backup: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (BackupError, ConfigError) as error:
        print(f"marginalia backup: {error}", file=sys.stderr)
        return error.exit_code if isinstance(error, BackupError) else EXIT_USAGE
    print(report.summary())
    return EXIT_OK


def backup(source: Path, target: Path, *, force: bool = False) -> BackupReport:
    """Copy ``source`` to ``target`` consistently, then check the copy; see the module doc."""
    source, target = Path(source), Path(target)
    if not source.is_file():
        raise BackupError(
            f"there is no database at {source}; pass --database with the path to the bot's "
            "database file (MARGINALIA_DATABASE in .env)",
            EXIT_USAGE,
        )
    _check_target(source, target, force=force)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(
            f"cannot create the folder {target.parent} for the backup: {error.strerror or error}"
        ) from None

    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        counts = _copy_and_check(source, partial, target)
        try:
            os.replace(partial, target)
        except OSError as error:
            raise BackupError(
                f"cannot write the backup to {target}: {error.strerror or error}"
            ) from None
    finally:
        for leftover in (partial, Path(f"{partial}-journal")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
    return BackupReport(source, target, target.stat().st_size, counts)


def _check_target(source: Path, target: Path, *, force: bool) -> None:
    """Never the database, nor SQLite's files beside it (a backup over the live ``-wal``
    corrupts the database), nor anything but a regular file; existing ones only with --force."""
    for guarded in (source, *side_files(source)):
        if _same_file(guarded, target) or os.path.abspath(guarded) == os.path.abspath(target):
            raise BackupError(
                f"{target} is the database or one of its own files; choose another path",
                EXIT_USAGE,
            )
    if not target.exists() and not target.is_symlink():
        return
    if target.is_dir():
        raise BackupError(f"{target} is a folder; give a file name for the copy", EXIT_USAGE)
    if not target.is_file():
        raise BackupError(
            f"{target} is not a regular file; give the path of a file for the copy", EXIT_USAGE
        )
    if not force:
        raise BackupError(
            f"{target} already exists; choose another path or pass --force to overwrite it",
            EXIT_USAGE,
        )


def _copy_and_check(source: Path, partial: Path, target: Path) -> dict[str, int]:
    uri = f"file:{quote(str(source.resolve()))}?mode=ro"
    try:
        reader = sqlite3.connect(uri, uri=True, timeout=SOURCE_BUSY_TIMEOUT_S)
        reader.execute("SELECT COUNT(*) FROM sqlite_master").fetchall()
    except sqlite3.Error as error:
        raise BackupError(f"could not back up {source}: cannot read it: {error}") from error
    try:
        # Made here first, so a folder we may not write to is blamed, not the database.
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    except OSError as error:
        reader.close()
        raise BackupError(
            f"cannot write the backup to {target}: {error.strerror or error}"
        ) from None
    try:
        writer = sqlite3.connect(partial)
        try:
            # One step (pages=-1): the whole copy comes from a single read snapshot.
            reader.backup(writer, pages=-1)
            # A self-contained single file: no -wal needed next to the copy.
            writer.execute("PRAGMA journal_mode = DELETE").fetchall()
            verdict = writer.execute("PRAGMA integrity_check").fetchall()
            if verdict != [("ok",)]:
                problems = "; ".join(str(row[0]) for row in verdict[:3])
                raise BackupError(f"the copy failed its integrity check ({problems}); not kept")
            return _counts(writer)
        finally:
            writer.close()
    except sqlite3.DatabaseError as error:
        # The source was readable above: what fails now is writing the copy (disk full...).
        raise BackupError(f"could not write the backup to {target}: {error}") from error
    finally:
        reader.close()


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    present = {
        row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    return {
        table: int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
        for table in _COUNTED_TABLES
        if table in present
    }


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False
