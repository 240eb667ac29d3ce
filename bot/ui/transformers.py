"""Typed id options: what a member types (``12``, ``#12``) becomes a number, with the
autocomplete that offers the ids they can see.

A refused value raises :class:`IdRefused`, a ``TransformerError`` that keeps the domain
error as ``original`` (and ``__cause__``), so the tree's one error handler shows that
error's own text, exactly as when the cogs parsed the ids themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, cast

import discord
from discord import app_commands

from bot.errors import MarginaliaError
from bot.ui.checks import viewer_of
from bot.ui.comments import comment_choice_name
from bot.ui.escaping import plain
from bot.workshop import parse_choice, parse_number

if TYPE_CHECKING:
    from bot.ui.client import MarginaliaBot

Choices = list[app_commands.Choice[int | float | str]]


class IdRefused(app_commands.TransformerError):
    """A typed id the core refused; ``original`` is the error to show."""

    def __init__(
        self, value: Any, transformer: app_commands.Transformer, original: MarginaliaError
    ) -> None:
        super().__init__(value, transformer.type, transformer)
        self.original = original


def _bot(interaction: discord.Interaction) -> MarginaliaBot:
    return cast("MarginaliaBot", interaction.client)


def _parse(transformer: app_commands.Transformer, value: str, what: str) -> int:
    try:
        return parse_number(value, what)
    except MarginaliaError as error:
        raise IdRefused(value, transformer, error) from error


async def excerpt_choices(interaction: discord.Interaction, current: str) -> Choices:
    if interaction.guild_id is None:
        return []
    found = await _bot(interaction).workshop.excerpts.search_excerpts(
        interaction.guild_id, current, viewer=viewer_of(interaction)
    )
    return [
        app_commands.Choice(name=plain(f"#{number} · {title} — {author}", 100), value=str(number))
        for number, title, author in found
    ]


async def comment_choices(interaction: discord.Interaction, current: str) -> Choices:
    """Comments on the excerpt whose thread this is first; elsewhere, or if none match,
    comments on every excerpt the member can see. Each search reads one bounded page (the
    typed number, the scope's newest rows), so the fallback never scans the server."""
    if interaction.guild_id is None:
        return []
    workshop = _bot(interaction).workshop
    viewer = viewer_of(interaction)
    excerpt_number = None
    if interaction.channel_id is not None:
        excerpt = await workshop.excerpts.excerpt_for_thread(
            interaction.guild_id, interaction.channel_id, viewer=viewer
        )
        excerpt_number = excerpt.number if excerpt else None
    found = await workshop.comments.search_comments(
        interaction.guild_id, current, excerpt_number, viewer=viewer
    )
    if not found and excerpt_number is not None:
        found = await workshop.comments.search_comments(
            interaction.guild_id, current, viewer=viewer
        )
    return [
        app_commands.Choice(name=comment_choice_name(comment), value=str(comment.number))
        for comment in found
    ]


async def prompt_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """This server's prompts. The option stays text: the core judges the right to remove
    prompts before it reads the number, and a refusal must say so first."""
    if interaction.guild_id is None:
        return []
    found = await _bot(interaction).prompts.search_prompts(interaction.guild_id, current)
    return [
        app_commands.Choice(name=plain(f"#{p.number} · {p.text}", 100), value=str(p.number))
        for p in found
    ]


class IdTransformer(app_commands.Transformer):
    """A number typed as ``12`` or ``#12``, or picked from the autocomplete's list."""

    what: ClassVar[str]  # the id's noun in an error message

    async def transform(self, interaction: discord.Interaction, value: str, /) -> int:
        return _parse(self, value, self.what)

    async def autocomplete(  # type: ignore[override]  # discord.py's wide value type
        self, interaction: discord.Interaction, value: str, /
    ) -> Choices:
        return await self.offer(interaction, str(value))

    async def offer(self, interaction: discord.Interaction, current: str) -> Choices:
        raise NotImplementedError


class ExcerptTransformer(IdTransformer):
    """An excerpt number; the list offers the excerpts the member can see."""

    what = "excerpt"

    async def offer(self, interaction: discord.Interaction, current: str) -> Choices:
        return await excerpt_choices(interaction, current)


class OptionalExcerptTransformer(ExcerptTransformer):
    """As :class:`ExcerptTransformer`, where a blank value means "the excerpt whose
    thread this is", as leaving the option out does."""

    async def transform(  # type: ignore[override]  # None: blank, as if left out
        self, interaction: discord.Interaction, value: str, /
    ) -> int | None:
        return _parse(self, value, self.what) if value.strip() else None


class CommentTransformer(IdTransformer):
    """A comment number; the list offers comments the member can see, those on the
    thread's excerpt first."""

    what = "comment"

    async def offer(self, interaction: discord.Interaction, current: str) -> Choices:
        return await comment_choices(interaction, current)


class SuggestionChoiceTransformer(app_commands.Transformer):
    """Comment numbers (``4, 7``), or ``all`` (also when left blank): None."""

    async def transform(  # type: ignore[override]  # a tuple, not one value
        self, interaction: discord.Interaction, value: str, /
    ) -> tuple[int, ...] | None:
        try:
            return parse_choice(value)
        except MarginaliaError as error:
            raise IdRefused(value, self, error) from error


ExcerptId = app_commands.Transform[int, ExcerptTransformer]
SuggestionChoice = app_commands.Transform[tuple[int, ...] | None, SuggestionChoiceTransformer]
OptionalExcerptId = app_commands.Transform[int | None, OptionalExcerptTransformer]
CommentId = app_commands.Transform[int, CommentTransformer]
