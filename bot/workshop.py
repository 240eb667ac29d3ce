"""The workshop: what authors, readers and moderators can do, with the rules.

Knows nothing of Discord. Every public method is one user action: it
validates everything first and then writes in one transaction, so a refused
action leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.anchors import build_anchor, check_suggestion
from bot.errors import InvalidInput, NotAllowed, NotFound, WrongState
from bot.linespec import parse_line_spec
from bot.models import (
    Actor,
    Anchor,
    AnchorState,
    Comment,
    CommentStatus,
    Excerpt,
    ExcerptStatus,
    ExcerptSummary,
    Line,
    PostedMessage,
    Reply,
    Viewer,
)
from bot.reanchor import (
    LineMap,
    Relocation,
    RevisionSummary,
    SearchBudget,
    build_line_map,
    relocate,
    summarize,
)
from bot.storage import Session, Store
from bot.text import (
    MAX_LINES,
    check_storable,
    count_words,
    is_invisible,
    parse_excerpt_text,
)

MAX_TITLE_CHARS = 90
MAX_CONTENT_WARNING_CHARS = 200
MAX_COMMENT_CHARS = 1_500
AUTOCOMPLETE_LIMIT = 25
# A member whose answer never came (Discord showed "did not respond") sends it again within
# a minute or two; the same comment in that window is that retry, not a second comment.
RETRY_WINDOW = timedelta(minutes=5)

_ID = re.compile(r"^\s*[#]?\s*(?:[ec]\s*)?(\d{1,18})\s*$", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


WHICH_EXCERPT = (
    "Which excerpt? Use this command inside the excerpt's thread, or pick one with `excerpt:`."
)


@dataclass(frozen=True, slots=True)
class LineListing:
    """An excerpt's lines as of one revision, with each line's (open, resolved) counts."""

    excerpt: Excerpt
    revision: int
    lines: list[Line]
    counts: dict[int, tuple[int, int]]  # line -> (open, resolved)


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


@dataclass(frozen=True, slots=True)
class CommentListing:
    excerpt: Excerpt
    comments: list[Comment]
    reply_counts: dict[int, int]


def parse_number(text: str, what: str) -> int:
    """A user-typed id such as ``12``, ``#12`` or ``E12``."""
    match = _ID.match(text or "")
    if match is None or int(match[1]) == 0:
        raise InvalidInput(
            f"“{{typed}}” is not {_article(what)} {what} id. "
            "Ids are numbers such as `12`; start typing and pick one from the list.",
            typed=_shorten(text, 40),
        )
    return int(match[1])


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def clean_text(text: str, what: str, max_chars: int, *, single_line: bool = False) -> str:
    """User prose, trimmed, without control characters; refuses empty or oversize text."""
    check_storable(text or "", what)
    cleaned = _CONTROL.sub("", unicodedata.normalize("NFC", text or "")).strip()
    if single_line:
        cleaned = " ".join(cleaned.split())
    if is_invisible(cleaned):
        raise InvalidInput(f"The {what} is empty. Please write something.")
    if len(cleaned) > max_chars:
        raise InvalidInput(
            f"The {what} is {len(cleaned):,} characters long; the limit is {max_chars:,}."
        )
    return cleaned


