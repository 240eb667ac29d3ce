"""SQL for excerpts, their revisions, lines and posted messages.

Every function takes the connection of an open transaction (see
:class:`bot.storage.database.Database`) so the caller decides what one user
action is.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.models import Excerpt, ExcerptStatus, Line, Viewer

_EXCERPT_COLUMNS = (
    "id, guild_id, number, title, author_id, author_name, channel_id, thread_id, revision,"
    " status, content_warning, word_count, line_count, created_at, updated_at"
)


@dataclass(frozen=True, slots=True)
class ExcerptSummary:
    excerpt: Excerpt
    open_comments: int
    resolved_comments: int


@dataclass(frozen=True, slots=True)
class PostedMessage:
    message_id: int
    first_line: int
    last_line: int


def _excerpt(row: Sequence[Any]) -> Excerpt:
    return Excerpt(
        id=int(row[0]),
        guild_id=int(row[1]),
        number=int(row[2]),
        title=str(row[3]),
        author_id=int(row[4]),
        author_name=str(row[5]),
        channel_id=int(row[6]),
        thread_id=None if row[7] is None else int(row[7]),
        revision=int(row[8]),
        status=ExcerptStatus(row[9]),
        content_warning=None if row[10] is None else str(row[10]),
        word_count=int(row[11]),
        line_count=int(row[12]),
        created_at=datetime.fromisoformat(str(row[13])),
        updated_at=datetime.fromisoformat(str(row[14])),
    )


async def next_number(conn: aiosqlite.Connection, guild_id: int, kind: str) -> int:
    """Allocate the next user-visible id of ``kind`` in a guild; never reused."""
    rows = await conn.execute_fetchall(
        "INSERT INTO guild_sequences (guild_id, kind, last_value) VALUES (?, ?, 1)"
        " ON CONFLICT (guild_id, kind) DO UPDATE SET last_value = last_value + 1"
        " RETURNING last_value",
        (guild_id, kind),
    )
    return int(next(iter(rows))[0])


async def insert_excerpt(
    conn: aiosqlite.Connection,
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
    number = await next_number(conn, guild_id, "excerpt")
    stamp = now.isoformat()
    rows = await conn.execute_fetchall(
        "INSERT INTO excerpts (guild_id, number, title, author_id, author_name, channel_id,"
        " content_warning, word_count, line_count, created_at, updated_at)"
        f" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {_EXCERPT_COLUMNS}",
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
    excerpt = _excerpt(next(iter(rows)))
    await insert_revision(conn, excerpt.id, 1, lines, word_count, now)
    return excerpt


async def insert_revision(
    conn: aiosqlite.Connection,
    excerpt_id: int,
    revision: int,
    lines: Sequence[str],
    word_count: int,
    now: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO revisions (excerpt_id, number, line_count, word_count, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (excerpt_id, revision, len(lines), word_count, now.isoformat()),
    )
    await conn.executemany(
        "INSERT INTO lines (excerpt_id, revision, number, text) VALUES (?, ?, ?, ?)",
        [(excerpt_id, revision, index, text) for index, text in enumerate(lines, start=1)],
    )


async def mark_posted(
    conn: aiosqlite.Connection,
    excerpt_id: int,
    revision: int,
    thread_id: int,
    messages: Iterable[PostedMessage],
) -> None:
    await conn.execute("UPDATE excerpts SET thread_id = ? WHERE id = ?", (thread_id, excerpt_id))
    await record_messages(conn, excerpt_id, revision, messages)


async def record_messages(
    conn: aiosqlite.Connection,
    excerpt_id: int,
    revision: int,
    messages: Iterable[PostedMessage],
) -> None:
    await conn.executemany(
        "INSERT OR REPLACE INTO excerpt_messages"
        " (message_id, excerpt_id, revision, first_line, last_line) VALUES (?, ?, ?, ?, ?)",
        [(m.message_id, excerpt_id, revision, m.first_line, m.last_line) for m in messages],
    )


async def posted_ranges(
    conn: aiosqlite.Connection, excerpt_id: int, revision: int
) -> list[tuple[int, int]]:
    """(first, last) lines of each message recorded as showing a revision, in posting order."""
    rows = await conn.execute_fetchall(
        "SELECT first_line, last_line FROM excerpt_messages"
        " WHERE excerpt_id = ? AND revision = ? ORDER BY message_id",
        (excerpt_id, revision),
    )
    return [(int(row[0]), int(row[1])) for row in rows]


async def delete_unposted(conn: aiosqlite.Connection, excerpt_id: int) -> None:
    """Undo an excerpt whose posting failed; its lines go with it."""
    await conn.execute("DELETE FROM excerpts WHERE id = ? AND thread_id IS NULL", (excerpt_id,))


async def purge_unposted(conn: aiosqlite.Connection) -> int:
    """Remove excerpts a crash left unposted: their author was never told they exist."""
    cursor = await conn.execute("DELETE FROM excerpts WHERE thread_id IS NULL")
    return cursor.rowcount


async def get_excerpt(conn: aiosqlite.Connection, guild_id: int, number: int) -> Excerpt | None:
    rows = await conn.execute_fetchall(
        f"SELECT {_EXCERPT_COLUMNS} FROM excerpts"
        " WHERE guild_id = ? AND number = ? AND thread_id IS NOT NULL",
        (guild_id, number),
    )
    return next((_excerpt(row) for row in rows), None)


async def get_excerpt_with_lines(
    conn: aiosqlite.Connection,
    guild_id: int,
    first: int,
    last: int,
    *,
    number: int | None = None,
    thread_id: int | None = None,
) -> tuple[Excerpt | None, list[Line]]:
    """An excerpt (by number, else by its thread) and lines first..last of its current
    revision, in one query."""
    match, key = ("e.number = ?", number) if number is not None else ("e.thread_id = ?", thread_id)
    rows = await conn.execute_fetchall(
        f"SELECT {_excerpt_columns('e')}, l.number, l.text FROM excerpts AS e"
        " LEFT JOIN lines AS l ON l.excerpt_id = e.id AND l.revision = e.revision"
        " AND l.number BETWEEN ? AND ?"
        f" WHERE e.guild_id = ? AND {match} AND e.thread_id IS NOT NULL"
        " ORDER BY l.number",
        (first, last, guild_id, key),
    )
    rows = list(rows)
    if not rows:
        return None, []
    lines = [Line(int(row[15]), str(row[16])) for row in rows if row[15] is not None]
    return _excerpt(rows[0][:15]), lines


async def get_excerpt_by_thread(
    conn: aiosqlite.Connection, guild_id: int, thread_id: int
) -> Excerpt | None:
    rows = await conn.execute_fetchall(
        f"SELECT {_EXCERPT_COLUMNS} FROM excerpts WHERE thread_id = ? AND guild_id = ?",
        (thread_id, guild_id),
    )
    return next((_excerpt(row) for row in rows), None)


async def get_message_lines(
    conn: aiosqlite.Connection, guild_id: int, message_id: int
) -> tuple[Excerpt, int, int, int, int | None] | None:
    """The excerpt, revision and line range a posted bot message shows, and the first
    message of the excerpt's current revision (to point from an older one to it)."""
    rows = await conn.execute_fetchall(
        f"SELECT m.revision, m.first_line, m.last_line,"
        " (SELECT c.message_id FROM excerpt_messages AS c"
        "  WHERE c.excerpt_id = e.id AND c.revision = e.revision"
        "  ORDER BY c.first_line, c.message_id LIMIT 1),"
        f" {_excerpt_columns('e')}"
        " FROM excerpt_messages AS m JOIN excerpts AS e ON e.id = m.excerpt_id"
        " WHERE m.message_id = ? AND e.guild_id = ?",
        (message_id, guild_id),
    )
    for row in rows:
        current = None if row[3] is None else int(row[3])
        return _excerpt(row[4:]), int(row[0]), int(row[1]), int(row[2]), current
    return None


