"""Webhook retry schedule as data: when to retry a failed delivery, and when to give up.

Delays are offsets from the *first* delivery attempt (not from the previous retry), so a slow or
timing-out endpoint does not stretch the schedule.  Each retry time gets a little random jitter
so that deliveries that failed together (say, during a receiver outage) do not all come back in
the same second.  A receiver's ``Retry-After`` header is parsed by :func:`retry_after_delay`; the
caller decides how to combine it with the schedule (typically: the later of the two).

Pure logic: the caller passes the clock (``now``) and may pass the random source.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

__all__ = [
    "DEFAULT_RETRY_DELAYS",
    "DEFAULT_RETRY_SCHEDULE",
    "MIN_DELAY",
    "RetrySchedule",
    "next_attempt_at",
    "parse_schedule",
    "retry_after_delay",
]

# Voucherify retries a failed webhook delivery 12 times, at 1, 2, 4, 8, 16 and 32 minutes, 1 h 04,
# 2 h 08, 4 h 16, 8 h 32 and 17 h 04 after the first attempt, and a last time at 24 h: the delay
# doubles each time and is capped at 24 hours (Voucherify's documented webhook retry policy).
DEFAULT_RETRY_DELAYS: tuple[timedelta, ...] = tuple(
    min(timedelta(minutes=2**n), timedelta(hours=24)) for n in range(12)
)

# A jittered delay is never shorter than this, so a retry never fires at the same instant as the
# attempt it follows, whatever the jitter setting.
MIN_DELAY = timedelta(seconds=1)


@dataclass(frozen=True)
class RetrySchedule:
    """Retry offsets from the first attempt, strictly increasing, plus a jitter fraction.

    With ``jitter`` 0.1 each retry lands within ±10 % of its nominal offset.
    """

    delays: tuple[timedelta, ...]
    jitter: float = 0.1

    def __post_init__(self) -> None:
        if any(delay <= timedelta(0) for delay in self.delays):
            raise ValueError("retry delays must be positive")
        if any(later <= earlier for earlier, later in itertools.pairwise(self.delays)):
            # Offsets count from the first attempt, so a non-increasing one is a typo.
            raise ValueError(
                "retry delays must be strictly increasing (offsets from the first try)"
            )
        if not 0.0 <= self.jitter < 1.0:
            raise ValueError("jitter must be a fraction in [0, 1)")


DEFAULT_RETRY_SCHEDULE = RetrySchedule(DEFAULT_RETRY_DELAYS)


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def next_attempt_at(
    schedule: RetrySchedule,
    first_attempt_at: datetime,
    attempts_made: int,
    rand: Callable[[], float] = random.random,
) -> datetime | None:
    """When to try again after ``attempts_made`` failed attempts; ``None`` once retries run out.

    ``attempts_made`` counts the first attempt: after it (1) the next try is at
    ``first_attempt_at + delays[0]``; after ``len(delays) + 1`` attempts there is none.  The
    delay is ``nominal * (1 + jitter * (2 * rand() - 1))``, never below :data:`MIN_DELAY`;
    ``rand`` returns a float in [0, 1) (0.5 means no jitter).  The result is in UTC.
    """
    _require_aware(first_attempt_at, "first_attempt_at")
    if attempts_made < 1:
        raise ValueError("attempts_made counts the first attempt and must be at least 1")
    retry_index = attempts_made - 1
    if retry_index >= len(schedule.delays):
        return None
    nominal = schedule.delays[retry_index]
    # Jitter is not security-sensitive, so random.random is fine; no secrets needed.
    factor = 1.0 + schedule.jitter * (2.0 * rand() - 1.0)
    delay = max(nominal * factor, MIN_DELAY)
    return (first_attempt_at + delay).astimezone(UTC)


# RFC 9110 §10.2.3: Retry-After = HTTP-date / delay-seconds, delay-seconds = 1*DIGIT.
_DELAY_SECONDS = re.compile(r"[0-9]+", re.ASCII)


def retry_after_delay(
    header_value: str | None, now: datetime, max_delay: timedelta = timedelta(hours=24)
) -> timedelta | None:
    """How long a receiver asked us to wait in ``Retry-After``, clamped to ``[0, max_delay]``.

    Accepts delay-seconds (``"120"``) and HTTP-dates (``"Wed, 21 Oct 2015 07:28:00 GMT"``,
    relative to ``now``; a date in the past means "now").  ``None`` when the header is absent or
    unparsable, so the caller falls back to the schedule.  The upper clamp keeps a hostile or
    broken receiver from parking deliveries for years.
    """
    _require_aware(now, "now")
    if header_value is None:
        return None
    value = header_value.strip()
    if not value:
        return None
    if _DELAY_SECONDS.fullmatch(value):
        seconds = int(value)
        # Compare before building a timedelta: a huge value would overflow it.
        if seconds >= max_delay.total_seconds():
            return max_delay
        return timedelta(seconds=seconds)
    try:
        when = parsedate_to_datetime(value)
    except (ValueError, TypeError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        # HTTP-dates are always GMT; "-0000" zones come back naive from the email parser.
        when = when.replace(tzinfo=UTC)
    return min(max(when - now, timedelta(0)), max_delay)


_UNIT_SECONDS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
# "90" (seconds) or unit groups in descending order: "45s", "2m", "1h04m", "1d12h".
_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", re.ASCII)


def _parse_duration(item: str) -> timedelta:
    text = item.strip().lower()
    if text.isascii() and text.isdigit():
        seconds = int(text)
    else:
        match = _DURATION.fullmatch(text)
        if not text or match is None:
            raise ValueError(f"invalid retry delay {item!r}: use seconds (60) or units (1m, 1h04m)")
        seconds = sum(
            int(amount) * _UNIT_SECONDS[unit]
            for amount, unit in zip(match.groups(), "dhms", strict=True)
            if amount is not None
        )
    try:
        return timedelta(seconds=seconds)
    except OverflowError:
        raise ValueError(f"retry delay {item!r} is too long") from None


def parse_schedule(text: str, *, jitter: float = 0.1) -> RetrySchedule:
    """Parse a ``VOUCHERD_WEBHOOK_RETRY_SCHEDULE`` value such as ``"1m,2m,4m,1h,24h"``.

    Items are comma-separated offsets from the first attempt: bare integers are seconds, or
    integers with units ``d``/``h``/``m``/``s`` in that order (``1h04m``).  Raises ``ValueError``
    for an empty list, a malformed item, a zero delay or offsets that do not increase.
    """
    items = text.split(",")
    if not text.strip():
        raise ValueError("retry schedule is empty; unset the setting to use the default")
    return RetrySchedule(tuple(_parse_duration(item) for item in items), jitter=jitter)
