"""Timestamps on the wire: ISO 8601, UTC, milliseconds, `Z` (e.g. 2024-03-13T17:35:58.482Z)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from voucherd.kit.errors import InvalidQueryParams


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    # Not strftime: glibc's %Y does not pad, so year 399 came out as `399-07-26T…`, which is
    # not RFC 3339. Every field is zero-padded to its fixed width here.
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        f"T{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
        f".{value.microsecond // 1000:03d}Z"
    )


def iso_date(value: date | None) -> str | None:
    # date.isoformat always pads the year to four digits (0399-07-26).
    return None if value is None else value.isoformat()


def as_utc(value: datetime) -> datetime:
    """Input datetimes may be naive (the SDK sends `isoformat()` of naive values): read as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def query_bound(name: str, value: str | None, *, end: bool) -> datetime | None:
    """A `start_date` / `end_date` query parameter: a date means the whole day (UTC); a
    timestamp is taken as is. Ends are inclusive, so an end comes back just past it."""
    if value is None:
        return None
    try:
        if len(value) == len("YYYY-MM-DD"):
            start = datetime.combine(date.fromisoformat(value), time.min, tzinfo=UTC)
            return start + timedelta(days=1) if end else start
        moment = as_utc(datetime.fromisoformat(value))
    except ValueError as exc:
        raise InvalidQueryParams(f"{name} must be a date (YYYY-MM-DD) or an ISO 8601 time") from exc
    return moment + timedelta(microseconds=1) if end else moment
