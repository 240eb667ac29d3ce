"""Reviews: the drafts' private confirmations, /review show, and the submitted review's
message(s) in the excerpt's thread."""

from __future__ import annotations

import discord

from bot.formatting import plural, shorten
from bot.models import Excerpt
from bot.reviews import ReviewSubmission, ShownReview
from bot.ui.comments import comment_embed
from bot.ui.escaping import escape, plain

MAX_EMBEDS = 10  # Discord's limits for one message
MAX_EMBED_CHARS = 6000


def drafted_note(excerpt: Excerpt, what: str, drafts: int) -> str:
    return (
        f"📝 {what} saved as a draft in your review of excerpt **#{excerpt.number}** "
        f"({plural(drafts, 'draft')}; only you can see them). `/review show` lists them, "
        "`/review submit` posts them all at once."
    )


def started_note(excerpt: Excerpt) -> str:
    return (
        f"📝 Review of excerpt **#{excerpt.number}** · {escape(excerpt.title)} started. Your "
        "comments and replies on it are now drafts that only you can see; `/review submit "
        "summary:…` posts them together as one message (drafts untouched for 7 days are "
        "discarded)."
    )


def shown_review(shown: ShownReview) -> str:
    excerpt = shown.excerpt
    lines = [
        f"📝 Your review of excerpt **#{excerpt.number}** · {escape(excerpt.title)}: "
        f"{plural(len(shown.drafts), 'draft')}."
    ]
    for draft in shown.drafts:
        text = escape(shorten(" ".join(draft.text.split()), 200))
        if draft.reply_to is None:
            kind = f" · {draft.kind.value}" if draft.kind is not None else ""
            lines.append(f"• {draft.anchor.describe()}{kind}: {text}")
        else:
            number = shown.reply_numbers.get(draft.reply_to)
            lines.append(f"• ↳ reply to #{number}: {text}")
    lines.append("`/review submit [summary]` posts them; `/review discard` drops them.")
    return shorten("\n".join(lines), 2000)


def review_messages(
    submission: ReviewSubmission, reader_name: str
) -> list[tuple[str | None, list[discord.Embed], list[int]]]:
    """The review as messages: the summary first (the first message's text), then each
    comment's card in line order; one message unless Discord's limits (10 embeds, 6,000
    characters of embeds) need more. Each message comes with the ids of the comments it
    shows."""
    excerpt = submission.excerpt
    said = [plural(len(submission.comments), "comment")]
    if submission.replies:
        said.append(plural(len(submission.replies), "reply"))
    parts = [
        f"📝 **Review of #{excerpt.number} · {escape(plain(excerpt.title, 90))}** by "
        f"{escape(plain(reader_name, 80))}: {' and '.join(said)}."
    ]
    if submission.review.summary:
        parts.append(">>> " + escape(shorten(submission.review.summary, 1200)))
    replies = [
        f"↳ on #{comment.number}: {escape(shorten(' '.join(reply.text.split()), 150))}"
        for reply, comment in submission.replies[:5]
    ]
    content = shorten("\n".join([parts[0], *replies, *parts[1:]]), 2000)
    messages: list[tuple[str | None, list[discord.Embed], list[int]]] = [(content, [], [])]
    size = 0
    for submitted in submission.comments:
        card = comment_embed(submitted.comment, excerpt, submitted.lines)
        _, embeds, ids = messages[-1]
        if len(embeds) >= MAX_EMBEDS or size + len(card) > MAX_EMBED_CHARS:
            messages.append((None, [], []))
            _, embeds, ids = messages[-1]
            size = 0
        embeds.append(card)
        ids.append(submitted.comment.id)
        size += len(card)
    return messages


def submitted_note(submission: ReviewSubmission, where: str) -> str:
    return (
        f"✅ Review of excerpt **#{submission.excerpt.number}** submitted: "
        f"{plural(len(submission.comments), 'comment')}"
        + (f" and {plural(len(submission.replies), 'reply')}" if submission.replies else "")
        + f". {where}"
    )
