"""Reusable Discord components: a paginator, a confirmation prompt, a modal that reports
its errors like a command.

Their buttons carry custom ids ``marginalia:<nonce>:<n>``; :class:`OpenViews` (one per
bot) knows the nonces this process sent, and answers a click on any other of our buttons,
left on screen by a restart or a timeout, with a polite private note instead of Discord's
"This interaction failed".
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import discord

from bot.ui.error_replies import send_error

log = logging.getLogger(__name__)

VIEW_TIMEOUT_SECONDS = 300
CONFIRM_TIMEOUT_SECONDS = 120
CUSTOM_ID_PREFIX = "marginalia:"
EXPIRED = "This button has expired; please run the command again."

K = TypeVar("K")


class OpenViews:
    """The views this bot process has sent, by nonce, and the fallback for all others."""

    def __init__(self) -> None:
        self._open: set[str] = set()
        # Stopped views leave on the next send, not at once: a stop happens inside the
        # click that caused it, before this listener has looked at that same click.
        self._retired: list[str] = []

    def add(self, nonce: str) -> None:
        self._open.difference_update(self._retired)
        self._retired.clear()
        self._open.add(nonce)

    def retire(self, nonce: str) -> None:
        self._retired.append(nonce)

    def discard(self, nonce: str) -> None:
        self._open.discard(nonce)

    def __contains__(self, nonce: object) -> bool:
        return nonce in self._open

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Answer clicks on our buttons that no open view holds."""
        if interaction.type is not discord.InteractionType.component:
            return
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        if not custom_id.startswith(CUSTOM_ID_PREFIX):
            return
        nonce = custom_id.removeprefix(CUSTOM_ID_PREFIX).split(":", 1)[0]
        if nonce in self._open or interaction.response.is_done():
            return
        try:
            await interaction.response.send_message(EXPIRED, ephemeral=True)
        except discord.HTTPException as error:
            log.info("could not answer a click on an expired button: %s", error)


def open_views_of(client: discord.Client) -> OpenViews | None:
    found = getattr(client, "open_views", None)
    return found if isinstance(found, OpenViews) else None


class OwnedView(discord.ui.View):
    """A view only the member who opened it may use."""

    def __init__(self, owner_id: int, *, timeout: float = VIEW_TIMEOUT_SECONDS) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.message: discord.InteractionMessage | discord.WebhookMessage | None = None
        self.nonce = secrets.token_hex(8)
        self._registry: OpenViews | None = None
        for index, item in enumerate(self.children):
            if isinstance(item, discord.ui.Button):
                item.custom_id = f"{CUSTOM_ID_PREFIX}{self.nonce}:{index}"

    def track(self, client: discord.Client) -> None:
        """Called when the view is sent: its buttons are live in this process."""
        self._registry = open_views_of(client)
        if self._registry is not None:
            self._registry.add(self.nonce)

    def stop(self) -> None:
        super().stop()
        if self._registry is not None:
            self._registry.retire(self.nonce)

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
        """Disable the buttons and keep the message, so nobody presses a dead button."""
        if self._registry is not None:
            self._registry.discard(self.nonce)
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self.message is not None:
            # The ephemeral message may be gone; then there is nothing to tidy.
            with contextlib.suppress(discord.HTTPException):
                await self.message.edit(view=self)


@dataclass(frozen=True, slots=True)
class Page(Generic[K]):
    """One page a :class:`PageSource` built, and where the following page starts."""

    embed: discord.Embed
    next_key: K | None  # None: this is the last page
    total_pages: int | None = None  # when the source knows it without counting rows


class PageSource(Protocol[K]):
    """Builds page ``number`` starting at ``key`` (None: the first page) on demand, so a
    list holds one page, not all of them. None: there is nothing (left) to show."""

    async def page(self, key: K | None, number: int) -> Page[K] | None: ...


class StaticPages:
    """Pages built up front (short lists)."""

    def __init__(self, pages: Sequence[discord.Embed]) -> None:
        self.pages = list(pages)

    async def page(self, key: int | None, number: int) -> Page[int] | None:
        index = key or 0
        if index >= len(self.pages):
            return None
        following = index + 1 if index + 1 < len(self.pages) else None
        return Page(self.pages[index], following, len(self.pages))


