"""The new revision's text as the quote finders search it.

One ``NewText`` per line map: the lines joined once for ``str.find``, where
each line starts, which lines the revision touched, and memos filled on
demand (each line's words, which lines hold which word, which touched lines
hold which word), because in a heavy rewrite the same line is a candidate
for many quotes.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from operator import neg

SEPARATOR = "\x00"  # joins new lines for searching; a hit spanning it is rejected
KEY_WORD = re.compile(r"\w{4,}")  # a word distinctive enough to look a quote up by
_TOKEN = re.compile(r"\S+")
_SEARCHES_BEFORE_INDEX = 32  # quotes sought through the text before its words are indexed
_FEW_LINES = 8  # lines few enough to try without narrowing them further
_MOST_LINES = 16  # a word in more than one line in this many is looked for in the text
_PUNCTUATION = "\"'“”‘’.,;:!?()[]{}«»—–-…*_"


def token_key(token: str) -> str:
    # Four leading letters, ignoring case and punctuation, so "Lantern," and
    # "lanterns" still count as the same word for locating a window.
    core = token.strip(_PUNCTUATION).casefold()
    return core[:4] or token


@dataclass(frozen=True, slots=True)
class Tokens:
    """A line's words: where they start, how long they are, the keys they are compared by."""

    starts: tuple[int, ...]
    lengths: tuple[int, ...]
    keys: tuple[str, ...]


def _keys_of(words: list[str], known: dict[str, str]) -> tuple[str, ...]:
    """The words' keys; ``known`` remembers the keys of words already seen (prose repeats)."""
    for word in words:
        if word not in known:
            known[word] = token_key(word)
    return tuple(map(known.__getitem__, words))


def _tokenise(text: str, words: list[str], keys: tuple[str, ...]) -> Tokens:
    """A line's tokens from its words, ``text.split()`` (which splits where ``\\s`` does)."""
    lengths = tuple(map(len, words))
    if not words:
        starts: tuple[int, ...] = ()
    elif " ".join(words) == text:  # single spaces: the starts follow from the lengths
        starts = tuple(accumulate([length + 1 for length in lengths[:-1]], initial=0))
    else:
        starts = tuple(match.start() for match in _TOKEN.finditer(text))
    return Tokens(starts, lengths, keys)


def _line_starts(lines: Sequence[str]) -> tuple[int, ...]:
    """Offsets of each line in ``SEPARATOR.join(lines)``."""
    if not lines:
        return ()
    return (0, *accumulate(map(len(SEPARATOR).__add__, map(len, lines[:-1]))))


