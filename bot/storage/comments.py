"""SQL for comments and replies, inside one session (see :class:`bot.storage.database.Database`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bot.models import Anchor, AnchorState, Comment, CommentKind, CommentStatus, Reply, Viewer
from bot.storage import _rows
from bot.storage._dialect import SQLITE, Connection, Dialect
from bot.storage._rows import COMMENT_COLUMNS, COMMENT_FIELDS, FROM_COMMENTS, REPLY_FIELDS
from bot.storage._sql import SEARCH_WINDOW, chunks, marks, search_terms, visible_to

# The comment a retried submission would repeat; parameters as in insert_comment.
# Found by comments_recent_by_author (the member's last few minutes on the excerpt); the
# lines are compared, not searched by ("+"), or SQLite would walk every comment on them.
_SAME_COMMENT = """
    FROM comments
    WHERE excerpt_id = ?2 AND author_id = ?3 AND created_at >= ?16
        AND +line_start = ?6 AND +line_end = ?7
        AND text = ?5 AND quote IS NOT DISTINCT FROM ?8
        AND suggestion IS NOT DISTINCT FROM ?13
"""
# The reply a retried submission would repeat; parameters as in insert_reply.
_SAME_REPLY = """
    FROM replies
    WHERE comment_id = ?1 AND author_id = ?2 AND text = ?4 AND created_at >= ?6
"""

# The comments /comment list shows, before its order (parameters by name).
_LISTED = f"""
    SELECT {COMMENT_COLUMNS} {FROM_COMMENTS}
    WHERE c.excerpt_id = :excerpt_id
        AND (CAST(:first_line AS INTEGER) IS NULL OR c.line_end >= :first_line)
        AND (CAST(:last_line AS INTEGER) IS NULL OR c.line_start <= :last_line)
        AND (CAST(:status AS TEXT) IS NULL OR c.status = :status)
        AND (CAST(:origin_revision AS INTEGER) IS NULL OR c.origin_revision = :origin_revision)
        AND (CAST(:kind AS TEXT) IS NULL OR c.kind = :kind)
