"""/excerpt end to end: real discord.py, real cogs, simulated Discord, a real SQLite file."""

from __future__ import annotations

import io
import math
from typing import Any

import docx
import pytest

from tests.helpers import SCENE, Server, count, expect_refusal, post_scene


def thread_text(thread: Any) -> str:
    """Everything the excerpt's thread shows, embed descriptions included."""
    parts = []
    for message in thread.history():
        parts.append(message.content)
        parts.extend(embed.description or "" for embed in message.embeds)
    return "\n".join(parts)


def numbered_lines(thread: Any) -> list[str]:
    """The line numbers as posted, in order of appearance."""
    found = []
    for message in sorted(thread.history(), key=lambda m: m.id):
        for embed in (
            message.embeds[1:]
            if message.embeds and embed_is_header(message.embeds[0])
            else message.embeds
        ):
            for block in (embed.description or "").split("\n\n"):
                if block.startswith("`"):
                    found.append(block[1 : block.index("`", 1)])
    return found


def embed_is_header(embed: Any) -> bool:
    return bool(embed.title and embed.title.startswith("📖"))


async def test_post_file_opens_thread_with_header_and_every_line(simcord_env, server, db_path):
    result = await server.author.slash(
        server.channel,
        "excerpt post",
        title="The Keeper",
        file=("keeper.txt", SCENE.encode()),
        content_warning="birds",
    )
    assert not result.ephemeral
    assert "#1" in result.response.content
    thread = server.channel.threads[-1]
    assert "The Keeper" in thread.name
    header = thread.history()[-1].embeds[0]
    assert header.title == "📖 The Keeper"
    assert "4 lines" in header.description and "||birds||" in header.description
    assert numbered_lines(thread) == ["1", "2", "3", "4"]
    # Shown exactly as written: the author's asterisks are escaped, not italics.
    assert r"\*watching\*" in thread_text(thread)
    assert count(db_path, "SELECT COUNT(*) FROM lines") == 4
    assert count(db_path, "SELECT COUNT(*) FROM excerpts WHERE thread_id IS NOT NULL") == 1


async def test_post_crlf_utf16_and_docx_sources(simcord_env, server):
    crlf = SCENE.replace("\n", "\r\n").encode("utf-8-sig")
    await server.author.slash(server.channel, "excerpt post", title="CRLF", file=("a.md", crlf))
    utf16 = SCENE.encode("utf-16")
    await server.author.slash(server.channel, "excerpt post", title="UTF16", file=("b.txt", utf16))
    document = docx.Document()
    for paragraph in SCENE.split("\n\n"):
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    await server.author.slash(
        server.channel, "excerpt post", title="Word", file=("c.docx", buffer.getvalue())
    )
    assert len(server.channel.threads) == 3
    for thread in server.channel.threads:
        assert numbered_lines(thread) == ["1", "2", "3", "4"]


async def test_paste_in_modal(simcord_env, server):
    shown = await server.author.slash(server.channel, "excerpt post", title="Pasted")
    assert shown.modal is not None
    result = await server.author.submit_modal(shown, {"text": "One line.\nTwo line.\nThree."})
    assert "#1" in result.response.content
    assert numbered_lines(server.channel.threads[-1]) == ["1", "2", "3"]


async def test_post_in_forum_channel_makes_a_forum_post(simcord_env, server, simcord_bot):
    forum = server.guild.create_forum_channel("stories")
    # Members can only run commands inside a forum post; the bot opens one to start from.
    starter = await simcord_bot.get_channel(forum.id).create_thread(name="Welcome", content="Hi")
    await simcord_env.settle()
    welcome = next(t for t in forum.threads if t.id == starter.thread.id)
    result = await server.author.slash(
        welcome, "excerpt post", title="Forum Keeper", file=("k.txt", SCENE.encode())
    )
    assert "#1" in result.response.content
    post = next(t for t in forum.threads if "Forum Keeper" in (t.name or ""))
    assert numbered_lines(post) == ["1", "2", "3", "4"]
    commented = await server.reader.slash(post, "comment add", line="1", text="Good start.")
    assert not commented.ephemeral


