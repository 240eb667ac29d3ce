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
