"""The pure rules of applying suggestions: overlaps, duplicates, word diffs, by hand."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.models import Anchor, AnchorState, CommentStatus
from bot.reanchor import build_line_map
from bot.suggestions import applied_by_hand, apply_suggestions, word_diff
from tests.helpers import make_comment

LINES = ["The keeper had not slept scents the storm began.", "Your right, said the gull."]


def suggestion(number: int, line: int, quote: str, new: str, **changes: object):
    text = LINES[line - 1]
    start = text.index(quote)
    anchor = Anchor(line, line, quote, line, start, text[:start], text[start + len(quote) :])
    return make_comment(
        anchor, id=number, number=number, suggestion=new, origin_quote=quote, **changes
    )


def test_touching_suggestions_both_apply_and_identical_ones_once():
    chosen = [
        suggestion(1, 1, "scents", "since"),
        suggestion(2, 1, "slept ", "slept, "),  # ends where #1 starts: no overlap
        suggestion(3, 1, "scents", "since"),  # the same change by another reader
    ]
    done = apply_suggestions(LINES, 1, chosen)
    assert done.refused == ()
    assert done.new_lines[0] == "The keeper had not slept, since the storm began."
    anchors = done.new_anchors()
    for number in (1, 3):
        anchor = anchors[number]
        assert done.new_lines[0][anchor.quote_offset :].startswith("since")


def test_each_refusal_names_its_reason():
    chosen = [
        suggestion(1, 1, "scents", "scents"),
        suggestion(2, 2, "Your right", "You're right", anchor_state=AnchorState.OUTDATED),
        suggestion(3, 2, "Your right", "You're right", revision=0),
        suggestion(4, 1, "keeper had", "keeper has"),
        suggestion(5, 1, "had not", "hadn't"),
        suggestion(6, 2, "gull", "gulls", status=CommentStatus.RESOLVED),
    ]
    reasons = [r.reason for r in apply_suggestions(LINES, 1, chosen).refused]
    assert reasons == [
        "#1's suggestion is the same as its quote",
        "#2's anchor is outdated (the words it quoted are gone)",
        "#3 is not anchored on the current revision 1",
        "#4 overlaps #5",
        "#5 overlaps #4",
        "#6 is resolved (reopen it to apply its suggestion)",
    ]


def test_by_hand_needs_the_same_words_around():
    first = suggestion(1, 1, "scents", "since")
    second = suggestion(2, 2, "Your right", "You're right")
    new = [LINES[0].replace("scents", "since"), LINES[1].replace("Your right,", "Right,")]
    assert applied_by_hand(build_line_map(LINES, new), [first, second]) == {
        1: (1, LINES[0].index("scents"))
    }


@given(st.text(max_size=60), st.text(max_size=60))
def test_a_word_diff_rebuilds_both_versions(old: str, new: str) -> None:
    runs = word_diff(old, new)
    assert "".join(text for kind, text in runs if kind != "added") == old
    assert "".join(text for kind, text in runs if kind != "removed") == new