@pytest.mark.parametrize(
    ("filename", "data", "fragment"),
    [
        ("cover.png", b"\x89PNG\r\n\x1a\n" + bytes(64), ".txt"),
        ("story.pdf", b"%PDF-1.4", ".docx"),
        ("latin.txt", "Café crème".encode("latin-1"), "UTF-8"),
        ("binary.txt", b"abc\x00\x01\x02def", "binary"),
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"   \n\n \t \n", "nothing"),
        ("huge.txt", b"word " * 50_000, "200,000"),
        ("many.txt", b"line\n" * 2_001, "2,000"),
        ("broken.docx", b"PK\x03\x04 not really a docx", "docx"),
    ],
)
async def test_bad_files_are_refused_and_nothing_is_stored(
    simcord_env, server, db_path, filename, data, fragment
):
    result = await server.author.slash(
        server.channel, "excerpt post", title="Bad", file=(filename, data)
    )
    expect_refusal(simcord_env, result, fragment)
    assert server.channel.threads == []
    assert count(db_path, "SELECT COUNT(*) FROM excerpts") == 0
    assert count(db_path, "SELECT COUNT(*) FROM lines") == 0


async def test_blank_title_is_refused(simcord_env, server):
    result = await server.author.slash(
        server.channel, "excerpt post", title="   ", file=("a.txt", b"text")
    )
    expect_refusal(simcord_env, result, "title")


async def test_long_excerpt_is_packed_tightly(simcord_env, server, db_path):
    paragraph = "The sea kept its own counsel, grey on grey, and the keeper kept his. " * 5
    lines = [f"{i}. {paragraph}" for i in range(1, 90)]
    text = "\n\n".join(lines)
    assert len(text) > 30_000
    await server.author.slash(
        server.channel, "excerpt post", title="Long", file=("l.txt", text.encode())
    )
    thread = server.channel.threads[-1]
    messages = thread.history()
    rendered = sum(
        len(e.description or "") + len(e.title or "") for m in messages for e in m.embeds
    )
    assert len(messages) <= math.ceil(rendered / 6000) + 1
    assert numbered_lines(thread) == [str(i) for i in range(1, 90)]
    for message in messages:
        assert sum(len(e.description or "") + len(e.title or "") for e in message.embeds) <= 6000
    assert count(db_path, "SELECT COUNT(*) FROM excerpt_messages") == len(messages)