@functools.cache
def _excerpt_columns(alias: str) -> str:
    return ", ".join(f"{alias}.{name.strip()}" for name in _EXCERPT_COLUMNS.split(","))


async def get_lines(
    conn: aiosqlite.Connection,
    excerpt_id: int,
    revision: int,
    first: int = 1,
    last: int | None = None,
) -> list[Line]:
    rows = await conn.execute_fetchall(
        "SELECT number, text FROM lines WHERE excerpt_id = ? AND revision = ?"
        " AND number BETWEEN ? AND ? ORDER BY number",
        (excerpt_id, revision, first, last if last is not None else 2**62),
    )
    return [Line(int(row[0]), str(row[1])) for row in rows]


async def set_current_revision(
    conn: aiosqlite.Connection,
    excerpt_id: int,
    revision: int,
    line_count: int,
    word_count: int,
    now: datetime,
) -> None:
    await conn.execute(
        "UPDATE excerpts SET revision = ?, line_count = ?, word_count = ?, updated_at = ?"
        " WHERE id = ?",
        (revision, line_count, word_count, now.isoformat(), excerpt_id),
    )


async def list_revisions(conn: aiosqlite.Connection, excerpt_id: int) -> list[int]:
    rows = await conn.execute_fetchall(
        "SELECT number FROM revisions WHERE excerpt_id = ? ORDER BY number", (excerpt_id,)
    )
    return [int(row[0]) for row in rows]


