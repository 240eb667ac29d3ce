"""R4: hostile and malformed input, through SimCord, against the real bot.

Every case ends one of two ways:

* a clear ephemeral refusal naming the problem (``refuse=``), with the database exactly
  as it was before the command, byte for byte in every table; or
* a faithful, harmless result: the text stored exactly as typed and shown escaped.

Whichever it is, no message the bot sent anywhere pings (``mention_everyone`` is False,
no user or role mentions, ``allowed_mentions`` parses nothing on every request), the
bot raised no unexpected error, and it goes on to serve the next commands.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.storage import is_postgres_url
from bot.ui.escaping import escape, escape_embed
from tests.helpers import (
    SCENE,
    Server,
    expect_refusal,
    make_server,
    only_domain_errors,
    post_scene,
    table_dump,
)
from tests.helpers import rows as query

# ------------------------------------------------------------------ harness


@dataclass
class Ctx:
    env: Any
    server: Server
    thread: Any
    db_path: Path
    role: Any
    before: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)

    def mark(self) -> None:
        """The state a refusal must leave untouched (taken again after a case's setup)."""
        self.before = table_dump(self.db_path)

    @property
    def mentions(self) -> str:
        """Every way to ping: everyone, here, a user (both forms), a mentionable role."""
        author, role = self.server.author.id, self.role.id
        return f"@everyone @here <@{author}> <@!{author}> <@&{role}>"

    async def post_file(
        self, filename: str, data: bytes, title: str = "Hostile", **options: Any
    ) -> Any:
        return await self.server.author.slash(
            self.server.channel, "excerpt post", title=title, file=(filename, data), **options
        )

    async def comment(self, text: str = "A thought.", line: str = "1", **options: Any) -> Any:
        return await self.server.reader.slash(
            self.thread, "comment add", line=line, text=text, **options
        )

    def comments(self) -> list[tuple[Any, ...]]:
        return query(
            self.db_path,
            "SELECT number, line_start, line_end, quote, suggestion, text FROM comments"
            " ORDER BY number",
        )

    def excerpt(self, number: int) -> tuple[Any, ...]:
        rows = query(
            self.db_path,
            "SELECT title, content_warning, line_count FROM excerpts WHERE number = ?"
            " AND thread_id IS NOT NULL",
            number,
        )
        assert rows, f"excerpt #{number} was not posted"
        return rows[0]

    def lines(self, number: int) -> list[str]:
        return [
            row[0]
            for row in query(
                self.db_path,
                "SELECT l.text FROM lines AS l JOIN excerpts AS e ON e.id = l.excerpt_id"
                " AND l.revision = e.revision WHERE e.number = ? ORDER BY l.number",
                number,
            )
        ]

    def latest_thread(self) -> Any:
        return self.server.channel.threads[-1]


Run = Callable[[Ctx], Awaitable[Any]]


@dataclass(frozen=True)
class Case:
    id: str
    run: Run
    refuse: str | None  # a fragment of the refusal, or None for a faithful result


CASES: list[Case] = []


def case(case_id: str, refuse: str | None = None) -> Callable[[Run], Run]:
    def register(run: Run) -> Run:
        CASES.append(Case(case_id, run, refuse))
        return run

    return register


def thread_text(thread: Any) -> str:
    parts = []
    for message in thread.history():
        parts.append(message.content)
        for embed in message.embeds:
            parts.extend([embed.title or "", embed.description or ""])
            parts.extend(f"{f.name}\n{f.value}" for f in embed.fields)
    return "\n".join(parts)


def assert_nothing_pings(env: Any, server: Server) -> None:
    """No message the bot sent pings anyone, and no request allowed it to."""
    bot_id = env.bot.user.id
    channels = [server.channel, *server.channel.threads]
    for channel in channels:
        for message in channel.history():
            if message.author.id != bot_id:
                continue
            assert not message.mention_everyone, (channel, message.content)
            assert message.mentions == [], (channel, message.content)
            assert message.role_mentions == [], (channel, message.content)
    # Every channel of every server, as SimCord's backend recorded who was actually pinged.
    for stored in env.backend.messages.values():
        for message in stored.values():
            if message.author_id == bot_id:
                assert not message.mention_everyone, message.content
                assert not message.ping_user_ids and not message.ping_role_ids, message.content
    for request in env.http_requests:
        payload = request.json or {}
        body = payload.get("data", payload) if isinstance(payload, dict) else {}
        if isinstance(body, dict) and ("content" in body or "embeds" in body):
            assert body.get("allowed_mentions", {}).get("parse") == [], request


def unescaped(token: str, text: str) -> bool:
    """True if ``token`` occurs in ``text`` without a backslash escaping its first character."""
    return re.search(r"(?<!\\)" + re.escape(token), text) is not None


# -------------------------------------------------------------- line specs


@case("line-zero", refuse="no line 0")
async def _line_zero(ctx: Ctx) -> Any:
    return await ctx.comment(line="0")


@case("line-negative", refuse="negative")
async def _line_negative(ctx: Ctx) -> Any:
    return await ctx.comment(line="-2")


@case("line-backwards", refuse="backwards")
async def _line_backwards(ctx: Ctx) -> Any:
    return await ctx.comment(line="4-2")


@case("line-list", refuse="couldn't read")
async def _line_list(ctx: Ctx) -> Any:
    return await ctx.comment(line="1,3")


@case("line-39-digit-number", refuse="there is no line")
async def _line_huge(ctx: Ctx) -> Any:
    return await ctx.comment(line="9" * 39)


@case("line-whitespace-only", refuse="give a line number")
async def _line_blank(ctx: Ctx) -> Any:
    return await ctx.comment(line="   ")


@case("line-sql", refuse="couldn't read")
async def _line_sql(ctx: Ctx) -> Any:
    return await ctx.comment(line="1; DROP TABLE comments;--")


@case("show-lines-sql", refuse="couldn't read")
async def _show_sql(ctx: Ctx) -> Any:
    return await ctx.server.reader.slash(
        ctx.server.channel, "excerpt show", excerpt="1", lines="1' OR '1'='1"
    )


@case("show-range-past-the-end", refuse="no line 400")
async def _show_past_end(ctx: Ctx) -> Any:
    return await ctx.server.reader.slash(
        ctx.server.channel, "excerpt show", excerpt="1", lines="3-400"
    )


@case("line-fullwidth-digits")
async def _line_fullwidth(ctx: Ctx) -> Any:
    result = await ctx.comment(line="２", text="Wide digits.")
    assert ctx.comments()[-1][:3] == (2, 2, 2)
    return result


# -------------------------------------------------------------------- text


@case("comment-whitespace-only", refuse="empty")
async def _comment_blank(ctx: Ctx) -> Any:
    return await ctx.comment(text=" \t \n ")


@case("comment-zero-width-only", refuse="empty")
async def _comment_zero_width(ctx: Ctx) -> Any:
    return await ctx.comment(text="\u200b\u200c\u200d\u2060\ufeff")


@case("reply-whitespace-only", refuse="empty")
async def _reply_blank(ctx: Ctx) -> Any:
    return await ctx.server.reader.slash(ctx.thread, "comment reply", comment="1", text="   ")


@case("edit-zero-width-only", refuse="empty")
async def _edit_zero_width(ctx: Ctx) -> Any:
    return await ctx.server.reader.slash(
        ctx.thread, "comment edit", comment="1", text="\u200b \u200b"
    )


@case("title-whitespace-only", refuse="title is empty")
async def _title_blank(ctx: Ctx) -> Any:
    return await ctx.post_file("a.txt", SCENE.encode(), title="    ")


@case("title-zero-width-only", refuse="title is empty")
async def _title_zero_width(ctx: Ctx) -> Any:
    return await ctx.post_file("a.txt", SCENE.encode(), title="\u200b\u200d\u2060")


@case("title-oversize", refuse="limit is 90")
async def _title_long(ctx: Ctx) -> Any:
    return await ctx.post_file("a.txt", SCENE.encode(), title="T" * 150)


@case("content-warning-oversize", refuse="limit is 200")
async def _cw_long(ctx: Ctx) -> Any:
    return await ctx.post_file("a.txt", SCENE.encode(), content_warning="w" * 300)


@case("comment-control-characters")
async def _comment_controls(ctx: Ctx) -> Any:
    result = await ctx.comment(text="ok\x00\x07\x1b[31m red\x7f")
    assert ctx.comments()[-1][-1] == "ok[31m red"
    return result


@case("comment-rtl-and-bidi-controls")
async def _comment_rtl(ctx: Ctx) -> Any:
    text = "שלום עולם — مرحبا بالعالم \u202eevil\u202c, and \u2067isolated\u2069."
    result = await ctx.comment(text=text)
    assert ctx.comments()[-1][-1] == text
    assert escape(text) in result.response.embeds[0].description
    return result


@case("comment-zero-width-inside-words-and-emoji")
async def _comment_zwj(ctx: Ctx) -> Any:
    text = "wo\u200brd and a family: 👩\u200d👩\u200d👧"
    result = await ctx.comment(text=text)
    assert ctx.comments()[-1][-1] == text
    return result


# ------------------------------------------------------------------- files


@case("file-binary", refuse="binary")
async def _file_binary(ctx: Ctx) -> Any:
    return await ctx.post_file("story.txt", b"abc\x00\x01\x02\xff\xfe" * 20)


@case("file-not-utf8", refuse="isn't UTF-8")
async def _file_latin1(ctx: Ctx) -> Any:
    return await ctx.post_file("story.txt", "Café crème, déjà vu.".encode("latin-1"))


@case("file-utf16-without-bom", refuse="binary")
async def _file_utf16_no_bom(ctx: Ctx) -> Any:
    return await ctx.post_file("story.txt", SCENE.encode("utf-16-le"))


@case("file-utf32", refuse="binary")
async def _file_utf32(ctx: Ctx) -> Any:
    return await ctx.post_file("story.txt", SCENE.encode("utf-32"))


@case("file-utf16-le-bom")
async def _file_utf16_le(ctx: Ctx) -> Any:
    result = await ctx.post_file("story.md", SCENE.replace("\n", "\r\n").encode("utf-16"))
    assert ctx.lines(2) == SCENE.split("\n\n")
    return result


@case("file-utf16-be-bom")
async def _file_utf16_be(ctx: Ctx) -> Any:
    result = await ctx.post_file("story.txt", b"\xfe\xff" + SCENE.encode("utf-16-be"))
    assert ctx.lines(2) == SCENE.split("\n\n")
    return result


@case("file-utf8-bom-crlf")
async def _file_bom(ctx: Ctx) -> Any:
    result = await ctx.post_file("story.txt", SCENE.replace("\n", "\r\n").encode("utf-8-sig"))
    lines = ctx.lines(2)
    assert lines == SCENE.split("\n\n") and not lines[0].startswith("\ufeff")
    return result


@case("file-uppercase-extension")
async def _file_upper(ctx: Ctx) -> Any:
    result = await ctx.post_file("STORY.TXT", SCENE.encode())
    assert ctx.excerpt(2)[2] == 4
    return result


@case("file-wrong-extension", refuse=".txt")
async def _file_exe(ctx: Ctx) -> Any:
    return await ctx.post_file("story.exe", SCENE.encode())


@case("file-double-extension", refuse=".docx")
async def _file_double(ctx: Ctx) -> Any:
    return await ctx.post_file("story.txt.exe", SCENE.encode())


@case("file-no-extension", refuse="can't read that kind of file")
async def _file_noext(ctx: Ctx) -> Any:
    return await ctx.post_file("README", SCENE.encode())


@case("file-over-upload-bound", refuse="limit is 4 MB")
async def _file_huge(ctx: Ctx) -> Any:
    return await ctx.post_file("huge.txt", b"a" * (4 * 1024 * 1024 + 1))


@case("file-over-character-bound", refuse="200,000")
async def _file_chars(ctx: Ctx) -> Any:
    return await ctx.post_file("long.txt", b"word " * 40_001)


@case("file-over-line-bound", refuse="2,000")
async def _file_lines(ctx: Ctx) -> Any:
    return await ctx.post_file("many.txt", b"line\n" * 2_001)


@case("file-empty", refuse="empty")
async def _file_empty(ctx: Ctx) -> Any:
    return await ctx.post_file("empty.txt", b"")


@case("file-whitespace-only", refuse="nothing to post")
async def _file_blank(ctx: Ctx) -> Any:
    return await ctx.post_file("blank.txt", b" \r\n\t\n\n  \n")


@case("file-zero-width-only", refuse="nothing to post")
async def _file_zero_width(ctx: Ctx) -> Any:
    return await ctx.post_file("zw.txt", "\u200b\n\n\u200d\ufeff\n\u2060".encode())


@case("file-broken-docx", refuse="docx")
async def _file_broken_docx(ctx: Ctx) -> Any:
    return await ctx.post_file("story.docx", b"PK\x03\x04 not really a zip")


@case("file-docx-zip-bomb", refuse="too large once unpacked")
async def _file_bomb(ctx: Ctx) -> Any:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * (65 * 1024 * 1024))
    return await ctx.post_file("bomb.docx", buffer.getvalue())


