"""/excerpt apply in the core: suggestions into revision N+1, refusals per comment."""

from __future__ import annotations

import pytest

from bot.errors import InvalidInput, NotAllowed
from bot.models import AnchorState, CommentStatus
from tests.helpers import AUTHOR, GUILD, READER
from tests.suggestions.story import STORY, story


async def _lines(workshop, excerpt_id: int, revision: int) -> list[str]:
    async with workshop.db.read() as session:
        return [line.text for line in await session.excerpts.get_lines(excerpt_id, revision)]


async def _comment(workshop, number: int):
    async with workshop.db.read() as session:
        return await session.comments.get_comment(GUILD, number)


async def test_apply_all_changes_only_the_suggested_phrases(workshop):
    excerpt = await story(workshop)
    preview = await workshop.suggestions.preview(
        guild_id=GUILD, number=excerpt.number, member=AUTHOR, chosen=None
    )
    assert [r.reason for r in preview.application.refused] == [
        "#4 overlaps #5",
        "#5 overlaps #4",
    ]
    assert [c.number for c in preview.application.changed] == [1, 2]
    outcome, _ = await workshop.suggestions.apply(
        guild_id=GUILD, number=excerpt.number, member=AUTHOR, chosen=None, revision=1
    )
    assert outcome.excerpt.revision == 2
    assert outcome.applied == (1, 2)
    old = await _lines(workshop, excerpt.id, 1)
    new = await _lines(workshop, excerpt.id, 2)
    assert len(new) == len(old)
    assert new == [
        old[0].replace("scents", "since"),
        old[1].replace("Your right", "You're right"),
        old[2],
        old[3],
    ]
    first = await _comment(workshop, 1)
    assert first.status is CommentStatus.RESOLVED and first.is_applied
    assert first.applied_revision == 2 and first.resolved_by_id == AUTHOR.id
    # The record keeps what was suggested against; the anchor reads the new words.
    assert (first.suggested_against, first.suggestion) == ("scents", "since")
    assert first.anchor.quote == "since" and first.revision == 2
    assert new[0][first.anchor.quote_offset :].startswith("since")
    assert first.anchor_state is AnchorState.ANCHORED
    overlapping = await _comment(workshop, 4)
    assert overlapping.status is CommentStatus.OPEN and overlapping.revision == 2
    # Counts kept by the triggers follow: 2 resolved now.
    listing = await workshop.excerpts.list_excerpts(GUILD)
    assert (listing[0].open_comments, listing[0].resolved_comments) == (3, 2)


async def test_refusals_by_name_and_nothing_applicable(workshop):
    excerpt = await story(workshop)
    with pytest.raises(NotAllowed):
        await workshop.suggestions.preview(
            guild_id=GUILD, number=excerpt.number, member=READER, chosen=None
        )
    with pytest.raises(InvalidInput) as refused:
        await workshop.suggestions.preview(
            guild_id=GUILD, number=excerpt.number, member=AUTHOR, chosen=(3, 99)
        )
    assert "#3 has no suggestion" in str(refused.value)
    assert "#99 is not a comment on excerpt #1" in str(refused.value)
    preview = await workshop.suggestions.preview(
        guild_id=GUILD, number=excerpt.number, member=AUTHOR, chosen=(4, 1)
    )
    assert [c.number for c in preview.application.changed] == [1, 3]
    await workshop.suggestions.apply(
        guild_id=GUILD, number=excerpt.number, member=AUTHOR, chosen=(4,), revision=1
    )
    with pytest.raises(InvalidInput) as again:
        await workshop.suggestions.preview(
            guild_id=GUILD, number=excerpt.number, member=AUTHOR, chosen=(4, 5)
        )
    assert "#4 was already applied in revision 2" in str(again.value)
    assert "#5's anchor is outdated" in str(again.value)


async def test_a_suggestion_applied_by_hand_is_detected(workshop):
    excerpt = await story(workshop)
    revised = STORY.replace("scents", "since").replace("grey and", "gray and")
    outcome = await workshop.excerpts.revise_excerpt(
        guild_id=GUILD, number=excerpt.number, member=AUTHOR, text=revised
    )
    assert outcome.applied == (1,)
    first = await _comment(workshop, 1)
    assert first.is_applied and first.anchor.quote == "since"
    second = await _comment(workshop, 2)
    assert second.status is CommentStatus.OPEN


async def test_reopening_an_applied_comment_makes_it_an_open_suggestion_again(workshop):
    excerpt = await story(workshop)
    await workshop.suggestions.apply(
        guild_id=GUILD, number=excerpt.number, member=AUTHOR, chosen=(1,), revision=1
    )
    await workshop.comments.set_resolved(
        guild_id=GUILD, comment_number=1, member=AUTHOR, resolved=False
    )
    reopened = await _comment(workshop, 1)
    assert reopened.status is CommentStatus.OPEN and not reopened.is_applied
    # Its quote now reads its own suggestion: applying it again is refused as a no-op.
    with pytest.raises(InvalidInput, match="#1's suggestion is the same as its quote"):
        await workshop.suggestions.preview(
            guild_id=GUILD, number=excerpt.number, member=AUTHOR, chosen=(1,)
        )
