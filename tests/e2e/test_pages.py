"""Lists and the line view fetched one page per button press (issue 13): each page is
exactly the page the whole list, built up front, would show."""

from __future__ import annotations

from typing import Any

from bot.models import Actor, CommentStatus, PostedMessage
from bot.ui.comments import list_pages as comment_list_pages
from bot.ui.excerpts import list_pages as excerpt_list_pages
from bot.ui.excerpts import show_pages
from tests.helpers import Server, post_scene


def _buttons(result: Any) -> dict[str, bool]:
    """label -> disabled, for the buttons under a response."""
    return {
        str(c.get("label")): bool(c.get("disabled"))
        for row in result.response.components
        for c in row.get("components", [])
    }


async def _walk(member: Any, first: Any) -> list[tuple[str, str | None]]:
    """(description, footer) of every page from the first, pressing Next until it is
    disabled (the message is edited in place, so each is read as it is shown)."""
    result = first
    pages = [_seen(result)]
    while not _buttons(result).get("Next", True):
        result = await member.click(result.response, label="Next")
        pages.append(_seen(result))
    return pages


def _seen(result: Any) -> tuple[str, str | None]:
    embed = result.response.embeds[0]
    return str(embed.description), embed.footer.text


async def _post_quietly(bot: Any, server: Server, count: int, lines: int = 3) -> list[int]:
    """Live excerpts straight through the workshop (their threads are not needed here)."""
    numbers = []
    author = Actor(server.author.id, "Author")
    for index in range(count):
        excerpt = await bot.workshop.excerpts.create_excerpt(
            guild_id=server.guild.id,
            channel_id=server.channel.id,
            author=author,
            title=f"Scene {index}",
            lines=[f"Line {n} of scene {index}." for n in range(1, lines + 1)],
            content_warning=None,
        )
        await bot.workshop.excerpts.mark_posted(
            excerpt, 9_000_000 + excerpt.id, [PostedMessage(8_000_000 + excerpt.id, 1, lines)]
        )
        numbers.append(excerpt.number)
    return numbers


async def test_excerpt_list_pages_forward_back_and_first(simcord_env, server, simcord_bot):
    await _post_quietly(simcord_bot, server, 23)
    whole = excerpt_list_pages(await simcord_bot.workshop.excerpts.list_excerpts(server.guild.id))
    assert len(whole) == 3

    listing = await server.reader.slash(server.channel, "excerpt list")
    pages = await _walk(server.reader, listing)

    assert [p[0] for p in pages] == [w.description for w in whole]
    assert [p[1] for p in pages] == ["Page 1/3", "Page 2/3", "Page 3/3"]
    assert _buttons(listing) == {"First": False, "Previous": False, "Next": True}
    back = await server.reader.click(listing.response, label="Previous")
    assert back.response.embeds[0].description == whole[1].description
    top = await server.reader.click(back.response, label="First")
    assert top.response.embeds[0].description == whole[0].description
    assert _buttons(top) == {"First": True, "Previous": True, "Next": False}
    assert simcord_env.errors == []


async def test_excerpt_list_by_author_is_one_page(simcord_env, server, simcord_bot):
    await _post_quietly(simcord_bot, server, 12)
    await post_scene(simcord_env, server, title="The real one")
    mine = await server.author.slash(server.channel, "excerpt list", author=server.author)
    assert "Page 1/2" in mine.response.embeds[0].footer.text
    nobody = await server.reader.slash(server.channel, "excerpt list", author=server.reader)
    assert nobody.ephemeral and "No excerpts by" in nobody.response.content


async def test_comment_list_pages_with_filters(simcord_env, server, simcord_bot):
    thread = await post_scene(simcord_env, server)
    workshop = simcord_bot.workshop
    excerpt = (await workshop.excerpts.list_excerpts(server.guild.id))[0].excerpt
    reader = Actor(server.reader.id, "Reader")
    moderator = Actor(server.moderator.id, "Mod", is_moderator=True)
    for index in range(27):
        line = index % 4 + 1
        await workshop.comments.add_comment(
            guild_id=server.guild.id,
            member=reader,
            line_spec=f"{line}-{min(4, line + index % 2)}",
            text=f"Note {index}",
            excerpt_number=excerpt.number,
        )
    for number in (3, 8, 9, 20):
        await workshop.comments.set_resolved(
            guild_id=server.guild.id, comment_number=number, member=moderator, resolved=True
        )
    await workshop.comments.reply(
        guild_id=server.guild.id, comment_number=5, member=reader, text="Indeed."
    )

    for options, footers in (
        ({}, ["Page 1/3", "Page 2/3", "Page 3/3"]),
        ({"status": "open"}, ["Page 1/3", "Page 2/3", "Page 3/3"]),
        ({"status": "resolved"}, [None]),
        # A line filter has no kept count: "Page N" until the last page tells.
        ({"line": "1-3"}, ["Page 1", "Page 2", "Page 3/3"]),
    ):
        whole = comment_list_pages(
            await workshop.comments.list_comments(
                guild_id=server.guild.id,
                excerpt_number=excerpt.number,
                line_spec=options.get("line"),
                status=CommentStatus(options["status"]) if "status" in options else None,
            ),
            original=False,
        )
        first = await server.reader.slash(thread, "comment list", **options)
        pages = await _walk(server.reader, first)
        assert [p[0] for p in pages] == [w.description for w in whole], options
        assert [p[1] for p in pages] == footers, options
    assert simcord_env.errors == []


async def test_show_pages_lines_and_counts(simcord_env, server, simcord_bot):
    workshop = simcord_bot.workshop
    [number] = await _post_quietly(simcord_bot, server, 1, lines=130)
    reader = Actor(server.reader.id, "Reader")
    for spec in ("1", "39-42", "40", "80-121", "130", "100"):
        await workshop.comments.add_comment(
            guild_id=server.guild.id,
            member=reader,
            line_spec=spec,
            text="Hm.",
            excerpt_number=number,
        )
    for shown_lines in (None, "35-95"):
        whole = show_pages(
            await workshop.excerpts.show_lines(server.guild.id, number, shown_lines), None
        )
        options = {"lines": shown_lines} if shown_lines else {}
        first = await server.reader.slash(
            server.channel, "excerpt show", excerpt=str(number), **options
        )
        pages = await _walk(server.reader, first)
        assert [p[0] for p in pages] == [w.description for w in whole]
        assert pages[-1][1] == f"Page {len(whole)}/{len(whole)}"
        assert len(whole) > 1
    assert "*💬 1 open*" in (whole[0].description or "")  # a range comment counts on each line
    assert simcord_env.errors == []
