"""Local days, weeks and months in a project's zone (kit/zones.py), across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voucherd.kit.zones import (
    UnknownZone,
    local_date,
    local_dates,
    local_day_start,
    local_midnight,
    local_month_start,
    local_week_start,
    zone,
)

# Zones with DST, odd offsets, and midnight inside a DST gap (Havana, Santiago, Asunción).
ZONES = [
    "UTC",
    "Europe/Warsaw",
    "America/New_York",
    "America/Havana",
    "America/Santiago",
    "America/Asuncion",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Pacific/Kiritimati",
    "Etc/GMT+12",
]
TICK = timedelta(microseconds=1)

# Hypothesis bounds are naive by its API; `timezones` makes the drawn values aware UTC.
instants = st.datetimes(
    min_value=datetime(2000, 1, 2),  # noqa: DTZ001
    max_value=datetime(2037, 12, 30),  # noqa: DTZ001
    timezones=st.just(UTC),
)
zones = st.sampled_from(ZONES).map(zone)


@given(instants, zones)
def test_the_day_starts_at_the_first_instant_of_the_local_date(now: datetime, tz: ZoneInfo) -> None:
    start = local_day_start(now, tz)
    assert start.tzinfo is not None and start <= now
    assert local_date(start, tz) == local_date(now, tz)
    assert local_date(start - TICK, tz) < local_date(now, tz)


@given(instants, zones, st.integers(0, 6))
def test_the_week_starts_on_its_first_weekday(now: datetime, tz: ZoneInfo, first: int) -> None:
    start = local_week_start(now, tz, first)
    day = local_date(start, tz)
    assert start <= now and day.weekday() == first
    assert local_date(now, tz) - day < timedelta(days=7)
    assert local_date(start - TICK, tz) < day


@given(instants, zones)
def test_the_month_starts_on_the_first(now: datetime, tz: ZoneInfo) -> None:
    start = local_month_start(now, tz)
    day, today = local_date(start, tz), local_date(now, tz)
    assert start <= now and day == today.replace(day=1)
    assert local_date(start - TICK, tz) < day


def test_a_day_across_spring_forward_lasts_23_hours() -> None:
    warsaw = zone("Europe/Warsaw")
    start = local_midnight(date(2026, 3, 29), warsaw)
    end = local_midnight(date(2026, 3, 30), warsaw)
    assert start == datetime(2026, 3, 28, 23, tzinfo=UTC)
    assert end - start == timedelta(hours=23)


def test_midnight_skipped_by_dst_starts_the_day_at_one() -> None:
    # Havana moved its clocks from 00:00 to 01:00 on 2026-03-08: the day began at 01:00 CDT.
    havana = zone("America/Havana")
    start = local_midnight(date(2026, 3, 8), havana)
    assert start.astimezone(havana).hour == 1
    assert local_date(start - TICK, havana) == date(2026, 3, 7)


def test_projects_are_grouped_by_their_local_date() -> None:
    now = datetime(2026, 1, 1, 23, 30, tzinfo=UTC)
    grouped = local_dates(now, {"a": "UTC", "b": "Europe/Warsaw", "c": "America/New_York"})
    assert grouped == {date(2026, 1, 1): ["a", "c"], date(2026, 1, 2): ["b"]}


@pytest.mark.parametrize("name", ["", "Mars/Base", "../etc/passwd", "/etc/localtime", "Europe/"])
def test_unknown_zones_are_refused(name: str) -> None:
    with pytest.raises(UnknownZone):
        zone(name)
