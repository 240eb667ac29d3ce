"""The text of a Word document as Word shows it with tracked changes accepted.

The document part is streamed (fed in chunks from the zip member to an lxml parser
whose target keeps only paragraph text and builds no tree), so work and memory stop
at the product's limits instead of growing with what the file unpacks to: a small
file of millions of empty paragraphs is refused after the first few
thousand. Every read is bounded: declared unpacked sizes first (zipfile also stops at
the declared size and checks the CRC, so a forged size can't feed more), then
characters, lines, empty paragraphs and elements while parsing. The XML parser never
loads a DTD, resolves an entity or touches the network, and a document declaring a
DOCTYPE (Word never writes one) is refused.

What is read: body paragraphs and table cell paragraphs, one line each; runs inside
insertions and moves-to are kept, deletions and moves-from dropped (a deleted
paragraph mark joins its paragraph to the next), deleted table rows dropped; list
numbering from ``numbering.xml`` (directly or through the paragraph's style) is
written out ("1. ", "a. ", "• "). Text boxes, drawings and fields' instructions are
not prose and are skipped, as Word's own "save as plain text" does.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from bot.errors import InvalidInput

# Namespaces of WordprocessingML: transitional (what Word writes) and strict.
_W_NAMESPACES = frozenset(
    {
        "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
        "http://purl.oclc.org/ooxml/wordprocessingml/main",
    }
)
_MC_NAMESPACE = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_DOCUMENT = "/officeDocument"
_NUMBERING = "/numbering"
_STYLES = "/styles"

# What 200,000 characters can need: Word wraps every few words in a run with its
# properties and revision ids, ~35 bytes of XML per character at worst in practice;
# 16 MB leaves room for that. The other parts read (styles, numbering, rels) are small.
MAX_DOCUMENT_PART_BYTES = 16 * 1024 * 1024
MAX_SIDE_PART_BYTES = 2 * 1024 * 1024
# Whole archive, declared: images and fonts ride along but are already compressed.
MAX_UNPACKED_BYTES = 32 * 1024 * 1024
# Bounds while streaming. Authors space scenes with empty paragraphs, but not
# tens of thousands. A real 200,000-character document has ~100,000 elements (a run
# every dozen characters, each with a handful of properties); four times that is
# still read in well under a second.
MAX_EMPTY_PARAGRAPHS = 20_000
MAX_ELEMENTS = 400_000


class TooLarge(InvalidInput):
    """The document passes a limit of the product while being read."""


@dataclass(frozen=True, slots=True)
class DocxText:
    paragraphs: list[str]
    tracked_changes: int  # insertions, deletions and moves read as accepted


@dataclass(frozen=True, slots=True)
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    suffix: str = " "


@dataclass(slots=True)
class _Numbering:
    """Word's list definitions and the counters of the lists met so far."""

    levels: dict[str, dict[int, _Level]] = field(default_factory=dict)  # abstract id ->
    nums: dict[str, str] = field(default_factory=dict)  # numId -> abstract id
    overrides: dict[str, dict[int, int]] = field(default_factory=dict)  # numId -> starts
    style_numbering: dict[str, tuple[str | None, int | None]] = field(default_factory=dict)
    style_parent: dict[str, str] = field(default_factory=dict)
    counters: dict[str, list[int | None]] = field(default_factory=dict)
    overridden: set[str] = field(default_factory=set)

    def resolve(
        self, num_id: str | None, ilvl: int | None, style: str | None
    ) -> tuple[str | None, int]:
        hops = 0
        while num_id is None and style is not None and hops < 10:
            style_num, style_ilvl = self.style_numbering.get(style, (None, None))
            num_id = style_num
            ilvl = ilvl if ilvl is not None else style_ilvl
            style = self.style_parent.get(style)
            hops += 1
        return num_id, min(max(ilvl or 0, 0), 8)

    def prefix(self, num_id: str, ilvl: int) -> str:
        abstract = self.nums.get(num_id)
        if abstract is None or abstract not in self.levels:
            return ""
        levels = self.levels[abstract]
        counters = self.counters.setdefault(abstract, [None] * 9)
        if num_id not in self.overridden:
            self.overridden.add(num_id)
            for overridden, start in self.overrides.get(num_id, {}).items():
                counters[overridden] = start - 1
        level = levels.get(ilvl, _Level())
        current = counters[ilvl]
        counters[ilvl] = level.start if current is None else current + 1
        for deeper in range(ilvl + 1, 9):
            counters[deeper] = None
        if level.fmt == "none":
            return ""
        if level.fmt == "bullet":
            return "•" + level.suffix
        text = level.text
        for index in range(ilvl + 1):
            value = counters[index]
            shown_level = levels.get(index, _Level())
            number = shown_level.start if value is None else value
            text = text.replace(f"%{index + 1}", _format_number(number, shown_level.fmt))
        return (text + level.suffix) if text.strip() else ""