async def test_show_lines_with_comment_counts(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    await server.reader.slash(thread, "comment add", line="2", text="Nice.")
    result = await server.reader.slash(server.channel, "excerpt show", excerpt="1", lines="2-3")
    assert result.ephemeral
    description = result.response.embeds[0].description
    assert "`2`" in description and "`3`" in description and "`1`" not in description
    assert "1 open" in description


@pytest.mark.parametrize("spec", ["0", "999", "5-2", "abc"])
async def test_show_refuses_bad_line_specs(simcord_env, server, spec):
    await post_scene(simcord_env, server)
    result = await server.reader.slash(server.channel, "excerpt show", excerpt="1", lines=spec)
    expect_refusal(simcord_env, result, "1–4")


async def test_list_is_paginated_and_filters_by_author(simcord_env, server):
    for number in range(12):
        await post_scene(simcord_env, server, title=f"Scene {number}")
    await post_scene(
        simcord_env,
        Server(
            server.guild,
            server.channel,
            server.reader,
            server.author,
            server.reader2,
            server.moderator,
        ),
        title="Reader's own",
    )
    result = await server.reader2.slash(server.channel, "excerpt list")
    page = result.response.embeds[0]
    assert "Reader's own" in page.description and "Page 1/2" in page.footer.text
    turned = await server.reader2.click(result.response, label="Next")
    assert "Scene 0" in turned.response.embeds[0].description
    mine = await server.reader2.slash(server.channel, "excerpt list", author=server.reader)
    assert "Reader's own" in mine.response.embeds[0].description
    assert "Scene" not in mine.response.embeds[0].description


async def test_close_and_reopen(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    refused = await server.reader.slash(thread, "excerpt close", excerpt="1")
    expect_refusal(simcord_env, refused, "author")
    closed = await server.author.slash(thread, "excerpt close", excerpt="1")
    assert "closed" in closed.response.content
    blocked = await server.reader.slash(thread, "comment add", line="1", text="Late!")
    expect_refusal(simcord_env, blocked, "closed")
    await server.moderator.slash(server.channel, "excerpt reopen", excerpt="1")
    allowed = await server.reader.slash(thread, "comment add", line="1", text="Now!")
    assert not allowed.ephemeral


async def test_delete_needs_confirmation_and_rights(simcord_env, server, db_path):
    thread = await post_scene(simcord_env, server)
    await server.reader.slash(thread, "comment add", line="1", text="A note.")
    refused = await server.reader.slash(server.channel, "excerpt delete", excerpt="1")
    expect_refusal(simcord_env, refused, "author")
    asked = await server.author.slash(server.channel, "excerpt delete", excerpt="1")
    assert asked.ephemeral
    cancelled = await server.author.click(asked.response, label="Cancel")
    assert "nothing was changed" in cancelled.response.content.lower()
    assert count(db_path, "SELECT COUNT(*) FROM comments") == 1
    asked = await server.author.slash(server.channel, "excerpt delete", excerpt="1")
    await server.author.click(asked.response, label="Delete")
    assert count(db_path, "SELECT COUNT(*) FROM comments") == 0
    assert count(db_path, "SELECT COUNT(*) FROM lines") == 0
    gone = await server.reader.slash(server.channel, "comment add", excerpt="1", line="1", text="?")
    expect_refusal(simcord_env, gone, "deleted")
    # The number is never reused.
    await post_scene(simcord_env, server, title="Next")
    assert count(db_path, "SELECT MAX(number) FROM excerpts") == 2


async def test_unknown_and_malformed_excerpt_ids(simcord_env, server):
    await post_scene(simcord_env, server)
    missing = await server.reader.slash(server.channel, "excerpt show", excerpt="42")
    expect_refusal(simcord_env, missing, "no excerpt #42")
    junk = await server.reader.slash(server.channel, "excerpt show", excerpt="latest")
    expect_refusal(simcord_env, junk, "not an excerpt id")


async def test_excerpt_autocomplete_by_title_and_number(simcord_env, server):
    await post_scene(simcord_env, server, title="The Keeper")
    await post_scene(simcord_env, server, title="Gulls at Dawn")
    by_title = await server.reader.autocomplete(server.channel, "excerpt show", "excerpt", "gull")
    assert [c["value"] for c in by_title] == ["2"]
    by_number = await server.reader.autocomplete(server.channel, "excerpt show", "excerpt", "1")
    assert by_number[0]["value"] == "1"
    everything = await server.reader.autocomplete(server.channel, "excerpt show", "excerpt", "")
    assert [c["value"] for c in everything] == ["2", "1"]


async def test_restart_keeps_everything(simcord_env, server, restart):
    thread = await post_scene(simcord_env, server)
    await server.reader.slash(thread, "comment add", line="3", text="Creepy.", quote="watching")
    await restart()
    shown = await server.reader.slash(server.channel, "excerpt show", excerpt="1")
    assert "watching" in shown.response.embeds[0].description
    listed = await server.reader.slash(thread, "comment list")
    assert "Creepy." in listed.response.embeds[0].description
    added = await server.reader2.slash(thread, "comment add", line="4", text="Tea!")
    assert "#2" in added.response.embeds[0].title
