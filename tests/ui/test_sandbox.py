"""The sandbox: the real bot in SimCord, served to a browser on 127.0.0.1 without a token."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

from bot.__main__ import main as cli_main
from bot.ui.client import MarginaliaBot
from bot.ui.sandbox import DEMO_TITLE, build_world, run_sandbox, seed_demo
from tests.helpers import ROOT


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def sandbox(database: Path, port: int | None = None) -> AsyncIterator[str]:
    """Run the sandbox in this event loop; yields the preview's address, then stops it."""
    stop = asyncio.Event()
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(run_sandbox(database, port, ready=ready.set_result, stop=stop))
    waiters: set[asyncio.Future[Any]] = {task, ready}
    done, _ = await asyncio.wait(waiters, timeout=15, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()  # raises what made it end early
        pytest.fail("the sandbox returned before serving")
    assert ready in done, "the sandbox did not announce its address within 15 s"
    try:
        yield ready.result()
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)  # closes the preview, the bot and its database


class PreviewPage:
    """A browser tab, spoken through the preview's own HTTP protocol (what its page script does)."""

    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        parts = urlsplit(url)
        assert parts.hostname == "127.0.0.1"
        self.http = http
        self.base = f"http://{parts.netloc}"
        self.capability = parts.fragment
        self.sequence = 0
        self.state: dict[str, Any] = {}

    def _headers(self) -> dict[str, str]:
        headers = {"X-Simcord-Capability": self.capability}
        if self.state:
            headers["X-Simcord-Context"] = self.state["context"]["id"]
        return headers

    async def open(self) -> None:
        async with self.http.post(f"{self.base}/api/pages", json={}, headers=self._headers()) as r:
            assert r.status == 200, await r.text()
            self.state = await r.json()

    async def refresh(self) -> None:
        async with self.http.get(f"{self.base}/api/state", headers=self._headers()) as r:
            assert r.status == 200, await r.text()
            self.state = await r.json()

    async def act(
        self, kind: str, *, upload: tuple[str, str, bytes] | None = None, **fields: Any
    ) -> dict[str, Any]:
        self.sequence += 1
        body = {
            "protocol_version": 3,
            "sequence": self.sequence,
            "request_id": uuid.uuid4().hex,
            "generation": self.state["context"]["generation"],
            "bot_generation": self.state["botGeneration"],
            "published_revision": self.state["publishedRevision"],
            "kind": kind,
            **fields,
        }
        url = f"{self.base}/api/action"
        if upload is None:
            async with self.http.post(url, json=body, headers=self._headers()) as r:
                receipt: dict[str, Any] = await r.json()
        else:
            option, filename, content = upload
            form = aiohttp.FormData()
            form.add_field("payload", aiohttp.JsonPayload(body).decode())
            form.add_field(f"file:{option}", content, filename=filename)
            async with self.http.post(url, data=form, headers=self._headers()) as r:
                receipt = await r.json()
        assert not receipt["rejected"], receipt
        assert receipt["settlement"] == "settled", receipt
        await self.refresh()
        return receipt

    async def view_as(self, name: str) -> None:
        viewer = next(v for v in self.state["viewers"] if v["name"] == name)
        await self.act("viewer", viewer_id=viewer["id"])
        assert self.state["viewerId"] == viewer["id"]

    async def slash(
        self,
        invocation: str,
        *,
        upload: tuple[str, str, bytes] | None = None,
        **options: Any,
    ) -> dict[str, Any]:
        async with self.http.get(f"{self.base}/api/commands", headers=self._headers()) as r:
            catalog = await r.json()
        entry = next(e for e in catalog["entries"] if e["invocation"] == invocation)
        if upload is not None:
            options[upload[0]] = {"upload": 0}
        return await self.act(
            "run_command",
            upload=upload,
            command_id=entry["commandId"],
            path=entry["path"],
            schema_fingerprint=entry["schemaFingerprint"],
            options=options,
        )

    def texts(self) -> list[str]:
        """What each message in view says: its content, then its embeds' text."""
        shown = []
        for identity in self.state["timeline"]:
            message = self.state["messages"][identity]
            parts = [message.get("content") or ""]
            for embed in message.get("embeds") or []:
                parts += [embed.get("title") or "", embed.get("description") or ""]
            shown.append("\n".join(parts))
        return shown


