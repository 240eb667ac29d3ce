"""The new revision's text as the quote finders search it.

One ``NewText`` per line map: the lines joined once for ``str.find``, where
each line starts, which lines the revision touched, and two memos filled on
demand (each line's words, and which touched lines hold which word), because
in a heavy rewrite the same touched line is a candidate for many quotes.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate

SEPARATOR = "\x00"  # joins new lines for searching; a hit spanning it is rejected
KEY_WORD = re.compile(r"\w{4,}")  # a word distinctive enough to look a quote up by
_TOKEN = re.compile(r"\S+")
_PUNCTUATION = "\"'“”‘’.,;:!?()[]{}«»—–-…*_"


def token_key(token: str) -> str:
    # Four leading letters, ignoring case and punctuation, so "Lantern," and
    # "lanterns" still count as the same word for locating a window.
    core = token.strip(_PUNCTUATION).casefold()
    return core[:4] or token


@dataclass(frozen=True, slots=True)
class Tokens:
    """A line's words: their spans and the keys they are compared by."""

    spans: tuple[tuple[int, int], ...]
    keys: tuple[str, ...]
    key_set: frozenset[str]


def _tokenise(text: str, known: dict[str, str]) -> Tokens:
    """A line's tokens; ``known`` remembers the keys of words already seen (prose repeats)."""
    matches = list(_TOKEN.finditer(text))
    spans = tuple(match.span() for match in matches)
    keys = []
    for match in matches:
        word = match.group()
        key = known.get(word)
        if key is None:
            key = known[word] = token_key(word)
        keys.append(key)
    return Tokens(spans, tuple(keys), frozenset(keys))


def _line_starts(lines: Sequence[str]) -> tuple[int, ...]:
    """Offsets of each line in ``SEPARATOR.join(lines)``."""
    if not lines:
        return ()
    return (0, *accumulate(len(line) + len(SEPARATOR) for line in lines[:-1]))


class _TouchedWords:
    """Which touched lines hold which words: built at the first far search, then kept.

    A quote's key word (four or more word characters) is in a line exactly
    when it lies inside one of the line's runs of word characters, so looking
    it up among the distinct runs finds the same lines as searching the whole
    touched text, at a fraction of the cost for every quote after the first.
    Built lazily: most revisions never need a far search.
    """

    __slots__ = ("_joined", "_lines", "_starts")

    def __init__(self) -> None:
        self._lines: list[list[int]] | None = None
        self._joined = ""
        self._starts: tuple[int, ...] = ()

    def _build(self, text: NewText) -> list[list[int]]:
        runs: dict[str, list[int]] = {}
        for index in text.touched:
            for run in dict.fromkeys(KEY_WORD.findall(text.lines[index])):
                runs.setdefault(run, []).append(index)
        self._joined = SEPARATOR.join(runs)
        self._starts = _line_starts(list(runs))
        self._lines = list(runs.values())
        return self._lines

    def lines_with(self, text: NewText, word: str, limit: int) -> set[int] | None:
        """Touched lines of ``text`` containing ``word``, or None if more than ``limit`` do."""
        lines = self._lines if self._lines is not None else self._build(text)
        found: set[int] = set()
        at = self._joined.find(word)
        while at >= 0:
            entry = bisect_right(self._starts, at) - 1
            found.update(lines[entry])
            if len(found) > limit:
                return None
            following = entry + 1
            at = (
                self._joined.find(word, self._starts[following])
                if following < len(self._starts)
                else -1
            )
        # Added in line order, as a search through the text meets them: the same set,
        # iterated the same way, so ties between candidates break as they always did.
        return set(sorted(found))


@dataclass(frozen=True, slots=True, eq=False)
class NewText:
    """The new lines (0-based indexes), joined for searching; build it with ``NewText.of``.

    ``touched`` lists, in order, the lines that are not a verbatim copy of an
    old line (edited or added): the only ones a fuzzy match may land in.
    """

    lines: tuple[str, ...]
    joined: str
    starts: tuple[int, ...]
    touched: tuple[int, ...]
    _tokens: dict[int, Tokens] = field(default_factory=dict, init=False, repr=False)
    _keys: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _touched_words: _TouchedWords = field(default_factory=_TouchedWords, init=False, repr=False)

    @classmethod
    def of(cls, lines: tuple[str, ...], touched: Sequence[int]) -> NewText:
        return cls(lines, SEPARATOR.join(lines), _line_starts(lines), tuple(touched))

    def line_at(self, position: int) -> int:
        """The line holding character ``position`` of ``joined``."""
        return bisect_right(self.starts, position) - 1

    def within_line(self, position: int, length: int) -> bool:
        """Whether ``joined[position : position + length]`` stays inside one line."""
        line = self.line_at(position)
        return position + length <= self.starts[line] + len(self.lines[line])

    def tokens(self, line: int) -> Tokens:
        """The words of ``line``, split once however many quotes try it."""
        found = self._tokens.get(line)
        if found is None:
            found = self._tokens[line] = _tokenise(self.lines[line], self._keys)
        return found

    def touched_with(self, word: str, limit: int) -> set[int] | None:
        """Touched lines containing ``word``, or None if more than ``limit`` do."""
        return self._touched_words.lines_with(self, word, limit)
