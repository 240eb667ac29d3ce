"""/digest end to end: the real bot renders digests of real threads and sends them as files.

Each file is read back the way its reader would: Markdown as text, HTML with
``html.parser``, Word with python-docx (comments and what they are anchored on).
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from typing import Any

import discord
import docx
import pytest

from tests.helpers import Page, Server, expect_refusal, make_server, post_scene, thread_numbers

HOSTILE = "<script>alert('x')</script> what an opening"
LINE_1 = "The lighthouse keeper counted the gulls every morning."
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DAY = 24 * 60 * 60


async def workshop_feedback(server: Server, thread: Any) -> None:
    """Comments #1–#4 on excerpt #1: a quote, a suggestion, hostile text, a resolved one."""
    await server.reader.slash(
        thread, "comment add", line="3", text="Chilling.", quote="one of them was"
    )
    await server.reader2.slash(
        thread,
        "comment add",
        line="4",
        text="Stronger verb?",
        quote="went to make",
        suggestion="shuffled off to brew",
    )
    await server.reader.slash(thread, "comment add", line="1", text=HOSTILE)
    await server.reader2.slash(thread, "comment add", line="2", text="Why tea?")
    await server.author.slash(thread, "comment resolve", comment="4")
    await server.author.slash(thread, "comment reply", comment="1", text="Thank you!")


async def digest_file(result: Any) -> tuple[str, bytes]:
    """The one file the bot sent, privately."""
    assert result.ephemeral, "digests are sent privately"
    attachments = result.response.attachments
    assert len(attachments) == 1, result.response.content
    return attachments[0].filename, await attachments[0].read()


def anchored_texts(document: Any) -> dict[int, str]:
    """Word comment id -> the text its range covers (paragraphs joined by newlines)."""
    texts: dict[int, list[str]] = {}
    open_ids: set[int] = set()
    for paragraph in document.element.body.iter(f"{_W}p"):
        for element in paragraph.iter():
            if element.tag == f"{_W}commentRangeStart":
                comment_id = int(element.get(f"{_W}id"))
                texts[comment_id] = []
                open_ids.add(comment_id)
            elif element.tag == f"{_W}commentRangeEnd":
                open_ids.discard(int(element.get(f"{_W}id")))
            elif element.tag == f"{_W}t":
                for comment_id in open_ids:
                    texts[comment_id].append(element.text or "")
        for comment_id in open_ids:
            texts[comment_id].append("\n")
    assert not open_ids
    return {comment_id: "".join(parts) for comment_id, parts in texts.items()}


def word_comments(document: Any) -> dict[int, Any]:
    """Our comment number -> the Word comment, read from its ``#N · line`` footer."""
    found = {}
    for comment in document.comments:
        number = re.match(r"#(\d+)", comment.paragraphs[-1].text)
        assert number is not None, comment.text
        found[int(number[1])] = comment
    return found


# --- /digest excerpt ----------------------------------------------------------


