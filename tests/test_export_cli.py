"""`python -m bot export`: digests from the database file, without Discord.

The database is built through the core Workshop, as the bot would build it.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import docx
import pytest

from bot.__main__ import main
from bot.models import Actor
from bot.storage import Database
from bot.text import parse_excerpt_text
from bot.workshop import Workshop
from tests.helpers import ROOT, Clock, Page, thread_numbers

GUILD = 111_111
OTHER_GUILD = 222_222
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
AUTHOR = Actor(1, "Ann Author")
READER = Actor(2, "Ben Reader")
READER2 = Actor(3, "Cy Reader")
SCENE = (
    "The lighthouse keeper counted the gulls every morning.\n\n"
    "Nobody had asked him to; it simply steadied his hands.\n\n"
    "On the ninth day there were thirteen, and one of them was *watching* him.\n\n"
    "He wrote the number in the log, underlined it twice, and went to make tea."
)
HOSTILE = "<script>alert(1)</script> strong start"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


async def _post(workshop: Workshop, guild: int, title: str, author: Actor = AUTHOR) -> int:
    excerpt = await workshop.excerpts.create_excerpt(
        guild_id=guild,
        channel_id=10,
        author=author,
        title=title,
        lines=parse_excerpt_text(SCENE),
        content_warning=None,
    )
    await workshop.excerpts.mark_posted(excerpt, thread_id=1000 + excerpt.id, messages=[])
    return excerpt.number


async def _build(path: Path, *, second_guild: bool) -> None:
    """Excerpt #1 with comments #1–#4 (quote, suggestion, hostile text, resolved) and a
    reply; #2 deleted; #3 by the author later, with one comment a week on."""
    clock = Clock(T0)
    database = Database(path)
    await database.open()
    workshop = Workshop(database, clock=clock)
    try:
        await _post(workshop, GUILD, "The Keeper")
        await workshop.comments.add_comment(
            guild_id=GUILD,
            excerpt_number=1,
            member=READER,
            line_spec="3",
            text="Chilling.",
            quote="one of them was",
        )
        await workshop.comments.add_comment(
            guild_id=GUILD,
            excerpt_number=1,
            member=READER2,
            line_spec="4",
            text="Stronger verb?",
            quote="went to make",
            suggestion="shuffled off to brew",
        )
        await workshop.comments.add_comment(
            guild_id=GUILD, excerpt_number=1, member=READER, line_spec="1", text=HOSTILE
        )
        await workshop.comments.add_comment(
            guild_id=GUILD, excerpt_number=1, member=READER2, line_spec="2", text="Why tea?"
        )
        await workshop.comments.set_resolved(
            guild_id=GUILD, comment_number=4, member=AUTHOR, resolved=True
        )
        await workshop.comments.reply(
            guild_id=GUILD, comment_number=1, member=AUTHOR, text="Thanks!"
        )
        await _post(workshop, GUILD, "Gone Soon")
        await workshop.excerpts.delete_excerpt(GUILD, 2, AUTHOR)
        clock.now = T0 + timedelta(days=7)
        await _post(workshop, GUILD, "Second Tide")
        await workshop.comments.add_comment(
            guild_id=GUILD, excerpt_number=3, member=READER, line_spec="2", text="Late bloom."
        )
        if second_guild:
            await _post(workshop, OTHER_GUILD, "Elsewhere", author=READER)
    finally:
        await database.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "marginalia.db"
    asyncio.run(_build(path, second_guild=False))
    return path


