"""How applying suggestions looks in Discord: the private preview of the changed lines
(old → new, the changed words marked) and the refusals, each with its reason."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.errors import MarginaliaError
from bot.formatting import plural, shorten
from bot.suggestions import Application, ChangedLine, Refusal, word_diff
from bot.ui.escaping import escape, escape_fragment
from bot.workshop import ApplyPreview

PREVIEW_COLOUR = discord.Colour(0x5865F2)
APPLYING = "⏳ Applying the suggestions and posting the new revision…"
_DESCRIPTION_LIMIT = 3900
_KEPT_AROUND = 40  # characters of unchanged text shown on each side of a change


def preview_embed(preview: ApplyPreview) -> discord.Embed:
    """The lines as they would read, and what is left out, for the author to confirm."""
    excerpt, application = preview.excerpt, preview.application
    count = len({done.comment.number for done in application.applied})
    embed = discord.Embed(
        title=shorten(
            f"Apply {plural(count, 'suggestion')} to #{excerpt.number} · {excerpt.title}", 256
        ),
        colour=PREVIEW_COLOUR,
    )
    embed.description = changed_lines_text(application.changed, _DESCRIPTION_LIMIT)
    if application.refused:
        embed.add_field(name="Left out", value=refusals_text(application.refused, 1024))
    embed.set_footer(
        text=f"Apply makes revision {excerpt.revision + 1}; the lines keep their numbers."
    )
    return embed


def preview_question(preview: ApplyPreview) -> str:
    numbers = sorted({done.comment.number for done in preview.application.applied})
    named = ", ".join(f"#{n}" for n in numbers[:20]) + (" …" if len(numbers) > 20 else "")
    return f"Apply the suggestions of {named} as a new revision?"


def changed_lines_text(changed: Sequence[ChangedLine], limit: int) -> str:
    """Each changed line once: removed words struck through, added words in bold."""
    shown: list[str] = []
    used = 0
    for index, line in enumerate(changed):
        entry = f"`{line.number}` {marked_change(line.old, line.new)}"
        more = len(changed) - index
        if used + len(entry) + 1 > limit - 60:
            shown.append(f"… and {plural(more, 'more changed line')}.")
            break
        shown.append(entry)
        used += len(entry) + 1
    return "\n".join(shown)


def marked_change(old: str, new: str) -> str:
    """One line's change as Discord shows it: ~~removed~~ **added**, long unchanged
    stretches cut to their ends."""
    parts: list[str] = []
    runs = word_diff(old, new)
    for position, (kind, text) in enumerate(runs):
        if kind == "removed":
            parts.append(f"~~{escape_fragment(text)}~~")
        elif kind == "added":
            parts.append(f"**{escape_fragment(text)}**")
        else:
            parts.append(escape_fragment(_cut(text, position == 0, position == len(runs) - 1)))
    return " ".join("".join(parts).split("\n"))


def _cut(text: str, first: bool, last: bool) -> str:
    if len(text) <= 2 * _KEPT_AROUND + 1:
        return text
    if first:
        return "…" + text[-_KEPT_AROUND:]
    if last:
        return text[:_KEPT_AROUND] + "…"
    return text[:_KEPT_AROUND] + "…" + text[-_KEPT_AROUND:]


def refusals_text(refused: Sequence[Refusal], limit: int) -> str:
    lines = [f"• {escape(refusal.reason)}" for refusal in refused]
    text = "\n".join(lines)
    if len(text) <= limit:
        return text
    kept: list[str] = []
    for index, line in enumerate(lines):
        if sum(len(k) + 1 for k in kept) + len(line) > limit - 40:
            kept.append(f"… and {len(lines) - index} more")
            break
        kept.append(line)
    return "\n".join(kept)


def refusal(error: MarginaliaError) -> str:
    """Apply refused at the click (revised meanwhile, rights lost): the preview says why."""
    return f"⚠️ Nothing was applied: {error.render(escape)}"


def applied_reply(application: Application) -> str:
    """What the author reads after Apply, besides the revision notice."""
    if not application.refused:
        return ""
    return "\nLeft open:\n" + refusals_text(application.refused, 1500)
