"""What workshop actions return: records the Discord adapter renders."""

from __future__ import annotations

from dataclasses import dataclass

from bot.models import AnchorState, Comment, Excerpt, Line, Reply
from bot.reanchor import RevisionSummary


@dataclass(frozen=True, slots=True)
class LineListing:
    """An excerpt's lines as of one revision, with each line's (open, resolved) counts."""

    excerpt: Excerpt
    revision: int
    lines: list[Line]
    counts: dict[int, tuple[int, int]]  # line -> (open, resolved)
    # The lines asked for; ``lines`` may be one page of them.
    first: int = 1
    last: int = 0


@dataclass(frozen=True, slots=True)
class MessageLines:
    """The lines one posted message of an excerpt shows, and of which revision."""

    excerpt: Excerpt
    revision: int
    first: int
    last: int
    current_message_id: int | None  # first message of the excerpt's current revision

    @property
    def is_current(self) -> bool:
        return self.revision == self.excerpt.revision


@dataclass(frozen=True, slots=True)
class CommentContext:
    """A comment with the excerpt and lines it points at, for echoing it."""

    comment: Comment
    excerpt: Excerpt
    lines: list[Line]
    repeated: bool = False  # a retried submission: the comment was already stored


@dataclass(frozen=True, slots=True)
class ReplyContext:
    reply: Reply
    comment: Comment
    excerpt: Excerpt
    repeated: bool = False  # a retried submission: the reply was already stored


@dataclass(frozen=True, slots=True)
class CommentMove:
    """Where a revision took one comment (its first line before and after)."""

    number: int
    old_line: int
    new_line: int
    state: AnchorState


@dataclass(frozen=True, slots=True)
class RevisionOutcome:
    """What a new revision did: the excerpt as it now stands and where comments went."""

    excerpt: Excerpt
    summary: RevisionSummary
    lines: list[Line]
    kept: int  # comments on the same lines with the same text
    moved: int
    outdated: int
    moves: tuple[CommentMove, ...] = ()  # the comments that moved or became outdated
    # Reposting the current revision, which Discord left half-posted: the (first, last)
    # lines of the messages already in the thread, which need not be sent again.
    reposting: bool = False
    already_posted: tuple[tuple[int, int], ...] = ()
    applied: tuple[int, ...] = ()  # numbers of the comments whose suggestion went in


@dataclass(frozen=True, slots=True)
class CommentListing:
    excerpt: Excerpt
    comments: list[Comment]
    reply_counts: dict[int, int]
    total: int | None = None  # comments matching in all, when known without counting rows
