"""Starting, showing, discarding, submitting and expiring reviews."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.errors import InvalidInput, NotFound, WrongState
from bot.exchange import CritiqueMeter
from bot.formatting import one_line, plural
from bot.models import (
    Actor,
    Comment,
    Draft,
    Excerpt,
    Line,
    NotifyEvent,
    Reply,
    Review,
    ReviewStatus,
)
from bot.notifications import notice_for, record
from bot.storage import Session, Store
from bot.workshop import clean_text, require_live, require_open, seen_by

EXPIRY = timedelta(days=7)  # a review untouched this long is discarded
MAX_SUMMARY_CHARS = 1_500
_SWEEP_BATCH = 500
_NEVER = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ShownReview:
    review: Review
    excerpt: Excerpt
    drafts: list[Draft]
    reply_numbers: dict[int, int]  # comment row id -> its number, for draft replies


@dataclass(frozen=True, slots=True)
class SubmittedComment:
    comment: Comment
    lines: list[Line]


@dataclass(frozen=True, slots=True)
class ReviewSubmission:
    review: Review
    excerpt: Excerpt
    comments: list[SubmittedComment]  # in line order
    replies: list[tuple[Reply, Comment]]


class ReviewService:
    def __init__(
        self,
        database: Store,
        clock: Callable[[], datetime],
        meter: CritiqueMeter | None = None,
    ) -> None:
        self.db = database
        self._now = clock
        # Submitted drafts count in the exchange like any comment (drafts never do); share
        # the comment service's meter so the story's shingles are cached once.
        self.meter = meter or CritiqueMeter()
        # When the next open review can go stale: the sweep reads nothing before then.
        self._next_sweep: datetime | None = None

    async def start(
        self,
        *,
        guild_id: int,
        member: Actor,
        excerpt_number: int | None,
        thread_id: int | None,
    ) -> Excerpt:
        async with self.db.transaction() as tx:
            excerpt = await _excerpt_named(tx, guild_id, member, excerpt_number, thread_id)
            require_open(excerpt)
            if await tx.reviews.open_review_of(member.id, excerpt.id) is not None:
                raise WrongState(
                    f"You already have a review of excerpt #{excerpt.number} open: add to it, "
                    "then `/review submit` or `/review discard`."
                )
            now = self._now()
            await tx.reviews.open_review(
                guild_id=guild_id, excerpt_id=excerpt.id, reader_id=member.id, now=now
            )
        if self._next_sweep is not None and now + EXPIRY < self._next_sweep:
            self._next_sweep = now + EXPIRY
        return excerpt

    async def show(self, *, guild_id: int, member: Actor, thread_id: int | None) -> ShownReview:
        async with self.db.read() as session:
            review, excerpt = await _which(session, guild_id, member, thread_id)
            drafts = await session.reviews.drafts(review.id)
            numbers: dict[int, int] = {}
            for draft in drafts:
                if draft.reply_to is not None and draft.reply_to not in numbers:
                    comment = await session.comments.get_comment_by_id(draft.reply_to)
                    if comment is not None:
                        numbers[draft.reply_to] = comment.number
        return ShownReview(review, excerpt, drafts, numbers)

    async def discard(self, *, guild_id: int, member: Actor, thread_id: int | None) -> Excerpt:
        async with self.db.transaction() as tx:
            review, excerpt = await _which(tx, guild_id, member, thread_id)
            await tx.reviews.finish(review.id, ReviewStatus.DISCARDED, None, self._now())
        return excerpt

    async def submit(
        self, *, guild_id: int, member: Actor, thread_id: int | None, summary: str | None
    ) -> ReviewSubmission:
        """Turn every draft into an ordinary comment or reply, in one transaction, with one
        notification for the excerpt's author."""
        text = None
        if summary and summary.strip():
            text = clean_text(summary, "summary", MAX_SUMMARY_CHARS)
        now = self._now()
        async with self.db.transaction() as tx:
            review, excerpt = await _which(tx, guild_id, member, thread_id)
            require_open(excerpt)
            drafts = await tx.reviews.drafts(review.id)
            if not drafts:
                raise WrongState(
                    f"Your review of excerpt #{excerpt.number} holds nothing yet: add comments "
                    "with `/comment add` (or discard it with `/review discard`)."
                )
            comments: list[SubmittedComment] = []
            replies: list[tuple[Reply, Comment]] = []
            for draft in drafts:
                if draft.reply_to is None:
                    comment, _ = await tx.comments.insert_comment(
                        guild_id=guild_id,
                        excerpt_id=excerpt.id,
                        excerpt_number=excerpt.number,
                        revision=draft.revision,
                        author_id=member.id,
                        author_name=draft.author_name,
                        text=draft.text,
                        anchor=draft.anchor,
                        suggestion=draft.suggestion,
                        now=now,
                        kind=draft.kind,
                        review_id=review.id,
                    )
                    lines = await tx.excerpts.get_lines(
                        excerpt.id,
                        comment.revision,
                        comment.anchor.line_start,
                        comment.anchor.line_end,
                    )
                    comments.append(SubmittedComment(comment, lines))
                    continue
                answered = await tx.comments.get_comment_by_id(draft.reply_to)
                if answered is None:  # deleted meanwhile: its reply has nothing to answer
                    continue
                reply, _ = await tx.comments.insert_reply(
                    comment_id=answered.id,
                    author_id=member.id,
                    author_name=draft.author_name,
                    text=draft.text,
                    now=now,
                )
                replies.append((reply, answered))
            await tx.reviews.finish(review.id, ReviewStatus.SUBMITTED, text, now)
            written: list[str | None] = [r.text for r, _ in replies]
            for submitted_comment in comments:
                written += [submitted_comment.comment.text, submitted_comment.comment.suggestion]
            await self.meter.change(
                tx.exchange,
                guild_id=guild_id,
                excerpt_id=excerpt.id,
                excerpt_number=excerpt.number,
                revision=excerpt.revision,
                excerpt_author_id=excerpt.author_id,
                reader_id=member.id,
                added=written,
                now=now,
            )
            said = [plural(len(comments), "comment")]
            if replies:
                said.append(plural(len(replies), "reply"))
            detail = " and ".join(said) + (f": {one_line(text, 120)}" if text else "")
            await record(
                tx,
                notice_for(
                    excerpt.author_id, excerpt, NotifyEvent.REVIEW, member.display_name, detail
                ),
                actor_id=member.id,
                now=now,
            )
        submitted = Review(
            review.id,
            guild_id,
            excerpt.id,
            member.id,
            ReviewStatus.SUBMITTED,
            text,
            review.created_at,
            now,
        )
        return ReviewSubmission(submitted, excerpt, comments, replies)

    async def record_cards(self, placed: Sequence[tuple[int, int]]) -> None:
        """(comment id, message id) for each submitted comment the thread now shows."""
        async with self.db.transaction() as tx:
            await tx.reviews.set_cards(placed)

    async def expire_stale(self) -> int:
        """Discard reviews untouched for :data:`EXPIRY`; their readers are told later.
        Called on every tick: it reads only once the oldest open review may be stale."""
        now = self._now()
        if self._next_sweep is not None and now < self._next_sweep:
            return 0
        expired = 0
        async with self.db.read() as session:
            oldest = await session.reviews.oldest_open_touch()
        if oldest is not None and oldest < now - EXPIRY:
            async with self.db.transaction() as tx:
                stale = await tx.reviews.stale_reviews(now - EXPIRY, _SWEEP_BATCH)
                for review in stale:
                    await tx.reviews.finish(review.id, ReviewStatus.EXPIRED, None, now)
                oldest = await tx.reviews.oldest_open_touch()
            expired = len(stale)
        self._next_sweep = _NEVER if oldest is None else oldest + EXPIRY
        return expired

    async def untold_expired(self) -> list[tuple[int, int, int]]:
        async with self.db.read() as session:
            return await session.reviews.untold_expired()

    async def expiry_told(self, reader_id: int) -> None:
        async with self.db.transaction() as tx:
            await tx.reviews.mark_told(reader_id)


