"""Feedback digests as a service: load an excerpt's feedback, render it as a file.

Knows nothing of Discord: the ``/digest`` cog and the ``python -m bot export``
command line both call it, so a digest reads the same wherever it is made.
Errors are :mod:`bot.errors` with messages written for the person asking.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, Protocol, TypeVar

from bot.anchors import build_anchor
from bot.digest_formats import DigestFormat, RenderedDigest, reader_ids, render_digest
from bot.errors import InvalidInput
from bot.models import Anchor, AnchorState, CommentStatus, Excerpt, ExcerptFeedback
from bot.storage import Session
from bot.workshop import require_live, require_revision

if TYPE_CHECKING:
    from bot.digest_worker import DigestWorker

P = ParamSpec("P")
R = TypeVar("R")

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Reader(Protocol):
    """Anything that hands out read sessions: the bot's store or a read-only file."""

    def read(self) -> AbstractAsyncContextManager[Session]: ...


@dataclass(frozen=True, slots=True)
class Digest:
    """A rendered digest and what it holds, for a one-line summary."""

    file: RenderedDigest
    format: DigestFormat
    title: str
    excerpts: int
    comments: int  # every comment counted in the file's header
    shown: int  # comments listed in it; resolved ones may be left out
    readers: int  # distinct people other than the author who commented or replied


class NoDigestKind(StrEnum):
    """Why there is no digest to make."""

    NO_EXCERPTS = "no excerpts"
    NO_NEW_FEEDBACK = "no new feedback"
    NO_FEEDBACK = "no feedback"


@dataclass(frozen=True, slots=True)
class NoDigest:
    """Nothing to export; ``reason`` says so politely (it is not an error)."""

    kind: NoDigestKind
    reason: str


def parse_since(text: str, today: date | None = None) -> date:
    """A ``YYYY-MM-DD`` day (UTC), or ``InvalidInput`` saying how to write one."""
    cleaned = (text or "").strip()
    try:
        if not _DATE.match(cleaned):
            raise ValueError(cleaned)
        return date.fromisoformat(cleaned)
    except ValueError:
        # A real date as the example, so it can be copied and edited.
        example = (today or datetime.now(UTC).date()) - timedelta(days=7)
        raise InvalidInput(
            "“{typed}” is not a date. Write it as YYYY-MM-DD, "
            f"for example {example.isoformat()}.",
            typed=cleaned[:40],
        ) from None


