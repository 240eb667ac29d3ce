"""The exchange's records (plain dataclasses every layer shares, like bot.models)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class EntryKind(StrEnum):
    START = "start"
    CRITIQUE = "critique"
    POSTING = "posting"
    THANKS = "thanks"
    GRANT = "grant"


@dataclass(frozen=True, slots=True)
class ExchangeSettings:
    guild_id: int
    enabled: bool
    starting: int  # whole credits
    cost: int
    extra_cost: int


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    halves: int
    kind: EntryKind
    excerpt_number: int | None
    reason: str | None
    granted_by: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class QueueItem:
    """An excerpt in the queue: R critiques, since when, and its score."""

    excerpt_number: int
    author_id: int
    critiques: int
    posted_at: datetime
    base: int  # 1000 × (10·R − 5·√min(C, 100) − 20 if first)


@dataclass(frozen=True, slots=True)
class CritiqueCredit:
    """A critique's state after a write: its words and the credit it now earns."""

    words: int
    halves: int
    thanked: bool
