"""SQL for excerpts, their revisions, lines and posted messages.

:class:`SqliteExcerpts` works inside the session it was made for (see
:class:`bot.storage.database.Database`), so the caller decides what one user
action is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.models import Excerpt, ExcerptStatus, ExcerptSummary, Line, PostedMessage, Viewer
from bot.storage import _rows
from bot.storage._dialect import SQLITE, Connection, Dialect
from bot.storage._rows import E_EXCERPT_COLUMNS, EXCERPT_COLUMNS
from bot.storage._sql import SEARCH_WINDOW, next_number, search_terms, visible_to


class SqliteExcerpts:
    """Excerpts, revisions, lines and posted messages, in one SQLite session."""

    def __init__(self, conn: Connection, dialect: Dialect = SQLITE) -> None:
        self._conn = conn
        self._dialect = dialect

    async def insert_excerpt(
        self,
        *,
        guild_id: int,
        title: str,
        author_id: int,
        author_name: str,
        channel_id: int,
        content_warning: str | None,
        lines: Sequence[str],
        word_count: int,
        now: datetime,
    ) -> Excerpt:
        """Store a new, not yet posted excerpt with its first revision."""
        insert_excerpt = f"""
            INSERT INTO excerpts (guild_id, number, title, author_id, author_name, channel_id,
                content_warning, word_count, line_count, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            RETURNING {EXCERPT_COLUMNS}
        """
        number = await next_number(self._conn, guild_id, "excerpt")
        stamp = now.isoformat()
        rows = await self._conn.execute_fetchall(
            insert_excerpt,
            (
                guild_id,
                number,
                title,
                author_id,
                author_name,
                channel_id,
                content_warning,
                word_count,
                len(lines),
                stamp,
                stamp,
            ),
        )
        excerpt = _rows.excerpt(next(iter(rows)))
        await self.insert_revision(excerpt.id, 1, lines, word_count, now)
        return excerpt

    async def insert_revision(
        self,
        excerpt_id: int,
        revision: int,
        lines: Sequence[str],
        word_count: int,
        now: datetime,
    ) -> None:
        insert_revision = """
            INSERT INTO revisions (excerpt_id, number, line_count, word_count, created_at)
            VALUES (?, ?, ?, ?, ?)
        """
        insert_line = "INSERT INTO lines (excerpt_id, revision, number, text) VALUES (?, ?, ?, ?)"
        await self._conn.execute(
            insert_revision, (excerpt_id, revision, len(lines), word_count, now.isoformat())
        )
        await self._conn.executemany(
            insert_line,
            [(excerpt_id, revision, index, text) for index, text in enumerate(lines, start=1)],
        )

    async def mark_posted(
        self,
        excerpt_id: int,
        revision: int,
        thread_id: int,
        messages: Iterable[PostedMessage],
    ) -> None:
        set_thread = "UPDATE excerpts SET thread_id = ? WHERE id = ?"
        await self._conn.execute(set_thread, (thread_id, excerpt_id))
        await self.record_messages(excerpt_id, revision, messages)

    async def record_messages(
        self,
        excerpt_id: int,
        revision: int,
        messages: Iterable[PostedMessage],
    ) -> None:
        record_message = """
            INSERT INTO excerpt_messages
                (message_id, excerpt_id, revision, first_line, last_line)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (message_id) DO UPDATE SET excerpt_id = excluded.excerpt_id,
                revision = excluded.revision, first_line = excluded.first_line,
                last_line = excluded.last_line
        """
        await self._conn.executemany(
            record_message,
            [(m.message_id, excerpt_id, revision, m.first_line, m.last_line) for m in messages],
        )

    async def posted_ranges(self, excerpt_id: int, revision: int) -> list[tuple[int, int]]:
        """(first, last) lines of each message recorded as showing a revision, in posting order."""
        posted_ranges = """
            SELECT first_line, last_line FROM excerpt_messages
            WHERE excerpt_id = ? AND revision = ?
            ORDER BY message_id
        """
        rows = await self._conn.execute_fetchall(posted_ranges, (excerpt_id, revision))
        return [(int(row["first_line"]), int(row["last_line"])) for row in rows]

    async def delete_unposted(self, excerpt_id: int) -> None:
        """Undo an excerpt whose posting failed; its lines go with it."""
        delete_unposted = "DELETE FROM excerpts WHERE id = ? AND thread_id IS NULL"
        await self._conn.execute(delete_unposted, (excerpt_id,))

    async def purge_unposted(self) -> int:
        """Remove excerpts a crash left unposted: their author was never told they exist."""
        purge_unposted = "DELETE FROM excerpts WHERE thread_id IS NULL"
        cursor = await self._conn.execute(purge_unposted)
        return int(cursor.rowcount)

    async def get_excerpt(self, guild_id: int, number: int) -> Excerpt | None:
        get_excerpt = f"""
            SELECT {EXCERPT_COLUMNS} FROM excerpts
            WHERE guild_id = ? AND number = ? AND thread_id IS NOT NULL
            {self._dialect.lock("excerpts")}
        """
        rows = await self._conn.execute_fetchall(get_excerpt, (guild_id, number))
        return next((_rows.excerpt(row) for row in rows), None)

    async def get_excerpt_with_lines(
        self,
        guild_id: int,
        first: int,
        last: int,
        *,
        number: int | None = None,
        thread_id: int | None = None,
    ) -> tuple[Excerpt | None, list[Line]]:
        """An excerpt (by number, else by its thread) and lines first..last of its current
        revision, in one query."""
        match, key = (
            ("e.number = ?", number) if number is not None else ("e.thread_id = ?", thread_id)
        )
        excerpt_with_lines = f"""
            SELECT {E_EXCERPT_COLUMNS}, l.number AS line_number, l.text AS line_text
            FROM excerpts AS e
            LEFT JOIN lines AS l ON l.excerpt_id = e.id AND l.revision = e.revision
                AND l.number BETWEEN ? AND ?
            WHERE e.guild_id = ? AND {match} AND e.thread_id IS NOT NULL
            ORDER BY l.number{self._dialect.lock("e")}
        """
        rows = list(
            await self._conn.execute_fetchall(excerpt_with_lines, (first, last, guild_id, key))
        )
        if not rows:
            return None, []
        lines = [_rows.line(row, "line_") for row in rows if row["line_number"] is not None]
        return _rows.excerpt(rows[0]), lines

    async def get_excerpt_by_thread(self, guild_id: int, thread_id: int) -> Excerpt | None:
        excerpt_by_thread = f"""
            SELECT {EXCERPT_COLUMNS} FROM excerpts
            WHERE thread_id = ? AND guild_id = ?{self._dialect.lock("excerpts")}
        """
        rows = await self._conn.execute_fetchall(excerpt_by_thread, (thread_id, guild_id))
        return next((_rows.excerpt(row) for row in rows), None)

    async def get_message_lines(
        self, guild_id: int, message_id: int
    ) -> tuple[Excerpt, int, int, int, int | None] | None:
        """The excerpt, revision and line range a posted bot message shows, and the first
        message of the excerpt's current revision (to point from an older one to it)."""
        message_lines = f"""
            SELECT m.revision AS shown_revision, m.first_line, m.last_line,
                (SELECT c.message_id FROM excerpt_messages AS c
                 WHERE c.excerpt_id = e.id AND c.revision = e.revision
                 ORDER BY c.first_line, c.message_id LIMIT 1) AS current_message_id,
                {E_EXCERPT_COLUMNS}
            FROM excerpt_messages AS m JOIN excerpts AS e ON e.id = m.excerpt_id
            WHERE m.message_id = ? AND e.guild_id = ?
        """
        rows = await self._conn.execute_fetchall(message_lines, (message_id, guild_id))
        for row in rows:
            current = None if row["current_message_id"] is None else int(row["current_message_id"])
            return (
                _rows.excerpt(row),
                int(row["shown_revision"]),
                int(row["first_line"]),
                int(row["last_line"]),
                current,
            )
        return None

    async def get_lines(
        self,
        excerpt_id: int,
        revision: int,
        first: int = 1,
        last: int | None = None,
    ) -> list[Line]:
        get_lines = """
            SELECT number, text FROM lines
            WHERE excerpt_id = ? AND revision = ? AND number BETWEEN ? AND ?
            ORDER BY number
        """
        rows = await self._conn.execute_fetchall(
            get_lines, (excerpt_id, revision, first, last if last is not None else 2**62)
        )
        return [_rows.line(row) for row in rows]

    async def set_current_revision(
        self,
        excerpt_id: int,
        revision: int,
        line_count: int,
        word_count: int,
        now: datetime,
    ) -> None:
        set_current_revision = """
            UPDATE excerpts SET revision = ?, line_count = ?, word_count = ?, updated_at = ?
            WHERE id = ?
        """
        await self._conn.execute(
            set_current_revision, (revision, line_count, word_count, now.isoformat(), excerpt_id)
        )

    async def list_excerpts(
        self,
        guild_id: int,
        *,
        author_id: int | None = None,
        viewer: Viewer | None = None,
        before: int | None = None,
        limit: int | None = None,
    ) -> list[ExcerptSummary]:
        """Live excerpts of a guild ``viewer`` can see, newest first, with comment counts:
        those numbered below ``before`` (keyset paging), at most ``limit`` of them."""
        visible, visible_params = visible_to(viewer, "e", self._dialect)
        # The counts are kept by triggers (migration 0006): one page reads one page of rows.
        list_excerpts = f"""
            SELECT {E_EXCERPT_COLUMNS}, e.open_comments, e.resolved_comments
            FROM excerpts AS e
            WHERE e.guild_id = ? AND e.number < ? AND e.status != 'deleted'
                AND e.thread_id IS NOT NULL
                AND (CAST(? AS INTEGER) IS NULL OR e.author_id = ?){visible}
            ORDER BY e.number DESC
            LIMIT ?
        """
        rows = await self._conn.execute_fetchall(
            list_excerpts,
            (
                guild_id,
                before if before is not None else 2**62,
                author_id,
                author_id,
                *visible_params,
                limit if limit is not None else 2**62,
            ),
        )
        return [
            ExcerptSummary(
                _rows.excerpt(row), int(row["open_comments"]), int(row["resolved_comments"])
            )
            for row in rows
        ]

    async def count_excerpts(
        self,
        guild_id: int,
        *,
        author_id: int | None = None,
        viewer: Viewer | None = None,
        cap: int,
    ) -> int:
        """How many excerpts :meth:`list_excerpts` would list, counting no further than
        ``cap`` (a page counter needs no more, and the count stays bounded)."""
        visible, visible_params = visible_to(viewer, "e", self._dialect)
        count_excerpts = f"""
            SELECT COUNT(*) AS listed FROM (
                SELECT 1 FROM excerpts AS e
                WHERE e.guild_id = ? AND e.status != 'deleted' AND e.thread_id IS NOT NULL
                    AND (CAST(? AS INTEGER) IS NULL OR e.author_id = ?){visible}
                LIMIT ?
            ) AS listed_rows
        """
        rows = await self._conn.execute_fetchall(
            count_excerpts, (guild_id, author_id, author_id, *visible_params, cap)
        )
        return int(next(iter(rows))["listed"])

    async def search_excerpts(
        self,
        guild_id: int,
        typed: str,
        limit: int,
        viewer: Viewer | None = None,
    ) -> list[tuple[int, str, str]]:
        """(number, title, author) of live excerpts ``viewer`` can see, newest first: the one
        whose number was typed, and among the server's newest :data:`SEARCH_WINDOW` those
        whose number starts with it or whose title holds it (bounded, as comment search)."""
        number, number_prefix, title_pattern = search_terms(typed)
        visible, visible_params = visible_to(viewer, "", self._dialect)
        search_excerpts = f"""
            SELECT number, title, author_name FROM excerpts
            WHERE id IN (
                SELECT id FROM excerpts WHERE guild_id = ? AND number = ?
                UNION
                SELECT id FROM (
                    SELECT id, number, title FROM excerpts WHERE guild_id = ?
                    ORDER BY number DESC LIMIT ?
                ) AS newest
                WHERE title LIKE ? ESCAPE '\\' OR CAST(number AS TEXT) LIKE ?
            ) AND status != 'deleted' AND thread_id IS NOT NULL{visible}
            ORDER BY number = ? DESC, number DESC LIMIT ?
        """
        rows = await self._conn.execute_fetchall(
            search_excerpts,
            (
                guild_id,
                number,
                guild_id,
                SEARCH_WINDOW,
                title_pattern,
                number_prefix,
                *visible_params,
                number,
                limit,
            ),
        )
        return [(int(row["number"]), str(row["title"]), str(row["author_name"])) for row in rows]

    async def set_status(self, excerpt_id: int, status: ExcerptStatus, now: datetime) -> None:
        set_status = "UPDATE excerpts SET status = ?, updated_at = ? WHERE id = ?"
        await self._conn.execute(set_status, (status.value, now.isoformat(), excerpt_id))

    async def delete_excerpt(self, excerpt_id: int, now: datetime) -> None:
        """Remove the text and all feedback; keep a tombstone so the id is never reused
        and a stale reference gets 'was deleted' rather than a confusing 'not found'."""
        for delete_feedback in (
            "DELETE FROM comments WHERE excerpt_id = ?",
            "DELETE FROM revisions WHERE excerpt_id = ?",
            "DELETE FROM excerpt_messages WHERE excerpt_id = ?",
        ):
            await self._conn.execute(delete_feedback, (excerpt_id,))
        await self.set_status(excerpt_id, ExcerptStatus.DELETED, now)

    async def comment_counts(self, excerpt_id: int) -> tuple[int, int]:
        """(open, resolved) comments of an excerpt, as the triggers of migration 0006 keep them."""
        comment_counts = "SELECT open_comments, resolved_comments FROM excerpts WHERE id = ?"
        rows = await self._conn.execute_fetchall(comment_counts, (excerpt_id,))
        for row in rows:
            return int(row["open_comments"]), int(row["resolved_comments"])
        return 0, 0

    async def comment_counts_by_line(
        self, excerpt_id: int, first: int, last: int
    ) -> dict[int, tuple[int, int]]:
        """line -> (open, resolved) for comments covering lines first..last: a range comment
        counts on every line it spans, not only its first."""
        # One row per distinct (clipped range, status): a handful however many comments.
        # No comment spans more than widest_comment_span lines (kept by migration 0006), so
        # the index range on line_start stays near the lines asked for.
        counts_by_range = """
            SELECT CASE WHEN line_start > ?1 THEN line_start ELSE ?1 END AS first_line,
                CASE WHEN line_end < ?2 THEN line_end ELSE ?2 END AS last_line, status,
                COUNT(*) AS comments
            FROM comments
            WHERE excerpt_id = ?3 AND line_start <= ?2 AND line_end >= ?1
                AND anchor_state != 'outdated'
                AND line_start >= ?1 - (SELECT widest_comment_span FROM excerpts WHERE id = ?3)
            GROUP BY 1, 2, 3
        """
        rows = await self._conn.execute_fetchall(counts_by_range, (first, last, excerpt_id))
        counts: dict[int, list[int]] = {}
        for row in rows:
            slot = 0 if row["status"] == "open" else 1
            for line in range(int(row["first_line"]), int(row["last_line"]) + 1):
                counts.setdefault(line, [0, 0])[slot] += int(row["comments"])
        return {line: (pair[0], pair[1]) for line, pair in counts.items()}
