"""Settings: one clear line for anything missing or wrong."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import DEFAULT_DATABASE, ConfigError, settings_from


def test_defaults_and_overrides():
    settings = settings_from({"DISCORD_TOKEN": " abc "}, need_token=True)
    assert settings.token == "abc" and settings.database == DEFAULT_DATABASE
    assert settings.dev_guild_id is None and settings.log_level == "INFO"
    chosen = settings_from(
        {"MARGINALIA_DATABASE": "x.db", "MARGINALIA_DEV_GUILD_ID": "42"},
        {"database": "y.db"},
        need_token=False,
    )
    assert chosen.database == Path("y.db") and chosen.dev_guild_id == 42
    assert (
        settings_from(
            {"MARGINALIA_DEV_GUILD_ID": "42"}, {"dev_guild_id": None}, need_token=False
        ).dev_guild_id
        is None
    )


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({}, "DISCORD_TOKEN is not set"),
        ({"DISCORD_TOKEN": "t", "MARGINALIA_DEV_GUILD_ID": "abc"}, "MARGINALIA_DEV_GUILD_ID"),
        ({"DISCORD_TOKEN": "t", "MARGINALIA_DEV_GUILD_ID": "-5"}, "positive"),
        ({"DISCORD_TOKEN": "t", "MARGINALIA_LOG_LEVEL": "LOUD"}, "MARGINALIA_LOG_LEVEL"),
    ],
)
def test_bad_settings_name_what_to_set(values, fragment):
    with pytest.raises(ConfigError, match=fragment) as raised:
        settings_from(values, need_token=True)
    assert "\n" not in str(raised.value)


def test_starting_without_a_token_prints_one_line_and_stops():
    env = {**os.environ, "DISCORD_TOKEN": ""}
    done = subprocess.run(
        [sys.executable, "-m", "bot"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "DISCORD_TOKEN" in lines[0] and ".env" in lines[0]
    # A newcomer's first run leads somewhere even without a Discord application.
    assert "scripts/run.sh sandbox" in lines[0]


def test_a_postgresql_url_chooses_postgresql():
    url = "postgresql://bot:secret@db.example:5432/marginalia"
    for name in ("MARGINALIA_DATABASE_URL", "DATABASE_URL"):
        settings = settings_from({name: url}, need_token=False)
        assert settings.database_url == url and settings.store_target == url
    # A host's DATABASE_URL of another kind is not ours; the SQLite file stays in use.
    other = settings_from({"DATABASE_URL": "mysql://x@y/z"}, need_token=False)
    assert other.store_target == DEFAULT_DATABASE
    # create_bot(database=...) takes a URL too, and an explicit file beats the environment.
    assert settings_from({}, {"database": url}, need_token=False).store_target == url
    chosen = settings_from({"DATABASE_URL": url}, {"database": "y.db"}, need_token=False)
    assert chosen.store_target == Path("y.db")
    pooled = settings_from({"MARGINALIA_DATABASE_POOL_SIZE": "4"}, need_token=False)
    assert pooled.database_pool_size == 4


def test_a_wrong_database_url_is_one_line():
    with pytest.raises(ConfigError, match="must be a PostgreSQL URL"):
        settings_from({"MARGINALIA_DATABASE_URL": "sqlite:///x.db"}, need_token=False)


def test_the_bot_keeps_its_data_where_the_url_says():
    from bot import create_bot
    from bot.storage.postgres import PostgresStore

    bot = create_bot(database="postgresql://bot@/marginalia?host=/tmp", dev_guild_id=None)
    assert isinstance(bot.database, PostgresStore) and bot.database.pool_size == 10


# ------------------------------------------------------------------ shards


@pytest.mark.parametrize(
    ("count", "ids", "expected"),
    [
        ("", "", None),
        ("4", "", (4, (0, 1, 2, 3))),
        ("4", "0-3", (4, (0, 1, 2, 3))),
        ("8", "0,2,5-7", (8, (0, 2, 5, 6, 7))),
        (" 2 ", " 1 ", (2, (1,))),
    ],
)
def test_shard_settings(count, ids, expected):
    values = {"MARGINALIA_SHARD_COUNT": count, "MARGINALIA_SHARD_IDS": ids}
    shards = settings_from(values, need_token=False).shards
    assert (None if shards is None else (shards.count, shards.ids)) == expected


@pytest.mark.parametrize(
    ("count", "ids", "fragment"),
    [
        ("", "0-3", "needs MARGINALIA_SHARD_COUNT"),
        ("0", "", "1 or more"),
        ("-2", "0", "1 or more"),
        ("four", "", "MARGINALIA_SHARD_COUNT='four'"),
        ("4", "0-4", "names shard 4, but MARGINALIA_SHARD_COUNT=4 has shards 0-3"),
        ("4", "7", "names shard 7"),
        ("4", "3-1", "not a list of shard ids"),
        ("4", "0,,1", "not a list of shard ids"),
        ("4", "a-b", "not a list of shard ids"),
    ],
)
def test_bad_shard_settings_are_one_line(count, ids, fragment):
    values = {"MARGINALIA_SHARD_COUNT": count, "MARGINALIA_SHARD_IDS": ids}
    with pytest.raises(ConfigError) as raised:
        settings_from(values, need_token=False)
    assert fragment in str(raised.value) and "\n" not in str(raised.value)


def test_bad_shard_settings_stop_the_bot_with_one_line(tmp_path):
    env = {
        **os.environ,
        "DISCORD_TOKEN": "x" * 24 + "." + "y" * 6 + "." + "z" * 27,
        "MARGINALIA_SHARD_COUNT": "2",
        "MARGINALIA_SHARD_IDS": "0-2",
        "MARGINALIA_DATABASE": str(tmp_path / "m.db"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "marginalia: MARGINALIA_SHARD_IDS='0-2' names shard 2, but MARGINALIA_SHARD_COUNT=2 "
        "has shards 0-1."
    ]
