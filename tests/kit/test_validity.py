"""When a rule may earn (pure): dates, recurring timeframes, days of week, daily hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from voucherd.kit.validity import DurationError, is_live, parse_duration

MONDAY_NOON = datetime(2025, 1, 27, 12, 0, tzinfo=UTC)
CREATED = datetime(2025, 1, 1, tzinfo=UTC)


def rule(**fields: Any) -> dict[str, Any]:
    return {"created_at": CREATED, **fields}


def test_durations_parse() -> None:
    assert parse_duration("PT1H").delta == timedelta(hours=1)
    assert parse_duration("P1DT30M").delta == timedelta(days=1, minutes=30)
    assert parse_duration("P2W").delta == timedelta(weeks=2)
    assert parse_duration("P1Y2M").months == 14
    for bad in ("", "P", "PT", "1H", "P1H", "PT1D", "P-1D", "P1000Y"):
        with pytest.raises(DurationError):
            parse_duration(bad)


def test_dates_bound_the_rule() -> None:
    assert is_live(rule(), MONDAY_NOON)
    assert not is_live(rule(start_date=MONDAY_NOON + timedelta(seconds=1)), MONDAY_NOON)
    assert is_live(rule(start_date=MONDAY_NOON), MONDAY_NOON)
    assert not is_live(rule(expiration_date=MONDAY_NOON), MONDAY_NOON)


def test_days_of_week_count_sunday_as_zero() -> None:
    assert is_live(rule(validity_day_of_week=[1]), MONDAY_NOON)
    assert not is_live(rule(validity_day_of_week=[0, 2, 3, 4, 5, 6]), MONDAY_NOON)
    assert is_live(rule(validity_day_of_week=[0]), MONDAY_NOON - timedelta(days=1))


def test_timeframe_repeats_from_the_start_date() -> None:
    frame = {"duration": "PT1H", "interval": "P1D"}
    start = datetime(2025, 1, 1, 11, 30, tzinfo=UTC)
    live = rule(start_date=start, validity_timeframe=frame)
    assert is_live(live, MONDAY_NOON)  # 11:30-12:30 every day
    assert not is_live(live, MONDAY_NOON + timedelta(minutes=30))
    every_other_day = rule(
        start_date=start, validity_timeframe={"duration": "PT1H", "interval": "P2D"}
    )
    assert is_live(every_other_day, MONDAY_NOON)  # 26 days after the start
    assert not is_live(every_other_day, MONDAY_NOON + timedelta(days=1))
    monthly = rule(start_date=start, validity_timeframe={"duration": "P1D", "interval": "P1M"})
    assert is_live(monthly, datetime(2025, 3, 1, 20, 0, tzinfo=UTC))
    assert not is_live(monthly, datetime(2025, 3, 2, 12, 0, tzinfo=UTC))
    # Without a start date the rule's creation anchors the timeframe.
    assert is_live(rule(validity_timeframe={"duration": "PT13H", "interval": "P1D"}), MONDAY_NOON)


def test_daily_hours_with_days() -> None:
    hours = {"daily": [{"start_time": "09:00", "expiration_time": "12:00", "days_of_week": [1]}]}
    assert not is_live(rule(validity_hours=hours), MONDAY_NOON)
    assert is_live(rule(validity_hours=hours), MONDAY_NOON - timedelta(minutes=1))
    assert not is_live(rule(validity_hours=hours), MONDAY_NOON + timedelta(days=1, hours=-1))
