"""Benchmark: digests of a 2,000-line excerpt with 10,000 comments, in every format.

Run with ``python -m bench.digest``. The feedback is built in memory and the
rendering timed (best of three, so a cold cache or a GC pause doesn't count);
then the same feedback is stored in a temporary SQLite file and loading it back
through the digest's storage queries is timed the same way.
"""

from __future__ import annotations

import asyncio
import functools
import random
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.digest_formats import DigestFormat, ExcerptFeedback, render_digest
from bot.models import (
    Anchor,
    AnchorState,
    Comment,
    CommentStatus,
    Excerpt,
    ExcerptStatus,
    Line,
    Reply,
)
from bot.storage import Database

LINES = 2_000
WORDS_PER_LINE = 60
COMMENTS = 10_000
QUOTED = 0.30
SUGGESTED = 0.10  # of all comments; a suggestion needs a quote
REPLIED = 0.20
RESOLVED = 0.15
RANGES = 0.05
OUTDATED = 0.02
READERS = 40
REPEATS = 3

TARGETS = {
    DigestFormat.MARKDOWN: 0.3,
    DigestFormat.HTML: 0.5,
    DigestFormat.DOCX: 3.0,
}
LOAD_TARGET = 0.5  # seconds to read the excerpt, its lines, comments and replies

_PROSE_WORDS = (
    "the a an and but or of in on at to from with without under over through between "
    "she he they we I you it her his their our my your its "
    "was were is are had has have would could should might will did "
    "walked looked turned waited listened whispered remembered kept opened closed "
    "carried followed watched answered wondered reached found left heard saw "
    "house sea window door road river light morning evening night rain wind letter "
    "voice hand shadow garden kitchen table stairs field winter summer mother father "
    "sister brother stranger story silence harbour lamp coat key boat bridge "
    "quiet slow cold bright old small long dark warm careful empty heavy strange "
    "again still almost never always only softly slowly suddenly perhaps"
)
_VOCABULARY = tuple(_PROSE_WORDS.split())
_PUNCTUATION = (",", ",", ".", ";", "—", "?", "!", ":")


def _sentence(rng: random.Random, words: int) -> str:
    chosen = [rng.choice(_VOCABULARY) for _ in range(words)]
    chosen[0] = chosen[0].capitalize()
    for index in range(4, words - 1, rng.randint(5, 9)):
        chosen[index] += rng.choice(_PUNCTUATION)
    return " ".join(chosen) + "."


def _lines(rng: random.Random) -> tuple[Line, ...]:
    return tuple(Line(number, _sentence(rng, WORDS_PER_LINE)) for number in range(1, LINES + 1))


def _quote(rng: random.Random, text: str) -> tuple[str, int]:
    words = text.split(" ")
    first = rng.randrange(len(words) - 4)
    phrase = " ".join(words[first : first + rng.randint(1, 4)])
    offset = len(" ".join(words[:first])) + (1 if first else 0)
    return phrase, offset


def _comment(rng: random.Random, number: int, lines: tuple[Line, ...], t0: datetime) -> Comment:
    line = rng.choice(lines)
    line_end = line.number
    if rng.random() < RANGES:
        line_end = min(LINES, line.number + rng.randint(1, 3))
    quote = offset = quote_line = suggestion = None
    roll = rng.random()
    if roll < QUOTED:
        quote, offset = _quote(rng, line.text)
        quote_line = line.number
        if roll < SUGGESTED:
            suggestion = _sentence(rng, rng.randint(2, 5)).rstrip(".")
    state = AnchorState.OUTDATED if rng.random() < OUTDATED else AnchorState.ANCHORED
    reader = rng.randrange(READERS)
    created = t0 + timedelta(minutes=number)
    replies: tuple[Reply, ...] = ()
    if rng.random() < REPLIED:
        replies = (
            Reply(
                id=number,
                comment_id=number,
                author_id=1,
                author_name="Author Person",
                text=_sentence(rng, rng.randint(5, 25)),
                created_at=created + timedelta(hours=1),
            ),
        )
    return Comment(
        id=number,
        guild_id=1,
        number=number,
        excerpt_id=1,
        excerpt_number=1,
        author_id=100 + reader,
        author_name=f"Reader {reader}",
        text=_sentence(rng, rng.randint(8, 40)),
        anchor=Anchor(line.number, line_end, quote, quote_line, offset),
        suggestion=suggestion,
        status=CommentStatus.RESOLVED if rng.random() < RESOLVED else CommentStatus.OPEN,
        anchor_state=state,
        revision=1,
        origin_revision=1,
        origin_line_start=line.number,
        origin_line_end=line_end,
        created_at=created,
        updated_at=created,
        replies=replies,
    )


