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

from bot.models import Comment, Excerpt, ExcerptFeedback, Line, Reply
from bot.storage import _rows
from bot.storage._dialect import SQLITE, Connection, Dialect
from bot.storage._rows import COMMENT_COLUMNS, E_EXCERPT_COLUMNS, FROM_COMMENTS, R_REPLY_COLUMNS
from bot.storage._sql import chunks, marks


class SqliteFeedback:
    """Everything a feedback digest shows, in one SQLite session."""

    def __init__(self, conn: Connection, dialect: Dialect = SQLITE) -> None:
        self._conn = conn
        self._dialect = dialect

    async def excerpt_feedback(
        self, excerpt: Excerpt, revision: int | None = None
    ) -> ExcerptFeedback:
        """The excerpt's lines at ``revision`` (default: current), all its comments and replies."""
        lines_of_revision = """
            SELECT number, text FROM lines WHERE excerpt_id = ? AND revision = ? ORDER BY number
        """
        shown = excerpt.revision if revision is None else revision
        rows = await self._conn.execute_fetchall(lines_of_revision, (excerpt.id, shown))
        comments = await self._comments_with_replies([excerpt.id], since=None)
        return ExcerptFeedback(
            excerpt=excerpt,
            lines=tuple(_rows.line(row) for row in rows),
            revision=shown,
            comments=tuple(comments.get(excerpt.id, ())),
            origin_lines=await self._outdated_origin_lines([excerpt.id]),
        )

    async def author_feedback(
        self, guild_id: int, author_id: int, *, since: date | None = None
    ) -> list[ExcerptFeedback]:
        """Feedback on an author's live excerpts in a guild, oldest excerpt first.

        With ``since``, only threads with activity on or after that (UTC) day are
        kept: the comment itself or any reply to it. Such a thread keeps all its
        replies, since a new reply makes no sense without what it answers, and
        excerpts left without a thread are dropped.
        """
        authors_excerpts = f"""
            SELECT {E_EXCERPT_COLUMNS} FROM excerpts AS e
            WHERE e.guild_id = ? AND e.author_id = ? AND e.status != 'deleted'
                AND e.thread_id IS NOT NULL
            ORDER BY e.number
        """
        rows = await self._conn.execute_fetchall(authors_excerpts, (guild_id, author_id))
        excerpts = [_rows.excerpt(row) for row in rows]
        comments = await self._comments_with_replies([e.id for e in excerpts], since=since)
        if since is not None:
            excerpts = [excerpt for excerpt in excerpts if excerpt.id in comments]
        lines = await self._current_lines([e.id for e in excerpts])
        origin_lines = await self._outdated_origin_lines([e.id for e in excerpts])
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

    async def author_excerpt_count(self, guild_id: int, author_id: int) -> int:
        """How many live excerpts an author has in a guild (uses ``excerpts_by_author``)."""
        count_authors_excerpts = """
            SELECT COUNT(*) AS excerpts FROM excerpts
            WHERE guild_id = ? AND author_id = ? AND status != 'deleted'
                AND thread_id IS NOT NULL
        """
        rows = await self._conn.execute_fetchall(count_authors_excerpts, (guild_id, author_id))
        return int(next(iter(rows))["excerpts"])

    async def guild_ids(self) -> list[int]:
        """Every guild with a posted excerpt, so an export can name the only one."""
        guild_ids = """
            SELECT DISTINCT guild_id FROM excerpts WHERE thread_id IS NOT NULL ORDER BY guild_id
        """
        rows = await self._conn.execute_fetchall(guild_ids)
        return [int(row["guild_id"]) for row in rows]

    async def _current_lines(self, excerpt_ids: Sequence[int]) -> dict[int, list[Line]]:
        found: dict[int, list[Line]] = {}
        for chunk in chunks(excerpt_ids):
            current_lines = f"""
                SELECT l.excerpt_id, l.number, l.text FROM lines AS l
                JOIN excerpts AS e ON e.id = l.excerpt_id AND e.revision = l.revision
                WHERE l.excerpt_id IN ({marks(len(chunk))})
                ORDER BY l.excerpt_id, l.number
            """
            for row in await self._conn.execute_fetchall(current_lines, list(chunk)):
                found.setdefault(int(row["excerpt_id"]), []).append(_rows.line(row))
        return found

    async def _outdated_origin_lines(
        self, excerpt_ids: Sequence[int]
    ) -> dict[int, tuple[Line, ...]]:
        """comment id -> the lines an outdated comment was written on, as they read on its
        origin revision: the only place its text still exists. One query per chunk."""
        found: dict[int, list[Line]] = {}
        for chunk in chunks(excerpt_ids):
            origin_lines = f"""
                SELECT c.id AS comment_id, l.number, l.text
                FROM comments AS c JOIN lines AS l
                    ON l.excerpt_id = c.excerpt_id AND l.revision = c.origin_revision
                    AND l.number BETWEEN c.origin_line_start AND c.origin_line_end
                WHERE c.excerpt_id IN ({marks(len(chunk))}) AND c.anchor_state = 'outdated'
                ORDER BY c.id, l.number
            """
            for row in await self._conn.execute_fetchall(origin_lines, list(chunk)):
                found.setdefault(int(row["comment_id"]), []).append(_rows.line(row))
        return {comment_id: tuple(lines) for comment_id, lines in found.items()}

    async def _comments_with_replies(
        self, excerpt_ids: Sequence[int], *, since: date | None
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
        for chunk in chunks(excerpt_ids):
            active_comments = f"""
                SELECT {COMMENT_COLUMNS} {FROM_COMMENTS}
                WHERE (CAST(? AS TEXT) IS NULL OR c.created_at >= ? OR EXISTS (
                        SELECT 1 FROM replies AS r
                        WHERE r.comment_id = c.id AND r.created_at >= ?))
                    AND c.excerpt_id IN ({marks(len(chunk))})
                ORDER BY c.number
            """
            replies_on_excerpts = f"""
                SELECT {R_REPLY_COLUMNS}
                FROM replies AS r JOIN comments AS c ON c.id = r.comment_id
                WHERE c.excerpt_id IN ({marks(len(chunk))})
                ORDER BY r.id
            """
            for row in await self._conn.execute_fetchall(active_comments, [day, day, day, *chunk]):
                comment = _rows.comment(row)
                by_excerpt.setdefault(comment.excerpt_id, []).append(comment)
            for row in await self._conn.execute_fetchall(replies_on_excerpts, list(chunk)):
                reply = _rows.reply(row)
                replies.setdefault(reply.comment_id, []).append(reply)
        # Most comments have no reply; copying only those that do keeps 10,000 cheap.
        return {
            excerpt_id: [
                replace(c, replies=tuple(replies[c.id])) if c.id in replies else c for c in comments
            ]
            for excerpt_id, comments in by_excerpt.items()
        }