def _in_the_worker(
    method: Callable[Concatenate[Digests, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[Digests, P], Coroutine[Any, Any, R]]:
    """Made by the digests' worker process when they have one (:mod:`bot.digest_worker`),
    here otherwise; the worker runs the very same method on its own ``Digests``."""

    @functools.wraps(method)
    async def made(digests: Digests, /, *args: P.args, **kwargs: P.kwargs) -> R:
        if digests.worker is None:
            return await method(digests, *args, **kwargs)
        made_there: R = await digests.worker.make(method.__name__, digests._now(), args, kwargs)
        return made_there

    return made


class Digests:
    """Loads feedback and renders it as a file. With a ``worker``, the bot's: each digest
    is made in a worker process, never on the bot's own threads."""

    def __init__(
        self,
        database: Reader,
        clock: Callable[[], datetime],
        *,
        worker: DigestWorker | None = None,
    ) -> None:
        self.db = database
        self._now = clock
        self.worker = worker

    def close(self) -> None:
        """Let the worker's processes exit."""
        if self.worker is not None:
            self.worker.close()

    @_in_the_worker
    async def excerpt_digest(
        self,
        guild_id: int,
        number: int,
        fmt: DigestFormat | str,
        *,
        include_resolved: bool = False,
        revision: int | None = None,
        tracked_suggestions: bool = True,
    ) -> Digest:
        """The feedback on one excerpt (``/digest excerpt``). Anyone in the server may
        export it: every comment is already visible in the excerpt's thread.

        With an earlier ``revision``: that text, with the comments written on it,
        pinned where they were written.
        """
        async with self.db.read() as session:
            excerpt = require_live(await session.excerpts.get_excerpt(guild_id, number), number)
            if revision is not None:
                require_revision(excerpt, revision, number=number)
            feedback = await session.feedback.excerpt_feedback(excerpt, revision)
        if feedback.revision != excerpt.revision:
            feedback = as_written(feedback)
        return await self._render(
            [feedback],
            DigestFormat(fmt),
            include_resolved,
            title=None,
            tracked_suggestions=tracked_suggestions,
        )

    @_in_the_worker
    async def author_digest(
        self,
        guild_id: int,
        author_id: int,
        fmt: DigestFormat | str,
        *,
        since: date | None = None,
        include_resolved: bool = False,
        author_name: str | None = None,
    ) -> Digest | NoDigest:
        """The feedback on all of an author's excerpts in a server, as one file
        (``/digest mine``); with ``since``, only threads active on or after that day."""
        async with self.db.read() as session:
            feedback = await session.feedback.author_feedback(guild_id, author_id, since=since)
            has_excerpts = bool(feedback) or (
                since is not None
                and await session.feedback.author_excerpt_count(guild_id, author_id) > 0
            )
        if not has_excerpts:
            return NoDigest(
                NoDigestKind.NO_EXCERPTS,
                "You have no excerpts in this server yet, so there is no feedback to export. "
                "Post one with `/excerpt post`.",
            )
        if since is not None and not feedback:
            return NoDigest(
                NoDigestKind.NO_NEW_FEEDBACK,
                f"No new feedback on your excerpts since {since.isoformat()}.",
            )
        if not any(item.comments for item in feedback):
            return NoDigest(
                NoDigestKind.NO_FEEDBACK,
                "Your excerpts have no feedback yet; there is nothing to export.",
            )
        name = author_name or _newest(feedback).author_name
        title = f"Feedback for {name}"
        if since is not None:
            title += f" since {since.isoformat()}"
        return await self._render(feedback, DigestFormat(fmt), include_resolved, title=title)

    async def guild_ids(self) -> list[int]:
        """Servers with posted excerpts, for a command line that wasn't told which one."""
        async with self.db.read() as session:
            return await session.feedback.guild_ids()

    async def _render(
        self,
        feedback: Sequence[ExcerptFeedback],
        fmt: DigestFormat,
        include_resolved: bool,
        *,
        title: str | None,
        tracked_suggestions: bool = True,
    ) -> Digest:
        # A Word digest of 10,000 comments takes seconds: render off the event loop
        # so the bot keeps answering everyone else meanwhile.
        rendered = await asyncio.to_thread(
            render_digest,
            feedback,
            fmt,
            include_resolved=include_resolved,
            generated_at=self._now(),
            title=title,
            tracked_suggestions=tracked_suggestions,
        )
        comments = [comment for item in feedback for comment in item.comments]
        resolved = sum(1 for c in comments if c.status is CommentStatus.RESOLVED)
        readers = reader_ids(
            comments, {item.excerpt.id: item.excerpt.author_id for item in feedback}
        )
        return Digest(
            file=rendered,
            format=fmt,
            title=title or feedback[0].excerpt.title,
            excerpts=len(feedback),
            comments=len(comments),
            shown=len(comments) if include_resolved else len(comments) - resolved,
            readers=len(readers),
        )


def _newest(feedback: Sequence[ExcerptFeedback]) -> Excerpt:
    # Display names change; the latest excerpt carries the one in use now.
    return max((item.excerpt for item in feedback), key=lambda excerpt: excerpt.number)


def as_written(feedback: ExcerptFeedback) -> ExcerptFeedback:
    """An earlier revision's feedback: the comments written on it, on their first lines.

    The stored anchor follows the current text, so the phrase is looked up again in
    the old line; a comment whose phrase cannot be found there keeps its lines only.
    """
    texts = [line.text for line in feedback.lines]
    written = []
    for comment in feedback.comments:
        if comment.origin_revision != feedback.revision:
            continue
        start, end = comment.origin_line_start, comment.origin_line_end
        try:
            # The phrase as the reader quoted it on that revision, not as it reads now.
            quote = (
                comment.origin_quote if comment.origin_quote is not None else comment.anchor.quote
            )
            anchor = build_anchor(texts, start, end, quote)
        except (InvalidInput, ValueError):
            anchor = Anchor(start, end)
        written.append(
            replace(
                comment,
                anchor=anchor,
                anchor_state=AnchorState.ANCHORED,
                revision=feedback.revision,
            )
        )
    return replace(feedback, comments=tuple(written))
