"""Notification messages (direct messages) and the /notify answers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import groupby

from bot.formatting import plural
from bot.models import Notice, NotifyEvent, NotifyMode, NotifySettings
from bot.ui.escaping import escape, plain, split_long

MESSAGE_LIMIT = 2000  # Discord's limit for a message's content

_SAID = {
    NotifyEvent.COMMENT: "💬 {actor} commented",
    NotifyEvent.REPLY: "↳ {actor} replied",
    NotifyEvent.REVIEW: "📝 {actor} submitted a review",
    NotifyEvent.RESOLVED: "✅ {actor} resolved your comment",
    NotifyEvent.APPLIED: "✍️ {actor} applied your suggestion",
    NotifyEvent.THANKED: "🙏 {actor} thanked you for your comment",
}

CHANGE_HOW = (
    "Change how you hear of feedback with `/notify mode:instant|daily|off time:HH:MM "
    "timezone:<your zone>` (in any server with Marginalia)."
)

DMS_CLOSED = (
    "📪 I tried to send you a notification, but your direct messages are closed to me. "
    "To get them, open this server's menu → **Privacy Settings** → allow **Direct Messages**, "
    "then run `/notify` so I try again. (Or `/notify mode:off` to stop them.)"
)


def describe_settings(settings: NotifySettings) -> str:
    when = f"{settings.at:%H:%M} {settings.time_zone}"
    said = {
        NotifyMode.DAILY: f"🔔 You get one direct message a day at **{when}** with the "
        "feedback that arrived since the last one (nothing new, no message).",
        NotifyMode.INSTANT: "🔔 You get a direct message shortly after feedback arrives "
        f"(at most one every 2 minutes). Your daily time, if you switch back: {when}.",
        NotifyMode.OFF: "🔕 Notifications are off: you get no direct messages about feedback.",
    }[settings.mode]
    if settings.dm_closed:
        said += "\n⚠️ Your direct messages were closed to me; I will try again from now on."
    return said


def thread_link(notice: Notice) -> str | None:
    if notice.thread_id is None:
        return None
    return f"https://discord.com/channels/{notice.guild_id}/{notice.thread_id}"


def notification_messages(
    settings: NotifySettings,
    notices: Sequence[Notice],
    server_name: Callable[[int], str],
) -> list[str]:
    """One message (more only past Discord's limit): events grouped by server, then by
    excerpt, each excerpt with a link to its thread."""
    heading = (
        "📬 **Your daily feedback digest**"
        if settings.mode is NotifyMode.DAILY
        else "📬 **New feedback**"
    )
    lines = [f"{heading} · {plural(len(notices), 'update')}"]
    by_server = sorted(notices, key=lambda n: (n.guild_id, n.excerpt_number))
    for guild_id, in_server in groupby(by_server, key=lambda n: n.guild_id):
        lines.append(f"\n**{escape(plain(server_name(guild_id), 100))}**")
        for _, on_excerpt in groupby(in_server, key=lambda n: n.excerpt_number):
            events = list(on_excerpt)
            first = events[0]
            title = escape(plain(f"#{first.excerpt_number} · {first.excerpt_title}", 90))
            link = thread_link(first)
            lines.append(f"📖 {title}" + (f" — {link}" if link else ""))
            for notice in events:
                said = _SAID[notice.event].format(actor=escape(plain(notice.actor_name, 60)))
                detail = f": {escape(notice.detail)}" if notice.detail else ""
                lines.append(f"• {said}{detail}")
    if not settings.introduced:
        lines.append(f"\n{CHANGE_HOW}")
    return split_long("\n".join(lines), MESSAGE_LIMIT)


def expired_note(numbers: list[int]) -> str:
    which = ", ".join(f"#{number}" for number in numbers)
    return (
        f"🗑️ Your review of excerpt {which} was untouched for 7 days, so its drafts were "
        "discarded. Start again with `/review start`."
    )
