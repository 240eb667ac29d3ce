"""Rough edges a newcomer hit: each test shows what a user sees now."""

from __future__ import annotations

import io
from typing import Any

import docx

from tests.helpers import SCENE, expect_refusal, post_scene, rows

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


async def digest_text(member: Any, channel: Any, **options: Any) -> str:
    result = await member.slash(channel, "digest excerpt", excerpt="1", **options)
    return (await result.response.attachments[0].read()).decode("utf-8")


async def digest_docx(member: Any, channel: Any, **options: Any) -> docx.document.Document:
    result = await member.slash(channel, "digest excerpt", excerpt="1", format="docx", **options)
    return docx.Document(io.BytesIO(await result.response.attachments[0].read()))


def docx_text(document: Any) -> str:
    body = "\n".join(p.text for p in document.paragraphs)
    margin = "\n".join(
        "".join(t.text or "" for t in c.iter(f"{_W}t"))
        for c in document.part._comments_part.element.iter(f"{_W}comment")
    )
    return f"{body}\n{margin}"


# --- digests -----------------------------------------------------------------


async def test_author_replying_is_not_counted_as_a_reader(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    await server.reader.slash(thread, "comment add", line="1", text="Lovely.")
    await server.author.slash(thread, "comment reply", comment="1", text="Thanks!")
    await server.author.slash(thread, "comment add", line="2", text="Note to self.")
    result = await server.author.slash(thread, "digest excerpt", excerpt="1")
    assert "2 comments from 1 reader" in result.response.content
    markdown = (await result.response.attachments[0].read()).decode()
    assert "from 1 reader\n" in markdown


APPLIED = SCENE.replace("went to make tea", "brewed the tea")


async def test_a_suggestion_applied_by_hand_keeps_its_original_phrase(simcord_env, server, db_path):
    thread = await post_scene(simcord_env, server)
    await server.reader.slash(
        thread,
        "comment add",
        line="4",
        text="Tighter?",
        quote="went to make tea",
        suggestion="brewed the tea",
    )
    revised = await server.author.slash(
        thread, "excerpt revise", excerpt="1", file=("v2.txt", APPLIED.encode())
    )
    assert "1 suggestion applied (#1)." in revised.response.content
    [(quote, origin_quote)] = rows(db_path, "SELECT quote, origin_quote FROM comments")
    assert (quote, origin_quote) == ("brewed the tea", "went to make tea")

    # Applied by hand, it is resolved: digests that list resolved comments show it so.
    markdown = await digest_text(server.author, thread, include_resolved=True)
    assert "Suggestion: went to make tea → brewed the tea (applied in revision 2)" in markdown
    html = await digest_text(server.author, thread, format="html", include_resolved=True)
    assert "<del><bdi>went to make tea</bdi></del>" in html
    assert "<ins><bdi>brewed the tea</bdi></ins> (applied in revision 2)" in html
    assert "Suggestion: went to make tea → brewed the tea (applied in revision 2)" in docx_text(
        await digest_docx(server.author, thread, include_resolved=True)
    )


async def test_outdated_comments_show_what_the_cut_line_said(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    await server.reader.slash(
        thread, "comment add", line="4", text="Cosy ending.", quote="underlined it twice"
    )
    cut = "\n\n".join(SCENE.split("\n\n")[:3])
    await server.author.slash(thread, "excerpt revise", excerpt="1", file=("v2.txt", cut.encode()))

    markdown = await digest_text(server.author, thread)
    outdated = markdown.split("Outdated comments", 1)[1]
    assert (
        "Line 4 said: “He wrote the number in the log, **underlined it twice**, "
        "and went to make tea.”" in outdated
    )
    html = await digest_text(server.author, thread, format="html")
    outdated_html = html.split("Outdated comments", 1)[1]
    assert "<mark>underlined it twice</mark>" in outdated_html
    assert "and went to make tea." in outdated_html
    text = docx_text(await digest_docx(server.author, thread))
    assert (
        "Line 4 of revision 1: He wrote the number in the log, underlined it twice, "
        "and went to make tea." in text
    )


# --- Comment on line ---------------------------------------------------------


async def test_comment_on_line_refuses_a_closed_excerpt_before_the_form(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    await server.author.slash(thread, "excerpt close", excerpt="1")
    message = next(
        m for m in thread.history() if m.embeds and "`1`" in (m.embeds[-1].description or "")
    )
    shown = await server.reader.context_menu(thread, "Comment on line", message)
    assert shown.modal is None  # nothing typed, nothing lost
    expect_refusal(simcord_env, shown, "closed", "/excerpt reopen")


async def test_comment_on_line_on_an_older_revision_points_at_the_current_one(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    revised = SCENE.replace("every morning", "each dawn")
    await server.author.slash(
        thread, "excerpt revise", excerpt="1", file=("v2.txt", revised.encode())
    )
    old, new = (
        next(m for m in thread.history() if any(marker in (e.description or "") for e in m.embeds))
        for marker in ("every morning", "each dawn")
    )
    shown = await server.reader.context_menu(thread, "Comment on line", old)
    assert shown.modal is None
    message = expect_refusal(
        simcord_env, shown, "revision 1 of excerpt #1", "current one, revision 2"
    )
    assert new.jump_url in message
    assert "not part of a current excerpt" not in message


# --- line specs and /excerpt show ----------------------------------------------


async def test_line_labels_as_the_bot_writes_them_are_accepted(simcord_env, server, db_path):
    thread = await post_scene(simcord_env, server)
    for spec in ("L2", "#3", "L1-L2", "lines 3–4"):
        result = await server.reader.slash(thread, "comment add", line=spec, text="Noted.")
        assert not result.ephemeral, result.response.content
    ranges = rows(db_path, "SELECT line_start, line_end FROM comments ORDER BY number")
    assert ranges == [(2, 2), (3, 3), (1, 2), (3, 4)]
    shown = await server.reader.slash(server.channel, "excerpt show", excerpt="1", lines="L2-3")
    assert "`2`" in shown.response.embeds[0].description


def _counts_under(description: str) -> dict[int, str]:
    """line number -> the count note shown under it."""
    found: dict[int, str] = {}
    for entry in description.split("\n"):
        if entry.startswith("`"):
            current = int(entry[1 : entry.index("`", 1)])
        elif entry.startswith("*💬"):
            found[current] = entry
    return found


async def test_show_counts_a_range_comment_on_every_line_it_covers(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    await server.reader.slash(thread, "comment add", line="2-4", text="This stretch drags.")
    await server.reader2.slash(thread, "comment add", line="3", text="Eerie.")
    await server.author.slash(thread, "comment resolve", comment="2")
    result = await server.reader.slash(server.channel, "excerpt show", excerpt="1", lines="3-4")
    counts = _counts_under(result.response.embeds[0].description)
    assert counts == {3: "*💬 1 open, 1 resolved*", 4: "*💬 1 open*"}
    whole = await server.reader.slash(server.channel, "excerpt show", excerpt="1")
    assert set(_counts_under(whole.response.embeds[0].description)) == {2, 3, 4}


# --- mentions in embeds --------------------------------------------------------


async def test_mentions_in_a_comment_show_as_names_in_its_card_and_never_ping(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    user, channel = server.author.id, server.channel.id
    text = f"<@{user}> see <#{channel}> and <@!{user}>; not @everyone, <@12> or <t:1:R>"
    result = await server.reader.slash(thread, "comment add", line="1", text=text)
    description = result.response.embeds[0].description
    assert f"<@{user}> see <#{channel}> and <@!{user}>;" in description
    assert "@\u200beveryone" in description and "\\<@12>" in description
    assert "\\<t:1:R>" in description
    reply = await server.reader2.slash(
        server.channel, "comment reply", comment="1", text=f"Agreed, <@{user}>."
    )
    assert reply.ephemeral
    card = thread.history()[-1]
    assert f"Agreed, <@{user}>." in card.embeds[0].description
    for message in thread.history():
        assert message.mentions == [] and not message.mention_everyone
    for stored in simcord_env.backend.messages.values():
        for message in stored.values():
            assert not message.ping_user_ids and not message.ping_role_ids


# --- /excerpt post typed inside a thread ------------------------------------------


async def test_posting_from_inside_an_excerpts_thread_announces_in_the_parent(simcord_env, server):
    first = await post_scene(simcord_env, server)
    before = len(first.history())
    result = await server.author.slash(
        first, "excerpt post", title="Second Tide", file=("t.txt", SCENE.encode())
    )
    assert result.ephemeral and "#2" in result.response.content
    assert len(first.history()) == before  # nothing new in excerpt #1's thread
    second = next(t for t in server.channel.threads if "Second Tide" in t.name)
    announcements = [m for m in server.channel.history() if "excerpt **#2**" in m.content]
    assert len(announcements) == 1 and second.mention in announcements[0].content


async def test_posting_from_a_forum_post_tells_only_the_poster(simcord_env, server, simcord_bot):
    forum = server.guild.create_forum_channel("stories")
    starter = await simcord_bot.get_channel(forum.id).create_thread(name="Welcome", content="Hi")
    await simcord_env.settle()
    welcome = next(t for t in forum.threads if t.id == starter.thread.id)
    before = len(welcome.history())
    result = await server.author.slash(
        welcome, "excerpt post", title="Forum Keeper", file=("k.txt", SCENE.encode())
    )
    assert result.ephemeral and "#1" in result.response.content
    assert len(welcome.history()) == before
    assert any("Forum Keeper" in (t.name or "") for t in forum.threads)


async def test_a_quote_at_the_end_of_a_long_line_shows_the_whole_line(simcord_env, server):
    long_line = (
        "It began at the harbour, " + "where the nets dried slowly " * 17 + "and ended in fog."
    )
    assert 490 < len(long_line) < 520
    thread = await post_scene(simcord_env, server, text=f"{long_line}\n\nShort line.")
    result = await server.reader.slash(
        thread, "comment add", line="1", text="Lovely close.", quote="ended in fog"
    )
    card = result.response.embeds[0].description
    assert "> `1` It began at the harbour," in card and "**ended in fog**" in card
    assert "…" not in card.split("Lovely close.")[0]