"""

# Where a comment stands in list order: (outdated, first line, number).
ListKey = tuple[bool, int, int]


def list_key(comment: Comment) -> ListKey:
    """The keyset position right after ``comment`` in /comment list order."""
    return (
        comment.anchor_state is AnchorState.OUTDATED,
        comment.anchor.line_start,
        comment.number,
    )


class SqliteComments:
    """Comments and their replies, in one SQLite session."""

    def __init__(self, conn: Connection, dialect: Dialect = SQLITE) -> None:
        self._conn = conn
        self._dialect = dialect

    async def insert_comment(
        self,
        *,
        guild_id: int,
        excerpt_id: int,
        excerpt_number: int,
        revision: int,
        author_id: int,
        author_name: str,
        text: str,
        anchor: Anchor,
        suggestion: str | None,
        now: datetime,
        retry_window: timedelta | None = None,
        kind: CommentKind | None = None,
        review_id: int | None = None,
    ) -> tuple[Comment, bool]:
        """Insert in one statement, so it is atomic and durable on its own: the number comes
        from the guild's sequence, which a trigger advances (see migration 0001). The quote
        is kept twice: ``quote`` follows the anchor, ``origin_quote`` keeps the reader's phrase.

        A retried submission (the same member, excerpt, anchor, text and suggestion within
        ``retry_window``, as when Discord showed "did not respond" and the member sent it
        again) inserts nothing: the same statement sees the stored one, which is returned
        with False instead of True. No window: always insert."""
        insert_comment = f"""
            INSERT INTO comments (guild_id, number, excerpt_id, author_id, author_name, text,
                line_start, line_end, quote, quote_line, quote_offset, prefix, suffix, suggestion,
                revision, origin_revision, origin_line_start, origin_line_end,
                created_at, updated_at, origin_quote, kind, review_id)
            SELECT ?1, 1 + COALESCE((SELECT last_value FROM guild_sequences
                                     WHERE guild_id = ?1 AND kind = 'comment'), 0),
                ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14, ?6, ?7, ?15, ?15, ?8,
                ?17, ?18
            WHERE NOT EXISTS (SELECT 1 {_SAME_COMMENT})
            RETURNING {COMMENT_FIELDS}
        """
        stored_comment = f"SELECT {COMMENT_FIELDS} {_SAME_COMMENT} ORDER BY id DESC LIMIT 1"
        parameters = (
            guild_id,
            excerpt_id,
            author_id,
            author_name,
            text,
            *_rows.anchor_values(anchor),
            suggestion,
            revision,
            now.isoformat(),
            None if retry_window is None else (now - retry_window).isoformat(),
            None if kind is None else kind.value,
            review_id,
        )
        rows = await self._conn.execute_fetchall(insert_comment, parameters)
        inserted = True
        row = next(iter(rows), None)
        if row is None:
            inserted = False
            rows = await self._conn.execute_fetchall(stored_comment, parameters[:16])
            row = next(iter(rows))
        return _rows.comment(row, excerpt_number), inserted

    async def get_comment_by_id(self, comment_id: int) -> Comment | None:
        comment_by_id = f"SELECT {COMMENT_COLUMNS} {FROM_COMMENTS} WHERE c.id = ?"
        rows = await self._conn.execute_fetchall(comment_by_id, (comment_id,))
        return next((_rows.comment(row) for row in rows), None)

    async def get_comment(self, guild_id: int, number: int) -> Comment | None:
        get_comment = f"""
            SELECT {COMMENT_COLUMNS} {FROM_COMMENTS} WHERE c.guild_id = ? AND c.number = ?
        """
        rows = await self._conn.execute_fetchall(get_comment, (guild_id, number))
        return next((_rows.comment(row) for row in rows), None)

    async def attach_replies(self, comments: Sequence[Comment]) -> list[Comment]:
        """The same comments, each with its replies in order."""
        if not comments:
            return []
        by_comment: dict[int, list[Reply]] = {comment.id: [] for comment in comments}
        # Chunked so a digest of thousands of comments stays under SQLite's variable limit.
        for chunk in chunks(list(by_comment)):
            replies_of = f"""
                SELECT {REPLY_FIELDS} FROM replies
                WHERE comment_id IN ({marks(len(chunk))})
                ORDER BY id
            """
            async for row in _rows.sliced(await self._conn.execute_fetchall(replies_of, chunk)):
                by_comment[int(row["comment_id"])].append(_rows.reply(row))
        return [replace(comment, replies=tuple(by_comment[comment.id])) for comment in comments]

    async def insert_reply(
        self,
        *,
        comment_id: int,
        author_id: int,
        author_name: str,
        text: str,
        now: datetime,
        retry_window: timedelta | None = None,
    ) -> tuple[Reply, bool]:
        """Like :meth:`insert_comment`: a retried reply returns the stored one, with False."""
        insert_reply = f"""
            INSERT INTO replies (comment_id, author_id, author_name, text, created_at)
            SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS (SELECT 1 {_SAME_REPLY})
            RETURNING {REPLY_FIELDS}
        """
        stored_reply = f"SELECT {REPLY_FIELDS} {_SAME_REPLY} ORDER BY id DESC LIMIT 1"
        since = None if retry_window is None else (now - retry_window).isoformat()
        parameters = (comment_id, author_id, author_name, text, now.isoformat(), since)
        row = next(iter(await self._conn.execute_fetchall(insert_reply, parameters)), None)
        if row is not None:
            return _rows.reply(row), True
        rows = await self._conn.execute_fetchall(stored_reply, parameters)
        return _rows.reply(next(iter(rows))), False

    async def set_comment_card(self, comment_id: int, message_id: int) -> None:
        set_card = "UPDATE comments SET card_message_id = ? WHERE id = ?"
        await self._conn.execute(set_card, (message_id, comment_id))

    async def set_reply_card(self, reply_id: int, message_id: int) -> None:
        set_card = "UPDATE replies SET card_message_id = ? WHERE id = ?"
        await self._conn.execute(set_card, (message_id, reply_id))

    async def set_comment_status(
        self,
        comment_id: int,
        status: CommentStatus,
        resolved_by_id: int | None,
        now: datetime,
    ) -> None:
        # Reopening an applied comment makes it an open suggestion again.
        set_status = """
            UPDATE comments SET status = ?1, resolved_by_id = ?2, updated_at = ?3,
                applied_at = CASE WHEN ?1 = 'open' THEN NULL ELSE applied_at END,
                applied_revision = CASE WHEN ?1 = 'open' THEN NULL ELSE applied_revision END
            WHERE id = ?4
        """
        await self._conn.execute(
            set_status, (status.value, resolved_by_id, now.isoformat(), comment_id)
        )

    async def mark_applied(
        self, comment_ids: Sequence[int], applied_by_id: int, revision: int, now: datetime
    ) -> None:
        """These comments' suggestions went into ``revision``: each becomes resolved (the
        kept counts follow) and applied."""
        mark_applied = """
            UPDATE comments SET status = 'resolved', resolved_by_id = ?, applied_at = ?,
                applied_revision = ?, updated_at = ?
            WHERE id = ?
        """
        stamp = now.isoformat()
        await self._conn.executemany(
            mark_applied,
            [(applied_by_id, stamp, revision, stamp, comment_id) for comment_id in comment_ids],
        )

    async def update_comment_text(self, comment_id: int, text: str, now: datetime) -> None:
        update_text = "UPDATE comments SET text = ?1, updated_at = ?2, edited_at = ?2 WHERE id = ?3"
        await self._conn.execute(update_text, (text, now.isoformat(), comment_id))

    async def delete_comment(self, comment_id: int) -> None:
        await self._conn.execute("DELETE FROM comments WHERE id = ?", (comment_id,))

    async def list_comments(
        self,
        excerpt_id: int,
        *,
        first_line: int | None = None,
        last_line: int | None = None,
        status: CommentStatus | None = None,
        origin_revision: int | None = None,
        after: ListKey | None = None,
        limit: int | None = None,
        kind: CommentKind | None = None,
    ) -> list[Comment]:
        """Comments of an excerpt in line order (outdated ones last), optionally those
        touching a line range or those written on one revision; with ``limit``, one page
        of them following ``after`` (see :func:`list_key`)."""
        filters = {
            "excerpt_id": excerpt_id,
            "first_line": first_line,
            "last_line": last_line,
            "status": None if status is None else status.value,
            "origin_revision": origin_revision,
            "kind": None if kind is None else kind.value,
        }
        if limit is None:
            rows = await self._conn.execute_fetchall(
                f"{_LISTED} ORDER BY c.anchor_state = 'outdated', c.line_start, c.number",
                filters,
            )
            return await _rows.comments(rows)
        # Keyset paging along comments_in_list_order: one index range per part (current
        # anchors, then outdated ones), so a later page costs what the first one does.
        outdated, line, number = after if after is not None else (False, 0, 0)
        found: list[Comment] = []
        for part in (False, True):
            if part < outdated or len(found) >= limit:
                continue
            page_part = f"""
                {_LISTED} AND (c.anchor_state = 'outdated') = :outdated
                    AND (c.line_start, c.number) > (:after_line, :after_number)
                ORDER BY c.line_start, c.number LIMIT :limit
            """
            start_line, start_number = (line, number) if part == outdated else (0, 0)
            rows = await self._conn.execute_fetchall(
                page_part,
                {
                    **filters,
                    "outdated": part,
                    "after_line": start_line,
                    "after_number": start_number,
                    "limit": limit - len(found),
                },
            )
            found.extend(await _rows.comments(rows))
        return found

    async def comments_to_carry(self, excerpt_id: int) -> list[Comment]:
        """Comments a new revision must re-anchor: all that are not already outdated."""
        comments_to_carry = f"""
            SELECT {COMMENT_COLUMNS} {FROM_COMMENTS}
            WHERE c.excerpt_id = ? AND c.anchor_state != 'outdated'
            ORDER BY c.number
        """
        rows = await self._conn.execute_fetchall(comments_to_carry, (excerpt_id,))
        return await _rows.comments(rows)

    async def open_suggestions(self, excerpt_id: int) -> list[Comment]:
        """An excerpt's open comments that carry a suggestion, by number."""
        open_suggestions = f"""
            SELECT {COMMENT_COLUMNS} {FROM_COMMENTS}
            WHERE c.excerpt_id = ? AND c.status = 'open' AND c.suggestion IS NOT NULL
            ORDER BY c.number
        """
        rows = await self._conn.execute_fetchall(open_suggestions, (excerpt_id,))
        return await _rows.comments(rows)

    async def comments_by_numbers(self, guild_id: int, numbers: Sequence[int]) -> list[Comment]:
        """The comments of a server with these numbers (missing ones left out), by number."""
        found: list[Comment] = []
        for chunk in chunks(list(numbers)):
            by_numbers = f"""
                SELECT {COMMENT_COLUMNS} {FROM_COMMENTS}
                WHERE c.guild_id = ? AND c.number IN ({marks(len(chunk))})
            """
            rows = await self._conn.execute_fetchall(by_numbers, (guild_id, *chunk))
            found.extend(await _rows.comments(rows))
        return sorted(found, key=lambda comment: comment.number)

    async def move_anchors(
        self,
        moves: Sequence[tuple[int, Anchor, AnchorState, int]],
        now: datetime,
    ) -> None:
        """Apply (comment id, anchor, state, revision) for many comments at once."""
        move_anchor = """
            UPDATE comments SET line_start = ?, line_end = ?, quote = ?, quote_line = ?,
                quote_offset = ?, prefix = ?, suffix = ?, anchor_state = ?, revision = ?,
                updated_at = ?
            WHERE id = ?
        """
        stamp = now.isoformat()
        await self._conn.executemany(
            move_anchor,
            [
                (*_rows.anchor_values(anchor), state.value, revision, stamp, comment_id)
                for comment_id, anchor, state, revision in moves
            ],
        )

    async def count_replies(self, comment_ids: Sequence[int]) -> dict[int, int]:
        """comment id -> how many replies it has (comments without any are left out)."""
        counts: dict[int, int] = {}
        for chunk in chunks(comment_ids):
            count_replies = f"""
                SELECT comment_id, COUNT(*) AS replies FROM replies
                WHERE comment_id IN ({marks(len(chunk))})
                GROUP BY comment_id
            """
            for row in await self._conn.execute_fetchall(count_replies, list(chunk)):
                counts[int(row["comment_id"])] = int(row["replies"])
        return counts

    async def search_comments(
        self,
        guild_id: int,
        typed: str,
        *,
        excerpt_id: int | None,
        limit: int,
        viewer: Viewer | None = None,
    ) -> list[Comment]:
        """Comments for autocomplete on excerpts ``viewer`` can see, newest first: the one
        whose number was typed, and among the newest :data:`SEARCH_WINDOW` of the scope (the
        excerpt, else the server) those whose number starts with it or whose text holds it.

        Bounded whatever is stored: the number is one indexed lookup and the text filter
        reads one window of rows through an index, never the whole table. (An excerpt's
        window sorts that excerpt's entries of ``comments_by_excerpt``: 30 ms at 30,000
        comments; an index on ``(excerpt_id, number)`` would make it one page too.)"""
        number, number_prefix, text_pattern = search_terms(typed)
        visible, visible_params = visible_to(viewer, "e", self._dialect)
        scope = "excerpt_id = ?" if excerpt_id is not None else "guild_id = ?"
        search_comments = f"""
            SELECT {COMMENT_COLUMNS} {FROM_COMMENTS}
            WHERE c.id IN (
                SELECT id FROM comments WHERE guild_id = ? AND number = ?
                UNION
                SELECT id FROM comments
                WHERE id IN (SELECT id FROM comments WHERE {scope} ORDER BY number DESC LIMIT ?)
                    AND (text LIKE ? ESCAPE '\\' OR CAST(number AS TEXT) LIKE ?)
            ){visible}
            ORDER BY c.number = ? DESC, c.number DESC LIMIT ?
        """
        rows = await self._conn.execute_fetchall(
            search_comments,
            (
                guild_id,
                number,
                guild_id if excerpt_id is None else excerpt_id,
                SEARCH_WINDOW,
                text_pattern,
                number_prefix,
                *visible_params,
                number,
                limit,
            ),
        )
        return await _rows.comments(rows)

    async def bulk_insert_comments(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Load many comments at once (benchmarks, imports). Each row holds, in order:
        guild_id, number, excerpt_id, author_id, author_name, text, line_start, line_end,
        revision, created_at."""
        bulk_insert = """
            INSERT INTO comments (guild_id, number, excerpt_id, author_id, author_name, text,
                line_start, line_end, revision, origin_revision, origin_line_start,
                origin_line_end, created_at, updated_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?7, ?8, ?10, ?10)
        """
        await self._conn.executemany(bulk_insert, rows)
