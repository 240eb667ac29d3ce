"""Comments and replies: adding, replying, resolving, editing, deleting, listing, cards.

Every public method is one user action: it validates everything first and then
writes in one transaction, so a refused action leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.anchors import build_anchor, check_suggestion
from bot.errors import InvalidInput, NotAllowed, NotFound, WrongState
from bot.exchange import CritiqueMeter, credit_thanks
from bot.linespec import parse_line_spec
from bot.models import (
    Actor,
    Anchor,
    AnchorState,
    Comment,
    CommentKind,
    CommentStatus,
    Excerpt,
    Line,
    NotifyEvent,
    Reply,
    Viewer,
)
from bot.notifications import comment_detail, notice_for, record, tell_commenter
from bot.storage import Session, Store
from bot.workshop._records import CommentContext, CommentListing, ReplyContext
from bot.workshop._validation import (
    AUTOCOMPLETE_LIMIT,
    MAX_COMMENT_CHARS,
    RETRY_WINDOW,
    WHICH_EXCERPT,
    can_resolve,
    clean_text,
    lines_to_fetch,
    require_live,
    require_open,
    require_revision,
    require_thread_writer,
    resolve_excerpt,
    seen_by,
)


class CommentService:
    def __init__(
        self,
        database: Store,
        clock: Callable[[], datetime],
        meter: CritiqueMeter | None = None,
    ) -> None:
        self.db = database
        self._now = clock
        # Keeps each critique's words and credit in step with its texts (the exchange).
        self.meter = meter or CritiqueMeter()

    async def _book(
        self,
        session: Session,
        excerpt: Excerpt,
        reader_id: int,
        *,
        added: tuple[str | None, ...] = (),
        removed: tuple[str | None, ...] = (),
    ) -> None:
        await self.meter.change(
            session.exchange,
            guild_id=excerpt.guild_id,
            excerpt_id=excerpt.id,
            excerpt_number=excerpt.number,
            revision=excerpt.revision,
            excerpt_author_id=excerpt.author_id,
            reader_id=reader_id,
            added=added,
            removed=removed,
            now=self._now(),
        )

    async def add_comment(
        self,
        *,
        guild_id: int,
        member: Actor,
        line_spec: str,
        text: str,
        excerpt_number: int | None = None,
        thread_id: int | None = None,
        quote: str | None = None,
        suggestion: str | None = None,
        kind: CommentKind | None = None,
    ) -> CommentContext:
        """Comment on the excerpt named, or else on the one whose thread ``thread_id`` is."""
        body = clean_text(text, "comment", MAX_COMMENT_CHARS)
        checked_suggestion = check_suggestion(quote, suggestion)
        if excerpt_number is None and thread_id is None:
            raise InvalidInput(WHICH_EXCERPT)
        # The hot path: one read, then the insert, the critique's credit and the author's
        # notification, in one transaction run whole next to the database.
        wanted_first, wanted_last = lines_to_fetch(line_spec)

        async def add(session: Session) -> CommentContext:
            found, lines = await session.excerpts.get_excerpt_with_lines(
                guild_id,
                wanted_first,
                wanted_last,
                number=excerpt_number,
                thread_id=thread_id,
            )
            live = resolve_excerpt(seen_by(member.viewer, found), excerpt_number)
            require_open(live)
            require_thread_writer(member, live, "comment")
            first, last = parse_line_spec(line_spec, live.line_count)
            anchor = _anchor_in(lines, first, last, quote)
            review = await session.reviews.open_review_of(member.id, live.id)
            if review is not None:
                now = self._now()
                drafted = await session.reviews.add_draft(
                    review_id=review.id,
                    reply_to=None,
                    author_name=member.display_name,
                    text=body,
                    kind=kind,
                    anchor=anchor,
                    suggestion=checked_suggestion,
                    revision=live.revision,
                    now=now,
                )
                draft = draft_comment(live, member, body, anchor, checked_suggestion, kind, now)
                return CommentContext(draft, live, lines, drafted=drafted)
            comment, inserted = await session.comments.insert_comment(
                guild_id=guild_id,
                excerpt_id=live.id,
                excerpt_number=live.number,
                revision=live.revision,
                author_id=member.id,
                author_name=member.display_name,
                text=body,
                anchor=anchor,
                suggestion=checked_suggestion,
                now=self._now(),
                retry_window=RETRY_WINDOW,
                kind=kind,
            )
            if inserted:
                await self._book(session, live, member.id, added=(body, checked_suggestion))
                await record(
                    session,
                    notice_for(
                        live.author_id,
                        live,
                        NotifyEvent.COMMENT,
                        member.display_name,
                        comment_detail(comment),
                        comment.id,
                    ),
                    actor_id=member.id,
                    now=comment.created_at,
                )
            return CommentContext(comment, live, lines, repeated=not inserted)

        return await self.db.run_transaction(add)

    async def reply(
        self, *, guild_id: int, comment_number: int, member: Actor, text: str
    ) -> ReplyContext:
        body = clean_text(text, "reply", MAX_COMMENT_CHARS)

        # Run whole next to the database, as add_comment (one trip, one transaction).
        async def write(tx: Session) -> ReplyContext:
            comment, excerpt = await _comment_and_excerpt(
                tx, guild_id, comment_number, member.viewer
            )
            require_open(excerpt)
            require_thread_writer(member, excerpt, "reply")
            review = await tx.reviews.open_review_of(member.id, excerpt.id)
            if review is not None:
                now = self._now()
                drafted = await tx.reviews.add_draft(
                    review_id=review.id,
                    reply_to=comment.id,
                    author_name=member.display_name,
                    text=body,
                    kind=None,
                    anchor=comment.anchor,
                    suggestion=None,
                    revision=excerpt.revision,
                    now=now,
                )
                draft = Reply(0, comment.id, member.id, member.display_name, body, now)
                return ReplyContext(draft, comment, excerpt, drafted=drafted)
            reply, inserted = await tx.comments.insert_reply(
                comment_id=comment.id,
                author_id=member.id,
                author_name=member.display_name,
                text=body,
                now=self._now(),
                retry_window=RETRY_WINDOW,
            )
            if inserted:
                await self._book(tx, excerpt, member.id, added=(body,))
                # The excerpt's author and the comment's author hear of it, once each.
                detail = comment_detail(comment, reply.text)
                for listener in dict.fromkeys((excerpt.author_id, comment.author_id)):
                    await record(
                        tx,
                        notice_for(
                            listener,
                            excerpt,
                            NotifyEvent.REPLY,
                            member.display_name,
                            detail,
                            comment.id,
                        ),
                        actor_id=member.id,
                        now=reply.created_at,
                    )
            return ReplyContext(reply, comment, excerpt, repeated=not inserted)

        return await self.db.run_transaction(write)

    async def record_comment_card(self, comment: Comment, message_id: int) -> None:
        """Remember the message showing a comment in the thread, to keep it current.

        Not worth a wait for the disk: a crash may lose it (never the comment), and
        then only that card stops following its comment's changes."""

        async def keep(session: Session) -> None:
            await session.comments.set_comment_card(comment.id, message_id)

        await self.db.run_transaction(keep, durable=False)

    async def record_reply_card(self, reply: Reply, message_id: int) -> None:
        """As :meth:`record_comment_card`, for a reply's card."""

        async def keep(session: Session) -> None:
            await session.comments.set_reply_card(reply.id, message_id)

        await self.db.run_transaction(keep, durable=False)

    async def set_resolved(
        self, *, guild_id: int, comment_number: int, member: Actor, resolved: bool
    ) -> CommentContext:
        wanted = CommentStatus.RESOLVED if resolved else CommentStatus.OPEN

        async def write(tx: Session) -> CommentContext:
            comment, excerpt = await _comment_and_excerpt(
                tx, guild_id, comment_number, member.viewer
            )
            if not can_resolve(member, comment, excerpt):
                raise NotAllowed(
                    f"Only the excerpt's author, the comment's author or a moderator can "
                    f"{'resolve' if resolved else 'reopen'} comment #{comment_number}."
                )
            if comment.status is wanted:
                raise WrongState(f"Comment #{comment_number} is already {wanted.value}.")
            now = self._now()
            await tx.comments.set_comment_status(
                comment.id, wanted, member.id if resolved else None, now
            )
            if resolved:
                await tell_commenter(
                    tx,
                    comment,
                    excerpt,
                    NotifyEvent.RESOLVED,
                    actor_id=member.id,
                    actor_name=member.display_name,
                    now=now,
                )
            return await _card_context(tx, comment.id, excerpt)

        return await self.db.run_transaction(write)

    async def edit_comment(
        self, *, guild_id: int, comment_number: int, member: Actor, text: str
    ) -> CommentContext:
        body = clean_text(text, "comment", MAX_COMMENT_CHARS)

        async def write(tx: Session) -> CommentContext:
            comment, excerpt = await _comment_and_excerpt(
                tx, guild_id, comment_number, member.viewer
            )
            if comment.author_id != member.id:
                raise NotAllowed(
                    f"You can only edit your own comments; #{comment_number} is not yours."
                )
            require_open(excerpt)
            await tx.comments.update_comment_text(comment.id, body, self._now())
            await self._book(tx, excerpt, member.id, added=(body,), removed=(comment.text,))
            # An edit notifies nobody again; news not yet sent shows the new words.
            await tx.notifications.refresh_detail(
                comment.id, NotifyEvent.COMMENT, comment_detail(comment, body)
            )
            return await _card_context(tx, comment.id, excerpt)

        return await self.db.run_transaction(write)

    async def delete_comment(
        self, *, guild_id: int, comment_number: int, member: Actor
    ) -> CommentContext:
        """Delete a comment and its replies; the context keeps their card ids (the
        comment's ``replies`` are attached) so their cards can leave the thread too."""

        async def write(tx: Session) -> CommentContext:
            comment, excerpt = await _comment_and_excerpt(
                tx, guild_id, comment_number, member.viewer
            )
            if comment.author_id != member.id and not member.is_moderator:
                raise NotAllowed(
                    f"You can only delete your own comments; #{comment_number} is not yours."
                )
            comment = (await tx.comments.attach_replies([comment]))[0]
            await tx.comments.delete_comment(comment.id)
            await self._book(
                tx, excerpt, comment.author_id, removed=(comment.text, comment.suggestion)
            )
            for reply in comment.replies:
                await self._book(tx, excerpt, reply.author_id, removed=(reply.text,))
            return CommentContext(comment, excerpt, [])

        return await self.db.run_transaction(write)

    async def thank(self, *, guild_id: int, comment_number: int, member: Actor) -> CommentContext:
        """The excerpt's author thanks a reader's comment: marked on the comment once, and
        half a credit to the reader once per excerpt, and the reader hears of it."""
        now = self._now()

        async def write(tx: Session) -> CommentContext:
            comment, excerpt = await _comment_and_excerpt(
                tx, guild_id, comment_number, member.viewer
            )
            if member.id != excerpt.author_id:
                raise NotAllowed(
                    f"Only the author of excerpt #{excerpt.number} can thank its comments."
                )
            if comment.author_id == member.id:
                raise NotAllowed("You can't thank your own comment.")
            if not await tx.exchange.set_comment_thanked(comment.id, now):
                raise WrongState(f"You have already thanked comment #{comment_number}.")
            await credit_thanks(tx.exchange, excerpt, comment.author_id, now)
            await tell_commenter(
                tx,
                comment,
                excerpt,
                NotifyEvent.THANKED,
                actor_id=member.id,
                actor_name=member.display_name,
                now=now,
            )
            return await _card_context(tx, comment.id, excerpt)

        return await self.db.run_transaction(write)

    async def list_comments(
        self,
        *,
        guild_id: int,
        excerpt_number: int,
        line_spec: str | None,
        status: CommentStatus | None,
        revision: int | None = None,
        viewer: Viewer | None = None,
        after: tuple[bool, int, int] | None = None,
        limit: int | None = None,
        kind: CommentKind | None = None,
    ) -> CommentListing:
        """The comments asked for; with ``limit``, one page of them after the keyset
        position ``after`` (outdated, first line, number), reply counts for that page."""

        async def read(session: Session) -> CommentListing:
            excerpt = require_live(
                seen_by(viewer, await session.excerpts.get_excerpt(guild_id, excerpt_number)),
                excerpt_number,
            )
            first: int | None = None
            last: int | None = None
            if line_spec:
                first, last = parse_line_spec(line_spec, excerpt.line_count)
            if revision is not None:
                require_revision(excerpt, revision)
            found = await session.comments.list_comments(
                excerpt.id,
                first_line=first,
                last_line=last,
                status=status,
                origin_revision=revision,
                after=after,
                limit=limit,
                kind=kind,
            )
            counts = await session.comments.count_replies([c.id for c in found])
            total = None
            if first is None and revision is None and kind is None:
                # Kept by the storage layer: no rows counted.
                open_count, resolved = await session.excerpts.comment_counts(excerpt.id)
                total = {
                    None: open_count + resolved,
                    CommentStatus.OPEN: open_count,
                    CommentStatus.RESOLVED: resolved,
                }[status]
            return CommentListing(excerpt, found, counts, total)

        return await self.db.run_read(read)

    async def search_comments(
        self,
        guild_id: int,
        typed: str,
        excerpt_number: int | None = None,
        *,
        viewer: Viewer | None = None,
    ) -> list[Comment]:

        async def read(session: Session) -> list[Comment]:
            excerpt_id = None
            if excerpt_number is not None:
                excerpt = await session.excerpts.get_excerpt(guild_id, excerpt_number)
                excerpt_id = excerpt.id if excerpt else None
            return await session.comments.search_comments(
                guild_id,
                typed,
                excerpt_id=excerpt_id,
                limit=AUTOCOMPLETE_LIMIT,
                viewer=viewer,
            )

        return await self.db.run_read(read)


