"""The shipped prompt library and the rule that picks each server's next prompt."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.prompt_library import (
    DEFAULT_LIBRARY_PATH,
    FORBIDDEN_CHARACTERS,
    KINDS,
    MAX_PROMPT_LENGTH,
    LibraryPrompt,
    choose_next,
    library_key,
    load_library,
    normalise_text,
    selection_seed,
)

# --- the shipped file ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> tuple[LibraryPrompt, ...]:
    return load_library(DEFAULT_LIBRARY_PATH)


def test_default_path_points_at_data_prompts() -> None:
    repo_root = Path(__file__).resolve().parent.parent
    assert repo_root / "data" / "prompts.txt" == DEFAULT_LIBRARY_PATH
    assert DEFAULT_LIBRARY_PATH.is_file()


def test_library_has_a_year_of_prompts(shipped: tuple[LibraryPrompt, ...]) -> None:
    assert len(shipped) >= 365


def test_every_kind_is_well_represented(shipped: tuple[LibraryPrompt, ...]) -> None:
    counts = Counter(prompt.kind for prompt in shipped)
    assert set(counts) == set(KINDS)
    assert min(counts.values()) >= 30


def test_no_duplicates_ignoring_case_and_whitespace(shipped: tuple[LibraryPrompt, ...]) -> None:
    normalised = [normalise_text(prompt.text) for prompt in shipped]
    assert len(set(normalised)) == len(normalised)


# Words every prompt shares by its nature, so they say nothing about similarity.
_STOPWORDS = frozenset(
    {
        "and", "are", "for", "from", "has", "her", "his", "into", "its", "one", "she",
        "that", "the", "their", "they", "this", "was", "who", "with", "write", "describe",
        "tell", "story", "scene", "poem", "begin",
    }
)  # fmt: skip


def _content_words(text: str) -> frozenset[str]:
    words = re.findall(r"[a-z']+", text.casefold())
    return frozenset(word for word in words if word not in _STOPWORDS and len(word) > 2)


def test_no_near_duplicates(shipped: tuple[LibraryPrompt, ...]) -> None:
    # Reworded copies share most of their content words even when the exact text differs.
    bags = [(prompt.text, _content_words(prompt.text)) for prompt in shipped]
    for (text_a, words_a), (text_b, words_b) in itertools.combinations(bags, 2):
        overlap = len(words_a & words_b) / max(1, len(words_a | words_b))
        assert overlap < 0.5, f"too similar:\n{text_a}\n{text_b}"


def test_prompts_are_safe_to_post_verbatim(shipped: tuple[LibraryPrompt, ...]) -> None:
    for prompt in shipped:
        assert not FORBIDDEN_CHARACTERS.intersection(prompt.text), prompt.text
        assert 20 <= len(prompt.text) < MAX_PROMPT_LENGTH, prompt.text


def test_file_is_utf8_without_blank_lines() -> None:
    lines = DEFAULT_LIBRARY_PATH.read_bytes().decode("utf-8").split("\n")
    assert lines[-1] == "", "file should end with a newline"
    assert all(line.strip() for line in lines[:-1])
    assert all(line == line.strip() for line in lines[:-1])


def test_keys_are_unique_short_hex_and_derived_from_text(
    shipped: tuple[LibraryPrompt, ...],
) -> None:
    keys = [prompt.key for prompt in shipped]
    assert len(set(keys)) == len(keys)
    for prompt in shipped:
        assert re.fullmatch(r"[0-9a-f]{12}", prompt.key)
        assert prompt.key == library_key(prompt.text)


# --- load_library --------------------------------------------------------------------------


def _write(tmp_path: Path, *lines: str, name: str = "prompts.txt") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_keys_survive_reordering_and_rekinding(tmp_path: Path) -> None:
    first = load_library(_write(tmp_path, "[plot] Alpha beta gamma.", "[poetry] Delta epsilon."))
    second = load_library(
        _write(tmp_path, "[poetry] Delta epsilon.", "[setting] Alpha  beta gamma. ", name="b.txt")
    )
    assert {p.text: p.key for p in first} == {p.text: p.key for p in second}


def test_comments_blank_lines_and_bom_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "prompts.txt"
    path.write_text("# format note\n\n[first line]  Begin here.\n", encoding="utf-8-sig")
    (prompt,) = load_library(path)
    assert (prompt.kind, prompt.text) == ("first line", "Begin here.")


@pytest.mark.parametrize(
    ("bad_line", "complaint"),
    [
        ("no kind at all", "expected '[kind] prompt text'"),
        ("[plot]", "expected '[kind] prompt text'"),
        ("[limerick] There once was a bot.", "unknown kind"),
        ("[plot] Ping @everyone now.", "ping or render as markdown"),
        ("[plot] Some *bold* move.", "ping or render as markdown"),
        ("[plot] " + "x" * (MAX_PROMPT_LENGTH + 1), "the limit is"),
    ],
)
def test_malformed_lines_name_file_and_line(tmp_path: Path, bad_line: str, complaint: str) -> None:
    path = _write(tmp_path, "# header", "[plot] A fine prompt.", bad_line)
    with pytest.raises(ValueError, match=re.escape(complaint)) as raised:
        load_library(path)
    assert f"{path}:3:" in str(raised.value)


def test_duplicates_ignore_case_and_spacing(tmp_path: Path) -> None:
    path = _write(tmp_path, "[plot] A fine  prompt.", "[poetry] a FINE prompt.")
    with pytest.raises(ValueError, match=r"prompts\.txt:2: duplicate of the prompt on line 1"):
        load_library(path)


# --- choose_next ---------------------------------------------------------------------------


def _library(size: int) -> tuple[LibraryPrompt, ...]:
    texts = [f"Library prompt number {n}." for n in range(size)]
    return tuple(LibraryPrompt(library_key(text), "plot", text) for text in texts)


def _server(size: int) -> list[tuple[str, str]]:
    return [(f"s:{n + 1}", f"Server prompt {n + 1}.") for n in range(size)]


def test_server_prompts_come_first_in_order() -> None:
    server, library = _server(3), _library(5)
    used: set[str] = set()
    chosen = []
    for day in range(3):
        key, _text, _reset = choose_next(server, library, used, rng_seed=day)
        used.add(key)
        chosen.append(key)
    assert chosen == ["s:1", "s:2", "s:3"]
    key, _text, _reset = choose_next(server, library, used, rng_seed=0)
    assert key in {prompt.key for prompt in library}


def test_server_prompt_added_mid_cycle_jumps_the_queue() -> None:
    library = _library(5)
    used = {library[0].key, library[1].key}
    assert choose_next(_server(1), library, used, rng_seed=4)[:2] == ("s:1", "Server prompt 1.")


def _run_cycle(
    server: list[tuple[str, str]],
    library: tuple[LibraryPrompt, ...],
    seed: int,
    last_key: str | None,
) -> list[str]:
    """Choose until the cycle is exhausted, checking each step, and return the keys."""
    texts = dict(server) | {prompt.key: prompt.text for prompt in library}
    used: set[str] = set()
    for step in range(len(texts)):
        key, text, reset = choose_next(server, library, used, seed + step, last_key)
        assert reset is False
        assert key not in used
        assert texts[key] == text
        used.add(key)
        last_key = key
    return list(used)


@settings(max_examples=150, deadline=None)
@given(
    server_size=st.integers(0, 4),
    library_size=st.integers(0, 8),
    seed=st.integers(0, 2**64),
)
def test_never_repeats_within_a_cycle(server_size: int, library_size: int, seed: int) -> None:
    if server_size + library_size == 0:
        return
    server, library = _server(server_size), _library(library_size)
    used: set[str] = set()
    last_key: str | None = None
    order: list[str] = []
    everything = {key for key, _ in server} | {prompt.key for prompt in library}
    for step in range(len(everything)):
        key, _text, reset = choose_next(server, library, used, seed + step, last_key)
        assert not reset
        assert key not in used
        used.add(key)
        order.append(key)
        last_key = key
    assert set(order) == everything
    assert order[:server_size] == [key for key, _ in server]

    key, _text, reset = choose_next(server, library, used, seed, last_key)
    assert reset
    if len(everything) > 1:
        assert key != last_key
    # The new cycle is again complete and repeat-free once the caller forgets the old one.
    assert set(_run_cycle(server, library, seed + 99, last_key)) == everything


def test_cycle_reset_prefers_server_prompts_but_not_the_last_one() -> None:
    server, library = _server(2), _library(3)
    used = {"s:1", "s:2"} | {prompt.key for prompt in library}
    assert choose_next(server, library, used, 7, last_key="s:1")[::2] == ("s:2", True)
    assert choose_next(server, library, used, 7, last_key=library[0].key)[::2] == ("s:1", True)


def test_cycle_reset_avoids_repeating_the_last_library_prompt() -> None:
    library = _library(2)
    used = {prompt.key for prompt in library}
    for seed in range(50):
        key, _text, reset = choose_next([], library, used, seed, last_key=library[1].key)
        assert (key, reset) == (library[0].key, True)


def test_single_prompt_repeats_rather_than_failing() -> None:
    library = _library(1)
    used = {library[0].key}
    assert choose_next([], library, used, 3, last_key=library[0].key)[::2] == (library[0].key, True)


def test_removed_prompts_in_history_are_ignored() -> None:
    library = _library(2)
    used = {"s:99", "0123456789ab", library[0].key}
    key, _text, reset = choose_next([], library, used, 1)
    assert (key, reset) == (library[1].key, False)


def test_no_prompts_at_all_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        choose_next([], (), set(), 0)


def test_choice_is_deterministic_per_seed_and_varies_across_seeds() -> None:
    library = _library(40)
    assert choose_next([], library, set(), 12345) == choose_next([], library, set(), 12345)
    picks = {choose_next([], library, set(), seed)[0] for seed in range(30)}
    assert len(picks) > 10


def test_selection_seed_differs_per_server_and_day() -> None:
    day = date(2026, 3, 29)
    assert selection_seed(1, day) == selection_seed(1, day)
    assert selection_seed(1, day) != selection_seed(2, day)
    assert selection_seed(1, day) != selection_seed(1, date(2026, 3, 30))
    # Two servers should not march through the shipped library in lockstep.
    shipped = load_library(DEFAULT_LIBRARY_PATH)
    first = {choose_next([], shipped, set(), selection_seed(guild, day))[0] for guild in range(20)}
    assert len(first) > 10
