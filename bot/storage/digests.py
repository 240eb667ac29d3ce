"""SQL for feedback digests: an excerpt's text and every thread on it, in a few queries.

A digest may cover 10,000 comments, so nothing here runs a query per comment:
comments and replies are fetched per *excerpt* (joins on indexed columns), and
any list of ids bound into a query is cut into chunks that stay well under
SQLite's limit on bound variables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

import aiosqlite

from bot.digest import ExcerptFeedback
from bot.models import Comment, Excerpt, Line, Reply

# The row shapes are the ones comments.py and excerpts.py read, so a schema change
# is made in one place.
from bot.storage.comments import _COMMENT_COLUMNS, _FROM_COMMENTS, _comment, _reply
from bot.storage.excerpts import _excerpt, _excerpt_columns, get_lines

# SQLite's default limit is 32,766 bound variables (999 before 3.32); 500 is safe everywhere.
CHUNK = 500

_REPLY_COLUMNS = "r.id, r.comment_id, r.author_id, r.author_name, r.text, r.created_at"


def _chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)]


def _marks(count: int) -> str:
    return ", ".join("?" * count)


async def excerpt_feedback(
    conn: aiosqlite.Connection, excerpt: Excerpt, revision: int | None = None
) -> ExcerptFeedback:
    """The excerpt's lines at ``revision`` (default: current) and all its comments and replies."""
    shown = excerpt.revision if revision is None else revision
    lines = await get_lines(conn, excerpt.id, shown)
    comments = await _comments_with_replies(conn, [excerpt.id], since=None)
    return ExcerptFeedback(
        excerpt=excerpt,
        lines=tuple(lines),
        revision=shown,
        comments=tuple(comments.get(excerpt.id, ())),
        origin_lines=await _outdated_origin_lines(conn, [excerpt.id]),
    )


async def author_feedback(
    conn: aiosqlite.Connection, guild_id: int, author_id: int, *, since: date | None = None
) -> list[ExcerptFeedback]:
    """Feedback on an author's live excerpts in a guild, oldest excerpt first.

    With ``since``, only threads with activity on or after that (UTC) day are
    kept: the comment itself or any reply to it. Such a thread keeps all its
    replies, since a new reply makes no sense without what it answers, and
    excerpts left without a thread are dropped.
    """
    rows = await conn.execute_fetchall(
        f"SELECT {_excerpt_columns('e')} FROM excerpts AS e"
        " WHERE e.guild_id = ? AND e.author_id = ? AND e.status != 'deleted'"
        " AND e.thread_id IS NOT NULL ORDER BY e.number",
        (guild_id, author_id),
    )
    excerpts = [_excerpt(row) for row in rows]
    comments = await _comments_with_replies(conn, [e.id for e in excerpts], since=since)
    if since is not None:
        excerpts = [excerpt for excerpt in excerpts if excerpt.id in comments]
    lines = await _current_lines(conn, [e.id for e in excerpts])
    origin_lines = await _outdated_origin_lines(conn, [e.id for e in excerpts])
    return [
        ExcerptFeedback(
            excerpt=excerpt,
            lines=tuple(lines.get(excerpt.id, ())),
            revision=excerpt.revision,
            comments=tuple(comments.get(excerpt.id, ())),
            origin_lines=origin_lines,
        )
        for excerpt in excerpts
    ]


async def author_excerpt_count(conn: aiosqlite.Connection, guild_id: int, author_id: int) -> int:
    """How many live excerpts an author has in a guild (uses ``excerpts_by_author``)."""
    rows = await conn.execute_fetchall(
        "SELECT COUNT(*) FROM excerpts WHERE guild_id = ? AND author_id = ?"
        " AND status != 'deleted' AND thread_id IS NOT NULL",
        (guild_id, author_id),
    )
    return int(next(iter(rows))[0])


async def guild_ids(conn: aiosqlite.Connection) -> list[int]:
    """Every guild with a posted excerpt, so an export can name the only one."""
    rows = await conn.execute_fetchall(
        "SELECT DISTINCT guild_id FROM excerpts WHERE thread_id IS NOT NULL ORDER BY guild_id"
    )
    return [int(row[0]) for row in rows]


