"""The storage interface the services use; a backend implements it.

A :class:`Store` hands out sessions: :meth:`Store.read` a consistent snapshot,
:meth:`Store.transaction` one atomic unit of work (one user action), and
:meth:`Store.exclusive` a session for an action that reads, checks, then writes
with a single statement that is atomic on its own (no BEGIN/COMMIT round trips).
A :class:`Session` exposes one repository per table group. Services hold a
``Store`` and never see a connection; records are :mod:`bot.models` dataclasses.

SQLite implements it in :mod:`bot.storage.database` (``Database``/``SqliteSession``)
over the table-group modules (``SqliteExcerpts``, ``SqliteComments``, ...).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from bot.models import (
    Anchor,
    AnchorState,
    Comment,
    CommentKind,
    CommentStatus,
    Excerpt,
    ExcerptFeedback,
    ExcerptStatus,
    ExcerptSummary,
    Failure,
    Intensity,
    Line,
    PostedMessage,
    Reply,
    Schedule,
    ServerPrompt,
    ShardSet,
    Viewer,
)
from bot.storage.exchange_interface import ExchangeStore
from bot.storage.interface_reviews import NotificationStore, ReviewStore


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


class PromptStore(Protocol):
    """Prompt schedules, server prompts, the usage history and posts."""

    async def save_schedule(
        self,
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
        ...

    async def get_schedule(self, guild_id: int) -> Schedule | None: ...

    async def due_schedules(
        self, now: datetime, limit: int, shards: ShardSet | None = None
    ) -> list[Schedule]:
        """Active schedules whose next post is due, most overdue first (uses the due index),
        of ``shards``' servers only when given."""
        ...

    async def earliest_due(self, shards: ShardSet | None = None) -> datetime | None:
        """The soonest next post of any active schedule (of ``shards``' servers if given)."""
        ...

    async def advance_schedule(
        self, guild_id: int, *, next_due: datetime, last_local_date: date | None, now: datetime
    ) -> None: ...

    async def advance_schedules(
        self, moves: Sequence[tuple[int, datetime, date | None]], now: datetime
    ) -> None:
        """advance_schedule for many servers: (guild_id, next_due, last_local_date) each."""
        ...

    async def set_paused(
        self, guild_id: int, *, paused: bool, next_due: datetime, now: datetime
    ) -> None: ...

    async def set_failure(self, guild_id: int, failure: Failure) -> None: ...

    async def clear_failure(self, guild_id: int) -> None: ...

    async def insert_server_prompt(
        self, guild_id: int, text: str, author_id: int, now: datetime
    ) -> ServerPrompt: ...

    async def get_server_prompt(self, guild_id: int, number: int) -> ServerPrompt | None: ...

    async def delete_server_prompt(self, guild_id: int, number: int) -> None: ...

    async def list_server_prompts(self, guild_id: int) -> list[ServerPrompt]:
        """A server's prompts in the order they were added, which is the order they are used."""
        ...

    async def search_server_prompts(
        self, guild_id: int, typed: str, limit: int
    ) -> list[ServerPrompt]:
        """A server's prompts matching by number prefix or by text, newest first."""
        ...

    async def used_keys(self, guild_id: int) -> tuple[set[str], str | None]:
        """The prompt keys used in the server's current cycle, and the most recent one."""
        ...

    async def forget_history(self, guild_id: int) -> None: ...

    async def record_use(self, guild_id: int, prompt_key: str, now: datetime) -> None: ...

    async def record_uses(self, uses: Sequence[tuple[int, str]], now: datetime) -> None: ...

    async def server_prompts_of(
        self, guild_ids: Collection[int]
    ) -> dict[int, list[ServerPrompt]]: ...

    async def history_of(self, guild_ids: Collection[int]) -> dict[int, list[str]]:
        """Each server's used prompt keys of its current cycle, oldest first."""
        ...

    async def forget_use(self, guild_id: int, prompt_key: str) -> None: ...

    async def claim_day(
        self,
        *,
        guild_id: int,
        local_date: date,
        channel_id: int,
        role_id: int | None,
        now: datetime,
        prompt: tuple[str, str] | None = None,
    ) -> int | None:
        """Claim a server's local date for its daily post; None if it was already claimed.

        The prompt is filled in by :meth:`set_post_prompt` in the same transaction: the row
        must exist first, so a lost race never burns a prompt from the history.
        """
        ...

    async def insert_immediate_post(
        self, *, guild_id: int, channel_id: int, role_id: int | None, now: datetime
    ) -> int: ...

    async def extra_posts_since(
        self, guild_id: int, since: datetime
    ) -> tuple[int, datetime | None]:
        """How many ``/prompt now`` posts a server has claimed since ``since`` (failed ones
        excluded: nobody saw them) and when the latest of all such posts was claimed."""
        ...

    async def set_post_prompt(self, post_id: int, prompt_key: str, prompt_text: str) -> None: ...

    async def finish_post(
        self,
        post_id: int,
        *,
        message_id: int | None,
        thread_id: int | None,
        error: str | None,
        now: datetime,
    ) -> None:
        """Record how a claimed post ended; a post with a message counts as posted."""
        ...


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


class Session(Protocol):
    """The repositories of one read, transaction or exclusive session."""

    @property
    def excerpts(self) -> ExcerptStore: ...

    @property
    def comments(self) -> CommentStore: ...

    @property
    def prompts(self) -> PromptStore: ...

    @property
    def feedback(self) -> FeedbackStore: ...

    @property
    def exchange(self) -> ExchangeStore: ...

    @property
    def notifications(self) -> NotificationStore: ...

    @property
    def reviews(self) -> ReviewStore: ...


class Store(Protocol):
    """Where the bot keeps its data: opened once, closed once, used through sessions."""

    async def open(self) -> None:
        """Connect and bring the schema up to date; raises ``UnusableDatabase`` saying why."""
        ...

    async def close(self) -> None: ...

    @property
    def notices_written(self) -> int:
        """How many notification events were written since the store opened."""
        ...

    def read(self) -> AbstractAsyncContextManager[Session]:
        """A consistent snapshot for several reads."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[Session]:
        """One atomic unit of work: committed on success, rolled back on any error."""
        ...

    def exclusive(self) -> AbstractAsyncContextManager[Session]:
        """No other action writes meanwhile, but there is no surrounding transaction: for
        a read-check-then-single-statement-write action (each statement commits itself)."""
        ...
