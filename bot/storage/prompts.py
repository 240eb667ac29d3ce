"""SQL for daily prompts: schedules, server prompts, the usage history and posts.

Every function takes the connection of an open transaction (see
:class:`bot.storage.database.Database`) so the caller decides what one action is.
Instants are stored as integer Unix seconds (UTC); local dates as ISO text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import aiosqlite

from bot.storage.excerpts import escape_like, next_number

_SCHEDULE_COLUMNS = (
    "guild_id, channel_id, role_id, post_time, time_zone, paused, next_due_utc,"
    " last_local_date, failure, failure_local_date, failure_channel_id, failure_at"
)
_PROMPT_COLUMNS = "number, text, author_id, created_at"
_POST_COLUMNS = (
    "id, guild_id, kind, local_date, prompt_key, prompt_text, channel_id, role_id, status,"
    " message_id, thread_id, error"
)


@dataclass(frozen=True, slots=True)
class Failure:
    """Why the last daily prompt could not be posted, for the moderators."""

    reason: str
    local_date: date | None
    channel_id: int | None
    at: datetime


@dataclass(frozen=True, slots=True)
class Schedule:
    guild_id: int
    channel_id: int
    role_id: int | None
    post_time: time
    time_zone: str
    paused: bool
    next_due: datetime
    last_local_date: date | None
    failure: Failure | None


@dataclass(frozen=True, slots=True)
class ServerPrompt:
    number: int
    text: str
    author_id: int
    created_at: datetime

    @property
    def key(self) -> str:
        # The "s:" prefix keeps server keys apart from library keys, which have no colon.
        return f"s:{self.number}"


@dataclass(frozen=True, slots=True)
class PostRow:
    id: int
    guild_id: int
    kind: str
    local_date: date | None
    prompt_key: str
    prompt_text: str
    channel_id: int
    role_id: int | None
    status: str
    message_id: int | None
    thread_id: int | None
    error: str | None


def to_stamp(moment: datetime) -> int:
    """Whole Unix seconds; the scheduler's resolution is a tick, far coarser than that."""
    return int(moment.timestamp())


def from_stamp(stamp: int) -> datetime:
    return datetime.fromtimestamp(stamp, UTC)


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _optional_date(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value))


def _schedule(row: Sequence[Any]) -> Schedule:
    failure = None
    if row[8] is not None:
        failure = Failure(
            reason=str(row[8]),
            local_date=_optional_date(row[9]),
            channel_id=_optional_int(row[10]),
            at=from_stamp(int(row[11])),
        )
    return Schedule(
        guild_id=int(row[0]),
        channel_id=int(row[1]),
        role_id=_optional_int(row[2]),
        post_time=time.fromisoformat(str(row[3])),
        time_zone=str(row[4]),
        paused=bool(row[5]),
        next_due=from_stamp(int(row[6])),
        last_local_date=_optional_date(row[7]),
        failure=failure,
    )


def _server_prompt(row: Sequence[Any]) -> ServerPrompt:
    return ServerPrompt(
        number=int(row[0]),
        text=str(row[1]),
        author_id=int(row[2]),
        created_at=from_stamp(int(row[3])),
    )


def _post(row: Sequence[Any]) -> PostRow:
    return PostRow(
        id=int(row[0]),
        guild_id=int(row[1]),
        kind=str(row[2]),
        local_date=_optional_date(row[3]),
        prompt_key=str(row[4]),
        prompt_text=str(row[5]),
        channel_id=int(row[6]),
        role_id=_optional_int(row[7]),
        status=str(row[8]),
        message_id=_optional_int(row[9]),
        thread_id=_optional_int(row[10]),
        error=None if row[11] is None else str(row[11]),
    )


# ------------------------------------------------------------------ schedules


