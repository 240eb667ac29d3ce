"""Critique credit kept live: called inside the transaction that adds, edits or deletes
a comment, suggestion or reply, so the critique's words, its ledger credit and the
queue's counts move with the text in one atomic step."""

from __future__ import annotations

import asyncio
import math
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bot.exchange._words import credit_halves, shingles, substantive_words, text_key
from bot.exchange_models import EntryKind
from bot.storage import on_event_loop

if TYPE_CHECKING:
    from bot.models import Excerpt
    from bot.storage.interface import ExchangeStore

# Excerpts whose story shingles are kept in memory (keyed by excerpt and revision, so a
# new revision is a new key and nothing is ever stale).
CACHED_STORIES = 256
# A story this many lines or more is shingled in a worker thread, off the event loop.
_BIG_STORY_LINES = 400


def penalty(given: int) -> int:
    """1000 × 5·√min(C, 100), rounded: the queue's credit for critiques an author gave."""
    return round(5000 * math.sqrt(min(given, 100)))


class CritiqueMeter:
    """Measures texts against a story and books the change on a critique."""

    def __init__(self) -> None:
        self._stories: OrderedDict[tuple[int, int], frozenset[int]] = OrderedDict()

    async def story(
        self, exchange: ExchangeStore, excerpt_id: int, revision: int
    ) -> frozenset[int]:
        key = (excerpt_id, revision)
        found = self._stories.get(key)
        if found is not None:
            self._stories.move_to_end(key)
            return found
        revisions = await exchange.story_lines(excerpt_id)
        if sum(len(lines) for lines in revisions) >= _BIG_STORY_LINES and on_event_loop():
            found = await asyncio.to_thread(shingles, revisions)
        else:  # small, or already off the loop (a transaction on the writer's thread)
            found = shingles(revisions)
        self._stories[key] = found
        while len(self._stories) > CACHED_STORIES:
            self._stories.popitem(last=False)
        return found

    async def change(
        self,
        exchange: ExchangeStore,
        *,
        guild_id: int,
        excerpt_id: int,
        excerpt_number: int,
        revision: int,
        excerpt_author_id: int,
        reader_id: int,
        added: Sequence[str | None] = (),
        removed: Sequence[str | None] = (),
        now: datetime,
    ) -> None:
        """Book texts a reader added to (or removed from) their critique of an excerpt."""
        added_texts = [text for text in added if text]
        removed_texts = [text for text in removed if text]
        if reader_id == excerpt_author_id or not (added_texts or removed_texts):
            return  # one's own excerpt never counts
        story = await self.story(exchange, excerpt_id, revision)
        delta = 0
        for text in removed_texts:
            delta -= await exchange.remove_text(excerpt_id, reader_id, text_key(text))
        for text in added_texts:
            words = substantive_words(text, story)
            delta += await exchange.add_text(excerpt_id, reader_id, text_key(text), words)
        if delta == 0:
            return
        credit = await exchange.add_words(
            guild_id=guild_id,
            excerpt_id=excerpt_id,
            excerpt_number=excerpt_number,
            reader_id=reader_id,
            words=delta,
        )
        earned = credit_halves(credit.words)
        if earned == credit.halves:
            return
        await exchange.set_halves(excerpt_id, reader_id, earned)
        await exchange.add_entry(
            guild_id=guild_id,
            member_id=reader_id,
            halves=earned - credit.halves,
            kind=EntryKind.CRITIQUE,
            excerpt_number=excerpt_number,
            now=now,
        )
        was, now_substantive = credit.halves > 0, earned > 0
        if was != now_substantive:
            step = 1 if now_substantive else -1
            await exchange.change_received(excerpt_id, step)
            given = await exchange.change_given(guild_id, reader_id, step)
            await exchange.set_author_penalty(guild_id, reader_id, penalty(given))


async def credit_thanks(
    exchange: ExchangeStore, excerpt: Excerpt, reader_id: int, now: datetime
) -> bool:
    """Half a credit to a reader thanked on an excerpt, the first time only; whether it
    was given. Call inside the transaction that marks the comment thanked."""
    if not await exchange.mark_thanked(
        guild_id=excerpt.guild_id,
        excerpt_id=excerpt.id,
        excerpt_number=excerpt.number,
        reader_id=reader_id,
    ):
        return False
    await exchange.add_entry(
        guild_id=excerpt.guild_id,
        member_id=reader_id,
        halves=1,
        kind=EntryKind.THANKS,
        excerpt_number=excerpt.number,
        now=now,
    )
    return True