async def test_markdown_digest_lists_each_open_comment_once_for_any_member(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    await workshop_feedback(server, thread)
    # Not the author: every comment is visible in the thread anyway.
    result = await server.reader2.slash(server.channel, "digest excerpt", excerpt="1")
    filename, content = await digest_file(result)
    assert filename == "the-keeper.md"
    summary = result.response.content
    # The author's own reply to #1 does not make her a reader.
    assert "#1 · The Keeper" in summary and "4 comments from 2 readers" in summary
    assert "1 resolved not listed" in summary and "Markdown" in summary
    markdown = content.decode("utf-8")
    assert markdown.startswith("# The Keeper\n")
    # Line order; resolved #4 is counted but not listed.
    assert thread_numbers(markdown) == [3, 1, 2]
    for number in (1, 2, 3):
        assert len(re.findall(rf"· #{number} · ", markdown)) == 1
    assert "(3 open, 1 resolved) from 2 readers" in markdown
    assert "1 resolved comment left out" in markdown
    assert "**one of them was**" in markdown
    assert "went to make → shuffled off to brew" in markdown
    assert "Thank you!" in markdown
    assert "<script>" not in markdown  # escaped, so it shows as text when pasted


async def test_include_resolved_lists_resolved_comments_too(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    await workshop_feedback(server, thread)
    result = await server.author.slash(
        server.channel, "digest excerpt", excerpt="1", include_resolved=True
    )
    _, content = await digest_file(result)
    markdown = content.decode("utf-8")
    assert thread_numbers(markdown) == [3, 4, 1, 2]
    assert markdown.count("· #4 · resolved") == 1
    assert "left out" not in markdown
    assert "not listed" not in result.response.content


async def test_html_digest_parses_and_shows_hostile_text_as_text(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    await workshop_feedback(server, thread)
    result = await server.reader.slash(server.channel, "digest excerpt", excerpt="1", format="html")
    filename, content = await digest_file(result)
    assert filename == "the-keeper.html"
    assert "web page" in result.response.content
    source = content.decode("utf-8")
    page = Page()
    page.feed(source)
    page.close()
    assert "script" not in page.tags
    text = "".join(page.text)
    assert HOSTILE in text
    assert "one of them was" in page.marks and "went to make" in page.marks
    assert "Thank you!" in text and "shuffled off to brew" in text
    assert "Why tea?" not in text  # resolved, left out by default


async def test_docx_digest_has_real_comments_on_the_right_words(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    await workshop_feedback(server, thread)
    result = await server.reader.slash(
        server.channel,
        "digest excerpt",
        excerpt="1",
        format="docx",
        include_resolved=True,
        suggestions="comments",  # tracked changes: see tests/e2e/test_word_round_trip.py
    )
    filename, content = await digest_file(result)
    assert filename == "the-keeper.docx"
    document = docx.Document(io.BytesIO(content))
    assert LINE_1 in [paragraph.text for paragraph in document.paragraphs]
    comments = word_comments(document)
    assert sorted(comments) == [1, 2, 3, 4]
    anchored = anchored_texts(document)
    expected = {
        1: "one of them was",
        2: "went to make",
        3: LINE_1,  # no quote: the whole line
        4: "Nobody had asked him to; it simply steadied his hands.",
    }
    for number, text in expected.items():
        assert anchored[comments[number].comment_id] == text, number
    assert comments[1].author == "workshop-reader"
    assert "Thank you!" in comments[1].text
    assert "went to make → shuffled off to brew" in comments[2].text
    assert HOSTILE in comments[3].text
    assert comments[4].text.startswith("[resolved]")


async def test_digest_in_a_thread_defaults_to_its_excerpt(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    await workshop_feedback(server, thread)
    result = await server.reader.slash(thread, "digest excerpt")
    filename, _ = await digest_file(result)
    assert filename == "the-keeper.md"


async def test_an_excerpt_of_another_server_is_not_found(simcord_env, server):
    await post_scene(simcord_env, server)
    other = make_server(simcord_env, "Elsewhere")
    await post_scene(simcord_env, other, title="First elsewhere")
    await post_scene(simcord_env, other, title="Second elsewhere")
    # #2 exists, but only in the other server.
    result = await server.reader.slash(server.channel, "digest excerpt", excerpt="2")
    expect_refusal(simcord_env, result, "no excerpt #2 in this server")
    assert not result.response.attachments


async def test_a_deleted_excerpt_says_so(simcord_env, server):
    await post_scene(simcord_env, server)
    asked = await server.author.slash(server.channel, "excerpt delete", excerpt="1")
    await server.author.click(asked.response, label="Delete")
    result = await server.reader.slash(server.channel, "digest excerpt", excerpt="1")
    expect_refusal(simcord_env, result, "#1 was deleted")


async def test_a_file_over_the_upload_limit_points_to_the_command_line(
    simcord_env, server, monkeypatch
):
    thread = await post_scene(simcord_env, server)
    await workshop_feedback(server, thread)
    # The module the bot loaded: discord.py imports extensions afresh.
    monkeypatch.setattr(sys.modules["cogs.digest"], "upload_limit", lambda interaction: 2_000)
    result = await server.author.slash(server.channel, "digest excerpt", excerpt="1", format="docx")
    message = expect_refusal(simcord_env, result, "over the", "format:markdown", "as a .zip")
    assert f"python -m bot export --excerpt 1 --guild {server.guild.id}" in message
    assert "--format docx" in message
    assert not result.response.attachments


@pytest.mark.parametrize(("fmt", "command"), [("html", "excerpt"), ("markdown", "mine")])
async def test_a_file_over_the_upload_limit_comes_as_a_zip_when_that_fits(
    simcord_env, server, monkeypatch, fmt, command
):
    thread = await post_scene(simcord_env, server)
    await workshop_feedback(server, thread)
    for n in range(12):
        await server.reader.slash(thread, "comment add", line="2", text=f"Lovely rhythm here {n}.")
    options = {"excerpt": "1"} if command == "excerpt" else {}
    name, whole = await digest_file(
        await server.author.slash(server.channel, f"digest {command}", format=fmt, **options)
    )
    monkeypatch.setattr(
        sys.modules["cogs.digest"], "upload_limit", lambda interaction: len(whole) // 2
    )
    result = await server.author.slash(server.channel, f"digest {command}", format=fmt, **options)
    zip_name, packed = await digest_file(result)
    assert zip_name == f"{name}.zip"
    assert len(packed) <= len(whole) // 2
    with zipfile.ZipFile(io.BytesIO(packed)) as archive:
        assert archive.namelist() == [name]
        assert archive.read(name) == whole
    assert "compressed as a .zip" in result.response.content


# --- /digest mine -------------------------------------------------------------


async def test_mine_puts_all_my_excerpts_in_one_file(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    await workshop_feedback(server, thread)
    second = await post_scene(simcord_env, server, title="Second Tide")
    await server.reader.slash(second, "comment add", line="2", text="Lovely echo.")
    result = await server.author.slash(server.channel, "digest mine")
    filename, content = await digest_file(result)
    assert filename == "feedback-for-workshop-author.md"
    assert "your 2 excerpts" in result.response.content
    assert "5 comments from 2 readers" in result.response.content
    markdown = content.decode("utf-8")
    assert markdown.startswith("# Feedback for workshop-author\n")
    assert "## The Keeper" in markdown and "## Second Tide" in markdown
    assert thread_numbers(markdown) == [3, 1, 2, 5]
    assert "Why tea?" not in markdown  # resolved: counted, not listed


async def test_mine_leaves_out_other_authors_excerpts(simcord_env, server):
    author_thread = await post_scene(simcord_env, server)
    await server.reader2.slash(author_thread, "comment add", line="1", text="Good start.")
    posted = await server.reader.slash(
        server.channel, "excerpt post", title="Reader's Own", file=("r.txt", b"Mine, not yours.")
    )
    assert posted.response is not None
    reader_thread = server.channel.threads[-1]
    await server.reader2.slash(reader_thread, "comment add", line="1", text="Bold claim.")

    result = await server.reader.slash(server.channel, "digest mine", format="html")
    filename, content = await digest_file(result)
    assert filename == "feedback-for-workshop-reader.html"
    page = Page()
    page.feed(content.decode("utf-8"))
    text = "".join(page.text)
    assert "Bold claim." in text and "Reader's Own" in text
    assert "Good start." not in text and "The Keeper" not in text


async def test_mine_since_keeps_threads_active_from_that_day(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    await workshop_feedback(server, thread)  # all on day one
    await simcord_env.advance_time(3 * DAY)
    await server.reader2.slash(thread, "comment add", line="2", text="Day four thought.")
    await server.author.slash(thread, "comment reply", comment="2", text="Late answer.")
    today = discord.utils.utcnow().date().isoformat()  # SimCord's clock

    result = await server.author.slash(server.channel, "digest mine", since=today)
    _, content = await digest_file(result)
    assert f"since {today}" in result.response.content
    markdown = content.decode("utf-8")
    assert markdown.startswith(f"# Feedback for workshop-author since {today}\n")
    # #2 is old but has a new reply, so its whole thread is kept; #1 and #3 are quiet.
    assert thread_numbers(markdown) == [5, 2]
    assert "Stronger verb?" in markdown and "Late answer." in markdown
    assert "Chilling." not in markdown and "Thank you!" not in markdown

    everything = await server.author.slash(server.channel, "digest mine", since="2025-12-31")
    _, content = await digest_file(everything)
    assert thread_numbers(content.decode("utf-8")) == [3, 5, 1, 2]


async def test_mine_with_nothing_new_says_so_politely(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    await workshop_feedback(server, thread)
    result = await server.author.slash(server.channel, "digest mine", since="2099-01-01")
    assert result.ephemeral and not result.response.attachments
    assert "No new feedback on your excerpts since 2099-01-01" in result.response.content


async def test_mine_without_excerpts_is_a_polite_message_not_an_error(simcord_env, server):
    await post_scene(simcord_env, server)
    result = await server.reader2.slash(server.channel, "digest mine")
    assert result.ephemeral and not result.response.attachments
    content = result.response.content
    assert "no excerpts in this server" in content and "/excerpt post" in content
    assert not content.startswith("⚠️")


@pytest.mark.parametrize("since", ["2024-13-01", "2024-02-30", "yesterday", "01/05/2024"])
async def test_mine_refuses_a_bad_date_clearly(simcord_env, server, since):
    await post_scene(simcord_env, server)
    result = await server.author.slash(server.channel, "digest mine", since=since)
    expect_refusal(simcord_env, result, "not a date", "YYYY-MM-DD")
    assert not result.response.attachments


async def test_mine_with_excerpts_but_no_comments_sends_no_empty_file(simcord_env, server):
    await post_scene(simcord_env, server)
    result = await server.author.slash(server.channel, "digest mine")
    assert result.ephemeral and not result.response.attachments
    assert "no feedback yet" in result.response.content
