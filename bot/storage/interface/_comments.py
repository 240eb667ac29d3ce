"""What the comment tables offer (SQL in :mod:`bot.storage.comments`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.models import (
    Anchor,
    AnchorState,
    Comment,
    CommentKind,
    CommentStatus,
    Reply,
    Viewer,
)


class CommentStore(Protocol):
    """Comments and their replies."""

    async def insert_comment(
        self,
        *,
        guild_id: int,
        excerpt_id: int,
        excerpt_number: int,
        revision: int,
        author_id: int,
        author_name: str,
        text: str,
        anchor: Anchor,
        suggestion: str | None,
        now: datetime,
        retry_window: timedelta | None = None,
        kind: CommentKind | None = None,
        review_id: int | None = None,
    ) -> tuple[Comment, bool]:
        """Insert in one statement, so it is atomic and durable on its own: the number comes
        from the guild's sequence, which a trigger advances (see migration 0001). The quote
        is kept twice: ``quote`` follows the anchor, ``origin_quote`` keeps the reader's phrase.

        A retried submission (the same member, excerpt, anchor, text and suggestion within
        ``retry_window``, as when Discord showed "did not respond" and the member sent it
        again) inserts nothing: the same statement sees the stored one, which is returned
        with False instead of True. No window: always insert."""
        ...

    async def get_comment_by_id(self, comment_id: int) -> Comment | None: ...

    async def get_comment(self, guild_id: int, number: int) -> Comment | None: ...

    async def attach_replies(self, comments: Sequence[Comment]) -> list[Comment]:
        """The same comments, each with its replies in order."""
        ...

    async def insert_reply(
        self,
        *,
        comment_id: int,
        author_id: int,
        author_name: str,
        text: str,
        now: datetime,
        retry_window: timedelta | None = None,
    ) -> tuple[Reply, bool]:
        """Like :meth:`insert_comment`: a retried reply returns the stored one, with False."""
        ...

    async def set_comment_card(self, comment_id: int, message_id: int) -> None: ...

    async def set_reply_card(self, reply_id: int, message_id: int) -> None: ...

    async def set_comment_status(
        self, comment_id: int, status: CommentStatus, resolved_by_id: int | None, now: datetime
    ) -> None: ...

    async def open_suggestions(self, excerpt_id: int) -> list[Comment]:
        """An excerpt's open comments that carry a suggestion, by number."""
        ...

    async def comments_by_numbers(self, guild_id: int, numbers: Sequence[int]) -> list[Comment]:
        """The comments of a server with these numbers (missing ones left out), by number."""
        ...

    async def mark_applied(
        self, comment_ids: Sequence[int], applied_by_id: int, revision: int, now: datetime
    ) -> None:
        """These comments' suggestions went into ``revision``: resolved and applied."""
        ...

    async def update_comment_text(self, comment_id: int, text: str, now: datetime) -> None: ...

    async def delete_comment(self, comment_id: int) -> None: ...

    async def list_comments(
        self,
        excerpt_id: int,
        *,
        first_line: int | None = None,
        last_line: int | None = None,
        status: CommentStatus | None = None,
        origin_revision: int | None = None,
        after: tuple[bool, int, int] | None = None,
        limit: int | None = None,
        kind: CommentKind | None = None,
    ) -> list[Comment]:
        """Comments of an excerpt in line order (outdated ones last), optionally those
        touching a line range or those written on one revision; with ``limit``, one page
        of them after the keyset position ``after`` (outdated, first line, number)."""
        ...

    async def comments_to_carry(self, excerpt_id: int) -> list[Comment]:
        """Comments a new revision must re-anchor: all that are not already outdated."""
        ...

    async def move_anchors(
        self, moves: Sequence[tuple[int, Anchor, AnchorState, int]], now: datetime
    ) -> None:
        """Apply (comment id, anchor, state, revision) for many comments at once."""
        ...

    async def count_replies(self, comment_ids: Sequence[int]) -> dict[int, int]:
        """comment id -> how many replies it has (comments without any are left out)."""
        ...

    async def search_comments(
        self,
        guild_id: int,
        typed: str,
        *,
        excerpt_id: int | None,
        limit: int,
        viewer: Viewer | None = None,
    ) -> list[Comment]:
        """Comments for autocomplete on excerpts ``viewer`` can see: by number prefix or words
        of the text, newest first."""
        ...

    async def bulk_insert_comments(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Load many comments at once (benchmarks, imports). Each row holds, in order:
        guild_id, number, excerpt_id, author_id, author_name, text, line_start, line_end,
        revision, created_at."""
        ...
