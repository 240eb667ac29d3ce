"""SQL helpers shared by the table groups (package-private).

LIKE escaping, the per-server number sequences, id chunking and placeholders, and
id lists bound as one parameter (see :class:`bot.storage._dialect.Dialect`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.models import Viewer
from bot.storage._dialect import SQLITE, Dialect

# SQLite's stock limit is 32,766 bound variables (999 before 3.32); 500 is safe everywhere.
CHUNK = 500

# How many of a scope's newest rows an autocomplete's text filter reads: one bounded page,
# whatever the server holds (the typed number itself is always found by index).
SEARCH_WINDOW = 1000
# Longer digit strings can't be a stored number (SQLite integers are 64-bit).
_MAX_DIGITS = 18

NEXT_NUMBER = """
    INSERT INTO guild_sequences (guild_id, kind, last_value) VALUES (?, ?, 1)
    ON CONFLICT (guild_id, kind) DO UPDATE SET last_value = guild_sequences.last_value + 1
    RETURNING last_value
"""


def escape_like(text: str) -> str:
    """``text`` matched literally by ``LIKE ... ESCAPE '\\'``."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_terms(typed: str) -> tuple[int | None, str | None, str]:
    """What an autocomplete looks for: (the number typed, as ``12`` or ``#12``, or None;
    a LIKE prefix for numbers starting with it, or None; a LIKE pattern for text holding
    what was typed)."""
    text = typed.strip()
    digits = text.lstrip("#").strip()
    if digits.isdigit() and len(digits) <= _MAX_DIGITS:
        return int(digits), f"{digits}%", f"%{escape_like(text)}%"
    return None, None, f"%{escape_like(text)}%"


def chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    """``ids`` cut into pieces that stay under the bound-variable limit."""
    return [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)]


def marks(count: int) -> str:
    """``count`` comma-separated ``?`` placeholders."""
    return ", ".join("?" * count)


async def next_number(conn: Any, guild_id: int, kind: str) -> int:
    """Allocate the next user-visible id of ``kind`` in a guild; never reused."""
    rows = await conn.execute_fetchall(NEXT_NUMBER, (guild_id, kind))
    return int(next(iter(rows))["last_value"])


def visible_to(
    viewer: Viewer | None, alias: str = "", dialect: Dialect = SQLITE
) -> tuple[str, tuple[Any, ...]]:
    """An ``AND ...`` clause keeping the excerpts ``viewer`` can see, with its parameters.

    The ids travel as one parameter each (a JSON array read by ``json_each`` on SQLite, an
    array on PostgreSQL), so a server with thousands of channels needs no chunking and
    LIMIT/paging apply to what the member can see. ``None`` (the operator) sees everything.
    """
    if viewer is None:
        return "", ()
    prefix = f"{alias}." if alias else ""
    channels, channel_ids = dialect.in_ids(f"{prefix}channel_id", viewer.channel_ids)
    hidden, hidden_ids = dialect.not_in_ids(f"{prefix}thread_id", viewer.hidden_thread_ids)
    return (
        f" AND {channels} AND ({prefix}thread_id IS NULL OR {hidden})",
        (channel_ids, hidden_ids),
    )
