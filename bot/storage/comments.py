"""SQL for comments and replies. Functions take the connection of an open transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import aiosqlite

from bot.models import Anchor, AnchorState, Comment, CommentStatus, Reply, Viewer
from bot.storage.excerpts import escape_like, visible_to

_FIELDS = (
    "id, guild_id, number, excerpt_id, author_id, author_name, text, line_start, line_end,"
    " quote, quote_line, quote_offset, prefix, suffix, suggestion, status, anchor_state,"
    " revision, origin_revision, origin_line_start, origin_line_end, created_at, updated_at,"
    " resolved_by_id, card_message_id, edited_at, origin_quote"
)
# The excerpt's user-visible number rides along at index 4, after excerpt_id.
_COMMENT_COLUMNS = ", ".join(
    [f"c.{name.strip()}" for name in _FIELDS.split(",")[:4]]
    + ["e.number"]
    + [f"c.{name.strip()}" for name in _FIELDS.split(",")[4:]]
)
_FROM_COMMENTS = "FROM comments AS c JOIN excerpts AS e ON e.id = c.excerpt_id"


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _comment(row: Sequence[Any]) -> Comment:
    return Comment(
        id=int(row[0]),
        guild_id=int(row[1]),
        number=int(row[2]),
        excerpt_id=int(row[3]),
        excerpt_number=int(row[4]),
        author_id=int(row[5]),
        author_name=str(row[6]),
        text=str(row[7]),
        anchor=Anchor(
            line_start=int(row[8]),
            line_end=int(row[9]),
            quote=row[10],
            quote_line=_optional_int(row[11]),
            quote_offset=_optional_int(row[12]),
            prefix=str(row[13]),
            suffix=str(row[14]),
        ),
        suggestion=row[15],
        status=CommentStatus(row[16]),
        anchor_state=AnchorState(row[17]),
        revision=int(row[18]),
        origin_revision=int(row[19]),
        origin_line_start=int(row[20]),
        origin_line_end=int(row[21]),
        created_at=datetime.fromisoformat(row[22]),
        updated_at=datetime.fromisoformat(row[23]),
        resolved_by_id=_optional_int(row[24]),
        card_message_id=_optional_int(row[25]),
        edited_at=None if row[26] is None else datetime.fromisoformat(row[26]),
        origin_quote=row[27],
    )


def _anchor_values(anchor: Anchor) -> tuple[Any, ...]:
    """An anchor's columns, in table order: line_start … suffix."""
    return (
        anchor.line_start,
        anchor.line_end,
        anchor.quote,
        anchor.quote_line,
        anchor.quote_offset,
        anchor.prefix,
        anchor.suffix,
    )


def _reply(row: Sequence[Any]) -> Reply:
    """A reply from its columns in _REPLY_FIELDS order (digests select all but the card)."""
    return Reply(
        id=int(row[0]),
        comment_id=int(row[1]),
        author_id=int(row[2]),
        author_name=str(row[3]),
        text=str(row[4]),
        created_at=datetime.fromisoformat(row[5]),
        card_message_id=_optional_int(row[6]) if len(row) > 6 else None,
    )


_REPLY_FIELDS = "id, comment_id, author_id, author_name, text, created_at, card_message_id"


async def insert_comment(
    conn: aiosqlite.Connection,
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
) -> tuple[Comment, bool]:
    """Insert in one statement, so it is atomic and durable on its own: the number comes
    from the guild's sequence, which a trigger advances (see migration 0001). The quote
    is kept twice: ``quote`` follows the anchor, ``origin_quote`` keeps the reader's phrase.

    A retried submission (the same member, excerpt, anchor, text and suggestion within
    ``retry_window``, as when Discord showed "did not respond" and the member sent it
    again) inserts nothing: the same statement sees the stored one, which is returned
    with False instead of True. No window: always insert."""
    parameters = (
        guild_id,
        excerpt_id,
        author_id,
        author_name,
        text,
        *_anchor_values(anchor),
        suggestion,
        revision,
        now.isoformat(),
        None if retry_window is None else (now - retry_window).isoformat(),
    )
    rows = await conn.execute_fetchall(
        "INSERT INTO comments (guild_id, number, excerpt_id, author_id, author_name, text,"
        " line_start, line_end, quote, quote_line, quote_offset, prefix, suffix, suggestion,"
        " revision, origin_revision, origin_line_start, origin_line_end, created_at, updated_at,"
        " origin_quote)"
        " SELECT ?1, 1 + COALESCE((SELECT last_value FROM guild_sequences"
        "  WHERE guild_id = ?1 AND kind = 'comment'), 0),"
        " ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14, ?6, ?7, ?15, ?15, ?8"
        f" WHERE NOT EXISTS (SELECT 1 {_SAME_COMMENT})"
        f" RETURNING {_FIELDS}",
        parameters,
    )
    inserted = True
    row = next(iter(rows), None)
    if row is None:
        inserted = False
        rows = await conn.execute_fetchall(
            f"SELECT {_FIELDS} {_SAME_COMMENT} ORDER BY id DESC LIMIT 1", parameters
        )
        row = next(iter(rows))
    values = list(row)
    return _comment([*values[:4], excerpt_number, *values[4:]]), inserted


