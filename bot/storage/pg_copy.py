"""Copy a SQLite database into an empty PostgreSQL database, and prove the copy.

One PostgreSQL transaction holds everything: the target's migrations, every table's
rows (in batches, through COPY, ids as they were), the identity sequences moved past
the highest id, and the verification. Each table's row count and checksum are computed
the same way on both sides: a row's values normalised to text, hashed, and the hashes
added up (so the order rows come back in does not matter, and neither does
PostgreSQL's text collation). Any mismatch raises and the transaction rolls back: the
target is left as empty as it was found.

The source is read on a read-only connection inside one read transaction, so a bot
still writing to it (WAL) cannot tear the copy. Triggers that maintain derived values
(comment counts, comment numbers) are switched off for the copy's transaction: the
derived values come over as they are stored, and the checksum proves them.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.storage._files import UnusableDatabase, read_only_uri
from bot.storage.pg_tools import connect, migrate_on, shown

BATCH_ROWS = 10_000
_MODULUS = 1 << 128
_NULL = "\x00"  # NULL is not the empty string, nor the text 'None'
_SEPARATOR = "\x1f"
_SKIPPED = "schema_migrations"  # each side records its own migrations

Progress = Callable[[str, int], None]


class CopyRefused(UnusableDatabase):
    """The copy was not made, or was rolled back; the message is the one line to show."""


@dataclass(slots=True)
class TableCheck:
    table: str
    rows: int = 0
    checksum: int = 0

    def add(self, row: Sequence[Any]) -> None:
        self.rows += 1
        self.checksum = (self.checksum + row_hash(row)) % _MODULUS


@dataclass(frozen=True, slots=True)
class TableReport:
    table: str
    rows: int
    checksum: str  # the first hex digits of the matching checksum


@dataclass(slots=True)
class CopyReport:
    source: Path
    target: str
    version: int
    tables: list[TableReport] = field(default_factory=list)

    def lines(self) -> list[str]:
        width = max((len(t.table) for t in self.tables), default=0)
        rows = [
            f"  {t.table:<{width}}  {t.rows:>12,} row{'' if t.rows == 1 else 's'}"
            f"  checksum {t.checksum}  ok"
            for t in self.tables
        ]
        total = sum(t.rows for t in self.tables)
        return [
            f"Copied {self.source} into {self.target} (schema {self.version}):",
            *rows,
            f"{total:,} rows in {len(self.tables)} tables; every count and checksum matches.",
        ]


def normalised(value: Any) -> str:
    """A value as text, the same whichever database returned it."""
    if value is None:
        return _NULL
    if isinstance(value, bool | int):
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


def row_hash(row: Sequence[Any]) -> int:
    text = _SEPARATOR.join(normalised(value) for value in row)
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    return int.from_bytes(digest, "big")


# ---------------------------------------------------------------- the source


def _open_source(path: Path) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True, timeout=5.0, isolation_level=None)
        conn.execute("BEGIN")  # one snapshot for the whole copy
        return conn
    except sqlite3.Error as error:
        raise CopyRefused(f"cannot read {path}: {error}") from None


def _source_tables(conn: sqlite3.Connection) -> list[str]:
    """Our tables, parents before the tables that refer to them."""
    list_tables = """
        SELECT name FROM sqlite_master
        WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name != ?
        ORDER BY name
    """
    names = [str(row[0]) for row in conn.execute(list_tables, (_SKIPPED,))]
    parents = {
        name: {
            str(row[2])
            for row in conn.execute("SELECT * FROM pragma_foreign_key_list(?)", (name,))
            if str(row[2]) != name
        }
        for name in names
    }
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and parents[n] <= set(ordered)]
        if not ready:
            raise CopyRefused("the source's tables refer to each other in a cycle")
        ordered.extend(ready)
    return ordered


def _source_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [str(row[1]) for row in conn.execute("SELECT * FROM pragma_table_info(?)", (table,))]


def _source_rows(conn: sqlite3.Connection, table: str, columns: list[str]) -> Iterator[list[Any]]:
    select = f"SELECT {', '.join(_quoted(c) for c in columns)} FROM {_quoted(table)}"
    cursor = conn.execute(select)
    while batch := cursor.fetchmany(BATCH_ROWS):
        yield batch


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# ---------------------------------------------------------------- the target


async def _target_columns(conn: Any, table: str) -> list[str]:
    target_columns = """
        SELECT column_name FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = $1
    """
    return [str(row[0]) for row in await conn.fetch(target_columns, table)]


async def _refuse_non_empty(conn: Any, tables: Iterable[str], where: str) -> None:
    """Not one schema_migrations row, not one row in any of our tables."""
    present_tables = """
        SELECT tablename FROM pg_tables WHERE schemaname = current_schema()
    """
    present = {str(row[0]) for row in await conn.fetch(present_tables)}
    for table in [_SKIPPED, *tables]:
        if table in present and await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table})"):
            what = "a Marginalia schema" if table == _SKIPPED else f"rows in {table}"
            raise CopyRefused(
                f"{where} is not empty (it already holds {what}); copy into an empty database "
                "(createdb a new one), nothing was written"
            )


async def _reset_identities(conn: Any) -> None:
    """Each identity or serial column's sequence continues after the highest copied id."""
    identity_columns = """
        SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = current_schema()
            AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')
    """
    for table, column in await conn.fetch(identity_columns):
        reset = f"""
            SELECT setval(pg_get_serial_sequence($1, $2),
                COALESCE(MAX({_quoted(column)}), 0) + 1, false)
            FROM {_quoted(table)}
        """
        await conn.fetchval(reset, _quoted(table), column)


