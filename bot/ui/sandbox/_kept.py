"""A kept database's excerpts, posted again in the freshly built simulated server."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.ui.client import MarginaliaBot
    from bot.ui.sandbox._world import SandboxWorld


async def repost_kept_excerpts(bot: MarginaliaBot, world: SandboxWorld) -> int:
    """Post each live excerpt of a kept database in a new thread; returns how many.

    The simulated Discord is rebuilt on every run, so the threads an earlier run posted are
    gone: without this, new comments could not reach an excerpt's thread and its lines could
    not take **Comment on line**. Comments and replies stay in the database and in listings.
    """
    import discord

    from bot.models import PostedMessage
    from bot.ui.excerpts import excerpt_messages, thread_name

    home = bot.get_channel(world.workshop.id)
    if not isinstance(home, discord.TextChannel):
        return 0
    reposted = 0
    for summary in reversed(
        await bot.workshop.excerpts.list_excerpts(world.guild.id)
    ):  # oldest first
        excerpt = summary.excerpt
        if excerpt.thread_id is not None and bot.get_channel(excerpt.thread_id) is not None:
            continue
        lines = (await bot.workshop.excerpts.show_lines(world.guild.id, excerpt.number, None)).lines
        thread = await home.create_thread(
            name=thread_name(excerpt), type=discord.ChannelType.public_thread
        )
        comments = summary.open_comments + summary.resolved_comments
        await thread.send(
            f"Excerpt #{excerpt.number} again, from the kept sandbox database "
            f"({comments} comment{'' if comments == 1 else 's'} kept: "
            f"`/comment list excerpt:{excerpt.number}`)."
        )
        posted: list[PostedMessage] = []
        for embeds, plan in excerpt_messages(excerpt, lines):
            sent = await thread.send(embeds=embeds)
            if plan.first_line:
                posted.append(PostedMessage(sent.id, plan.first_line, plan.last_line))
        await bot.workshop.excerpts.mark_posted(excerpt, thread.id, posted)
        reposted += 1
    return reposted