# The comment a retried submission would repeat; parameters as in insert_comment.
_SAME_COMMENT = (
    "FROM comments WHERE excerpt_id = ?2 AND line_start = ?6 AND line_end = ?7"
    " AND author_id = ?3 AND text = ?5 AND quote IS ?8 AND suggestion IS ?13"
    " AND created_at >= ?16"
)


async def get_comment_by_id(conn: aiosqlite.Connection, comment_id: int) -> Comment | None:
    rows = await conn.execute_fetchall(
        f"SELECT {_COMMENT_COLUMNS} {_FROM_COMMENTS} WHERE c.id = ?", (comment_id,)
    )
    return next((_comment(row) for row in rows), None)


async def get_comment(
    conn: aiosqlite.Connection, guild_id: int, number: int, *, with_replies: bool = False
) -> Comment | None:
    rows = await conn.execute_fetchall(
        f"SELECT {_COMMENT_COLUMNS} {_FROM_COMMENTS} WHERE c.guild_id = ? AND c.number = ?",
        (guild_id, number),
    )
    comment = next((_comment(row) for row in rows), None)
    if comment is None or not with_replies:
        return comment
    return (await attach_replies(conn, [comment]))[0]


async def attach_replies(conn: aiosqlite.Connection, comments: Sequence[Comment]) -> list[Comment]:
    """The same comments, each with its replies in order."""
    if not comments:
        return []
    by_comment: dict[int, list[Reply]] = {comment.id: [] for comment in comments}
    # Chunked so a digest of thousands of comments stays under SQLite's variable limit.
    ids = list(by_comment)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        placeholders = ", ".join("?" * len(chunk))
        rows = await conn.execute_fetchall(
            f"SELECT {_REPLY_FIELDS} FROM replies WHERE comment_id IN ({placeholders}) ORDER BY id",
            chunk,
        )
        for row in rows:
            by_comment[int(row[1])].append(_reply(row))
    return [replace(comment, replies=tuple(by_comment[comment.id])) for comment in comments]


async def insert_reply(
    conn: aiosqlite.Connection,
    *,
    comment_id: int,
    author_id: int,
    author_name: str,
    text: str,
    now: datetime,
    retry_window: timedelta | None = None,
) -> tuple[Reply, bool]:
    """Like :func:`insert_comment`: a retried reply returns the stored one, with False."""
    parameters = (comment_id, author_id, author_name, text, now.isoformat())
    since = None if retry_window is None else (now - retry_window).isoformat()
    same = (
        "FROM replies WHERE comment_id = ?1 AND author_id = ?2 AND text = ?4 AND created_at >= ?6"
    )
    rows = await conn.execute_fetchall(
        "INSERT INTO replies (comment_id, author_id, author_name, text, created_at)"
        f" SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS (SELECT 1 {same})"
        f" RETURNING {_REPLY_FIELDS}",
        (*parameters, since),
    )
    row = next(iter(rows), None)
    if row is not None:
        return _reply(row), True
    rows = await conn.execute_fetchall(
        f"SELECT {_REPLY_FIELDS} {same} ORDER BY id DESC LIMIT 1", (*parameters, since)
    )
    return _reply(next(iter(rows))), False


async def set_comment_card(conn: aiosqlite.Connection, comment_id: int, message_id: int) -> None:
    await conn.execute(
        "UPDATE comments SET card_message_id = ? WHERE id = ?", (message_id, comment_id)
    )


async def set_reply_card(conn: aiosqlite.Connection, reply_id: int, message_id: int) -> None:
    await conn.execute(
        "UPDATE replies SET card_message_id = ? WHERE id = ?", (message_id, reply_id)
    )


async def set_comment_status(
    conn: aiosqlite.Connection,
    comment_id: int,
    status: CommentStatus,
    resolved_by_id: int | None,
    now: datetime,
) -> None:
    await conn.execute(
        "UPDATE comments SET status = ?, resolved_by_id = ?, updated_at = ? WHERE id = ?",
        (status.value, resolved_by_id, now.isoformat(), comment_id),
    )


async def update_comment_text(
    conn: aiosqlite.Connection, comment_id: int, text: str, now: datetime
) -> None:
    await conn.execute(
        "UPDATE comments SET text = ?1, updated_at = ?2, edited_at = ?2 WHERE id = ?3",
        (text, now.isoformat(), comment_id),
    )


