"""The product's bounds on a Word document, and the refusal raised when one is passed.

Kept apart so every stage (side parts, the document part, the streamed body) checks
against the same figures.
"""

from __future__ import annotations

from bot.errors import InvalidInput

# What 200,000 characters can need: Word wraps every few words in a run with its
# properties and revision ids, ~35 bytes of XML per character at worst in practice;
# 16 MB leaves room for that. The other parts read (styles, numbering, rels) are small.
MAX_DOCUMENT_PART_BYTES = 16 * 1024 * 1024
MAX_SIDE_PART_BYTES = 2 * 1024 * 1024
# Whole archive, declared: images and fonts ride along but are already compressed.
MAX_UNPACKED_BYTES = 32 * 1024 * 1024
# Bounds while streaming. Authors space scenes with empty paragraphs, but not
# tens of thousands. A real 200,000-character document has ~100,000 elements (a run
# every dozen characters, each with a handful of properties); four times that is
# still read in well under a second.
MAX_EMPTY_PARAGRAPHS = 20_000
MAX_ELEMENTS = 400_000


class TooLarge(InvalidInput):
    """The document passes a limit of the product while being read."""
