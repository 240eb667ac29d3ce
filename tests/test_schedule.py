"""Daily prompt timing: parsing settings, time zone search and DST-safe due instants."""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import InvalidInput
from bot.schedule import (
    COMMON_TIMEZONES,
    day_is_over,
    is_due,
    local_date,
    next_due,
    parse_local_time,
    parse_timezone,
    search_timezones,
    zone_names,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
CHATHAM = ZoneInfo("Pacific/Chatham")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# --- parse_local_time ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("09:30", time(9, 30)),
        ("9:30", time(9, 30)),
        ("00:00", time(0, 0)),
        ("23:59", time(23, 59)),
        (" 07:05 ", time(7, 5)),
        ("7pm", time(19, 0)),
        ("7 PM", time(19, 0)),
        ("7:30 pm", time(19, 30)),
        ("7:30p.m.", time(19, 30)),
        ("12am", time(0, 0)),
        ("12:15 am", time(0, 15)),
        ("12pm", time(12, 0)),
        ("11:59pm", time(23, 59)),
    ],
)
def test_parse_local_time_accepts(typed: str, expected: time) -> None:
    assert parse_local_time(typed) == expected


@pytest.mark.parametrize(
    "typed",
    ["", "24:00", "7:60", "19:5", "1930", "noon", "13pm", "0am", "7", "07:30:00", "٠٧:٣٠", "-1:00"],
)
def test_parse_local_time_rejects_with_an_example(typed: str) -> None:
    with pytest.raises(InvalidInput, match=r"HH:MM.*for example 07:30"):
        parse_local_time(typed)


# --- time zones ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Europe/London", "Europe/London"),
        ("europe/london", "Europe/London"),
        ("  ASIA/KOLKATA ", "Asia/Kolkata"),
        ("America/New York", "America/New_York"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("pacific/chatham", "Pacific/Chatham"),
    ],
)
def test_parse_timezone_is_case_insensitive(typed: str, expected: str) -> None:
    assert parse_timezone(typed).key == expected


@pytest.mark.parametrize(
    "typed", ["", "Mars/Olympus_Mons", "London", "../../etc/passwd", "localtime"]
)
def test_parse_timezone_rejects_politely(typed: str) -> None:
    with pytest.raises(InvalidInput, match="Europe/London") as raised:
        parse_timezone(typed)
    assert "suggests names as you type" in str(raised.value)


def test_zone_names_are_sorted_and_cleaned() -> None:
    names = zone_names()
    assert list(names) == sorted(names)
    assert {"UTC", "Europe/London", "Pacific/Chatham"} <= set(names)
    assert not {"localtime", "Factory", "posixrules"} & set(names)
    assert all(name in names for name in COMMON_TIMEZONES)


def test_search_empty_offers_common_zones() -> None:
    assert search_timezones("") == list(COMMON_TIMEZONES)
    assert search_timezones("   ", limit=3) == list(COMMON_TIMEZONES[:3])


def test_search_ranks_full_prefix_then_city_prefix_then_substring() -> None:
    results = search_timezones("lond")
    assert results[0] == "Europe/London"
    assert search_timezones("europe/lo")[0] == "Europe/London"
    assert search_timezones("kolk")[0] == "Asia/Kolkata"
    assert search_timezones("new york")[0] == "America/New_York"
    # "America/..." starts with "am" so it outranks a city such as "Europe/Amsterdam".
    am = search_timezones("am", limit=1000)
    assert am.index("Europe/Amsterdam") > max(
        i for i, name in enumerate(am) if name.lower().startswith("am")
    )
    # A substring-only hit comes after the prefix hits.
    york = search_timezones("york")
    assert "America/New_York" in york


def test_search_is_case_insensitive_unique_and_limited() -> None:
    assert search_timezones("EUROPE/") == search_timezones("europe/")
    results = search_timezones("a", limit=25)
    assert len(results) == 25
    assert len(set(results)) == 25
    assert search_timezones("a", limit=0) == []
    assert search_timezones("zzzz-no-such-zone") == []


def test_search_is_fast_enough_for_autocomplete() -> None:
    search_timezones("warm up the index")
    started = clock.perf_counter()
    for typed in ["a", "am", "ame", "amer", "america/", "america/n", "lon", "syd", "o"] * 20:
        search_timezones(typed)
    assert (clock.perf_counter() - started) / 180 < 0.01