# ---------------------------------------------------------------- mentions


@case("mentions-in-title")
async def _mention_title(ctx: Ctx) -> Any:
    title = f"@everyone @here <@{ctx.server.author.id}> <@&{ctx.role.id}>"
    result = await ctx.post_file("a.txt", SCENE.encode(), title=title)
    assert ctx.excerpt(2)[0] == title
    assert "@\u200beveryone" in result.response.content
    return result


@case("mentions-in-content-warning")
async def _mention_cw(ctx: Ctx) -> Any:
    result = await ctx.post_file("a.txt", SCENE.encode(), content_warning=ctx.mentions)
    assert ctx.excerpt(2)[1] == ctx.mentions
    assert escape(ctx.mentions) in thread_text(ctx.latest_thread())
    return result


@case("mentions-in-excerpt-file")
async def _mention_file(ctx: Ctx) -> Any:
    text = f"{ctx.mentions} opened the door.\n\nNobody answered."
    result = await ctx.post_file("a.txt", text.encode())
    assert ctx.lines(2) == text.split("\n\n")
    assert "@\u200beveryone" in thread_text(ctx.latest_thread())
    return result


@case("mentions-in-pasted-excerpt")
async def _mention_paste(ctx: Ctx) -> Any:
    shown = await ctx.server.author.slash(ctx.server.channel, "excerpt post", title="Pasted")
    text = f"{ctx.mentions}\nSecond line."
    result = await ctx.server.author.submit_modal(shown, {"text": text})
    assert ctx.lines(2) == text.split("\n")
    return result


