"""The README and the command reference work in a clone and cover every command."""

from __future__ import annotations

import re
from pathlib import Path

import discord
from discord import app_commands

from bot import create_bot
from bot.ui.client import EXTENSIONS

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_readme_links_stay_inside_the_repository() -> None:
    for document in (ROOT / "README.md", ROOT / "docs" / "commands.md"):
        for target in LINK.findall(document.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://", "#")):
                continue
            path = (document.parent / target.split("#")[0]).resolve()
            assert path.is_relative_to(ROOT), f"{document.name} links outside the repo: {target}"
            assert path.exists(), f"{document.name} links to a missing file: {target}"
    assert "docs/commands.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def _sections(reference: str) -> dict[str, str]:
    """Command usage line (`/x y ...` or **Menu**) -> its entry's text."""
    entries: dict[str, str] = {}
    for block in re.split(r"\n(?=`/|\*\*[A-Z])", reference):
        head = block.split("\n", 1)[0]
        entries[head] = block
    return entries


async def test_the_reference_names_every_command_and_option(tmp_path: Path) -> None:
    bot = create_bot(database=tmp_path / "docs.db", dev_guild_id=None)
    try:
        for extension in EXTENSIONS:
            await bot.load_extension(extension)
        reference = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
        entries = _sections(reference)
        for command in bot.tree.walk_commands():
            if isinstance(command, app_commands.Group):
                continue
            name = f"/{command.qualified_name}"
            heads = [head for head in entries if re.search(rf"`{re.escape(name)}(\s|`)", head)]
            assert heads, f"{name} is not in docs/commands.md"
            usage = " ".join(heads)
            for parameter in command.parameters:
                assert re.search(rf"\b{parameter.display_name}\b", usage), (name, parameter.name)
        for menu in bot.tree.get_commands(type=discord.AppCommandType.message):
            assert f"**{menu.name}**" in reference
    finally:
        await bot.close()