async def delete_comment(conn: aiosqlite.Connection, comment_id: int) -> None:
    await conn.execute("DELETE FROM comments WHERE id = ?", (comment_id,))


async def list_comments(
    conn: aiosqlite.Connection,
    excerpt_id: int,
    *,
    first_line: int | None = None,
    last_line: int | None = None,
    status: CommentStatus | None = None,
    origin_revision: int | None = None,
) -> list[Comment]:
    """Comments of an excerpt in line order, optionally those touching a line range
    or those written on one revision."""
    rows = await conn.execute_fetchall(
        f"SELECT {_COMMENT_COLUMNS} {_FROM_COMMENTS}"
        " WHERE c.excerpt_id = ?"
        " AND (? IS NULL OR c.line_end >= ?) AND (? IS NULL OR c.line_start <= ?)"
        " AND (? IS NULL OR c.status = ?)"
        " AND (? IS NULL OR c.origin_revision = ?)"
        " ORDER BY c.anchor_state = 'outdated', c.line_start, c.number",
        (
            excerpt_id,
            first_line,
            first_line,
            last_line,
            last_line,
            None if status is None else status.value,
            None if status is None else status.value,
            origin_revision,
            origin_revision,
        ),
    )
    return [_comment(row) for row in rows]


async def comments_to_carry(conn: aiosqlite.Connection, excerpt_id: int) -> list[Comment]:
    """Comments a new revision must re-anchor: all that are not already outdated."""
    rows = await conn.execute_fetchall(
        f"SELECT {_COMMENT_COLUMNS} {_FROM_COMMENTS}"
        " WHERE c.excerpt_id = ? AND c.anchor_state != 'outdated' ORDER BY c.number",
        (excerpt_id,),
    )
    return [_comment(row) for row in rows]


async def move_anchors(
    conn: aiosqlite.Connection,
    moves: Sequence[tuple[int, Anchor, AnchorState, int]],
    now: datetime,
) -> None:
    """Apply (comment id, anchor, state, revision) for many comments at once."""
    stamp = now.isoformat()
    await conn.executemany(
        "UPDATE comments SET line_start = ?, line_end = ?, quote = ?, quote_line = ?,"
        " quote_offset = ?, prefix = ?, suffix = ?, anchor_state = ?, revision = ?,"
        " updated_at = ? WHERE id = ?",
        [
            (
                *_anchor_values(anchor),
                state.value,
                revision,
                stamp,
                comment_id,
            )
            for comment_id, anchor, state, revision in moves
        ],
    )


async def count_replies(conn: aiosqlite.Connection, comment_ids: Sequence[int]) -> dict[int, int]:
    if not comment_ids:
        return {}
    placeholders = ", ".join("?" * len(comment_ids))
    rows = await conn.execute_fetchall(
        f"SELECT comment_id, COUNT(*) FROM replies WHERE comment_id IN ({placeholders})"
        " GROUP BY comment_id",
        list(comment_ids),
    )
    return {int(row[0]): int(row[1]) for row in rows}


async def search_comments(
    conn: aiosqlite.Connection,
    guild_id: int,
    typed: str,
    *,
    excerpt_id: int | None,
    limit: int,
    viewer: Viewer | None = None,
) -> list[Comment]:
    """Comments for autocomplete on excerpts ``viewer`` can see: by number prefix or words
    of the text, newest first."""
    digits = typed.lstrip("#").strip()
    number_pattern = f"{digits}%" if digits.isdigit() else None
    text_pattern = f"%{escape_like(typed.strip())}%"
    visible, visible_params = visible_to(viewer, "e")
    rows = await conn.execute_fetchall(
        f"SELECT {_COMMENT_COLUMNS} {_FROM_COMMENTS}"
        " WHERE c.guild_id = ? AND (? IS NULL OR c.excerpt_id = ?)"
        " AND (CAST(c.number AS TEXT) LIKE ? OR c.text LIKE ? ESCAPE '\\')"
        f"{visible} ORDER BY c.number DESC LIMIT ?",
        (guild_id, excerpt_id, excerpt_id, number_pattern, text_pattern, *visible_params, limit),
    )
    return [_comment(row) for row in rows]


async def bulk_insert_comments(conn: aiosqlite.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Load many comments at once (benchmarks, imports). Each row holds, in order:
    guild_id, number, excerpt_id, author_id, author_name, text, line_start, line_end,
    revision, created_at."""
    await conn.executemany(
        "INSERT INTO comments (guild_id, number, excerpt_id, author_id, author_name, text,"
        " line_start, line_end, revision, origin_revision, origin_line_start, origin_line_end,"
        " created_at, updated_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?7, ?8, ?10, ?10)",
        rows,
    )
