"""Refusals are answers: keep them away from the preview's error recorder."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.ui.client import MarginaliaBot


def _is_refusal(error: BaseException) -> bool:
    """A polite "no" the bot already answered (a wrong line number, a closed excerpt), as
    opposed to a failure: the preview must show it as the answer it is."""
    from discord import app_commands

    from bot.errors import MarginaliaError

    original = getattr(error, "original", None)
    if isinstance(original, BaseException):
        return isinstance(original, MarginaliaError)
    return isinstance(error, MarginaliaError | app_commands.AppCommandError)


def answer_refusals_quietly(bot: MarginaliaBot) -> None:
    """Answer refusals without passing them to the preview's error recorder.

    SimCord's preview reports every exception a command handler raises as "action outcome
    uncertain" with an error badge. A refusal is a complete, polite answer, so it goes
    straight to the bot's own handler; anything else still reaches the recorder (and the
    bot's handler after it). Call after the bot has joined the simulated Discord.
    """
    import discord

    from bot.ui.error_replies import send_error

    tree_recorder = bot.tree.on_error

    async def on_tree_error(interaction: discord.Interaction, error: Exception) -> None:
        if _is_refusal(error):
            await send_error(interaction, error)
        else:
            await tree_recorder(interaction, error)  # type: ignore[arg-type]

    bot.tree.on_error = on_tree_error  # type: ignore[method-assign]

    # Forms (modals) report errors through their own on_error, wrapped by the recorder as
    # each is registered: unwrap refusals there too.
    store = bot._connection._view_store
    register = store.add_view

    def add_view(view: discord.ui.View, message_id: int | None = None) -> None:
        register(view, message_id)
        view_recorder = view.on_error

        async def on_view_error(
            interaction: discord.Interaction, error: Exception, *args: object
        ) -> None:
            if _is_refusal(error):
                await type(view).on_error(view, interaction, error, *args)  # type: ignore[arg-type]
            else:
                await view_recorder(interaction, error, *args)  # type: ignore[arg-type]

        view.on_error = on_view_error  # type: ignore[method-assign]

    store.add_view = add_view  # type: ignore[method-assign, assignment]