async def _current_lines(
    conn: aiosqlite.Connection, excerpt_ids: Sequence[int]
) -> dict[int, list[Line]]:
    found: dict[int, list[Line]] = {}
    for chunk in _chunks(excerpt_ids):
        rows = await conn.execute_fetchall(
            "SELECT l.excerpt_id, l.number, l.text FROM lines AS l"
            " JOIN excerpts AS e ON e.id = l.excerpt_id AND e.revision = l.revision"
            f" WHERE l.excerpt_id IN ({_marks(len(chunk))}) ORDER BY l.excerpt_id, l.number",
            list(chunk),
        )
        for row in rows:
            found.setdefault(int(row[0]), []).append(Line(int(row[1]), str(row[2])))
    return found


async def _outdated_origin_lines(
    conn: aiosqlite.Connection, excerpt_ids: Sequence[int]
) -> dict[int, tuple[Line, ...]]:
    """comment id -> the lines an outdated comment was written on, as they read on its
    origin revision: the only place its text still exists. One query per chunk."""
    found: dict[int, list[Line]] = {}
    for chunk in _chunks(excerpt_ids):
        rows = await conn.execute_fetchall(
            "SELECT c.id, l.number, l.text FROM comments AS c JOIN lines AS l"
            " ON l.excerpt_id = c.excerpt_id AND l.revision = c.origin_revision"
            " AND l.number BETWEEN c.origin_line_start AND c.origin_line_end"
            f" WHERE c.excerpt_id IN ({_marks(len(chunk))}) AND c.anchor_state = 'outdated'"
            " ORDER BY c.id, l.number",
            list(chunk),
        )
        for row in rows:
            found.setdefault(int(row[0]), []).append(Line(int(row[1]), str(row[2])))
    return {comment_id: tuple(lines) for comment_id, lines in found.items()}


async def _comments_with_replies(
    conn: aiosqlite.Connection, excerpt_ids: Sequence[int], *, since: date | None
) -> dict[int, list[Comment]]:
    """excerpt id -> its comments (those with activity since ``since``), replies attached.

    Two queries per chunk of excerpts whatever the number of comments: replies
    are found through their comment's excerpt, not by listing comment ids.
    """
    # Timestamps are stored as ISO text in UTC, so every moment of the day or later
    # sorts at or after the bare date: no parsing, and naive or aware rows both work.
    day = None if since is None else since.isoformat()
    by_excerpt: dict[int, list[Comment]] = {}
    replies: dict[int, list[Reply]] = {}
    for chunk in _chunks(excerpt_ids):
        marks = _marks(len(chunk))
        rows = await conn.execute_fetchall(
            f"SELECT {_COMMENT_COLUMNS} {_FROM_COMMENTS}"
            " WHERE (? IS NULL OR c.created_at >= ? OR EXISTS (SELECT 1 FROM replies AS r"
            "  WHERE r.comment_id = c.id AND r.created_at >= ?))"
            f" AND c.excerpt_id IN ({marks}) ORDER BY c.number",
            [day, day, day, *chunk],
        )
        for row in rows:
            comment = _comment(row)
            by_excerpt.setdefault(comment.excerpt_id, []).append(comment)
        rows = await conn.execute_fetchall(
            f"SELECT {_REPLY_COLUMNS} FROM replies AS r JOIN comments AS c ON c.id = r.comment_id"
            f" WHERE c.excerpt_id IN ({marks}) ORDER BY r.id",
            list(chunk),
        )
        for row in rows:
            reply = _reply(row)
            replies.setdefault(reply.comment_id, []).append(reply)
    # Most comments have no reply; copying only those that do keeps 10,000 cheap.
    return {
        excerpt_id: [
            replace(c, replies=tuple(replies[c.id])) if c.id in replies else c for c in comments
        ]
        for excerpt_id, comments in by_excerpt.items()
    }
