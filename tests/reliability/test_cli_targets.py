"""A careless operator's typos with `export` and `backup` cost no data and print one line.

Issue 11, items 4, 5 and 16: an export or a backup never lands on the live database or the
files SQLite keeps beside it, never replaces a file unasked or a non-file at all, and odd
input (an id past SQLite's range, a closed pipe, a locked database) is one clear line.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import bot.storage.database as database_module
from bot.__main__ import main as bot_main
from tests.helpers import ROOT, marginalia_database


def digest_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Path]:
    """A Marginalia database held open the way the running bot holds it (so its -wal and
    -shm exist), with one excerpt #1."""
    path = tmp_path / "marginalia.db"
    asyncio.run(marginalia_database(path))
    holder = sqlite3.connect(path)
    holder.execute("PRAGMA journal_mode = WAL").fetchall()
    holder.execute("CREATE TABLE IF NOT EXISTS keep_wal (x)")
    holder.commit()
    assert Path(f"{path}-wal").exists() and Path(f"{path}-shm").exists()
    yield path
    holder.close()


def one_line(capsys: pytest.CaptureFixture[str], code: int, *fragments: str) -> str:
    captured = capsys.readouterr()
    assert code == 2, captured
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err, captured.err
    for fragment in fragments:
        assert fragment.lower() in captured.err.lower(), (fragment, captured.err)
    return captured.err


def export(*args: str | Path) -> int:
    return bot_main(["export", "--excerpt", "1", *map(str, args)])


def unix_socket(path: Path) -> socket.socket:
    """A file system entry that is not a regular file (as a device node is)."""
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    return listener


# --- item 4: export -o ---------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
def test_export_never_writes_over_the_database_or_its_files(live, capsys, suffix):
    target = Path(f"{live}{suffix}")
    before = {p.name: digest_of(p) for p in live.parent.iterdir() if p.is_file()}
    for force in ([], ["--force"]):
        code = export("--database", live, "-o", target, *force)
        one_line(capsys, code, str(target), "database")
    assert {p.name: digest_of(p) for p in live.parent.iterdir() if p.is_file()} == before
    assert integrity(live) == "ok"


def test_export_over_the_database_through_another_name_is_refused(live, capsys):
    alias = live.parent / "alias.md"
    alias.symlink_to(live)
    before = digest_of(live)
    one_line(capsys, export("--database", live, "-o", alias, "--force"), "database")
    assert digest_of(live) == before


def test_export_replaces_an_existing_file_only_with_force(live, tmp_path, capsys):
    target = tmp_path / "keeper.md"
    target.write_text("my own notes", encoding="utf-8")
    one_line(capsys, export("--database", live, "-o", target), "already exists", "--force")
    assert target.read_text(encoding="utf-8") == "my own notes"

    # --force replaces it by renaming a finished file over it: a hard link to the old
    # file keeps the old text (a write in place would have changed both).
    old_name = tmp_path / "old-notes.md"
    os.link(target, old_name)
    assert export("--database", live, "-o", target, "--force") == 0
    assert target.read_text(encoding="utf-8").startswith("# Posted")
    assert old_name.read_text(encoding="utf-8") == "my own notes"
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []


def test_export_default_name_is_not_overwritten_either(live, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert export("--database", live) == 0
    written = next(tmp_path.glob("*.md"))
    capsys.readouterr()
    one_line(capsys, export("--database", live), "already exists")
    assert written.read_text(encoding="utf-8").startswith("# Posted")


def test_export_onto_something_that_is_not_a_file_is_refused(live, tmp_path, capsys):
    target = tmp_path / "a-socket.md"
    listener = unix_socket(target)
    try:
        one_line(capsys, export("--database", live, "-o", target, "--force"), "not a regular file")
        assert target.is_socket()
    finally:
        listener.close()


# --- item 5: backup ------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
def test_backup_never_writes_over_the_databases_own_files(live, capsys, suffix):
    target = Path(f"{live}{suffix}")
    existed = target.exists()
    before = digest_of(target) if existed else None
    code = bot_main(["backup", str(target), "--database", str(live), "--force"])
    one_line(capsys, code, str(target), "database")
    assert (digest_of(target) if existed else None) == before
    assert target.exists() == existed
    assert integrity(live) == "ok"


def test_backup_onto_something_that_is_not_a_file_is_refused(live, tmp_path, capsys):
    target = tmp_path / "backup.sock"
    listener = unix_socket(target)
    try:
        code = bot_main(["backup", str(target), "--database", str(live), "--force"])
        one_line(capsys, code, "not a regular file")
        assert target.is_socket()
    finally:
        listener.close()


# --- item 16: odd input to export is one clear line ----------------------------------


@pytest.mark.parametrize("option", ["--excerpt", "--guild", "--author", "--revision"])
def test_an_id_too_large_for_sqlite_is_a_clear_usage_error(live, capsys, option):
    which = ["--author", "1"] if option == "--author" else ["--excerpt", "1"]
    if option in ("--excerpt", "--author"):
        which = []
    with pytest.raises(SystemExit) as exited:
        bot_main(["export", *which, option, str(2**64), "--database", str(live), "-o", "-"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "too large" in err and option in err


def test_a_closed_pipe_is_one_line(live):
    reader = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "export",
            "--excerpt",
            "1",
            "--database",
            str(live),
            "-o",
            "-",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.close()  # the program reading the digest went away before it came
    err = reader.stderr.read()
    assert reader.wait(timeout=60) == 2
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert "standard output was closed" in err


def test_a_locked_database_is_said_to_be_locked(tmp_path, capsys, monkeypatch):
    path = tmp_path / "marginalia.db"
    asyncio.run(marginalia_database(path))
    monkeypatch.setattr(database_module, "READ_BUSY_TIMEOUT_S", 0.2)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        # Another program writing in rollback-journal mode keeps readers out.
        holder.execute("PRAGMA journal_mode = DELETE").fetchall()
        holder.execute("BEGIN EXCLUSIVE")
        code = export("--database", path, "-o", tmp_path / "out.md")
        line = one_line(capsys, code, "locked")
        assert "not a marginalia database" not in line.lower()
    finally:
        holder.close()
