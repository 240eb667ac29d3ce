"""Pinning a new comment to its lines and, optionally, a quoted phrase."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from bot.errors import InvalidInput
from bot.formatting import one_line
from bot.models import CONTEXT_CHARS, Anchor
from bot.text import check_storable, normalize_newlines

MAX_QUOTE_CHARS = 1_000
MAX_SUGGESTION_CHARS = 1_000

_ECHO_CHARS = 60

# Readers type straight quotes on their keyboards while manuscripts usually
# hold typographic ones, so in the lenient pass each matches its whole family.
_SINGLE_QUOTES = "'‘’‛′`"
_DOUBLE_QUOTES = '"“”„‟″'


def _lenient_pattern(quote: str) -> str:
    """A regex that also accepts other whitespace runs and quote-mark styles."""
    parts: list[str] = []
    for word in re.split(r"(\s+)", quote):
        if not word:
            continue
        if word.isspace():
            parts.append(r"\s+")
            continue
        for char in word:
            if char in _SINGLE_QUOTES:
                parts.append(f"[{re.escape(_SINGLE_QUOTES)}]")
            elif char in _DOUBLE_QUOTES:
                parts.append(f"[{re.escape(_DOUBLE_QUOTES)}]")
            else:
                parts.append(re.escape(char))
    return "".join(parts)


def _search_passes(quote: str) -> Iterator[re.Pattern[str]]:
    # The spec's order: exact case first, then any case. The lenient passes
    # come last so they never shadow a match the reader typed exactly.
    exact = re.escape(quote)
    yield re.compile(exact)
    yield re.compile(exact, re.IGNORECASE)
    lenient = _lenient_pattern(quote)
    if lenient != exact:
        yield re.compile(lenient)
        yield re.compile(lenient, re.IGNORECASE)


def _find_quote(
    lines: Sequence[str], line_start: int, line_end: int, quote: str
) -> tuple[int, re.Match[str]] | None:
    for pattern in _search_passes(quote):
        for number in range(line_start, line_end + 1):
            found = pattern.search(lines[number - 1])
            if found is not None:
                return number, found
    return None


def _clean_quote(quote: str | None) -> str | None:
    if quote is None:
        return None
    cleaned = normalize_newlines(quote).strip()
    return cleaned or None


def build_anchor(lines: Sequence[str], line_start: int, line_end: int, quote: str | None) -> Anchor:
    """Anchor a comment on lines ``line_start``-``line_end`` (1-based, validated).

    With a quote, the anchor records the phrase as it appears in the text (the
    author's casing), where it is, and a little context on each side.
    """
    if not 1 <= line_start <= line_end <= len(lines):
        raise ValueError(f"unvalidated line range {line_start}-{line_end} of {len(lines)}")
    wanted = _clean_quote(quote)
    if wanted is None:
        return Anchor(line_start, line_end)
    if len(wanted) > MAX_QUOTE_CHARS:
        raise InvalidInput(
            f"A quote can be at most {MAX_QUOTE_CHARS:,} characters (yours has {len(wanted):,}). "
            "Quote just the phrase you are commenting on."
        )
    where = Anchor(line_start, line_end).describe()
    hit = _find_quote(lines, line_start, line_end, wanted)
    if hit is None:
        raise InvalidInput(
            f"I couldn't find “{{quote}}” in {where}. A quote must be copied exactly "
            "from the text and lie within one line; check the line number too.",
            quote=one_line(wanted, _ECHO_CHARS),
        )
    number, found = hit
    text = lines[number - 1]
    start, end = found.span()
    return Anchor(
        line_start=line_start,
        line_end=line_end,
        quote=found.group(0),
        quote_line=number,
        quote_offset=start,
        prefix=text[max(0, start - CONTEXT_CHARS) : start],
        suffix=text[end : end + CONTEXT_CHARS],
    )


def check_suggestion(quote: str | None, suggestion: str | None) -> str | None:
    """Return the stripped suggestion (or None), refusing ones that can't apply.

    Pass the anchor's stored quote when there is one, so "no change" is judged
    against the text as written.
    """
    if suggestion is None or not suggestion.strip():
        return None
    check_storable(suggestion, "suggestion")
    wanted = normalize_newlines(suggestion).strip()
    if len(wanted) > MAX_SUGGESTION_CHARS:
        raise InvalidInput(
            f"A suggestion can be at most {MAX_SUGGESTION_CHARS:,} characters "
            f"(yours has {len(wanted):,}). Suggest a replacement for a shorter phrase."
        )
    replaced = _clean_quote(quote)
    if replaced is None:
        raise InvalidInput(
            "A suggestion replaces a quoted phrase: add `quote:` with the exact words to "
            "replace (copied from the line), or put your idea in `text:` instead."
        )
    if wanted == replaced:
        raise InvalidInput(
            "The suggestion is the same as the quote, so it wouldn't change anything. "
            "Write the replacement wording in `suggestion:`."
        )
    return wanted