@case("mentions-in-comment")
async def _mention_comment(ctx: Ctx) -> Any:
    result = await ctx.comment(text=ctx.mentions)
    assert ctx.comments()[-1][-1] == ctx.mentions
    # In an embed a user or role mention shows as a name and never pings: left as typed.
    assert escape_embed(ctx.mentions) in result.response.embeds[0].description
    return result


async def _post_hostile_line(ctx: Ctx) -> Any:
    text = f"They shouted {ctx.mentions} at the sea.\n\nThe sea did not answer."
    await ctx.post_file("a.txt", text.encode(), title="Shouting")
    ctx.mark()
    return ctx.latest_thread()


@case("mentions-in-quote-and-suggestion")
async def _mention_quote(ctx: Ctx) -> Any:
    thread = await _post_hostile_line(ctx)
    quote = ctx.mentions
    suggestion = f"@here and <@{ctx.server.reader.id}>"
    result = await ctx.server.reader.slash(
        thread, "comment add", line="1", text="Loud.", quote=quote, suggestion=suggestion
    )
    assert ctx.comments()[-1][3:5] == (quote, suggestion)
    assert "@\u200beveryone" in result.response.embeds[0].description
    assert result.response.embeds[0].fields[0].value.endswith(escape_embed(suggestion))
    return result


