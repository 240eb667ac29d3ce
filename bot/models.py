"""Domain records. Plain dataclasses: no Discord, no SQL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import Protocol


class ExcerptStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    DELETED = "deleted"


class CommentStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class Intensity(StrEnum):
    """How blunt the author wants readers to be."""

    GENTLE = "gentle"
    STANDARD = "standard"
    THICK_SKIN = "thick skin"


class CommentKind(StrEnum):
    """What a comment is about."""

    TYPO = "typo"
    LINE = "line"
    STRUCTURE = "structure"
    CHARACTER = "character"
    PACING = "pacing"
    PRAISE = "praise"
    QUESTION = "question"


class AnchorState(StrEnum):
    """Where a comment stands against the excerpt's current revision."""

    ANCHORED = "anchored"  # written on this revision, or its text is unchanged
    MOVED = "moved"  # carried to a new place by a revision
    OUTDATED = "outdated"  # its text is gone from the current revision


@dataclass(frozen=True, slots=True)
class Line:
    number: int  # 1-based, stable within a revision
    text: str


CONTEXT_CHARS = 32


@dataclass(frozen=True, slots=True)
class Anchor:
    """Where a comment is pinned: a line range, optionally a phrase inside it.

    A quote lies within one line of the range, ``quote_line``, at character
    ``quote_offset`` of that line's text; ``prefix``/``suffix`` hold a little
    context around it (up to ``CONTEXT_CHARS`` each) so a later revision can
    find the phrase again.
    """

    line_start: int
    line_end: int
    quote: str | None = None
    quote_line: int | None = None
    quote_offset: int | None = None
    prefix: str = ""
    suffix: str = ""

    @property
    def is_range(self) -> bool:
        return self.line_end != self.line_start

    def describe(self) -> str:
        if self.is_range:
            return f"lines {self.line_start}–{self.line_end}"
        return f"line {self.line_start}"


@dataclass(frozen=True, slots=True)
class Excerpt:
    id: int  # internal row id; never shown to users
    guild_id: int
    number: int  # the short id users see, unique within the guild
    title: str
    author_id: int
    author_name: str
    channel_id: int
    thread_id: int | None
    revision: int  # current revision number, from 1
    status: ExcerptStatus
    content_warning: str | None
    word_count: int
    line_count: int
    created_at: datetime
    updated_at: datetime
    focus: str | None = None  # what the author wants feedback on
    intensity: Intensity | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    id: int
    comment_id: int
    author_id: int
    author_name: str
    text: str
    created_at: datetime
    card_message_id: int | None = None  # its card in the excerpt's thread, if posted


@dataclass(frozen=True, slots=True)
class Comment:
    id: int  # internal row id
    guild_id: int
    number: int  # the short id users see, unique within the guild
    excerpt_id: int
    excerpt_number: int
    author_id: int
    author_name: str
    text: str
    anchor: Anchor  # against ``revision``
    suggestion: str | None  # replaces ``anchor.quote`` when set
    status: CommentStatus
    anchor_state: AnchorState
    revision: int  # revision the anchor refers to
    origin_revision: int  # revision the comment was written on
    origin_line_start: int
    origin_line_end: int
    created_at: datetime
    updated_at: datetime
    resolved_by_id: int | None = None
    card_message_id: int | None = None  # its card in the excerpt's thread, if posted
    edited_at: datetime | None = None  # when its text was last changed by its writer
    replies: tuple[Reply, ...] = field(default=())
    # The phrase as the reader quoted it, kept for the record when ``anchor.quote``
    # follows the text into later revisions (even into the suggested words).
    origin_quote: str | None = None
    kind: CommentKind | None = None
    review_id: int | None = None  # submitted in this review: its card is the review's message
    thanked_at: datetime | None = None  # when the excerpt's author thanked it
    # Its suggestion went into revision ``applied_revision`` (the comment is resolved too).
    applied_at: datetime | None = None
    applied_revision: int | None = None

    @property
    def is_applied(self) -> bool:
        return self.applied_revision is not None

    @property
    def suggested_against(self) -> str | None:
        """The words a suggestion replaces, as they were when it was made."""
        return self.origin_quote if self.origin_quote is not None else self.anchor.quote


class Viewer(Protocol):
    """Which channels of one server a member can see and where they may write.

    An excerpt lives in the channel its thread was opened in: to a member who cannot view
    that channel (or is shut out of a private thread of it) the excerpt does not exist. The
    glue works this out from Discord's permissions; the core and storage only ask. A check
    on one excerpt asks about its channel alone; a list asks for every visible channel.
    """

    @property
    def channel_ids(self) -> frozenset[int]:
        """Channels (text, forum) the member can view."""
        ...

    @property
    def hidden_thread_ids(self) -> frozenset[int]:
        """Private threads in those channels that the member is not in."""
        ...

    def can_see(self, excerpt: Excerpt) -> bool: ...

    def can_write_in_thread(self, excerpt: Excerpt) -> bool: ...


