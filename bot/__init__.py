"""Marginalia: the core of the writing-workshop bot."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.ui.client import MarginaliaBot

__all__ = ["create_bot"]


def create_bot(**settings: Any) -> MarginaliaBot:
    """Return a configured, not-yet-started bot.

    ``settings`` override the environment, e.g. ``create_bot(database="x.db")``.
    """
    from bot.ui.client import create_bot as _create_bot

    return _create_bot(**settings)
