"""The workshop: what authors, readers and moderators can do, with the rules.

Knows nothing of Discord. ``Workshop`` is three services over one store:
``workshop.excerpts`` (:class:`ExcerptService`), ``workshop.comments``
(:class:`CommentService`) and ``workshop.suggestions`` (:class:`SuggestionService`,
applying suggestions into a new revision). The rules they share live in ``_validation``;
posting a revision (plan, apply, outcome) in ``_revise``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.exchange import CritiqueMeter
from bot.storage import Store
from bot.workshop._comments import CommentService
from bot.workshop._excerpts import ExcerptService
from bot.workshop._records import (
    CommentContext,
    CommentListing,
    CommentMove,
    LineListing,
    MessageLines,
    ReplyContext,
    RevisionOutcome,
)
from bot.workshop._revise import fully_posted
from bot.workshop._suggestions import ApplyPreview, SuggestionService, parse_choice
from bot.workshop._validation import (
    WHICH_EXCERPT,
    clean_text,
    parse_number,
    require_live,
    require_open,
    require_revision,
    require_thread_writer,
    seen_by,
)

__all__ = [
    "WHICH_EXCERPT",
    "ApplyPreview",
    "CommentContext",
    "CommentListing",
    "CommentMove",
    "CommentService",
    "ExcerptService",
    "LineListing",
    "MessageLines",
    "ReplyContext",
    "RevisionOutcome",
    "SuggestionService",
    "Workshop",
    "clean_text",
    "fully_posted",
    "parse_choice",
    "parse_number",
    "require_live",
    "require_open",
    "require_revision",
    "require_thread_writer",
    "seen_by",
]


class Workshop:
    """The excerpt and comment services, sharing one store and one clock."""

    def __init__(self, database: Store, clock: Callable[[], datetime]) -> None:
        self.db = database
        self.excerpts = ExcerptService(database, clock)
        self.comments = CommentService(database, clock, CritiqueMeter())
        self.suggestions = SuggestionService(database, clock)
