"""PostgreSQL for the command-line tools: one connection, and migrating a database.

Every way a connection can fail (a bad URL, the server down, a wrong password, no such
database) becomes an :class:`UnusableDatabase` with the one line to show; the password
never appears in it.
"""

from __future__ import annotations

from typing import Any

from bot.storage._files import UnusableDatabase


def shown(url: str) -> str:
    from bot.db_target import hide_password

    return hide_password(url)


async def connect(url: str) -> Any:
    """One asyncpg connection to ``url``; one line for anything that stops it."""
    try:
        import asyncpg
    except ImportError:
        raise UnusableDatabase(
            'PostgreSQL needs the postgres extra: pip install -e ".[postgres]"'
        ) from None
    from bot.storage.postgres import CONNECT_TIMEOUT_S, reaching

    with reaching(shown(url)):
        return await asyncpg.connect(url, timeout=CONNECT_TIMEOUT_S)


async def migrate_postgres(url: str) -> tuple[int, int]:
    """Bring the database at ``url`` up to date: (version before, version after)."""
    conn = await connect(url)
    try:
        return await migrate_on(conn, url)
    finally:
        await conn.close()


async def migrate_on(conn: Any, url: str) -> tuple[int, int]:
    """The PostgreSQL backend's migrations on an open connection (inside the caller's
    transaction, if any: then they are undone with it)."""
    from bot.storage import postgres

    before, after = await postgres.migrate(conn, url)
    return int(before), int(after)
