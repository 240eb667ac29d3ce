"""The rules every workshop action shares: ids, user prose, and who may do what.

Each rule either returns what it checked or raises the domain error whose text the
member sees; the services call these instead of repeating the checks.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

from bot.errors import InvalidInput, NotAllowed, NotFound, WrongState
from bot.formatting import one_line
from bot.linespec import parse_line_spec
from bot.models import Actor, Comment, Excerpt, ExcerptStatus, Viewer
from bot.text import MAX_LINES, check_storable, is_invisible

MAX_TITLE_CHARS = 90
MAX_CONTENT_WARNING_CHARS = 200
MAX_FOCUS_CHARS = 200
MAX_COMMENT_CHARS = 1_500
AUTOCOMPLETE_LIMIT = 25
# A member whose answer never came (Discord showed "did not respond") sends it again within
# a minute or two; the same comment in that window is that retry, not a second comment.
RETRY_WINDOW = timedelta(minutes=5)

_ID = re.compile(r"^\s*[#]?\s*(?:[ec]\s*)?(\d{1,18})\s*$", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


WHICH_EXCERPT = (
    "Which excerpt? Use this command inside the excerpt's thread, or pick one with `excerpt:`."
)


def parse_number(text: str, what: str) -> int:
    """A user-typed id such as ``12``, ``#12`` or ``E12``."""
    match = _ID.match(text or "")
    if match is None or int(match[1]) == 0:
        raise InvalidInput(
            f"“{{typed}}” is not {_article(what)} {what} id. "
            "Ids are numbers such as `12`; start typing and pick one from the list.",
            typed=one_line(text or "", 40),
        )
    return int(match[1])


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def clean_text(text: str, what: str, max_chars: int, *, single_line: bool = False) -> str:
    """User prose, trimmed, without control characters; refuses empty or oversize text."""
    check_storable(text or "", what)
    cleaned = _CONTROL.sub("", unicodedata.normalize("NFC", text or "")).strip()
    if single_line:
        cleaned = " ".join(cleaned.split())
    if is_invisible(cleaned):
        raise InvalidInput(f"The {what} is empty. Please write something.")
    if len(cleaned) > max_chars:
        raise InvalidInput(
            f"The {what} is {len(cleaned):,} characters long; the limit is {max_chars:,}."
        )
    return cleaned


def can_resolve(member: Actor, comment: Comment, excerpt: Excerpt) -> bool:
    return member.id in (excerpt.author_id, comment.author_id) or member.is_moderator


def require_manager(member: Actor, excerpt: Excerpt, verb: str) -> None:
    """Only the excerpt's author or a moderator may ``verb`` (close, reopen, delete) it."""
    if member.id != excerpt.author_id and not member.is_moderator:
        raise NotAllowed(
            f"Only the author of excerpt #{excerpt.number} or a moderator can {verb} it."
        )


def require_author(member: Actor, excerpt: Excerpt) -> None:
    """Only the excerpt's author may post a revision of it."""
    if member.id != excerpt.author_id:
        raise NotAllowed(f"Only the author of excerpt #{excerpt.number} can post a revision.")


def require_revision(excerpt: Excerpt, revision: int, *, number: int | None = None) -> int:
    """``revision`` if the excerpt has it (1..current), else ``InvalidInput``.

    ``number`` is the excerpt number as the member typed it, when the message names that.
    """
    if not 1 <= revision <= excerpt.revision:
        shown = excerpt.number if number is None else number
        raise InvalidInput(
            f"Excerpt #{shown} has revisions 1–{excerpt.revision}; there is no revision {revision}."
        )
    return revision


def seen_by(viewer: Viewer | None, excerpt: Excerpt | None) -> Excerpt | None:
    """The excerpt if ``viewer`` can see it, else None: to a member who cannot view its
    channel an excerpt looks exactly like a missing one, so its existence doesn't leak."""
    if excerpt is None or viewer is None or viewer.can_see(excerpt):
        return excerpt
    return None


def require_thread_writer(member: Actor, excerpt: Excerpt, what: str) -> None:
    """The bot posts in the excerpt's thread on the member's behalf only if they could."""
    if member.viewer is not None and not member.viewer.can_write_in_thread(excerpt):
        raise NotAllowed(
            f"You don't have the **Send Messages in Threads** permission in the channel of "
            f"excerpt #{excerpt.number}, so I can't post your {what} in its thread for you."
        )


def require_live(excerpt: Excerpt | None, number: int) -> Excerpt:
    if excerpt is None:
        raise NotFound(f"There is no excerpt #{number} in this server.")
    if excerpt.status is ExcerptStatus.DELETED:
        raise NotFound(f"Excerpt #{number} was deleted, and its feedback with it.")
    return excerpt


def require_open(excerpt: Excerpt) -> None:
    """Refuse feedback on a closed excerpt (before a form is opened, too)."""
    if excerpt.status is ExcerptStatus.CLOSED:
        raise WrongState(
            f"Excerpt #{excerpt.number} is closed to new feedback; its author or a moderator "
            "can reopen it with `/excerpt reopen`."
        )


def resolve_excerpt(found: Excerpt | None, number: int | None) -> Excerpt:
    """The excerpt found by number or thread; a miss by thread means none was named."""
    if found is not None:
        return require_live(found, found.number)
    if number is None:
        raise InvalidInput(WHICH_EXCERPT)
    return require_live(None, number)


def lines_to_fetch(line_spec: str) -> tuple[int, int]:
    """The range a spec names if it is well-formed, else an empty one; the real check
    against the excerpt's length comes once the excerpt is loaded."""
    try:
        return parse_line_spec(line_spec, MAX_LINES)
    except InvalidInput:
        return 0, -1
