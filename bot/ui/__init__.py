"""Everything that speaks Discord: the client, rendering, views, error replies, the sandbox.

Only this package and ``cogs/`` import discord.py; the rest of ``bot`` is the core, usable
from the command line and from tests without Discord (a ruff rule enforces it). Cogs hold
the commands; what they show and how they judge the invoker lives here, by feature:

- ``client``: the bot, its command tree and its one error handler (``error_replies``).
- ``checks``: who is acting (``Actor``), what they can see, where they may post.
- ``transformers``: typed id options (``ExcerptId``, ``CommentId``) and their autocomplete.
- ``escaping``: user text made inert for Discord, and cut to its limits;
  ``pages``: Discord's size limits and paging.
- ``excerpts``, ``comments``, ``prompts``, ``digests``: each feature's texts and embeds.
- ``threads``: posting an excerpt's thread and keeping its cards up to date.
- ``views``: paginator, confirmation, modals; ``sandbox``: the bot against a simulated Discord.
"""