# --- local_date and the basic rule ---------------------------------------------------------


def test_local_date_crosses_midnight_at_the_zone_offset() -> None:
    assert local_date(utc(2026, 5, 9, 18, 29, 59), KOLKATA) == date(2026, 5, 9)
    assert local_date(utc(2026, 5, 9, 18, 30), KOLKATA) == date(2026, 5, 10)
    assert local_date(utc(2026, 5, 9, 23, 0), ZoneInfo("UTC")) == date(2026, 5, 9)


def test_first_ever_post_is_due_today_even_if_the_time_has_passed() -> None:
    now = utc(2026, 6, 1, 15, 0)  # 16:00 BST
    due = next_due(now, time(9, 0), LONDON, None)
    assert due == utc(2026, 6, 1, 8, 0)
    assert is_due(now, due)
    assert not day_is_over(now, due, LONDON)


def test_first_post_later_today() -> None:
    now = utc(2026, 6, 1, 6, 0)
    due = next_due(now, time(9, 0), LONDON, None)
    assert due == utc(2026, 6, 1, 8, 0)
    assert not is_due(now, due)
    assert due.tzinfo is UTC


def test_after_posting_today_next_is_tomorrow() -> None:
    posted_at = utc(2026, 6, 1, 8, 0, 5)
    due = next_due(posted_at, time(9, 0), LONDON, date(2026, 6, 1))
    assert due == utc(2026, 6, 2, 8, 0)
    assert not is_due(posted_at, due)


def test_bot_down_for_days_posts_today_not_for_missed_days() -> None:
    now = utc(2026, 6, 5, 12, 0)  # back up at 13:00 BST, four days after the last post
    due = next_due(now, time(9, 0), LONDON, date(2026, 6, 1))
    assert due == utc(2026, 6, 5, 8, 0)
    assert is_due(now, due)
    assert not day_is_over(now, due, LONDON)


def test_day_is_over_at_local_midnight() -> None:
    due = utc(2026, 6, 1, 8, 0)  # 09:00 BST on 1 June
    assert not day_is_over(utc(2026, 6, 1, 22, 59, 59), due, LONDON)
    assert day_is_over(utc(2026, 6, 1, 23, 0), due, LONDON)


def test_midnight_post_time() -> None:
    # Just before local midnight, having posted today: due in one minute, on the new date.
    now = utc(2026, 6, 1, 22, 59)  # 23:59 BST
    due = next_due(now, time(0, 0), LONDON, date(2026, 6, 1))
    assert due == utc(2026, 6, 1, 23, 0)
    assert local_date(due, LONDON) == date(2026, 6, 2)
    # Never posted, a minute after midnight: due at the midnight just gone.
    assert next_due(utc(2026, 6, 1, 23, 1), time(0, 0), LONDON, None) == due


def test_one_minute_to_midnight_post_time() -> None:
    now = utc(2026, 1, 10, 23, 58)
    due = next_due(now, time(23, 59), LONDON, None)
    assert due == utc(2026, 1, 10, 23, 59)
    assert next_due(due, time(23, 59), LONDON, date(2026, 1, 10)) == utc(2026, 1, 11, 23, 59)
    # Returning just after midnight, the 23:59 of yesterday is gone for good.
    assert day_is_over(utc(2026, 1, 11, 0, 0), due, LONDON)
    later = next_due(utc(2026, 1, 11, 0, 0), time(23, 59), LONDON, date(2026, 1, 9))
    assert later == utc(2026, 1, 11, 23, 59)


def test_last_posted_in_the_future_of_the_zone_is_still_respected() -> None:
    # After a zone change the stored date can be "tomorrow" locally; never post on it again.
    now = utc(2026, 6, 1, 12, 0)
    due = next_due(now, time(9, 0), LONDON, date(2026, 6, 2))
    assert local_date(due, LONDON) == date(2026, 6, 3)


def test_naive_and_zoned_inputs_are_rejected() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_due(datetime(2026, 1, 1, 9, 0), time(9, 0), LONDON, None)
    with pytest.raises(ValueError, match="naive"):
        next_due(utc(2026, 1, 1), time(9, 0, tzinfo=UTC), LONDON, None)
    with pytest.raises(ValueError, match="aware"):
        is_due(utc(2026, 1, 1), datetime(2026, 1, 1))