def text_inputs(components: list[dict[str, Any]]) -> list[str]:
    """The custom ids of a modal's text fields."""
    found = []
    for component in components:
        if component.get("type") == 4:
            found.append(component["custom_id"])
        found += text_inputs(component.get("components") or [])
        if isinstance(component.get("component"), dict):
            found += text_inputs([component["component"]])
    return found


async def test_sandbox_serves_the_bot_in_a_browser_page(tmp_path: Path) -> None:
    database = tmp_path / "sandbox.db"
    port = free_port()
    async with sandbox(database, port) as url, aiohttp.ClientSession() as http:
        assert url.startswith(f"http://127.0.0.1:{port}/#")
        async with http.get(url) as response:
            assert response.status == 200
            assert response.content_type == "text/html"
            assert "<html" in (await response.text()).lower()

        page = PreviewPage(http, url)
        await page.open()
        assert [v["name"] for v in page.state["viewers"]] == ["Maya", "Theo", "Priya", "Sam"]
        assert page.state["channel"]["name"] == "workshop"
        authors = {m["author"]["name"] for m in page.state["messages"].values()}
        assert authors == {"Marginalia"}  # the welcome too comes from the bot
        seen = "\n".join(page.texts())
        assert "Welcome to the Marginalia sandbox" in seen
        # The excerpt's thread is copied here: its numbered lines and the comment cards.
        assert "🧵 in <#" in seen
        assert "`10` In the morning she took the atlas back" in seen
        assert "Comment #1 · line 3" in seen
        assert f"**{DEMO_TITLE}** is up as excerpt **#1** (10 lines" in seen
        # The author's numbered view of the seeded excerpt; story markup stays escaped.
        assert r"only \*too many sheep, not enough weather\*" in seen
        assert r"ATLAS\_NOTES\_final\_v2.txt" in seen
        assert "💬 1 open" in seen

        # Act as a reader from the page: list the excerpts, then comment on a line.
        await page.view_as("Theo")
        await page.slash("excerpt list")
        listing = page.texts()[-1]
        assert f"**#1** · {DEMO_TITLE} — Maya" in listing
        assert "3 open, 0 resolved" in listing
        await page.slash("comment add", excerpt="1", line="4", text="The tiny lighthouse!")
        assert any("added to line 4 of excerpt **#1**" in text for text in page.texts())

        # A refusal is an answer, not a failure: settled, no error badge, the reason shown.
        receipt = await page.slash("comment add", excerpt="1", line="L99", text="Hm.")
        assert not receipt["diagnostics"] and not receipt["uncertain"], receipt
        assert "There is no line 99" in page.texts()[-1]

    # A second run on the same database seeds nothing new, and new posts get fresh ids.
    with sqlite3.connect(database) as conn:
        [(first_thread,)] = conn.execute("SELECT thread_id FROM excerpts").fetchall()
    async with sandbox(database) as url, aiohttp.ClientSession() as http:
        page = PreviewPage(http, url)
        await page.open()
        seen = "\n".join(page.texts())
        assert "is up as excerpt" not in seen
        assert "4 open, 0 resolved" in seen  # Maya's /excerpt list: the seeded excerpt, once
        # The kept excerpt is posted again in a thread of this run, and reachable.
        assert "Excerpt #1 again, from the kept sandbox database (4 comments kept" in seen
        assert "`10` In the morning she took the atlas back" in seen
        await page.slash("comment add", excerpt="1", line="2", text="Still here.")
        added = next(t for t in reversed(page.texts()) if "added to line 2" in t)
        assert "Posted in" in added and "couldn't post" not in added

        story = "First line of mine.\n\nSecond, with *stars* kept.\n"
        await page.slash("excerpt post", title="Mine", upload=("file", "mine.txt", story.encode()))
        posted = next(text for text in page.texts() if "**Mine** is up as excerpt **#2**" in text)
        assert "(2 lines" in posted
        [new_thread] = re.findall(r"<#(\d+)>", posted)
        # Snowflakes carry their creation time: this run's come after everything stored before.
        assert int(new_thread) >> 22 > int(first_thread) >> 22

        # A refusal from a form is an answer too.
        await page.slash("excerpt post", title="Blank")
        blank = page.state["modal"]
        [blank_field] = text_inputs(blank["payload"]["components"])
        refused = await page.act(
            "modal_submit", modal_handle=blank["handle"], values={blank_field: " \u200b "}
        )
        assert not refused["diagnostics"] and not refused["uncertain"], refused
        assert "nothing to post" in page.texts()[-1].lower()

        # Without a file the bot asks for the text in a modal, which the page can submit.
        await page.view_as("Priya")
        await page.slash("excerpt post", title="Pasted")
        modal = page.state["modal"]
        assert modal is not None
        [field] = text_inputs(modal["payload"]["components"])
        await page.act(
            "modal_submit", modal_handle=modal["handle"], values={field: "One.\n\nTwo, _kept_."}
        )
        assert "**Pasted** is up as excerpt **#3** (2 lines" in "\n".join(page.texts())


