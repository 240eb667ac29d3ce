"""What the daily-prompt tables offer (SQL in :mod:`bot.storage.prompts`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime, time
from typing import Protocol

from bot.models import (
    Failure,
    Schedule,
    ServerPrompt,
    ShardSet,
)


class PromptStore(Protocol):
    """Prompt schedules, server prompts, the usage history and posts."""

    async def save_schedule(
        self,
        *,
        guild_id: int,
        channel_id: int,
        role_id: int | None,
        post_time: time,
        time_zone: str,
        next_due: datetime,
        now: datetime,
    ) -> Schedule:
        """Create or change a server's schedule.

        Re-running setup keeps ``paused`` and ``last_local_date``: the latter is what stops
        a second post on a day that already had one. The failure note goes, since the
        moderator has just chosen the channel again.
        """
        ...

    async def get_schedule(self, guild_id: int) -> Schedule | None: ...

    async def due_schedules(
        self, now: datetime, limit: int, shards: ShardSet | None = None
    ) -> list[Schedule]:
        """Active schedules whose next post is due, most overdue first (uses the due index),
        of ``shards``' servers only when given."""
        ...

    async def earliest_due(self, shards: ShardSet | None = None) -> datetime | None:
        """The soonest next post of any active schedule (of ``shards``' servers if given)."""
        ...

    async def advance_schedule(
        self, guild_id: int, *, next_due: datetime, last_local_date: date | None, now: datetime
    ) -> None: ...

    async def advance_schedules(
        self, moves: Sequence[tuple[int, datetime, date | None]], now: datetime
    ) -> None:
        """advance_schedule for many servers: (guild_id, next_due, last_local_date) each."""
        ...

    async def set_paused(
        self, guild_id: int, *, paused: bool, next_due: datetime, now: datetime
    ) -> None: ...

    async def set_failure(self, guild_id: int, failure: Failure) -> None: ...

    async def clear_failure(self, guild_id: int) -> None: ...

    async def insert_server_prompt(
        self, guild_id: int, text: str, author_id: int, now: datetime
    ) -> ServerPrompt: ...

    async def get_server_prompt(self, guild_id: int, number: int) -> ServerPrompt | None: ...

    async def delete_server_prompt(self, guild_id: int, number: int) -> None: ...

    async def list_server_prompts(self, guild_id: int) -> list[ServerPrompt]:
        """A server's prompts in the order they were added, which is the order they are used."""
        ...

    async def search_server_prompts(
        self, guild_id: int, typed: str, limit: int
    ) -> list[ServerPrompt]:
        """A server's prompts matching by number prefix or by text, newest first."""
        ...

    async def used_keys(self, guild_id: int) -> tuple[set[str], str | None]:
        """The prompt keys used in the server's current cycle, and the most recent one."""
        ...

    async def forget_history(self, guild_id: int) -> None: ...

    async def record_use(self, guild_id: int, prompt_key: str, now: datetime) -> None: ...

    async def record_uses(self, uses: Sequence[tuple[int, str]], now: datetime) -> None: ...

    async def server_prompts_of(
        self, guild_ids: Collection[int]
    ) -> dict[int, list[ServerPrompt]]: ...

    async def history_of(self, guild_ids: Collection[int]) -> dict[int, list[str]]:
        """Each server's used prompt keys of its current cycle, oldest first."""
        ...

    async def forget_use(self, guild_id: int, prompt_key: str) -> None: ...

    async def claim_day(
        self,
        *,
        guild_id: int,
        local_date: date,
        channel_id: int,
        role_id: int | None,
        now: datetime,
        prompt: tuple[str, str] | None = None,
    ) -> int | None:
        """Claim a server's local date for its daily post; None if it was already claimed.

        The prompt is filled in by :meth:`set_post_prompt` in the same transaction: the row
        must exist first, so a lost race never burns a prompt from the history.
        """
        ...

    async def insert_immediate_post(
        self, *, guild_id: int, channel_id: int, role_id: int | None, now: datetime
    ) -> int: ...

    async def extra_posts_since(
        self, guild_id: int, since: datetime
    ) -> tuple[int, datetime | None]:
        """How many ``/prompt now`` posts a server has claimed since ``since`` (failed ones
        excluded: nobody saw them) and when the latest of all such posts was claimed."""
        ...

    async def set_post_prompt(self, post_id: int, prompt_key: str, prompt_text: str) -> None: ...

    async def finish_post(
        self,
        post_id: int,
        *,
        message_id: int | None,
        thread_id: int | None,
        error: str | None,
        now: datetime,
    ) -> None:
        """Record how a claimed post ended; a post with a message counts as posted."""
        ...
