"""Calendar windows and time frames of rules, in the project's time zone (pure).

Counter windows (`….daily`, `.weekly`, `.monthly`) start at local midnight, on Monday and on
the 1st; `$timeframe`, `$timeframe_absolute`, `$timeframe_daily_hours` and `$dow` read the
local wall clock. Small functions so the lead can fold them into `kit/clock.py`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.parser import isoparse

from voucherd.kit.validity import Duration, DurationError, parse_duration

UTC = ZoneInfo("UTC")
WINDOWS = ("", ".daily", ".weekly", ".monthly")


def local(at: datetime, zone: ZoneInfo) -> datetime:
    return at.astimezone(zone)


def window_start(window: str, at: datetime, zone: ZoneInfo) -> date | None:
    """The local date a counter window starts on; None for the all-time window."""
    day = local(at, zone).date()
    if window == ".daily":
        return day
    if window == ".weekly":  # ISO weeks: Voucherify's dashboard starts them on Monday
        return day - timedelta(days=day.weekday())
    if window == ".monthly":
        return day.replace(day=1)
    return None


def split_window(name: str) -> tuple[str, str]:
    """`redemption.count.per_customer.daily` -> (`redemption.count.per_customer`, `.daily`)."""
    for window in WINDOWS[1:]:
        if name.endswith(window):
            return name[: -len(window)], window
    return name, ""


def dow(at: datetime, zone: ZoneInfo) -> int:
    """Day of week with 0 = Sunday (Voucherify's `$dow`)."""
    return (local(at, zone).weekday() + 1) % 7


def parse_instant(value: object, zone: ZoneInfo) -> datetime | None:
    """A date or date-time operand or metadata value; a naive one is local time."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    elif isinstance(value, str):
        try:
            parsed = isoparse(value)
        except ValueError:
            return None
    else:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def _duration(text: str) -> Duration | None:
    """An ISO 8601 duration (`P1D`, `PT1H`, `P1M`), bounded to 100 years by the one parser
    (`kit.validity`); None when malformed, empty or too long."""
    try:
        parsed = parse_duration(text)
    except DurationError:
        return None
    return None if parsed.is_zero() else parsed


_MAX_PERIODS = 100_000  # a bound on the walk below: a timeframe of minutes over years


def in_timeframe(at: datetime, spec: str, zone: ZoneInfo) -> bool | None:
    """`"<start>;<interval>;<duration>"`: from start, every interval, for duration.
    None when the spec is malformed."""
    parts = spec.split(";")
    if len(parts) != 3:
        return None
    start = parse_instant(parts[0], zone)
    interval, duration = _duration(parts[1]), _duration(parts[2])
    if start is None or interval is None or duration is None:
        return None
    if at < start:
        return False
    # Jump close to `at` when the interval is a fixed length, then check that period.
    if interval.months == 0:
        step = interval.delta
        begin = start + step * ((at - start) // step)
        return _before_end(at, begin, duration)
    for n in range(_MAX_PERIODS):
        try:
            begin = interval.after(start, n)
        except (OverflowError, ValueError):  # past the last representable date
            return False
        if begin > at:
            return False
        if _before_end(at, begin, duration):
            return True
    return False


def _before_end(at: datetime, begin: datetime, duration: Duration) -> bool:
    try:
        return at < duration.after(begin)
    except (OverflowError, ValueError):  # the period ends past the last representable date
        return True


def in_absolute(at: datetime, spec: str, zone: ZoneInfo) -> bool | None:
    """`"<from>;<to>"`, inclusive of from, exclusive of to."""
    parts = spec.split(";")
    if len(parts) != 2:
        return None
    begin, end = parse_instant(parts[0], zone), parse_instant(parts[1], zone)
    if begin is None or end is None:
        return None
    return begin <= at < end


def in_daily_hours(at: datetime, spec: str, zone: ZoneInfo) -> bool | None:
    """`"18:00;20:01;2,3"`: local time from..to on the listed days (0 = Sunday; all if
    no days are listed)."""
    parts = spec.split(";")
    if len(parts) not in (2, 3):
        return None
    try:
        begin, end = time.fromisoformat(parts[0]), time.fromisoformat(parts[1])
        days = {int(d) for d in parts[2].split(",") if d.strip()} if len(parts) == 3 else set()
    except ValueError:
        return None
    now = local(at, zone)
    if days and dow(at, zone) not in days:
        return False
    clock = now.time().replace(tzinfo=None)
    return begin <= clock < end
