"""Recording events in the outbox, inside the caller's transaction."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from bot.formatting import one_line
from bot.models import Comment, Excerpt, Notice, NotifyEvent
from bot.schedule import next_time_after
from bot.storage import Session

DEFAULT_TIME = time(18, 0)
DEFAULT_ZONE = "UTC"
_DETAIL_CHARS = 120


def notice_for(
    member_id: int,
    excerpt: Excerpt,
    event: NotifyEvent,
    actor_name: str,
    detail: str,
    comment_id: int | None = None,
) -> Notice:
    """An event about ``excerpt`` for ``member_id``."""
    return Notice(
        member_id=member_id,
        guild_id=excerpt.guild_id,
        excerpt_id=excerpt.id,
        excerpt_number=excerpt.number,
        excerpt_title=excerpt.title,
        thread_id=excerpt.thread_id,
        event=event,
        actor_name=actor_name,
        detail=detail,
        comment_id=comment_id,
    )


def comment_detail(comment: Comment, text: str | None = None) -> str:
    """ "#12 · line 4 · typo: the first words" (plain text; the glue escapes it)."""
    parts = [f"#{comment.number}", comment.anchor.describe()]
    if comment.kind is not None:
        parts.append(comment.kind.value)
    return f"{' · '.join(parts)}: {one_line(comment.text if text is None else text, _DETAIL_CHARS)}"


async def record(session: Session, notice: Notice, *, actor_id: int, now: datetime) -> None:
    """Put ``notice`` in the outbox, in the caller's transaction. Nobody hears of their own
    action; a member who turned notifications off hears nothing."""
    if notice.member_id == actor_id:
        return
    default_daily = next_time_after(now.astimezone(UTC), DEFAULT_TIME, ZoneInfo(DEFAULT_ZONE))
    await session.notifications.enqueue(notice, now=now, default_daily=default_daily)


async def tell_commenter(
    session: Session,
    comment: Comment,
    excerpt: Excerpt,
    event: NotifyEvent,
    *,
    actor_id: int,
    actor_name: str,
    now: datetime,
) -> None:
    """The comment's writer hears what happened to it (resolved, applied, thanked)."""
    notice = notice_for(
        comment.author_id, excerpt, event, actor_name, comment_detail(comment), comment.id
    )
    await record(session, notice, actor_id=actor_id, now=now)
