"""Project time zones: local days, weeks and months as aware UTC instants.

Everything that counts "per day" (points expiry, pending-point activation, rule counters)
asks here with the project's zone, so a project in Warsaw rolls its day at Warsaw midnight.
Pure functions: the caller passes `now` (from `kit.clock`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "UTC_ZONE",
    "UnknownZone",
    "local_date",
    "local_dates",
    "local_day_start",
    "local_midnight",
    "local_month_start",
    "local_week_start",
    "zone",
]

UTC_ZONE = ZoneInfo("UTC")

# A time-zone gap never exceeds a few hours (the largest on record is a day skipped by a
# date-line move, handled by the date check below); searching three hours back suffices.
_GAP_SEARCH = timedelta(hours=3)
_TICK = timedelta(microseconds=1)


class UnknownZone(ValueError):
    """Not an IANA time-zone name."""


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """The `ZoneInfo` of an IANA name (`Europe/Warsaw`, `Etc/GMT+1`, `UTC`); raises UnknownZone."""
    # zoneinfo reads files by path: refuse anything that is not a plain zone key first.
    if not name or name.startswith(("/", ".")) or ".." in name or "\\" in name or "\0" in name:
        raise UnknownZone(name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise UnknownZone(name) from exc


def local_date(now: datetime, tz: ZoneInfo) -> date:
    """The calendar day it is in `tz` at the instant `now` (aware)."""
    return now.astimezone(tz).date()


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The first instant (aware UTC) whose local date in `tz` is `day`.

    Usually local 00:00; where a DST change skips midnight (America/Havana, America/Santiago)
    the day starts when the clocks jump, which is found by bisecting the gap."""
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    if local_date(start - _TICK, tz) != day:
        return start
    # 00:00 fell in a gap: the day began earlier, at the jump. Dates are monotone over the
    # few hours searched, so bisect for the first instant that is already `day`.
    low, high = start - _GAP_SEARCH, start
    while high - low > _TICK:
        mid = low + (high - low) / 2
        if local_date(mid, tz) == day:
            high = mid
        else:
            low = mid
    return high


def local_day_start(now: datetime, tz: ZoneInfo) -> datetime:
    """Start (aware UTC) of the local day containing `now`."""
    return local_midnight(local_date(now, tz), tz)


def local_week_start(now: datetime, tz: ZoneInfo, first_weekday: int = 0) -> datetime:
    """Start (aware UTC) of the local week containing `now`; weeks begin on `first_weekday`
    (0 = Monday, ISO 8601, 6 = Sunday)."""
    day = local_date(now, tz)
    return local_midnight(day - timedelta(days=(day.weekday() - first_weekday) % 7), tz)


def local_month_start(now: datetime, tz: ZoneInfo) -> datetime:
    """Start (aware UTC) of the local calendar month containing `now`."""
    return local_midnight(local_date(now, tz).replace(day=1), tz)


def local_dates(now: datetime, zones: Mapping[str, str]) -> dict[date, list[str]]:
    """Keys (project ids) grouped by the date it is in their zone (IANA name) at `now`: what
    a worker job compares day columns with (`kit.queries.reached_local_day`)."""
    grouped: dict[date, list[str]] = {}
    for key, name in zones.items():
        grouped.setdefault(local_date(now, zone(name)), []).append(key)
    return grouped