async def save_schedule(
    conn: aiosqlite.Connection,
    *,
    guild_id: int,
    channel_id: int,
    role_id: int | None,
    post_time: time,
    time_zone: str,
    next_due: datetime,
    now: datetime,
) -> Schedule:
    """Create or change a server's schedule.

    Re-running setup keeps ``paused`` and ``last_local_date``: the latter is what stops
    a second post on a day that already had one. The failure note goes, since the
    moderator has just chosen the channel again.
    """
    rows = await conn.execute_fetchall(
        "INSERT INTO prompt_schedules (guild_id, channel_id, role_id, post_time, time_zone,"
        " next_due_utc, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id,"
        " role_id = excluded.role_id, post_time = excluded.post_time,"
        " time_zone = excluded.time_zone, next_due_utc = excluded.next_due_utc,"
        " failure = NULL, failure_local_date = NULL, failure_channel_id = NULL,"
        " failure_at = NULL, updated_at = excluded.updated_at"
        f" RETURNING {_SCHEDULE_COLUMNS}",
        (
            guild_id,
            channel_id,
            role_id,
            post_time.strftime("%H:%M"),
            time_zone,
            to_stamp(next_due),
            to_stamp(now),
            to_stamp(now),
        ),
    )
    return _schedule(next(iter(rows)))


async def get_schedule(conn: aiosqlite.Connection, guild_id: int) -> Schedule | None:
    rows = await conn.execute_fetchall(
        f"SELECT {_SCHEDULE_COLUMNS} FROM prompt_schedules WHERE guild_id = ?", (guild_id,)
    )
    return next((_schedule(row) for row in rows), None)


async def due_schedules(conn: aiosqlite.Connection, now: datetime, limit: int) -> list[Schedule]:
    """Active schedules whose next post is due, most overdue first (uses the due index)."""
    rows = await conn.execute_fetchall(
        f"SELECT {_SCHEDULE_COLUMNS} FROM prompt_schedules"
        " WHERE paused = 0 AND next_due_utc <= ? ORDER BY next_due_utc LIMIT ?",
        (to_stamp(now), limit),
    )
    return [_schedule(row) for row in rows]


async def earliest_due(conn: aiosqlite.Connection) -> datetime | None:
    """The soonest next post of any active schedule (an index lookup, not a scan)."""
    rows = await conn.execute_fetchall(
        "SELECT MIN(next_due_utc) FROM prompt_schedules WHERE paused = 0"
    )
    value = next(iter(rows))[0]
    return None if value is None else from_stamp(int(value))


async def advance_schedule(
    conn: aiosqlite.Connection,
    guild_id: int,
    *,
    next_due: datetime,
    last_local_date: date | None,
    now: datetime,
) -> None:
    await conn.execute(
        "UPDATE prompt_schedules SET next_due_utc = ?, last_local_date = ?, updated_at = ?"
        " WHERE guild_id = ?",
        (
            to_stamp(next_due),
            None if last_local_date is None else last_local_date.isoformat(),
            to_stamp(now),
            guild_id,
        ),
    )


async def set_paused(
    conn: aiosqlite.Connection,
    guild_id: int,
    *,
    paused: bool,
    next_due: datetime,
    now: datetime,
) -> None:
    await conn.execute(
        "UPDATE prompt_schedules SET paused = ?, next_due_utc = ?, updated_at = ?"
        " WHERE guild_id = ?",
        (int(paused), to_stamp(next_due), to_stamp(now), guild_id),
    )


async def set_failure(conn: aiosqlite.Connection, guild_id: int, failure: Failure) -> None:
    await conn.execute(
        "UPDATE prompt_schedules SET failure = ?, failure_local_date = ?,"
        " failure_channel_id = ?, failure_at = ? WHERE guild_id = ?",
        (
            failure.reason,
            None if failure.local_date is None else failure.local_date.isoformat(),
            failure.channel_id,
            to_stamp(failure.at),
            guild_id,
        ),
    )


async def clear_failure(conn: aiosqlite.Connection, guild_id: int) -> None:
    await conn.execute(
        "UPDATE prompt_schedules SET failure = NULL, failure_local_date = NULL,"
        " failure_channel_id = NULL, failure_at = NULL"
        " WHERE guild_id = ? AND failure IS NOT NULL",
        (guild_id,),
    )