@case("mentions-in-reply")
async def _mention_reply(ctx: Ctx) -> Any:
    result = await ctx.server.reader2.slash(
        ctx.server.channel, "comment reply", comment="1", text=ctx.mentions
    )
    assert query(ctx.db_path, "SELECT text FROM replies") == [(ctx.mentions,)]
    assert escape_embed(ctx.mentions) in thread_text(ctx.thread)
    return result


@case("mentions-in-edit")
async def _mention_edit(ctx: Ctx) -> Any:
    result = await ctx.server.reader.slash(
        ctx.thread, "comment edit", comment="1", text=ctx.mentions
    )
    assert ctx.comments()[0][-1] == ctx.mentions
    assert escape(ctx.mentions) in result.response.content
    return result


@case("mentions-in-comment-on-line-modal")
async def _mention_modal(ctx: Ctx) -> Any:
    thread = await _post_hostile_line(ctx)
    message = thread.history()[-1]
    shown = await ctx.server.reader.context_menu(thread, "Comment on line", message)
    result = await ctx.server.reader.submit_modal(
        shown, {"line": "1", "quote": "@everyone", "text": ctx.mentions}
    )
    assert ctx.comments()[-1][3] == "@everyone"
    assert ctx.comments()[-1][-1] == ctx.mentions
    return result


