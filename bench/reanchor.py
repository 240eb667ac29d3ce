"""Benchmark: re-anchoring 2,000 comments onto a 5,000-line revision.

Target: at most 100 ms for ``relocate_all`` (diff included) when 5% of the
lines changed. Run with ``python -m bench.reanchor``.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable

from bot.models import CONTEXT_CHARS, Anchor
from bot.reanchor import relocate_all

LINES = 5_000
COMMENTS = 2_000
CHANGED_SHARE = 0.05
QUOTED_SHARE = 0.6
RANGE_SHARE = 0.2
TARGET_MS = 100.0
ROUNDS = 5
SEED = 20_240_611


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split(" "))


_ONSETS = _words("b br c ch d f g gl h l m n p r s st t th v w")
_VOWELS = _words("a e i o u ai ea ou")
_CODAS = ("", *_words("n r s t ck ll nd st ng"))
_COMMON = _words("the a and of to in she he was that it with on her his for as at by from")


def _vocabulary(rng: random.Random, size: int = 2_500) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        syllables = rng.randint(1, 3)
        words.add(
            "".join(
                rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
                for _ in range(syllables)
            )
        )
    return sorted(words)


def _sentence(rng: random.Random, vocabulary: list[str]) -> str:
    words = [
        rng.choice(_COMMON) if rng.random() < 0.35 else rng.choice(vocabulary)
        for _ in range(rng.randint(5, 16))
    ]
    words[0] = words[0].capitalize()
    if rng.random() < 0.2:
        words[rng.randrange(len(words))] += ","
    return " ".join(words) + rng.choice((".", ".", ".", "!", "?", "…"))


def _paragraph(rng: random.Random, vocabulary: list[str]) -> str:
    return " ".join(_sentence(rng, vocabulary) for _ in range(rng.randint(1, 5)))


def _edit_words(rng: random.Random, vocabulary: list[str], line: str) -> str:
    words = line.split(" ")
    for _ in range(rng.randint(1, 3)):
        words[rng.randrange(len(words))] = rng.choice(vocabulary)
    return " ".join(words)


def _revise(rng: random.Random, vocabulary: list[str], old: list[str]) -> list[str]:
    """Change CHANGED_SHARE of the lines: half edited, a quarter inserted, a quarter deleted."""
    new = list(old)
    for _ in range(int(len(old) * CHANGED_SHARE)):
        roll = rng.random()
        at = rng.randrange(len(new))
        if roll < 0.5:
            new[at] = _edit_words(rng, vocabulary, new[at])
        elif roll < 0.75:
            new.insert(at, _paragraph(rng, vocabulary))
        else:
            del new[at]
    return new


def _quoted_anchor(rng: random.Random, lines: list[str], number: int) -> Anchor:
    text = lines[number - 1]
    words = text.split(" ")
    first = rng.randrange(len(words))
    count = min(rng.randint(2, 6), len(words) - first)
    start = len(" ".join(words[:first])) + (1 if first else 0)
    quote = " ".join(words[first : first + count])
    end = start + len(quote)
    return Anchor(
        line_start=number,
        line_end=number,
        quote=quote,
        quote_line=number,
        quote_offset=start,
        prefix=text[max(0, start - CONTEXT_CHARS) : start],
        suffix=text[end : end + CONTEXT_CHARS],
    )


def _anchors(rng: random.Random, lines: list[str]) -> list[Anchor]:
    anchors: list[Anchor] = []
    for _ in range(COMMENTS):
        number = rng.randint(1, len(lines))
        roll = rng.random()
        if roll < QUOTED_SHARE:
            anchors.append(_quoted_anchor(rng, lines, number))
        elif roll < QUOTED_SHARE + RANGE_SHARE:
            anchors.append(Anchor(number, min(len(lines), number + rng.randint(1, 4))))
        else:
            anchors.append(Anchor(number, number))
    return anchors


def _best_time_ms(anchors: list[Anchor], old: list[str], new: list[str]) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        relocate_all(anchors, old, new)
        best = min(best, time.perf_counter() - started)
    return best * 1000


def run(report: Callable[[str], None] = print) -> None:
    rng = random.Random(SEED)
    vocabulary = _vocabulary(rng)
    old = [_paragraph(rng, vocabulary) for _ in range(LINES)]
    new = _revise(rng, vocabulary, old)
    anchors = _anchors(rng, old)
    elapsed = _best_time_ms(anchors, old, new)
    states = Counter(result.state.value for result in relocate_all(anchors, old, new))
    report(
        f"reanchor {COMMENTS} comments onto {LINES} lines ({CHANGED_SHARE:.0%} changed): "
        f"{elapsed:.1f} ms (target <= {TARGET_MS:.0f} ms)"
    )
    report("states: " + ", ".join(f"{name} {count}" for name, count in sorted(states.items())))


if __name__ == "__main__":
    run()


REWRITE_LINES = 2_000
REWRITE_CHARACTERS = 200_000  # the product's bound on an excerpt


def full_rewrite_case(seed: int = SEED) -> tuple[list[Anchor], list[str], list[str]]:
    """A 2,000-line excerpt within the product's bounds, 2,000 comments on it, and a
    revision that changes every line (a few words each)."""
    rng = random.Random(seed)
    vocabulary = _vocabulary(rng)
    budget = REWRITE_CHARACTERS // REWRITE_LINES - 2
    old: list[str] = []
    while len(old) < REWRITE_LINES:
        line = _sentence(rng, vocabulary)
        if len(line) <= budget:
            old.append(line)
    new = [_edit_words(rng, vocabulary, line)[:budget] for line in old]
    return _anchors(rng, old), old, new


def full_rewrite_ms() -> float:
    """One timed ``relocate_all`` of the full rewrite (the case is built untimed)."""
    anchors, old, new = full_rewrite_case()
    started = time.perf_counter()
    relocate_all(anchors, old, new)
    return (time.perf_counter() - started) * 1000
