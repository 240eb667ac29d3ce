"""Which words of a line changed, for showing a change the way a reviewer reads it."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Literal

Kind = Literal["same", "removed", "added"]
_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


def word_diff(old: str, new: str) -> list[tuple[Kind, str]]:
    """``old`` turned into ``new`` as runs of kept, removed and added text, in reading
    order (a replaced run: its removed part first)."""
    before, after = _TOKENS.findall(old), _TOKENS.findall(new)
    runs: list[tuple[Kind, str]] = []
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            runs.append(("same", "".join(before[i1:i2])))
            continue
        if i2 > i1:
            runs.append(("removed", "".join(before[i1:i2])))
        if j2 > j1:
            runs.append(("added", "".join(after[j1:j2])))
    return runs
