"""The critique exchange's two targets, on a real database file through the services.

- ``/comment add`` with the exchange on against off, in the same run (alternating
  samples), and against the path without any critique measuring (a meter that does
  nothing: the cost the exchange adds to every comment). Target: on ≤ 1.3 × off.
- ``/queue next`` with 10,000 open excerpts in one server. Target: p99 ≤ 10 ms.

Figures are the services' own time (storage and rules), which is what the exchange
changes; Discord rendering is the same in every case.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.measure import sample_runs
from bot.exchange import CritiqueMeter, ExchangeService
from bot.models import Actor, PostedMessage
from bot.storage import Database
from bot.workshop import CommentService, Workshop

ON, OFF = 1, 2
QUEUE_GUILD = 3
OPEN_EXCERPTS = 10_000
ADMIN = Actor(1, "Admin", is_moderator=True, can_manage_server=True)
STORY_LINES = 2_000
COMMENT_TARGET = 1.3
NEXT_TARGET_MS = 10.0


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


class Unmeasured(CritiqueMeter):
    """No critique measuring at all: the floor the exchange is compared with."""

    async def change(self, *_args: object, **_kwargs: object) -> None:
        return None


async def _post(workshop: Workshop, guild: int, author: Actor, lines: int) -> int:
    text = "\n".join(
        f"Line {n}: the keeper counted gulls {n % 7} times and wrote them down."
        for n in range(1, lines + 1)
    )
    title, parsed, warning = workshop.excerpts.prepare_excerpt("Bench", text, None)
    excerpt = await workshop.excerpts.create_excerpt(
        guild_id=guild,
        channel_id=1,
        author=author,
        title=title,
        lines=parsed,
        content_warning=warning,
    )
    await workshop.excerpts.mark_posted(
        excerpt, 1000 + excerpt.id, [PostedMessage(excerpt.id, 1, lines)]
    )
    return excerpt.number


async def _comment_add(report: Callable[[str], None], folder: Path) -> None:
    database = Database(folder / "comments.db")
    await database.open()
    clock = Clock()
    workshop = Workshop(database, clock)
    exchange = ExchangeService(database, clock)
    unmeasured = CommentService(database, clock, Unmeasured())
    author = Actor(2, "Author")
    numbers = {guild: await _post(workshop, guild, author, STORY_LINES) for guild in (ON, OFF)}
    await exchange.setup(guild_id=ON, member=ADMIN, enabled=True)
    readers = [Actor(100 + n, f"Reader {n}") for n in range(50)]
    rng = random.Random(7)

    def text(index: int) -> str:
        words = rng.randint(10, 120)
        return f"{index} " + " ".join(
            rng.choice(("tight", "slow", "vivid", "why", "cut")) for _ in range(words)
        )

    async def add(service: CommentService, guild: int, index: int) -> float:
        start = time.perf_counter()
        await service.add_comment(
            guild_id=guild,
            excerpt_number=numbers[guild],
            member=readers[index % len(readers)],
            line_spec=str(1 + index % STORY_LINES),
            text=text(index),
        )
        return (time.perf_counter() - start) * 1000

    kinds = {
        "exchange on": (workshop.comments, ON),
        "exchange off": (workshop.comments, OFF),
        "no measuring": (unmeasured, OFF),
    }
    series = {name: [] for name in kinds}  # type: dict[str, list[float]]

    async def one_round(index: int) -> float:
        for name, (service, guild) in kinds.items():
            series[name].append(await add(service, guild, index))
        return 0.0

    await sample_runs("rounds", one_round, runs=3, samples=2_000)
    from bench.measure import describe, percentile

    for name, samples in series.items():
        report(f"/comment add, {name}: {describe(samples)}")
    on, off = percentile(series["exchange on"], 0.99), percentile(series["exchange off"], 0.99)
    floor = percentile(series["no measuring"], 0.99)
    verdict = "ok" if on <= COMMENT_TARGET * off else "over target"
    report(f"/comment add p99 on/off: {on / off:.2f}× (target ≤ {COMMENT_TARGET}×: {verdict})")
    report(f"/comment add p99 on / no measuring at all: {on / floor:.2f}×")
    await database.close()


async def _queue_next(report: Callable[[str], None], folder: Path) -> None:
    database = Database(folder / "queue.db", synchronous="OFF")
    await database.open()
    clock = Clock()
    workshop = Workshop(database, clock)
    exchange = ExchangeService(database, clock)
    authors = [Actor(1000 + n, f"Author {n}") for n in range(2_000)]
    started = time.perf_counter()
    numbers = []
    for index in range(OPEN_EXCERPTS):
        clock.now += timedelta(minutes=3)  # posted over three weeks
        numbers.append(await _post(workshop, QUEUE_GUILD, authors[index % len(authors)], 3))
    rng = random.Random(11)
    reader = Actor(5, "Busy reader")
    for number in rng.sample(numbers, 300):  # some critiques: R, C and the reader's own
        critic = reader if rng.random() < 0.3 else rng.choice(authors)
        await workshop.comments.add_comment(
            guild_id=QUEUE_GUILD,
            excerpt_number=number,
            member=critic,
            line_spec="1",
            text=f"{number} " + "word " * 200,
        )
    report(
        f"queue of {OPEN_EXCERPTS:,} open excerpts built in {time.perf_counter() - started:.0f} s"
    )

    async def next_pick(index: int) -> float:
        start = time.perf_counter()
        pick = await exchange.queue_next(
            QUEUE_GUILD, authors[index % len(authors)] if index % 2 else reader
        )
        assert pick is not None
        return (time.perf_counter() - start) * 1000

    series = await sample_runs("/queue next", next_pick, runs=3, samples=2_000)
    for line in series.lines():
        report(line)
    p99 = series.stat("p99")
    verdict = "ok" if p99 <= NEXT_TARGET_MS else "over target"
    report(f"/queue next p99 {p99:.2f} ms (target ≤ {NEXT_TARGET_MS:.0f} ms: {verdict})")
    await database.close()


async def _run(report: Callable[[str], None]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        await _comment_add(report, Path(folder))
        await _queue_next(report, Path(folder))


def run(report: Callable[[str], None] = print) -> None:
    asyncio.run(_run(report))


if __name__ == "__main__":
    run()
