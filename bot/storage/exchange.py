"""SQL for the critique exchange: settings, the ledger, critiques and the queue.

The derived values (a critique's words and credit, R per excerpt, C per member, the
queue's base score) are kept here in the same transaction as the write that changes them.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

from bot.exchange_models import (
    CritiqueCredit,
    EntryKind,
    ExchangeSettings,
    LedgerEntry,
    QueueItem,
)
from bot.storage._dialect import Connection

_QUEUE_COLUMNS = "excerpt_number, author_id, critiques, posted_at, base"
# Days waiting count for at most min(6·days, 60): ten days.
WAIT_DAYS = 10


def _queue_item(row: sqlite3.Row) -> QueueItem:
    return QueueItem(
        excerpt_number=int(row["excerpt_number"]),
        author_id=int(row["author_id"]),
        critiques=int(row["critiques"]),
        posted_at=datetime.fromisoformat(str(row["posted_at"])),
        base=int(row["base"]),
    )


def _settings(row: sqlite3.Row) -> ExchangeSettings:
    return ExchangeSettings(
        guild_id=int(row["guild_id"]),
        enabled=bool(row["enabled"]),
        starting=int(row["starting"]),
        cost=int(row["cost"]),
        extra_cost=int(row["extra_cost"]),
    )


def _entry(row: sqlite3.Row) -> LedgerEntry:
    return LedgerEntry(
        halves=int(row["halves"]),
        kind=EntryKind(row["kind"]),
        excerpt_number=None if row["excerpt_number"] is None else int(row["excerpt_number"]),
        reason=row["reason"],
        granted_by=None if row["granted_by"] is None else int(row["granted_by"]),
        created_at=datetime.fromisoformat(str(row["created_at"])),
    )


# The queue's order: base − 6000·min(days waiting, 10), i.e. base + 6000·max(posted_day,
# today − 10), then oldest first. ``:horizon`` is today − 10 (as a date ordinal).
_SCORE_ORDER = """
    base + 6000 * CASE WHEN posted_day < :horizon THEN :horizon ELSE posted_day END,
    posted_at, excerpt_number
