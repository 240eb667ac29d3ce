"""Comment counts the storage layer keeps (migration 0006), and the page queries' plans."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import InvalidInput, NotFound, WrongState
from bot.models import CommentStatus
from bot.storage import Database
from bot.storage.database import READER_POOL_SIZE
from bot.workshop import Workshop
from tests.helpers import AUTHOR, GUILD, MODERATOR, READER, Clock, posted

LINES = 12

# One random action on two excerpts: (kind, excerpt slot, comment pick, first line, span).
ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["add", "add", "add", "resolve", "reopen", "delete", "revise", "drop"]),
        st.integers(0, 1),
        st.integers(0, 30),
        st.integers(1, LINES),
        st.integers(0, 4),
    ),
    max_size=25,
)


def kept_and_counted(path: Path) -> list[tuple[int, int, int, int, int, int]]:
    """Per excerpt: kept open, counted open, kept resolved, counted resolved, kept widest
    span, real widest span."""
    with sqlite3.connect(path) as conn:
        return conn.execute(
            """
            SELECT e.open_comments,
                (SELECT COUNT(*) FROM comments c WHERE c.excerpt_id = e.id AND status = 'open'),
                e.resolved_comments,
                (SELECT COUNT(*) FROM comments c
                 WHERE c.excerpt_id = e.id AND status = 'resolved'),
                e.widest_comment_span,
                (SELECT COALESCE(MAX(line_end - line_start), 0) FROM comments c
                 WHERE c.excerpt_id = e.id)
            FROM excerpts e ORDER BY e.id
            """
        ).fetchall()


async def _run(path: Path, actions: list[tuple[str, int, int, int, int]]) -> None:
    database = Database(path)
    await database.open()
    workshop = Workshop(database, Clock(step=timedelta(seconds=1)))
    excerpts = [await posted(workshop, lines=LINES), await posted(workshop, lines=LINES)]
    numbers: list[int] = []
    for kind, slot, pick, first, span in actions:
        excerpt = excerpts[slot]
        try:
            if kind == "add":
                last = min(LINES, first + span)
                added = await workshop.comments.add_comment(
                    guild_id=GUILD,
                    member=READER,
                    line_spec=f"{first}-{last}",
                    text=f"Note {len(numbers)}",
                    excerpt_number=excerpt,
                )
                numbers.append(added.comment.number)
            elif kind in ("resolve", "reopen", "delete") and numbers:
                number = numbers[pick % len(numbers)]
                if kind == "delete":
                    await workshop.comments.delete_comment(
                        guild_id=GUILD, comment_number=number, member=MODERATOR
                    )
                else:
                    await workshop.comments.set_resolved(
                        guild_id=GUILD,
                        comment_number=number,
                        member=MODERATOR,
                        resolved=kind == "resolve",
                    )
            elif kind == "revise":
                text = "\n".join(
                    f"Line {n} of the keeper's tale{' again' if n % 3 == pick % 3 else ''}."
                    for n in range(1, LINES + 1 - span)
                )
                await workshop.excerpts.revise_excerpt(
                    guild_id=GUILD, number=excerpt, member=AUTHOR, text=text
                )
            elif kind == "drop" and pick % 5 == 0:
                await workshop.excerpts.delete_excerpt(GUILD, excerpt, MODERATOR)
        except (InvalidInput, NotFound, WrongState):
            pass  # refused actions write nothing; the counts must still match
        for row in kept_and_counted(path):
            kept_open, open_, kept_resolved, resolved, kept_span, span_now = row
            assert (kept_open, kept_resolved) == (open_, resolved), (kind, row)
            assert kept_span >= span_now, (kind, row)
    await database.close()


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions=ACTIONS)
def test_kept_counts_match_a_count_after_any_actions(actions):
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(_run(Path(folder) / "c.db", actions))


async def test_the_migration_backfills_existing_comments(tmp_path):
    path = tmp_path / "b.db"
    database = Database(path)
    await database.open()
    workshop = Workshop(database, Clock(step=timedelta(seconds=1)))
    number = await posted(workshop, lines=LINES)
    for spec in ("1", "2-5", "3"):
        await workshop.comments.add_comment(
            guild_id=GUILD, member=READER, line_spec=spec, text="Hm.", excerpt_number=number
        )
    await workshop.comments.set_resolved(
        guild_id=GUILD, comment_number=1, member=MODERATOR, resolved=True
    )
    await database.close()
    # The database as it was before migration 0006.
    with sqlite3.connect(path) as conn:
        for trigger in ("insert", "delete", "status"):
            conn.execute(f"DROP TRIGGER comments_count_{trigger}")
        conn.execute("DROP TRIGGER comments_widest_span")
        conn.execute("DROP INDEX comments_in_list_order")
        for column in ("open_comments", "resolved_comments", "widest_comment_span"):
            conn.execute(f"ALTER TABLE excerpts DROP COLUMN {column}")
        conn.execute("DELETE FROM schema_migrations WHERE version = 6")
    database = Database(path)
    await database.open()
    await database.close()
    assert kept_and_counted(path) == [(2, 2, 1, 1, 3, 3)]


def _plan(conn: sqlite3.Connection, query: str, parameters: tuple[object, ...]) -> str:
    return " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {query}", parameters))


async def test_page_queries_use_indexes(tmp_path):
    """The page queries read an index range, never the whole table or a sort of it."""
    path = tmp_path / "p.db"
    database = Database(path)
    await database.open()
    workshop = Workshop(database, Clock(step=timedelta(seconds=1)))
    number = await posted(workshop, lines=LINES)
    await database.close()
    seen: list[str] = []

    def trace(statement: str) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    database = Database(path)
    await database.open()
    workshop = Workshop(database, Clock(step=timedelta(seconds=1)))
    # Reads come from a pool: hold every reader at once to trace them all.
    async with contextlib.AsyncExitStack() as readers:
        for _ in range(READER_POOL_SIZE):
            session = await readers.enter_async_context(database.read())
            conn = session.excerpts._conn  # type: ignore[attr-defined]
            await conn.set_trace_callback(trace)  # type: ignore[attr-defined]
    await workshop.excerpts.list_excerpts(GUILD, before=50, limit=11)
    await workshop.excerpts.show_lines(GUILD, number, None, window=(1, 40))
    await workshop.comments.list_comments(
        guild_id=GUILD,
        excerpt_number=number,
        line_spec=None,
        status=CommentStatus.OPEN,
        after=(False, 3, 7),
        limit=11,
    )
    await database.close()
    plans = {}
    with sqlite3.connect(path) as plain_conn:
        for statement in seen:
            plans[statement] = _plan(plain_conn, statement, ())
    page_reads = {
        "FROM excerpts AS e": "USING INDEX sqlite_autoindex_excerpts_1 (guild_id=? AND number<?)",
        "GROUP BY 1, 2, 3": "USING COVERING INDEX comments_line_counts (excerpt_id=? AND "
        "line_start>? AND line_start<?)",
        "(c.line_start, c.number) >": "USING INDEX comments_in_list_order (excerpt_id=? AND "
        "<expr>=? AND (line_start,number)>(?,?))",
    }
    for marker, wanted in page_reads.items():
        found = [plan for statement, plan in plans.items() if marker in statement]
        assert found, marker
        assert all(wanted in plan and "TEMP B-TREE FOR ORDER BY" not in plan for plan in found), (
            found
        )
