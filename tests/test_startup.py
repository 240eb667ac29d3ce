"""Starting the bot with a wrong token: one line saying what to set, exit 2, no traceback.

A token that cannot be a bot token is refused before Discord is asked; one Discord refuses
at login is shown the same way. The second is checked against a stand-in for Discord's
HTTP API on 127.0.0.1 that answers the login with 401, as Discord does.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import cast

import discord
import pytest

from bot.__main__ import main
from bot.storage import DatabaseInUse, DatabaseLock
from tests.helpers import ROOT, WELL_FORMED_TOKEN, marginalia_database


@pytest.mark.parametrize(
    ("token", "hint"),
    [
        ("abc", "no dots"),
        ("12345678901234567890", "an id"),
        (f"Bot {WELL_FORMED_TOKEN}", "'Bot '"),
        ("MTIz NDU2.Gab cDE.abcdefghij", "three parts"),
    ],
    ids=["too-short", "application-id", "bot-prefix", "spaces"],
)
def test_a_token_that_cannot_be_one_is_one_line(token, hint, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=ROOT,
        env={
            **os.environ,
            "DISCORD_TOKEN": token,
            "MARGINALIA_DATABASE": str(tmp_path / "m.db"),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    line = done.stderr
    assert "DISCORD_TOKEN" in line and hint in line and "Reset Token" in line
    assert not (tmp_path / "m.db").exists(), "nothing is created for a run that cannot start"


class FakeDiscord(BaseHTTPRequestHandler):
    """Discord's answer to a login with a wrong token: 401 on GET /users/@me."""

    def do_GET(self) -> None:
        self.server.on_login(self.path)  # type: ignore[attr-defined]
        body = b'{"message": "401: Unauthorized", "code": 0}'
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def fake_discord(monkeypatch: pytest.MonkeyPatch) -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeDiscord)
    server.logins = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = cast(tuple[str, int], server.server_address[:2])
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://{host}:{port}/api/v10")
    yield server
    server.shutdown()
    server.server_close()


def test_a_token_discord_refuses_is_one_line(fake_discord, tmp_path, monkeypatch, capsys):
    db = tmp_path / "marginalia.db"
    asyncio.run(marginalia_database(db))
    held_during_login: list[bool] = []

    def on_login(path: str) -> None:
        fake_discord.logins.append(path)  # type: ignore[attr-defined]
        # While the bot talks to Discord it already holds its database (item 14).
        try:
            DatabaseLock(db).acquire()
        except DatabaseInUse:
            held_during_login.append(True)
        else:
            held_during_login.append(False)

    fake_discord.on_login = on_login  # type: ignore[attr-defined]
    monkeypatch.setenv("DISCORD_TOKEN", WELL_FORMED_TOKEN)
    monkeypatch.setenv("MARGINALIA_DATABASE", str(db))

    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert "Discord refused DISCORD_TOKEN" in err and "Reset Token" in err
    assert fake_discord.logins == ["/api/v10/users/@me"]  # type: ignore[attr-defined]
    assert held_during_login == [True]
    with DatabaseLock(db):  # and let go of it when it stopped
        pass
