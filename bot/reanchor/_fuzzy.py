"""Finding an edited quote: fuzzy matching in the lines the revision touched.

Only in lines the revision touched (edited or added): an untouched paragraph
already existed, so a merely similar phrase in it is another passage, not
this one. Touched lines within ``_FUZZY_WINDOW`` of the prediction are tried
first; the rest only if none of those matches, and only those holding at
least half of the quote's longest words. In a candidate line, runs of whole
words sharing the most words with the quote (one word fewer to one more than
it has) are scored::

    score = 0.7 * similarity + 0.2 * context + 0.1 * closeness

*similarity* is the better of the character and the word difflib ratio of
window and quote (characters catch a respelt word, words a replaced one);
*context* the mean word ratio of the old and new prefix and suffix;
*closeness* ``1 / (1 + lines from the prediction)``. The best window scoring
at least ``FUZZY_THRESHOLD`` (0.7) wins. With perfect context at the
predicted line that asks for a similarity of about 0.57 (one word of a short
phrase changed); far away with unrelated context, about 1.0, so a look-alike
phrase elsewhere is not taken for the quote. Quotes shorter than
``MIN_FUZZY_QUOTE_CHARS`` must survive verbatim: fuzzy matching two or three
characters would find them anywhere.

Windows are scored cheapest bound first (the longest common subsequences of
characters and of words, worked out in C, which no difflib ratio exceeds:
first the whole line's, which bound every window of it, then each window's;
then the context's) so that difflib's ratios (worked out by ``_matching``)
are only for windows that could still win; the scores are the same. In a
paragraph of more than ``2 * _MAX_WINDOW_WORDS`` words, windows are sought
around the old offset only. The search of one revision's comments shares a
:class:`SearchBudget`: first the far search stops, then the near one.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from difflib import SequenceMatcher

from rapidfuzz.distance import Indel

from bot.models import Anchor
from bot.reanchor._budget import SearchBudget
from bot.reanchor._found import Found, StoredContext
from bot.reanchor._matching import WordCodes, ratio
from bot.reanchor._new_text import KEY_WORD, NewText, Tokens

FUZZY_THRESHOLD = 0.7
"""Minimum match score (0.7·quote ratio + 0.2·context + 0.1·closeness) for a fuzzy quote match."""

MIN_FUZZY_QUOTE_CHARS = 4
"""Shorter quotes must survive verbatim to be found again."""

_QUOTE_WEIGHT = 0.7
_CONTEXT_WEIGHT = 0.2
_CLOSENESS_WEIGHT = 0.1

_FUZZY_WINDOW = 3  # lines either side of the prediction searched before the whole text
_MAX_FUZZY_CANDIDATES = 48  # lines scored in the whole-text fuzzy pass, nearest first
_MAX_KEY_WORDS = 4  # longest quote words used to find whole-text fuzzy candidates
_MIN_WORD_COVERAGE = 0.25  # share of the quote's characters a window's shared words must cover
_MAX_WINDOWS = 6  # best word windows per line scored with a full ratio
_MAX_WINDOW_WORDS = 1_000  # a fuzzy quote is sought this many words either side of its old place
_MAX_BLOCK_CHARS = 6_000  # a one-word fuzzy quote, this many characters either side
_SORTED_WINDOWS = 256  # word windows ranked by sorting them all, up to this many
_TIE = 1e-9  # margin by which a later fuzzy candidate must beat an earlier one
_WHOLE_LINE_CHARS = 2_000  # a longer line is bounded by the stretch its windows lie in


def _closeness(line: int, predicted: int) -> float:
    return 1.0 / (1 + abs(line - predicted))


def _word_windows(
    tokens: Tokens, quote: str, size: int, quote_keys: frozenset[str], hint: int
) -> list[tuple[int, int]]:
    """Runs of whole words sharing the most words with ``quote`` (of ``size`` words).

    Windows hold one word fewer to one more than the quote, so a replaced,
    dropped or added word still fits; only windows whose shared words cover
    ``_MIN_WORD_COVERAGE`` of the quote's characters are kept, best first
    (nearest ``hint`` among equals).
    """
    starts, lengths, keys = tokens.starts, tokens.lengths, tokens.keys
    if len(starts) > 2 * _MAX_WINDOW_WORDS:
        # A paragraph of tens of thousands of words: only around the old place.
        low = max(0, bisect_left(starts, hint) - _MAX_WINDOW_WORDS)
        high = low + 2 * _MAX_WINDOW_WORDS
        starts, lengths, keys = starts[low:high], lengths[low:high], keys[low:high]
    weights = [0]
    total = 0
    for length, key in zip(lengths, keys, strict=True):
        if key in quote_keys:
            total += length
        weights.append(total)
    needed = _MIN_WORD_COVERAGE * len(quote)
    if total < needed:
        return []
    length = len(quote)
    # Among equally covered windows, the one nearest the quote's length, then its old
    # place, then the first found (fewest words, then first): the tuples sort that way.
    scored: list[tuple[int, int, int, int, int, int]] = []
    count = len(lengths)
    for width in range(max(1, size - 1), min(size + 1, count) + 1):
        last = width - 1
        for first in range(count - last):
            covered = weights[first + width] - weights[first]
            if covered >= needed:
                start, end = starts[first], starts[first + last] + lengths[first + last]
                scored.append(
                    (-covered, abs(end - start - length), abs(start - hint), width, start, end)
                )
    if len(scored) > _SORTED_WINDOWS:  # a paragraph of repeated words: a heap then
        scored = heapq.nsmallest(_MAX_WINDOWS, scored)
    else:
        scored.sort()
    return [window[4:] for window in scored[:_MAX_WINDOWS]]  # (start, end)


def _block_window(text: str, quote: str, hint: int) -> list[tuple[int, int]]:
    """The span implied by the longest common block, for a quote with no spaces to go by."""
    # In a very long paragraph, only around the old place (as for word windows).
    low = max(0, min(hint, len(text)) - _MAX_BLOCK_CHARS)
    high = min(len(text), low + 2 * _MAX_BLOCK_CHARS)
    matcher = SequenceMatcher(None, text, quote, autojunk=False)
    block = matcher.find_longest_match(low, high, 0, len(quote))
    if block.size < 3:
        return []
    start = max(0, block.a - block.b)
    return [(start, min(len(text), start + len(quote)))]


def _match_score(similarity: float, context: float, closeness: float) -> float:
    return _QUOTE_WEIGHT * similarity + _CONTEXT_WEIGHT * context + _CLOSENESS_WEIGHT * closeness


class _QuoteScorer:
    """Scores windows of candidate lines against one anchor's quote.

    Every window must reach ``floor`` (the threshold, then just above the best
    score so far); cheap upper bounds skip the windows and lines that cannot.
    Candidates come nearest first, so ties go to the nearer one.
    """

    __slots__ = (
        "anchor",
        "codes",
        "context",
        "floor",
        "new_text",
        "predicted",
        "quote",
        "quote_code",
        "quote_keys",
        "quote_words",
        "trims",
    )

    def __init__(self, anchor: Anchor, quote: str, new_text: NewText, predicted: int) -> None:
        self.anchor = anchor
        self.quote = quote
        self.quote_words = quote.split()
        self.quote_keys = frozenset(map(new_text.key_of, self.quote_words))
        self.new_text = new_text
        self.predicted = predicted
        self.floor = FUZZY_THRESHOLD
        self.codes = WordCodes()
        self.quote_code = self.codes.of(self.quote_words)
        self.trims = (quote[:1].isalnum(), quote[-1:].isalnum())
        self.context: StoredContext | None = None  # split and coded when first needed

    def best_in(self, line: int) -> Found | None:
        """The window of new line ``line`` that beats the floor by most, if any."""
        closeness = _closeness(line, self.predicted)
        # ``_match_score(..., closeness)`` written out below (the same sums, in order).
        near = _CLOSENESS_WEIGHT * closeness
        if _QUOTE_WEIGHT + _CONTEXT_WEIGHT + near < self.floor:
            return None
        text = self.new_text.lines[line]
        windows: list[tuple[int, int]] = []
        if not self.quote_keys.isdisjoint(self.new_text.key_set(line)):
            windows = _word_windows(
                self.new_text.tokens(line),
                self.quote,
                len(self.quote_words),
                self.quote_keys,
                self.anchor.quote_offset or 0,
            )
        # Edge words a window may have cut: none for runs of whole words.
        cut = 0 if windows else 2
        if not windows and len(self.quote_words) == 1:
            windows = _block_window(text, self.quote, self.anchor.quote_offset or 0)
        if not windows:
            return None
        best: Found | None = None
        trim_start, trim_end = self.trims
        # What no window can exceed, from the whole line (see ``_line_bounds``).
        shared_chars, uncut_words, cut_words = self._line_bounds(line, windows, cut)
        quote_chars = len(self.quote)
        for window in windows:
            # Also without the edge punctuation the quote does not have (a window of
            # words picks up commas).
            first, last = start, end = window
            if trim_start:
                while start < end and not text[start].isalnum():
                    start += 1
            if trim_end:
                while end > start and not text[end - 1].isalnum():
                    end -= 1
            spans = (window,) if start == first and end == last else {window, (start, end)}
            for start, end in spans:
                chars = end - start
                bound = 2.0 * min(shared_chars, chars, quote_chars) / (chars + quote_chars)
                words_bound = uncut_words if start == first and end == last else cut_words
                if _QUOTE_WEIGHT * max(bound, words_bound) + _CONTEXT_WEIGHT + near < self.floor:
                    continue
                found = self._score(text, line, start, end, closeness, near)
                if found is not None:
                    best = found
        return best

    def _line_bounds(
        self, line: int, windows: list[tuple[int, int]], cut: int
    ) -> tuple[int, float, float]:
        """Bounds, from the whole line, on every window of it.

        A window is a piece of the line: it has no more characters in common
        with the quote (in order) than the line has, nor more words, but for
        the words at its ends, which may be cut (``cut`` of them for a window
        as found, both once trimmed) and then match where the whole word did
        not. difflib matches no more than that, nor more words than the quote
        has, and its ratio ``2m / (window + quote)`` is at most
        ``2m / (m + quote)``, which grows with ``m``. Returned: the characters
        shared, then bounds of the word ratio of a window as found and of one
        trimmed. So the bounds of ``_score`` for every window of a line at
        the price of two comparisons.

        In a long line (a paragraph of thousands of words), the windows
        (around the old offset) lie in a stretch of it: a stretch from the
        first window's start to the last one's end, whole words, stands in for
        the line (a window is a piece of it too), so a long line costs no more.
        """
        quote_words = len(self.quote_words)
        text = self.new_text.lines[line]
        if len(text) > _WHOLE_LINE_CHARS:
            text = text[min(start for start, _ in windows) : max(end for _, end in windows)]
            words = text.split()
        else:
            words = self.new_text.words(line)
        shared_chars = Indel.similarity(text, self.quote) // 2
        if not quote_words:
            return shared_chars, 1.0, 1.0
        shared_words = Indel.similarity(words, self.quote_words) // 2
        uncut = min(shared_words + cut, quote_words)
        cut_both = min(shared_words + 2, quote_words)
        return (
            shared_chars,
            2.0 * uncut / (uncut + quote_words),
            2.0 * cut_both / (cut_both + quote_words),
        )

    def _score(
        self, text: str, line: int, start: int, end: int, closeness: float, near: float
    ) -> Found | None:
        if end <= start:
            return None
        window = text[start:end]
        window_words = window.split()
        # Characters catch a respelt word, words a replaced one ("terrible" ->
        # "wonderful" shares few letters but leaves the phrase recognisable):
        # the similarity is the better of the two ratios. Bounds come first,
        # cheapest first (the whole line's, in ``best_in``, then the window's
        # longest common subsequences, which no difflib ratio exceeds, then
        # the context's); the difflib ratios are worked out only for windows
        # that could still clear the floor. (The bounds written out: most
        # windows stop at them. The subsequences' is ``subsequence_bound``.)
        quote, quote_words = self.quote, self.quote_words
        all_chars, all_words = len(window) + len(quote), len(window_words) + len(quote_words)
        chars_bound = 2.0 * (Indel.similarity(window, quote) // 2) / all_chars
        words_bound = (
            2.0 * (Indel.similarity(window_words, quote_words) // 2) / all_words
            if all_words
            else 1.0
        )
        bound = chars_bound if chars_bound >= words_bound else words_bound
        if _QUOTE_WEIGHT * bound + _CONTEXT_WEIGHT + near < self.floor:
            return None
        if self.context is None:
            self.context = StoredContext(self.anchor)
        context_high = self.context.bound(text, start, end)
        if _match_score(bound, context_high, closeness) < self.floor:
            return None
        similarity = ratio(self.codes.of(window_words), self.quote_code)
        if _match_score(max(chars_bound, similarity), context_high, closeness) < self.floor:
            return None
        context = self.context.agreement(text, start, end)
        if chars_bound > similarity:
            if _match_score(chars_bound, context, closeness) < self.floor:
                return None
            similarity = max(ratio(window, self.quote), similarity)
        score = _match_score(similarity, context, closeness)
        if score < self.floor:
            return None
        # Later candidates must do strictly better: on a tie the earlier one,
        # nearer the prediction or the old offset, stands.
        self.floor = score + _TIE
        return Found(line, start, end, score)


def _best_fuzzy(
    scorer: _QuoteScorer, lines: Sequence[int], still_open: Callable[[], bool]
) -> Found | None:
    best: Found | None = None
    for line in lines:
        if not still_open():
            break  # out of time: the best so far, or outdated
        found = scorer.best_in(line)
        if found is not None:
            best = found
    return best


def _touched_near(new_text: NewText, predicted: int) -> list[int]:
    """Touched lines within ``_FUZZY_WINDOW`` of the prediction, nearest first."""
    touched = new_text.touched
    low = bisect_left(touched, predicted - _FUZZY_WINDOW)
    high = bisect_right(touched, predicted + _FUZZY_WINDOW)
    return sorted(touched[low:high], key=lambda line: abs(line - predicted))


def _touched_sharing_words(new_text: NewText, quote: str, skip: set[int]) -> list[int]:
    """Touched lines containing at least half of the quote's longest distinctive words.

    Far from the prediction a match needs a quote similarity of about 0.7,
    which a line holding fewer than half of those words can hardly reach.
    """
    # Longest first, ties alphabetical: the same candidates in every process.
    words = sorted(set(KEY_WORD.findall(quote)), key=lambda word: (-len(word), word))
    words = words[:_MAX_KEY_WORDS]
    # A word found in most touched lines ("that", "with") singles nothing out.
    limit = max(_MAX_FUZZY_CANDIDATES, len(new_text.touched) // 4)
    shared: Counter[int] = Counter()
    for word in words:
        shared.update(new_text.touched_with(word, limit) or ())
    needed = (len(words) + 1) // 2
    return [line for line, count in shared.items() if count >= needed and line not in skip]


def find_fuzzy(
    anchor: Anchor, quote: str, new_text: NewText, predicted: int, budget: SearchBudget
) -> Found | None:
    """The best edited version of the quote in text the revision touched."""
    if len(quote) < MIN_FUZZY_QUOTE_CHARS or not new_text.touched:
        return None
    if not budget.near_open():
        return None
    scorer = _QuoteScorer(anchor, quote, new_text, predicted)
    near = _touched_near(new_text, predicted)
    found = _best_fuzzy(scorer, near, budget.near_open)
    if found is not None or not budget.far_open():
        return found
    far = sorted(
        _touched_sharing_words(new_text, quote, set(near)),
        key=lambda line: (abs(line - predicted), line),
    )
    return _best_fuzzy(scorer, far[:_MAX_FUZZY_CANDIDATES], budget.far_open)
