"""Which database a command-line tool works on: a SQLite file or a PostgreSQL URL.

``--database PATH|URL`` wins; else ``MARGINALIA_DATABASE_URL`` (or a PostgreSQL
``DATABASE_URL``) when it is set, else ``MARGINALIA_DATABASE``, else
``data/marginalia.db``. Anything wrong is a :class:`TargetError` whose message is the one
line to show.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bot.config import read_environment, settings_from

_POSTGRES_SCHEMES = ("postgresql", "postgres")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


class TargetError(Exception):
    """The database can't be used as asked; the message is the one line to show."""


@dataclass(frozen=True, slots=True)
class Target:
    path: Path | None = None
    url: str | None = None

    @property
    def shown(self) -> str:
        """How to name it in a message: never with the URL's password."""
        return str(self.path) if self.url is None else hide_password(self.url)


def is_postgres_url(text: str) -> bool:
    match = _SCHEME.match(text.strip())
    return match is not None and match[1].lower() in _POSTGRES_SCHEMES


def hide_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def without_password(url: str) -> str:
    """The URL with no password at all: for a command the operator runs (the client then
    asks for it, or reads PGPASSWORD or ~/.pgpass)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}@{host}"))


def pg_dump_command(url: str, output: str) -> str:
    """The exact pg_dump command that backs the database at ``url`` up to ``output``."""
    return (
        f"pg_dump --format=custom --file={shlex.quote(output)} {shlex.quote(without_password(url))}"
    )


def parse_target(raw: str) -> Target:
    """A ``--database`` value: a ``postgresql://`` URL or a SQLite file's path."""
    text = raw.strip()
    match = _SCHEME.match(text)
    if match is None:
        return Target(path=Path(text).expanduser())
    if match[1].lower() not in _POSTGRES_SCHEMES:
        raise TargetError(
            f"{hide_password(text)} is neither a SQLite file's path nor a postgresql:// URL"
        )
    return Target(url=check_url(text))


def check_url(url: str) -> str:
    """Refuse a URL asyncpg could not make sense of, before anything is tried."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as error:
        raise TargetError(f"{hide_password(url)} is not a usable PostgreSQL URL: {error}") from None
    if not parts.path.strip("/") and "dbname=" not in parts.query:
        raise TargetError(
            f"{hide_password(url)} names no database: end the URL with /<database name>"
        )
    return url


def resolve_target(raw: str | None, values: Mapping[str, str] | None = None) -> Target:
    """``--database`` if given, else the configured database (see the module doc)."""
    if raw is not None and raw.strip():
        return parse_target(raw)
    settings = settings_from(read_environment() if values is None else values, need_token=False)
    if settings.database_url:
        return Target(url=check_url(settings.database_url))
    return Target(path=settings.database)
