"""Running the sandbox: the bot joins the simulated server and its preview is served."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import importlib.util
import logging
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.ui.sandbox._kept import repost_kept_excerpts
from bot.ui.sandbox._mirror import ThreadMirror
from bot.ui.sandbox._refusals import answer_refusals_quietly
from bot.ui.sandbox._world import BOT_NAME, WELCOME, WORLD_BUILT_AT, build_world, seed_demo

if TYPE_CHECKING:
    from simcord import Env

    from bot.ui.client import MarginaliaBot
    from bot.ui.sandbox._world import SandboxWorld

INSTALL_HINT = (
    'the sandbox is an optional extra: run  pip install -e ".[sandbox]"  '
    '(for this Python: {python} -m pip install -e ".[sandbox]")'
)
# What SimCord's preview imports when it starts, plus SimCord itself.
_REQUIRED_MODULES = ("simcord", "aiohttp", "markdown_it", "linkify_it", "regex", "PIL")


def missing_requirements() -> list[str]:
    """The modules the sandbox needs that are not installed."""
    return [name for name in _REQUIRED_MODULES if importlib.util.find_spec(name) is None]


async def run_sandbox(
    database: Path | None,
    port: int | None,
    *,
    ready: Callable[[str], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run the bot in a simulated Discord and serve its browser preview until ``stop`` is set.

    ``database`` is the SQLite file to use (a throwaway one when None); the demo excerpt is
    posted only when that file holds no excerpt for the sandbox server yet. ``port`` is the
    loopback port for the preview (a free one when None). ``ready`` receives the preview's
    address once it is serving (it is printed when ``ready`` is None). Returns after ``stop``
    is set or the browser ends the preview session; the bot and its database are closed.
    """
    with _database_file(database) as path:
        from bot import create_bot

        bot = create_bot(database=path)
        # The simulated server is the only one there is: sync commands globally, whatever
        # development guild .env names for the real bot.
        bot.settings = dataclasses.replace(bot.settings, dev_guild_id=None)
        try:
            await _serve(bot, port, ready or _announce, stop or asyncio.Event())
        finally:
            await bot.close()  # SimCord never closes the bot; this also closes the database


async def _serve(
    bot: MarginaliaBot, port: int | None, ready: Callable[[str], None], stop: asyncio.Event
) -> None:
    import discord
    import simcord

    # The server exists before Marginalia joins it, as on Discord: a bare stand-in client holds
    # the simulated world while it is built and its clock is set to today, so none of the bot's
    # own timers has to run through the months in between. Then the real bot takes its place.
    stand_in = discord.Client(intents=discord.Intents.default())
    try:
        # Refusals (a wrong line number, say) are part of trying the bot, not failures.
        async with simcord.run(stand_in, check_errors=False) as env:
            await _advance_clock_to(env, WORLD_BUILT_AT)
            world = build_world(env)
            await _advance_clock_to(env, datetime.now(UTC))
            if stand_in.user is not None:  # the account the bot logs in with
                await stand_in.user.edit(username=BOT_NAME)
            await env.restart_bot(bot)
            await _open_workshop(env, bot, world, port, ready, stop)
    finally:
        await stand_in.close()


async def _open_workshop(
    env: Env,
    bot: MarginaliaBot,
    world: SandboxWorld,
    port: int | None,
    ready: Callable[[str], None],
    stop: asyncio.Event,
) -> None:
    """Seed a fresh database (or repost a kept one's excerpts), then serve the preview of
    #workshop until told to stop."""
    answer_refusals_quietly(bot)
    home = bot.get_channel(world.workshop.id)
    assert home is not None and hasattr(home, "send")
    await home.send(WELCOME)  # from the bot, like a pinned guide
    mirror = ThreadMirror(bot, world.workshop.id)
    mirror.start()
    try:
        if await bot.workshop.excerpts.list_excerpts(world.guild.id):
            await repost_kept_excerpts(bot, world)
            await mirror.settle()
            # A kept database: show the author what it already holds.
            await world.author.slash(world.workshop, "excerpt list")
        else:
            number = await seed_demo(world, bot.workshop)
            await mirror.settle()
            # The author's own view of their excerpt, with its comment counts.
            await world.author.slash(world.workshop, "excerpt show", excerpt=str(number))
        await _serve_preview(env, world, port, ready, stop)
    finally:
        await mirror.stop()


async def _serve_preview(
    env: Env,
    world: SandboxWorld,
    port: int | None,
    ready: Callable[[str], None],
    stop: asyncio.Event,
) -> None:
    preview = env.preview(world.workshop, viewers=world.viewers, layout="channel", port=port)
    async with preview:
        ready(preview.url)
        stopped = asyncio.ensure_future(stop.wait())
        closed = asyncio.ensure_future(preview.wait_closed())
        try:
            await asyncio.wait({stopped, closed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in (stopped, closed):
                waiter.cancel()
            await asyncio.gather(stopped, closed, return_exceptions=True)


async def _advance_clock_to(env: Env, when: datetime) -> None:
    seconds = (when - env.now()).total_seconds()
    if seconds > 0:
        await env.advance_time(seconds)


@contextlib.contextmanager
def _database_file(database: Path | None) -> Iterator[Path]:
    """The named SQLite file (its folder made if need be), or a throwaway one."""
    if database is not None:
        database = database.expanduser()
        database.parent.mkdir(parents=True, exist_ok=True)
        yield database
        return
    with tempfile.TemporaryDirectory(prefix="marginalia-sandbox-") as folder:
        yield Path(folder) / "sandbox.db"


def _announce(url: str) -> None:
    print(
        f"Marginalia sandbox: open {url} in your browser (this machine only).\n"
        "The page acts as Maya, the author; switch members with 'Viewing as'. "
        "Press Ctrl-C here to stop.",
        flush=True,
    )


# --------------------------------------------------------------------- command line


def main(database: Path | None, port: int | None) -> int:
    """`python -m bot sandbox`: serve until Ctrl-C; returns the process exit code."""
    # Asked through the package, the sandbox's public face, where a test stands in for it.
    from bot.ui import sandbox

    if sandbox.missing_requirements():
        print(f"marginalia: {INSTALL_HINT.format(python=sys.executable)}", file=sys.stderr)
        return 2
    if port is not None and not 0 <= port <= 65535:
        print(f"marginalia: --port {port} is not a port number (0-65535)", file=sys.stderr)
        return 2
    from bot.config import ConfigError, configure_logging, read_environment, settings_from

    try:
        settings = settings_from(read_environment(), need_token=False)
    except ConfigError as error:
        print(f"marginalia: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    if settings.log_level != "DEBUG":
        # discord.py's start-up chatter (voice support, "static token") means nothing here.
        logging.getLogger("discord").setLevel(logging.ERROR)
    from simcord import SetupError

    try:
        asyncio.run(_main(database, port))
    except KeyboardInterrupt:
        pass
    except SetupError as error:  # e.g. the port is taken
        hint = "; choose another with --port N" if "port" in str(error) else ""
        print(f"marginalia: sandbox could not start: {error}{hint}", file=sys.stderr)
        return 1
    print("Marginalia sandbox stopped.", file=sys.stderr)
    return 0


async def _main(database: Path | None, port: int | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def request_stop(signum: int) -> None:
        stop.set()
        loop.remove_signal_handler(signum)  # a second Ctrl-C interrupts at once

    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # e.g. on Windows
            loop.add_signal_handler(signum, request_stop, signum)
    await run_sandbox(database, port, stop=stop)
