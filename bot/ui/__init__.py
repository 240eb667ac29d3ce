"""Everything that speaks Discord: the client, rendering, views, error replies, the sandbox.

Only this package and ``cogs/`` import discord.py; the rest of ``bot`` is the core, usable
from the command line and from tests without Discord (a ruff rule enforces it).
"""
