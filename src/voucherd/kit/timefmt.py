"""Timestamps on the wire: ISO 8601, UTC, milliseconds, `Z` (e.g. 2024-03-13T17:35:58.482Z)."""

from __future__ import annotations

from datetime import UTC, date, datetime


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def iso_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def as_utc(value: datetime) -> datetime:
    """Input datetimes may be naive (the SDK sends `isoformat()` of naive values): read as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
