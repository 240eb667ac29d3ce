"""Small wordings shared by every surface (Discord, files, the command line): counts,
shortened text, file sizes. No Discord here; escaping is the adapter's (``bot.ui``)."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    """``1 line``, ``2 lines``, ``1,200 lines``."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters; a cut one ends with "…"."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def one_line(text: str, limit: int) -> str:
    """Text on one line (runs of whitespace become one space), at most ``limit`` long."""
    return shorten(" ".join(text.split()), limit)


def upload_size(size: int) -> str:
    """A file's size as an upload limit reads: ``1.5 MB``, ``12 KB`` (never ``0 KB``)."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size / 1024)):,} KB"


def file_size(size: int) -> str:
    """A size in plain words: ``5 MB``, ``1.5 MB``, ``12 KB``, ``6 bytes``."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def feedback_wanted(focus: str | None, intensity: str | None) -> str:
    """What an author asked readers for: "pacing in the middle (thick skin)"; "" if nothing."""
    if focus and intensity:
        return f"{focus} ({intensity})"
    return focus or (f"{intensity} feedback" if intensity else "")