def test_aware_non_utc_input_is_accepted_and_output_is_utc() -> None:
    now = datetime(2026, 6, 1, 7, 0, tzinfo=LONDON)  # 06:00 UTC
    due = next_due(now, time(9, 0), LONDON, None)
    assert due == utc(2026, 6, 1, 8, 0)
    assert due.utcoffset() == timedelta(0)


# --- daylight saving -----------------------------------------------------------------------


def test_london_spring_forward_gap_moves_forward_by_the_gap() -> None:
    # 2026-03-29: 01:00 GMT becomes 02:00 BST, so 01:30 never happens.
    due = next_due(utc(2026, 3, 28, 12, 0), time(1, 30), LONDON, date(2026, 3, 28))
    assert due == utc(2026, 3, 29, 1, 30)
    assert due.astimezone(LONDON).replace(tzinfo=None) == datetime(2026, 3, 29, 2, 30)
    assert next_due(due, time(1, 30), LONDON, date(2026, 3, 29)) == utc(2026, 3, 30, 0, 30)


def test_london_spring_forward_times_outside_the_gap_are_exact() -> None:
    before = next_due(utc(2026, 3, 28, 12), time(0, 30), LONDON, date(2026, 3, 28))
    after = next_due(utc(2026, 3, 28, 12), time(9, 0), LONDON, date(2026, 3, 28))
    assert before == utc(2026, 3, 29, 0, 30)  # still GMT
    assert after == utc(2026, 3, 29, 8, 0)  # already BST


def test_london_fall_back_posts_at_the_first_occurrence_only() -> None:
    # 2026-10-25: 02:00 BST becomes 01:00 GMT, so 01:30 happens twice.
    due = next_due(utc(2026, 10, 24, 12, 0), time(1, 30), LONDON, date(2026, 10, 24))
    assert due == utc(2026, 10, 25, 0, 30)  # 01:30 BST
    # At the second 01:30 (GMT), having posted, the next one is tomorrow.
    second = utc(2026, 10, 25, 1, 30)
    assert local_date(second, LONDON) == date(2026, 10, 25)
    assert next_due(second, time(1, 30), LONDON, date(2026, 10, 25)) == utc(2026, 10, 26, 1, 30)


def test_new_york_across_the_year() -> None:
    jan = next_due(utc(2026, 1, 15, 5), time(9, 0), NEW_YORK, None)
    jul = next_due(utc(2026, 7, 15, 5), time(9, 0), NEW_YORK, None)
    assert (jan, jul) == (utc(2026, 1, 15, 14, 0), utc(2026, 7, 15, 13, 0))
    # 2026-03-08: 02:00 EST becomes 03:00 EDT.
    gap = next_due(utc(2026, 3, 8, 5), time(2, 30), NEW_YORK, date(2026, 3, 7))
    assert gap == utc(2026, 3, 8, 7, 30)
    assert gap.astimezone(NEW_YORK).time() == time(3, 30)
    # 2026-11-01: 02:00 EDT becomes 01:00 EST; 01:30 EDT comes first.
    overlap = next_due(utc(2026, 11, 1, 3), time(1, 30), NEW_YORK, date(2026, 10, 31))
    assert overlap == utc(2026, 11, 1, 5, 30)


def test_kolkata_half_hour_offset() -> None:
    assert next_due(utc(2026, 5, 9, 20), time(9, 0), KOLKATA, None) == utc(2026, 5, 10, 3, 30)
    # Local midnight of 10 May is 18:30 UTC on 9 May.
    due = next_due(utc(2026, 5, 9, 18, 0), time(0, 0), KOLKATA, date(2026, 5, 9))
    assert due == utc(2026, 5, 9, 18, 30)


def test_chatham_quarter_hour_offset_and_its_dst() -> None:
    # +13:45 in January (DST), +12:45 in July.
    jan = next_due(utc(2026, 1, 14, 12), time(9, 0), CHATHAM, None)
    jul = next_due(utc(2026, 7, 14, 12), time(9, 0), CHATHAM, None)
    assert (jan, jul) == (utc(2026, 1, 14, 19, 15), utc(2026, 7, 14, 20, 15))
    # 2026-09-27: 02:45 becomes 03:45, so 03:00 shifts to 04:00 local.
    gap = next_due(utc(2026, 9, 26, 0), time(3, 0), CHATHAM, date(2026, 9, 26))
    assert gap == utc(2026, 9, 26, 14, 15)
    assert gap.astimezone(CHATHAM).replace(tzinfo=None) == datetime(2026, 9, 27, 4, 0)