def build_feedback(seed: int = 2024) -> ExcerptFeedback:
    rng = random.Random(seed)
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    lines = _lines(rng)
    excerpt = Excerpt(
        id=1,
        guild_id=1,
        number=1,
        title="The Long Harbour",
        author_id=1,
        author_name="Author Person",
        channel_id=1,
        thread_id=2,
        revision=1,
        status=ExcerptStatus.OPEN,
        content_warning=None,
        word_count=LINES * WORDS_PER_LINE,
        line_count=LINES,
        created_at=t0,
        updated_at=t0,
    )
    comments = tuple(_comment(rng, number, lines, t0) for number in range(1, COMMENTS + 1))
    return ExcerptFeedback(excerpt=excerpt, lines=lines, revision=1, comments=comments)


def _best_of(repeats: int, action: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


async def store_feedback(
    database: Database, feedback: ExcerptFeedback, guild_id: int = 1
) -> Excerpt:
    """The feedback written through the bot's own storage functions, in one transaction."""
    async with database.transaction() as tx:
        excerpt = await tx.excerpts.insert_excerpt(
            guild_id=guild_id,
            title=feedback.excerpt.title,
            author_id=1,
            author_name=feedback.excerpt.author_name,
            channel_id=1,
            content_warning=None,
            lines=[line.text for line in feedback.lines],
            word_count=feedback.excerpt.word_count,
            now=feedback.excerpt.created_at,
        )
        await tx.excerpts.mark_posted(excerpt.id, 1, 2, [])
        for comment in feedback.comments:
            stored, _new = await tx.comments.insert_comment(
                guild_id=guild_id,
                excerpt_id=excerpt.id,
                excerpt_number=excerpt.number,
                revision=1,
                author_id=comment.author_id,
                author_name=comment.author_name,
                text=comment.text,
                anchor=comment.anchor,
                suggestion=comment.suggestion,
                now=comment.created_at,
            )
            if comment.status is CommentStatus.RESOLVED:
                await tx.comments.set_comment_status(
                    stored.id, CommentStatus.RESOLVED, 1, comment.updated_at
                )
            for reply in comment.replies:
                await tx.comments.insert_reply(
                    comment_id=stored.id,
                    author_id=reply.author_id,
                    author_name=reply.author_name,
                    text=reply.text,
                    now=reply.created_at,
                )
    return excerpt


async def _best_of_async(repeats: int, action: Callable[[], Awaitable[object]]) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        await action()
        best = min(best, time.perf_counter() - start)
    return best


async def time_loading(feedback: ExcerptFeedback) -> tuple[float, int]:
    """Best time to load the stored feedback back, and how many comments came back."""
    with tempfile.TemporaryDirectory() as folder:
        database = Database(Path(folder) / "bench.db", synchronous="OFF")
        await database.open()
        try:
            excerpt = await store_feedback(database, feedback)
            loaded: list[ExcerptFeedback] = []

            async def load() -> None:
                async with database.read() as session:
                    loaded.append(await session.feedback.excerpt_feedback(excerpt))

            seconds = await _best_of_async(REPEATS, load)
        finally:
            await database.close()
    return seconds, len(loaded[-1].comments)


def run(report: Callable[[str], None] = print) -> None:
    feedback = build_feedback()
    generated_at = datetime(2024, 6, 1, tzinfo=UTC)
    for fmt, target in TARGETS.items():
        # Resolved comments included: the largest file, the worst case.
        render = functools.partial(
            render_digest, [feedback], fmt, include_resolved=True, generated_at=generated_at
        )
        seconds = _best_of(REPEATS, render)
        verdict = "" if seconds <= target else "  SLOW"
        report(
            f"digest {fmt.value} {LINES} lines {COMMENTS} comments: "
            f"{seconds:.2f} s (target <= {target} s){verdict}"
        )
    seconds, comments = asyncio.run(time_loading(feedback))
    replies = sum(len(comment.replies) for comment in feedback.comments)
    verdict = "" if seconds <= LOAD_TARGET and comments == COMMENTS else "  SLOW"
    report(
        f"digest load from SQLite {LINES} lines {comments} comments {replies} replies: "
        f"{seconds:.2f} s (target <= {LOAD_TARGET} s){verdict}"
    )


if __name__ == "__main__":
    run()
