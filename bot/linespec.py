"""Reading a user's line spec ("12", "12-14") against an excerpt's line count.

The bot's own notation is read too: autocomplete and cards label lines "L12",
and people write "#12", so a number may carry an "L" or "#" in front.
"""

from __future__ import annotations

import re

from bot.errors import InvalidInput

# Longer than any real spec ("1999 - 2000" is 11); refusing early keeps int()
# away from pathological digit strings.
MAX_SPEC_CHARS = 40

# Hyphen-minus, en dash, em dash, and the hyphen/minus look-alikes phone
# keyboards and word processors substitute for "-".
_DASHES = "-–—‐‑−"

# "L7", "l7", "#7": the labels autocomplete shows, and how readers refer to lines.
_MARK = r"(?:[l#]\s*)?"
_SPEC = re.compile(rf"(?:lines?\s*)?{_MARK}(\d+)\s*(?:[{_DASHES}]\s*{_MARK}(\d+))?", re.IGNORECASE)
_NEGATIVE = re.compile(rf"(?:lines?\s*)?{_MARK}[{_DASHES}]\s*\d+", re.IGNORECASE)

_ECHO_CHARS = 20


def _valid_lines(line_count: int) -> str:
    if line_count == 1:
        return "this excerpt has only line 1"
    return f"this excerpt has lines 1–{line_count}"


def _sentence(clause: str) -> str:
    return clause[:1].upper() + clause[1:]


def _echo(spec: str) -> str:
    # Shown back inside an error: one line, short.
    flat = " ".join(spec.split())
    if len(flat) > _ECHO_CHARS:
        flat = flat[: _ECHO_CHARS - 1] + "…"
    return flat


def _example(line_count: int) -> str:
    if line_count == 1:
        return "`1`"
    if line_count >= 14:
        return "`12` or `12-14`"
    return f"`1` or `1-{min(3, line_count)}`"


def _check_bounds(first: int, last: int, line_count: int) -> None:
    if min(first, last) < 1:
        raise InvalidInput(
            f"Lines are numbered from 1, so there is no line 0; {_valid_lines(line_count)}."
        )
    if max(first, last) > line_count:
        raise InvalidInput(f"There is no line {max(first, last)}: {_valid_lines(line_count)}.")
    if first > last:
        raise InvalidInput(
            f"The range {first}-{last} runs backwards; did you mean `{last}-{first}`? "
            f"({_sentence(_valid_lines(line_count))}.)"
        )


def parse_line_spec(spec: str, line_count: int) -> tuple[int, int]:
    """Return (first, last), 1-based and inclusive, or raise ``InvalidInput``.

    Accepts "12", "12-14" (also with spaces, an en or em dash, or a leading
    "line"/"lines"), and each number written as the bot labels it ("L12", "#12"):
    "L3-L5", "L3–5", "#3-#5". Never raises anything but ``InvalidInput``.
    """
    if line_count < 1:
        raise InvalidInput("This excerpt has no lines to comment on.")
    text = spec.strip()
    if not text:
        raise InvalidInput(
            f"Please give a line number or a range, such as {_example(line_count)}; "
            f"{_valid_lines(line_count)}."
        )
    if len(text) > MAX_SPEC_CHARS:
        raise InvalidInput(
            f"That line spec is too long. Give one line number or range, such as "
            f"{_example(line_count)}; {_valid_lines(line_count)}."
        )
    if _NEGATIVE.fullmatch(text):
        raise InvalidInput(
            f"Line numbers can't be negative: they start at 1, and {_valid_lines(line_count)}."
        )
    match = _SPEC.fullmatch(text)
    if match is None:
        raise InvalidInput(
            "I couldn't read “{spec}” as a line number. Use a number or a range, such as "
            f"{_example(line_count)}; {_valid_lines(line_count)}.",
            spec=_echo(text),
        )
    first = int(match.group(1))
    last = int(match.group(2)) if match.group(2) is not None else first
    _check_bounds(first, last, line_count)
    return first, last