async def _target_check(conn: Any, table: str, columns: list[str]) -> TableCheck:
    check = TableCheck(table)
    select = f"SELECT {', '.join(_quoted(c) for c in columns)} FROM {_quoted(table)}"
    async for record in conn.cursor(select, prefetch=BATCH_ROWS):
        check.add(tuple(record))
    return check


# ---------------------------------------------------------------- the copy


async def copy_to_postgres(
    source: Path,
    url: str,
    *,
    source_version: int,
    progress: Progress | None = None,
) -> CopyReport:
    """Copy ``source`` (a checked Marginalia database at ``source_version``) into the empty
    database at ``url``; see the module doc. Raises :class:`UnusableDatabase` (one line)."""
    where = shown(url)
    reader = _open_source(source)
    try:
        tables = _source_tables(reader)
        conn = await connect(url)
        try:
            async with conn.transaction():
                await _refuse_non_empty(conn, tables, where)
                report = await _copy_in_transaction(
                    reader, conn, url, tables, source, source_version, progress
                )
        finally:
            await conn.close()
    except sqlite3.Error as error:
        raise CopyRefused(f"cannot read {source}: {error}; nothing was written") from None
    finally:
        reader.close()
    return report


async def _copy_in_transaction(
    reader: sqlite3.Connection,
    conn: Any,
    url: str,
    tables: list[str],
    source: Path,
    source_version: int,
    progress: Progress | None,
) -> CopyReport:
    import asyncpg

    where = shown(url)
    _, version = await migrate_on(conn, url)
    if version != source_version:
        raise CopyRefused(
            f"{source} is at schema {source_version} but this Marginalia brings PostgreSQL to "
            f"{version}: run `python -m bot migrate --database {source}` first; nothing was written"
        )
    report = CopyReport(source, where, version)
    plan: list[tuple[str, list[str]]] = []
    for table in tables:
        columns = _source_columns(reader, table)
        target = await _target_columns(conn, table)
        if sorted(target) != sorted(columns):
            raise CopyRefused(
                f"table {table} has columns {sorted(columns)} in {source} but "
                f"{sorted(target)} in {where}; nothing was written"
            )
        plan.append((table, columns))
    for table, _ in plan:
        await conn.execute(f"ALTER TABLE {_quoted(table)} DISABLE TRIGGER USER")
    sent: dict[str, TableCheck] = {}
    for table, columns in plan:
        check = TableCheck(table)
        for batch in _source_rows(reader, table, columns):
            for row in batch:
                check.add(row)
            try:
                await conn.copy_records_to_table(table, records=batch, columns=columns)
            except (asyncpg.PostgresError, asyncpg.DataError, ValueError, TypeError) as error:
                raise CopyRefused(
                    f"table {table} could not be copied ({error}); rolled back, nothing was written"
                ) from None
            if progress is not None:
                progress(table, check.rows)
        sent[table] = check
    for table, _ in plan:
        await conn.execute(f"ALTER TABLE {_quoted(table)} ENABLE TRIGGER USER")
    await _reset_identities(conn)
    for table, columns in plan:
        got = await _target_check(conn, table, columns)
        want = sent[table]
        if (got.rows, got.checksum) != (want.rows, want.checksum):
            raise CopyRefused(
                f"table {table} did not verify ({want.rows:,} rows sent, {got.rows:,} found, "
                f"checksums {want.checksum:032x} and {got.checksum:032x}); rolled back, "
                "nothing was written"
            )
        report.tables.append(TableReport(table, got.rows, f"{got.checksum:032x}"[:12]))
    return report
