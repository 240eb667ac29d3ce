"""Suggestions round-trip through Word: the digest writes each applicable open suggestion
as a tracked change (with its margin comment); the author accepts some and rejects the
others, as Word does, and posts the file back as a revision: accepted ones are applied,
rejected ones stay open. Files are re-read with python-docx and lxml."""

from __future__ import annotations

import asyncio
import io
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn

from bot.docx_text import read_docx
from tests.helpers import rows
from tests.suggestions.story import STORY, story_thread

INS, DEL = qn("w:ins"), qn("w:del")


async def export_docx(server: Any, thread: Any, **options: Any) -> bytes:
    result = await server.author.slash(
        thread, "digest excerpt", excerpt="1", format="docx", **options
    )
    return bytes(await result.response.attachments[0].read())


def changes(data: bytes) -> list[Any]:
    """Every w:ins of the document, in order."""
    return list(docx.Document(io.BytesIO(data)).element.body.iter(INS))


def decide(data: bytes, accept: set[str]) -> bytes:
    """Accept the tracked replacements inserting the words in ``accept``, reject the
    others: what Word writes once the author has gone through them."""
    document = docx.Document(io.BytesIO(data))
    for inserted in list(document.element.body.iter(INS)):
        deleted = inserted.getprevious()
        assert deleted.tag == DEL
        words = "".join(t.text for t in inserted.iter(qn("w:t")))
        keep, drop = (inserted, deleted) if words in accept else (deleted, inserted)
        for text in keep.iter(qn("w:delText")):
            text.tag = qn("w:t")
        parent = keep.getparent()
        for child in list(keep):
            keep.addprevious(child)
        parent.remove(keep)
        drop.getparent().remove(drop)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def text_of(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return read_docx(archive, max_chars=200_000, max_lines=2_000).paragraphs


async def test_tracked_changes_accept_some_reject_others(simcord_env, server, db_path):
    thread = await story_thread(simcord_env, server)
    data = await export_docx(server, thread)
    inserted = changes(data)
    # One per suggestion that can go in: the overlapping pair on line 3 stays in the margin.
    assert ["".join(t.text for t in i.iter(qn("w:t"))) for i in inserted] == [
        "since",
        "You're right",
    ]
    reader = rows(db_path, "SELECT DISTINCT author_name FROM comments")[0][0]
    body = docx.Document(io.BytesIO(data)).element.body
    ids = [e.get(qn("w:id")) for e in [*body.iter(INS), *body.iter(DEL)]]
    assert len(set(ids)) == len(ids) == 4
    for change in [*body.iter(INS), *body.iter(DEL)]:
        assert change.get(qn("w:author")) == reader
        assert change.get(qn("w:date")).endswith("Z")
    deleted = ["".join(t.text for t in d.iter(qn("w:delText"))) for d in body.iter(DEL)]
    assert deleted == ["scents", "Your right"]
    # Every comment is still a margin comment, the suggestions' on their words.
    assert len(docx.Document(io.BytesIO(data)).comments) == 4
    # Read back untouched, the digest's title and header are left out and every tracked
    # change counts as accepted: the text applying every suggestion would make.
    assert text_of(data) == [
        STORY.split("\n\n")[0].replace("scents", "since"),
        STORY.split("\n\n")[1].replace("Your right", "You're right"),
        *STORY.split("\n\n")[2:],
    ]

    decided = decide(data, accept={"since"})
    assert changes(decided) == []
    revised = await server.author.slash(
        thread, "excerpt revise", excerpt="1", file=("storm.docx", decided)
    )
    assert "1 suggestion applied (#1)." in revised.response.content
    assert rows(db_path, "SELECT number, status, applied_revision FROM comments ORDER BY 1") == [
        (1, "resolved", 2),
        (2, "open", None),
        (3, "open", None),
        (4, "open", None),
    ]
    new = [r[0] for r in rows(db_path, "SELECT text FROM lines WHERE revision = 2 ORDER BY number")]
    assert new == [STORY.split("\n\n")[0].replace("scents", "since"), *STORY.split("\n\n")[1:]]


async def test_suggestions_as_comments_only(simcord_env, server):
    thread = await story_thread(simcord_env, server)
    data = await export_docx(server, thread, suggestions="comments")
    assert changes(data) == []
    assert "Suggestion: scents → since (open)" in "\n".join(
        p.text for c in docx.Document(io.BytesIO(data)).comments for p in c.paragraphs
    )


async def test_manuscript_with_critic_markup(simcord_env, server):
    thread = await story_thread(simcord_env, server)
    await server.reader.slash(thread, "comment add", line="4", text="Moody.")
    result = await server.author.slash(thread, "digest excerpt", excerpt="1", format="manuscript")
    attachment = result.response.attachments[0]
    assert attachment.filename.endswith("-manuscript.md")
    text = (await attachment.read()).decode()
    assert "{~~scents~>since~~}{>>#1 " in text and ": Typo.<<}" in text
    assert "{~~Your right~>You're right~~}" in text
    # The overlapping pair: the first phrase highlighted, both comments beside it.
    assert (
        "{==climbed the stair==}{>>#3 " in text and "(suggestion open: climbed the stairs)" in text
    )
    assert "(suggestion open: the spiral stair with)" in text
    assert text.split("\n\n")[3].rstrip().endswith(": Moody.<<}")


async def test_libreoffice_opens_the_tracked_digest(simcord_env, server, tmp_path: Path):
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None:
        pytest.skip("LibreOffice is not installed")
    thread = await story_thread(simcord_env, server)
    source = tmp_path / "storm.docx"
    source.write_bytes(await export_docx(server, thread))
    done = await asyncio.to_thread(
        subprocess.run,
        [office, "--headless", "--convert-to", "odt", "--outdir", str(tmp_path), str(source)],
        capture_output=True,
        timeout=120,
        check=False,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    converted = tmp_path / "storm.odt"
    assert converted.exists()
    with zipfile.ZipFile(converted) as archive:
        content = archive.read("content.xml").decode()
    # LibreOffice kept the tracked changes: two insertions and two deletions.
    assert content.count("<text:insertion>") == 2
    assert content.count("<text:deletion>") == 2
