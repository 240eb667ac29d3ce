"""The database file's safety checks, and the lock that keeps a second bot off it.

Package-private: :mod:`bot.storage.database` runs the checks when it opens or
inspects a store. They refuse what is no database file at all, a truncated one or
another application's database before anything is written to it, and turn SQLite's
failures into the one line the operator is shown. :class:`DatabaseLock` is held by
a running bot on its file.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from types import TracebackType

import aiosqlite

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no flock; the bot runs there unguarded
    fcntl = None  # type: ignore[assignment]

_SQLITE_MAGIC = b"SQLite format 3\x00"
_HEADER_SIZE = 100
_SCHEMA_COLUMNS = ["version", "name", "applied_at"]
# Marginalia's own files beside the database: SQLite's and the bot's lock.
SIDE_FILE_SUFFIXES = ("-wal", "-shm", "-journal", ".lock")


class UnusableDatabase(RuntimeError):
    """The file cannot serve as Marginalia's database; the message is the one line to show."""


class DatabaseInUse(UnusableDatabase):
    """Another Marginalia process is running on this database."""


class DatabaseBusy(UnusableDatabase):
    """Another program holds a lock on the database longer than we wait."""


def side_files(database: Path) -> list[Path]:
    """The files SQLite and the bot keep beside ``database`` (they must not be overwritten)."""
    return [Path(f"{database}{suffix}") for suffix in SIDE_FILE_SUFFIXES]


class DatabaseLock:
    """Held by a running bot for its whole life, so a second bot on the same file is refused.

    ``flock`` on a file beside the database: the kernel releases it when the process
    ends, however it ends, so a crash never leaves a stale lock. Readers (export,
    backup) don't take it: they may run beside the bot.
    """

    def __init__(self, database: str | Path) -> None:
        self.database = Path(database)
        self.path = Path(f"{database}.lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        if fcntl is None or str(self.database) == ":memory:":
            return
        prepare_location(self.database)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise UnusableDatabase(
                f"cannot create the lock file {self.path}: {error.strerror or error}"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise DatabaseInUse(
                f"another Marginalia is already running on {self.database} (it holds "
                f"{self.path.name}); stop it first, or set MARGINALIA_DATABASE to another file"
            ) from None
        # Who holds it, for a curious operator; the lock itself is the flock.
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the flock

    def __enter__(self) -> DatabaseLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


def read_only_uri(path: Path) -> str:
    if not path.exists():
        raise FileNotFoundError(str(path))
    check_file(path)
    # mode=ro: SQLite itself refuses to create or write the file.
    return path.resolve().as_uri() + "?mode=ro"


def has_content(path: Path) -> bool:
    """False for a missing or empty file; refuses what is no database file at all."""
    check_file(path)
    return path.exists() and path.stat().st_size > 0


def prepare_location(path: Path) -> None:
    """The file checks, then the folder a new database will live in."""
    check_file(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UnusableDatabase(
            f"cannot create the folder {path.parent} for the database: {error.strerror or error}"
        ) from None


def check_file(path: Path) -> None:
    """Refuse, by looking only, what SQLite would misreport or what we must not touch."""
    if path.is_dir():
        raise UnusableDatabase(
            f"{path} is a folder, not a database file: set MARGINALIA_DATABASE "
            "(or --database) to a file path"
        )
    if path.exists() and not path.is_file():
        raise UnusableDatabase(f"{path} is not a regular file, so it cannot be a database")
    if not path.exists():
        return
    try:
        with path.open("rb") as file:
            header = file.read(_HEADER_SIZE)
        size = path.stat().st_size
    except OSError as error:
        raise UnusableDatabase(f"cannot read {path}: {error.strerror or error}") from None
    if not header:
        return  # an empty file: a new database is made in it
    if not header.startswith(_SQLITE_MAGIC):
        raise UnusableDatabase(
            f"{path} is not a Marginalia database (not an SQLite file at all): point "
            "MARGINALIA_DATABASE (or --database) at the bot's database"
        )
    expected = _size_in_header(header)
    wal = Path(f"{path}-wal")
    # With a -wal beside it, newer pages may legitimately live there, not in the file.
    if len(header) < _HEADER_SIZE or (expected and size < expected and not wal.exists()):
        raise UnusableDatabase(
            f"{path} is truncated ({size:,} bytes of {expected or _HEADER_SIZE:,}): "
            "restore it from a backup"
        )


def _size_in_header(header: bytes) -> int:
    """The database size the header vouches for, or 0 when it doesn't (SQLite's own rule:
    the page count counts only if the version-valid-for number matches the change counter)."""
    if len(header) < _HEADER_SIZE:
        return 0
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65_536 if page_size == 1 else page_size
    change_counter = int.from_bytes(header[24:28], "big")
    pages = int.from_bytes(header[28:32], "big")
    valid_for = int.from_bytes(header[92:96], "big")
    if pages == 0 or valid_for != change_counter:
        return 0
    return pages * page_size


async def check_ours(conn: aiosqlite.Connection, path: Path) -> bool:
    """True for a Marginalia database, False for an empty one; anything else is refused."""
    rows = await conn.execute_fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
    names = {str(row[0]) for row in rows}
    if not names:
        return False
    if "schema_migrations" in names:
        columns = await conn.execute_fetchall("PRAGMA table_info(schema_migrations)")
        if [str(column[1]) for column in columns] == _SCHEMA_COLUMNS:
            return True
    raise UnusableDatabase(
        f"{path} is another application's SQLite database, not Marginalia's; it was left "
        "untouched: set MARGINALIA_DATABASE (or --database) to the bot's own file"
    )


def unusable(path: Path, error: sqlite3.Error) -> UnusableDatabase:
    """One line for an SQLite failure while opening or checking ``path``."""
    message = str(error)
    if "locked" in message or "busy" in message:
        return DatabaseBusy(
            f"{path} is locked by another program ({message}); try again when it is done"
        )
    if "not a database" in message:
        return UnusableDatabase(
            f"{path} is not a Marginalia database ({message}): point MARGINALIA_DATABASE "
            "(or --database) at the bot's database"
        )
    if "malformed" in message or "corrupt" in message:
        return UnusableDatabase(f"{path} is damaged ({message}): restore it from a backup")
    return UnusableDatabase(f"cannot use the database {path}: {message}")
