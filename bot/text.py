"""Turning an uploaded file or pasted text into an excerpt's numbered lines.

Pure functions: no Discord, no SQL. Every refusal is an ``InvalidInput`` whose
message is shown to the person who posted, so each one says what is accepted.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from bot.docx_text import read_docx
from bot.errors import InvalidInput
from bot.formatting import file_size

MAX_CHARS = 200_000
MAX_LINES = 2_000
MAX_UPLOAD_BYTES = 4 * 1024 * 1024
ACCEPTED_EXTENSIONS = (".txt", ".md", ".docx")

_UTF16_LE_BOM = b"\xff\xfe"
_UTF16_BE_BOM = b"\xfe\xff"

_ACCEPTED_ENCODINGS = "UTF-8 (with or without BOM) or UTF-16 with a BOM"

# Control characters have no visible form in Discord and can break formatting;
# newlines and tabs are the only ones that carry meaning in prose.
_DROP_CONTROLS = {
    code: None
    for code in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]
    if code not in (ord("\n"), ord("\t"))
}


# Half of a UTF-16 surrogate pair: it can arrive from a client that cut an emoji in
# two, but it is not a character, and SQLite (UTF-8) can't store it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def check_storable(text: str, what: str) -> None:
    """Refuse text holding a lone surrogate, saying which field and what to do."""
    if _LONE_SURROGATE.search(text):
        raise InvalidInput(
            f"The {what} has a broken character in it (half of an emoji or symbol, often "
            "left behind by copying and pasting), which I can't store. "
            "Please retype that part and try again."
        )


def _accepted_types() -> str:
    *others, last = (f"`{ext}`" for ext in ACCEPTED_EXTENSIONS)
    return f"{', '.join(others)} or {last}"


def _extension_of(filename: str) -> str | None:
    lowered = filename.lower()
    for ext in ACCEPTED_EXTENSIONS:
        if lowered.endswith(ext):
            return ext
    return None


def _check_size(size: int, max_bytes: int) -> None:
    if not size:
        raise InvalidInput(
            f"That file is empty. Attach a {_accepted_types()} file with the excerpt's text."
        )
    if size > max_bytes:
        shown, limit = file_size(size), file_size(max_bytes)
        # Rounding can make both sizes read the same; "4 MB; the limit is 4 MB" would puzzle.
        over = "just over the limit" if shown == limit else shown
        raise InvalidInput(
            f"That file is {over}; the limit is {limit}. "
            "Post a shorter excerpt, or split it into parts."
        )


def check_upload(filename: str, size: int, *, max_bytes: int = MAX_UPLOAD_BYTES) -> str:
    """The file's accepted extension, checked before downloading it; else ``InvalidInput``."""
    ext = _extension_of(filename)
    if ext is None:
        raise InvalidInput(
            f"I can't read that kind of file. Attach a {_accepted_types()} file, "
            "or leave out the file to paste the text instead."
        )
    _check_size(size, max_bytes)
    return ext


def _binary_error() -> InvalidInput:
    return InvalidInput(
        "That file doesn't look like plain text (it contains binary data). "
        f"Attach a {_accepted_types()} file; text files must be saved as {_ACCEPTED_ENCODINGS}."
    )


def _decode_plain(data: bytes) -> str:
    """Decode a .txt/.md file in one of the encodings the spec accepts."""
    if data.startswith(_UTF16_LE_BOM) or data.startswith(_UTF16_BE_BOM):
        codec = "utf-16-le" if data.startswith(_UTF16_LE_BOM) else "utf-16-be"
        try:
            text = data[2:].decode(codec)
        except UnicodeDecodeError as exc:
            raise _binary_error() from exc
        # NULs after a UTF-16 decode mean it was really UTF-32 or binary.
        if "\x00" in text:
            raise _binary_error()
        return text

    # Without a UTF-16 BOM a NUL byte never belongs to text we accept.
    if b"\x00" in data:
        raise _binary_error()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidInput(
            f"That file isn't UTF-8 text (the first unreadable character is on line {line}). "
            f"Please save it as UTF-8 and attach it again; accepted encodings are "
            f"{_ACCEPTED_ENCODINGS}, or attach a `.docx`."
        ) from exc


@dataclass(frozen=True, slots=True)
class Decoded:
    """An upload's text, and what the reading did to it that the author should know."""

    text: str
    tracked_changes: int = 0  # Word revisions read as accepted

    @property
    def note(self) -> str:
        """One sentence for the confirmation, or "" when there's nothing to say."""
        if not self.tracked_changes:
            return ""
        if self.tracked_changes == 1:
            return "1 tracked change was read as accepted."
        return f"{self.tracked_changes:,} tracked changes were read as accepted."


def _damaged_docx() -> InvalidInput:
    return InvalidInput(
        "That `.docx` file couldn't be read; it may be damaged or not a real Word document. "
        "Open it in your word processor, save it again as `.docx` (or as UTF-8 `.txt`), "
        "and attach it again."
    )