def visible_to(viewer: Viewer | None, alias: str = "") -> tuple[str, tuple[str, ...]]:
    """An ``AND ...`` clause keeping the excerpts ``viewer`` can see, with its parameters.

    The ids travel as one JSON array each (``json_each``), so a server with thousands of
    channels needs no chunking and LIMIT/paging apply to what the member can see.
    ``None`` (the operator) sees everything.
    """
    if viewer is None:
        return "", ()
    prefix = f"{alias}." if alias else ""
    return (
        f" AND {prefix}channel_id IN (SELECT value FROM json_each(?))"
        f" AND ({prefix}thread_id IS NULL"
        f" OR {prefix}thread_id NOT IN (SELECT value FROM json_each(?)))",
        (json.dumps(sorted(viewer.channel_ids)), json.dumps(sorted(viewer.hidden_thread_ids))),
    )


async def list_excerpts(
    conn: aiosqlite.Connection,
    guild_id: int,
    *,
    author_id: int | None = None,
    viewer: Viewer | None = None,
) -> list[ExcerptSummary]:
    """Live excerpts of a guild ``viewer`` can see, newest first, with comment counts."""
    visible, visible_params = visible_to(viewer, "e")
    rows = await conn.execute_fetchall(
        f"SELECT {_excerpt_columns('e')},"
        " (SELECT COUNT(*) FROM comments c WHERE c.excerpt_id = e.id AND c.status = 'open'),"
        " (SELECT COUNT(*) FROM comments c WHERE c.excerpt_id = e.id AND c.status = 'resolved')"
        " FROM excerpts AS e"
        " WHERE e.guild_id = ? AND e.status != 'deleted' AND e.thread_id IS NOT NULL"
        " AND (? IS NULL OR e.author_id = ?)"
        f"{visible} ORDER BY e.number DESC",
        (guild_id, author_id, author_id, *visible_params),
    )
    return [ExcerptSummary(_excerpt(row[:15]), int(row[15]), int(row[16])) for row in rows]


async def search_excerpts(
    conn: aiosqlite.Connection,
    guild_id: int,
    typed: str,
    limit: int,
    viewer: Viewer | None = None,
) -> list[tuple[int, str, str]]:
    """(number, title, author) of live excerpts ``viewer`` can see, by number or title."""
    pattern = f"%{escape_like(typed)}%"
    visible, visible_params = visible_to(viewer)
    rows = await conn.execute_fetchall(
        "SELECT number, title, author_name FROM excerpts"
        " WHERE guild_id = ? AND status != 'deleted' AND thread_id IS NOT NULL"
        " AND (title LIKE ? ESCAPE '\\' OR CAST(number AS TEXT) LIKE ? ESCAPE '\\')"
        f"{visible} ORDER BY number DESC LIMIT ?",
        (guild_id, pattern, f"{escape_like(typed)}%", *visible_params, limit),
    )
    return [(int(row[0]), str(row[1]), str(row[2])) for row in rows]


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def set_status(
    conn: aiosqlite.Connection, excerpt_id: int, status: ExcerptStatus, now: datetime
) -> None:
    await conn.execute(
        "UPDATE excerpts SET status = ?, updated_at = ? WHERE id = ?",
        (status.value, now.isoformat(), excerpt_id),
    )


async def delete_excerpt(conn: aiosqlite.Connection, excerpt_id: int, now: datetime) -> None:
    """Remove the text and all feedback; keep a tombstone so the id is never reused
    and a stale reference gets 'was deleted' rather than a confusing 'not found'."""
    await conn.execute("DELETE FROM comments WHERE excerpt_id = ?", (excerpt_id,))
    await conn.execute("DELETE FROM revisions WHERE excerpt_id = ?", (excerpt_id,))
    await conn.execute("DELETE FROM excerpt_messages WHERE excerpt_id = ?", (excerpt_id,))
    await set_status(conn, excerpt_id, ExcerptStatus.DELETED, now)


async def comment_counts_by_line(
    conn: aiosqlite.Connection, excerpt_id: int, first: int, last: int
) -> dict[int, tuple[int, int]]:
    """line -> (open, resolved) for comments covering lines first..last: a range comment
    counts on every line it spans, not only its first."""
    # One row per distinct (clipped range, status): a handful however many comments.
    rows = await conn.execute_fetchall(
        "SELECT MAX(line_start, ?1), MIN(line_end, ?2), status, COUNT(*) FROM comments"
        " WHERE excerpt_id = ?3 AND line_start <= ?2 AND line_end >= ?1"
        " AND anchor_state != 'outdated'"
        " GROUP BY 1, 2, 3",
        (first, last, excerpt_id),
    )
    counts: dict[int, list[int]] = {}
    for start, end, status, count in rows:
        slot = 0 if status == "open" else 1
        for line in range(int(start), int(end) + 1):
            counts.setdefault(line, [0, 0])[slot] += int(count)
    return {line: (pair[0], pair[1]) for line, pair in counts.items()}
