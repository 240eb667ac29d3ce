"""Applying readers' suggestions: a preview of the changed lines, then revision N+1.

The new revision goes through the same path as ``/excerpt revise`` (``_revise``): every
other comment is re-anchored in a worker, and each applied comment is planned onto its
replacement words and marked applied in the revision's transaction.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.errors import InvalidInput, WrongState
from bot.models import Actor, AnchorState, Comment, Excerpt
from bot.reanchor import Relocation
from bot.storage import Session, Store
from bot.suggestions import Application, Refusal, apply_suggestions
from bot.workshop._records import CommentContext, RevisionOutcome
from bot.workshop._revise import RevisionPlan, apply_revision, plan_revision, revision_outcome
from bot.workshop._validation import require_author, require_live, require_thread_writer, seen_by

MAX_CHOSEN = 500  # comment numbers one command may name
_NUMBERS = re.compile(r"#?\d{1,18}")


def parse_choice(typed: str | None) -> tuple[int, ...] | None:
    """``"4, 7"`` -> (4, 7); ``"all"`` or nothing -> None (every open suggestion)."""
    if typed is None or not typed.strip() or typed.strip().lower() == "all":
        return None
    parts = [part.strip() for part in re.split(r"[,\s]+", typed.strip()) if part.strip()]
    if not parts or any(_NUMBERS.fullmatch(part) is None for part in parts):
        raise InvalidInput(
            'Name the comments by number, separated by commas ("4, 7"), or write "all".'
        )
    numbers = tuple(dict.fromkeys(int(part.lstrip("#")) for part in parts))
    if len(numbers) > MAX_CHOSEN:
        raise InvalidInput(f'Name at most {MAX_CHOSEN} comments at once, or write "all".')
    return numbers


@dataclass(frozen=True, slots=True)
class ApplyPreview:
    """What applying would do to the excerpt as it stands now."""

    excerpt: Excerpt
    application: Application


class SuggestionService:
    def __init__(self, database: Store, clock: Callable[[], datetime]) -> None:
        self.db = database
        self._now = clock

    async def preview(
        self, *, guild_id: int, number: int, member: Actor, chosen: Sequence[int] | None
    ) -> ApplyPreview:
        """The lines as they would change, and the suggestions refused; ``InvalidInput``
        when none applies."""
        async with self.db.read() as session:
            excerpt, lines, comments, missing = await _read(
                session, guild_id, number, member, chosen
            )
        application = await asyncio.to_thread(apply_suggestions, lines, excerpt.revision, comments)
        application = replace(
            application,
            refused=tuple(sorted((*missing, *application.refused), key=lambda r: r.number)),
        )
        if not application.applied:
            raise InvalidInput(_nothing_applies(excerpt, application.refused))
        return ApplyPreview(excerpt, application)

    async def apply(
        self,
        *,
        guild_id: int,
        number: int,
        member: Actor,
        chosen: Sequence[int] | None,
        revision: int,
    ) -> tuple[RevisionOutcome, Application]:
        """Make revision N+1 with the applicable suggestions in (as previewed on
        ``revision``), their comments applied, every other comment re-anchored."""
        preview = await self.preview(guild_id=guild_id, number=number, member=member, chosen=chosen)
        application = preview.application
        if preview.excerpt.revision != revision:
            raise WrongState(_revised_meanwhile(number))
        plan = await plan_revision(
            self.db,
            guild_id=guild_id,
            number=number,
            member=member,
            new_lines=application.new_lines,
        )
        if isinstance(plan, RevisionOutcome) or plan.excerpt.revision != revision:
            raise WrongState(_revised_meanwhile(number))
        plan = _with_applied(plan, application)
        updated, moves = await apply_revision(self.db, plan, guild_id=guild_id, now=self._now)
        return revision_outcome(updated, plan, moves), application

    async def applied_cards(
        self, excerpt: Excerpt, numbers: Sequence[int], *, limit: int
    ) -> list[CommentContext]:
        """The first ``limit`` applied comments with a card, as their cards now show them
        (status applied, on the new words). More are left to the revision notice."""
        async with self.db.read() as session:
            found = await session.comments.comments_by_numbers(
                excerpt.guild_id, list(numbers)[:limit]
            )
            carded = await session.comments.attach_replies(
                [c for c in found if c.card_message_id is not None and c.is_applied]
            )
            return [
                CommentContext(
                    comment,
                    excerpt,
                    await session.excerpts.get_lines(
                        excerpt.id,
                        comment.revision,
                        comment.anchor.line_start,
                        comment.anchor.line_end,
                    ),
                )
                for comment in carded
            ]


async def _read(
    session: Session, guild_id: int, number: int, member: Actor, chosen: Sequence[int] | None
) -> tuple[Excerpt, list[str], list[Comment], list[Refusal]]:
    """The excerpt (the member must be its author), its current lines, the chosen
    comments, and refusals for numbers that are no comment of it."""
    excerpt = require_live(
        seen_by(member.viewer, await session.excerpts.get_excerpt(guild_id, number)), number
    )
    require_author(member, excerpt)
    require_thread_writer(member, excerpt, "revision")
    lines = [line.text for line in await session.excerpts.get_lines(excerpt.id, excerpt.revision)]
    if chosen is None:
        comments = await session.comments.open_suggestions(excerpt.id)
        if not comments:
            raise InvalidInput(f"Excerpt #{number} has no open suggestions to apply.")
        return excerpt, lines, comments, []
    found = [
        comment
        for comment in await session.comments.comments_by_numbers(guild_id, chosen)
        if comment.excerpt_id == excerpt.id
    ]
    known = {comment.number for comment in found}
    missing = [
        Refusal(n, f"#{n} is not a comment on excerpt #{number}") for n in chosen if n not in known
    ]
    return excerpt, lines, found, missing


def _with_applied(plan: RevisionPlan, application: Application) -> RevisionPlan:
    """The plan with each applied comment anchored on its replacement words."""
    planned = dict(plan.planned)
    anchors = application.new_anchors()
    for done in application.applied:
        comment = done.comment
        if comment.id not in planned:
            continue  # deleted meanwhile: its words still go in, there is no comment to mark
        anchor = anchors[comment.id]
        planned[comment.id] = (comment.anchor, Relocation(anchor, AnchorState.ANCHORED, 1.0))
    applied = plan.applied | {done.comment.id for done in application.applied}
    return replace(plan, planned=planned, applied=frozenset(applied))


def _revised_meanwhile(number: int) -> str:
    return (
        f"Excerpt #{number} got another revision since the preview; run `/excerpt apply` "
        "again to see the suggestions against it."
    )


def _nothing_applies(excerpt: Excerpt, refused: Sequence[Refusal]) -> str:
    reasons = "; ".join(refusal.reason for refusal in refused[:15])
    if len(refused) > 15:
        reasons += f"; and {len(refused) - 15} more"
    return (
        f"No suggestion can be applied to excerpt #{excerpt.number}, so no revision was made: "
        f"{reasons}."
    )
