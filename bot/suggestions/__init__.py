"""Suggestions closing the loop: applying them into a revision, finding the ones an author
applied by hand, and showing what changed word by word. Pure code, no storage.

- ``_apply``: which chosen suggestions apply, with a reason for each refused one, and
  the new text they make (line numbers never change).
- ``_by_hand``: the open suggestions a typed or uploaded revision put in.
- ``_words``: a word-level diff of two versions of a line, for previews.
"""

from __future__ import annotations

from bot.suggestions._apply import (
    Application,
    ChangedLine,
    Refusal,
    Replacement,
    anchor_on,
    apply_suggestions,
    refusal_of,
)
from bot.suggestions._by_hand import HAND_CONTEXT, applied_by_hand
from bot.suggestions._words import word_diff

__all__ = [
    "HAND_CONTEXT",
    "Application",
    "ChangedLine",
    "Refusal",
    "Replacement",
    "anchor_on",
    "applied_by_hand",
    "apply_suggestions",
    "refusal_of",
    "word_diff",
]
