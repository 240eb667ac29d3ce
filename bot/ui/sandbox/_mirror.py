"""Copies of the bot's thread posts in the one channel the preview shows."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.ui.client import MarginaliaBot

MIRROR_MARK = "🧵"


class ThreadMirror:
    """Copies what the bot posts in the threads of one channel into that channel.

    SimCord's preview shows one channel and only a one-line summary of its threads, while an
    excerpt's numbered lines and its comment cards are posted in the excerpt's thread. The
    copies are marked with the thread they come from and keep the embeds. (The preview runs
    slash commands only, so message menus such as **Comment on line** can't be tried there.)
    """

    def __init__(self, bot: MarginaliaBot, channel_id: int) -> None:
        self.bot = bot
        self.channel_id = channel_id
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.bot.add_listener(self.on_message, "on_message")
        self._worker = asyncio.create_task(self._copy_in_order())

    async def stop(self) -> None:
        self.bot.remove_listener(self.on_message, "on_message")
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)

    async def settle(self) -> None:
        """Wait until every message seen so far is copied."""
        await self._queue.join()

    async def on_message(self, message: object) -> None:
        import discord

        if not isinstance(message, discord.Message) or self.bot.user is None:
            return
        channel = message.channel
        if (
            message.author.id == self.bot.user.id
            and isinstance(channel, discord.Thread)
            and channel.parent_id == self.channel_id
        ):
            self._queue.put_nowait(message)

    async def _copy_in_order(self) -> None:
        while True:
            message = await self._queue.get()
            try:
                await self._copy(message)
            except Exception:
                logging.getLogger(__name__).exception("could not copy a thread message")
            finally:
                self._queue.task_done()

    async def _copy(self, message: object) -> None:
        import discord

        assert isinstance(message, discord.Message) and isinstance(message.channel, discord.Thread)
        home = self.bot.get_channel(self.channel_id)
        if not isinstance(home, discord.TextChannel):
            return
        thread = message.channel
        content = f"{MIRROR_MARK} in {thread.mention}"
        if message.content:
            content += f"\n{message.content}"
        await home.send(
            content[:2000], embeds=message.embeds, allowed_mentions=discord.AllowedMentions.none()
        )
