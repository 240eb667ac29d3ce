"""Benchmark: closing the loop on suggestions.

Run with ``python -m bench suggestions``.

- Applying 500 suggestions on a 2,000-line excerpt with 2,000 comments: the excerpt and
  its comments are stored through the workshop (as the bot would), then ``/excerpt
  apply``'s preview and apply are timed to the stored revision, while a ticker watches
  the event loop (targets: apply ≤ 1 s, the loop never held > 50 ms).
- A Word digest of 10,000 comments of which 5,000 are suggestions written as tracked
  changes, rendered from records in memory (target ≤ 3 s).
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.digest_formats import DigestFormat, render_digest
from bot.models import (
    Actor,
    Anchor,
    AnchorState,
    Comment,
    CommentStatus,
    Excerpt,
    ExcerptFeedback,
    ExcerptStatus,
    Line,
    PostedMessage,
)
from bot.storage import Database
from bot.workshop import Workshop

LINES = 2_000
COMMENTS = 2_000
SUGGESTIONS = 500
GUILD = 1
AUTHOR = Actor(1, "Ann")
READER = Actor(2, "Ben")
TARGET_SECONDS = 1.0
STALL_TARGET = 0.05


def _story(rng: random.Random) -> list[str]:
    words = [f"w{n}" for n in range(400)]
    return [
        f"Line {n} says " + " ".join(rng.choice(words) for _ in range(10)) + f" typo{n} end."
        for n in range(1, LINES + 1)
    ]


class _Ticker:
    """The longest the event loop went without running a 5 ms ticker."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            self.worst = max(self.worst, now - last - 0.005)
            last = now

    def __enter__(self) -> _Ticker:
        self._task = asyncio.get_running_loop().create_task(self._tick())
        return self

    def __exit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def _measure(folder: Path, report: Callable[[str], None]) -> None:
    database = Database(folder / "apply.db")
    await database.open()
    try:
        workshop = Workshop(database, clock=lambda: datetime.now(UTC))
        lines = _story(random.Random(17))
        excerpt = await workshop.excerpts.create_excerpt(
            guild_id=GUILD,
            channel_id=1,
            author=AUTHOR,
            title="Bench",
            lines=lines,
            content_warning=None,
        )
        await workshop.excerpts.mark_posted(excerpt, 99, [PostedMessage(1, 1, LINES)])
        started = time.perf_counter()
        for n in range(COMMENTS):
            line = n % LINES + 1
            suggested = n < SUGGESTIONS
            await workshop.comments.add_comment(
                guild_id=GUILD,
                excerpt_number=excerpt.number,
                member=READER,
                line_spec=str(line * 4 % LINES + 1 if suggested else line),
                text=f"Note {n}.",
                quote=f"typo{line * 4 % LINES + 1}" if suggested else None,
                suggestion="typo fixed" if suggested else None,
            )
        report(
            f"stored {COMMENTS:,} comments ({SUGGESTIONS} suggestions) on {LINES:,} lines "
            f"in {time.perf_counter() - started:.1f} s"
        )
        with _Ticker() as ticker:
            started = time.perf_counter()
            preview = await workshop.suggestions.preview(
                guild_id=GUILD, number=excerpt.number, member=AUTHOR, chosen=None
            )
            preview_s = time.perf_counter() - started
            started = time.perf_counter()
            outcome, _ = await workshop.suggestions.apply(
                guild_id=GUILD,
                number=excerpt.number,
                member=AUTHOR,
                chosen=None,
                revision=preview.excerpt.revision,
            )
            apply_s = time.perf_counter() - started
        assert len(outcome.applied) == SUGGESTIONS, outcome.applied
        report(f"preview: {preview_s * 1000:.0f} ms")
        report(
            f"apply {SUGGESTIONS} suggestions to revision {outcome.excerpt.revision}: "
            f"{apply_s * 1000:.0f} ms (target ≤ {TARGET_SECONDS * 1000:.0f} ms)"
        )
        report(
            f"longest event-loop stall meanwhile: {ticker.worst * 1000:.0f} ms "
            f"(target ≤ {STALL_TARGET * 1000:.0f} ms)"
        )
    finally:
        await database.close()


DOCX_COMMENTS = 10_000
DOCX_SUGGESTIONS = 5_000
DOCX_TARGET_SECONDS = 3.0
_SLOTS = (3, 20, 40)  # word positions of a line's suggestions: never overlapping


def _feedback(rng: random.Random) -> ExcerptFeedback:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    words = [f"w{n}" for n in range(400)]
    texts = [" ".join(rng.choice(words) for _ in range(60)) for _ in range(LINES)]
    excerpt = Excerpt(
        1,
        GUILD,
        1,
        "Bench",
        AUTHOR.id,
        AUTHOR.display_name,
        1,
        99,
        1,
        ExcerptStatus.OPEN,
        None,
        60 * LINES,
        LINES,
        moment,
        moment,
    )
    comments = []
    for n in range(DOCX_COMMENTS):
        line = n % LINES + 1
        text = texts[line - 1]
        suggested = n < DOCX_SUGGESTIONS
        quoted = suggested or n % 2 == 0
        anchor = Anchor(line, line)
        if quoted:
            slot = _SLOTS[n // LINES % len(_SLOTS)] if suggested else rng.randrange(60)
            start = sum(len(word) + 1 for word in text.split(" ")[:slot])
            quote = text.split(" ")[slot]
            anchor = Anchor(
                line,
                line,
                quote,
                line,
                start,
                text[max(0, start - 32) : start],
                text[start + len(quote) : start + len(quote) + 32],
            )
        comments.append(
            Comment(
                id=n + 1,
                guild_id=GUILD,
                number=n + 1,
                excerpt_id=1,
                excerpt_number=1,
                author_id=2 + n % 7,
                author_name=f"Reader {n % 7}",
                text=f"Note {n}.",
                anchor=anchor,
                suggestion=f"better{n}" if suggested else None,
                status=CommentStatus.OPEN,
                anchor_state=AnchorState.ANCHORED,
                revision=1,
                origin_revision=1,
                origin_line_start=line,
                origin_line_end=line,
                created_at=moment,
                updated_at=moment,
                origin_quote=anchor.quote,
            )
        )
    return ExcerptFeedback(
        excerpt, tuple(Line(n, text) for n, text in enumerate(texts, start=1)), 1, tuple(comments)
    )


def _measure_docx(report: Callable[[str], None]) -> None:
    feedback = _feedback(random.Random(5))
    best = float("inf")
    content = b""
    for _ in range(2):
        started = time.perf_counter()
        content = render_digest(
            [feedback],
            DigestFormat.DOCX,
            include_resolved=True,
            generated_at=datetime.now(UTC),
            tracked_suggestions=True,
        ).content
        best = min(best, time.perf_counter() - started)
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        insertions = archive.read("word/document.xml").count(b"<w:ins ")
    report(
        f"docx of {DOCX_COMMENTS:,} comments, {insertions:,} tracked suggestions: "
        f"{best * 1000:.0f} ms, {len(content) / 1e6:.1f} MB "
        f"(target ≤ {DOCX_TARGET_SECONDS * 1000:.0f} ms)"
    )


def run(report: Callable[[str], None] = print) -> None:
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(_measure(Path(folder), report))
    _measure_docx(report)


if __name__ == "__main__":
    run()
