"""The time one revision's comments may spend looking for edited quotes."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

FAR_SEARCH_SECONDS = 0.8
"""A revision's comments stop looking for edited quotes far from their place after this long."""

NEAR_SEARCH_SECONDS = 1.5
"""...and near their place after this long: the rest become outdated (see ``SearchBudget``)."""


class SearchBudget:
    """How long one revision's comments may spend looking for edited quotes.

    Exact quotes, line comments and the line map are always worked out (their
    cost is bounded by the text). The fuzzy search is not: a quote edited
    beyond recognition is sought in every touched line that shares its words,
    which on a pathological text (a paragraph of a few words repeated ten
    thousand times, two thousand comments) could take minutes. So, counted
    from the budget's creation: after ``far_seconds`` no quote is sought far
    from its place any more, after ``near_seconds`` not even near it. What is
    left becomes outdated, which the product already shows honestly. On real
    revisions (a full rewrite of 2,000 lines with 2,000 comments plans in a
    few hundred milliseconds) neither limit is reached.
    """

    __slots__ = ("_clock", "_far_until", "_near_until")

    def __init__(
        self,
        far_seconds: float = FAR_SEARCH_SECONDS,
        near_seconds: float = NEAR_SEARCH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        started = clock()
        self._clock = clock
        self._far_until = started + far_seconds
        self._near_until = started + near_seconds

    def far_open(self) -> bool:
        """Whether quotes may still be sought across the whole text."""
        return self._clock() < self._far_until

    def near_open(self) -> bool:
        """Whether quotes may still be sought in the touched lines near their place."""
        return self._clock() < self._near_until


# For callers that give no budget: the search is never cut short.
UNLIMITED = SearchBudget(math.inf, math.inf)
