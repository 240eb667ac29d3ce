"""What digests read (SQL in :mod:`bot.storage.feedback`)."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from bot.models import (
    Excerpt,
    ExcerptFeedback,
)


class FeedbackStore(Protocol):
    """Everything a feedback digest shows, a few queries whatever its size."""

    async def excerpt_feedback(
        self, excerpt: Excerpt, revision: int | None = None
    ) -> ExcerptFeedback:
        """The excerpt's lines at ``revision`` (default: current), all its comments and replies."""
        ...

    async def author_feedback(
        self, guild_id: int, author_id: int, *, since: date | None = None
    ) -> list[ExcerptFeedback]:
        """Feedback on an author's live excerpts in a guild, oldest excerpt first.

        With ``since``, only threads with activity on or after that (UTC) day are
        kept: the comment itself or any reply to it. Such a thread keeps all its
        replies, since a new reply makes no sense without what it answers, and
        excerpts left without a thread are dropped.
        """
        ...

    async def author_excerpt_count(self, guild_id: int, author_id: int) -> int:
        """How many live excerpts an author has in a guild (uses ``excerpts_by_author``)."""
        ...

    async def guild_ids(self) -> list[int]:
        """Every guild with a posted excerpt, so an export can name the only one."""
        ...