class Paginator(OwnedView):
    """Pages with first/previous/next buttons and a page counter; each press asks the
    source for just the page it shows."""

    def __init__(self, owner_id: int, source: PageSource[Any] | Sequence[discord.Embed]) -> None:
        super().__init__(owner_id)
        self.source: PageSource[Any] = (
            StaticPages(source) if isinstance(source, Sequence) else source
        )
        self.index = 0
        self._keys: list[Any] = [None]  # where each page seen so far starts
        self._page: Page[Any] | None = None

    @property
    def current(self) -> discord.Embed:
        assert self._page is not None, "start() fetches the first page"
        return self._page.embed

    def _update_page(self) -> None:
        page = self._page
        assert page is not None
        number = self.index + 1
        if number > 1 or page.next_key is not None:
            total = page.total_pages
            if page.next_key is None:
                total = number
            elif total is not None and total <= number:
                total = None  # the list grew since it was counted: no promise
            marker = f"Page {number}/{total}" if total is not None else f"Page {number}"
            footer = page.embed.footer.text or ""
            if marker not in footer:  # static pages come back with theirs
                page.embed.set_footer(text=f"{footer} · {marker}" if footer else marker)
        self.first_page.disabled = self.previous_page.disabled = self.index == 0
        self.next_page.disabled = page.next_key is None

    async def start(self, interaction: discord.Interaction, *, ephemeral: bool = True) -> bool:
        """Send the first page, replying to the interaction (or following up if deferred).
        False, having sent nothing, when the source has nothing to show."""
        self._page = await self.source.page(None, 1)
        if self._page is None:
            return False
        self._update_page()
        several = self._page.next_key is not None
        view = self if several else discord.utils.MISSING
        if several:
            self.track(interaction.client)
        if interaction.response.is_done():
            self.message = await interaction.followup.send(
                embed=self.current, view=view, ephemeral=ephemeral, wait=True
            )
        else:
            sent = await interaction.response.send_message(
                embed=self.current, view=view, ephemeral=ephemeral
            )
            # The callback's answer carries the message: no second request to fetch it.
            self.message = (
                sent.resource
                if isinstance(sent.resource, discord.InteractionMessage)
                else await interaction.original_response()
            )
        if not several:
            self.stop()
        return True

    async def _go(self, interaction: discord.Interaction, index: int) -> None:
        page = await self.source.page(self._keys[index], index + 1)
        if page is None:
            # What was there is gone (deleted since): start again from the top.
            index, page = 0, await self.source.page(None, 1)
            del self._keys[1:]
        if page is None:
            self.stop()
            await interaction.response.edit_message(
                content="Nothing is left to show.", embed=None, view=None
            )
            return
        self.index, self._page = index, page
        self._update_page()
        await interaction.response.edit_message(embed=self.current, view=self)

    @discord.ui.button(label="First", emoji="⏮️", style=discord.ButtonStyle.secondary)
    async def first_page(
        self, interaction: discord.Interaction, _button: discord.ui.Button[Paginator]
    ) -> None:
        await self._go(interaction, 0)

    @discord.ui.button(label="Previous", emoji="◀️", style=discord.ButtonStyle.secondary)
    async def previous_page(
        self, interaction: discord.Interaction, _button: discord.ui.Button[Paginator]
    ) -> None:
        await self._go(interaction, max(0, self.index - 1))

    @discord.ui.button(label="Next", emoji="▶️", style=discord.ButtonStyle.secondary)
    async def next_page(
        self, interaction: discord.Interaction, _button: discord.ui.Button[Paginator]
    ) -> None:
        assert self._page is not None
        if self._page.next_key is None:  # a double click past the end: show the last again
            await self._go(interaction, self.index)
            return
        del self._keys[self.index + 1 :]
        self._keys.append(self._page.next_key)
        await self._go(interaction, self.index + 1)


class Confirm(OwnedView):
    """Asks once; runs ``on_confirm`` if the owner presses the danger button."""

    def __init__(
        self,
        owner_id: int,
        confirm_label: str,
        on_confirm: Callable[[discord.Interaction], Awaitable[None]],
    ) -> None:
        super().__init__(owner_id, timeout=CONFIRM_TIMEOUT_SECONDS)
        self._on_confirm = on_confirm
        self.confirm.label = confirm_label

    async def ask(
        self,
        interaction: discord.Interaction,
        question: str,
        *,
        embed: discord.Embed = discord.utils.MISSING,
    ) -> None:
        """Ask privately (following up if the command deferred); the message is kept to
        disable the buttons when time runs out."""
        self.track(interaction.client)
        if interaction.response.is_done():
            self.message = await interaction.followup.send(
                question, embed=embed, view=self, ephemeral=True, wait=True
            )
            return
        await interaction.response.send_message(question, embed=embed, view=self, ephemeral=True)
        self.message = await interaction.original_response()

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


class ErrorAwareModal(discord.ui.Modal):
    """A modal whose failures reach the user like a command's."""

    async def on_error(  # type: ignore[override]  # Modal's signature, not View's
        self, interaction: discord.Interaction, error: Exception, /
    ) -> None:
        await send_error(interaction, error)
