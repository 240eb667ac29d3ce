"""Marginalia: the core of the writing-workshop bot."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.ui.client import MarginaliaBot

__all__ = ["create_bot"]


def create_bot(**settings: Any) -> MarginaliaBot:
    """Return a configured, not-yet-started bot; the one way to make one.

    ``settings`` win over `.env` and the environment, e.g. ``create_bot(database="x.db")``.
    """
    # Imported here: the core stays importable (CLI, tools) without loading discord.py.
    from bot.config import read_environment, settings_from
    from bot.ui.client import build_bot

    return build_bot(settings_from(read_environment(), settings, need_token=False))
