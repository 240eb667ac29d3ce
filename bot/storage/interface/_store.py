"""A store and its sessions: what a backend implements."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from bot.storage.interface._comments import CommentStore
from bot.storage.interface._excerpts import ExcerptStore
from bot.storage.interface._exchange import ExchangeStore
from bot.storage.interface._feedback import FeedbackStore
from bot.storage.interface._prompts import PromptStore
from bot.storage.interface._reviews import NotificationStore, ReviewStore


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

    def transaction(self) -> AbstractAsyncContextManager[Session]:
        """One atomic unit of work: committed on success, rolled back on any error."""
        ...