class _WordIndex:
    """Which of some lines hold which words: built at the first look-up, then kept.

    A word without ``SEPARATOR`` is in a line exactly when it lies inside one
    of the line's runs (``runs_of``), so looking it up among the distinct runs
    finds the same lines as searching those lines' text, at a fraction of the
    cost for every look-up after the first. Built lazily: most revisions
    never need one.
    """

    __slots__ = (
        "_asked",
        "_backwards",
        "_backwards_lines",
        "_joined",
        "_lines",
        "_ordered",
        "_ordered_lines",
        "_runs",
        "_runs_of",
        "_shorter",
        "_starts",
        "_which",
    )

    def __init__(
        self, which: Callable[[NewText], Iterable[int]], runs_of: Callable[[str], Iterable[str]]
    ) -> None:
        self._which = which
        self._runs_of = runs_of
        self._lines: list[list[int]] | None = None
        self._asked = 0
        self._runs: dict[str, list[int]] = {}
        self._joined = ""
        self._starts: tuple[int, ...] = ()
        self._shorter: list[int] = []
        self._ordered: list[str] | None = None
        self._backwards: list[str] = []
        self._backwards_lines: list[list[int]] = []
        self._ordered_lines: list[list[int]] = []

    def _build(self, text: NewText) -> list[list[int]]:
        runs: dict[str, list[int]] = {}
        for index in self._which(text):
            for run in dict.fromkeys(self._runs_of(text.lines[index])):
                lines = runs.get(run)
                if lines is None:
                    runs[run] = [index]
                else:
                    lines.append(index)
        # Longest first: a word can only lie inside the runs before the first shorter one.
        longest_first = sorted(runs, key=len, reverse=True)
        self._joined = SEPARATOR.join(longest_first)
        self._starts = _line_starts(longest_first)
        self._shorter = list(map(neg, map(len, longest_first)))
        self._runs = runs
        self._lines = list(map(runs.__getitem__, longest_first))  # last: the index is whole
        return self._lines

    def worth_building(self, after: int) -> bool:
        """Whether it has been asked for more than ``after`` times (built or not)."""
        self._asked += 1
        return self._asked > after

    def lines_of(self, text: NewText, run: str) -> list[int]:
        """The indexed lines of ``text`` with ``run`` among their runs, in order."""
        if self._lines is None:
            self._build(text)
        return self._runs.get(run, [])

    def _sorted(self, text: NewText) -> list[str]:
        """The distinct runs in order (and, kept beside them, each spelt backwards, in order,
        and the lines of each run of both lists)."""
        if self._ordered is None:
            if self._lines is None:
                self._build(text)
            runs = self._runs
            backwards = dict(zip([run[::-1] for run in runs], runs.values(), strict=True))
            self._backwards = sorted(backwards)
            self._backwards_lines = list(map(backwards.__getitem__, self._backwards))
            ordered = sorted(runs)
            self._ordered_lines = list(map(runs.__getitem__, ordered))
            self._ordered = ordered  # last: once it is set, all are
        return self._ordered

    def lines_around(
        self, text: NewText, part: str, limit: int, *, ending: bool
    ) -> set[int] | None:
        """The indexed lines with a run starting with ``part`` (``ending``: ending with it),
        or None if more than ``limit`` have one: runs in order share their starts."""
        ordered = self._sorted(text)
        pool, lines, key = (
            (self._backwards, self._backwards_lines, part[::-1])
            if ending
            else (ordered, self._ordered_lines, part)
        )
        found: set[int] = set()
        at = bisect_left(pool, key)
        while at < len(pool) and pool[at].startswith(key):
            found.update(lines[at])
            if len(found) > limit:
                return None
            at += 1
        return found

    def lines_with(self, text: NewText, word: str, limit: int) -> set[int] | None:
        """The indexed lines of ``text`` containing ``word``, or None if more than ``limit`` do."""
        lines = self._lines if self._lines is not None else self._build(text)
        found: set[int] = set()
        starts = self._starts
        # Only among the runs at least as long as the word.
        long_enough = bisect_right(self._shorter, -len(word))
        if not long_enough:
            return found
        joined = self._joined
        end = len(joined) if long_enough == len(starts) else starts[long_enough] - len(SEPARATOR)
        at = joined.find(word, 0, end)
        while at >= 0:
            entry = bisect_right(starts, at) - 1
            found.update(lines[entry])
            if len(found) > limit:
                return None
            following = entry + 1
            at = joined.find(word, starts[following], end) if following < long_enough else -1
        return found


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
    _line_keys: dict[int, tuple[list[str], tuple[str, ...], frozenset[str]]] = field(
        default_factory=dict, init=False, repr=False
    )
    _touched_found: dict[tuple[str, int], set[int] | None] = field(
        default_factory=dict, init=False, repr=False
    )
    _touched_words: _WordIndex = field(
        default_factory=lambda: _WordIndex(lambda text: text.touched, KEY_WORD.findall),
        init=False,
        repr=False,
    )
    _words: _WordIndex = field(
        default_factory=lambda: _WordIndex(lambda text: range(len(text.lines)), str.split),
        init=False,
        repr=False,
    )

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

    def _keyed(self, line: int) -> tuple[list[str], tuple[str, ...], frozenset[str]]:
        found = self._line_keys.get(line)
        if found is None:
            words = self.lines[line].split()
            keys = _keys_of(words, self._keys)
            found = self._line_keys[line] = (words, keys, frozenset(keys))
        return found

    def words(self, line: int) -> list[str]:
        """``lines[line].split()``, split once however many quotes try it (not to be changed)."""
        return self._keyed(line)[0]

    def key_set(self, line: int) -> frozenset[str]:
        """The keys of the words of ``line``: enough to tell it shares none with a quote."""
        return (self._line_keys.get(line) or self._keyed(line))[2]

    def tokens(self, line: int) -> Tokens:
        """The words of ``line``, split once however many quotes try it."""
        found = self._tokens.get(line)
        if found is None:
            words, keys, _ = self._keyed(line)
            found = self._tokens[line] = _tokenise(self.lines[line], words, keys)
        return found

    def key_of(self, word: str) -> str:
        """``token_key(word)``, remembered with the keys of the lines' words."""
        key = self._keys.get(word)
        if key is None:
            key = self._keys[word] = token_key(word)
        return key

    def touched_with(self, word: str, limit: int) -> set[int] | None:
        """Touched lines containing ``word``, or None if more than ``limit`` do.

        Remembered (quotes share words): the set is the caller's to read, not to change.
        """
        if (word, limit) in self._touched_found:
            return self._touched_found[word, limit]
        # A word of word characters is in a line exactly when it lies inside one of
        # its words: when every line is touched, the index of all lines' words serves.
        index = self._words if len(self.touched) == len(self.lines) else self._touched_words
        found = index.lines_with(self, word, limit)
        # Added in line order, as a search through the text meets them: the same set,
        # iterated the same way, so ties between candidates break as they always did.
        result = self._touched_found[word, limit] = None if found is None else set(sorted(found))
        return result

    def lines_maybe_with(self, quote: str) -> list[int] | None:
        """In order, the lines whose words could hold ``quote`` (all that do, and a few more).

        Of a quote of several words, each word inside it (whitespace on both
        sides) is a whole word of every line holding it, its first word ends
        one of their words and its last word starts one: the lines that have
        them all. A quote of one word lies inside one of their words. None
        when that is most lines (short, common words): a search through the
        text is as quick then. None too for the first ``_SEARCHES_BEFORE_INDEX``
        quotes.
        """
        if not self._words.worth_building(_SEARCHES_BEFORE_INDEX):
            return None  # a few quotes moved: searching the text costs less than indexing it
        words = quote.split()
        limit = len(self.lines) // _MOST_LINES + 16
        if len(words) < 2:
            if not words or SEPARATOR in words[0]:
                return None
            inside = self._words.lines_with(self, words[0], limit)
            return None if inside is None else sorted(inside)
        whole: list[int] | None = None
        if len(words) > 2:
            whole = min((self._words.lines_of(self, word) for word in words[1:-1]), key=len)
            if len(whole) <= _FEW_LINES:
                return whole
        found: set[int] | None = None
        for part in (
            self._words.lines_around(self, words[0], limit, ending=True),
            self._words.lines_around(self, words[-1], limit, ending=False),
        ):
            if part is not None:
                found = part if found is None else found & part
        if found is not None:
            return sorted(found) if whole is None else [at for at in whole if at in found]
        return whole if whole is not None and len(whole) <= limit else None
