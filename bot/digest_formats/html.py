"""HTML digests: one standalone, printable file.

No scripts and no external assets: styles are inline and a Content Security
Policy forbids everything else, so even a slip in escaping couldn't run code.
Every piece of user text goes through ``html.escape``; inline user text sits
in ``<bdi>`` and text blocks carry ``dir="auto"`` so Arabic or Hebrew keep
their direction without scrambling the English around them.
"""

from __future__ import annotations

import math
from html import escape as _escape

from bot.digest_formats import (
    DigestPlan,
    FeedbackCounts,
    LineFeedback,
    SectionPlan,
    Span,
    Thread,
    clean_text,
    format_datetime,
    hidden_note,
    location,
    suggestion_pair,
    suggestion_status,
    unplaced_note,
)
from bot.formatting import plural

HEAT_LEVELS = 5  # colour steps for commented lines; 0 has its own light colour

_STYLE = """
:root { --ink: #1d1d1f; --muted: #6b6b72; --rule: #dedee3; --mark: #ffe58a;
  --h0: #f1f1f4; --h1: #fde4c8; --h2: #fbc68f; --h3: #f6a25a; --h4: #e7772f; --h5: #c2491b; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 52rem; padding: 2rem 1.25rem 4rem; color: var(--ink);
  font: 16px/1.55 -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
h1 { font-size: 1.8rem; margin: 0 0 .5rem; line-height: 1.2; }
h2 { font-size: 1.35rem; margin: 2.5rem 0 .75rem; border-bottom: 1px solid var(--rule); }
h3 { font-size: 1.05rem; margin: 1.75rem 0 .5rem; color: var(--muted); }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0; }
.meta dt { color: var(--muted); }
.meta dd { margin: 0; }
.note { color: var(--muted); font-style: italic; }
.heat { display: flex; flex-wrap: wrap; gap: 2px; margin: .5rem 0; }
.heat > * { display: block; width: 12px; height: 20px; border-radius: 2px; }
.h0 { background: var(--h0); } .h1 { background: var(--h1); } .h2 { background: var(--h2); }
.h3 { background: var(--h3); } .h4 { background: var(--h4); } .h5 { background: var(--h5); }
.legend { font-size: .85rem; color: var(--muted); }
.line-text { font-family: Georgia, "Noto Serif", serif; font-size: 1.08rem; margin: .25rem 0 .75rem;
  padding: .5rem .9rem; border-left: 3px solid var(--rule); background: #fafafa;
  white-space: pre-wrap; overflow-wrap: anywhere; }
mark { background: var(--mark); color: inherit; padding: 0 .1em; border-radius: 2px; }
.threads { list-style: none; padding: 0; margin: 0; }
.thread { border: 1px solid var(--rule); border-radius: 8px; padding: .6rem .9rem;
  margin: .6rem 0; }
.thread.resolved { opacity: .75; }
.who { font-size: .92rem; color: var(--muted); }
.who .name { color: var(--ink); font-weight: 600; }
.status { display: inline-block; padding: 0 .45em; border-radius: 1em; font-size: .8rem;
  border: 1px solid currentColor; }
.status.open { color: #1a7f37; } .status.resolved { color: #6b6b72; }
.status.outdated { color: #b35900; }
.body { white-space: pre-wrap; overflow-wrap: anywhere; margin: .3rem 0; }
.suggestion del { background: #ffebe9; } .suggestion ins { background: #dafbe1;
  text-decoration: none; }
.replies { list-style: none; margin: .4rem 0 0; padding: 0 0 0 1rem;
  border-left: 2px solid var(--rule); }
.replies li { margin: .25rem 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.outdated-note { color: #b35900; margin: .3rem 0; }
footer { margin-top: 3rem; font-size: .85rem; color: var(--muted); }
@page { margin: 18mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  a { color: inherit; text-decoration: none; }
  .heat, mark, .status, .suggestion del, .suggestion ins {
    -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .thread, .line-text { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  .thread.resolved { opacity: 1; }
}
"""

