"""Reusable Discord components: a paginator and a confirmation prompt."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord

from bot.replies import send_error

VIEW_TIMEOUT_SECONDS = 300


class OwnedView(discord.ui.View):
    """A view only the member who opened it may use."""

    def __init__(self, owner_id: int, *, timeout: float = VIEW_TIMEOUT_SECONDS) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.message: discord.InteractionMessage | None = None

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            "These buttons belong to whoever ran the command.", ephemeral=True
        )
        return False

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        await send_error(interaction, error)

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self.message is not None:
            # The ephemeral message may be gone; then there is nothing to tidy.
            with contextlib.suppress(discord.HTTPException):
                await self.message.edit(view=self)


class Paginator(OwnedView):
    """Pages of embeds with previous/next buttons and a page counter."""

    def __init__(self, owner_id: int, pages: Sequence[discord.Embed]) -> None:
        super().__init__(owner_id)
        if not pages:
            raise ValueError("a paginator needs at least one page")
        self.pages = list(pages)
        self.index = 0
        self._update_page()

    @property
    def current(self) -> discord.Embed:
        return self.pages[self.index]

    def _update_page(self) -> None:
        total = len(self.pages)
        for number, page in enumerate(self.pages, start=1):
            footer = page.footer.text or ""
            marker = f"Page {number}/{total}"
            if total > 1 and marker not in footer:
                page.set_footer(text=f"{footer} · {marker}" if footer else marker)
        self.previous_page.disabled = self.index == 0
        self.next_page.disabled = self.index >= total - 1

    async def start(self, interaction: discord.Interaction, *, ephemeral: bool = True) -> None:
        """Send the first page, replying to the interaction (or following up if deferred)."""
        view = self if len(self.pages) > 1 else discord.utils.MISSING
        if interaction.response.is_done():
            await interaction.followup.send(embed=self.current, view=view, ephemeral=ephemeral)
        else:
            await interaction.response.send_message(
                embed=self.current, view=view, ephemeral=ephemeral
            )
            self.message = await interaction.original_response()
        if len(self.pages) == 1:
            self.stop()

    async def _show(self, interaction: discord.Interaction) -> None:
        self._update_page()
        await interaction.response.edit_message(embed=self.current, view=self)

    @discord.ui.button(label="Previous", emoji="◀️", style=discord.ButtonStyle.secondary)
    async def previous_page(
        self, interaction: discord.Interaction, _button: discord.ui.Button[Paginator]
    ) -> None:
        self.index = max(0, self.index - 1)
        await self._show(interaction)

    @discord.ui.button(label="Next", emoji="▶️", style=discord.ButtonStyle.secondary)
    async def next_page(
        self, interaction: discord.Interaction, _button: discord.ui.Button[Paginator]
    ) -> None:
        self.index = min(len(self.pages) - 1, self.index + 1)
        await self._show(interaction)


class Confirm(OwnedView):
    """Asks once; runs ``on_confirm`` if the owner presses the danger button."""

    def __init__(
        self,
        owner_id: int,
        confirm_label: str,
        on_confirm: Callable[[discord.Interaction], Awaitable[None]],
    ) -> None:
        super().__init__(owner_id, timeout=120)
        self._on_confirm = on_confirm
        self.confirm.label = confirm_label

    async def _finish(self, interaction: discord.Interaction, content: str) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        self.stop()
        await interaction.response.edit_message(content=content, view=self)

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.danger)
    async def confirm(
        self, interaction: discord.Interaction, _button: discord.ui.Button[Confirm]
    ) -> None:
        self.stop()
        await self._on_confirm(interaction)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(
        self, interaction: discord.Interaction, _button: discord.ui.Button[Confirm]
    ) -> None:
        await self._finish(interaction, "Cancelled; nothing was changed.")
