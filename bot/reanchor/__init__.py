"""Carrying comments across a revision: each anchor follows its text.

When an author posts a revised excerpt, every comment pinned to the old
revision is moved to where its text now stands, the way a careful reader
holding both versions would do it. Build a :class:`LineMap` once per revision
(``build_line_map``), then ``relocate`` each anchor on it, or do both with
``relocate_all``; ``summarize`` counts the lines added, removed and changed.

The package, one concern per private module (a name without a leading
underscore in a private module is used by its siblings; only what this file
exports is for the rest of the bot):

- ``_diff``: the line diff, patience-style, with difflib only in the gaps.
- ``_matching``: difflib's ratio, to the last bit, worked out with ``str.find``.
- ``_paragraphs``: comparing paragraphs word by word within a counted effort.
- ``_line_map``: the line map, built from the diff: identical lines paired
  (moves), similar ones paired within a diagonal band (edits), leftovers
  absorbed (merges), a predicted new line for every old one.
- ``_new_text``: the new text as the quote finders search it (joined lines,
  touched lines, memoised words, an index of which lines hold which words).
- ``_found``, ``_exact``, ``_fuzzy``: finding a quote verbatim, or edited in
  the lines the revision touched, scored on similarity, context and closeness.
- ``_budget``: how long one revision's fuzzy search may take.
- ``_relocate``: one anchor's new place and state, from its lines or its quote.

**Bounds.** Every step's cost is bounded so a hostile text (one paragraph of
five words repeated for 190,000 characters) plans in well under two seconds:
the pairing visits the band only and counts difflib's steps; a repeated quote
weighs only the occurrences nearest its old offset; the fuzzy search of one
revision's comments shares a time budget (:class:`SearchBudget`): first the
far search stops, then the near one; comments left become outdated.
"""

from __future__ import annotations

from bot.reanchor._budget import FAR_SEARCH_SECONDS, NEAR_SEARCH_SECONDS, SearchBudget
from bot.reanchor._fuzzy import FUZZY_THRESHOLD, MIN_FUZZY_QUOTE_CHARS
from bot.reanchor._line_map import LineMap, RevisionSummary, build_line_map, summarize
from bot.reanchor._paragraphs import ABSORBED_SHARE, SAME_PARAGRAPH_RATIO
from bot.reanchor._relocate import Relocation, relocate, relocate_all

__all__ = [
    "ABSORBED_SHARE",
    "FAR_SEARCH_SECONDS",
    "FUZZY_THRESHOLD",
    "MIN_FUZZY_QUOTE_CHARS",
    "NEAR_SEARCH_SECONDS",
    "SAME_PARAGRAPH_RATIO",
    "LineMap",
    "Relocation",
    "RevisionSummary",
    "SearchBudget",
    "build_line_map",
    "relocate",
    "relocate_all",
    "summarize",
]
