"""What the exchange's storage offers (see :mod:`bot.storage.exchange` for the SQL)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from bot.exchange_models import (
    CritiqueCredit,
    EntryKind,
    ExchangeSettings,
    LedgerEntry,
    QueueItem,
)


class ExchangeStore(Protocol):
    """Settings, the ledger, critiques and the queue's counts."""

    async def get_settings(self, guild_id: int) -> ExchangeSettings | None: ...

    async def save_settings(self, settings: ExchangeSettings, by: int, now: datetime) -> None: ...

    async def add_entry(
        self,
        *,
        guild_id: int,
        member_id: int,
        halves: int,
        kind: EntryKind,
        now: datetime,
        excerpt_number: int | None = None,
        reason: str | None = None,
        granted_by: int | None = None,
    ) -> None: ...

    async def balance(self, guild_id: int, member_id: int) -> int: ...

    async def last_entries(
        self, guild_id: int, member_id: int, limit: int
    ) -> list[LedgerEntry]: ...

    async def mark_started(self, guild_id: int, member_id: int) -> bool: ...

    async def add_text(self, excerpt_id: int, reader_id: int, key: str, words: int) -> int: ...

    async def remove_text(self, excerpt_id: int, reader_id: int, key: str) -> int: ...

    async def add_words(
        self, *, guild_id: int, excerpt_id: int, excerpt_number: int, reader_id: int, words: int
    ) -> CritiqueCredit: ...

    async def set_halves(self, excerpt_id: int, reader_id: int, halves: int) -> None: ...

    async def mark_thanked(
        self, *, guild_id: int, excerpt_id: int, excerpt_number: int, reader_id: int
    ) -> bool: ...

    async def set_comment_thanked(self, comment_id: int, now: datetime) -> bool: ...

    async def critique_words(self, excerpt_id: int) -> dict[int, int]: ...

    async def critiqued_by(self, guild_id: int, reader_id: int) -> set[int]: ...

    async def story_lines(self, excerpt_id: int) -> list[list[str]]: ...

    async def change_given(self, guild_id: int, member_id: int, delta: int) -> int: ...

    async def given(self, guild_id: int, member_id: int) -> int: ...

    async def set_author_penalty(self, guild_id: int, author_id: int, penalty: int) -> None: ...

    async def change_received(self, excerpt_id: int, delta: int) -> None: ...

    async def enqueue(
        self,
        *,
        guild_id: int,
        excerpt_id: int,
        excerpt_number: int,
        author_id: int,
        penalty: int,
        now: datetime,
    ) -> None: ...

    async def set_closed(self, excerpt_id: int, closed: bool) -> None: ...

    async def dequeue(self, excerpt_id: int) -> None: ...

    async def queued_by(self, guild_id: int, author_id: int) -> int: ...

    async def queue_size(self, guild_id: int) -> int: ...

    async def queue(
        self,
        guild_id: int,
        today: date,
        *,
        offset: int,
        limit: int,
        skip_author: int | None = None,
        max_base: int | None = None,
        by_base: bool = False,
    ) -> list[QueueItem]: ...

    async def commented_ranges(self, excerpt_id: int) -> list[tuple[int, int]]: ...