def test_lord_howe_half_hour_dst() -> None:
    # 2026-10-04: 02:00 (+10:30) becomes 02:30 (+11), so 02:15 shifts to 02:45.
    gap = next_due(utc(2026, 10, 3, 0), time(2, 15), LORD_HOWE, date(2026, 10, 3))
    assert gap == utc(2026, 10, 3, 15, 45)
    assert gap.astimezone(LORD_HOWE).time() == time(2, 45)
    # 2026-04-05: 02:00 (+11) becomes 01:30 (+10:30), so 01:45 happens twice; use the first.
    overlap = next_due(utc(2026, 4, 4, 0), time(1, 45), LORD_HOWE, date(2026, 4, 4))
    assert overlap == utc(2026, 4, 4, 14, 45)
    after = next_due(utc(2026, 4, 4, 15, 15), time(1, 45), LORD_HOWE, date(2026, 4, 5))
    assert local_date(after, LORD_HOWE) == date(2026, 4, 6)


def test_a_skipped_calendar_day_gets_no_prompt_and_no_double() -> None:
    # Samoa jumped from 29 to 31 December 2011 across the date line.
    apia = ZoneInfo("Pacific/Apia")
    first = next_due(utc(2011, 12, 29, 12), time(9, 0), apia, date(2011, 12, 29))
    assert local_date(first, apia) == date(2011, 12, 31)
    second = next_due(first, time(9, 0), apia, local_date(first, apia))
    assert local_date(second, apia) == date(2012, 1, 1)
    assert second - first == timedelta(days=1)


# --- properties over every zone ------------------------------------------------------------


def _wall_time_exists(day: date, post_at: time, tz: ZoneInfo) -> bool:
    wall = datetime.combine(day, post_at, tzinfo=tz)
    return wall.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall.replace(tzinfo=None)


zones = st.sampled_from(zone_names()).map(ZoneInfo)
post_times = st.builds(time, st.integers(0, 23), st.integers(0, 59))
instants = st.datetimes(
    min_value=datetime(1975, 1, 1), max_value=datetime(2045, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=400, deadline=None)
@given(tz=zones, post_at=post_times, now=instants, days_back=st.none() | st.integers(-2, 6))
def test_next_due_is_after_the_last_post_and_not_on_a_finished_day(
    tz: ZoneInfo, post_at: time, now: datetime, days_back: int | None
) -> None:
    today = local_date(now, tz)
    last = None if days_back is None else today - timedelta(days=days_back)
    due = next_due(now, post_at, tz, last)
    due_day = local_date(due, tz)

    assert due.utcoffset() == timedelta(0)
    assert last is None or due_day > last
    assert due_day >= today
    assert not day_is_over(now, due, tz)
    if _wall_time_exists(due_day, post_at, tz):
        assert due.astimezone(tz).time() == post_at


@settings(max_examples=400, deadline=None)
@given(tz=zones, post_at=post_times, now=instants, last_known=st.booleans())
def test_consecutive_posts_advance_exactly_one_local_date(
    tz: ZoneInfo, post_at: time, now: datetime, last_known: bool
) -> None:
    last = local_date(now, tz) - timedelta(days=1) if last_known else None
    first = next_due(now, post_at, tz, last)
    first_day = local_date(first, tz)
    # Post at the due instant (or now, if late), then ask again.
    posted_at = max(now, first)
    second = next_due(posted_at, post_at, tz, first_day)
    second_day = local_date(second, tz)

    assert second > first
    following = first_day + timedelta(days=1)
    if _wall_time_exists(following, post_at, tz):
        assert second_day == following
    else:
        # Only a date the zone skipped (or whose time fell in a gap over midnight) is passed.
        assert second_day <= following + timedelta(days=1)


def test_unknown_zone_suggests_close_names() -> None:
    with pytest.raises(InvalidInput, match=r"Did you mean Europe/London\?"):
        parse_timezone("London")
    with pytest.raises(InvalidInput, match="Please choose a time zone"):
        parse_timezone("  ")