def _shorten(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def can_manage_excerpt(member: Actor, excerpt: Excerpt) -> bool:
    return member.id == excerpt.author_id or member.is_moderator


def can_resolve(member: Actor, comment: Comment, excerpt: Excerpt) -> bool:
    return member.id in (excerpt.author_id, comment.author_id) or member.is_moderator


class Workshop:
    def __init__(self, database: Store, clock: Callable[[], datetime]) -> None:
        self.db = database
        self._now = clock

    # ------------------------------------------------------------ excerpts

    def check_details(self, title: str, content_warning: str | None) -> tuple[str, str | None]:
        """A new excerpt's title and content warning, cleaned, or ``InvalidInput``."""
        clean_title = clean_text(title, "title", MAX_TITLE_CHARS, single_line=True)
        warning = None
        if content_warning and content_warning.strip():
            warning = clean_text(
                content_warning, "content warning", MAX_CONTENT_WARNING_CHARS, single_line=True
            )
        return clean_title, warning

    def prepare_excerpt(
        self, title: str, text: str, content_warning: str | None
    ) -> tuple[str, list[str], str | None]:
        """Validate a new excerpt before anything is created on Discord or on disk."""
        clean_title, warning = self.check_details(title, content_warning)
        return clean_title, parse_excerpt_text(text), warning

    async def create_excerpt(
        self,
        *,
        guild_id: int,
        channel_id: int,
        author: Actor,
        title: str,
        lines: Sequence[str],
        content_warning: str | None,
    ) -> Excerpt:
        """Store a validated excerpt, not yet visible: :meth:`mark_posted` makes it live."""
        async with self.db.transaction() as tx:
            return await tx.excerpts.insert_excerpt(
                guild_id=guild_id,
                title=title,
                author_id=author.id,
                author_name=author.display_name,
                channel_id=channel_id,
                content_warning=content_warning,
                lines=lines,
                word_count=count_words(lines),
                now=self._now(),
            )

    async def mark_posted(
        self, excerpt: Excerpt, thread_id: int, messages: Sequence[PostedMessage]
    ) -> None:
        async with self.db.transaction() as tx:
            await tx.excerpts.mark_posted(excerpt.id, excerpt.revision, thread_id, messages)

    async def discard_unposted(self, excerpt: Excerpt) -> None:
        async with self.db.transaction() as tx:
            await tx.excerpts.delete_unposted(excerpt.id)

    async def purge_unposted(self) -> int:
        async with self.db.transaction() as tx:
            return await tx.excerpts.purge_unposted()

    async def get_excerpt(
        self, guild_id: int, number: int, *, viewer: Viewer | None = None
    ) -> Excerpt:
        async with self.db.read() as session:
            found = await session.excerpts.get_excerpt(guild_id, number)
        return require_live(seen_by(viewer, found), number)

    async def excerpt_for_thread(
        self, guild_id: int, thread_id: int, *, viewer: Viewer | None = None
    ) -> Excerpt | None:
        async with self.db.read() as session:
            excerpt = seen_by(
                viewer, await session.excerpts.get_excerpt_by_thread(guild_id, thread_id)
            )
        if excerpt is None or excerpt.status is ExcerptStatus.DELETED:
            return None
        return excerpt

    async def excerpt_for_message(
        self, guild_id: int, message_id: int, *, viewer: Viewer | None = None
    ) -> MessageLines | None:
        """What a bot message shows, if it is one of a live excerpt's messages."""
        async with self.db.read() as session:
            found = await session.excerpts.get_message_lines(guild_id, message_id)
        if found is None or found[0].status is ExcerptStatus.DELETED:
            return None
        if seen_by(viewer, found[0]) is None:
            return None
        return MessageLines(*found)

    async def show_lines(
        self,
        guild_id: int,
        number: int,
        spec: str | None,
        revision: int | None = None,
        *,
        viewer: Viewer | None = None,
    ) -> LineListing:
        async with self.db.read() as session:
            excerpt = require_live(
                seen_by(viewer, await session.excerpts.get_excerpt(guild_id, number)), number
            )
            shown = revision if revision is not None else excerpt.revision
            if not 1 <= shown <= excerpt.revision:
                raise InvalidInput(
                    f"Excerpt #{excerpt.number} has revisions 1–{excerpt.revision}; "
                    f"there is no revision {shown}."
                )
            total = excerpt.line_count
            if shown != excerpt.revision:
                total = len(await session.excerpts.get_lines(excerpt.id, shown))
            first, last = parse_line_spec(spec, total) if spec else (1, total)
            lines = await session.excerpts.get_lines(excerpt.id, shown, first, last)
            counts = (
                await session.excerpts.comment_counts_by_line(excerpt.id, first, last)
                if shown == excerpt.revision
                else {}
            )
        return LineListing(excerpt, shown, lines, counts)

    async def all_lines(self, excerpt: Excerpt) -> list[Line]:
        async with self.db.read() as session:
            return await session.excerpts.get_lines(excerpt.id, excerpt.revision)

    async def list_excerpts(
        self, guild_id: int, author_id: int | None = None, *, viewer: Viewer | None = None
    ) -> list[ExcerptSummary]:
        async with self.db.read() as session:
            return await session.excerpts.list_excerpts(
                guild_id, author_id=author_id, viewer=viewer
            )

    async def search_excerpts(
        self, guild_id: int, typed: str, *, viewer: Viewer | None = None
    ) -> list[tuple[int, str, str]]:
        typed = typed.strip().lstrip("#")
        async with self.db.read() as session:
            return await session.excerpts.search_excerpts(
                guild_id, typed, AUTOCOMPLETE_LIMIT, viewer
            )

    async def set_excerpt_open(
        self, guild_id: int, number: int, member: Actor, *, open_: bool
    ) -> Excerpt:
        wanted = ExcerptStatus.OPEN if open_ else ExcerptStatus.CLOSED
        async with self.db.transaction() as tx:
            excerpt = require_live(
                seen_by(member.viewer, await tx.excerpts.get_excerpt(guild_id, number)),
                number,
            )
            if not can_manage_excerpt(member, excerpt):
                raise NotAllowed(
                    f"Only the author of excerpt #{number} or a moderator can "
                    f"{'reopen' if open_ else 'close'} it."
                )
            if excerpt.status is wanted:
                raise WrongState(f"Excerpt #{number} is already {wanted.value}.")
            await tx.excerpts.set_status(excerpt.id, wanted, self._now())
        return excerpt

    async def check_can_delete_excerpt(self, guild_id: int, number: int, member: Actor) -> Excerpt:
        excerpt = await self.get_excerpt(guild_id, number, viewer=member.viewer)
        if not can_manage_excerpt(member, excerpt):
            raise NotAllowed(f"Only the author of excerpt #{number} or a moderator can delete it.")
        return excerpt

    async def delete_excerpt(self, guild_id: int, number: int, member: Actor) -> Excerpt:
        async with self.db.transaction() as tx:
            excerpt = require_live(
                seen_by(member.viewer, await tx.excerpts.get_excerpt(guild_id, number)),
                number,
            )
            if not can_manage_excerpt(member, excerpt):
                raise NotAllowed(
                    f"Only the author of excerpt #{number} or a moderator can delete it."
                )
            await tx.excerpts.delete_excerpt(excerpt.id, self._now())
        return excerpt

    async def check_can_revise(self, guild_id: int, number: int, member: Actor) -> Excerpt:
        excerpt = await self.get_excerpt(guild_id, number, viewer=member.viewer)
        if member.id != excerpt.author_id:
            raise NotAllowed(f"Only the author of excerpt #{number} can post a revision.")
        require_thread_writer(member, excerpt, "revision")
        return excerpt

    async def revise_excerpt(
        self, *, guild_id: int, number: int, member: Actor, text: str
    ) -> RevisionOutcome:
        """Store revision N+1 and carry every comment to where its text now stands.

        Re-anchoring can take seconds on a rewritten text, so it runs in a worker
        thread between a read and the write, not while holding the database.
        """
        new_lines = parse_excerpt_text(text)
        async with self.db.read() as session:
            excerpt = require_live(
                seen_by(member.viewer, await session.excerpts.get_excerpt(guild_id, number)),
                number,
            )
            if member.id != excerpt.author_id:
                raise NotAllowed(f"Only the author of excerpt #{number} can post a revision.")
            require_thread_writer(member, excerpt, "revision")
            old_lines = [
                line.text for line in await session.excerpts.get_lines(excerpt.id, excerpt.revision)
            ]
            if old_lines == new_lines:
                posted = await session.excerpts.posted_ranges(excerpt.id, excerpt.revision)
                if not fully_posted(posted, len(old_lines)):
                    return _repost(excerpt, old_lines, posted)
                raise InvalidInput(
                    f"That text is the same as revision {excerpt.revision}; nothing to revise."
                )
            carried = await session.comments.comments_to_carry(excerpt.id)
        line_map, planned = await asyncio.to_thread(
            _plan_relocations, old_lines, new_lines, carried
        )
        # Comments written while we were planning are planned in the worker too,
        # before taking the write lock: nothing is relocated on the event loop.
        async with self.db.read() as session:
            late = _unplanned(await session.comments.comments_to_carry(excerpt.id), planned)
        if late:
            planned.update(await asyncio.to_thread(_relocate_each, line_map, late))
        revision = excerpt.revision + 1
        async with self.db.transaction() as tx:
            current = require_live(await tx.excerpts.get_excerpt(guild_id, number), number)
            if current.revision != excerpt.revision:
                raise WrongState(
                    f"Excerpt #{number} got another revision meanwhile; please try again."
                )
            # The set carried is the one read under the lock: each comment moved
            # exactly once. The few written since the catch-up above are planned
            # in the worker as well (holding the lock only that long).
            carried = await tx.comments.comments_to_carry(excerpt.id)
            late = _unplanned(carried, planned)
            if late:
                planned.update(await asyncio.to_thread(_relocate_each, line_map, late))
            moves = [(comment, planned[comment.id][1]) for comment in carried]
            now = self._now()
            word_count = count_words(new_lines)
            await tx.excerpts.insert_revision(excerpt.id, revision, new_lines, word_count, now)
            await tx.excerpts.set_current_revision(
                excerpt.id, revision, len(new_lines), word_count, now
            )
            await tx.comments.move_anchors(
                [
                    (
                        comment.id,
                        moved.anchor,
                        moved.state,
                        comment.revision if moved.state is AnchorState.OUTDATED else revision,
                    )
                    for comment, moved in moves
                ],
                now,
            )
            updated = await tx.excerpts.get_excerpt(guild_id, number)
        assert updated is not None
        states = [moved.state for _comment, moved in moves]
        return RevisionOutcome(
            excerpt=updated,
            summary=summarize(line_map),
            lines=[Line(n, line) for n, line in enumerate(new_lines, start=1)],
            kept=states.count(AnchorState.ANCHORED),
            moved=states.count(AnchorState.MOVED),
            outdated=states.count(AnchorState.OUTDATED),
            moves=tuple(
                CommentMove(
                    comment.number, comment.anchor.line_start, moved.anchor.line_start, moved.state
                )
                for comment, moved in sorted(moves, key=lambda pair: pair[0].number)
                if moved.state is not AnchorState.ANCHORED
            ),
        )

    async def record_revision_messages(
        self, excerpt: Excerpt, messages: Sequence[PostedMessage]
    ) -> None:
        async with self.db.transaction() as tx:
            await tx.excerpts.record_messages(excerpt.id, excerpt.revision, messages)

    async def revision_fully_posted(self, excerpt: Excerpt) -> bool:
        """Whether every line of the current revision is shown by a message in the thread."""
        async with self.db.read() as session:
            posted = await session.excerpts.posted_ranges(excerpt.id, excerpt.revision)
        return fully_posted(posted, excerpt.line_count)

    # ------------------------------------------------------------ comments

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
    ) -> CommentContext:
        """Comment on the excerpt named, or else on the one whose thread ``thread_id`` is."""
        body = clean_text(text, "comment", MAX_COMMENT_CHARS)
        checked_suggestion = check_suggestion(quote, suggestion)
        if excerpt_number is None and thread_id is None:
            raise InvalidInput(WHICH_EXCERPT)
        # The hot path: one read and one single-statement insert under the lock.
        wanted_first, wanted_last = _lines_to_fetch(line_spec)
        async with self.db.exclusive() as session:
            found, lines = await session.excerpts.get_excerpt_with_lines(
                guild_id,
                wanted_first,
                wanted_last,
                number=excerpt_number,
                thread_id=thread_id,
            )
            live = _resolve(seen_by(member.viewer, found), excerpt_number)
            _require_open(live)
            require_thread_writer(member, live, "comment")
            first, last = parse_line_spec(line_spec, live.line_count)
            anchor = _anchor_in(lines, first, last, quote)
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
            )
        return CommentContext(comment, live, lines, repeated=not inserted)

    async def get_comment(
        self, guild_id: int, number: int, *, viewer: Viewer | None = None
    ) -> CommentContext:
        async with self.db.read() as session:
            comment, excerpt = await _comment_and_excerpt(session, guild_id, number, viewer)
            comment = (await session.comments.attach_replies([comment]))[0]
            lines = await session.excerpts.get_lines(
                excerpt.id,
                comment.revision,
                comment.anchor.line_start,
                comment.anchor.line_end,
            )
        return CommentContext(comment, excerpt, lines)

    async def reply(
        self, *, guild_id: int, comment_number: int, member: Actor, text: str
    ) -> ReplyContext:
        body = clean_text(text, "reply", MAX_COMMENT_CHARS)
        async with self.db.transaction() as tx:
            comment, excerpt = await _comment_and_excerpt(
                tx, guild_id, comment_number, member.viewer
            )
            _require_open(excerpt)
            require_thread_writer(member, excerpt, "reply")
            reply, inserted = await tx.comments.insert_reply(
                comment_id=comment.id,
                author_id=member.id,
                author_name=member.display_name,
                text=body,
                now=self._now(),
                retry_window=RETRY_WINDOW,
            )
        return ReplyContext(reply, comment, excerpt, repeated=not inserted)

    async def record_comment_card(self, comment: Comment, message_id: int) -> None:
        """Remember the message showing a comment in the thread, to keep it current."""
        async with self.db.transaction() as tx:
            await tx.comments.set_comment_card(comment.id, message_id)

    async def record_reply_card(self, reply: Reply, message_id: int) -> None:
        async with self.db.transaction() as tx:
            await tx.comments.set_reply_card(reply.id, message_id)

    async def set_resolved(
        self, *, guild_id: int, comment_number: int, member: Actor, resolved: bool
    ) -> CommentContext:
        wanted = CommentStatus.RESOLVED if resolved else CommentStatus.OPEN
        async with self.db.transaction() as tx:
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
            await tx.comments.set_comment_status(
                comment.id, wanted, member.id if resolved else None, self._now()
            )
            return await _card_context(tx, comment.id, excerpt)

    async def edit_comment(
        self, *, guild_id: int, comment_number: int, member: Actor, text: str
    ) -> CommentContext:
        body = clean_text(text, "comment", MAX_COMMENT_CHARS)
        async with self.db.transaction() as tx:
            comment, excerpt = await _comment_and_excerpt(
                tx, guild_id, comment_number, member.viewer
            )
            if comment.author_id != member.id:
                raise NotAllowed(
                    f"You can only edit your own comments; #{comment_number} is not yours."
                )
            _require_open(excerpt)
            await tx.comments.update_comment_text(comment.id, body, self._now())
            return await _card_context(tx, comment.id, excerpt)

    async def delete_comment(
        self, *, guild_id: int, comment_number: int, member: Actor
    ) -> CommentContext:
        """Delete a comment and its replies; the context keeps their card ids (the
        comment's ``replies`` are attached) so their cards can leave the thread too."""
        async with self.db.transaction() as tx:
            comment, excerpt = await _comment_and_excerpt(
                tx, guild_id, comment_number, member.viewer
            )
            if comment.author_id != member.id and not member.is_moderator:
                raise NotAllowed(
                    f"You can only delete your own comments; #{comment_number} is not yours."
                )
            comment = (await tx.comments.attach_replies([comment]))[0]
            await tx.comments.delete_comment(comment.id)
        return CommentContext(comment, excerpt, [])

    async def list_comments(
        self,
        *,
        guild_id: int,
        excerpt_number: int,
        line_spec: str | None,
        status: CommentStatus | None,
        revision: int | None = None,
        viewer: Viewer | None = None,
    ) -> CommentListing:
        async with self.db.read() as session:
            excerpt = require_live(
                seen_by(viewer, await session.excerpts.get_excerpt(guild_id, excerpt_number)),
                excerpt_number,
            )
            first: int | None = None
            last: int | None = None
            if line_spec:
                first, last = parse_line_spec(line_spec, excerpt.line_count)
            if revision is not None and not 1 <= revision <= excerpt.revision:
                raise InvalidInput(
                    f"Excerpt #{excerpt.number} has revisions 1–{excerpt.revision}; "
                    f"there is no revision {revision}."
                )
            found = await session.comments.list_comments(
                excerpt.id,
                first_line=first,
                last_line=last,
                status=status,
                origin_revision=revision,
            )
            counts = await session.comments.count_replies([c.id for c in found])
        return CommentListing(excerpt, found, counts)

    async def search_comments(
        self,
        guild_id: int,
        typed: str,
        excerpt_number: int | None = None,
        *,
        viewer: Viewer | None = None,
    ) -> list[Comment]:
        async with self.db.read() as session:
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


