"""`python -m bot copy --to postgresql://…`: a verified copy into an empty PostgreSQL
database, or one line and nothing written."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import bot.storage.pg_copy as pg_copy
from bot.__main__ import main as bot_main
from bot.models import Actor
from bot.prompt_library import LibraryPrompt, library_key
from bot.prompts import PromptService
from bot.storage import Database, known_version, store_for
from bot.workshop import Workshop
from tests.helpers import Clock
from tests.postgres_server import postgres_rows, run_sync, with_database

START = datetime(2026, 3, 28, 8, 0, tzinfo=UTC)


async def workshop_database(path: Path) -> None:
    """Two servers' excerpts with comments (one deleted: the numbers have a gap), text
    with quotes, tabs and emoji, a prompt schedule with a claimed day."""
    database = Database(path)
    await database.open()
    clock = Clock(START, step=timedelta(seconds=1))
    workshop = Workshop(database, clock)
    try:
        for guild in (5, 6):
            excerpt = await workshop.excerpts.create_excerpt(
                guild_id=guild,
                channel_id=7,
                author=Actor(1, "Author"),
                title=f"Keeper {guild} — “quoted” ✍️",
                lines=["One.", "Two, with a 'quote'.", "Three\ttabbed."],
                content_warning=None,
            )
            await workshop.excerpts.mark_posted(excerpt, 900 + guild, [])
            for n in range(1, 6):
                await workshop.comments.add_comment(
                    guild_id=guild,
                    member=Actor(2, "Reader"),
                    line_spec=str(1 + n % 3),
                    text=f"Note {n}: ünïcode and NULL-ish ''",
                    excerpt_number=excerpt.number,
                )
        prompts = PromptService(
            database, clock, (LibraryPrompt(library_key("Write."), "plot", "Write."),)
        )
        await prompts.setup(
            5, can_manage=True, channel_id=7, role_id=None, time_text="09:00", zone_text="UTC"
        )
        clock.now = START + timedelta(hours=1, minutes=1)
        assert await prompts.claim_due()
    finally:
        await database.close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA foreign_keys = ON")  # as the bot's own connection: cascades
        conn.execute("DELETE FROM comments WHERE guild_id = 5 AND number = 3")
    conn.close()


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "marginalia.db"
    run_sync(lambda: workshop_database(path))
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def table_count(url: str) -> int:
    tables = "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()"
    return int(postgres_rows(url, tables)[0][0])


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert captured.out == "" and len(lines) == 1, captured
    return lines[0]


def sqlite_rows(path: Path, table: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
        found = conn.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
    conn.close()
    return sorted(found, key=repr)


def test_copies_every_table_verified_and_the_copy_goes_on_numbering(source, empty_postgres, capsys):
    before = digest(source)
    assert bot_main(["copy", "--to", empty_postgres, "--database", str(source)]) == 0
    out = capsys.readouterr().out
    assert f"(schema {known_version()})" in out and "every count and checksum matches" in out
    for table in ("excerpts", "comments", "replies", "prompt_posts", "guild_sequences"):
        assert f"  {table} " in out
    assert digest(source) == before  # the source was only read
    for table in ("excerpts", "comments", "guild_sequences", "prompt_posts", "lines"):
        with sqlite3.connect(source) as conn:
            columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
        conn.close()
        copied = postgres_rows(empty_postgres, f"SELECT {', '.join(columns)} FROM {table}")
        assert sorted(copied, key=repr) == sqlite_rows(source, table), table
    migrations = postgres_rows(empty_postgres, "SELECT MAX(version) FROM schema_migrations")
    assert migrations == [(known_version(),)]

    async def add_more() -> tuple[int, int]:
        store = store_for(empty_postgres)
        await store.open()
        try:
            workshop = Workshop(store, Clock(START + timedelta(days=1)))
            excerpt = await workshop.excerpts.create_excerpt(
                guild_id=5,
                channel_id=7,
                author=Actor(1, "Author"),
                title="After the move",
                lines=["New."],
                content_warning=None,
            )
            comment = await workshop.comments.add_comment(
                guild_id=5,
                member=Actor(2, "Reader"),
                line_spec="1",
                text="Still counting.",
                excerpt_number=1,
            )
            return excerpt.id, comment.comment.number
        finally:
            await store.close()

    excerpt_id, number = run_sync(add_more)
    assert excerpt_id == 3  # the identity continues after the copied ids
    assert number == 6  # and the server's numbers after its last comment


def test_a_target_that_is_not_empty_is_refused(source, postgres_url, capsys):
    # postgres_url is migrated: it holds a schema_migrations row.
    assert bot_main(["copy", "--to", postgres_url, "--database", str(source)]) == 2
    assert "is not empty (it already holds a Marginalia schema)" in one_line(capsys)
    assert postgres_rows(postgres_url, "SELECT COUNT(*) FROM excerpts") == [(0,)]


def test_a_mismatch_rolls_everything_back(source, empty_postgres, capsys, monkeypatch):
    real = pg_copy._target_check

    async def tampered(conn: Any, table: str, columns: list[str]) -> pg_copy.TableCheck:
        check = await real(conn, table, columns)
        if table == "comments":
            check.checksum ^= 1
        return check

    monkeypatch.setattr(pg_copy, "_target_check", tampered)
    assert bot_main(["copy", "--to", empty_postgres, "--database", str(source)]) == 2
    line = one_line(capsys)
    assert "table comments did not verify" in line and "rolled back" in line
    assert table_count(empty_postgres) == 0  # not even the schema stayed


@pytest.mark.parametrize("case", ["missing", "not ours", "newer", "empty"])
def test_a_source_that_cannot_be_copied_is_one_line(case, tmp_path, empty_postgres, capsys):
    path = tmp_path / "source.db"
    if case == "not ours":
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
        conn.close()
    elif case == "newer":
        run_sync(lambda: workshop_database(path))
        with sqlite3.connect(path) as conn:
            conn.execute("INSERT INTO schema_migrations VALUES (99, 'future', 'later')")
        conn.close()
    elif case == "empty":
        path.touch()
    assert bot_main(["copy", "--to", empty_postgres, "--database", str(path)]) == 2
    line = one_line(capsys)
    expected = {
        "missing": "there is no database at",
        "not ours": "another application's SQLite database",
        "newer": "newer Marginalia (schema 99",
        "empty": "is an empty database",
    }[case]
    assert expected in line
    assert table_count(empty_postgres) == 0


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("mysql://root@localhost/marginalia", "is not a postgresql:// URL"),
        ("postgresql://bot:secret@127.0.0.1:1/marginalia", "cannot reach PostgreSQL"),
        ("postgresql://bot:secret@localhost", "names no database"),
    ],
)
def test_a_bad_target_is_one_line_without_its_password(url, fragment, source, capsys):
    before = digest(source)
    assert bot_main(["copy", "--to", url, "--database", str(source)]) == 2
    line = one_line(capsys)
    assert fragment in line and "secret" not in line
    assert digest(source) == before


def test_a_database_that_does_not_exist_on_the_server_is_one_line(source, postgres_server, capsys):
    if postgres_server is None:
        pytest.skip("PostgreSQL unavailable")
    url = with_database(postgres_server.admin_url, "marginalia_no_such_database")
    assert bot_main(["copy", "--to", url, "--database", str(source)]) == 2
    assert "no such database on that server" in one_line(capsys)
