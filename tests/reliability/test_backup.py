"""Data safety: `python -m bot backup` copies a live database consistently; the copy restores."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import main as bot_main
from bot.backup_cli import backup
from bot.models import Actor, PostedMessage
from bot.storage import Database
from bot.workshop import Workshop
from tests import helpers
from tests.helpers import ROOT, rows
from tests.reliability.crash_worker import GUILD_ID
from tests.reliability.test_crash import Acknowledged, check_database

GUILD = 77


def numbers(db: Path, table: str, column: str = "number") -> list[int]:
    return [int(row[0]) for row in rows(db, f"SELECT {column} FROM {table} ORDER BY {column}")]


def table_dump(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every user table's rows, sorted: two dumps are equal iff the contents are."""
    return helpers.table_dump(db, internal=False)


async def open_workshop(path: Path) -> tuple[Database, Workshop]:
    database = Database(path)
    await database.open()
    return database, Workshop(database, clock=lambda: datetime.now(UTC))


async def seed_excerpt(workshop: Workshop) -> int:
    author = Actor(1, "Author")
    excerpt = await workshop.excerpts.create_excerpt(
        guild_id=GUILD,
        channel_id=5,
        author=author,
        title="Tides",
        lines=[f"Paragraph {n} of the tide." for n in range(1, 41)],
        content_warning=None,
    )
    await workshop.excerpts.mark_posted(excerpt, 9_000, [PostedMessage(9_001, 1, 40)])
    return excerpt.number


