"""How /digest answers: what a feedback file holds, in a line, and why one is too large
to upload."""

from __future__ import annotations

from datetime import date

from bot.digest import DigestFormat
from bot.digest_service import Digest
from bot.formatting import upload_size
from bot.ui.escaping import escape

FORMAT_NAMES = {
    DigestFormat.MARKDOWN: "Markdown",
    DigestFormat.HTML: "a web page (HTML)",
    DigestFormat.DOCX: "a Word document",
}


def counts(digest: Digest) -> str:
    comments = "1 comment" if digest.comments == 1 else f"{digest.comments:,} comments"
    readers = "1 reader" if digest.readers == 1 else f"{digest.readers:,} readers"
    return f"{comments} from {readers}"


def excerpt_summary(number: int, digest: Digest) -> str:
    left_out = digest.comments - digest.shown
    return (
        f"📄 Feedback on **#{number} · {escape(digest.title)}**: {counts(digest)}"
        + (f", {left_out:,} resolved not listed" if left_out else "")
        + f", as {FORMAT_NAMES[digest.format]}."
    )


def author_summary(digest: Digest, since: date | None) -> str:
    which = "excerpt" if digest.excerpts == 1 else f"{digest.excerpts:,} excerpts"
    when = f" since {since.isoformat()}" if since else ""
    return (
        f"📄 Feedback on your {which}{when}: {counts(digest)}"
        + (", open threads only" if digest.shown < digest.comments else "")
        + f", as {FORMAT_NAMES[digest.format]}."
    )


def too_large(digest: Digest, limit: int, export_args: str, *, listed_resolved: bool) -> str:
    """The file is over Discord's upload limit: smaller options, or the command line."""
    ways = []
    if digest.format is not DigestFormat.MARKDOWN:
        ways.append("`format:markdown` (the smallest)")
    if listed_resolved:
        ways.append("`include_resolved:False`")
    tries = f"Try {' or '.join(ways)}, or ask" if ways else "Ask"
    return (
        f"The digest is {upload_size(len(digest.file.content))}, over the {upload_size(limit)} "
        f"Discord lets me upload here. {tries} whoever runs the bot to export it from the "
        f"command line, where there is no size limit: `python -m bot export {export_args} "
        f"--format {digest.format.value}`."
    )