@pytest.fixture
def two_guild_db(tmp_path: Path) -> Path:
    path = tmp_path / "two.db"
    asyncio.run(_build(path, second_guild=True))
    return path


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def export(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    def run(*args: str | Path) -> Run:
        code = main(["export", *map(str, args)])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def one_error_line(run: Run, *fragments: str) -> str:
    assert run.code == 2
    line = run.err.rstrip("\n")
    assert "\n" not in line, run.err
    assert line.startswith("marginalia export: ")
    for fragment in fragments:
        assert fragment.lower() in line.lower(), (fragment, line)
    return line


def anchored_texts(document: Any) -> dict[int, str]:
    """Word comment id -> the text between its range start and end."""
    texts: dict[int, list[str]] = {}
    open_ids: set[int] = set()
    for element in document.element.body.iter():
        if element.tag == f"{_W}commentRangeStart":
            open_ids.add(int(element.get(f"{_W}id")))
            texts[int(element.get(f"{_W}id"))] = []
        elif element.tag == f"{_W}commentRangeEnd":
            open_ids.discard(int(element.get(f"{_W}id")))
        elif element.tag == f"{_W}t":
            for comment_id in open_ids:
                texts[comment_id].append(element.text or "")
    return {comment_id: "".join(parts) for comment_id, parts in texts.items()}


# --- exports that work --------------------------------------------------------


def test_markdown_export_lists_each_open_comment_once(db, tmp_path, export):
    out = tmp_path / "keeper.md"
    run = export("--excerpt", "1", "--guild", GUILD, "--database", db, "-o", out)
    assert run.code == 0, run.err
    assert run.err == ""
    assert str(out) in run.out and "4 comments" in run.out
    markdown = out.read_text(encoding="utf-8")
    assert markdown.startswith("# The Keeper\n")
    assert thread_numbers(markdown) == [3, 1, 2]
    assert "1 resolved comment left out" in markdown
    assert "Thanks!" in markdown and "went to make → shuffled off to brew" in markdown


def test_include_resolved_lists_them(db, tmp_path, export):
    out = tmp_path / "all.md"
    run = export("--excerpt", "1", "--database", db, "-o", out, "--include-resolved")
    assert run.code == 0, run.err
    assert thread_numbers(out.read_text(encoding="utf-8")) == [3, 4, 1, 2]


def test_html_export_is_escaped_and_parses(db, tmp_path, export):
    out = tmp_path / "keeper.html"
    run = export("--excerpt", "1", "--guild", GUILD, "--database", db, "-o", out)
    assert run.code == 0, run.err

    page = Page()
    page.feed(out.read_text(encoding="utf-8"))
    page.close()
    assert "script" not in page.tags
    assert HOSTILE in "".join(page.text)


def test_docx_export_anchors_comments_on_their_words(db, tmp_path, export):
    out = tmp_path / "manuscript.docx"
    # No --format: the extension says Word.
    run = export(
        "--excerpt", "1", "--guild", GUILD, "--database", db, "-o", out, "--suggestions", "comments"
    )
    assert run.code == 0, run.err
    document = docx.Document(str(out))
    by_number = {
        int(re.match(r"#(\d+)", c.paragraphs[-1].text)[1]): c  # type: ignore[index]
        for c in document.comments
    }
    assert sorted(by_number) == [1, 2, 3]
    assert "Thanks!" in by_number[1].text
    assert "went to make → shuffled off to brew" in by_number[2].text
    assert HOSTILE in by_number[3].text
    anchored = anchored_texts(document)
    assert anchored[by_number[1].comment_id] == "one of them was"
    assert anchored[by_number[2].comment_id] == "went to make"
    assert anchored[by_number[3].comment_id] == SCENE.split("\n\n")[0]


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("markdown", "the-keeper.md"), ("html", "the-keeper.html"), ("docx", "the-keeper.docx")],
)
def test_default_output_is_the_digest_file_name_here(db, tmp_path, export, monkeypatch, fmt, name):
    monkeypatch.chdir(tmp_path)
    run = export("--excerpt", "1", "--database", db, "--format", fmt)
    assert run.code == 0, run.err
    assert (tmp_path / name).stat().st_size > 0


def test_dash_writes_to_standard_output(db, capsysbinary):
    code = main(["export", "--excerpt", "1", "--database", str(db), "-o", "-"])
    captured = capsysbinary.readouterr()
    assert code == 0
    assert captured.out.startswith(b"# The Keeper\n")
    assert captured.err == b""


def test_author_export_covers_every_live_excerpt(db, tmp_path, export):
    out = tmp_path / "ann.docx"
    run = export("--author", AUTHOR.id, "--database", db, "-o", out)
    assert run.code == 0, run.err
    document = docx.Document(str(out))
    assert document.paragraphs[0].text == "Feedback for Ann Author"
    texts = "\n".join(comment.text for comment in document.comments)
    assert "Chilling." in texts and "Late bloom." in texts
    assert "Gone Soon" not in "\n".join(p.text for p in document.paragraphs)


def test_author_export_since_keeps_only_recent_threads(db, tmp_path, export):
    out = tmp_path / "recent.md"
    run = export("--author", AUTHOR.id, "--since", "2024-05-05", "--database", db, "-o", out)
    assert run.code == 0, run.err
    markdown = out.read_text(encoding="utf-8")
    assert markdown.startswith("# Feedback for Ann Author since 2024-05-05\n")
    assert "Late bloom." in markdown and "Chilling." not in markdown


def test_guild_is_needed_only_when_there_are_several(two_guild_db, tmp_path, export):
    run = export("--excerpt", "1", "--database", two_guild_db, "-o", tmp_path / "x.md")
    one_error_line(run, "2 servers", str(GUILD), str(OTHER_GUILD), "--guild")
    run = export(
        "--excerpt",
        "1",
        "--guild",
        OTHER_GUILD,
        "--database",
        two_guild_db,
        "-o",
        tmp_path / "elsewhere.md",
    )
    assert run.code == 0, run.err
    assert (tmp_path / "elsewhere.md").read_text().startswith("# Elsewhere")


