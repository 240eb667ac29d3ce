"""Hardened lxml parsing, WordprocessingML name helpers and the package's parts.

Shared by the numbering loader and the body stream, which both read
WordprocessingML by local name whatever the namespace (transitional or strict).
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from typing import Any

from bot.docx_text._limits import MAX_SIDE_PART_BYTES, TooLarge

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
