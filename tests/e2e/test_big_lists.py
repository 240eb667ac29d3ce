"""33,000 comments on one excerpt, with SQLite's stock limit on bound variables.

This machine's SQLite allows 250,000 variables, which hides a statement that binds one
per comment; the stock build allows 32,766 (999 before 3.32). Every connection the bot
opens here is lowered to 999, so any id list that is not chunked fails with "too many SQL
variables": `/comment list` and the excerpt's digest must both still answer.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from tests.helpers import post_scene

COMMENTS = 33_000
LOW_LIMIT = 999
STAMP = "2026-01-01T00:00:00+00:00"


@pytest.fixture
def low_variable_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every SQLite connection opened from now on binds at most LOW_LIMIT variables."""
    connect = sqlite3.connect

    def connect_low(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn = connect(*args, **kwargs)
        conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, LOW_LIMIT)
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect_low)


# Rendering 33,000 comments takes seconds on a busy machine: more than SimCord's 5 s default.
@pytest.mark.sqlite_only  # about SQLite's bound-variable limit
@pytest.mark.simcord(settle_timeout=60)
async def test_a_huge_excerpt_lists_and_exports_under_the_stock_variable_limit(
    simcord_env, server, restart, low_variable_limit
):
    thread = await post_scene(simcord_env, server)
    await server.reader.slash(thread, "comment add", line="1", text="The first, by hand.")
    bot = await restart()  # its connections are opened with the low limit
    reader_id = server.reader.id
    async with bot.workshop.db.transaction() as tx:
        excerpt = await tx.excerpts.get_excerpt(server.guild.id, 1)
        assert excerpt is not None
        await tx.comments.bulk_insert_comments(
            [
                (
                    server.guild.id,
                    n,
                    excerpt.id,
                    reader_id,
                    "Reader",
                    f"Note {n}.",
                    1 + n % 4,
                    1 + n % 4,
                    1,
                    STAMP,
                )
                for n in range(2, COMMENTS + 1)
            ]
        )
        await tx.connection.executemany(  # type: ignore[attr-defined]
            "INSERT INTO replies (comment_id, author_id, author_name, text, created_at)"
            " SELECT id, ?, 'Author', 'Thanks!', ? FROM comments WHERE guild_id = ? AND number = ?",
            [(server.author.id, STAMP, server.guild.id, n) for n in range(1, COMMENTS, 1_000)],
        )
    async with bot.workshop.db.read() as session:
        with pytest.raises(sqlite3.OperationalError, match="too many SQL variables"):
            await session.connection.execute_fetchall(  # type: ignore[attr-defined]
                f"SELECT {', '.join('?' * (LOW_LIMIT + 1))}", [0] * (LOW_LIMIT + 1)
            )

    listing = await server.reader.slash(thread, "comment list")
    page = listing.response.embeds[0].description
    assert "#1" in page and "1 reply" in page

    digest = await server.author.slash(server.channel, "digest excerpt", excerpt="1")
    attachments = digest.response.attachments
    assert len(attachments) == 1, digest.response.content
    markdown = (await attachments[0].read()).decode()
    assert f"{COMMENTS:,} comments" in digest.response.content
    assert "Note 32999." in markdown and "The first, by hand." in markdown