# ------------------------------------------------------------- server prompts


async def insert_server_prompt(
    conn: aiosqlite.Connection, guild_id: int, text: str, author_id: int, now: datetime
) -> ServerPrompt:
    number = await next_number(conn, guild_id, "prompt")
    rows = await conn.execute_fetchall(
        "INSERT INTO server_prompts (guild_id, number, text, author_id, created_at)"
        f" VALUES (?, ?, ?, ?, ?) RETURNING {_PROMPT_COLUMNS}",
        (guild_id, number, text, author_id, to_stamp(now)),
    )
    return _server_prompt(next(iter(rows)))


async def get_server_prompt(
    conn: aiosqlite.Connection, guild_id: int, number: int
) -> ServerPrompt | None:
    rows = await conn.execute_fetchall(
        f"SELECT {_PROMPT_COLUMNS} FROM server_prompts WHERE guild_id = ? AND number = ?",
        (guild_id, number),
    )
    return next((_server_prompt(row) for row in rows), None)


async def delete_server_prompt(conn: aiosqlite.Connection, guild_id: int, number: int) -> None:
    await conn.execute(
        "DELETE FROM server_prompts WHERE guild_id = ? AND number = ?", (guild_id, number)
    )


async def list_server_prompts(conn: aiosqlite.Connection, guild_id: int) -> list[ServerPrompt]:
    """A server's prompts in the order they were added, which is the order they are used."""
    rows = await conn.execute_fetchall(
        f"SELECT {_PROMPT_COLUMNS} FROM server_prompts WHERE guild_id = ? ORDER BY number",
        (guild_id,),
    )
    return [_server_prompt(row) for row in rows]


async def count_server_prompts(conn: aiosqlite.Connection, guild_id: int) -> int:
    rows = await conn.execute_fetchall(
        "SELECT COUNT(*) FROM server_prompts WHERE guild_id = ?", (guild_id,)
    )
    return int(next(iter(rows))[0])


async def search_server_prompts(
    conn: aiosqlite.Connection, guild_id: int, typed: str, limit: int
) -> list[ServerPrompt]:
    """A server's prompts matching by number prefix or by text, newest first."""
    escaped = escape_like(typed)
    rows = await conn.execute_fetchall(
        f"SELECT {_PROMPT_COLUMNS} FROM server_prompts WHERE guild_id = ?"
        " AND (text LIKE ? ESCAPE '\\' OR CAST(number AS TEXT) LIKE ? ESCAPE '\\')"
        " ORDER BY number DESC LIMIT ?",
        (guild_id, f"%{escaped}%", f"{escaped}%", limit),
    )
    return [_server_prompt(row) for row in rows]


# -------------------------------------------------------------------- history


async def used_keys(conn: aiosqlite.Connection, guild_id: int) -> tuple[set[str], str | None]:
    """The prompt keys used in the server's current cycle, and the most recent one."""
    rows = await conn.execute_fetchall(
        "SELECT prompt_key FROM prompt_history WHERE guild_id = ? ORDER BY id", (guild_id,)
    )
    keys = [str(row[0]) for row in rows]
    return set(keys), (keys[-1] if keys else None)


async def forget_history(conn: aiosqlite.Connection, guild_id: int) -> None:
    await conn.execute("DELETE FROM prompt_history WHERE guild_id = ?", (guild_id,))


async def record_use(
    conn: aiosqlite.Connection, guild_id: int, prompt_key: str, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO prompt_history (guild_id, prompt_key, used_at) VALUES (?, ?, ?)",
        (guild_id, prompt_key, to_stamp(now)),
    )


async def forget_use(conn: aiosqlite.Connection, guild_id: int, prompt_key: str) -> None:
    await conn.execute(
        "DELETE FROM prompt_history WHERE guild_id = ? AND prompt_key = ?", (guild_id, prompt_key)
    )