"""


class SqliteExchange:
    """The exchange's tables, in one session (SQLite's SQL, portable to PostgreSQL)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # Settings

    async def get_settings(self, guild_id: int) -> ExchangeSettings | None:
        get_settings = """
            SELECT guild_id, enabled, starting, cost, extra_cost
            FROM exchange_settings WHERE guild_id = ?
        """
        rows = await self._conn.execute_fetchall(get_settings, (guild_id,))
        return next((_settings(row) for row in rows), None)

    async def save_settings(self, settings: ExchangeSettings, by: int, now: datetime) -> None:
        save_settings = """
            INSERT INTO exchange_settings
                (guild_id, enabled, starting, cost, extra_cost, updated_by, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (guild_id) DO UPDATE SET enabled = excluded.enabled,
                starting = excluded.starting, cost = excluded.cost,
                extra_cost = excluded.extra_cost, updated_by = excluded.updated_by,
                updated_at = excluded.updated_at
        """
        await self._conn.execute(
            save_settings,
            (
                settings.guild_id,
                int(settings.enabled),
                settings.starting,
                settings.cost,
                settings.extra_cost,
                by,
                now.isoformat(),
            ),
        )

    # The ledger

    async def add_entry(
        self,
        *,
        guild_id: int,
        member_id: int,
        halves: int,
        kind: EntryKind,
        now: datetime,
        excerpt_number: int | None = None,
        reason: str | None = None,
        granted_by: int | None = None,
    ) -> None:
        add_entry = """
            INSERT INTO ledger (guild_id, member_id, halves, kind, excerpt_number, reason,
                granted_by, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """
        await self._conn.execute(
            add_entry,
            (
                guild_id,
                member_id,
                halves,
                kind.value,
                excerpt_number,
                reason,
                granted_by,
                now.isoformat(),
            ),
        )

    async def balance(self, guild_id: int, member_id: int) -> int:
        """The sum of a member's entries, in half credits (a covering index scan)."""
        balance = """
            SELECT COALESCE(SUM(halves), 0) AS halves FROM ledger
            WHERE guild_id = ? AND member_id = ?
        """
        rows = await self._conn.execute_fetchall(balance, (guild_id, member_id))
        return int(next(iter(rows))["halves"])

    async def last_entries(self, guild_id: int, member_id: int, limit: int) -> list[LedgerEntry]:
        last_entries = """
            SELECT halves, kind, excerpt_number, reason, granted_by, created_at FROM ledger
            WHERE guild_id = ? AND member_id = ? ORDER BY id DESC LIMIT ?
        """
        rows = await self._conn.execute_fetchall(last_entries, (guild_id, member_id, limit))
        return [_entry(row) for row in rows]

    async def mark_started(self, guild_id: int, member_id: int) -> bool:
        """True the first time it is asked for a member: their starting credits are due."""
        ensure_member = """
            INSERT INTO exchange_members (guild_id, member_id) VALUES (?, ?)
            ON CONFLICT (guild_id, member_id) DO NOTHING
        """
        mark_started = """
            UPDATE exchange_members SET started = 1
            WHERE guild_id = ? AND member_id = ? AND started = 0
            RETURNING member_id
        """
        await self._conn.execute(ensure_member, (guild_id, member_id))
        rows = await self._conn.execute_fetchall(mark_started, (guild_id, member_id))
        return bool(rows)

    # Critiques

    async def add_text(self, excerpt_id: int, reader_id: int, key: str, words: int) -> int:
        """One more use of a text in a critique; the words it adds (none if it was there)."""
        add_text = """
            INSERT INTO critique_texts (excerpt_id, reader_id, text_key, uses, words)
            VALUES (?, ?, ?, 1, ?)
            ON CONFLICT (excerpt_id, reader_id, text_key)
                DO UPDATE SET uses = critique_texts.uses + 1
            RETURNING uses, words
        """
        rows = await self._conn.execute_fetchall(add_text, (excerpt_id, reader_id, key, words))
        row = next(iter(rows))
        return int(row["words"]) if int(row["uses"]) == 1 else 0

    async def remove_text(self, excerpt_id: int, reader_id: int, key: str) -> int:
        """One use less of a text; the words it takes away (none while it is used elsewhere)."""
        remove_text = """
            UPDATE critique_texts SET uses = uses - 1
            WHERE excerpt_id = ? AND reader_id = ? AND text_key = ?
            RETURNING uses, words
        """
        drop_unused = """
            DELETE FROM critique_texts
            WHERE excerpt_id = ? AND reader_id = ? AND text_key = ? AND uses <= 0
        """
        parameters = (excerpt_id, reader_id, key)
        rows = await self._conn.execute_fetchall(remove_text, parameters)
        row = next(iter(rows), None)
        if row is None or int(row["uses"]) > 0:
            return 0
        await self._conn.execute(drop_unused, parameters)
        return int(row["words"])

    async def add_words(
        self, *, guild_id: int, excerpt_id: int, excerpt_number: int, reader_id: int, words: int
    ) -> CritiqueCredit:
        """Change a critique's words by ``words``; its state, with the credit as it stood."""
        add_words = """
            INSERT INTO critiques (excerpt_id, reader_id, guild_id, excerpt_number, words)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (excerpt_id, reader_id)
                DO UPDATE SET words = critiques.words + excluded.words
            RETURNING words, halves, thanked
        """
        rows = await self._conn.execute_fetchall(
            add_words, (excerpt_id, reader_id, guild_id, excerpt_number, words)
        )
        row = next(iter(rows))
        return CritiqueCredit(int(row["words"]), int(row["halves"]), bool(row["thanked"]))

    async def set_halves(self, excerpt_id: int, reader_id: int, halves: int) -> None:
        set_halves = "UPDATE critiques SET halves = ? WHERE excerpt_id = ? AND reader_id = ?"
        await self._conn.execute(set_halves, (halves, excerpt_id, reader_id))

    async def mark_thanked(
        self, *, guild_id: int, excerpt_id: int, excerpt_number: int, reader_id: int
    ) -> bool:
        """True the first time a reader is thanked on an excerpt."""
        ensure_critique = """
            INSERT INTO critiques (excerpt_id, reader_id, guild_id, excerpt_number)
            VALUES (?, ?, ?, ?)
            ON CONFLICT (excerpt_id, reader_id) DO NOTHING
        """
        mark_thanked = """
            UPDATE critiques SET thanked = 1
            WHERE excerpt_id = ? AND reader_id = ? AND thanked = 0
            RETURNING reader_id
        """
        await self._conn.execute(ensure_critique, (excerpt_id, reader_id, guild_id, excerpt_number))
        return bool(await self._conn.execute_fetchall(mark_thanked, (excerpt_id, reader_id)))

    async def set_comment_thanked(self, comment_id: int, now: datetime) -> bool:
        """Mark a comment thanked; False if it already was."""
        thank = """
            UPDATE comments SET thanked_at = ? WHERE id = ? AND thanked_at IS NULL
            RETURNING id
        """
        return bool(await self._conn.execute_fetchall(thank, (now.isoformat(), comment_id)))

    async def critique_words(self, excerpt_id: int) -> dict[int, int]:
        """reader -> substantive words, for an excerpt's digest."""
        critique_words = "SELECT reader_id, words FROM critiques WHERE excerpt_id = ?"
        rows = await self._conn.execute_fetchall(critique_words, (excerpt_id,))
        return {int(row["reader_id"]): int(row["words"]) for row in rows}

    async def critiqued_by(self, guild_id: int, reader_id: int) -> set[int]:
        """Numbers of the excerpts a reader has critiqued substantively in a server."""
        critiqued_by = """
            SELECT excerpt_number FROM critiques
            WHERE reader_id = ? AND guild_id = ? AND halves > 0
        """
        rows = await self._conn.execute_fetchall(critiqued_by, (reader_id, guild_id))
        return {int(row["excerpt_number"]) for row in rows}

    async def story_lines(self, excerpt_id: int) -> list[list[str]]:
        """Every revision's lines of an excerpt, revision by revision."""
        story_lines = """
            SELECT revision, text FROM lines WHERE excerpt_id = ? ORDER BY revision, number
        """
        revisions: dict[int, list[str]] = {}
        for row in await self._conn.execute_fetchall(story_lines, (excerpt_id,)):
            revisions.setdefault(int(row["revision"]), []).append(str(row["text"]))
        return list(revisions.values())

    # The queue's counts

    async def change_given(self, guild_id: int, member_id: int, delta: int) -> int:
        """Change C (substantive critiques a member gave in a server); the new C."""
        change_given = """
            INSERT INTO exchange_members (guild_id, member_id, given) VALUES (?, ?, ?)
            ON CONFLICT (guild_id, member_id)
                DO UPDATE SET given = exchange_members.given + excluded.given
            RETURNING given
        """
        rows = await self._conn.execute_fetchall(change_given, (guild_id, member_id, delta))
        return int(next(iter(rows))["given"])

    async def given(self, guild_id: int, member_id: int) -> int:
        given = "SELECT given FROM exchange_members WHERE guild_id = ? AND member_id = ?"
        rows = await self._conn.execute_fetchall(given, (guild_id, member_id))
        return next((int(row["given"]) for row in rows), 0)

    async def set_author_penalty(self, guild_id: int, author_id: int, penalty: int) -> None:
        """Rescore an author's excerpts for a new C: ``penalty`` = 1000 × 5·√min(C, 100)."""
        rescore = """
            UPDATE exchange_excerpts
            SET base = critiques * 10000 - CAST(? AS INTEGER) - first_excerpt * 20000
            WHERE guild_id = ? AND author_id = ?
        """
        await self._conn.execute(rescore, (penalty, guild_id, author_id))

    async def change_received(self, excerpt_id: int, delta: int) -> None:
        """Change R for an excerpt; it leaves the queue at 3 and comes back below."""
        change_received = """
            UPDATE exchange_excerpts
            SET critiques = critiques + CAST(?1 AS INTEGER),
                base = base + 10000 * CAST(?1 AS INTEGER),
                queued = CASE WHEN critiques + CAST(?1 AS INTEGER) < 3 AND closed = 0
                    THEN 1 ELSE 0 END
            WHERE excerpt_id = ?2
        """
        await self._conn.execute(change_received, (delta, excerpt_id))

    async def enqueue(
        self,
        *,
        guild_id: int,
        excerpt_id: int,
        excerpt_number: int,
        author_id: int,
        penalty: int,
        now: datetime,
    ) -> None:
        """A newly posted excerpt joins the queue (first excerpt: none of the author's before)."""
        enqueue = """
            INSERT INTO exchange_excerpts (excerpt_id, guild_id, excerpt_number, author_id,
                posted_at, posted_day, first_excerpt, base)
            SELECT ?1, ?2, ?3, ?4, ?5, ?7, f.first, -CAST(?6 AS INTEGER) - 20000 * f.first
            FROM (SELECT CASE WHEN EXISTS (
                SELECT 1 FROM excerpts WHERE guild_id = ?2 AND author_id = ?4 AND number < ?3
                    AND thread_id IS NOT NULL) THEN 0 ELSE 1 END AS first) AS f
            WHERE 1 = 1  -- SQLite's parser needs a WHERE before an upsert's ON CONFLICT
            ON CONFLICT (excerpt_id) DO NOTHING
        """
        await self._conn.execute(
            enqueue,
            (
                excerpt_id,
                guild_id,
                excerpt_number,
                author_id,
                now.isoformat(),
                penalty,
                now.date().toordinal(),
            ),
        )

    async def set_closed(self, excerpt_id: int, closed: bool) -> None:
        set_closed = """
            UPDATE exchange_excerpts SET closed = CAST(?1 AS INTEGER),
                queued = CASE WHEN critiques < 3 AND CAST(?1 AS INTEGER) = 0 THEN 1 ELSE 0 END
            WHERE excerpt_id = ?2
        """
        await self._conn.execute(set_closed, (int(closed), excerpt_id))

    async def dequeue(self, excerpt_id: int) -> None:
        """A deleted excerpt leaves the queue for good."""
        dequeue = "DELETE FROM exchange_excerpts WHERE excerpt_id = ?"
        await self._conn.execute(dequeue, (excerpt_id,))

    async def queued_by(self, guild_id: int, author_id: int) -> int:
        """How many of an author's excerpts are in the queue."""
        queued_by = """
            SELECT COUNT(*) AS queued FROM exchange_excerpts
            WHERE guild_id = ? AND author_id = ? AND queued = 1
        """
        rows = await self._conn.execute_fetchall(queued_by, (guild_id, author_id))
        return int(next(iter(rows))["queued"])

    async def queue_size(self, guild_id: int) -> int:
        queue_size = (
            "SELECT COUNT(*) AS queued FROM exchange_excerpts WHERE guild_id = ? AND queued = 1"
        )
        rows = await self._conn.execute_fetchall(queue_size, (guild_id,))
        return int(next(iter(rows))["queued"])

    async def queue(
        self,
        guild_id: int,
        today: date,
        *,
        offset: int,
        limit: int,
        skip_author: int | None = None,
        max_base: int | None = None,
        by_base: bool = False,
    ) -> list[QueueItem]:
        """The queue in score order (lowest first, oldest first on ties) as of ``today``
        (UTC); ``skip_author``'s excerpts left out, and those with a base above
        ``max_base``. ``by_base``: in base order instead (an index walk, no sort)."""
        queue = f"""
            SELECT {_QUEUE_COLUMNS} FROM exchange_excerpts
            WHERE guild_id = :guild_id AND queued = 1
                AND (CAST(:skip AS INTEGER) IS NULL OR author_id <> :skip)
                AND (CAST(:max_base AS INTEGER) IS NULL OR base <= :max_base)
            ORDER BY {"base, posted_at" if by_base else _SCORE_ORDER}
            LIMIT :limit OFFSET :offset
        """
        parameters = {
            "guild_id": guild_id,
            "skip": skip_author,
            "max_base": max_base,
            "horizon": today.toordinal() - WAIT_DAYS,
            "limit": limit,
            "offset": offset,
        }
        rows = await self._conn.execute_fetchall(queue, parameters)
        return [_queue_item(row) for row in rows]

    async def commented_ranges(self, excerpt_id: int) -> list[tuple[int, int]]:
        """(first, last) lines of each comment anchored on the current text."""
        commented_ranges = """
            SELECT DISTINCT line_start, line_end FROM comments
            WHERE excerpt_id = ? AND anchor_state <> 'outdated'
        """
        rows = await self._conn.execute_fetchall(commented_ranges, (excerpt_id,))
        return [(int(row["line_start"]), int(row["line_end"])) for row in rows]
