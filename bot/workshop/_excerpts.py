"""Excerpts: posting, showing, listing, opening and closing, deleting, revising.

Every public method is one user action: it validates everything first and then
writes in one transaction, so a refused action leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from bot.errors import WrongState
from bot.exchange import book_posted, check_can_post
from bot.linespec import parse_line_spec
from bot.models import (
    Actor,
    Excerpt,
    ExcerptStatus,
    ExcerptSummary,
    Intensity,
    PostedMessage,
    Viewer,
)
from bot.storage import Session, Store
from bot.text import count_words, parse_excerpt_text
from bot.workshop._records import LineListing, MessageLines, RevisionOutcome
from bot.workshop._revise import apply_revision, fully_posted, plan_revision, revision_outcome
from bot.workshop._validation import (
    AUTOCOMPLETE_LIMIT,
    MAX_CONTENT_WARNING_CHARS,
    MAX_FOCUS_CHARS,
    MAX_TITLE_CHARS,
    clean_text,
    require_author,
    require_live,
    require_manager,
    require_revision,
    require_thread_writer,
    seen_by,
)


class ExcerptService:
    def __init__(self, database: Store, clock: Callable[[], datetime]) -> None:
        self.db = database
        self._now = clock

    def check_details(self, title: str, content_warning: str | None) -> tuple[str, str | None]:
        """A new excerpt's title and content warning, cleaned, or ``InvalidInput``."""
        clean_title = clean_text(title, "title", MAX_TITLE_CHARS, single_line=True)
        warning = None
        if content_warning and content_warning.strip():
            warning = clean_text(
                content_warning, "content warning", MAX_CONTENT_WARNING_CHARS, single_line=True
            )
        return clean_title, warning

    def check_focus(self, focus: str | None) -> str | None:
        """What the author wants feedback on, cleaned; None when not said."""
        if not focus or not focus.strip():
            return None
        return clean_text(focus, "focus", MAX_FOCUS_CHARS, single_line=True)

    def prepare_excerpt(
        self, title: str, text: str, content_warning: str | None
    ) -> tuple[str, list[str], str | None]:
        """Validate a new excerpt before anything is created on Discord or on disk."""
        clean_title, warning = self.check_details(title, content_warning)
        return clean_title, parse_excerpt_text(text), warning

    async def check_credits(self, guild_id: int, author: Actor) -> None:
        """Refuse early (``NotEnoughCredits``) an author who can't pay for a new excerpt,
        before anything is shown in the channel; :meth:`create_excerpt` checks again."""
        async with self.db.transaction() as tx:
            await check_can_post(tx.exchange, guild_id, author.id, self._now())

    async def create_excerpt(
        self,
        *,
        guild_id: int,
        channel_id: int,
        author: Actor,
        title: str,
        lines: Sequence[str],
        content_warning: str | None,
        focus: str | None = None,
        intensity: Intensity | None = None,
    ) -> Excerpt:
        """Store a validated excerpt, not yet visible: :meth:`mark_posted` makes it live.
        With the exchange on, refused (``NotEnoughCredits``) when the author can't pay."""
        async with self.db.transaction() as tx:
            await check_can_post(tx.exchange, guild_id, author.id, self._now())
            return await tx.excerpts.insert_excerpt(
                focus=self.check_focus(focus),
                intensity=intensity,
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
            if excerpt.revision == 1:  # a new excerpt (revisions are free)
                await book_posted(
                    tx.exchange,
                    guild_id=excerpt.guild_id,
                    excerpt_id=excerpt.id,
                    excerpt_number=excerpt.number,
                    author_id=excerpt.author_id,
                    now=self._now(),
                )

    async def discard_unposted(self, excerpt: Excerpt) -> None:
        async with self.db.transaction() as tx:
            await tx.excerpts.delete_unposted(excerpt.id)

    async def purge_unposted(self) -> int:
        async with self.db.transaction() as tx:
            return await tx.excerpts.purge_unposted()

    async def get_excerpt(
        self, guild_id: int, number: int, *, viewer: Viewer | None = None
    ) -> Excerpt:
        found = await self.db.run_read(
            lambda session: session.excerpts.get_excerpt(guild_id, number)
        )
        return require_live(seen_by(viewer, found), number)

    async def excerpt_for_thread(
        self, guild_id: int, thread_id: int, *, viewer: Viewer | None = None
    ) -> Excerpt | None:
        excerpt = seen_by(
            viewer,
            await self.db.run_read(
                lambda session: session.excerpts.get_excerpt_by_thread(guild_id, thread_id)
            ),
        )
        if excerpt is None or excerpt.status is ExcerptStatus.DELETED:
            return None
        return excerpt

    async def excerpt_for_message(
        self, guild_id: int, message_id: int, *, viewer: Viewer | None = None
    ) -> MessageLines | None:
        """What a bot message shows, if it is one of a live excerpt's messages."""
        found = await self.db.run_read(
            lambda session: session.excerpts.get_message_lines(guild_id, message_id)
        )
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
        window: tuple[int, int] | None = None,
    ) -> LineListing:
        """The lines ``spec`` names with their comment counts; with ``window`` (start line,
        how many), only that page of them, so a page costs the same at any length."""

        async def read(session: Session) -> LineListing:
            excerpt = require_live(
                seen_by(viewer, await session.excerpts.get_excerpt(guild_id, number)), number
            )
            shown = require_revision(
                excerpt, revision if revision is not None else excerpt.revision
            )
            total = excerpt.line_count
            if shown != excerpt.revision:
                total = len(await session.excerpts.get_lines(excerpt.id, shown))
            first, last = parse_line_spec(spec, total) if spec else (1, total)
            start, stop = first, last
            if window is not None:
                start = max(first, window[0])
                stop = min(last, start + window[1] - 1)
            lines = await session.excerpts.get_lines(excerpt.id, shown, start, stop)
            counts = (
                await session.excerpts.comment_counts_by_line(excerpt.id, start, stop)
                if shown == excerpt.revision and lines
                else {}
            )
            return LineListing(excerpt, shown, lines, counts, first, last)

        return await self.db.run_read(read)

    async def list_excerpts(
        self,
        guild_id: int,
        author_id: int | None = None,
        *,
        viewer: Viewer | None = None,
        before: int | None = None,
        limit: int | None = None,
    ) -> list[ExcerptSummary]:
        """Newest first; with ``limit``, one page: those numbered below ``before``."""
        return await self.db.run_read(
            lambda session: session.excerpts.list_excerpts(
                guild_id, author_id=author_id, viewer=viewer, before=before, limit=limit
            )
        )

    async def count_excerpts(
        self,
        guild_id: int,
        author_id: int | None = None,
        *,
        viewer: Viewer | None = None,
        cap: int,
    ) -> int:
        """How many excerpts the list holds, counted no further than ``cap``."""
        return await self.db.run_read(
            lambda session: session.excerpts.count_excerpts(
                guild_id, author_id=author_id, viewer=viewer, cap=cap
            )
        )

    async def search_excerpts(
        self, guild_id: int, typed: str, *, viewer: Viewer | None = None
    ) -> list[tuple[int, str, str]]:
        typed = typed.strip().lstrip("#")
        return await self.db.run_read(
            lambda session: session.excerpts.search_excerpts(
                guild_id, typed, AUTOCOMPLETE_LIMIT, viewer
            )
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
            require_manager(member, excerpt, "reopen" if open_ else "close")
            if excerpt.status is wanted:
                raise WrongState(f"Excerpt #{number} is already {wanted.value}.")
            await tx.excerpts.set_status(excerpt.id, wanted, self._now())
            await tx.exchange.set_closed(excerpt.id, not open_)
        return excerpt

    async def check_can_delete_excerpt(self, guild_id: int, number: int, member: Actor) -> Excerpt:
        excerpt = await self.get_excerpt(guild_id, number, viewer=member.viewer)
        require_manager(member, excerpt, "delete")
        return excerpt

    async def delete_excerpt(self, guild_id: int, number: int, member: Actor) -> Excerpt:
        async with self.db.transaction() as tx:
            excerpt = require_live(
                seen_by(member.viewer, await tx.excerpts.get_excerpt(guild_id, number)),
                number,
            )
            require_manager(member, excerpt, "delete")
            await tx.excerpts.delete_excerpt(excerpt.id, self._now())
            await tx.exchange.dequeue(excerpt.id)
        return excerpt

    async def check_can_revise(self, guild_id: int, number: int, member: Actor) -> Excerpt:
        excerpt = await self.get_excerpt(guild_id, number, viewer=member.viewer)
        require_author(member, excerpt)
        require_thread_writer(member, excerpt, "revision")
        return excerpt

    async def revise_excerpt(
        self, *, guild_id: int, number: int, member: Actor, text: str
    ) -> RevisionOutcome:
        """Store revision N+1 and carry every comment to where its text now stands."""
        plan = await plan_revision(
            self.db,
            guild_id=guild_id,
            number=number,
            member=member,
            new_lines=parse_excerpt_text(text),
        )
        if isinstance(plan, RevisionOutcome):
            return plan  # the current revision, to post again: nothing to store
        updated, moves = await apply_revision(self.db, plan, guild_id=guild_id, now=self._now)
        return revision_outcome(updated, plan, moves)

    async def record_revision_messages(
        self, excerpt: Excerpt, messages: Sequence[PostedMessage]
    ) -> None:
        async with self.db.transaction() as tx:
            await tx.excerpts.record_messages(excerpt.id, excerpt.revision, messages)

    async def revision_fully_posted(self, excerpt: Excerpt) -> bool:
        """Whether every line of the current revision is shown by a message in the thread."""
        posted = await self.db.run_read(
            lambda session: session.excerpts.posted_ranges(excerpt.id, excerpt.revision)
        )
        return fully_posted(posted, excerpt.line_count)
