"""/comment and the "Comment on line" menu, end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers import expect_refusal, make_server, post_scene, rows


def comment_rows(db_path: Path) -> list[tuple[Any, ...]]:
    return rows(
        db_path,
        "SELECT number, line_start, line_end, quote, suggestion, status, text FROM comments"
        " ORDER BY number",
    )


async def test_comment_in_thread_is_echoed_with_its_line(simcord_env, server, db_path):
    thread = await post_scene(simcord_env, server)
    result = await server.reader.slash(
        thread, "comment add", line="3", text="Chilling.", quote="one of them was"
    )
    assert not result.ephemeral
    embed = result.response.embeds[0]
    assert embed.title == "💬 Comment #1 · line 3"
    assert "**one of them was**" in embed.description
    assert "Chilling." in embed.description
    assert result.response.channel_id == thread.id
    assert comment_rows(db_path) == [(1, 3, 3, "one of them was", None, "open", "Chilling.")]


async def test_comment_from_elsewhere_is_posted_in_the_thread(simcord_env, server, db_path):
    thread = await post_scene(simcord_env, server)
    result = await server.reader.slash(
        server.channel,
        "comment add",
        excerpt="1",
        line="1-2",
        text="Good rhythm.",
    )
    assert result.ephemeral
    assert "#1" in result.response.content and "lines 1–2" in result.response.content
    echoes = [m for m in thread.history() if m.embeds and "Comment #1" in (m.embeds[0].title or "")]
    assert len(echoes) == 1
    assert echoes[0].jump_url in result.response.content


async def test_quote_matches_case_insensitively_and_suggestion_shows_old_to_new(
    simcord_env, server, db_path
):
    thread = await post_scene(simcord_env, server)
    result = await server.reader.slash(
        thread,
        "comment add",
        line="4",
        text="Stronger verb?",
        quote="WENT TO MAKE",
        suggestion="shuffled off to brew",
    )
    field = result.response.embeds[0].fields[0]
    assert field.name == "Suggestion"
    assert field.value == "~~went to make~~ → shuffled off to brew"
    assert comment_rows(db_path)[0][3:5] == ("went to make", "shuffled off to brew")


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"line": "0"}, "1–4"),
        ({"line": "999"}, "1–4"),
        ({"line": "5-2"}, "1–4"),
        ({"line": "abc"}, "1–4"),
        ({"line": "2", "quote": "lighthouse"}, "exactly"),
        ({"line": "1", "suggestion": "better words"}, "quote"),
        ({"line": "1", "text": "   "}, "empty"),
        ({"line": "1", "quote": "keeper", "suggestion": "keeper"}, "same"),
    ],
)
async def test_bad_comment_input_is_refused_and_nothing_stored(
    simcord_env, server, db_path, options, fragment
):
    thread = await post_scene(simcord_env, server)
    arguments = {"text": "A thought."} | options
    result = await server.reader.slash(thread, "comment add", **arguments)
    expect_refusal(simcord_env, result, fragment)
    assert comment_rows(db_path) == []
    # The bot keeps serving.
    ok = await server.reader.slash(thread, "comment add", line="1", text="Fine.")
    assert not ok.ephemeral


async def test_comment_needs_an_excerpt_outside_a_thread(simcord_env, server):
    await post_scene(simcord_env, server)
    result = await server.reader.slash(server.channel, "comment add", line="1", text="Hm.")
    expect_refusal(simcord_env, result, "which excerpt")


async def test_replies_resolve_reopen_with_rights(simcord_env, server, db_path):
    thread = await post_scene(simcord_env, server)
    await server.reader.slash(thread, "comment add", line="2", text="Why tea?")
    replied = await server.author.slash(thread, "comment reply", comment="1", text="Comfort.")
    assert "Reply to comment #1" in replied.response.embeds[0].title

    stranger = await server.reader2.slash(thread, "comment resolve", comment="1")
    expect_refusal(simcord_env, stranger, "author")
    assert comment_rows(db_path)[0][5] == "open"

    by_author = await server.author.slash(thread, "comment resolve", comment="1")
    assert "resolved" in by_author.response.content
    again = await server.author.slash(thread, "comment resolve", comment="1")
    expect_refusal(simcord_env, again, "already resolved")
    by_mod = await server.moderator.slash(server.channel, "comment reopen", comment="1")
    assert by_mod.ephemeral and "reopened" in by_mod.response.content
    by_commenter = await server.reader.slash(thread, "comment resolve", comment="1")
    assert not by_commenter.ephemeral
    assert comment_rows(db_path)[0][5] == "resolved"

    shown = await server.reader.slash(thread, "comment list")
    assert "1 reply" in shown.response.embeds[0].description


async def test_edit_and_delete_own_comments_only(simcord_env, server, db_path):
    thread = await post_scene(simcord_env, server)
    await server.reader.slash(thread, "comment add", line="2", text="First draft.")
    await server.reader2.slash(thread, "comment add", line="3", text="Mine.")

    refused = await server.reader2.slash(thread, "comment edit", comment="1", text="Hijack")
    expect_refusal(simcord_env, refused, "your own")
    edited = await server.reader.slash(thread, "comment edit", comment="1", text="Second draft.")
    assert edited.ephemeral and "Second draft." in edited.response.content

    refused = await server.reader.slash(thread, "comment delete", comment="2")
    expect_refusal(simcord_env, refused, "your own")
    await server.reader.slash(thread, "comment delete", comment="1")
    await server.moderator.slash(thread, "comment delete", comment="2")
    assert comment_rows(db_path) == []
    missing = await server.reader.slash(thread, "comment reply", comment="1", text="?")
    expect_refusal(simcord_env, missing, "no comment #1")


async def test_list_filters_and_pages(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    for number in range(1, 13):
        await server.reader.slash(
            thread, "comment add", line=str(number % 4 + 1), text=f"Note {number}"
        )
    await server.author.slash(thread, "comment resolve", comment="4")
    listing = await server.reader.slash(thread, "comment list")
    first_page = listing.response.embeds[0]
    assert "Page 1/2" in first_page.footer.text
    second = await server.reader.click(listing.response, label="Next")
    assert "Page 2/2" in second.response.embeds[0].footer.text

    resolved = await server.reader.slash(thread, "comment list", status="resolved")
    assert "Note 4" in resolved.response.embeds[0].description
    assert "Note 5" not in resolved.response.embeds[0].description

    on_line = await server.reader.slash(server.channel, "comment list", excerpt="1", line="2")
    notes = on_line.response.embeds[0].description
    assert "Note 1" in notes and "Note 5" in notes and "Note 2\n" not in notes

    empty = await server.reader.slash(thread, "comment list", line="3", status="resolved")
    assert empty.ephemeral and "No resolved comments" in empty.response.content


async def test_context_menu_comments_on_the_lines_of_that_message(simcord_env, server, db_path):
    thread = await post_scene(simcord_env, server)
    message = thread.history()[-1]
    shown = await server.reader.context_menu(thread, "Comment on line", message)
    assert shown.modal is not None
    result = await server.reader.submit_modal(
        shown, {"line": "3", "quote": "thirteen", "text": "Unlucky number."}
    )
    assert "Comment #1" in result.response.embeds[0].title
    assert comment_rows(db_path)[0][:4] == (1, 3, 3, "thirteen")

    bad = await server.reader.context_menu(thread, "Comment on line", message)
    refused = await server.reader.submit_modal(bad, {"line": "77", "text": "Where?"})
    expect_refusal(simcord_env, refused, "1–4")


async def test_context_menu_on_other_messages_is_refused(simcord_env, server):
    await post_scene(simcord_env, server)
    chatter = await server.reader.send(server.channel, "hello")
    result = await server.reader.context_menu(server.channel, "Comment on line", chatter)
    expect_refusal(simcord_env, result, "not part of a current excerpt")


async def test_comment_autocomplete_lists_by_line_and_words(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    await server.reader.slash(thread, "comment add", line="2", text="Steady hands, nice detail")
    await server.reader.slash(thread, "comment add", line="4", text="Tea is perfect")
    choices = await server.author.autocomplete(thread, "comment resolve", "comment", "perfect")
    assert choices == [{"name": "#2 · L4 · Tea is perfect", "value": "2"}]
    everything = await server.author.autocomplete(thread, "comment reply", "comment", "")
    assert [c["value"] for c in everything] == ["2", "1"]


async def test_mentions_in_user_text_never_ping(simcord_env, server):
    thread = await post_scene(simcord_env, server, title="@everyone party")
    hostile = f"@everyone @here <@{server.author.id}> <@&{server.guild.default_role.id}> hi"
    await server.reader.slash(thread, "comment add", line="1", text=hostile)
    edited = await server.reader.slash(thread, "comment edit", comment="1", text=hostile)
    await server.reader.slash(server.channel, "comment reply", comment="1", text=hostile)
    assert "@\u200beveryone" in edited.response.content
    for channel in (server.channel, thread):
        for message in channel.history():
            assert not message.mention_everyone, (message.content, message.type)
            assert message.mentions == [] and message.role_mentions == []
    for request in simcord_env.http_requests:
        payload = request.json or {}
        body = payload.get("data", payload) if isinstance(payload, dict) else {}
        if isinstance(body, dict) and ("content" in body or "embeds" in body):
            assert body.get("allowed_mentions", {}).get("parse") == [], request


async def test_servers_are_isolated(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    await server.reader.slash(thread, "comment add", line="1", text="Home guild note.")
    other = make_server(simcord_env, "Elsewhere")

    attempts = [
        ("excerpt show", {"excerpt": "1"}),
        ("excerpt close", {"excerpt": "1"}),
        ("comment add", {"excerpt": "1", "line": "1", "text": "Sneaky."}),
        ("comment resolve", {"comment": "1"}),
        ("comment reply", {"comment": "1", "text": "Sneaky."}),
        ("comment delete", {"comment": "1"}),
        ("comment list", {"excerpt": "1"}),
    ]
    for name, options in attempts:
        result = await other.moderator.slash(other.channel, name, **options)
        expect_refusal(simcord_env, result, "no ")
    assert await other.reader.autocomplete(other.channel, "excerpt show", "excerpt", "") == []
    assert await other.reader.autocomplete(other.channel, "comment reply", "comment", "") == []
    listed = await other.reader.slash(other.channel, "excerpt list")
    assert "No excerpts" in listed.response.content

    # Each server numbers its own excerpts from 1.
    await post_scene(simcord_env, other, title="Theirs")
    theirs = await other.reader.slash(other.channel, "excerpt show", excerpt="1")
    assert "Theirs" in theirs.response.embeds[0].title
    home = await server.reader.slash(server.channel, "excerpt show", excerpt="1")
    assert "The Keeper" in home.response.embeds[0].title


async def test_typed_text_repeated_in_an_error_is_escaped(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    result = await server.reader.slash(thread, "comment add", line="**2**", text="Hm.")
    content = expect_refusal(simcord_env, result, "couldn't read")
    assert r"“\*\*2\*\*”" in content
    quoted = await server.reader.slash(
        thread, "comment add", line="1", text="Hm.", quote="`@everyone` ~~x~~"
    )
    content = expect_refusal(simcord_env, quoted, "couldn't find")
    assert "\\`@\u200beveryone\\` \\~\\~x\\~\\~" in content
