"""Notifications: who hears of what, each member's setting, and the outbox's claims.

Knows nothing of Discord. An event is recorded with :func:`record` inside the
transaction of the action that caused it (other services call it too: a suggestion
applied, a comment thanked). :class:`NotificationService` changes settings and claims
the messages that are due; the glue sends them (see ``cogs/notify.py``).
"""

from bot.notifications._events import comment_detail, notice_for, record, tell_commenter
from bot.notifications._service import DEFAULT, NotificationService, Outgoing

__all__ = [
    "DEFAULT",
    "NotificationService",
    "Outgoing",
    "comment_detail",
    "notice_for",
    "record",
    "tell_commenter",
]
