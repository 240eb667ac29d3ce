"""Benchmark: applying 500 suggestions on a 2,000-line excerpt with 2,000 comments.

Run with ``python -m bench suggestions``. The excerpt and its comments are stored
through the workshop (as the bot would), then ``/excerpt apply``'s preview and apply are
timed to the stored revision, while a ticker watches the event loop (target: apply
≤ 1 s, the loop never held > 50 ms).
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.models import Actor, PostedMessage
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


def run(report: Callable[[str], None] = print) -> None:
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(_measure(Path(folder), report))


if __name__ == "__main__":
    run()