# Defence in depth: the page needs nothing but its own inline styles.
_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def _text(text: str) -> str:
    return _escape(clean_text(text))


def _bdi(text: str, css_class: str = "") -> str:
    attribute = f' class="{css_class}"' if css_class else ""
    return f"<bdi{attribute}>{_text(text)}</bdi>"


def _marked_line(text: str, marks: tuple[Span, ...]) -> str:
    parts: list[str] = []
    cursor = 0
    for mark in marks:
        parts.append(_text(text[cursor : mark.start]))
        parts.append(f"<mark>{_text(text[mark.start : mark.end])}</mark>")
        cursor = mark.end
    parts.append(_text(text[cursor:]))
    return "".join(parts)


def _counts(counts: FeedbackCounts) -> str:
    parts = [f"{counts.open:,} open", f"{counts.resolved:,} resolved"]
    if counts.outdated:
        parts.append(f"{counts.outdated:,} outdated")
    return f"{counts.comments:,} ({', '.join(parts)}) from {plural(counts.readers, 'reader')}"


def _meta(rows: list[tuple[str, str]]) -> str:
    cells = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows)
    return f'<dl class="meta">{cells}</dl>'


def _section_header(section: SectionPlan, plan: DigestPlan, heading: str) -> list[str]:
    excerpt = section.excerpt
    rows = [
        ("Author", _bdi(excerpt.author_name)),
        (
            "Excerpt",
            f"#{excerpt.number} · revision {section.feedback.revision} · "
            f"{plural(len(section.feedback.lines), 'line')}",
        ),
        ("Posted", format_datetime(excerpt.created_at)),
        ("Updated", format_datetime(excerpt.updated_at)),
        ("Comments", _counts(section.counts)),
    ]
    if plan.is_single:
        rows.append(("Generated", format_datetime(plan.generated_at)))
    out = [f"<{heading}>{_bdi(excerpt.title)}</{heading}>", _meta(rows)]
    hidden = hidden_note(section, plan)
    if hidden:
        out.append(f'<p class="note">{_escape(hidden)}</p>')
    return out


def _heat_level(count: int, peak: int) -> int:
    if count == 0:
        return 0
    return max(1, math.ceil(count * HEAT_LEVELS / peak))


def _overview(section: SectionPlan, anchor_prefix: str, heading: str) -> list[str]:
    peak = max(section.heat, default=0)
    if peak == 0:
        return []
    # A line warmed only by a range listed under an earlier line has no entry to link to.
    listed = {entry.line.number for entry in section.lines}
    cells = []
    for line, count in zip(section.feedback.lines, section.heat, strict=True):
        level = _heat_level(count, peak)
        tip = f"Line {line.number}: {plural(count, 'comment')}"
        if line.number in listed:
            target = f"{anchor_prefix}L{line.number}"
            cells.append(f'<a class="h{level}" href="#{target}" title="{tip}"></a>')
        else:
            cells.append(f'<span class="h{level}" title="{tip}"></span>')
    return [
        f"<{heading}>Where comments cluster</{heading}>",
        f'<div class="heat" role="img" aria-label="Comments per line">{"".join(cells)}</div>',
        f'<p class="legend">One cell per line, from line {section.feedback.lines[0].number} '
        f"to {section.feedback.lines[-1].number}; darker means more comments "
        f"(at most {peak:,} on a line).</p>",
    ]