async def test_seeded_world_works_for_members(simcord_env: Any, simcord_bot: MarginaliaBot) -> None:
    world = build_world(simcord_env)
    number = await seed_demo(world, simcord_bot.workshop)
    assert number == 1

    result = await world.moderator.slash(world.workshop, "excerpt list")
    assert result.ephemeral
    assert result.response is not None
    listing = result.response.embeds[0].description or ""
    assert f"**#1** · {DEMO_TITLE} — Maya" in listing
    assert "3 open, 0 resolved" in listing

    thread = world.workshop.threads[-1]
    said = [embed.to_dict() for message in thread.history() for embed in message.embeds]
    titles = [embed.get("title", "") for embed in said]
    assert any("Comment #1 · line 3" in title for title in titles), titles
    assert any("lines 5–6" in title or "lines 5-6" in title for title in titles), titles
    suggestion = next(e for e in said if "Comment #1" in e.get("title", ""))
    assert "moved two seats further away" in str(suggestion.get("fields"))
    assert any("umbrella" in str(embed) for embed in said)  # the reply


def test_command_line_needs_the_sandbox_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("bot.ui.sandbox.missing_requirements", lambda: ["aiohttp"])
    assert cli_main(["sandbox"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert 'pip install -e ".[sandbox]"' in err


def test_command_line_serves_until_interrupted(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "--database", str(tmp_path / "cli.db")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(30, process.kill)  # never hang the suite on a stuck sandbox
    watchdog.start()
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "http://127.0.0.1:" in line, line + (process.stderr.read() if process.stderr else "")
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=15)
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert "Marginalia sandbox stopped." in err
    assert (tmp_path / "cli.db").exists()


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
async def test_preview_page_renders_in_headless_chromium(tmp_path: Path) -> None:
    from PIL import Image

    png = tmp_path / "sandbox.png"
    async with sandbox(tmp_path / "sandbox.db") as url:
        chromium = await asyncio.create_subprocess_exec(
            str(shutil.which("chromium")),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            # Let the page's scripts fetch and draw the channel before the picture is taken.
            "--virtual-time-budget=5000",
            f"--screenshot={png}",
            "--window-size=1280,900",
            url,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            await asyncio.wait_for(chromium.wait(), timeout=60)
        finally:
            if chromium.returncode is None:
                chromium.kill()
                await chromium.wait()
    with Image.open(png) as picture:
        assert picture.size == (1280, 900)
        colours = picture.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is None or len(colours) > 16, "the screenshot is blank"