def _resolve(found: Excerpt | None, number: int | None) -> Excerpt:
    """The excerpt found by number or thread; a miss by thread means none was named."""
    if found is not None:
        return require_live(found, found.number)
    if number is None:
        raise InvalidInput(WHICH_EXCERPT)
    return require_live(None, number)


def seen_by(viewer: Viewer | None, excerpt: Excerpt | None) -> Excerpt | None:
    """The excerpt if ``viewer`` can see it, else None: to a member who cannot view its
    channel an excerpt looks exactly like a missing one, so its existence doesn't leak."""
    if excerpt is None or viewer is None or viewer.can_see(excerpt):
        return excerpt
    return None


def require_thread_writer(member: Actor, excerpt: Excerpt, what: str) -> None:
    """The bot posts in the excerpt's thread on the member's behalf only if they could."""
    if member.viewer is not None and not member.viewer.can_write_in_thread(excerpt):
        raise NotAllowed(
            f"You don't have the **Send Messages in Threads** permission in the channel of "
            f"excerpt #{excerpt.number}, so I can't post your {what} in its thread for you."
        )


def require_live(excerpt: Excerpt | None, number: int) -> Excerpt:
    if excerpt is None:
        raise NotFound(f"There is no excerpt #{number} in this server.")
    if excerpt.status is ExcerptStatus.DELETED:
        raise NotFound(f"Excerpt #{number} was deleted, and its feedback with it.")
    return excerpt


