"""The house's rooms, checked mechanically: cogs hold commands and see only models,
services and the adapter (``bot.ui``); every permission judgement is made in one place."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_cogs_do_not_reach_into_storage() -> None:
    offenders = {
        path.name: sorted(m for m in _imports(path) if m.startswith("bot.storage"))
        for path in (ROOT / "cogs").glob("*.py")
    }
    assert {name: mods for name, mods in offenders.items() if mods} == {}


def test_cogs_build_no_embeds() -> None:
    """Texts and embeds are built in ``bot.ui``, by feature; cogs only send them."""
    builders = [
        path.name for path in (ROOT / "cogs").glob("*.py") if "Embed(" in path.read_text("utf-8")
    ]
    assert builders == []


def test_the_actor_is_computed_in_one_place() -> None:
    """Only ``bot/ui/checks.py`` turns a Discord member into the core's ``Actor``."""
    places = sorted(
        str(path.relative_to(ROOT))
        for folder in ("cogs", "bot/ui")
        for path in (ROOT / folder).rglob("*.py")
        if "Actor(" in path.read_text(encoding="utf-8")
        or "guild_permissions" in path.read_text(encoding="utf-8")
    )
    assert places == ["bot/ui/checks.py"]
