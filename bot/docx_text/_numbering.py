"""List numbering: ``numbering.xml`` and styles read into counters that write labels.

Apart from the stream because it is the one stateful piece of Word's model the
reader needs ("1. ", "a. ", "• " depend on every list paragraph met before).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from typing import Any

from bot.docx_text._xml import _attr, _child, _children, _int, _read_part


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
