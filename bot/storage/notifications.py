"""SQL for notifications: each member's setting and the outbox of events to tell them of.

Instants are Unix seconds (INTEGER), as for prompt schedules. An event is written in the
transaction of the action that caused it; a message claims its events (``claimed_at``)
in one transaction before it is sent, so a restart never sends them twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime, time

from bot.models import DueMember, Notice, NotifyEvent, NotifyMode, NotifySettings
from bot.storage._dialect import Connection
from bot.storage._rows import from_stamp, optional_int, to_stamp
from bot.storage._sql import chunks, marks

INSTANT_HOLD_SECONDS = 120  # instant mode: what arrives within 2 minutes goes in one message

_SETTINGS_COLUMNS = "member_id, mode, notify_time, time_zone, introduced, dm_closed"
_NOTICE_COLUMNS = (
    "id, member_id, guild_id, excerpt_id, excerpt_number, excerpt_title, thread_id, event,"
    " actor_name, detail, comment_id, created_at"
)


def _settings(row: sqlite3.Row) -> NotifySettings:
    return NotifySettings(
        member_id=int(row["member_id"]),
        mode=NotifyMode(row["mode"]),
        at=time.fromisoformat(str(row["notify_time"])),
        time_zone=str(row["time_zone"]),
        introduced=bool(row["introduced"]),
        dm_closed=int(row["dm_closed"]) != 0,
    )


def _notice(row: sqlite3.Row) -> Notice:
    return Notice(
        member_id=int(row["member_id"]),
        guild_id=int(row["guild_id"]),
        excerpt_id=int(row["excerpt_id"]),
        excerpt_number=int(row["excerpt_number"]),
        excerpt_title=str(row["excerpt_title"]),
        thread_id=optional_int(row["thread_id"]),
        event=NotifyEvent(row["event"]),
        actor_name=str(row["actor_name"]),
        detail=str(row["detail"]),
        comment_id=optional_int(row["comment_id"]),
        created_at=from_stamp(int(row["created_at"])),
    )


class SqliteNotifications:
    """Notification settings and the outbox, in one SQLite session."""

    def __init__(self, conn: Connection, on_notice: Callable[[], None] | None = None) -> None:
        self._conn = conn
        self._on_notice = on_notice

    async def enqueue(self, notice: Notice, *, now: datetime, default_daily: datetime) -> None:
        """Store an event for its member (unless they turned notifications off) and make
        sure their next message is scheduled: a member new to notifications gets the
        defaults, whose first daily slot is ``default_daily``."""
        insert_notice = """
            INSERT INTO notifications (member_id, guild_id, excerpt_id, excerpt_number,
                excerpt_title, thread_id, event, actor_name, detail, comment_id, created_at)
            SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11
            WHERE NOT EXISTS (SELECT 1 FROM notify_settings WHERE member_id = ?1 AND mode = 'off')
        """
        # Instant: the first event of a quiet spell starts a 2-minute hold; daily: the next
        # slot as last computed (a stale one is corrected by the tick). Closed direct
        # messages or "off": nothing is scheduled.
        schedule = """
            INSERT INTO notify_settings (member_id, next_daily_utc, next_due_utc, updated_at)
            VALUES (?1, ?2, ?2, ?3)
            ON CONFLICT (member_id) DO UPDATE SET next_due_utc = CASE
                WHEN notify_settings.dm_closed <> 0 OR notify_settings.mode = 'off'
                    THEN notify_settings.next_due_utc
                WHEN notify_settings.next_due_utc IS NOT NULL THEN notify_settings.next_due_utc
                WHEN notify_settings.mode = 'instant' THEN ?4
                ELSE notify_settings.next_daily_utc END
        """
        stamp = to_stamp(now)
        await self._conn.execute(
            insert_notice,
            (
                notice.member_id,
                notice.guild_id,
                notice.excerpt_id,
                notice.excerpt_number,
                notice.excerpt_title,
                notice.thread_id,
                notice.event.value,
                notice.actor_name,
                notice.detail,
                notice.comment_id,
                stamp,
            ),
        )
        await self._conn.execute(
            schedule,
            (notice.member_id, to_stamp(default_daily), stamp, stamp + INSTANT_HOLD_SECONDS),
        )
        if self._on_notice is not None:
            self._on_notice()

    async def refresh_detail(self, comment_id: int, event: NotifyEvent, detail: str) -> None:
        """An edited comment: events not yet sent show its words as they now read."""
        refresh = """
            UPDATE notifications SET detail = ?
            WHERE comment_id = ? AND event = ? AND claimed_at IS NULL
        """
        await self._conn.execute(refresh, (detail, comment_id, event.value))

    async def get_settings(self, member_id: int) -> NotifySettings | None:
        get_settings = f"SELECT {_SETTINGS_COLUMNS} FROM notify_settings WHERE member_id = ?"
        rows = await self._conn.execute_fetchall(get_settings, (member_id,))
        return next((_settings(row) for row in rows), None)

    async def save_settings(
        self, settings: NotifySettings, *, next_daily: datetime, now: datetime
    ) -> None:
        """Change a member's setting. Direct messages are tried again; events already
        waiting are looked at by the next tick (which reschedules them for the new time)."""
        save_settings = """
            INSERT INTO notify_settings (member_id, mode, notify_time, time_zone,
                next_daily_utc, next_due_utc, updated_at)
            VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6)
            ON CONFLICT (member_id) DO UPDATE SET mode = ?2, notify_time = ?3, time_zone = ?4,
                next_daily_utc = ?5, dm_closed = 0, updated_at = ?6,
                next_due_utc = CASE WHEN ?2 <> 'off' AND EXISTS (
                    SELECT 1 FROM notifications
                    WHERE member_id = ?1 AND claimed_at IS NULL) THEN ?6 ELSE NULL END
        """
        await self._conn.execute(
            save_settings,
            (
                settings.member_id,
                settings.mode.value,
                settings.at.strftime("%H:%M"),
                settings.time_zone,
                to_stamp(next_daily),
                to_stamp(now),
            ),
        )

    async def due_members(self, now: datetime, limit: int) -> list[DueMember]:
        """Members whose next message is due, most overdue first (uses the due index)."""
        due_members = f"""
            SELECT {_SETTINGS_COLUMNS}, next_due_utc,
                (SELECT MIN(n.created_at) FROM notifications AS n
                 WHERE n.member_id = s.member_id AND n.claimed_at IS NULL) AS oldest
            FROM notify_settings AS s
            WHERE next_due_utc IS NOT NULL AND next_due_utc <= ?
            ORDER BY next_due_utc LIMIT ?
        """
        rows = await self._conn.execute_fetchall(due_members, (to_stamp(now), limit))
        return [
            DueMember(
                settings=_settings(row),
                due=from_stamp(int(row["next_due_utc"])),
                oldest=None if row["oldest"] is None else from_stamp(int(row["oldest"])),
            )
            for row in rows
        ]

    async def earliest_due(self) -> datetime | None:
        """The soonest next message of any member (an index lookup, not a scan)."""
        earliest = (
            "SELECT MIN(next_due_utc) AS due FROM notify_settings WHERE next_due_utc IS NOT NULL"
        )
        row = next(iter(await self._conn.execute_fetchall(earliest)), None)
        return None if row is None or row["due"] is None else from_stamp(int(row["due"]))

    async def reschedule(
        self, moves: Sequence[tuple[int, datetime | None, datetime | None]]
    ) -> None:
        """(member, next due or None, next daily slot or None to keep it) for many members."""
        reschedule = """
            UPDATE notify_settings SET next_due_utc = ?,
                next_daily_utc = COALESCE(?, next_daily_utc)
            WHERE member_id = ?
        """
        await self._conn.executemany(
            reschedule,
            [
                (
                    None if due is None else to_stamp(due),
                    None if daily is None else to_stamp(daily),
                    member_id,
                )
                for member_id, due, daily in moves
            ],
        )

    async def claim(
        self, claims: Sequence[tuple[int, datetime, datetime]], now: datetime
    ) -> dict[int, list[Notice]]:
        """Claim the next message of each (member, due instant seen, next daily slot): a
        conditional write per member (it must still be due at that instant), then every
        event waiting for the members claimed. Returns member -> events, oldest first."""
        # Conditional: a member is claimed only if still due at the instant the caller saw.
        claim_member = """
            UPDATE notify_settings SET next_due_utc = NULL, next_daily_utc = ?, introduced = 1
            WHERE member_id = ? AND next_due_utc = ?
        """
        await self._conn.executemany(
            claim_member,
            [(to_stamp(daily), member_id, to_stamp(due)) for member_id, due, daily in claims],
        )
        claimed = [member_id for member_id, _, _ in claims]
        found: dict[int, list[Notice]] = {}
        for chunk in chunks(claimed):
            claim_notices = f"""
                UPDATE notifications SET claimed_at = ?
                WHERE claimed_at IS NULL AND member_id IN ({marks(len(chunk))})
                    AND member_id IN (SELECT member_id FROM notify_settings
                                      WHERE member_id IN ({marks(len(chunk))})
                                          AND next_due_utc IS NULL)
                RETURNING {_NOTICE_COLUMNS}
            """
            for row in await self._conn.execute_fetchall(
                claim_notices, (to_stamp(now), *chunk, *chunk)
            ):
                found.setdefault(int(row["member_id"]), []).append(_notice(row))
        for notices in found.values():
            notices.sort(key=lambda notice: (notice.created_at or now, notice.excerpt_id))
        return found

    async def release(self, member_id: int, claimed_at: datetime, due: datetime) -> None:
        """Put back a message Discord refused for a passing reason, to be tried at ``due``."""
        release = """
            UPDATE notifications SET claimed_at = NULL WHERE member_id = ? AND claimed_at = ?
        """
        await self._conn.execute(release, (member_id, to_stamp(claimed_at)))
        retry = """
            UPDATE notify_settings SET next_due_utc = COALESCE(next_due_utc, ?)
            WHERE member_id = ?
        """
        await self._conn.execute(retry, (to_stamp(due), member_id))

    async def mark_dm_closed(self, member_id: int) -> None:
        """Discord refused a direct message: send nothing more until /notify; a notice is
        owed on the member's next command."""
        mark_closed = """
            UPDATE notify_settings SET dm_closed = 1, next_due_utc = NULL
            WHERE member_id = ? AND dm_closed = 0
        """
        await self._conn.execute(mark_closed, (member_id,))

    async def owed_dm_notices(self) -> list[int]:
        owed = "SELECT member_id FROM notify_settings WHERE dm_closed = 1"
        return [int(row["member_id"]) for row in await self._conn.execute_fetchall(owed)]

    async def mark_dm_notice_told(self, member_id: int) -> None:
        told = "UPDATE notify_settings SET dm_closed = 2 WHERE member_id = ? AND dm_closed = 1"
        await self._conn.execute(told, (member_id,))

    async def bulk_settings(
        self, rows: Sequence[tuple[int, str, str, str, int, int | None]]
    ) -> None:
        """Load many settings at once (benchmarks, tests): member, mode, time, zone, next
        daily slot, next due (Unix seconds)."""
        bulk = """
            INSERT INTO notify_settings (member_id, mode, notify_time, time_zone,
                next_daily_utc, next_due_utc, updated_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5)
        """
        await self._conn.executemany(bulk, rows)