async def test_backup_while_the_workshop_writes_is_a_consistent_snapshot(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    database, workshop = await open_workshop(live)
    try:
        number = await seed_excerpt(workshop)
        readers = [Actor(100 + n, f"Reader {n}") for n in range(5)]
        stop, warmed_up = asyncio.Event(), asyncio.Event()
        written: list[int] = []

        async def write_flat_out() -> None:
            while not stop.is_set():
                context = await workshop.comments.add_comment(
                    guild_id=GUILD,
                    excerpt_number=number,
                    member=readers[len(written) % 5],
                    line_spec=str(len(written) % 40 + 1),
                    text=f"Note {len(written) + 1}: the tide turns here.",
                )
                written.append(context.comment.number)
                if len(written) >= 50:
                    warmed_up.set()
                if len(written) % 3 == 0:
                    await workshop.comments.reply(
                        guild_id=GUILD,
                        comment_number=context.comment.number,
                        member=readers[0],
                        text="Agreed.",
                    )

        writer = asyncio.create_task(write_flat_out())
        snapshots: list[tuple[int, int, Path]] = []
        try:
            await asyncio.wait_for(warmed_up.wait(), timeout=30)
            for index in range(20):
                before = len(written)
                copy = tmp_path / f"copy{index}.db"
                # The backup runs in another thread on its own read-only connection
                # while this loop keeps committing comments.
                await asyncio.to_thread(backup, live, copy)
                snapshots.append((before, len(written), copy))
                if index >= 2 and sum(low < high for low, high, _ in snapshots) >= 2:
                    break
                await asyncio.sleep(0.02)
        finally:
            stop.set()
            await writer
        overlapped = sum(low < high for low, high, _ in snapshots)
        assert overlapped >= 2, f"writes overlapped only {overlapped} of {len(snapshots)} backups"
    finally:
        await database.close()

    for before, after, copy in snapshots:
        assert rows(copy, "PRAGMA integrity_check") == [("ok",)]
        assert rows(copy, "PRAGMA foreign_key_check") == []
        # One point in time: the comments are exactly 1..k, with every one acknowledged
        # before the backup started, and none that did not exist yet when it ended.
        found = numbers(copy, "comments")
        assert found == list(range(1, len(found) + 1))
        assert before <= len(found) <= after
        # Replies in the copy belong to comments in the copy (a snapshot, not a blend).
        # (every third comment gets a reply right after it: the snapshot may fall between).
        assert len(rows(copy, "SELECT id FROM replies")) in (len(found) // 3, len(found) // 3 - 1)
        # The copy holds exactly what the live database held for those rows.
        live_rows = rows(live, f"SELECT * FROM comments WHERE number <= {len(found)} ORDER BY id")
        assert rows(copy, "SELECT * FROM comments ORDER BY id") == live_rows

    # Restore the last copy as a database the bot opens, and carry on writing to it.
    restored = tmp_path / "restored.db"
    shutil.copyfile(snapshots[-1][2], restored)
    database, workshop = await open_workshop(restored)
    try:
        assert await workshop.excerpts.purge_unposted() == 0
        listing = await workshop.comments.list_comments(
            guild_id=GUILD, excerpt_number=number, line_spec=None, status=None
        )
        assert len(listing.comments) == len(numbers(restored, "comments"))
        added = await workshop.comments.add_comment(
            guild_id=GUILD,
            excerpt_number=number,
            member=Actor(7, "New"),
            line_spec="1",
            text="On.",
        )
        assert added.comment.number == len(listing.comments) + 1
    finally:
        await database.close()


def test_backup_cli_while_another_process_writes(tmp_path: Path) -> None:
    """The crash worker writes in its own process; `python -m bot backup` copies meanwhile."""
    live = tmp_path / "live.db"
    out = tmp_path / "worker.out"
    with out.open("wb") as stdout:
        worker = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.crash_worker", str(live), "99"],
            cwd=ROOT,
            stdout=stdout,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 10
            while out.read_text().count("\nC ") < 100:
                assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
                assert time.monotonic() < deadline, "the worker wrote nothing"
                time.sleep(0.02)
            copies = []
            for index in range(2):
                acked = Acknowledged()
                acked.read(out.read_text())  # acknowledged before this backup began
                copy = tmp_path / f"copy{index}.db"
                done = subprocess.run(
                    [sys.executable, "-m", "bot", "backup", str(copy), "--database", str(live)],
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
                assert done.returncode == 0, done.stderr
                assert "integrity check ok" in done.stdout and done.stderr == ""
                copies.append((acked, copy))
            assert worker.poll() is None, "the worker should still be writing"
        finally:
            worker.kill()
            worker.wait()

    for acked, copy in copies:
        # The same invariants as after a crash, and everything acknowledged before the
        # backup started is in the copy.
        unposted = check_database(copy, acked)
        assert rows(copy, "PRAGMA journal_mode") == [("delete",)]
        assert not Path(f"{copy}-wal").exists()
        restored = tmp_path / f"restored-{copy.name}"
        shutil.copyfile(copy, restored)

        async def reopen(path: Path = restored) -> int:
            database, workshop = await open_workshop(path)
            try:
                return await workshop.excerpts.purge_unposted()
            finally:
                await database.close()

        assert asyncio.run(reopen()) == unposted
        # What the worker never changes afterwards (a revision may move a comment's lines,
        # a moderator may resolve it) is identical in the live database.
        comment_sql = (
            "SELECT c.number, c.text, c.author_id, c.origin_line_start, e.number FROM comments AS c"
            f" JOIN excerpts AS e ON e.id = c.excerpt_id WHERE c.guild_id = {GUILD_ID}"
            " ORDER BY c.number"
        )
        copied = rows(restored, comment_sql)
        assert len(copied) >= len(acked.comments) > 0
        assert set(copied) <= set(rows(live, comment_sql))


def test_backup_of_a_quiet_database_is_identical(tmp_path: Path) -> None:
    live = tmp_path / "live.db"

    async def fill() -> None:
        database, workshop = await open_workshop(live)
        try:
            number = await seed_excerpt(workshop)
            for n in range(1, 30):
                await workshop.comments.add_comment(
                    guild_id=GUILD,
                    excerpt_number=number,
                    member=Actor(n, f"R{n}"),
                    line_spec=f"{n}-{n + 1}",
                    text=f"Comment ’{n}’ — with “quotes” and ünïcödé; '); DROP TABLE comments;--",
                )
        finally:
            await database.close()

    asyncio.run(fill())
    copy = tmp_path / "copy.db"
    report = backup(live, copy)
    assert report.counts["comments"] == 29 and report.counts["lines"] == 40
    assert table_dump(copy) == table_dump(live)


def test_cli_refuses_to_overwrite_without_force(tmp_path: Path, capsys: Any) -> None:
    live = tmp_path / "live.db"
    sqlite3.connect(live).execute("CREATE TABLE comments (x)").connection.commit()
    target = tmp_path / "exists.db"
    target.write_bytes(b"precious")
    assert bot_main(["backup", str(target), "--database", str(live)]) == 2
    captured = capsys.readouterr()
    assert "already exists" in captured.err and "--force" in captured.err
    assert captured.err.count("\n") == 1 and captured.out == ""
    assert target.read_bytes() == b"precious"

    assert bot_main(["backup", str(target), "--database", str(live), "--force"]) == 0
    assert "integrity check ok" in capsys.readouterr().out
    assert rows(target, "SELECT name FROM sqlite_master") == [("comments",)]
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []


def test_cli_missing_source_is_one_clear_line_and_exit_2(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "backup",
            str(tmp_path / "copy.db"),
            "--database",
            str(tmp_path / "missing.db"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert "no database at" in done.stderr and "missing.db" in done.stderr
    assert not (tmp_path / "copy.db").exists()
    assert not (tmp_path / "missing.db").exists(), "a backup must never create the source"


def test_cli_uses_the_configured_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    live = tmp_path / "configured.db"
    asyncio.run(_create(live))
    monkeypatch.setenv("MARGINALIA_DATABASE", str(live))
    assert bot_main(["backup", str(tmp_path / "copy.db")]) == 0
    assert "configured.db" in capsys.readouterr().out


async def _create(path: Path) -> None:
    database = Database(path)
    await database.open()
    await database.close()


def test_cli_source_that_is_not_a_database_is_one_line(tmp_path: Path, capsys: Any) -> None:
    source = tmp_path / "notadb.db"
    source.write_bytes(b"hello, not sqlite" * 100)
    target = tmp_path / "copy.db"
    assert bot_main(["backup", str(target), "--database", str(source)]) == 1
    captured = capsys.readouterr()
    assert "not a database" in captured.err and captured.err.count("\n") == 1
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []


def test_cli_creates_the_backups_folder(tmp_path: Path, capsys: Any) -> None:
    """`run.sh backup backups/marginalia.db` on a fresh clone: backups/ does not exist yet."""
    source = tmp_path / "live.db"
    asyncio.run(_create(source))
    target = tmp_path / "backups" / "nightly" / "copy.db"
    assert bot_main(["backup", str(target), "--database", str(source)]) == 0
    assert "integrity check ok" in capsys.readouterr().out
    assert rows(target, "PRAGMA integrity_check") == [("ok",)]


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
@pytest.mark.parametrize("target", ["/proc/marginalia-copy.db", "/proc/marginalia-backups/copy.db"])
def test_cli_unwritable_destination_is_named_not_the_source(
    tmp_path: Path, capsys: Any, target: str
) -> None:
    """Even root cannot create files in /proc: the line must blame the destination."""
    source = tmp_path / "live.db"
    asyncio.run(_create(source))
    assert bot_main(["backup", target, "--database", str(source)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert str(Path(target).parent) in err and "backup" in err
    assert str(source) not in err, "the source database is fine; don't blame it"
