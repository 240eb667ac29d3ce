"""The storage interface the services use; a backend implements it.

A :class:`Store` hands out sessions: :meth:`Store.read` a consistent snapshot,
:meth:`Store.transaction` one atomic unit of work (one user action).
A :class:`Session` exposes one repository per table group. Services hold a
``Store`` and never see a connection; records are :mod:`bot.models` dataclasses.

SQLite implements it in :mod:`bot.storage.database` (``Database``/``SqliteSession``) and
PostgreSQL in :mod:`bot.storage.postgres` (``PostgresStore``/``PgSession``), over the
same table-group modules (``SqliteExcerpts``, ``SqliteComments``, ...). One private
module here per table group.
"""

from bot.storage.interface._comments import CommentStore
from bot.storage.interface._excerpts import ExcerptStore
from bot.storage.interface._exchange import ExchangeStore
from bot.storage.interface._feedback import FeedbackStore
from bot.storage.interface._prompts import PromptStore
from bot.storage.interface._reviews import NotificationStore, ReviewStore
from bot.storage.interface._store import Session, Store

__all__ = [
    "CommentStore",
    "ExcerptStore",
    "ExchangeStore",
    "FeedbackStore",
    "NotificationStore",
    "PromptStore",
    "ReviewStore",
    "Session",
    "Store",
]