# ---------------------------------------------------------------------- posts


async def claim_day(
    conn: aiosqlite.Connection,
    *,
    guild_id: int,
    local_date: date,
    channel_id: int,
    role_id: int | None,
    now: datetime,
) -> int | None:
    """Claim a server's local date for its daily post; None if it was already claimed.

    The prompt is filled in by :func:`set_post_prompt` in the same transaction: the row
    must exist first, so a lost race never burns a prompt from the history.
    """
    rows = await conn.execute_fetchall(
        "INSERT INTO prompt_posts (guild_id, kind, local_date, prompt_key, prompt_text,"
        " channel_id, role_id, claimed_at) VALUES (?, 'daily', ?, '', '', ?, ?, ?)"
        " ON CONFLICT (guild_id, local_date) DO NOTHING RETURNING id",
        (guild_id, local_date.isoformat(), channel_id, role_id, to_stamp(now)),
    )
    return next((int(row[0]) for row in rows), None)


async def insert_immediate_post(
    conn: aiosqlite.Connection,
    *,
    guild_id: int,
    channel_id: int,
    role_id: int | None,
    now: datetime,
) -> int:
    rows = await conn.execute_fetchall(
        "INSERT INTO prompt_posts (guild_id, kind, local_date, prompt_key, prompt_text,"
        " channel_id, role_id, claimed_at) VALUES (?, 'now', NULL, '', '', ?, ?, ?)"
        " RETURNING id",
        (guild_id, channel_id, role_id, to_stamp(now)),
    )
    return int(next(iter(rows))[0])


async def extra_posts_since(
    conn: aiosqlite.Connection, guild_id: int, since: datetime
) -> tuple[int, datetime | None]:
    """How many ``/prompt now`` posts a server has claimed since ``since`` (failed ones
    excluded: nobody saw them) and when the latest of all such posts was claimed."""
    rows = await conn.execute_fetchall(
        "SELECT COALESCE(SUM(claimed_at >= ?), 0), MAX(claimed_at) FROM prompt_posts"
        " WHERE guild_id = ? AND kind = 'now' AND status != 'failed'",
        (to_stamp(since), guild_id),
    )
    count, latest = next(iter(rows))
    return int(count), None if latest is None else from_stamp(int(latest))


async def set_post_prompt(
    conn: aiosqlite.Connection, post_id: int, prompt_key: str, prompt_text: str
) -> None:
    await conn.execute(
        "UPDATE prompt_posts SET prompt_key = ?, prompt_text = ? WHERE id = ?",
        (prompt_key, prompt_text, post_id),
    )


async def finish_post(
    conn: aiosqlite.Connection,
    post_id: int,
    *,
    message_id: int | None,
    thread_id: int | None,
    error: str | None,
    now: datetime,
) -> None:
    """Record how a claimed post ended; a post with a message counts as posted."""
    await conn.execute(
        "UPDATE prompt_posts SET status = ?, message_id = ?, thread_id = ?, error = ?,"
        " finished_at = ? WHERE id = ? AND status = 'claimed'",
        (
            "posted" if message_id is not None else "failed",
            message_id,
            thread_id,
            error,
            to_stamp(now),
            post_id,
        ),
    )


async def get_post(conn: aiosqlite.Connection, post_id: int) -> PostRow | None:
    rows = await conn.execute_fetchall(
        f"SELECT {_POST_COLUMNS} FROM prompt_posts WHERE id = ?", (post_id,)
    )
    return next((_post(row) for row in rows), None)


async def list_posts(conn: aiosqlite.Connection, guild_id: int) -> list[PostRow]:
    """Every post of a server, oldest first."""
    rows = await conn.execute_fetchall(
        f"SELECT {_POST_COLUMNS} FROM prompt_posts WHERE guild_id = ? ORDER BY id",
        (guild_id,),
    )
    return [_post(row) for row in rows]
