"""SQL for daily prompts: schedules, server prompts, the usage history and posts.

:class:`SqlitePrompts` works inside the session it was made for (see
:class:`bot.storage.database.Database`), so the caller decides what one action is.
Instants are stored as integer Unix seconds (UTC); local dates as ISO text.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime, time

from bot.models import Failure, Schedule, ServerPrompt, ShardSet
from bot.storage import _rows
from bot.storage._dialect import SQLITE, Connection, Dialect
from bot.storage._rows import SCHEDULE_COLUMNS, SERVER_PROMPT_COLUMNS, from_stamp, to_stamp
from bot.storage._sql import escape_like, next_number

__all__ = ["SqlitePrompts", "from_stamp", "to_stamp"]


class SqlitePrompts:
    """Prompt schedules, server prompts, the usage history and posts, in one SQLite session."""

    def __init__(self, conn: Connection, dialect: Dialect = SQLITE) -> None:
        self._conn = conn
        self._dialect = dialect

    # -------------------------------------------------------------- schedules

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
        save_schedule = f"""
            INSERT INTO prompt_schedules (guild_id, channel_id, role_id, post_time, time_zone,
                next_due_utc, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id,
                role_id = excluded.role_id, post_time = excluded.post_time,
                time_zone = excluded.time_zone, next_due_utc = excluded.next_due_utc,
                failure = NULL, failure_local_date = NULL, failure_channel_id = NULL,
                failure_at = NULL, updated_at = excluded.updated_at
            RETURNING {SCHEDULE_COLUMNS}
        """
        rows = await self._conn.execute_fetchall(
            save_schedule,
            (
                guild_id,
                channel_id,
                role_id,
                post_time.strftime("%H:%M"),
                time_zone,
                to_stamp(next_due),
                to_stamp(now),
                to_stamp(now),
            ),
        )
        return _rows.schedule(next(iter(rows)))

    async def get_schedule(self, guild_id: int) -> Schedule | None:
        get_schedule = f"""
            SELECT {SCHEDULE_COLUMNS} FROM prompt_schedules AS s
            WHERE guild_id = ?{self._dialect.lock("s")}
        """
        rows = await self._conn.execute_fetchall(get_schedule, (guild_id,))
        return next((_rows.schedule(row) for row in rows), None)

    async def due_schedules(
        self, now: datetime, limit: int, shards: ShardSet | None = None
    ) -> list[Schedule]:
        """Active schedules whose next post is due, most overdue first (uses the due index),
        of ``shards``' servers only when given. Ties go by server, so two processes claiming
        the same servers lock them in the same order."""
        due_schedules = f"""
            SELECT {SCHEDULE_COLUMNS} FROM prompt_schedules
            WHERE paused = 0 AND next_due_utc <= ? {_of_shards(shards)}
            ORDER BY next_due_utc, guild_id LIMIT ?
        """
        rows = await self._conn.execute_fetchall(
            due_schedules, (to_stamp(now), *_shard_values(shards), limit)
        )
        return [_rows.schedule(row) for row in rows]

    async def earliest_due(self, shards: ShardSet | None = None) -> datetime | None:
        """The soonest next post of any active schedule (of ``shards``' servers when given),
        the first entry of the due index at or after the first of those servers."""
        earliest_due = f"""
            SELECT next_due_utc AS due FROM prompt_schedules
            WHERE paused = 0 {_of_shards(shards)}
            ORDER BY next_due_utc LIMIT 1
        """
        rows = await self._conn.execute_fetchall(earliest_due, _shard_values(shards))
        return next((from_stamp(int(row["due"])) for row in rows), None)

    async def advance_schedule(
        self,
        guild_id: int,
        *,
        next_due: datetime,
        last_local_date: date | None,
        now: datetime,
    ) -> None:
        advance_schedule = """
            UPDATE prompt_schedules SET next_due_utc = ?, last_local_date = ?, updated_at = ?
            WHERE guild_id = ?
        """
        await self._conn.execute(
            advance_schedule,
            (
                to_stamp(next_due),
                None if last_local_date is None else last_local_date.isoformat(),
                to_stamp(now),
                guild_id,
            ),
        )

    async def advance_schedules(
        self, moves: Sequence[tuple[int, datetime, date | None]], now: datetime
    ) -> None:
        """:meth:`advance_schedule` for many servers at once: (guild_id, next_due,
        last_local_date) each, in one call."""
        advance_schedule = """
            UPDATE prompt_schedules SET next_due_utc = ?, last_local_date = ?, updated_at = ?
            WHERE guild_id = ?
        """
        if not moves:
            return
        stamp = to_stamp(now)
        await self._conn.executemany(
            advance_schedule,
            [
                (to_stamp(due), None if last is None else last.isoformat(), stamp, guild)
                for guild, due, last in moves
            ],
        )

    async def set_paused(
        self,
        guild_id: int,
        *,
        paused: bool,
        next_due: datetime,
        now: datetime,
    ) -> None:
        set_paused = """
            UPDATE prompt_schedules SET paused = ?, next_due_utc = ?, updated_at = ?
            WHERE guild_id = ?
        """
        await self._conn.execute(
            set_paused, (int(paused), to_stamp(next_due), to_stamp(now), guild_id)
        )

    async def set_failure(self, guild_id: int, failure: Failure) -> None:
        set_failure = """
            UPDATE prompt_schedules SET failure = ?, failure_local_date = ?,
                failure_channel_id = ?, failure_at = ?
            WHERE guild_id = ?
        """
        await self._conn.execute(
            set_failure,
            (
                failure.reason,
                None if failure.local_date is None else failure.local_date.isoformat(),
                failure.channel_id,
                to_stamp(failure.at),
                guild_id,
            ),
        )

    async def clear_failure(self, guild_id: int) -> None:
        clear_failure = """
            UPDATE prompt_schedules SET failure = NULL, failure_local_date = NULL,
                failure_channel_id = NULL, failure_at = NULL
            WHERE guild_id = ? AND failure IS NOT NULL
        """
        await self._conn.execute(clear_failure, (guild_id,))

    # --------------------------------------------------------- server prompts

    async def insert_server_prompt(
        self, guild_id: int, text: str, author_id: int, now: datetime
    ) -> ServerPrompt:
        insert_prompt = f"""
            INSERT INTO server_prompts (guild_id, number, text, author_id, created_at)
            VALUES (?, ?, ?, ?, ?)
            RETURNING {SERVER_PROMPT_COLUMNS}
        """
        number = await next_number(self._conn, guild_id, "prompt")
        rows = await self._conn.execute_fetchall(
            insert_prompt, (guild_id, number, text, author_id, to_stamp(now))
        )
        return _rows.server_prompt(next(iter(rows)))

    async def get_server_prompt(self, guild_id: int, number: int) -> ServerPrompt | None:
        get_prompt = f"""
            SELECT {SERVER_PROMPT_COLUMNS} FROM server_prompts WHERE guild_id = ? AND number = ?
        """
        rows = await self._conn.execute_fetchall(get_prompt, (guild_id, number))
        return next((_rows.server_prompt(row) for row in rows), None)

    async def delete_server_prompt(self, guild_id: int, number: int) -> None:
        delete_prompt = "DELETE FROM server_prompts WHERE guild_id = ? AND number = ?"
        await self._conn.execute(delete_prompt, (guild_id, number))

    async def list_server_prompts(self, guild_id: int) -> list[ServerPrompt]:
        """A server's prompts in the order they were added, which is the order they are used."""
        list_prompts = f"""
            SELECT {SERVER_PROMPT_COLUMNS} FROM server_prompts WHERE guild_id = ? ORDER BY number
        """
        rows = await self._conn.execute_fetchall(list_prompts, (guild_id,))
        return [_rows.server_prompt(row) for row in rows]

    async def search_server_prompts(
        self, guild_id: int, typed: str, limit: int
    ) -> list[ServerPrompt]:
        """A server's prompts matching by number prefix or by text, newest first."""
        search_prompts = f"""
            SELECT {SERVER_PROMPT_COLUMNS} FROM server_prompts
            WHERE guild_id = ?
                AND (text LIKE ? ESCAPE '\\' OR CAST(number AS TEXT) LIKE ? ESCAPE '\\')
            ORDER BY number DESC LIMIT ?
        """
        escaped = escape_like(typed)
        rows = await self._conn.execute_fetchall(
            search_prompts, (guild_id, f"%{escaped}%", f"{escaped}%", limit)
        )
        return [_rows.server_prompt(row) for row in rows]

    # ---------------------------------------------------------------- history

    async def used_keys(self, guild_id: int) -> tuple[set[str], str | None]:
        """The prompt keys used in the server's current cycle, and the most recent one."""
        used_keys = "SELECT prompt_key FROM prompt_history WHERE guild_id = ? ORDER BY id"
        rows = await self._conn.execute_fetchall(used_keys, (guild_id,))
        keys = [str(row["prompt_key"]) for row in rows]
        return set(keys), (keys[-1] if keys else None)

    async def server_prompts_of(self, guild_ids: Collection[int]) -> dict[int, list[ServerPrompt]]:
        """:meth:`list_server_prompts` of several servers in one query."""
        condition, ids = self._dialect.in_ids("guild_id", guild_ids)
        prompts_of = f"""
            SELECT guild_id, {SERVER_PROMPT_COLUMNS} FROM server_prompts WHERE {condition}
            ORDER BY guild_id, number
        """
        found: dict[int, list[ServerPrompt]] = {}
        for row in await self._conn.execute_fetchall(prompts_of, (ids,)):
            found.setdefault(int(row["guild_id"]), []).append(_rows.server_prompt(row))
        return found

    async def history_of(self, guild_ids: Collection[int]) -> dict[int, list[str]]:
        """Each server's used prompt keys of its current cycle, oldest first."""
        condition, ids = self._dialect.in_ids("guild_id", guild_ids)
        history_of = (
            f"SELECT guild_id, prompt_key FROM prompt_history WHERE {condition} ORDER BY id"
        )
        found: dict[int, list[str]] = {}
        for row in await self._conn.execute_fetchall(history_of, (ids,)):
            found.setdefault(int(row["guild_id"]), []).append(str(row["prompt_key"]))
        return found

    async def forget_history(self, guild_id: int) -> None:
        await self._conn.execute("DELETE FROM prompt_history WHERE guild_id = ?", (guild_id,))

    async def record_use(self, guild_id: int, prompt_key: str, now: datetime) -> None:
        record_use = "INSERT INTO prompt_history (guild_id, prompt_key, used_at) VALUES (?, ?, ?)"
        await self._conn.execute(record_use, (guild_id, prompt_key, to_stamp(now)))

    async def record_uses(self, uses: Sequence[tuple[int, str]], now: datetime) -> None:
        """:meth:`record_use` for several (guild_id, prompt_key) in one call."""
        record_use = "INSERT INTO prompt_history (guild_id, prompt_key, used_at) VALUES (?, ?, ?)"
        if not uses:
            return
        stamp = to_stamp(now)
        await self._conn.executemany(record_use, [(guild, key, stamp) for guild, key in uses])

    async def forget_use(self, guild_id: int, prompt_key: str) -> None:
        forget_use = "DELETE FROM prompt_history WHERE guild_id = ? AND prompt_key = ?"
        await self._conn.execute(forget_use, (guild_id, prompt_key))

    # ------------------------------------------------------------------ posts

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

        One conditional insert, so only one transaction (of any process) can win a day.
        ``prompt`` (key, text) is stored with the claim; without it, fill it in with
        :meth:`set_post_prompt` in the same transaction."""
        claim_day = """
            INSERT INTO prompt_posts (guild_id, kind, local_date, prompt_key, prompt_text,
                channel_id, role_id, claimed_at)
            VALUES (?, 'daily', ?, ?, ?, ?, ?, ?)
            ON CONFLICT (guild_id, local_date) DO NOTHING
            RETURNING id
        """
        key, text = prompt or ("", "")
        rows = await self._conn.execute_fetchall(
            claim_day,
            (guild_id, local_date.isoformat(), key, text, channel_id, role_id, to_stamp(now)),
        )
        return next((int(row["id"]) for row in rows), None)

    async def insert_immediate_post(
        self,
        *,
        guild_id: int,
        channel_id: int,
        role_id: int | None,
        now: datetime,
    ) -> int:
        insert_now_post = """
            INSERT INTO prompt_posts (guild_id, kind, local_date, prompt_key, prompt_text,
                channel_id, role_id, claimed_at)
            VALUES (?, 'now', NULL, '', '', ?, ?, ?)
            RETURNING id
        """
        rows = await self._conn.execute_fetchall(
            insert_now_post, (guild_id, channel_id, role_id, to_stamp(now))
        )
        return int(next(iter(rows))["id"])

    async def extra_posts_since(
        self, guild_id: int, since: datetime
    ) -> tuple[int, datetime | None]:
        """How many ``/prompt now`` posts a server has claimed since ``since`` (failed ones
        excluded: nobody saw them) and when the latest of all such posts was claimed."""
        extra_posts = """
            SELECT COALESCE(SUM(CASE WHEN claimed_at >= ? THEN 1 ELSE 0 END), 0) AS recent,
                MAX(claimed_at) AS latest
            FROM prompt_posts
            WHERE guild_id = ? AND kind = 'now' AND status != 'failed'
        """
        row = next(
            iter(await self._conn.execute_fetchall(extra_posts, (to_stamp(since), guild_id)))
        )
        latest = row["latest"]
        return int(row["recent"]), None if latest is None else from_stamp(int(latest))

    async def set_post_prompt(self, post_id: int, prompt_key: str, prompt_text: str) -> None:
        set_prompt = "UPDATE prompt_posts SET prompt_key = ?, prompt_text = ? WHERE id = ?"
        await self._conn.execute(set_prompt, (prompt_key, prompt_text, post_id))

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
        finish_post = """
            UPDATE prompt_posts SET status = ?, message_id = ?, thread_id = ?, error = ?,
                finished_at = ?
            WHERE id = ? AND status = 'claimed'
        """
        await self._conn.execute(
            finish_post,
            (
                "posted" if message_id is not None else "failed",
                message_id,
                thread_id,
                error,
                to_stamp(now),
                post_id,
            ),
        )


def _of_shards(shards: ShardSet | None) -> str:
    """The condition keeping a shard set's servers: Discord's ``(guild_id >> 22) % count``."""
    if shards is None:
        return ""
    marks = ", ".join("?" for _ in shards.ids)
    return f"AND (guild_id >> 22) % ? IN ({marks})"


def _shard_values(shards: ShardSet | None) -> tuple[int, ...]:
    return () if shards is None else (shards.count, *shards.ids)
