"""All SQL lives in this package: the connection and migrations, then one module per table group."""

from bot.storage import comments, digests, excerpts, prompts
from bot.storage.database import Database, MigrationError

__all__ = ["Database", "MigrationError", "comments", "digests", "excerpts", "prompts"]