@case("mentions-in-display-name")
async def _mention_nick(ctx: Ctx) -> Any:
    user = ctx.env.create_user("pinger")
    pinger = ctx.server.guild.add_member(user, nick=f"@everyone <@&{ctx.role.id}>")
    await pinger.slash(ctx.thread, "comment add", line="2", text="Hello.")
    result = await pinger.slash(ctx.thread, "comment resolve", comment="2")
    assert "@\u200beveryone" in result.response.content
    return result


# ------------------------------------------------- markdown and html injection

MARKDOWN = (
    "# Heading\n-# tiny\n> quoted\n- bullet\n1. numbered\n**bold** __under__ ~~strike~~ "
    "||spoiler|| `code` ```fence``` [click here](https://evil.example) <https://x.example> "
    "<t:0:R> <#1> <:emoji:1>"
)


@case("markdown-in-comment")
async def _markdown_comment(ctx: Ctx) -> Any:
    result = await ctx.comment(text=MARKDOWN)
    assert ctx.comments()[-1][-1] == MARKDOWN
    shown = result.response.embeds[0].description
    assert escape(MARKDOWN) in shown
    for raw in ("**", "||", "[click here]", "# Heading", "<t:0:R>", "`code", "<https:"):
        assert not unescaped(raw, shown), raw
    return result


@case("markdown-in-excerpt-and-title")
async def _markdown_excerpt(ctx: Ctx) -> Any:
    title = "**Bold** ||hidden|| `code` [x](https://e.example)"
    result = await ctx.post_file("a.md", f"{MARKDOWN}\n\nPlain.".encode(), title=title)
    assert ctx.excerpt(2)[0] == title and ctx.lines(2) == [MARKDOWN, "Plain."]
    text = thread_text(ctx.latest_thread())
    assert escape(MARKDOWN) in text
    assert f"**{escape(title)}**" in result.response.content
    header = ctx.latest_thread().history()[0].embeds[0]
    assert header.title == f"📖 {escape(title)}"
    shown = await ctx.server.reader.slash(ctx.server.channel, "excerpt show", excerpt="2")
    assert not unescaped("||", shown.response.embeds[0].title)
    return result


