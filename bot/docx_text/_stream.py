"""The streaming parser of the document part: paragraphs, tracked changes, tables.

An lxml parser target that builds no tree, so a hostile body costs one callback
per element and stops at the product's limits as it goes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, Any

from bot.docx_text._limits import MAX_ELEMENTS, MAX_EMPTY_PARAGRAPHS, TooLarge
from bot.docx_text._numbering import _Numbering
from bot.docx_text._xml import _MC_NAMESPACE, _W_NAMESPACES, _attr, _int

DIGEST_BOOKMARK = "_MarginaliaDigest"  # as bot.digest_formats._tracked writes it


@dataclass(frozen=True, slots=True)
class DocxText:
    paragraphs: list[str]
    tracked_changes: int  # insertions, deletions and moves read as accepted


# ------------------------------------------------------------------- paragraphs


@dataclass(slots=True)
class _Reader:
    numbering: _Numbering
    max_chars: int
    max_lines: int
    paragraphs: list[str] = field(default_factory=list)
    tracked: int = 0
    chars: int = 0
    empty: int = 0
    carried: str = ""  # text of paragraphs whose mark was deleted, joining the next

    def finish(self, paragraph: _Paragraph) -> None:
        """A body or table-cell paragraph is complete: add it as a line, or carry it."""
        text = "".join(paragraph.parts)
        if paragraph.mark_deleted:
            self.carried += text
            return
        text = self.carried + text
        self.carried = ""
        num_id, level = self.numbering.resolve(paragraph.num_id, paragraph.ilvl, paragraph.style)
        prefix = self.numbering.prefix(num_id, level) if num_id and num_id != "0" else ""
        lines = [part for part in text.split("\n") if part.strip()]
        if not lines:
            self.empty += 1
            if self.empty > MAX_EMPTY_PARAGRAPHS:
                raise TooLarge(
                    f"That Word document has more than {MAX_EMPTY_PARAGRAPHS:,} empty "
                    "paragraphs. Save the excerpt alone in a new document, or as a `.txt` "
                    "file, and try again."
                )
            return
        # Blank soft line breaks inside one Word paragraph would otherwise split it
        # in two; the paragraph is the unit the author chose.
        line = prefix + "\n".join(lines)
        self.paragraphs.append(line)
        self.chars += len(line) + 2
        if self.chars > self.max_chars + 2:
            raise TooLarge(
                f"That document has more than {self.max_chars:,} characters; the limit is "
                f"{self.max_chars:,}. Post a shorter excerpt, or split it into parts."
            )
        if len(self.paragraphs) > self.max_lines:
            raise TooLarge(
                f"That document has more than {self.max_lines:,} paragraphs; the limit is "
                f"{self.max_lines:,} lines. Post a shorter excerpt, or split it into parts."
            )


@dataclass(slots=True)
class _Paragraph:
    parts: list[str] = field(default_factory=list)
    mark_deleted: bool = False  # its paragraph mark is a tracked deletion
    num_id: str | None = None
    ilvl: int | None = None
    style: str | None = None
    in_deleted_row: bool = False
    digest_only: bool = False  # a Marginalia digest's own paragraph (title, header, notes)


# Tracked formatting changes hold the properties as they were before: accepted, they
# are gone (an old list numbering must not come back from a pPrChange).
_OLD_PROPERTIES = (
    "pPrChange", "rPrChange", "tblPrChange", "trPrChange", "tcPrChange", "sectPrChange",
    "numberingChange",
)  # fmt: skip


def _w_names() -> dict[str, str]:
    """Full tag -> local name for the WordprocessingML tags the reader acts on."""
    names = (
        "p", "pPr", "rPr", "numPr", "numId", "ilvl", "pStyle", "t", "tab", "ptab", "br",
        "cr", "noBreakHyphen", "tr", "trPr", "ins", "del", "moveFrom", "moveTo", "drawing",
        "pict", "object", "txbxContent", "instrText", "delInstrText", "delText", "fldData",
        "commentReference", "footnoteReference", "endnoteReference", "bookmarkStart",
        "bookmarkEnd", *_OLD_PROPERTIES,
    )  # fmt: skip
    return {f"{{{namespace}}}{name}": name for namespace in _W_NAMESPACES for name in names}


_NAMES = _w_names()
_MC_PREFIX = f"{{{_MC_NAMESPACE}}}"
# Subtrees that are not the paragraph's shown text: drawings and text boxes (Word's
# plain-text export leaves them out too), a field's code, deleted and moved-away text.
_SKIP_SUBTREE = frozenset(
    {
        "drawing", "pict", "object", "txbxContent", "instrText", "delInstrText",
        "delText", "fldData", "commentReference", "footnoteReference", "endnoteReference",
    }
)  # fmt: skip
_SHOWN_AS = {"tab": "\t", "ptab": "\t", "br": "\n", "cr": "\n", "noBreakHyphen": "-"}


class _BodyTarget:
    """lxml parser target: builds no tree, sees each tag once, keeps only paragraph text.

    One cheap callback per element is the whole cost of a hostile file, and the
    element count, empty paragraphs, characters and lines are checked as they come.
    """

    def __init__(self, reader: _Reader) -> None:
        self.reader = reader
        self.elements = 0
        self.skip = 0  # depth inside a subtree whose text is not shown
        self.depth_in_p = 0
        self.paragraph: _Paragraph | None = None
        self.in_ppr = False
        self.in_mark_rpr = False  # pPr/rPr: the paragraph mark's properties
        self.in_num_pr = False
        self.in_text = False
        self.rows: list[bool] = []  # open table rows: is its deletion tracked?
        self.in_tr_pr = False
        # Open bookmarks a Marginalia digest put around its own paragraphs: those are
        # not the manuscript, so a digest posted back as a revision leaves them out.
        self.digest_bookmarks: set[str] = set()

    def doctype(self, *_args: Any) -> None:
        raise ValueError("a Word document part declares a DOCTYPE")

    def start(self, tag: str, attrib: Any) -> None:
        self.elements += 1
        if self.elements > MAX_ELEMENTS:
            raise TooLarge(
                "That Word document is too complex to read (too many parts). "
                "Save the excerpt alone in a new document, or as a `.txt` file."
            )
        if self.skip:
            self.skip += 1
            return
        name = _NAMES.get(tag)
        if name is None:
            if tag.startswith(_MC_PREFIX):  # a drawing twice: choice and fallback
                self.skip = 1
            return
        paragraph = self.paragraph
        if name == "p":
            if paragraph is not None:  # a paragraph inside a paragraph: not body text
                self.skip = 1
                return
            self.paragraph = _Paragraph(
                in_deleted_row=any(self.rows), digest_only=bool(self.digest_bookmarks)
            )
        elif name in ("bookmarkStart", "bookmarkEnd"):
            self._bookmark(name, attrib)
        elif name == "tr":
            self.rows.append(False)
        elif name == "trPr":
            self.in_tr_pr = True
        elif self.in_tr_pr and self.rows:
            if name == "del":
                self.rows[-1] = True
                self.reader.tracked += 1
            elif name == "ins":
                self.reader.tracked += 1
        elif name in _OLD_PROPERTIES:
            self.skip = 1
        elif paragraph is None:
            return
        elif name == "pPr":
            self.in_ppr = True
        elif self.in_ppr:
            self._paragraph_property(paragraph, name, attrib)
        elif name == "rPr" or name in _SKIP_SUBTREE:
            self.skip = 1
        elif name in ("del", "moveFrom"):
            self.reader.tracked += 1
            self.skip = 1
        elif name in ("ins", "moveTo"):
            self.reader.tracked += 1
        elif name == "t":
            self.in_text = True
        elif name in _SHOWN_AS:
            paragraph.parts.append(_SHOWN_AS[name])

    def _bookmark(self, name: str, attrib: Any) -> None:
        mark = _attr(attrib, "id") or ""
        if name == "bookmarkStart":
            if not (_attr(attrib, "name") or "").startswith(DIGEST_BOOKMARK):
                return
            self.digest_bookmarks.add(mark)
        elif mark in self.digest_bookmarks:
            self.digest_bookmarks.discard(mark)
        else:
            return
        if self.paragraph is not None:
            self.paragraph.digest_only = True

    def _paragraph_property(self, paragraph: _Paragraph, name: str, attrib: Any) -> None:
        if name == "rPr":
            self.in_mark_rpr = True
        elif self.in_mark_rpr:
            if name in ("del", "moveFrom"):
                paragraph.mark_deleted = True
                self.reader.tracked += 1
        elif name == "numPr":
            self.in_num_pr = True
        elif name == "numId" and self.in_num_pr:
            paragraph.num_id = _attr(attrib, "val")
        elif name == "ilvl" and self.in_num_pr:
            paragraph.ilvl = _int(_attr(attrib, "val"), None)
        elif name == "pStyle":
            paragraph.style = _attr(attrib, "val")

    def end(self, tag: str) -> None:
        if self.skip:
            self.skip -= 1
            return
        name = _NAMES.get(tag)
        if name is None:
            return
        if name == "t":
            self.in_text = False
        elif name == "pPr":
            self.in_ppr = False
        elif name == "rPr":
            self.in_mark_rpr = False
        elif name == "numPr":
            self.in_num_pr = False
        elif name == "p" and self.paragraph is not None:
            paragraph, self.paragraph = self.paragraph, None
            if not paragraph.in_deleted_row and not paragraph.digest_only:
                self.reader.finish(paragraph)
        elif name == "trPr":
            self.in_tr_pr = False
        elif name == "tr" and self.rows:
            self.rows.pop()

    def data(self, text: str) -> None:
        if self.in_text and not self.skip and self.paragraph is not None:
            self.paragraph.parts.append(text)

    def close(self) -> None:
        return None


def _stream_body(stream: IO[bytes], reader: _Reader) -> None:
    from lxml import etree  # type: ignore[import-untyped]

    parser = etree.XMLParser(
        target=_BodyTarget(reader),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
    while chunk := stream.read(64 * 1024):
        parser.feed(chunk)
    parser.close()