@dataclass(frozen=True, slots=True)
class ChannelViewer:
    """A :class:`Viewer` whose channels are known up front."""

    channel_ids: frozenset[int]  # channels (text, forum) the member can view
    hidden_thread_ids: frozenset[int] = frozenset()  # private threads there they are not in
    thread_writer_ids: frozenset[int] = frozenset()  # channels whose threads they may write in

    def can_see(self, excerpt: Excerpt) -> bool:
        return excerpt.channel_id in self.channel_ids and (
            excerpt.thread_id not in self.hidden_thread_ids
        )

    def can_write_in_thread(self, excerpt: Excerpt) -> bool:
        return excerpt.channel_id in self.thread_writer_ids


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: enough of a Discord member for the core to decide rights."""

    id: int
    display_name: str
    is_moderator: bool = False  # Manage Server or Manage Messages, server-wide
    can_manage_server: bool = False  # Manage Server, server-wide
    # What they can see and write in; None is the operator's view (CLI, tools): everything.
    viewer: Viewer | None = None


@dataclass(frozen=True, slots=True)
class ExcerptSummary:
    """A live excerpt with its comment counts, for lists."""

    excerpt: Excerpt
    open_comments: int
    resolved_comments: int


@dataclass(frozen=True, slots=True)
class PostedMessage:
    """A bot message showing lines ``first_line..last_line`` of an excerpt's revision."""

    message_id: int
    first_line: int
    last_line: int


@dataclass(frozen=True, slots=True)
class ExcerptFeedback:
    """One excerpt's text at ``revision`` and every comment on it."""

    excerpt: Excerpt
    lines: tuple[Line, ...]  # the text of `revision`
    revision: int
    comments: tuple[Comment, ...]  # every comment of the excerpt, with replies, any order
    # comment id -> the lines it was written on, as they read then; loaded for outdated
    # comments, whose text the shown revision no longer has.
    origin_lines: Mapping[int, tuple[Line, ...]] = field(default_factory=dict)
    # reader id -> the substantive words of their critique (the critique exchange's measure)
    critique_words: Mapping[int, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Failure:
    """Why the last daily prompt could not be posted, for the moderators."""

    reason: str
    local_date: date | None
    channel_id: int | None
    at: datetime


@dataclass(frozen=True, slots=True)
class Schedule:
    """A server's daily prompt settings and where the scheduler stands."""

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
    """A prompt a server added to its own rotation."""

    number: int
    text: str
    author_id: int
    created_at: datetime

    @property
    def key(self) -> str:
        """Its key in the usage history; the "s:" prefix keeps server keys apart from
        library keys, which have no colon."""
        return f"s:{self.number}"


class NotifyMode(StrEnum):
    INSTANT = "instant"
    DAILY = "daily"
    OFF = "off"


class NotifyEvent(StrEnum):
    """What a notification tells of."""

    COMMENT = "comment"  # a new comment on the member's excerpt
    REPLY = "reply"  # a reply on the member's excerpt, or to the member's comment
    REVIEW = "review"  # a whole review submitted on the member's excerpt
    RESOLVED = "resolved"  # the member's comment was resolved
    APPLIED = "applied"  # the member's suggestion was applied
    THANKED = "thanked"  # the author thanked the member for a comment


@dataclass(frozen=True, slots=True)
class NotifySettings:
    """How a member hears of feedback, across all servers."""

    member_id: int
    mode: NotifyMode = NotifyMode.DAILY
    at: time = time(18, 0)
    time_zone: str = "UTC"
    introduced: bool = False  # a message has already said how to change this
    dm_closed: bool = False  # Discord refused a direct message; nothing is sent until /notify


@dataclass(frozen=True, slots=True)
class Notice:
    """One event a member is to hear of (a row of the outbox)."""

    member_id: int
    guild_id: int
    excerpt_id: int
    excerpt_number: int
    excerpt_title: str
    thread_id: int | None
    event: NotifyEvent
    actor_name: str
    detail: str
    comment_id: int | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DueMember:
    """A member whose next message is due, with their oldest event not yet sent."""

    settings: NotifySettings
    due: datetime
    oldest: datetime | None


class ReviewStatus(StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"
    DISCARDED = "discarded"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Review:
    """A reader's review of one excerpt: while open, their feedback on it is drafts."""

    id: int
    guild_id: int
    excerpt_id: int
    reader_id: int
    status: ReviewStatus
    summary: str | None
    created_at: datetime
    touched_at: datetime


@dataclass(frozen=True, slots=True)
class Draft:
    """A comment (``reply_to`` None) or a reply held in an open review."""

    id: int
    review_id: int
    reply_to: int | None  # the comment's row id, for a reply
    author_name: str
    text: str
    kind: CommentKind | None
    anchor: Anchor
    suggestion: str | None
    revision: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ShardSet:
    """The Discord shards one bot process runs: ``ids`` out of ``count``.

    A server belongs to shard ``(guild_id >> 22) % count`` (Discord's rule), so the
    processes of a cluster split the servers between them by their shard ids.
    """

    count: int
    ids: tuple[int, ...]

    def owns(self, guild_id: int) -> bool:
        return (guild_id >> 22) % self.count in self.ids
