"""When an earning rule may earn: its dates, recurring timeframe, days of week and daily hours.

Pure functions of the rule's stored fields and a moment (UTC; projects have no time zone yet).
Voucherify's `validity_timeframe` is "valid for `duration` every `interval`", both ISO 8601
durations (`PT1H` every `P1D`), counted from the rule's `start_date` (else its creation).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

_DURATION = re.compile(
    r"P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?"
)
# Bounds keep hostile input from overflowing date arithmetic: 100 years.
_MAX_MONTHS = 1200
_MAX_DELTA = timedelta(days=36_600)


class DurationError(ValueError):
    pass


@dataclass(frozen=True)
class Duration:
    """Calendar months plus an exact time span (days, hours, … are exact here)."""

    months: int
    delta: timedelta

    def is_zero(self) -> bool:
        return self.months == 0 and self.delta == timedelta(0)

    def after(self, moment: datetime, count: int = 1) -> datetime:
        """`moment` moved on by `count` times this duration (months first, then the rest)."""
        return moment + relativedelta(months=self.months * count) + self.delta * count


def parse_duration(text: str) -> Duration:
    """`P1D`, `PT1H30M`, `P1Y2M`, `P2W` → Duration; raises DurationError."""
    match = _DURATION.fullmatch(text.strip().upper())
    if match is None:
        raise DurationError(f"{text!r} is not an ISO 8601 duration such as PT1H or P1D")
    parts = {k: int(v) for k, v in match.groupdict().items() if v is not None}
    months = parts.get("years", 0) * 12 + parts.get("months", 0)
    try:
        delta = timedelta(
            weeks=parts.get("weeks", 0),
            days=parts.get("days", 0),
            hours=parts.get("hours", 0),
            minutes=parts.get("minutes", 0),
            seconds=parts.get("seconds", 0),
        )
    except OverflowError:
        raise DurationError(f"{text!r} is too long") from None
    if months > _MAX_MONTHS or delta > _MAX_DELTA:
        raise DurationError(f"{text!r} is longer than 100 years")
    return Duration(months, delta)


def parse_time_of_day(text: str) -> time:
    """`HH:MM` or `HH:MM:SS` (24 h); raises ValueError."""
    for fmt in ("%H:%M", "%H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).time()  # noqa: DTZ007 (a time of day)
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a time of day such as 09:30")


def voucherify_weekday(moment: datetime) -> int:
    """0 = Sunday … 6 = Saturday (Voucherify), from Python's Monday = 0."""
    return (moment.weekday() + 1) % 7


def _period_start(anchor: datetime, interval: Duration, now: datetime) -> datetime | None:
    """The start of the last recurrence of `interval` from `anchor` at or before `now`."""
    if now < anchor:
        return None
    if interval.months == 0:
        count = (now - anchor) // interval.delta
        return anchor + interval.delta * count
    elapsed_months = (now.year - anchor.year) * 12 + (now.month - anchor.month)
    count = max(elapsed_months // interval.months + 1, 0)
    while count > 0 and interval.after(anchor, count) > now:
        count -= 1
    return interval.after(anchor, count)


def in_timeframe(anchor: datetime, frame: Mapping[str, Any], now: datetime) -> bool:
    duration = parse_duration(str(frame["duration"]))
    interval = parse_duration(str(frame["interval"]))
    start = _period_start(anchor, interval, now)
    return start is not None and now < duration.after(start)


def in_daily_hours(daily: list[Mapping[str, Any]], now: datetime) -> bool:
    weekday = voucherify_weekday(now)
    moment = now.time().replace(tzinfo=None)
    for window in daily:
        days = window.get("days_of_week")
        if days is not None and weekday not in days:
            continue
        opens = parse_time_of_day(str(window["start_time"]))
        closes = parse_time_of_day(str(window["expiration_time"]))
        if opens <= moment < closes:
            return True
    return False


def is_live(rule: Mapping[str, Any], now: datetime) -> bool:
    """Whether the rule (stored fields: start_date, expiration_date, validity_*) earns at `now`."""
    start: datetime | None = rule.get("start_date")
    end: datetime | None = rule.get("expiration_date")
    if start is not None and now < start:
        return False
    if end is not None and now >= end:
        return False
    days = rule.get("validity_day_of_week")
    if days is not None and voucherify_weekday(now) not in days:
        return False
    frame = rule.get("validity_timeframe")
    if frame and frame.get("duration") and frame.get("interval"):
        anchor: datetime = start or rule["created_at"]
        if not in_timeframe(anchor, frame, now):
            return False
    daily = (rule.get("validity_hours") or {}).get("daily")
    return not daily or in_daily_hours(daily, now)
