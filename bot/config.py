"""Settings from the environment and `.env` (python-dotenv).

A missing or malformed setting raises :class:`ConfigError` whose message is
the single line the operator needs to read.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from bot.models import ShardSet

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = ROOT / "data" / "marginalia.db"
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# A bot token is three base64url parts joined by dots (the bot's id, a time, a signature).
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{16,}")
_WHERE_TOKEN = "Discord Developer Portal → your application → Bot → Reset Token"


class ConfigError(Exception):
    """A setting is missing or wrong; the message says what to set and where."""


@dataclass(frozen=True, slots=True)
class Settings:
    token: str | None = None
    database: Path = DEFAULT_DATABASE
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    sync_commands: bool = True
    shards: ShardSet | None = None  # None: one process, Discord's own single shard
    # A postgresql:// URL: the bot then keeps its data there instead of the SQLite file.
    database_url: str | None = None
    database_pool_size: int = 10

    @property
    def store_target(self) -> Path | str:
        """Where the data lives: the PostgreSQL URL when one is set, else the SQLite file."""
        return self.database_url or self.database


def read_environment(env_file: Path | None = ROOT / ".env") -> dict[str, str]:
    """`.env` values overlaid by the real environment (the environment wins)."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.exists():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ)
    return values


def settings_from(
    values: Mapping[str, str], overrides: Mapping[str, Any] | None = None, *, need_token: bool
) -> Settings:
    overrides = dict(overrides or {})
    token = overrides.pop("token", None) or values.get("DISCORD_TOKEN", "").strip() or None
    if need_token and not token:
        raise ConfigError(
            "DISCORD_TOKEN is not set: copy .env.example to .env and paste your bot's token "
            "(Discord Developer Portal → your application → Bot → Reset Token), or try the "
            "bot offline first with `bash scripts/run.sh sandbox`."
        )
    explicit = overrides.pop("database", None)
    database_url = _database_url(values) if explicit is None else None
    if _is_postgres_url(explicit):
        database_url, explicit = str(explicit), None
    database = explicit or _configured_path(values.get("MARGINALIA_DATABASE"), DEFAULT_DATABASE)
    pool_size = _optional_int(
        values.get("MARGINALIA_DATABASE_POOL_SIZE"), "MARGINALIA_DATABASE_POOL_SIZE", "a number"
    )
    # An explicit override wins even when it is None: tests and the sandbox sync globally
    # whatever a developer's .env says.
    if "dev_guild_id" in overrides:
        dev_guild = overrides.pop("dev_guild_id")
    else:
        dev_guild = _optional_int(values.get("MARGINALIA_DEV_GUILD_ID"), "MARGINALIA_DEV_GUILD_ID")
    level = str(overrides.pop("log_level", None) or values.get("MARGINALIA_LOG_LEVEL") or "INFO")
    if level.upper() not in _LOG_LEVELS:
        raise ConfigError(
            f"MARGINALIA_LOG_LEVEL={level!r} is not a log level: "
            f"use one of {', '.join(_LOG_LEVELS)}."
        )
    sync = overrides.pop("sync_commands", True)
    shards = shard_set(
        _setting(overrides, values, "shard_count", "MARGINALIA_SHARD_COUNT"),
        _setting(overrides, values, "shard_ids", "MARGINALIA_SHARD_IDS"),
    )
    if overrides:
        raise TypeError(f"unknown settings: {', '.join(sorted(overrides))}")
    return Settings(
        token=token,
        database=Path(database),
        dev_guild_id=dev_guild,
        log_level=level.upper(),
        sync_commands=bool(sync),
        shards=shards,
        database_url=database_url,
        database_pool_size=pool_size or 10,
    )


def _setting(overrides: dict[str, Any], values: Mapping[str, str], key: str, name: str) -> str:
    if key in overrides:
        value = overrides.pop(key)
        if value is None:
            return ""
        if isinstance(value, (list, tuple, range)):
            return ",".join(str(part) for part in value)
        return str(value)
    return values.get(name, "")


_SHARD_PART = re.compile(r"(\d+)(?:-(\d+))?")


