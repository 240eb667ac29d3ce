"""PostgreSQL for the command-line tools: one connection, and migrating a database.

Every way a connection can fail (a bad URL, the server down, a wrong password, no such
database) becomes an :class:`UnusableDatabase` with the one line to show; the password
never appears in it.
"""

from __future__ import annotations

from typing import Any

from bot.storage._files import UnusableDatabase

CONNECT_TIMEOUT_S = 10.0


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
    where = shown(url)
    try:
        return await asyncpg.connect(url, timeout=CONNECT_TIMEOUT_S)
    except asyncpg.InvalidPasswordError:
        raise UnusableDatabase(
            f"PostgreSQL refused the login to {where}: check the user and password in the URL"
        ) from None
    except asyncpg.InvalidAuthorizationSpecificationError as error:
        raise UnusableDatabase(f"PostgreSQL refused the login to {where}: {error}") from None
    except asyncpg.InvalidCatalogNameError:
        raise UnusableDatabase(
            f"{where}: no such database on that server; create it first (createdb)"
        ) from None
    except (OSError, TimeoutError) as error:
        reason = getattr(error, "strerror", None) or str(error) or "timed out"
        raise UnusableDatabase(
            f"cannot reach PostgreSQL at {where} ({reason}): is the server running?"
        ) from None
    except (ValueError, asyncpg.ClientConfigurationError) as error:
        raise UnusableDatabase(f"{where} is not a usable PostgreSQL URL: {error}") from None
    except asyncpg.PostgresError as error:
        raise UnusableDatabase(f"cannot use the PostgreSQL database {where}: {error}") from None


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
