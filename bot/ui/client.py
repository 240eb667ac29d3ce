"""The Discord client: owns the database and the workshop, loads the cogs."""

from __future__ import annotations

import gc
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.config import Settings, token_refused
from bot.digest_service import Digests
from bot.digest_worker import DigestWorker
from bot.exchange import ExchangeService
from bot.notifications import NotificationService
from bot.prompt_library import DEFAULT_LIBRARY_PATH, load_library
from bot.prompts import PromptService
from bot.reviews import ReviewService
from bot.storage import Database, DatabaseLock, UnusableDatabase, store_for
from bot.ui.error_replies import send_error
from bot.ui.views import OpenViews
from bot.workshop import Workshop

log = logging.getLogger(__name__)

EXTENSIONS = (
    "cogs.excerpts",
    "cogs.comments",
    "cogs.prompts",
    "cogs.digest",
    "cogs.exchange",
    "cogs.notify",
    "cogs.reviews",
)


class MarginaliaTree(app_commands.CommandTree["MarginaliaBot"]):
    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await send_error(interaction, error)


class MarginaliaBot(commands.Bot):
    def __init__(self, settings: Settings, **client_options: Any) -> None:
        super().__init__(
            **client_options,
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            # User text is never allowed to ping; features that must ping opt in per message.
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            tree_cls=MarginaliaTree,
        )
        self.settings = settings
        self.database = store_for(settings.store_target, pool_size=settings.database_pool_size)
        self.workshop = Workshop(self.database, clock=discord.utils.utcnow)
        self.digests = Digests(
            self.database,
            clock=discord.utils.utcnow,
            worker=DigestWorker.for_store(self.database),
        )
        self.exchange = ExchangeService(self.database, clock=discord.utils.utcnow)
        self.prompts = PromptService(
            self.database,
            clock=discord.utils.utcnow,
            library=load_library(DEFAULT_LIBRARY_PATH),
            shards=settings.shards,
        )
        self.notifications = NotificationService(self.database, clock=discord.utils.utcnow)
        self.reviews = ReviewService(
            self.database, clock=discord.utils.utcnow, meter=self.workshop.comments.meter
        )
        # Run on every tick of the prompt scheduler's loop (cogs/prompts.py), the bot's one
        # timed loop: cogs add their periodic work here instead of starting loops of their own.
        self.on_tick: list[Callable[[], Awaitable[object]]] = []
        # Clicks on our buttons that no open view holds (after a restart) get a polite answer.
        self.open_views = OpenViews()
        self.add_listener(self.open_views.on_interaction, "on_interaction")
        self.started_at = time.perf_counter()
        self.ready_after: float | None = None

    async def start(self, token: str, *, reconnect: bool = True) -> None:
        """A real run (``run()`` comes here; SimCord only logs in): hold the database's lock
        for the process's whole life and check the database before reaching Discord, so a
        second bot on the same file, or an unusable file, stops with one line."""
        if not isinstance(self.database, Database):  # PostgreSQL: shared by design, no lock
            await self.database.open()
            await super().start(token, reconnect=reconnect)
            return
        await self.database.inspect()  # before the lock file: leave a stranger's folder as is
        with DatabaseLock(self.settings.database):
            await self.database.open()
            await super().start(token, reconnect=reconnect)

    async def setup_hook(self) -> None:
        await self.database.open()
        purged = await self.workshop.excerpts.purge_unposted()
        if purged:
            log.warning("removed %d excerpt(s) whose posting was interrupted", purged)
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        if self.settings.sync_commands:
            await self._sync_commands()

    async def _sync_commands(self) -> None:
        if self.settings.dev_guild_id:
            guild = discord.Object(self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        else:
            synced = await self.tree.sync()
        log.info("synced %d application commands", len(synced))

    async def on_ready(self) -> None:
        if self.ready_after is None:
            self.ready_after = time.perf_counter() - self.started_at
            log.info("ready as %s in %.2f s", self.user, self.ready_after)
            # Everything loaded so far lives as long as the bot: out of the collector's
            # sight, a full collection (set off by a big read's records) stays short.
            # Collection itself resumes here if start-up paused it (python -m bot does).
            gc.freeze()
            gc.enable()

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            self.digests.close()
            await self.database.close()


class ShardedMarginaliaBot(MarginaliaBot, commands.AutoShardedBot):
    """The bot over some shards of a cluster (``MARGINALIA_SHARD_COUNT`` / ``_IDS``):
    several processes, each with its own shard ids, share one PostgreSQL database."""

    def __init__(self, settings: Settings) -> None:
        assert settings.shards is not None
        super().__init__(
            settings,
            shard_count=settings.shards.count,
            shard_ids=list(settings.shards.ids),
        )


def build_bot(settings: Settings) -> MarginaliaBot:
    """A sharded bot when shards are configured, else a plain one (Discord's single shard)."""
    if settings.shards is None:
        return MarginaliaBot(settings)
    return ShardedMarginaliaBot(settings)


def run_until_stopped(settings: Settings) -> str | None:
    """Run the bot until it stops. What stopped it at start comes back as one line for
    the operator (no traceback); None once it has run and stopped."""
    import aiohttp

    assert settings.token is not None
    # This bot has no voice: discord.py's warnings that voice libraries are missing
    # would only bury the one line that matters when something is wrong.
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False
    try:
        build_bot(settings).run(settings.token, log_handler=None)
    except UnusableDatabase as error:
        return str(error)
    except discord.LoginFailure:
        return str(token_refused())
    except discord.PrivilegedIntentsRequired:
        return "Discord refused an intent this bot asked for; update Marginalia"
    except (aiohttp.ClientConnectionError, discord.GatewayNotFound) as error:
        return f"could not reach Discord ({error}); check the connection and try again"
    except sqlite3.DatabaseError as error:
        return f"the database {settings.database} could not be used: {error}"
    return None
