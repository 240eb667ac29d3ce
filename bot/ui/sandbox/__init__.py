"""`python -m bot sandbox`: the real bot in a simulated Discord, shown in a local browser page.

Nothing here talks to Discord and no token is needed. SimCord runs the unmodified bot against an
in-memory Discord; this package builds a small workshop server in it, seeds a demo excerpt with
reader comments (only into a database that has none yet), and opens SimCord's browser preview of
``#workshop`` on 127.0.0.1, where the person at the browser acts as the members of that server.

SimCord and its preview are an optional extra (``pip install -e ".[sandbox]"``); this package
imports them only when the sandbox runs, so the bot itself never needs them.
"""

from bot.ui.sandbox._main import main, missing_requirements, run_sandbox
from bot.ui.sandbox._world import DEMO_TITLE, build_world, seed_demo

__all__ = ["DEMO_TITLE", "build_world", "main", "missing_requirements", "run_sandbox", "seed_demo"]