def _format_number(number: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        letters = ""
        while number > 0:
            number, rest = divmod(number - 1, 26)
            letters = chr(ord("a") + rest) + letters
        return letters.upper() if fmt == "upperLetter" else letters
    if fmt in ("lowerRoman", "upperRoman") and 0 < number < 4000:
        roman = _roman(number)
        return roman if fmt == "upperRoman" else roman.lower()
    if fmt == "decimalZero":
        return f"{number:02d}"
    return str(number)


def _roman(number: int) -> str:
    numerals = [
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    ]  # fmt: skip
    out = []
    for value, letters in numerals:
        count, number = divmod(number, value)
        out.append(letters * count)
    return "".join(out)


# ------------------------------------------------------------------ XML helpers


def _parser() -> Any:
    from lxml import etree  # type: ignore[import-untyped]  # only the worker needs lxml

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _local(tag: Any) -> str:
    """The local name of a WordprocessingML tag; "" for comments, PIs and other namespaces."""
    if not isinstance(tag, str) or not tag.startswith("{"):
        return ""
    namespace, _, name = tag[1:].partition("}")
    return name if namespace in _W_NAMESPACES else ""


def _attr(element: Any, name: str) -> str | None:
    """An attribute by local name, of an element or of a start tag's attribute mapping."""
    attributes = element.attrib if hasattr(element, "attrib") else element
    for key, value in attributes.items():
        if key.endswith("}" + name):
            return str(value)
    return None


def _children(element: Any, name: str) -> Iterator[Any]:
    for child in element:
        if _local(child.tag) == name:
            yield child


def _child(element: Any, name: str) -> Any:
    return next(_children(element, name), None)


def _int(text: str | None, default: int | None) -> int | None:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def _refuse_doctype(tree: Any) -> None:
    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise ValueError("a Word part declares a DOCTYPE")


def _read_part(archive: zipfile.ZipFile, name: str) -> Any | None:
    """A small side part, parsed whole (it is bounded), or None if absent."""
    from lxml import etree  # type: ignore[import-untyped]

    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_SIDE_PART_BYTES:
        raise TooLarge("That Word document's settings part is too large to read.")
    root = etree.fromstring(archive.read(info), _parser())
    _refuse_doctype(root.getroottree())
    return root


def _targets(archive: zipfile.ZipFile, rels_name: str, base: str) -> dict[str, str]:
    """Relationship type suffix -> part name, from a .rels part."""
    root = _read_part(archive, rels_name)
    found: dict[str, str] = {}
    if root is None:
        return found
    for rel in root.iter(f"{{{_RELATIONSHIPS}}}Relationship"):
        kind, target = rel.get("Type", ""), rel.get("Target", "")
        if rel.get("TargetMode") == "External" or not target:
            continue
        suffix = kind[kind.rfind("/") :]
        path = target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
        found.setdefault(suffix, posixpath.normpath(path))
    return found


def _load_numbering(
    archive: zipfile.ZipFile, numbering: str | None, styles: str | None
) -> _Numbering:
    result = _Numbering()
    root = _read_part(archive, numbering) if numbering else None
    if root is not None:
        for abstract in _children(root, "abstractNum"):
            levels: dict[int, _Level] = {}
            for lvl in _children(abstract, "lvl"):
                ilvl = _int(_attr(lvl, "ilvl"), 0) or 0
                fmt = _child(lvl, "numFmt")
                text = _child(lvl, "lvlText")
                start = _child(lvl, "start")
                suff = _child(lvl, "suff")
                levels[ilvl] = _Level(
                    start=_int(_attr(start, "val") if start is not None else None, 1) or 0,
                    fmt=(_attr(fmt, "val") if fmt is not None else None) or "decimal",
                    text=(_attr(text, "val") if text is not None else None) or "",
                    suffix="" if suff is not None and _attr(suff, "val") == "nothing" else " ",
                )
            result.levels[_attr(abstract, "abstractNumId") or ""] = levels
        for num in _children(root, "num"):
            num_id = _attr(num, "numId") or ""
            abstract_ref = _child(num, "abstractNumId")
            if abstract_ref is not None:
                result.nums[num_id] = _attr(abstract_ref, "val") or ""
            for override in _children(num, "lvlOverride"):
                start = _child(override, "startOverride")
                value = _int(_attr(start, "val"), None) if start is not None else None
                if value is not None:
                    level = _int(_attr(override, "ilvl"), 0) or 0
                    result.overrides.setdefault(num_id, {})[min(level, 8)] = value
    style_root = _read_part(archive, styles) if styles else None
    if style_root is not None:
        for style in _children(style_root, "style"):
            style_id = _attr(style, "styleId")
            if style_id is None:
                continue
            based_on = _child(style, "basedOn")
            if based_on is not None and _attr(based_on, "val"):
                result.style_parent[style_id] = _attr(based_on, "val") or ""
            ppr = _child(style, "pPr")
            num_pr = _child(ppr, "numPr") if ppr is not None else None
            if num_pr is not None:
                result.style_numbering[style_id] = _num_pr(num_pr)
    return result


def _num_pr(num_pr: Any) -> tuple[str | None, int | None]:
    num_id = _child(num_pr, "numId")
    ilvl = _child(num_pr, "ilvl")
    return (
        _attr(num_id, "val") if num_id is not None else None,
        _int(_attr(ilvl, "val"), None) if ilvl is not None else None,
    )


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


def read_docx(archive: zipfile.ZipFile, *, max_chars: int, max_lines: int) -> DocxText:
    """The paragraphs of a .docx, or ``InvalidInput``/``TooLarge``; other errors mean damage."""
    infos = archive.infolist()
    if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
        raise TooLarge(
            "That Word document is too large once unpacked. "
            "Save the excerpt alone in a new document, or as a `.txt` file, and try again."
        )
    package = _targets(archive, "_rels/.rels", "")
    document = package.get(_OFFICE_DOCUMENT, "word/document.xml")
    base = posixpath.dirname(document)
    rels_name = posixpath.join(base, "_rels", posixpath.basename(document) + ".rels")
    parts = _targets(archive, rels_name, base)
    info = archive.getinfo(document)  # KeyError: not a Word document
    if info.file_size > MAX_DOCUMENT_PART_BYTES:
        raise TooLarge(
            "That Word document is too large once unpacked. "
            "Save the excerpt alone in a new document, or as a `.txt` file, and try again."
        )
    reader = _Reader(
        _load_numbering(archive, parts.get(_NUMBERING), parts.get(_STYLES)),
        max_chars=max_chars,
        max_lines=max_lines,
    )
    with archive.open(info) as stream:
        _stream_body(stream, reader)
    if reader.carried.strip():
        reader.paragraphs.append(reader.carried)
    return DocxText(reader.paragraphs, reader.tracked)


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
        "commentReference", "footnoteReference", "endnoteReference", *_OLD_PROPERTIES,
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
            self.paragraph = _Paragraph(in_deleted_row=any(self.rows))
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
            if not paragraph.in_deleted_row:
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