def test_export_does_not_change_the_database(db, tmp_path, export):
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    assert export("--excerpt", "1", "--database", db, "-o", tmp_path / "a.md").code == 0
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


# --- one clear line and exit 2 -----------------------------------------------------


def test_missing_database_is_one_line_and_creates_nothing(tmp_path, export):
    missing = tmp_path / "nowhere" / "marginalia.db"
    run = export("--excerpt", "1", "--guild", GUILD, "--database", missing)
    one_error_line(run, "no database", str(missing))
    assert not missing.parent.exists()


def test_default_database_comes_from_the_settings(db, tmp_path, export, monkeypatch):
    monkeypatch.setenv("MARGINALIA_DATABASE", str(db))
    run = export("--excerpt", "1", "-o", tmp_path / "from-env.md")
    assert run.code == 0, run.err
    monkeypatch.setenv("MARGINALIA_DATABASE", str(tmp_path / "absent.db"))
    one_error_line(export("--excerpt", "1"), "no database", "absent.db")


def test_missing_excerpt_is_one_line(db, export):
    one_error_line(
        export("--excerpt", "9", "--guild", GUILD, "--database", db), "no excerpt #9", str(GUILD)
    )


def test_excerpt_of_another_guild_is_missing(two_guild_db, export):
    run = export("--excerpt", "2", "--guild", OTHER_GUILD, "--database", two_guild_db)
    one_error_line(run, "no excerpt #2")


def test_deleted_excerpt_is_one_line(db, export):
    one_error_line(export("--excerpt", "2", "--database", db), "#2 was deleted")


def test_author_without_excerpts_is_one_line(db, export):
    one_error_line(export("--author", READER2.id, "--database", db), "no excerpts")


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("--excerpt", "1", "--since", "2024-05-01"), ("--since", "--author")),
        (("--author", "1", "--since", "2024-5-1"), ("not a date", "YYYY-MM-DD")),
        (("--author", "1", "--since", "2099-01-01"), ("no new feedback", "2099-01-01")),
    ],
)
def test_bad_requests_are_one_line(db, export, args, fragments):
    one_error_line(export(*args, "--database", db), *fragments)


def test_a_file_that_is_not_a_database_is_one_line(tmp_path, export):
    bogus = tmp_path / "notes.db"
    bogus.write_bytes(b"these are not the rows you are looking for" * 100)
    one_error_line(export("--excerpt", "1", "--database", bogus), "not a Marginalia database")


def test_an_unwritable_output_is_one_line(db, tmp_path, export):
    run = export("--excerpt", "1", "--database", db, "-o", tmp_path / "no" / "such" / "dir.md")
    one_error_line(run, "could not write")


def test_excerpt_or_author_is_required(db, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["export", "--database", str(db)])
    assert exited.value.code == 2
    assert "--excerpt" in capsys.readouterr().err


def test_python_dash_m_bot_export_runs(db, tmp_path):
    environment = {**os.environ, "MARGINALIA_DATABASE": str(tmp_path / "missing.db")}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "export", "--excerpt", "1"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "no database" in done.stderr
    out = tmp_path / "cli.html"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "export", "--excerpt", "1", "--database", str(db), "-o", out],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"<!DOCTYPE html>")
    assert done.stdout.startswith("wrote ")


# --- the file's extension and the format agree -------------------------------------


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("-o", "out.pdf"), ("cannot write a .pdf file", ".md", ".html", ".docx")),
        (("-o", "out.txt", "--format", "markdown"), (".txt",)),
        (("-o", "out.md", "--format", "docx"), ("--format docx", "out.md", "markdown")),
        (("-o", "out.docx", "--format", "html"), ("--format html", "out.docx")),
    ],
    ids=["unknown-extension", "unknown-with-format", "md-as-docx", "docx-as-html"],
)
def test_an_extension_that_does_not_match_is_refused(
    db, tmp_path, export, monkeypatch, args, fragments
):
    monkeypatch.chdir(tmp_path)
    one_error_line(export("--excerpt", "1", "--database", db, *args), *fragments)
    assert [path.name for path in tmp_path.iterdir()] == ["marginalia.db"]


def test_a_name_without_extension_takes_format(db, tmp_path, export):
    out = tmp_path / "digest"
    assert export("--excerpt", "1", "--database", db, "-o", out, "--format", "html").code == 0
    assert out.read_bytes().startswith(b"<!DOCTYPE html>")
