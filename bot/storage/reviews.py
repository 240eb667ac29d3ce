"""SQL for reviews and their drafts, inside one session."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from bot.models import Anchor, CommentKind, Draft, Review, ReviewStatus
from bot.storage import _rows
from bot.storage._dialect import Connection
from bot.storage._rows import optional_int

_REVIEW_COLUMNS = "id, guild_id, excerpt_id, reader_id, status, summary, created_at, touched_at"
_DRAFT_COLUMNS = (
    "id, review_id, reply_to, author_name, text, kind, line_start, line_end, quote,"
    " quote_line, quote_offset, prefix, suffix, suggestion, revision, created_at"
)


def _review(row: sqlite3.Row) -> Review:
    return Review(
        id=int(row["id"]),
        guild_id=int(row["guild_id"]),
        excerpt_id=int(row["excerpt_id"]),
        reader_id=int(row["reader_id"]),
        status=ReviewStatus(row["status"]),
        summary=row["summary"],
        created_at=datetime.fromisoformat(row["created_at"]),
        touched_at=datetime.fromisoformat(row["touched_at"]),
    )


def _draft(row: sqlite3.Row) -> Draft:
    return Draft(
        id=int(row["id"]),
        review_id=int(row["review_id"]),
        reply_to=optional_int(row["reply_to"]),
        author_name=str(row["author_name"]),
        text=str(row["text"]),
        kind=None if row["kind"] is None else CommentKind(row["kind"]),
        anchor=_rows.anchor(row),
        suggestion=row["suggestion"],
        revision=int(row["revision"]),
        created_at=datetime.fromisoformat(row["created_at"]),
    )


class SqliteReviews:
    """Reviews and drafts, in one SQLite session."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def open_review(
        self, *, guild_id: int, excerpt_id: int, reader_id: int, now: datetime
    ) -> Review:
        open_review = f"""
            INSERT INTO reviews (guild_id, excerpt_id, reader_id, created_at, touched_at)
            VALUES (?1, ?2, ?3, ?4, ?4)
            RETURNING {_REVIEW_COLUMNS}
        """
        rows = await self._conn.execute_fetchall(
            open_review, (guild_id, excerpt_id, reader_id, now.isoformat())
        )
        return _review(next(iter(rows)))

    async def open_review_of(self, reader_id: int, excerpt_id: int) -> Review | None:
        """The reader's open review of an excerpt (one indexed lookup: the hot path asks)."""
        open_review_of = f"""
            SELECT {_REVIEW_COLUMNS} FROM reviews
            WHERE reader_id = ? AND excerpt_id = ? AND status = 'open'
        """
        rows = await self._conn.execute_fetchall(open_review_of, (reader_id, excerpt_id))
        return next((_review(row) for row in rows), None)

    async def open_reviews(self, guild_id: int, reader_id: int) -> list[tuple[Review, int]]:
        """A reader's open reviews in a server, with their excerpts' numbers."""
        open_reviews = """
            SELECT r.id, r.guild_id, r.excerpt_id, r.reader_id, r.status, r.summary,
                r.created_at, r.touched_at, e.number AS excerpt_number
            FROM reviews AS r JOIN excerpts AS e ON e.id = r.excerpt_id
            WHERE r.reader_id = ? AND r.status = 'open' AND r.guild_id = ?
            ORDER BY e.number
        """
        rows = await self._conn.execute_fetchall(open_reviews, (reader_id, guild_id))
        return [(_review(row), int(row["excerpt_number"])) for row in rows]

    async def add_draft(
        self,
        *,
        review_id: int,
        reply_to: int | None,
        author_name: str,
        text: str,
        kind: CommentKind | None,
        anchor: Anchor,
        suggestion: str | None,
        revision: int,
        now: datetime,
    ) -> int:
        """Store a draft and touch its review; returns how many drafts it now holds."""
        add_draft = """
            INSERT INTO review_drafts (review_id, reply_to, author_name, text, kind, line_start,
                line_end, quote, quote_line, quote_offset, prefix, suffix, suggestion, revision,
                created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
        stamp = now.isoformat()
        await self._conn.execute(
            add_draft,
            (
                review_id,
                reply_to,
                author_name,
                text,
                None if kind is None else kind.value,
                *_rows.anchor_values(anchor),
                suggestion,
                revision,
                stamp,
            ),
        )
        touch = "UPDATE reviews SET touched_at = ? WHERE id = ?"
        await self._conn.execute(touch, (stamp, review_id))
        count = "SELECT COUNT(*) AS drafts FROM review_drafts WHERE review_id = ?"
        rows = await self._conn.execute_fetchall(count, (review_id,))
        return int(next(iter(rows))["drafts"])

    async def drafts(self, review_id: int) -> list[Draft]:
        """A review's drafts: comments in line order, then replies in the order written."""
        drafts = f"""
            SELECT {_DRAFT_COLUMNS} FROM review_drafts WHERE review_id = ?
            ORDER BY reply_to IS NOT NULL, line_start, line_end, id
        """
        rows = await self._conn.execute_fetchall(drafts, (review_id,))
        return [_draft(row) for row in rows]

    async def finish(
        self, review_id: int, status: ReviewStatus, summary: str | None, now: datetime
    ) -> None:
        """Close a review (its drafts go: submitted ones are comments by now)."""
        finish = """
            UPDATE reviews SET status = ?, summary = ?, touched_at = ?,
                told = CASE WHEN ? = 'expired' THEN 0 ELSE 1 END
            WHERE id = ?
        """
        await self._conn.execute(
            finish, (status.value, summary, now.isoformat(), status.value, review_id)
        )
        await self._conn.execute("DELETE FROM review_drafts WHERE review_id = ?", (review_id,))

    async def stale_reviews(self, untouched_since: datetime, limit: int) -> list[Review]:
        stale = f"""
            SELECT {_REVIEW_COLUMNS} FROM reviews
            WHERE status = 'open' AND touched_at < ? ORDER BY touched_at LIMIT ?
        """
        rows = await self._conn.execute_fetchall(stale, (untouched_since.isoformat(), limit))
        return [_review(row) for row in rows]

    async def oldest_open_touch(self) -> datetime | None:
        """When the least recently touched open review was last touched (an index lookup)."""
        oldest = "SELECT MIN(touched_at) AS touched FROM reviews WHERE status = 'open'"
        row = next(iter(await self._conn.execute_fetchall(oldest)), None)
        return (
            None
            if row is None or row["touched"] is None
            else datetime.fromisoformat(row["touched"])
        )

    async def untold_expired(self) -> list[tuple[int, int, int]]:
        """(reader, guild, excerpt number) of expired reviews their reader was not told of."""
        untold = """
            SELECT r.reader_id, r.guild_id, e.number AS excerpt_number
            FROM reviews AS r JOIN excerpts AS e ON e.id = r.excerpt_id
            WHERE r.told = 0
        """
        rows = await self._conn.execute_fetchall(untold)
        return [
            (int(row["reader_id"]), int(row["guild_id"]), int(row["excerpt_number"]))
            for row in rows
        ]

    async def mark_told(self, reader_id: int) -> None:
        told = "UPDATE reviews SET told = 1 WHERE reader_id = ? AND told = 0"
        await self._conn.execute(told, (reader_id,))

    async def get_review(self, review_id: int) -> Review | None:
        get_review = f"SELECT {_REVIEW_COLUMNS} FROM reviews WHERE id = ?"
        rows = await self._conn.execute_fetchall(get_review, (review_id,))
        return next((_review(row) for row in rows), None)

    async def set_cards(self, placed: Sequence[tuple[int, int]]) -> None:
        """(comment id, message id): where each submitted comment is shown."""
        set_card = "UPDATE comments SET card_message_id = ? WHERE id = ?"
        await self._conn.executemany(
            set_card, [(message_id, comment_id) for comment_id, message_id in placed]
        )