def _decode_docx(data: bytes, *, max_chars: int, max_lines: int) -> Decoded:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            document = read_docx(archive, max_chars=max_chars, max_lines=max_lines)
    except InvalidInput:
        raise
    except MemoryError as exc:
        raise InvalidInput(
            "That Word document needs more memory to read than I can give it. "
            "Save the excerpt alone in a new document, or as a `.txt` file, and try again."
        ) from exc
    except Exception as exc:  # zipfile/lxml fail in many ways on bad files
        raise _damaged_docx() from exc
    return Decoded("\n\n".join(document.paragraphs), document.tracked_changes)


def read_upload(
    filename: str,
    data: bytes,
    *,
    max_bytes: int = MAX_UPLOAD_BYTES,
    max_chars: int = MAX_CHARS,
    max_lines: int = MAX_LINES,
) -> Decoded:
    """The text of an uploaded file, or ``InvalidInput`` saying why not.

    A Word document is read only up to the product's limits: past them it is
    refused at once instead of unpacked whole.
    """
    ext = check_upload(filename, len(data), max_bytes=max_bytes)
    if ext == ".docx":
        return _decode_docx(data, max_chars=max_chars, max_lines=max_lines)
    return Decoded(_decode_plain(data))


def decode_upload(filename: str, data: bytes, *, max_bytes: int = MAX_UPLOAD_BYTES) -> str:
    """Return the text of an uploaded file, or raise ``InvalidInput`` saying why not."""
    return read_upload(filename, data, max_bytes=max_bytes).text


def _unify_line_breaks(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def normalize_newlines(text: str) -> str:
    """CRLF and lone CR become LF; a leading byte-order mark is dropped."""
    return _unify_line_breaks(text.removeprefix("\ufeff"))


# Characters that show nothing: text made only of these (and whitespace) is blank.
# Format characters (category Cf: zero-width spaces and joiners, word joiner, BOM, bidi
# controls, soft hyphen) plus the fillers and blanks used to fake "empty" names.
_INVISIBLE_EXTRA = frozenset("\u115f\u1160\u2800\u3164\uffa0")


def is_invisible(text: str) -> bool:
    """True if ``text`` would show as nothing at all: empty, whitespace or invisible marks."""
    return all(
        ch.isspace() or ch in _INVISIBLE_EXTRA or unicodedata.category(ch) == "Cf" for ch in text
    )


def _is_blank(line: str) -> bool:
    return is_invisible(line)


def _has_paragraph_break(source_lines: Sequence[str]) -> bool:
    """True if some blank line sits between two lines of text.

    Blank lines only at the start or end separate nothing, so they don't make
    a text prose.
    """
    seen_text = False
    pending_blank = False
    for line in source_lines:
        if _is_blank(line):
            pending_blank = seen_text
        elif pending_blank:
            return True
        else:
            seen_text = True
    return False


def _paragraphs(source_lines: Sequence[str]) -> list[str]:
    paragraphs: list[str] = []
    run: list[str] = []
    for line in [*source_lines, ""]:
        if not _is_blank(line):
            run.append(line)
        elif run:
            paragraphs.append("\n".join(run).strip())
            run = []
    return paragraphs


def split_into_lines(text: str) -> list[str]:
    """Split text into the excerpt's lines, following the spec's rule.

    Prose (any blank line between text) gives one line per paragraph, its
    source lines joined by "\\n" exactly as written; otherwise every non-blank
    source line is a line. Each line is trimmed; none is empty.
    """
    source_lines = _unify_line_breaks(text).split("\n")
    if _has_paragraph_break(source_lines):
        return _paragraphs(source_lines)
    return [line.strip() for line in source_lines if not _is_blank(line)]


def _drop_control_characters(text: str) -> str:
    return text.translate(_DROP_CONTROLS)


def parse_excerpt_text(
    text: str, *, max_chars: int = MAX_CHARS, max_lines: int = MAX_LINES
) -> list[str]:
    """Clean and split an excerpt's text, enforcing the documented bounds."""
    check_storable(text, "text")
    cleaned = _drop_control_characters(normalize_newlines(text))
    if len(cleaned) > max_chars:
        raise InvalidInput(
            f"That text is {len(cleaned):,} characters long; the limit is {max_chars:,} "
            "characters. Post a shorter excerpt, or split it into parts."
        )
    lines = split_into_lines(cleaned)
    if not lines:
        raise InvalidInput(
            "There's nothing to post: the text is empty or only whitespace. "
            f"Paste the excerpt, or attach it as a {_accepted_types()} file."
        )
    if len(lines) > max_lines:
        raise InvalidInput(
            f"That text has {len(lines):,} lines (paragraphs); the limit is {max_lines:,}. "
            "Post a shorter excerpt, or split it into parts."
        )
    return lines


def count_words(lines: Sequence[str]) -> int:
    """Words are whitespace-separated runs, the way most word processors count."""
    return sum(len(line.split()) for line in lines)
