"""What the excerpt tables offer (SQL in :mod:`bot.storage.excerpts`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from bot.models import (
    Excerpt,
    ExcerptStatus,
    ExcerptSummary,
    Intensity,
    Line,
    PostedMessage,
    Viewer,
)


class ExcerptStore(Protocol):
    """Excerpts, their revisions, lines and posted messages."""

    async def insert_excerpt(
        self,
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
        focus: str | None = None,
        intensity: Intensity | None = None,
    ) -> Excerpt:
        """Store a new, not yet posted excerpt with its first revision."""
        ...

    async def insert_revision(
        self, excerpt_id: int, revision: int, lines: Sequence[str], word_count: int, now: datetime
    ) -> None: ...

    async def mark_posted(
        self, excerpt_id: int, revision: int, thread_id: int, messages: Iterable[PostedMessage]
    ) -> None: ...

    async def record_messages(
        self, excerpt_id: int, revision: int, messages: Iterable[PostedMessage]
    ) -> None: ...

    async def posted_ranges(self, excerpt_id: int, revision: int) -> list[tuple[int, int]]:
        """(first, last) lines of each message recorded as showing a revision, in posting order."""
        ...

    async def delete_unposted(self, excerpt_id: int) -> None:
        """Undo an excerpt whose posting failed; its lines go with it."""
        ...

    async def purge_unposted(self) -> int:
        """Remove excerpts a crash left unposted: their author was never told they exist."""
        ...

    async def get_excerpt(self, guild_id: int, number: int) -> Excerpt | None: ...

    async def get_excerpt_with_lines(
        self,
        guild_id: int,
        first: int,
        last: int,
        *,
        number: int | None = None,
        thread_id: int | None = None,
    ) -> tuple[Excerpt | None, list[Line]]:
        """An excerpt (by number, else by its thread) and lines first..last of its current
        revision, in one query."""
        ...

    async def get_excerpt_by_thread(self, guild_id: int, thread_id: int) -> Excerpt | None: ...

    async def get_message_lines(
        self, guild_id: int, message_id: int
    ) -> tuple[Excerpt, int, int, int, int | None] | None:
        """The excerpt, revision and line range a posted bot message shows, and the first
        message of the excerpt's current revision (to point from an older one to it)."""
        ...

    async def get_lines(
        self, excerpt_id: int, revision: int, first: int = 1, last: int | None = None
    ) -> list[Line]: ...

    async def set_current_revision(
        self, excerpt_id: int, revision: int, line_count: int, word_count: int, now: datetime
    ) -> None: ...

    async def list_excerpts(
        self,
        guild_id: int,
        *,
        author_id: int | None = None,
        viewer: Viewer | None = None,
        before: int | None = None,
        limit: int | None = None,
    ) -> list[ExcerptSummary]:
        """Live excerpts of a guild ``viewer`` can see, newest first, with comment counts:
        those numbered below ``before`` (keyset paging), at most ``limit`` of them."""
        ...

    async def count_excerpts(
        self,
        guild_id: int,
        *,
        author_id: int | None = None,
        viewer: Viewer | None = None,
        cap: int,
    ) -> int:
        """How many excerpts ``list_excerpts`` would list, counting no further than ``cap``."""
        ...

    async def search_excerpts(
        self, guild_id: int, typed: str, limit: int, viewer: Viewer | None = None
    ) -> list[tuple[int, str, str]]:
        """(number, title, author) of live excerpts ``viewer`` can see, by number or title."""
        ...

    async def set_status(self, excerpt_id: int, status: ExcerptStatus, now: datetime) -> None: ...

    async def delete_excerpt(self, excerpt_id: int, now: datetime) -> None:
        """Remove the text and all feedback; keep a tombstone so the id is never reused
        and a stale reference gets 'was deleted' rather than a confusing 'not found'."""
        ...

    async def comment_counts(self, excerpt_id: int) -> tuple[int, int]:
        """(open, resolved) comments of an excerpt, kept in step with every comment write."""
        ...

    async def comment_counts_by_line(
        self, excerpt_id: int, first: int, last: int
    ) -> dict[int, tuple[int, int]]:
        """line -> (open, resolved) for comments covering lines first..last: a range comment
        counts on every line it spans, not only its first."""
        ...