async def _excerpt_named(
    session: Session,
    guild_id: int,
    member: Actor,
    number: int | None,
    thread_id: int | None,
) -> Excerpt:
    if number is not None:
        found = await session.excerpts.get_excerpt(guild_id, number)
        return require_live(seen_by(member.viewer, found), number)
    if thread_id is not None:
        found = await session.excerpts.get_excerpt_by_thread(guild_id, thread_id)
        if found is not None and seen_by(member.viewer, found) is not None:
            return require_live(found, found.number)
    raise InvalidInput(
        "Which excerpt? Use this inside the excerpt's thread, or pick one with `excerpt:`."
    )


async def _which(
    session: Session, guild_id: int, member: Actor, thread_id: int | None
) -> tuple[Review, Excerpt]:
    """The member's open review: of the excerpt whose thread this is, else their only one."""
    if thread_id is not None:
        excerpt = await session.excerpts.get_excerpt_by_thread(guild_id, thread_id)
        if excerpt is not None:
            review = await session.reviews.open_review_of(member.id, excerpt.id)
            if review is None:
                raise NotFound(
                    f"You have no open review of excerpt #{excerpt.number}. Start one with "
                    f"`/review start excerpt:{excerpt.number}`."
                )
            return review, excerpt
    found = await session.reviews.open_reviews(guild_id, member.id)
    if not found:
        raise NotFound("You have no open review. Start one with `/review start excerpt:<id>`.")
    if len(found) > 1:
        numbers = ", ".join(f"#{number}" for _, number in found)
        raise InvalidInput(
            f"You have open reviews of excerpts {numbers}: use this inside that excerpt's thread."
        )
    review, number = found[0]
    excerpt = await session.excerpts.get_excerpt(guild_id, number)
    return review, require_live(excerpt, number)
