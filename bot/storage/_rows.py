"""Rows to records, by column name (package-private).

Each record type is read from a row in exactly one function here; the statements
that produce it select the columns named beside it. Rows are ``sqlite3.Row``
(the connection's row factory), so a column is read by its name or ``AS`` alias.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import UTC, date, datetime, time
from typing import Any, TypeVar

from bot.models import (
    Anchor,
    AnchorState,
    Comment,
    CommentKind,
    CommentStatus,
    Excerpt,
    ExcerptStatus,
    Failure,
    Intensity,
    Line,
    Reply,
    Schedule,
    ServerPrompt,
)
from bot.storage._one_hop import on_event_loop

_Row = TypeVar("_Row")

ROWS_PER_SLICE = 500
"""Rows turned into records between two yields to the event loop (a few milliseconds)."""


async def sliced(rows: Iterable[_Row]) -> AsyncIterator[_Row]:
    """``rows`` one by one, letting the event loop run after every ``ROWS_PER_SLICE``
    (when there is one: a read run whole on a database thread has none).

    Fetching happens off the loop (the reader's thread, the driver), but mapping
    10,000 rows to records is Python on it: 100 ms in one piece, during which no
    other server is answered. In slices, nobody waits more than a few ms.
    """
    for count, row in enumerate(rows, 1):
        yield row
        if count % ROWS_PER_SLICE == 0 and on_event_loop():
            await asyncio.sleep(0)


async def comments(rows: Iterable[sqlite3.Row]) -> list[Comment]:
    """Rows of COMMENT_COLUMNS as comments, in order, in slices (see ``sliced``)."""
    return [comment(row) async for row in sliced(rows)]


EXCERPT_FIELDS = (
    "id",
    "guild_id",
    "number",
    "title",
    "author_id",
    "author_name",
    "channel_id",
    "thread_id",
    "revision",
    "status",
    "content_warning",
    "word_count",
    "line_count",
    "created_at",
    "updated_at",
    "focus",
    "intensity",
)
EXCERPT_COLUMNS = ", ".join(EXCERPT_FIELDS)
# The same columns from ``excerpts AS e``.
E_EXCERPT_COLUMNS = ", ".join(f"e.{name}" for name in EXCERPT_FIELDS)

COMMENT_FIELDS = (
    "id, guild_id, number, excerpt_id, author_id, author_name, text, line_start, line_end,"
    " quote, quote_line, quote_offset, prefix, suffix, suggestion, status, anchor_state,"
    " revision, origin_revision, origin_line_start, origin_line_end, created_at, updated_at,"
    " resolved_by_id, card_message_id, edited_at, origin_quote, thanked_at, applied_at,"
    " applied_revision, kind, review_id"
)
# A comment with its excerpt's user-visible number, from FROM_COMMENTS.
COMMENT_COLUMNS = (
    ", ".join(f"c.{name.strip()}" for name in COMMENT_FIELDS.split(","))
    + ", e.number AS excerpt_number"
)
FROM_COMMENTS = "FROM comments AS c JOIN excerpts AS e ON e.id = c.excerpt_id"

REPLY_FIELDS = "id, comment_id, author_id, author_name, text, created_at, card_message_id"
R_REPLY_COLUMNS = ", ".join(f"r.{name.strip()}" for name in REPLY_FIELDS.split(","))

SCHEDULE_COLUMNS = (
    "guild_id, channel_id, role_id, post_time, time_zone, paused, next_due_utc,"
    " last_local_date, failure, failure_local_date, failure_channel_id, failure_at"
)
SERVER_PROMPT_COLUMNS = "number, text, author_id, created_at"


def optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def optional_date(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value))


def to_stamp(moment: datetime) -> int:
    """Whole Unix seconds; the scheduler's resolution is a tick, far coarser than that."""
    return int(moment.timestamp())


def from_stamp(stamp: int) -> datetime:
    return datetime.fromtimestamp(stamp, UTC)


def excerpt(row: sqlite3.Row) -> Excerpt:
    """From EXCERPT_COLUMNS (or E_EXCERPT_COLUMNS)."""
    return Excerpt(
        id=int(row["id"]),
        guild_id=int(row["guild_id"]),
        number=int(row["number"]),
        title=str(row["title"]),
        author_id=int(row["author_id"]),
        author_name=str(row["author_name"]),
        channel_id=int(row["channel_id"]),
        thread_id=optional_int(row["thread_id"]),
        revision=int(row["revision"]),
        status=ExcerptStatus(row["status"]),
        content_warning=None if row["content_warning"] is None else str(row["content_warning"]),
        word_count=int(row["word_count"]),
        line_count=int(row["line_count"]),
        created_at=datetime.fromisoformat(str(row["created_at"])),
        updated_at=datetime.fromisoformat(str(row["updated_at"])),
        focus=None if row["focus"] is None else str(row["focus"]),
        intensity=None if row["intensity"] is None else Intensity(row["intensity"]),
    )


def line(row: sqlite3.Row, prefix: str = "") -> Line:
    """From ``number, text`` of the lines table, or ``number AS {prefix}number, ...`` when
    joined to a table with columns of the same names."""
    return Line(int(row[f"{prefix}number"]), str(row[f"{prefix}text"]))


def anchor(row: sqlite3.Row | Mapping[str, Any]) -> Anchor:
    """The anchor columns a comment and a review draft share (see ``anchor_values``)."""
    return Anchor(
        line_start=int(row["line_start"]),
        line_end=int(row["line_end"]),
        quote=row["quote"],
        quote_line=optional_int(row["quote_line"]),
        quote_offset=optional_int(row["quote_offset"]),
        prefix=str(row["prefix"]),
        suffix=str(row["suffix"]),
    )


def comment(found: sqlite3.Row, excerpt_number: int | None = None) -> Comment:
    """From COMMENT_COLUMNS; a row of bare COMMENT_FIELDS needs ``excerpt_number``."""
    # sqlite3.Row finds a name by scanning the columns; a digest maps 10,000 rows of 28,
    # so they are looked up in a dict instead (a third of the time).
    row = dict(zip(found.keys(), found, strict=True))
    return Comment(
        id=int(row["id"]),
        guild_id=int(row["guild_id"]),
        number=int(row["number"]),
        excerpt_id=int(row["excerpt_id"]),
        excerpt_number=int(row["excerpt_number"] if excerpt_number is None else excerpt_number),
        author_id=int(row["author_id"]),
        author_name=str(row["author_name"]),
        text=str(row["text"]),
        anchor=anchor(row),
        suggestion=row["suggestion"],
        status=CommentStatus(row["status"]),
        anchor_state=AnchorState(row["anchor_state"]),
        revision=int(row["revision"]),
        origin_revision=int(row["origin_revision"]),
        origin_line_start=int(row["origin_line_start"]),
        origin_line_end=int(row["origin_line_end"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        resolved_by_id=optional_int(row["resolved_by_id"]),
        card_message_id=optional_int(row["card_message_id"]),
        edited_at=None if row["edited_at"] is None else datetime.fromisoformat(row["edited_at"]),
        origin_quote=row["origin_quote"],
        thanked_at=None if row["thanked_at"] is None else datetime.fromisoformat(row["thanked_at"]),
        applied_at=None if row["applied_at"] is None else datetime.fromisoformat(row["applied_at"]),
        applied_revision=optional_int(row["applied_revision"]),
        kind=None if row["kind"] is None else CommentKind(row["kind"]),
        review_id=optional_int(row["review_id"]),
    )


def anchor_values(anchor: Anchor) -> tuple[Any, ...]:
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


def reply(row: sqlite3.Row) -> Reply:
    """From REPLY_FIELDS (or R_REPLY_COLUMNS)."""
    return Reply(
        id=int(row["id"]),
        comment_id=int(row["comment_id"]),
        author_id=int(row["author_id"]),
        author_name=str(row["author_name"]),
        text=str(row["text"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        card_message_id=optional_int(row["card_message_id"]),
    )


def schedule(row: sqlite3.Row) -> Schedule:
    """From SCHEDULE_COLUMNS."""
    failure = None
    if row["failure"] is not None:
        failure = Failure(
            reason=str(row["failure"]),
            local_date=optional_date(row["failure_local_date"]),
            channel_id=optional_int(row["failure_channel_id"]),
            at=from_stamp(int(row["failure_at"])),
        )
    return Schedule(
        guild_id=int(row["guild_id"]),
        channel_id=int(row["channel_id"]),
        role_id=optional_int(row["role_id"]),
        post_time=time.fromisoformat(str(row["post_time"])),
        time_zone=str(row["time_zone"]),
        paused=bool(row["paused"]),
        next_due=from_stamp(int(row["next_due_utc"])),
        last_local_date=optional_date(row["last_local_date"]),
        failure=failure,
    )


def server_prompt(row: sqlite3.Row) -> ServerPrompt:
    """From SERVER_PROMPT_COLUMNS."""
    return ServerPrompt(
        number=int(row["number"]),
        text=str(row["text"]),
        author_id=int(row["author_id"]),
        created_at=from_stamp(int(row["created_at"])),
    )