_Planned = dict[int, tuple[Anchor, Relocation]]  # comment id -> (anchor planned from, where)


def _plan_relocations(
    old_lines: Sequence[str], new_lines: Sequence[str], comments: Sequence[Comment]
) -> tuple[LineMap, _Planned]:
    line_map = build_line_map(old_lines, new_lines)
    return line_map, _relocate_each(line_map, comments)


def _relocate_each(line_map: LineMap, comments: Sequence[Comment]) -> _Planned:
    """Where each comment goes: run it in a worker (a second on a pathological text)."""
    budget = SearchBudget()
    return {
        comment.id: (comment.anchor, relocate(comment.anchor, line_map, budget))
        for comment in comments
    }


def _unplanned(comments: Sequence[Comment], planned: _Planned) -> list[Comment]:
    """Comments with no plan yet, or planned from another anchor (an id reused)."""
    return [
        comment
        for comment in comments
        if comment.id not in planned or planned[comment.id][0] != comment.anchor
    ]


def fully_posted(posted: Sequence[tuple[int, int]], line_count: int) -> bool:
    """Whether messages showing these (first, last) line ranges show lines 1..line_count."""
    shown = 0
    for first, last in sorted(posted):
        if first > shown + 1:
            return False
        shown = max(shown, last)
    return shown >= line_count


