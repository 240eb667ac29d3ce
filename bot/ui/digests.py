"""How /digest answers: what a feedback file holds, in a line, a file too large to upload
compressed, and why one is too large even so."""

from __future__ import annotations

import io
import zipfile
from datetime import date

from bot.digest_formats import DigestFormat
from bot.digest_service import Digest
from bot.formatting import upload_size
from bot.ui.escaping import escape

FORMAT_NAMES = {
    DigestFormat.MARKDOWN: "Markdown",
    DigestFormat.HTML: "a web page (HTML)",
    DigestFormat.DOCX: "a Word document",
    DigestFormat.MANUSCRIPT: "the manuscript with CriticMarkup",
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


def zipped(filename: str, content: bytes) -> bytes:
    """``content`` alone in a deflated .zip as ``filename``: Markdown and HTML digests
    shrink several times over. Megabytes of work: call it in a worker thread."""
    buffer = io.BytesIO()
    # Level 1: an 11.5 MB Markdown digest packs to 3.9 MB in ~0.1 s; level 6 saves 0.6 MB
    # more for 1.7 s.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr(filename, content)
    return buffer.getvalue()


def zipped_note(digest: Digest, limit: int) -> str:
    """Said beside a digest sent as a .zip: why it is one."""
    return (
        f"It is {upload_size(len(digest.file.content))}, over the {upload_size(limit)} Discord "
        "lets me upload here, so it comes compressed as a .zip: open it to find the file."
    )


def too_large(
    digest: Digest,
    limit: int,
    export_args: str,
    *,
    listed_resolved: bool,
    zipped_size: int | None = None,
) -> str:
    """The file is over Discord's upload limit (even as a .zip of ``zipped_size`` bytes):
    smaller options, or the command line."""
    ways = []
    if digest.format is not DigestFormat.MARKDOWN:
        ways.append("`format:markdown` (the smallest)")
    if listed_resolved:
        ways.append("`include_resolved:False`")
    tries = f"Try {' or '.join(ways)}, or ask" if ways else "Ask"
    compressed = (
        f" (compressed as a .zip, still {upload_size(zipped_size)})"
        if zipped_size is not None
        else ""
    )
    return (
        f"The digest is {upload_size(len(digest.file.content))}{compressed}, over the "
        f"{upload_size(limit)} Discord lets me upload here. {tries} whoever runs the bot to "
        f"export it from the command line, where there is no size limit: `python -m bot export "
        f"{export_args} --format {digest.format.value}`."
    )