async def _card_context(session: Session, comment_id: int, excerpt: Excerpt) -> CommentContext:
    """A comment as its card shows it: with the lines it points at."""
    comment = await session.comments.get_comment_by_id(comment_id)
    assert comment is not None
    lines = await session.excerpts.get_lines(
        excerpt.id, comment.revision, comment.anchor.line_start, comment.anchor.line_end
    )
    return CommentContext(comment, excerpt, lines)


def _anchor_in(lines: list[Line], first: int, last: int, quote: str | None) -> Anchor:
    """The anchor for a range, with ``build_anchor`` working on the range's own lines."""
    texts = [""] * (first - 1) + [line.text for line in lines]
    return build_anchor(texts, first, last, quote)


async def _comment_and_excerpt(
    session: Session, guild_id: int, number: int, viewer: Viewer | None = None
) -> tuple[Comment, Excerpt]:
    comment = await session.comments.get_comment(guild_id, number)
    excerpt = None
    if comment is not None:
        excerpt = await session.excerpts.get_excerpt(guild_id, comment.excerpt_number)
        if excerpt is not None and seen_by(viewer, excerpt) is None:
            comment = None  # on an excerpt hidden from them: no such comment
    if comment is None:
        raise NotFound(f"There is no comment #{number} in this server.")
    return comment, require_live(excerpt, comment.excerpt_number)


def draft_comment(
    excerpt: Excerpt,
    member: Actor,
    text: str,
    anchor: Anchor,
    suggestion: str | None,
    kind: CommentKind | None,
    now: datetime,
) -> Comment:
    """A draft as a comment record, to show its writer: no row id and no number yet."""
    return Comment(
        id=0,
        guild_id=excerpt.guild_id,
        number=0,
        excerpt_id=excerpt.id,
        excerpt_number=excerpt.number,
        author_id=member.id,
        author_name=member.display_name,
        text=text,
        anchor=anchor,
        suggestion=suggestion,
        status=CommentStatus.OPEN,
        anchor_state=AnchorState.ANCHORED,
        revision=excerpt.revision,
        origin_revision=excerpt.revision,
        origin_line_start=anchor.line_start,
        origin_line_end=anchor.line_end,
        created_at=now,
        updated_at=now,
        kind=kind,
    )
