"""The shipped library of writing prompts and the rule for choosing a server's next prompt.

File format (``data/prompts.txt``), UTF-8, one prompt per line::

    [kind] Prompt text, one or two sentences.

Lines starting with ``#`` are comments and blank lines are ignored. A prompt's key is
derived from its text alone, so reordering the file or moving a prompt to another kind
keeps each server's history; editing the text makes it a new prompt, which is what a
reworded prompt is to the people who will read it.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

__all__ = [
    "DEFAULT_LIBRARY_PATH",
    "FORBIDDEN_CHARACTERS",
    "KINDS",
    "MAX_PROMPT_LENGTH",
    "LibraryPrompt",
    "choose_next",
    "library_key",
    "load_library",
    "normalise_text",
    "selection_seed",
]

# bot/prompt_library.py -> repository root -> data/prompts.txt
DEFAULT_LIBRARY_PATH = Path(__file__).resolve().parent.parent / "data" / "prompts.txt"

KINDS: tuple[str, ...] = (
    "character",
    "setting",
    "dialogue",
    "constraint",
    "first line",
    "poetry",
    "plot",
    "sensory",
)

MAX_PROMPT_LENGTH = 300

# Prompts are posted as they are: a mention would ping, and markdown would change how
# the text looks, so the library must contain neither.
FORBIDDEN_CHARACTERS = frozenset("@*_`~|")

_LINE = re.compile(r"\[(?P<kind>[^\]]+)\]\s+(?P<text>\S.*)")


@dataclass(frozen=True, slots=True)
class LibraryPrompt:
    key: str
    kind: str
    text: str


def normalise_text(text: str) -> str:
    """Collapse whitespace and case, so near-identical lines count as duplicates."""
    return " ".join(text.split()).casefold()


def library_key(text: str) -> str:
    """A stable id for a library prompt: 12 hex digits of the SHA-1 of its text.

    Whitespace is collapsed first so that re-wrapping or trailing spaces keep the key;
    library keys never contain ":", so they cannot collide with server keys ("s:<id>").
    """
    canonical = " ".join(text.split())
    return hashlib.sha1(canonical.encode("utf-8"), usedforsecurity=False).hexdigest()[:12]


def load_library(path: Path) -> tuple[LibraryPrompt, ...]:
    """Read and validate a prompt file; ValueError names the file and line of any fault."""
    prompts: list[LibraryPrompt] = []
    seen_text: dict[str, int] = {}
    seen_key: dict[str, int] = {}
    # utf-8-sig: an editor that adds a BOM must not turn line 1 into a malformed line.
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        prompt = _parse_line(line, f"{path}:{number}")
        for seen, value in ((seen_text, normalise_text(prompt.text)), (seen_key, prompt.key)):
            if value in seen:
                raise ValueError(f"{path}:{number}: duplicate of the prompt on line {seen[value]}")
            seen[value] = number
        prompts.append(prompt)
    return tuple(prompts)


def _parse_line(line: str, where: str) -> LibraryPrompt:
    match = _LINE.fullmatch(line)
    if match is None:
        raise ValueError(f"{where}: expected '[kind] prompt text', got {line[:60]!r}")
    kind = match["kind"].strip().lower()
    text = " ".join(match["text"].split())
    if kind not in KINDS:
        raise ValueError(f"{where}: unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    if len(text) > MAX_PROMPT_LENGTH:
        raise ValueError(
            f"{where}: prompt is {len(text)} characters; the limit is {MAX_PROMPT_LENGTH}"
        )
    bad = sorted(FORBIDDEN_CHARACTERS.intersection(text))
    if bad:
        raise ValueError(
            f"{where}: prompt contains {' '.join(bad)}, which would ping or "
            "render as markdown in Discord"
        )
    return LibraryPrompt(key=library_key(text), kind=kind, text=text)


def selection_seed(guild_id: int, day: date) -> int:
    """A seed for choose_next that differs per server and per day but is repeatable.

    Repeatable matters: if the bot dies between choosing and posting, it chooses the same
    prompt again on restart instead of burning a second one.
    """
    return guild_id * 1_000_003 + day.toordinal()


def choose_next(
    server_prompts: Sequence[tuple[str, str]],
    library: Sequence[LibraryPrompt],
    used_keys: Collection[str],
    rng_seed: int,
    last_key: str | None = None,
) -> tuple[str, str, bool]:
    """Pick the next prompt as (key, text, cycle_reset).

    ``server_prompts`` are (key, text) pairs such as ("s:12", "..."), in the order the
    server added them; they come first, in that order, before any library prompt. Library
    prompts are then drawn pseudo-randomly from those unused, seeded by ``rng_seed`` so
    different servers get different prompts on the same day.

    Keys in ``used_keys`` that are no longer offered (removed prompts) are ignored. When
    every offered prompt is used, a new cycle starts: ``cycle_reset`` is True, the choice
    is made as if nothing were used, and the caller should forget the old history before
    recording this key. ``last_key`` (the most recent prompt) is then avoided if any other
    prompt exists, so a cycle boundary never shows the same prompt two days running.
    """
    if not server_prompts and not library:
        raise ValueError("there are no prompts to choose from")
    server_unused = [pair for pair in server_prompts if pair[0] not in used_keys]
    library_unused = [prompt for prompt in library if prompt.key not in used_keys]
    cycle_reset = not server_unused and not library_unused
    if cycle_reset:
        server_unused, library_unused = _fresh_cycle(server_prompts, library, last_key)
    if server_unused:
        key, text = server_unused[0]
        return key, text, cycle_reset
    picked = random.Random(rng_seed).choice(library_unused)
    return picked.key, picked.text, cycle_reset


def _fresh_cycle(
    server_prompts: Sequence[tuple[str, str]],
    library: Sequence[LibraryPrompt],
    last_key: str | None,
) -> tuple[list[tuple[str, str]], list[LibraryPrompt]]:
    server = [pair for pair in server_prompts if pair[0] != last_key]
    shelf = [prompt for prompt in library if prompt.key != last_key]
    if not server and not shelf:
        # The only prompt there is was also the last one: repeating beats posting nothing.
        return list(server_prompts), list(library)
    return server, shelf
