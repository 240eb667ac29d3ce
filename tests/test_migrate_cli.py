"""`python -m bot migrate`: from which schema version to which; anything wrong is one line."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from bot.__main__ import main as bot_main
from bot.storage import DatabaseLock, known_version
from bot.storage.database import load_migrations
from tests.helpers import rows


def older_database(path: Path, version: int) -> None:
    """A database the way a Marginalia of schema ``version`` left it."""
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        for migration in load_migrations()[:version]:
            conn.executescript(migration.sql)
            conn.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, '2026-01-01T00:00:00+00:00')",
                (migration.version, migration.name),
            )
    conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert captured.out == "" and len(lines) == 1, captured
    return lines[0]


def test_brings_an_older_schema_up_to_date_and_says_so(tmp_path, capsys):
    path = tmp_path / "old.db"
    older_database(path, 5)
    assert bot_main(["migrate", "--database", str(path)]) == 0
    newest = known_version()
    assert capsys.readouterr().out.strip() == f"{path}: schema 5 → {newest}"
    with sqlite3.connect(path) as conn:
        versions = [row[0] for row in conn.execute("SELECT version FROM schema_migrations")]
    assert versions == list(range(1, newest + 1))
    assert bot_main(["migrate", "--database", str(path)]) == 0
    assert capsys.readouterr().out.strip() == f"{path}: already at {newest}"


def test_the_configured_database_is_the_default(tmp_path, capsys, monkeypatch):
    path = tmp_path / "configured.db"
    older_database(path, 6)
    monkeypatch.setenv("MARGINALIA_DATABASE", str(path))
    monkeypatch.delenv("MARGINALIA_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert bot_main(["migrate"]) == 0
    assert capsys.readouterr().out.strip() == f"{path}: schema 6 → {known_version()}"


def test_a_newer_database_is_one_line_and_left_alone(tmp_path, capsys):
    path = tmp_path / "newer.db"
    older_database(path, known_version())
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (99, 'future', 'later')")
    conn.close()
    before = digest(path)
    assert bot_main(["migrate", "--database", str(path)]) == 2
    line = one_line(capsys)
    assert "newer Marginalia (schema 99" in line
    assert digest(path) == before


def test_another_applications_file_is_left_untouched(tmp_path, capsys):
    path = tmp_path / "theirs.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    conn.close()
    before = digest(path)
    assert bot_main(["migrate", "--database", str(path)]) == 2
    assert "another application's SQLite database" in one_line(capsys)
    assert digest(path) == before


def test_a_missing_file_is_not_created(tmp_path, capsys):
    path = tmp_path / "typo.db"
    assert bot_main(["migrate", "--database", str(path)]) == 2
    assert f"there is no database at {path}" in one_line(capsys)
    assert list(tmp_path.iterdir()) == []


def test_a_database_a_running_bot_holds_is_not_migrated_under_it(tmp_path, capsys):
    path = tmp_path / "live.db"
    older_database(path, 5)
    before = digest(path)
    with DatabaseLock(path):
        assert bot_main(["migrate", "--database", str(path)]) == 2
    assert "running" in one_line(capsys).lower()
    assert digest(path) == before


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("mysql://root@localhost/marginalia", "neither a SQLite file's path nor a postgresql://"),
        ("postgresql://user:secret@localhost:notaport/db", "not a usable PostgreSQL URL"),
        ("postgresql://user:secret@localhost", "names no database"),
    ],
)
def test_a_bad_url_is_one_line_without_its_password(url, fragment, capsys):
    assert bot_main(["migrate", "--database", url]) == 2
    line = one_line(capsys)
    assert fragment in line and "secret" not in line


def test_a_server_that_is_down_is_one_line(capsys):
    pytest.importorskip("asyncpg")
    url = "postgresql://marginalia:secret@127.0.0.1:1/marginalia"
    assert bot_main(["migrate", "--database", url]) == 2
    line = one_line(capsys)
    assert "cannot reach PostgreSQL at" in line and "is the server running?" in line
    assert "secret" not in line


# ------------------------------------------------------------------ PostgreSQL


def test_an_empty_postgresql_database_is_brought_up_to_date(empty_postgres, capsys):
    newest = postgres_newest()
    assert bot_main(["migrate", "--database", empty_postgres]) == 0
    assert capsys.readouterr().out.strip().endswith(f": schema 0 → {newest}")
    assert bot_main(["migrate", "--database", empty_postgres]) == 0
    assert capsys.readouterr().out.strip().endswith(f": already at {newest}")


def test_the_configured_postgresql_url_is_the_default(empty_postgres, capsys, monkeypatch):
    monkeypatch.setenv("MARGINALIA_DATABASE_URL", empty_postgres)
    assert bot_main(["migrate"]) == 0
    assert f"schema 0 → {postgres_newest()}" in capsys.readouterr().out


def test_a_newer_postgresql_database_is_one_line_and_left_alone(postgres_url, capsys):
    rows(postgres_url, "INSERT INTO schema_migrations VALUES (99, 'future', 'later')")
    before = rows(postgres_url, "SELECT version FROM schema_migrations ORDER BY version")
    assert bot_main(["migrate", "--database", postgres_url]) == 2
    assert "newer Marginalia (schema 99" in one_line(capsys)
    assert rows(postgres_url, "SELECT version FROM schema_migrations ORDER BY version") == before


def test_another_applications_postgresql_database_is_left_alone(empty_postgres, capsys):
    rows(empty_postgres, "CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    assert bot_main(["migrate", "--database", empty_postgres]) == 2
    assert "not Marginalia's" in one_line(capsys)
    tables = "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()"
    assert rows(empty_postgres, tables) == [(1,)]


def postgres_newest() -> int:
    from bot.storage.postgres import newest_known

    return newest_known()