@case("markdown-in-suggestion")
async def _markdown_suggestion(ctx: Ctx) -> Any:
    result = await ctx.comment(
        line="3", text="Try:", quote="watching", suggestion="~~x~~ **y** [z](https://e.example)"
    )
    field_value = result.response.embeds[0].fields[0].value
    assert field_value == f"~~watching~~ → {escape('~~x~~ **y** [z](https://e.example)')}"
    return result


@case("html-injection")
async def _html(ctx: Ctx) -> Any:
    text = "<script>alert(1)</script><img src=x onerror=alert(1)> &amp; <b>bold</b>"
    result = await ctx.comment(text=text)
    assert ctx.comments()[-1][-1] == text
    assert escape(text) in result.response.embeds[0].description
    return result


# --------------------------------------------------------- sql metacharacters

SQL = "'); DROP TABLE comments;--"


@case("sql-in-title")
async def _sql_title(ctx: Ctx) -> Any:
    result = await ctx.post_file("a.txt", SCENE.encode(), title=SQL)
    assert ctx.excerpt(2)[0] == SQL
    return result


@case("sql-in-comment-and-like-wildcards")
async def _sql_comment(ctx: Ctx) -> Any:
    text = f"Robert{SQL} %_ \\ \" ' ;"
    result = await ctx.comment(text=text)
    assert ctx.comments()[-1][-1] == text
    return result


@case("sql-as-excerpt-id", refuse="not an excerpt id")
async def _sql_excerpt_id(ctx: Ctx) -> Any:
    return await ctx.server.reader.slash(
        ctx.server.channel, "comment add", excerpt="1; DROP TABLE excerpts;--", line="1", text="x"
    )


@case("sql-as-comment-id", refuse="not a comment id")
async def _sql_comment_id(ctx: Ctx) -> Any:
    return await ctx.server.reader.slash(ctx.thread, "comment reply", comment="1 OR 1=1", text="x")


@case("sql-in-excerpt-autocomplete")
async def _sql_autocomplete(ctx: Ctx) -> Any:
    for typed in ("' OR 1=1 --", "%", "_", "%' OR '1'='1", SQL, "\\"):
        choices = await ctx.server.reader.autocomplete(
            ctx.server.channel, "excerpt show", "excerpt", typed
        )
        assert choices == [], (typed, choices)
    return None


@case("sql-in-comment-autocomplete")
async def _sql_comment_autocomplete(ctx: Ctx) -> Any:
    for typed in ("'; DELETE FROM comments;--", "%", "_%", "1' OR '1'='1"):
        choices = await ctx.server.reader.autocomplete(
            ctx.thread, "comment resolve", "comment", typed
        )
        assert choices == [], (typed, choices)
    return None


# --------------------------------------------------- foreign and deleted ids


async def _other_server(ctx: Ctx) -> Server:
    other = make_server(ctx.env, "Elsewhere")
    for title in ("Theirs one", "Theirs two"):
        thread = await post_scene(ctx.env, other, title=title)
    for n in range(5):
        await other.reader.slash(thread, "comment add", line="1", text=f"Their note {n}")
    ctx.mark()
    return other


@case("other-servers-excerpt-number", refuse="no excerpt #2")
async def _foreign_excerpt(ctx: Ctx) -> Any:
    await _other_server(ctx)
    return await ctx.server.reader.slash(
        ctx.server.channel, "comment add", excerpt="2", line="1", text="Sneaky."
    )


@case("other-servers-comment-number", refuse="no comment #5")
async def _foreign_comment(ctx: Ctx) -> Any:
    await _other_server(ctx)
    return await ctx.server.reader.slash(ctx.thread, "comment edit", comment="5", text="Mine now.")


