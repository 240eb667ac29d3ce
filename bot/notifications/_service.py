"""Settings and claims: which messages are due, claimed before they are sent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.models import DueMember, Notice, NotifyMode, NotifySettings
from bot.notifications._events import DEFAULT_TIME, DEFAULT_ZONE
from bot.schedule import next_time_after, parse_local_time, parse_timezone
from bot.storage import Store

_NEVER = datetime.max.replace(tzinfo=UTC)
DEFAULT = NotifySettings(
    member_id=0, mode=NotifyMode.DAILY, at=DEFAULT_TIME, time_zone=DEFAULT_ZONE
)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One claimed message: the member's setting and the events it holds, oldest first."""

    settings: NotifySettings
    notices: list[Notice]
    claimed_at: datetime


class NotificationService:
    def __init__(self, database: Store, clock: Callable[[], datetime]) -> None:
        self.db = database
        self._now = clock
        # The outbox is read only when its next due instant comes or an event was written.
        self._wake_at: datetime | None = None
        self._seen_writes = -1

    async def settings(self, member_id: int) -> NotifySettings:
        """The member's setting; the defaults when they never had a notification."""
        async with self.db.read() as session:
            found = await session.notifications.get_settings(member_id)
        return found or replace(DEFAULT, member_id=member_id)

    async def change(
        self,
        member_id: int,
        *,
        mode: NotifyMode | None = None,
        at: str | None = None,
        time_zone: str | None = None,
    ) -> NotifySettings:
        """Change what was given, keep the rest; direct messages are tried again."""
        wanted_at = None if at is None else parse_local_time(at)
        wanted_zone = None if time_zone is None else parse_timezone(time_zone).key
        now = self._now()
        async with self.db.transaction() as tx:
            current = await tx.notifications.get_settings(member_id) or replace(
                DEFAULT, member_id=member_id
            )
            changed = replace(
                current,
                mode=mode or current.mode,
                at=wanted_at or current.at,
                time_zone=wanted_zone or current.time_zone,
                dm_closed=False,
            )
            next_daily = next_time_after(now, changed.at, ZoneInfo(changed.time_zone))
            await tx.notifications.save_settings(changed, next_daily=next_daily, now=now)
        self._wake_at = None
        return changed

    async def claim_due(self, limit: int) -> list[Outgoing]:
        """Claim up to ``limit`` due messages in one transaction, committed before any is
        sent: a restart after this never sends them again. A daily member whose events all
        came after their last slot is moved to the next one instead."""
        now = self._now()
        writes = self.db.notices_written
        if writes == self._seen_writes and self._wake_at is not None and now < self._wake_at:
            return []
        self._seen_writes = writes
        async with self.db.read() as session:
            earliest = await session.notifications.earliest_due()
        self._wake_at = earliest or _NEVER
        if earliest is None or earliest > now:
            return []
        self._wake_at = None  # look again on the next tick: more may be due
        async with self.db.transaction() as tx:
            due = await tx.notifications.due_members(now, limit)
            moves: list[tuple[int, datetime | None, datetime | None]] = []
            claims: list[tuple[int, datetime, datetime]] = []
            settings: dict[int, NotifySettings] = {}
            for member in due:
                decision = _decide(member, now)
                if isinstance(decision, tuple):
                    claims.append(decision)
                    settings[member.settings.member_id] = member.settings
                else:
                    moves.append((member.settings.member_id, decision, decision))
            await tx.notifications.reschedule(moves)
            found = await tx.notifications.claim(claims, now)
        return [
            Outgoing(settings[member_id], notices, now)
            for member_id, notices in found.items()
            if notices
        ]

    async def release(self, outgoing: Outgoing, retry_at: datetime) -> None:
        """Discord refused for a passing reason: the events wait for ``retry_at``."""
        async with self.db.transaction() as tx:
            await tx.notifications.release(
                outgoing.settings.member_id, outgoing.claimed_at, retry_at
            )
        self._wake_at = None

    async def dms_closed(self, member_id: int) -> None:
        async with self.db.transaction() as tx:
            await tx.notifications.mark_dm_closed(member_id)

    async def owed_dm_notices(self) -> list[int]:
        async with self.db.read() as session:
            return await session.notifications.owed_dm_notices()

    async def dm_notice_told(self, member_id: int) -> None:
        async with self.db.transaction() as tx:
            await tx.notifications.mark_dm_notice_told(member_id)


def _decide(member: DueMember, now: datetime) -> tuple[int, datetime, datetime] | datetime | None:
    """Claim (member, due seen, next daily slot), or the instant to look again (None:
    nothing to send until a new event)."""
    settings = member.settings
    if member.oldest is None or settings.mode is NotifyMode.OFF or settings.dm_closed:
        return None
    zone = ZoneInfo(settings.time_zone)
    next_daily = next_time_after(now, settings.at, zone)
    if settings.mode is NotifyMode.DAILY:
        slot = next_time_after(member.oldest, settings.at, zone)
        if slot > now:  # everything waiting came after the last slot: wait for the next
            return slot
    return (settings.member_id, member.due, next_daily)
