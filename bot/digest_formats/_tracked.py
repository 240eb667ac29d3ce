"""Suggestions as Word tracked changes: a deletion of the quoted words and an insertion
of the suggestion, by the reader at the comment's time, so the author accepts or rejects
each one in Word (or LibreOffice, or Google Docs).

python-docx has no tracked-change API; this writes the WordprocessingML itself
(``w:del`` holding ``w:delText`` runs, then ``w:ins`` holding ``w:t`` runs), each with a
``w:id`` unique among the document's revisions. Paragraphs that are the digest's own
(title, header, notes) sit inside a hidden bookmark named ``_Marginalia…`` so that
reading the file back as a revision leaves them out.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html import escape

from bot.models import AnchorState, Comment, CommentStatus, ExcerptFeedback
from bot.suggestions import apply_suggestions

DIGEST_BOOKMARK = "_MarginaliaDigest"
_FIRST_CHANGE_ID = 1_000_000  # apart from comment ids (Word keeps them in one space)
_FIRST_BOOKMARK_ID = 900_000


@dataclass(slots=True)
class Tracking:
    """Hands out revision and bookmark ids for one document; counts the changes."""

    change_ids: Iterator[int] = field(default_factory=lambda: itertools.count(_FIRST_CHANGE_ID))
    bookmark_ids: Iterator[int] = field(default_factory=lambda: itertools.count(_FIRST_BOOKMARK_ID))
    insertions: int = 0

    def change(self, old: str, new: str, author: str, date: str, run: Callable[[str], str]) -> str:
        """``old`` deleted and ``new`` inserted, as one tracked replacement."""
        self.insertions += 1
        who = f'w:author="{escape(author)}" w:date="{date}"'
        deleted = run(old).replace("<w:t ", "<w:delText ").replace("</w:t>", "</w:delText>")
        return (
            f'<w:del w:id="{next(self.change_ids)}" {who}>{deleted}</w:del>'
            f'<w:ins w:id="{next(self.change_ids)}" {who}>{run(new)}</w:ins>'
        )

    def digest_only(self, paragraphs: str) -> str:
        """Paragraphs of the digest's own (not the manuscript's), marked for the reader.

        The bookmark starts inside the first paragraph and ends inside the last."""
        if not paragraphs:
            return paragraphs
        number = next(self.bookmark_ids)
        start = f'<w:bookmarkStart w:id="{number}" w:name="{DIGEST_BOOKMARK}{number}"/>'
        end = f'<w:bookmarkEnd w:id="{number}"/>'
        first = paragraphs.index(">", paragraphs.index("<w:p")) + 1
        if paragraphs.startswith("<w:p><w:pPr>"):
            first = paragraphs.index("</w:pPr>") + len("</w:pPr>")
        last = paragraphs.rindex("</w:p>")
        return paragraphs[:first] + start + paragraphs[first:last] + end + paragraphs[last:]


def trackable(comment: Comment, revision: int) -> bool:
    """An open suggestion anchored on the words of the shown revision."""
    return (
        comment.suggestion is not None
        and comment.anchor.quote is not None
        and comment.status is CommentStatus.OPEN
        and comment.anchor_state is not AnchorState.OUTDATED
        and comment.revision == revision
        and comment.suggestion != comment.anchor.quote
    )


def applicable(feedback: ExcerptFeedback) -> frozenset[int]:
    """Ids of the open suggestions ``/excerpt apply`` would put into the shown text, so
    that accepting every tracked change gives the revision applying them all would make
    (suggestions overlapping each other stay margin comments, as apply refuses them)."""
    lines = [line.text for line in feedback.lines]
    if [line.number for line in feedback.lines] != list(range(1, len(lines) + 1)):
        return frozenset()
    chosen = [c for c in feedback.comments if trackable(c, feedback.revision)]
    done = apply_suggestions(lines, feedback.revision, chosen).applied
    return frozenset(replacement.comment.id for replacement in done)