@case("other-servers-thread-id-as-excerpt", refuse="excerpt")
async def _foreign_snowflake(ctx: Ctx) -> Any:
    other = await _other_server(ctx)
    return await ctx.server.reader.slash(
        ctx.server.channel, "excerpt show", excerpt=str(other.channel.threads[0].id)
    )


@case("other-servers-titles-in-autocomplete")
async def _foreign_autocomplete(ctx: Ctx) -> Any:
    await _other_server(ctx)
    assert (
        await ctx.server.reader.autocomplete(ctx.server.channel, "excerpt show", "excerpt", "Their")
        == []
    )
    assert (
        await ctx.server.reader.autocomplete(ctx.thread, "comment reply", "comment", "Their") == []
    )
    return None


@case("deleted-excerpt", refuse="was deleted")
async def _deleted_excerpt(ctx: Ctx) -> Any:
    asked = await ctx.server.author.slash(ctx.server.channel, "excerpt delete", excerpt="1")
    await ctx.server.author.click(asked.response, label="Delete")
    ctx.mark()
    return await ctx.server.reader.slash(
        ctx.server.channel, "comment add", excerpt="1", line="1", text="Too late?"
    )


@case("deleted-comment", refuse="no comment #1")
async def _deleted_comment(ctx: Ctx) -> Any:
    await ctx.server.reader.slash(ctx.thread, "comment delete", comment="1")
    ctx.mark()
    return await ctx.server.reader.slash(ctx.thread, "comment reply", comment="1", text="Hm?")


@case("deleted-comment-edit", refuse="no comment #1")
async def _deleted_comment_edit(ctx: Ctx) -> Any:
    await ctx.server.moderator.slash(ctx.thread, "comment delete", comment="1")
    ctx.mark()
    return await ctx.server.reader.slash(ctx.thread, "comment edit", comment="1", text="Back")


@case("id-zero", refuse="not an excerpt id")
async def _id_zero(ctx: Ctx) -> Any:
    return await ctx.server.reader.slash(ctx.server.channel, "excerpt show", excerpt="0")


@case("id-negative", refuse="not a comment id")
async def _id_negative(ctx: Ctx) -> Any:
    return await ctx.server.reader.slash(ctx.thread, "comment resolve", comment="-1")


@case("id-30-digits", refuse="not an excerpt id")
async def _id_huge(ctx: Ctx) -> Any:
    return await ctx.server.reader.slash(ctx.server.channel, "excerpt close", excerpt="9" * 30)


# -------------------------------------------------------------------- test


def test_the_matrix_is_big_enough() -> None:
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("hostile", CASES, ids=[c.id for c in CASES])
async def test_hostile_input(
    simcord_env: Any, server: Server, db_path: Path, hostile: Case
) -> None:
    thread = await post_scene(simcord_env, server)
    await server.reader.slash(thread, "comment add", line="1", text="Baseline note.")
    role = server.guild.create_role("Readers", mentionable=True)
    ctx = Ctx(simcord_env, server, thread, db_path, role)
    ctx.mark()

    result = await hostile.run(ctx)

    if hostile.refuse is not None:
        expect_refusal(simcord_env, result, hostile.refuse)
        only_domain_errors(simcord_env)
        assert table_dump(db_path) == ctx.before, "a refused command changed the database"
    else:
        assert simcord_env.errors == []
        if result is not None:
            assert result.acknowledged and (result.response is not None or result.followups)
    if not is_postgres_url(db_path):  # PostgreSQL has no whole-file check to ask for
        assert query(db_path, "PRAGMA integrity_check") == [("ok",)]
    assert_nothing_pings(simcord_env, server)

    # The bot keeps serving: a new excerpt, and a comment on it.
    following = await post_scene(simcord_env, server, title="Next one")
    answered = await server.reader2.slash(following, "comment add", line="2", text="Still here.")
    assert not answered.ephemeral and "Comment #" in answered.response.embeds[0].title
