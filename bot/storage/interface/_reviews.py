"""The storage interface for reviews and notifications (see :mod:`bot.storage.interface`):
a reader's drafts and each member's notification setting and outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.models import (
    Anchor,
    CommentKind,
    Draft,
    DueMember,
    Notice,
    NotifyEvent,
    NotifySettings,
    Review,
    ReviewStatus,
)


class NotificationStore(Protocol):
    """Each member's notification setting and the outbox of events (Unix-second instants)."""

    async def enqueue(self, notice: Notice, *, now: datetime, default_daily: datetime) -> None:
        """Store an event (unless its member turned notifications off) and schedule their
        next message; a member new to notifications gets the defaults."""
        ...

    async def refresh_detail(self, comment_id: int, event: NotifyEvent, detail: str) -> None:
        """An edited comment: events not yet sent show its words as they now read."""
        ...

    async def get_settings(self, member_id: int) -> NotifySettings | None: ...

    async def save_settings(
        self, settings: NotifySettings, *, next_daily: datetime, now: datetime
    ) -> None: ...

    async def due_members(self, now: datetime, limit: int) -> list[DueMember]: ...

    async def earliest_due(self) -> datetime | None: ...

    async def reschedule(
        self, moves: Sequence[tuple[int, datetime | None, datetime | None]]
    ) -> None: ...

    async def claim(
        self, claims: Sequence[tuple[int, datetime, datetime]], now: datetime
    ) -> dict[int, list[Notice]]:
        """Claim each (member, due seen, next daily slot) still due at that instant, and
        their waiting events: member -> events. Committed before anything is sent."""
        ...

    async def release(self, member_id: int, claimed_at: datetime, due: datetime) -> None: ...

    async def mark_dm_closed(self, member_id: int) -> None: ...

    async def owed_dm_notices(self) -> list[int]: ...

    async def mark_dm_notice_told(self, member_id: int) -> None: ...

    async def bulk_settings(
        self, rows: Sequence[tuple[int, str, str, str, int, int | None]]
    ) -> None: ...


class ReviewStore(Protocol):
    """Reviews and the drafts they hold."""

    async def open_review(
        self, *, guild_id: int, excerpt_id: int, reader_id: int, now: datetime
    ) -> Review: ...

    async def open_review_of(self, reader_id: int, excerpt_id: int) -> Review | None: ...

    async def open_reviews(self, guild_id: int, reader_id: int) -> list[tuple[Review, int]]: ...

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
    ) -> int: ...

    async def drafts(self, review_id: int) -> list[Draft]: ...

    async def finish(
        self, review_id: int, status: ReviewStatus, summary: str | None, now: datetime
    ) -> None: ...

    async def stale_reviews(self, untouched_since: datetime, limit: int) -> list[Review]: ...

    async def oldest_open_touch(self) -> datetime | None: ...

    async def untold_expired(self) -> list[tuple[int, int, int]]: ...

    async def mark_told(self, reader_id: int) -> None: ...

    async def get_review(self, review_id: int) -> Review | None: ...

    async def set_cards(self, placed: Sequence[tuple[int, int]]) -> None: ...