def shard_set(count_text: str, ids_text: str) -> ShardSet | None:
    """``MARGINALIA_SHARD_COUNT`` and ``MARGINALIA_SHARD_IDS`` (``0-3``, ``0,2,5-7``) as a
    :class:`ShardSet`; None when neither is set. Ids default to every shard of the count."""
    count_text, ids_text = count_text.strip(), ids_text.strip()
    if not count_text:
        if ids_text:
            raise ConfigError(
                f"MARGINALIA_SHARD_IDS={ids_text!r} needs MARGINALIA_SHARD_COUNT, the number "
                "of shards across all processes."
            )
        return None
    try:
        count = int(count_text)
    except ValueError:
        count = 0
    if count < 1:
        raise ConfigError(
            f"MARGINALIA_SHARD_COUNT={count_text!r} must be a whole number of shards, 1 or more."
        )
    if not ids_text:
        return ShardSet(count, tuple(range(count)))
    ids: set[int] = set()
    for part in ids_text.split(","):
        match = _SHARD_PART.fullmatch(part.strip())
        if match is None or (match[2] is not None and int(match[2]) < int(match[1])):
            raise ConfigError(
                f"MARGINALIA_SHARD_IDS={ids_text!r} is not a list of shard ids: write ids and "
                "ranges like 0-3 or 0,2,5-7."
            )
        first = int(match[1])
        ids.update(range(first, int(match[2] or first) + 1))
    outside = sorted(i for i in ids if i >= count)
    if outside:
        raise ConfigError(
            f"MARGINALIA_SHARD_IDS={ids_text!r} names shard {outside[0]}, but "
            f"MARGINALIA_SHARD_COUNT={count} has shards 0-{count - 1}."
        )
    return ShardSet(count, tuple(sorted(ids)))


def _is_postgres_url(value: object) -> bool:
    return isinstance(value, str) and value.startswith(("postgresql://", "postgres://"))


def _database_url(values: Mapping[str, str]) -> str | None:
    """MARGINALIA_DATABASE_URL, else a PostgreSQL DATABASE_URL (as hosts set it); other
    kinds of DATABASE_URL are not ours to read and leave the SQLite file in use."""
    own = values.get("MARGINALIA_DATABASE_URL", "").strip()
    if own:
        if not _is_postgres_url(own):
            raise ConfigError(
                "MARGINALIA_DATABASE_URL must be a PostgreSQL URL "
                "(postgresql://user:password@host:5432/database); leave it unset to use "
                "the SQLite file (MARGINALIA_DATABASE)."
            )
        return own
    shared = values.get("DATABASE_URL", "").strip()
    return shared if _is_postgres_url(shared) else None


def _configured_path(raw: str | None, default: Path) -> Path:
    """A path from `.env` or the environment; a relative one is relative to the project,
    where `.env` lives, wherever the command was typed."""
    if raw is None or not raw.strip():
        return default
    path = Path(raw.strip()).expanduser()
    return path if path.is_absolute() else ROOT / path


def check_token(token: str) -> None:
    """Raise :class:`ConfigError` for a token that cannot be a bot token, before Discord
    is asked (a wrong paste is the common mistake: the client secret, the application id)."""
    if _TOKEN_SHAPE.fullmatch(token):
        return
    if token.lower().startswith("bot "):
        hint = "it starts with 'Bot ': paste the token alone"
    elif token.isdigit():
        hint = "that is an id (the application id?), not the bot's token"
    elif "." not in token:
        hint = "it has no dots (the client secret?); the bot's token has three parts"
    else:
        hint = "it is not three parts joined by dots, or has spaces or other characters"
    raise ConfigError(
        f"DISCORD_TOKEN in .env does not look like a bot token ({hint}): copy it from "
        f"{_WHERE_TOKEN}."
    )


def token_refused() -> ConfigError:
    """What to say when Discord itself refuses the token at login."""
    return ConfigError(
        "Discord refused DISCORD_TOKEN (401 Unauthorized: the token is wrong or was reset): "
        f"paste a fresh one into .env from {_WHERE_TOKEN}."
    )


def _optional_int(raw: str | None, name: str, what: str = "a server (guild) id") -> int | None:
    if raw is None or not raw.strip():
        return None
    try:
        value = int(raw.strip())
    except ValueError:
        value = 0
    if value <= 0:
        raise ConfigError(f"{name}={raw!r} must be {what}, a positive number.")
    return value


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