def _thread(thread: Thread, note: str | None = None) -> str:
    comment = thread.comment
    status = "resolved" if thread.is_resolved else "open"
    who = [_bdi(comment.author_name, "name")]
    if comment.anchor.quote is not None:
        who.append(f"on “{_bdi(comment.anchor.quote)}”")
    who.append(f'<span class="num">#{comment.number}</span>')
    who.append(f'<span class="status {status}">{status}</span>')
    if note is not None:
        who.append('<span class="status outdated">outdated</span>')
    elif comment.anchor.is_range:
        who.append(f'<span class="where">{location(thread)}</span>')
    parts = [f'<li class="thread {status}"><div class="who">{" ".join(who)}</div>']
    if note is not None:
        parts.append(f'<p class="outdated-note">{_escape(note)}</p>')
        parts.extend(_was(thread))
    parts.append(f'<div class="body" dir="auto">{_text(comment.text)}</div>')
    pair = suggestion_pair(comment)
    if pair is not None:
        parts.append(
            f'<p class="suggestion">Suggestion: <del>{_bdi(pair[0])}</del> → '
            f"<ins>{_bdi(pair[1])}</ins> ({suggestion_status(comment)})</p>"
        )
    if thread.replies:
        replies = "".join(
            f"<li>↳ {_bdi(reply.author_name, 'name')}: {_bdi(reply.text)}</li>"
            for reply in thread.replies
        )
        parts.append(f'<ul class="replies">{replies}</ul>')
    parts.append("</li>")
    return "".join(parts)


def _was(thread: Thread) -> list[str]:
    """What a cut line said, the reader's phrase marked: the comment's only context."""
    quoted = "".join(
        f'<p class="line-text" dir="auto"><span class="num">Line {line.number} said:</span> '
        f"{_marked_line(line.text, (span,) if span else ())}</p>"
        for line, span in thread.was
    )
    if thread.more_lines:
        quoted += f"<p>… and {plural(thread.more_lines, 'more line')}</p>"
    return [f'<blockquote class="was">{quoted}</blockquote>'] if quoted else []


def _line_entry(entry: LineFeedback, anchor_prefix: str, heading: str) -> str:
    number = entry.line.number
    threads = "".join(_thread(thread) for thread in entry.threads)
    return (
        f'<section class="line" id="{anchor_prefix}L{number}">'
        f"<{heading}>Line {number} · {plural(len(entry.threads), 'comment')}</{heading}>"
        f'<p class="line-text" dir="auto">{_marked_line(entry.line.text, entry.marks)}</p>'
        f'<ol class="threads">{threads}</ol></section>'
    )


def _unplaced(section: SectionPlan, heading: str) -> list[str]:
    if not section.unplaced:
        return []
    revision = section.feedback.revision
    threads = "".join(_thread(t, unplaced_note(t, revision)) for t in section.unplaced)
    return [
        f'<section class="outdated"><{heading}>Outdated comments</{heading}>'
        f'<ol class="threads">{threads}</ol></section>'
    ]


def _section(section: SectionPlan, plan: DigestPlan, index: int, level: int) -> list[str]:
    anchor_prefix = f"x{index}-"
    heading, sub = f"h{level}", f"h{level + 1}"
    out = ['<article class="excerpt">', *_section_header(section, plan, heading)]
    if not section.shown:
        out.append('<p class="note">No comments to show.</p>')
    out.extend(_overview(section, anchor_prefix, sub))
    out.extend(_line_entry(entry, anchor_prefix, sub) for entry in section.lines)
    out.extend(_unplaced(section, sub))
    out.append("</article>")
    return out


def _collection_header(plan: DigestPlan) -> list[str]:
    rows = [
        ("Excerpts", f"{len(plan.sections):,}"),
        ("Comments", _counts(plan.totals)),
        ("Generated", format_datetime(plan.generated_at)),
    ]
    out = [f"<h1>{_bdi(plan.title)}</h1>", _meta(rows)]
    if not plan.sections:
        out.append('<p class="note">No excerpts to show.</p>')
    return out


def render_html(plan: DigestPlan) -> bytes:
    body: list[str] = []
    if plan.is_single:
        body.extend(_section(plan.sections[0], plan, 0, level=1))
    else:
        body.extend(_collection_header(plan))
        for index, section in enumerate(plan.sections):
            body.extend(_section(section, plan, index, level=2))
    body.append(
        f"<footer>Feedback digest generated by Marginalia on "
        f"{format_datetime(plan.generated_at)}.</footer>"
    )
    page = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_text(plan.title)}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        *body,
        "</body>",
        "</html>",
    ]
    return ("\n".join(page) + "\n").encode("utf-8")
