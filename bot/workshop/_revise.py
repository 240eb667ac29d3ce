"""Posting a revision: plan where every comment goes, apply it, report the outcome.

Re-anchoring can take seconds on a rewritten text, so planning runs in a worker
thread between reads, and the write transaction only stores what was planned.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.errors import InvalidInput, WrongState
from bot.models import (
    Actor,
    Anchor,
    AnchorState,
    Comment,
    CommentStatus,
    Excerpt,
    Line,
    NotifyEvent,
)
from bot.notifications import tell_commenter
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
from bot.suggestions import anchor_on, applied_by_hand
from bot.text import count_words
from bot.workshop._records import CommentMove, RevisionOutcome
from bot.workshop._validation import require_author, require_live, require_thread_writer, seen_by

_Planned = dict[int, tuple[Anchor, Relocation]]  # comment id -> (anchor planned from, where)
_Move = tuple[Comment, Relocation]


@dataclass(frozen=True, slots=True)
class RevisionPlan:
    """Revision N+1 of an excerpt as read before the write, with each comment's new place."""

    excerpt: Excerpt
    new_lines: list[str]
    line_map: LineMap
    planned: _Planned
    # Comments whose suggestion this revision puts in (applied by hand or by /excerpt
    # apply); their planned anchor is on the replacement words.
    applied: frozenset[int] = field(default_factory=frozenset)


async def plan_revision(
    db: Store, *, guild_id: int, number: int, member: Actor, new_lines: list[str]
) -> RevisionPlan | RevisionOutcome:
    """Check the member may revise, then plan every comment's move in a worker.

    The same text as the current revision, which Discord left half-posted, is a
    repost: its outcome comes back at once, with nothing to store.
    """
    async with db.read() as session:
        excerpt = require_live(
            seen_by(member.viewer, await session.excerpts.get_excerpt(guild_id, number)),
            number,
        )
        require_author(member, excerpt)
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
    line_map, planned, applied = await asyncio.to_thread(
        _plan_relocations, old_lines, new_lines, carried
    )
    # Comments written while we were planning are planned in the worker too,
    # before taking the write lock: nothing is relocated on the event loop.
    async with db.read() as session:
        late = _unplanned(await session.comments.comments_to_carry(excerpt.id), planned)
    if late:
        planned.update(await asyncio.to_thread(_relocate_each, line_map, late))
    return RevisionPlan(excerpt, new_lines, line_map, planned, frozenset(applied))


async def apply_revision(
    db: Store, plan: RevisionPlan, *, guild_id: int, now: Callable[[], datetime]
) -> tuple[Excerpt, list[_Move]]:
    """Store the revision and move every comment, in one transaction."""
    excerpt, new_lines, planned = plan.excerpt, plan.new_lines, plan.planned
    number = excerpt.number
    revision = excerpt.revision + 1
    async with db.transaction() as tx:
        current = require_live(await tx.excerpts.get_excerpt(guild_id, number), number)
        if current.revision != excerpt.revision:
            raise WrongState(f"Excerpt #{number} got another revision meanwhile; please try again.")
        # The set carried is the one read under the lock: each comment moved
        # exactly once. The few written since the catch-up above are planned
        # in the worker as well (holding the lock only that long).
        carried = await tx.comments.comments_to_carry(excerpt.id)
        late = _unplanned(carried, planned)
        if late:
            planned.update(await asyncio.to_thread(_relocate_each, plan.line_map, late))
        moves = [(comment, planned[comment.id][1]) for comment in carried]
        stamp = now()
        word_count = count_words(new_lines)
        await tx.excerpts.insert_revision(excerpt.id, revision, new_lines, word_count, stamp)
        await tx.excerpts.set_current_revision(
            excerpt.id, revision, len(new_lines), word_count, stamp
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
            stamp,
        )
        applied = [
            comment
            for comment, _moved in moves
            if comment.id in plan.applied and comment.status is CommentStatus.OPEN
        ]
        await record_applied(tx, applied, excerpt, revision, stamp)
        updated = await tx.excerpts.get_excerpt(guild_id, number)
    assert updated is not None
    return updated, moves


async def record_applied(
    tx: Session, comments: Sequence[Comment], excerpt: Excerpt, revision: int, now: datetime
) -> None:
    """The one place a comment becomes applied (its suggestion is in ``revision``), inside
    the revision's transaction: resolved by the excerpt's author, with when and where, and
    each comment's reader hears of it."""
    if not comments:
        return
    await tx.comments.mark_applied([c.id for c in comments], excerpt.author_id, revision, now)
    for comment in comments:
        await tell_commenter(
            tx,
            comment,
            excerpt,
            NotifyEvent.APPLIED,
            actor_id=excerpt.author_id,
            actor_name=excerpt.author_name,
            now=now,
        )


def revision_outcome(updated: Excerpt, plan: RevisionPlan, moves: list[_Move]) -> RevisionOutcome:
    """What the revision did: counts per anchor state and the comments that moved."""
    states = [moved.state for _comment, moved in moves]
    applied = sorted(
        comment.number
        for comment, _moved in moves
        if comment.id in plan.applied and comment.status is CommentStatus.OPEN
    )
    return RevisionOutcome(
        excerpt=updated,
        summary=summarize(plan.line_map),
        lines=[Line(n, line) for n, line in enumerate(plan.new_lines, start=1)],
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
        applied=tuple(applied),
    )


def _plan_relocations(
    old_lines: Sequence[str], new_lines: Sequence[str], comments: Sequence[Comment]
) -> tuple[LineMap, _Planned, set[int]]:
    """The line map, each comment's new place, and the suggestions applied by hand (their
    comments planned onto the replacement words)."""
    line_map = build_line_map(old_lines, new_lines)
    planned = _relocate_each(line_map, comments)
    by_hand = applied_by_hand(line_map, comments)
    for comment in comments:
        if comment.id in by_hand:
            line, start = by_hand[comment.id]
            planned[comment.id] = (
                comment.anchor,
                applied_relocation(new_lines, comment, planned[comment.id][1], line, start),
            )
    return line_map, planned, set(by_hand)


def applied_relocation(
    new_lines: Sequence[str], comment: Comment, moved: Relocation, line: int, start: int
) -> Relocation:
    """Where an applied suggestion's comment goes: on its replacement words at ``start``
    of ``line``, within the lines it was relocated to when they hold that line."""
    assert comment.suggestion is not None
    base = moved.anchor
    if moved.state is AnchorState.OUTDATED or not base.line_start <= line <= base.line_end:
        base = Anchor(line, line)
    anchor = anchor_on(new_lines, base, line, start, comment.suggestion)
    old = comment.anchor
    same_lines = (old.line_start, old.line_end) == (anchor.line_start, anchor.line_end)
    return Relocation(anchor, AnchorState.ANCHORED if same_lines else AnchorState.MOVED, 1.0)


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