def _repost(
    excerpt: Excerpt, lines: Sequence[str], posted: Sequence[tuple[int, int]]
) -> RevisionOutcome:
    """The outcome of re-sending the current revision: nothing moves, nothing is stored."""
    return RevisionOutcome(
        excerpt=excerpt,
        summary=RevisionSummary(added=0, removed=0, changed=0, unchanged=len(lines)),
        lines=[Line(n, line) for n, line in enumerate(lines, start=1)],
        kept=0,
        moved=0,
        outdated=0,
        reposting=True,
        already_posted=tuple(posted),
    )


async def _card_context(session: Session, comment_id: int, excerpt: Excerpt) -> CommentContext:
    """A comment as its card shows it: with the lines it points at."""
    comment = await session.comments.get_comment_by_id(comment_id)
    assert comment is not None
    lines = await session.excerpts.get_lines(
        excerpt.id, comment.revision, comment.anchor.line_start, comment.anchor.line_end
    )
    return CommentContext(comment, excerpt, lines)


def _lines_to_fetch(line_spec: str) -> tuple[int, int]:
    """The range a spec names if it is well-formed, else an empty one; the real check
    against the excerpt's length comes once the excerpt is loaded."""
    try:
        return parse_line_spec(line_spec, MAX_LINES)
    except InvalidInput:
        return 0, -1


def require_open(excerpt: Excerpt) -> None:
    """Refuse feedback on a closed excerpt (before a form is opened, too)."""
    _require_open(excerpt)


def _require_open(excerpt: Excerpt) -> None:
    if excerpt.status is ExcerptStatus.CLOSED:
        raise WrongState(
            f"Excerpt #{excerpt.number} is closed to new feedback; its author or a moderator "
            "can reopen it with `/excerpt reopen`."
        )


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
