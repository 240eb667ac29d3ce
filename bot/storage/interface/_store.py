"""A store and its sessions: what a backend implements."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, TypeVar

from bot.storage.interface._comments import CommentStore
from bot.storage.interface._excerpts import ExcerptStore
from bot.storage.interface._exchange import ExchangeStore
from bot.storage.interface._feedback import FeedbackStore
from bot.storage.interface._prompts import PromptStore
from bot.storage.interface._reviews import NotificationStore, ReviewStore

T = TypeVar("T")


class Session(Protocol):
    """The repositories of one read or transaction session."""

    @property
    def excerpts(self) -> ExcerptStore: ...

    @property
    def comments(self) -> CommentStore: ...

    @property
    def prompts(self) -> PromptStore: ...

    @property
    def feedback(self) -> FeedbackStore: ...

    @property
    def exchange(self) -> ExchangeStore: ...

    @property
    def notifications(self) -> NotificationStore: ...

    @property
    def reviews(self) -> ReviewStore: ...


class Store(Protocol):
    """Where the bot keeps its data: opened once, closed once, used through sessions."""

    async def open(self) -> None:
        """Connect and bring the schema up to date; raises ``UnusableDatabase`` saying why."""
        ...

    async def close(self) -> None: ...

    @property
    def notices_written(self) -> int:
        """How many notification events were written since the store opened."""
        ...

    def read(self) -> AbstractAsyncContextManager[Session]:
        """A consistent snapshot for several reads."""
        ...

    async def run_read(self, action: Callable[[Session], Coroutine[Any, Any, T]]) -> T:
        """``action(session)`` on one consistent snapshot, for the hot pages: a backend
        may run it whole next to the database (SQLite: on a reader's thread, one trip
        instead of one per statement), so it awaits nothing but the session's
        repositories."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[Session]:
        """One atomic unit of work: committed on success, rolled back on any error."""
        ...

    async def run_transaction(
        self, action: Callable[[Session], Coroutine[Any, Any, T]], *, durable: bool = True
    ) -> T:
        """``action(session)`` as one atomic unit of work, for the hot paths: a backend may
        run it whole next to the database (SQLite: on the writer's thread, one trip
        instead of one per statement), so it awaits nothing but the session's
        repositories. ``durable=False``: bookkeeping a crash may lose (a card's message
        id), committed without waiting for the disk."""
        ...
