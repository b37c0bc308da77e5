"""When something time-limited may act: an earning rule earn, a code (or its campaign's codes)
be validated and redeemed. Dates, recurring timeframe, days of week and daily hours.

Pure functions of the stored fields and a moment (UTC; projects have no time zone yet).
Voucherify's `validity_timeframe` is "valid for `duration` every `interval`", both ISO 8601
durations (`PT1H` every `P1D`), counted from the rule's `start_date` (else its creation).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Literal

from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, ConfigDict, Field, StrictStr, model_validator

from voucherd.kit.errors import InvalidPayload

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
    return in_windows(rule, start or rule["created_at"], now)


def in_windows(fields: Mapping[str, Any], anchor: datetime, now: datetime) -> bool:
    """Whether `now` is inside the recurring windows (`validity_day_of_week`,
    `validity_timeframe` counted from `anchor`, `validity_hours`); no window = always."""
    days = fields.get("validity_day_of_week")
    if days is not None and voucherify_weekday(now) not in days:
        return False
    frame = fields.get("validity_timeframe")
    if (
        frame
        and frame.get("duration")
        and frame.get("interval")
        and not in_timeframe(anchor, frame, now)
    ):
        return False
    daily = (fields.get("validity_hours") or {}).get("daily")
    return not daily or in_daily_hours(daily, now)


WINDOW_FIELDS = ("validity_timeframe", "validity_day_of_week", "validity_hours")


def check_windows(fields: Mapping[str, Any]) -> None:
    """Refuses (ValueError naming the field) windows that `in_windows` could not decide."""
    frame = fields.get("validity_timeframe")
    if frame:
        if not frame.get("duration") or not frame.get("interval"):
            raise ValueError("validity_timeframe needs both duration and interval")
        try:
            duration = parse_duration(str(frame["duration"]))
            interval = parse_duration(str(frame["interval"]))
        except DurationError as exc:
            raise ValueError(f"validity_timeframe: {exc}") from exc
        if duration.is_zero() or interval.is_zero():
            raise ValueError("validity_timeframe durations must be longer than zero")
    for index, daily in enumerate((fields.get("validity_hours") or {}).get("daily") or ()):
        try:
            opens = parse_time_of_day(str(daily.get("start_time")))
            closes = parse_time_of_day(str(daily.get("expiration_time")))
        except ValueError as exc:
            raise ValueError(f"validity_hours.daily[{index}]: {exc}") from exc
        if closes <= opens:
            raise ValueError(
                f"validity_hours.daily[{index}]: expiration_time must be after start_time"
            )


# The request shapes of the windows (Voucherify's `ValidityTimeframe`, `ValidityHours`), shared
# by earning rules, campaigns and vouchers.


class _Shape(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ValidityTimeframe(_Shape):
    duration: StrictStr | None = Field(default=None, max_length=100)
    interval: StrictStr | None = Field(default=None, max_length=100)


class DailyHours(_Shape):
    start_time: StrictStr = Field(max_length=20)
    expiration_time: StrictStr = Field(max_length=20)
    days_of_week: list[Literal[0, 1, 2, 3, 4, 5, 6]] | None = Field(default=None, max_length=7)


class ValidityHours(_Shape):
    daily: list[DailyHours] | None = Field(default=None, max_length=50)


DayOfWeek = Literal[0, 1, 2, 3, 4, 5, 6]


class WindowFields(BaseModel):
    """The window fields of a campaign or voucher body (mixed into its RequestBody)."""

    validity_timeframe: ValidityTimeframe | None = None
    validity_day_of_week: list[DayOfWeek] | None = Field(default=None, max_length=7)
    validity_hours: ValidityHours | None = None

    @model_validator(mode="after")
    def _decidable(self) -> WindowFields:
        try:
            check_windows(self.stored_windows())
        except ValueError as exc:
            # Raised as is (not a ValueError): the handler renders the 400 naming the field.
            raise InvalidPayload(str(exc)) from None
        return self

    def stored_windows(self) -> dict[str, Any]:
        """The window fields sent (null clears one), in their stored form."""
        out: dict[str, Any] = {}
        for name in WINDOW_FIELDS:
            if name in self.model_fields_set:
                value = getattr(self, name)
                if isinstance(value, BaseModel):
                    value = value.model_dump(exclude_none=True) or None
                elif value is not None:
                    # `[]` is what SDKs send for "not set": no restriction, not "no day".
                    value = sorted(set(value)) or None
                out[name] = value
        return out
