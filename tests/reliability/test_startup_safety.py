"""Starting the bot on a file it must not use: one clear line, exit 2, the file untouched.

`python -m bot` runs for real in a subprocess (a well-formed token, no Discord needed: every
refusal here comes before the bot would connect). A second bot on the same database is
refused while the first holds it; exports and backups beside a running bot are not.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import main as bot_main
from bot.storage import Database, DatabaseInUse, DatabaseLock, UnusableDatabase
from tests.helpers import ROOT, WELL_FORMED_TOKEN, marginalia_database, unposted


def start_bot(database: Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DISCORD_TOKEN": WELL_FORMED_TOKEN,
        "MARGINALIA_DATABASE": str(database),
        # Nothing may reach the network: a refusal must come before the login.
        "HTTPS_PROXY": "http://127.0.0.1:9",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=cwd or ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def one_line(done: subprocess.CompletedProcess[str], *fragments: str) -> str:
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr
    line = done.stderr.strip()
    assert line.startswith("marginalia: ")
    for fragment in fragments:
        assert fragment.lower() in line.lower(), (fragment, line)
    return line


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file in ``folder`` with its content's hash: equal before and after = untouched."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        for path in sorted(folder.iterdir())
    }


# --- item 15: a bad database ---------------------------------------------------------


def _random_bytes(folder: Path) -> Path:
    path = folder / "random.db"
    path.write_bytes(os.urandom(8192))
    return path


def _folder(folder: Path) -> Path:
    path = folder / "marginalia.db"
    path.mkdir()
    return path


def _truncated(folder: Path) -> Path:
    whole = folder / "whole.db"
    asyncio.run(marginalia_database(whole))
    with sqlite3.connect(whole) as conn:  # grow it past a few pages, then cut it short
        conn.execute("CREATE TABLE IF NOT EXISTS padding (x)")
        conn.executemany("INSERT INTO padding VALUES (?)", [("x" * 900,)] * 200)
    path = folder / "truncated.db"
    path.write_bytes(whole.read_bytes()[: 3 * 4096])
    whole.unlink()
    return path


def _another_apps(folder: Path) -> Path:
    path = folder / "notes.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO notes (body) VALUES ('mine, not the bot''s')")
    conn.close()
    return path


def _rails_like(folder: Path) -> Path:
    """Another application that happens to keep a table called schema_migrations."""
    path = folder / "app.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE schema_migrations (version varchar NOT NULL PRIMARY KEY)")
        conn.execute("INSERT INTO schema_migrations VALUES ('20240101000000')")
    conn.close()
    return path


def _newer(folder: Path) -> Path:
    path = folder / "future.db"
    asyncio.run(marginalia_database(path))
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (999, 'from_the_future', 'x')")
    # A single file (no -wal, -shm), so any byte written to it would show.
    conn.execute("PRAGMA journal_mode = DELETE").fetchall()
    conn.close()
    return path


BAD_DATABASES = [
    (_random_bytes, ("not a Marginalia database",)),
    (_folder, ("is a folder",)),
    (_truncated, ("truncated", "backup")),
    (_another_apps, ("another application", "untouched")),
    (_rails_like, ("another application",)),
    (_newer, ("newer Marginalia", "schema 999")),
]


@pytest.mark.parametrize(
    ("make", "fragments"),
    BAD_DATABASES,
    ids=["random-bytes", "folder", "truncated", "another-app", "rails-like", "newer-schema"],
)
def test_a_bad_database_stops_the_bot_with_one_line_and_is_left_untouched(
    tmp_path: Path, make, fragments
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    path = make(folder)
    before = fingerprint(folder)
    one_line(start_bot(path), str(path), *fragments)
    # Not a byte written, and nothing left beside it (no -wal, -shm, lock file).
    assert fingerprint(folder) == before


def test_another_apps_file_gets_no_schema_migrations_table(tmp_path: Path) -> None:
    path = _another_apps(tmp_path)
    one_line(start_bot(path), "another application")
    with sqlite3.connect(path) as conn:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master")]
        journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert tables == ["notes"]
    assert journal == "delete"  # not switched to WAL either


def test_the_core_refuses_the_same_files_before_writing(tmp_path: Path) -> None:
    """Database.open, which tests and the sandbox use directly, draws the same line."""
    for make, fragments in BAD_DATABASES:
        folder = tmp_path / make.__name__
        folder.mkdir()
        path = make(folder)
        before = fingerprint(folder)
        with pytest.raises(UnusableDatabase) as raised:
            asyncio.run(Database(path).open())
        assert "\n" not in str(raised.value)
        for fragment in fragments:
            assert fragment.lower() in str(raised.value).lower()
        assert fingerprint(folder) == before, make.__name__


async def test_an_empty_file_and_a_new_path_become_databases(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    for path in (empty, tmp_path / "new" / "fresh.db"):
        database = Database(path)
        await database.open()
        await database.close()
        with sqlite3.connect(path) as conn:
            assert conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] >= 3


# --- item 14: one bot per database -------------------------------------------------


def test_a_second_bot_is_refused_and_purges_nothing(tmp_path: Path) -> None:
    db = tmp_path / "live.db"
    asyncio.run(marginalia_database(db, in_flight=True))
    assert unposted(db) == 1
    # The first bot holds this lock from start to exit (MarginaliaBot.start).
    with DatabaseLock(db):
        line = one_line(start_bot(db), "already running", str(db))
        assert "stop it" in line
        # The first bot's excerpt, mid-post, is still there for it to finish.
        assert unposted(db) == 1
    # Once the first bot is gone, the next one may take the database.
    with DatabaseLock(db):
        pass


def test_the_lock_goes_with_the_process_that_held_it(tmp_path: Path) -> None:
    """A bot killed outright leaves no stale lock: the kernel drops a flock with its holder."""
    db = tmp_path / "live.db"
    asyncio.run(marginalia_database(db))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from bot.storage import DatabaseLock\n"
            f"lock = DatabaseLock({str(db)!r}); lock.acquire(); print('held', flush=True)\n"
            "sys.stdin.read()",
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(DatabaseInUse, match="already running"):
            DatabaseLock(db).acquire()
    finally:
        holder.kill()
        holder.wait(timeout=30)
    with DatabaseLock(db):
        pass


def test_export_and_backup_beside_a_running_bot_are_not_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "live.db"
    asyncio.run(marginalia_database(db))
    with DatabaseLock(db):
        out = tmp_path / "digest.md"
        assert bot_main(["export", "--excerpt", "1", "--database", str(db), "-o", str(out)]) == 0
        assert out.read_text(encoding="utf-8").startswith("# Posted")
        copy = tmp_path / "copy.db"
        assert bot_main(["backup", str(copy), "--database", str(db)]) == 0
        assert "integrity check ok" in capsys.readouterr().out


def test_the_sandbox_on_a_running_bots_database_is_refused(tmp_path: Path, capsys) -> None:
    """`sandbox --database` starts a bot too: it would purge the running bot's excerpt."""
    db = tmp_path / "live.db"
    asyncio.run(marginalia_database(db, in_flight=True))
    with DatabaseLock(db):
        assert bot_main(["sandbox", "--database", str(db)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already running" in err
    assert unposted(db) == 1


def test_the_sandbox_on_a_bad_database_is_one_line(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    path = _another_apps(folder)
    before = fingerprint(folder)
    assert bot_main(["sandbox", "--database", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "another application" in err
    assert fingerprint(folder) == before
