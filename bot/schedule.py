"""Pure time logic for daily prompts: parsing settings and finding the next due instant.

Every datetime going in must be aware (any offset is accepted, since an aware datetime
names one instant); every datetime coming out is in UTC. Wall-clock times and dates are
always *local to the server's zone*, so the storage layer only ever needs to keep the
post time, the zone name and the local date of the last post.

Daylight-saving rules, chosen once here so the scheduler never has to think about them:

* A post time that does not exist on a spring-forward day (01:30 in Europe/London on
  2026-03-29) is moved forward by the length of the gap (posts at 02:30 BST). This is
  what ``fold=0`` means in PEP 495, and it keeps the prompt the same elapsed time after
  local midnight as on any other day.
* A post time that happens twice on a fall-back day posts at the first occurrence only.
* A local date that a zone skipped entirely (Pacific/Apia, 2011-12-30) gets no prompt;
  the time is pushed onto the next date, which then gets exactly one.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.errors import InvalidInput

__all__ = [
    "COMMON_TIMEZONES",
    "day_is_over",
    "is_due",
    "local_date",
    "next_due",
    "next_time_after",
    "parse_local_time",
    "parse_timezone",
    "search_timezones",
    "zone_names",
]

# Shown when the user has typed nothing yet: a spread across the inhabited offsets.
COMMON_TIMEZONES: tuple[str, ...] = (
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Moscow",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "Africa/Lagos",
    "Africa/Johannesburg",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Asia/Shanghai",
    "Australia/Sydney",
    "Pacific/Auckland",
)

# Present in some system zone databases but meaningless to a server: "localtime" is the
# host's own zone, "Factory" renders as "-00", "posixrules" is an implementation detail.
_HIDDEN_ZONES = frozenset({"localtime", "Factory", "posixrules"})

_TIME_EXAMPLE = "Please give the time as HH:MM on a 24-hour clock, for example 07:30 or 19:00."
_ZONE_EXAMPLE = (
    "Please use an IANA time zone name such as Europe/London, America/New_York or "
    "Asia/Kolkata; the option suggests names as you type."
)

# ASCII-only digits: \d would also accept Arabic-Indic or full-width digits that int()
# happily parses, which would make the stored setting hard to read back to the user.
_TIME_24H = re.compile(r"(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})")
_TIME_12H = re.compile(r"(?P<hour>[0-9]{1,2})(?::(?P<minute>[0-9]{2}))?\s*(?P<half>[ap])\.?m\.?")


# --- parsing settings ------------------------------------------------------------------


def parse_local_time(text: str) -> time:
    """Parse "19:30", "7:05", "7pm" or "7:30 pm" into a naive wall-clock time."""
    cleaned = text.strip().lower()
    if match := _TIME_24H.fullmatch(cleaned):
        hour, minute = int(match["hour"]), int(match["minute"])
        if hour <= 23 and minute <= 59:
            return time(hour, minute)
    elif match := _TIME_12H.fullmatch(cleaned):
        hour, minute = int(match["hour"]), int(match["minute"] or 0)
        if 1 <= hour <= 12 and minute <= 59:
            return time(_to_24_hour(hour, match["half"]), minute)
    raise InvalidInput(
        f"I couldn't read “{{typed}}” as a time. {_TIME_EXAMPLE}", typed=text.strip()[:40]
    )


def _to_24_hour(hour: int, half: str) -> int:
    # 12am is midnight and 12pm is noon, so the 12 wraps to 0 before adding the half.
    return hour % 12 + (12 if half == "p" else 0)


def parse_timezone(name: str) -> ZoneInfo:
    """Resolve a zone name typed in any case ("europe/london", "America/New York")."""
    canonical = _zone_lookup().get(_normalise_zone_query(name))
    if canonical is None:
        raise _unknown_zone(name)
    try:
        return ZoneInfo(canonical)
    except (ZoneInfoNotFoundError, ValueError) as error:
        # Listed but unreadable means a broken zone database on the host, not bad input;
        # still answer the user politely rather than with a generic failure.
        raise InvalidInput(
            f"The time zone {canonical} cannot be loaded right now. {_ZONE_EXAMPLE}"
        ) from error


def _unknown_zone(typed: str) -> InvalidInput:
    shown = typed.strip()
    if not shown:
        return InvalidInput(f"Please choose a time zone. {_ZONE_EXAMPLE}")
    # A bare city ("London") is the commonest slip; naming the full zone fixes it in one go.
    guesses = search_timezones(shown, limit=3) if len(shown) >= 3 else []
    hint = f" Did you mean {' or '.join(guesses)}?" if guesses else ""
    return InvalidInput(
        f"“{{typed}}” is not a time zone I know.{hint} {_ZONE_EXAMPLE}", typed=shown[:60]
    )


def _normalise_zone_query(typed: str) -> str:
    # People type the spaces they see in city names; the database uses underscores.
    return "_".join(typed.strip().lower().split())


@cache
def zone_names() -> tuple[str, ...]:
    """Every selectable IANA zone name, sorted; computed once per process."""
    names = (available_timezones() | {"UTC"}) - _HIDDEN_ZONES
    return tuple(sorted(names))


@cache
def _zone_lookup() -> dict[str, str]:
    return {name.lower(): name for name in zone_names()}


@cache
def _search_index() -> tuple[tuple[str, str, str], ...]:
    # (name, lowered name, lowered last segment), so a keystroke costs no string work
    # beyond the comparisons themselves.
    return tuple((name, name.lower(), name.rsplit("/", 1)[-1].lower()) for name in zone_names())


def search_timezones(typed: str, limit: int = 25) -> list[str]:
    """Zone names for autocomplete: name prefixes, then city prefixes, then substrings."""
    if limit <= 0:
        return []
    query = _normalise_zone_query(typed)
    if not query:
        known = _zone_lookup()
        return [name for name in COMMON_TIMEZONES if name.lower() in known][:limit]
    name_prefix: list[str] = []
    city_prefix: list[str] = []
    substring: list[str] = []
    for name, lowered, city in _search_index():
        if lowered.startswith(query):
            name_prefix.append(name)
        elif city.startswith(query):
            city_prefix.append(name)
        elif query in lowered:
            substring.append(name)
    return (name_prefix + city_prefix + substring)[:limit]


# --- the schedule ------------------------------------------------------------------------

_DAY = timedelta(days=1)


def local_date(now_utc: datetime, tz: ZoneInfo) -> date:
    """The calendar date on the wall in ``tz`` at the instant ``now_utc``."""
    return _require_aware(now_utc, "now_utc").astimezone(tz).date()


def next_due(
    now_utc: datetime,
    post_at: time,
    tz: ZoneInfo,
    last_posted_local_date: date | None,
) -> datetime:
    """The UTC instant at which the next prompt is due.

    That is ``post_at`` on the first local date after ``last_posted_local_date`` whose day
    is not yet over: a day that has already ended locally is skipped, but today's instant
    is returned even if it has passed, so a bot that was down posts on its return. The
    returned instant's local date is always after ``last_posted_local_date``; the caller
    should store ``local_date(due, tz)`` once it has posted.
    """
    if post_at.tzinfo is not None:
        raise ValueError("post_at must be a naive wall-clock time; the zone is passed as tz")
    today = local_date(now_utc, tz)
    day = today if last_posted_local_date is None else max(today, last_posted_local_date + _DAY)
    # No loop is needed to avoid a second post on one date: ``day`` is after the last
    # posted date, and _instant_on only ever moves an instant later on the wall clock.
    return _instant_on(day, post_at, tz)


def next_time_after(moment_utc: datetime, at: time, tz: ZoneInfo) -> datetime:
    """The first instant strictly after ``moment_utc`` when the wall clock in ``tz`` shows
    ``at`` (with the same DST policy as :func:`next_due`)."""
    day = local_date(moment_utc, tz)
    candidate = _instant_on(day, at, tz)
    while candidate <= moment_utc:
        day += _DAY
        candidate = _instant_on(day, at, tz)
    return candidate


def _instant_on(day: date, post_at: time, tz: ZoneInfo) -> datetime:
    # fold=0 is the whole DST policy: in a fall-back overlap it picks the first
    # occurrence; in a spring-forward gap zoneinfo applies the pre-transition offset,
    # which lands the instant later by exactly the gap.
    wall = datetime.combine(day, post_at.replace(fold=0), tzinfo=tz)
    return wall.astimezone(UTC)


def upcoming(now: datetime, post_at: time, zone: ZoneInfo, last: date | None) -> datetime:
    """The next post instant that is not in the past, for a schedule starting now."""
    due = next_due(now, post_at, zone, last)
    if due < now:
        # Starting (or resuming) after today's time: today is skipped, not posted late.
        due = next_due(now, post_at, zone, local_date(due, zone))
    return due


def is_due(now_utc: datetime, due_utc: datetime) -> bool:
    """Whether the due instant has arrived."""
    return _require_aware(now_utc, "now_utc") >= _require_aware(due_utc, "due_utc")


def day_is_over(now_utc: datetime, due_utc: datetime, tz: ZoneInfo) -> bool:
    """Whether the local day the due instant belongs to has ended, so it must be skipped.

    ``next_due`` never returns such an instant; this guards one computed earlier, e.g.
    before a long sleep or a suspended host, from being posted late on the wrong day.
    """
    return local_date(now_utc, tz) > local_date(due_utc, tz)


def _require_aware(moment: datetime, label: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{label} must be timezone-aware (use datetime.now(UTC))")
    return moment
