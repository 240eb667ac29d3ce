"""Uploads built to freeze the bot: refused (or posted) quickly, the event loop never held.

Issue "Hardening", critical items 1 and 2: a paragraph of 2,100 backslashes looped
forever in ``split_long``; a 58 KB .docx of empty paragraphs (unpacking to 16-62 MB)
held the event loop 40 s and took ~1 GB. Each file here is built in the test, posted
through SimCord against the real bot, and watched with the loop-lag probe.
"""

from __future__ import annotations

import asyncio
import io
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from bot.ui.escaping import CONTINUATION
from bot.upload_worker import UploadReader
from tests.helpers import Server, expect_refusal, loop_lag_probe, post_scene, rows, table_dump

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
ANSWER_WITHIN = 3.0  # Discord's limit for the first answer to a command


def docx_of(body: str) -> bytes:
    """A small zip whose document part is ``body``, as a hostile member would make it."""
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}"><w:body>'
        f"{body}</w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("word/document.xml", document)
    return buffer.getvalue()


def unpacked(data: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(info.file_size for info in archive.infolist())


def stored_lines(db_path: Path) -> list[str]:
    return [row[0] for row in rows(db_path, "SELECT text FROM lines ORDER BY number")]


# ----------------------------------------------------------- 2,100 backslashes


async def test_a_paragraph_of_backslashes_is_posted_not_looped_on(
    simcord_env: Any, server: Server, db_path: Path
) -> None:
    text = "\\" * 2_100
    async with loop_lag_probe() as lag:
        result = await server.author.slash(
            server.channel, "excerpt post", title="Slashes", file=("slashes.txt", text.encode())
        )
    assert not result.ephemeral and "is up as excerpt" in result.response.content
    assert stored_lines(db_path) == [text]
    thread = server.channel.threads[-1]
    pieces = [
        embed.description
        for message in sorted(thread.history(), key=lambda m: m.id)
        for embed in message.embeds
        if not (embed.title or "").startswith("📖")
    ]
    assert len(pieces) == 2 and pieces[1].startswith(CONTINUATION)
    shown = pieces[0] + pieces[1].removeprefix(CONTINUATION)
    assert shown == "`1` " + "\\\\" * 2_100  # every backslash, escaped, none lost
    lag.assert_no_stall()


# ------------------------------------------------------------- hostile .docx

HOSTILE_DOCX = {
    # The reported file: ~2.7 million empty paragraphs, 16 MB unpacked.
    "empty-paragraphs-16MB": ("<w:p/>" * 2_700_000, "empty paragraphs"),
    # The same at 60 MB: over the unpacked guard, refused before any parsing.
    "empty-paragraphs-60MB": ("<w:p/>" * 10_000_000, "too large once unpacked"),
    # One paragraph of millions of empty runs: the element bound stops it.
    "empty-runs-one-paragraph": ("<w:p>" + "<w:r/>" * 2_600_000 + "</w:p>", "too complex"),
    # Empty runs spread over empty table cells.
    "empty-table-cells": (
        "<w:tbl>" + "<w:tr><w:tc><w:p/></w:tc></w:tr>" * 400_000 + "</w:tbl>",
        "empty paragraphs",
    ),
}


@pytest.mark.parametrize("kind", list(HOSTILE_DOCX))
async def test_hostile_docx_is_refused_quickly_without_stalling_the_loop(
    simcord_env: Any, server: Server, db_path: Path, kind: str
) -> None:
    body, refusal = HOSTILE_DOCX[kind]
    data = docx_of(body)
    assert len(data) < 130_000 and unpacked(data) > 3_000_000
    await post_scene(simcord_env, server)
    before = table_dump(db_path)

    async with loop_lag_probe() as lag:
        started = time.perf_counter()
        result = await server.author.slash(
            server.channel, "excerpt post", title="Hostile", file=("hostile.docx", data)
        )
        took = time.perf_counter() - started

    expect_refusal(simcord_env, result, refusal)
    print(f"{kind}: refused in {took:.3f} s; slowest callback {lag.max_callback * 1000:.1f} ms,")
    print(f"  ticker woken {lag.max_tick_delay * 1000:.1f} ms late at worst")
    assert took < ANSWER_WITHIN / 2, f"refused in {took:.2f} s"
    lag.assert_no_stall()
    assert table_dump(db_path) == before
    # The bot goes on serving.
    following = await post_scene(simcord_env, server, title="Next one")
    answered = await server.reader.slash(following, "comment add", line="1", text="Still here.")
    assert "Comment #" in answered.response.embeds[0].title


async def test_hostile_docx_as_a_revision_is_refused_without_stalling(
    simcord_env: Any, server: Server, db_path: Path
) -> None:
    thread = await post_scene(simcord_env, server)
    before = table_dump(db_path)
    async with loop_lag_probe() as lag:
        started = time.perf_counter()
        result = await server.author.slash(
            thread, "excerpt revise", excerpt="1", file=("v2.docx", docx_of("<w:p/>" * 2_700_000))
        )
        took = time.perf_counter() - started
    expect_refusal(simcord_env, result, "empty paragraphs")
    assert took < ANSWER_WITHIN / 2
    lag.assert_no_stall()
    assert table_dump(db_path) == before


async def test_a_read_past_its_wall_clock_budget_is_stopped_and_the_reader_recovers() -> None:
    from bot.errors import InvalidInput

    reader = UploadReader(timeout=0.0001)
    data = docx_of("<w:p><w:r><w:t>Hello.</w:t></w:r></w:p>" * 1_500)
    try:
        await reader.start()
        with pytest.raises(InvalidInput, match="took too long"):
            await reader.read("slow.docx", data)
        reader.timeout = 10.0
        decoded = await reader.read("fine.docx", data)
        assert decoded.text.startswith("Hello.\n\nHello.")
    finally:
        reader.close()


# --------------------------------------------------------- Word, as Word shows it


async def test_tracked_changes_are_read_as_accepted_and_the_author_is_told(
    simcord_env: Any, server: Server, db_path: Path
) -> None:
    def run(text: str) -> str:
        return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'

    body = (
        f"<w:p>{run('The keeper ')}<w:ins w:id='1' w:author='A'>{run('slowly ')}</w:ins>"
        f"{run('counted')}<w:del w:id='2' w:author='A'><w:r><w:delText> grey</w:delText>"
        f"</w:r></w:del>{run(' gulls.')}</w:p>"
        f"<w:tbl><w:tr><w:tc><w:p>{run('In a table.')}</w:p></w:tc></w:tr></w:tbl>"
    )
    result = await server.author.slash(
        server.channel, "excerpt post", title="Draft", file=("draft.docx", docx_of(body))
    )
    assert "2 tracked changes were read as accepted" in result.response.content
    assert stored_lines(db_path) == ["The keeper slowly counted gulls.", "In a table."]


async def test_a_revision_of_backslashes_is_posted_not_looped_on(
    simcord_env: Any, server: Server, db_path: Path
) -> None:
    thread = await post_scene(simcord_env, server)
    text = "\\" * 2_100 + "\n\nThe rest."
    async with loop_lag_probe() as lag:
        result = await server.author.slash(
            thread, "excerpt revise", excerpt="1", file=("v2.txt", text.encode())
        )
    assert result.response is not None and "Posted in" in result.response.content
    lines = [
        row[0] for row in rows(db_path, "SELECT text FROM lines WHERE revision = 2 ORDER BY number")
    ]
    assert lines == ["\\" * 2_100, "The rest."]
    lag.assert_no_stall()


async def test_a_revision_from_word_says_how_many_tracked_changes_it_accepted(
    simcord_env: Any, server: Server, db_path: Path
) -> None:
    thread = await post_scene(simcord_env, server)
    body = (
        "<w:p><w:r><w:t>The keeper counted the gulls</w:t></w:r>"
        "<w:ins w:id='1' w:author='Reader'><w:r><w:t> at dawn</w:t></w:r></w:ins>"
        "<w:r><w:t>.</w:t></w:r></w:p>"
    )
    result = await server.author.slash(
        thread, "excerpt revise", excerpt="1", file=("v2.docx", docx_of(body))
    )
    assert any("1 tracked change was read as accepted" in f.content for f in result.followups)
    assert rows(db_path, "SELECT text FROM lines WHERE revision = 2") == [
        ("The keeper counted the gulls at dawn.",)
    ]


async def test_the_loop_lag_probe_catches_a_blocking_callback() -> None:
    async with loop_lag_probe() as lag:
        await asyncio.sleep(0)
        time.sleep(0.08)  # noqa: ASYNC251  (the point: block the loop, as a hostile file did)
        await asyncio.sleep(0.01)
    assert lag.max_callback >= 0.08 and lag.callbacks > 0
    with pytest.raises(AssertionError, match="stalled"):
        lag.assert_no_stall()
    async with loop_lag_probe() as calm:
        await asyncio.sleep(0.02)
    calm.assert_no_stall()
