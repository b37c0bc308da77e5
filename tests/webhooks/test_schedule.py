"""Webhook retry schedule and Retry-After parsing (voucherd.webhooks.schedule)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voucherd.webhooks.schedule import (
    DEFAULT_RETRY_DELAYS,
    DEFAULT_RETRY_SCHEDULE,
    MIN_DELAY,
    RetrySchedule,
    next_attempt_at,
    parse_schedule,
    retry_after_delay,
)

FIRST_ATTEMPT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
NOW = datetime(2025, 3, 1, 12, 0, 30, tzinfo=UTC)


def no_jitter() -> float:
    return 0.5


# --- the default schedule --------------------------------------------------------------------


def test_default_delays_are_voucherifys_twelve_offsets() -> None:
    minutes = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 1440]
    assert [timedelta(minutes=m) for m in minutes] == list(DEFAULT_RETRY_DELAYS)
    # 1h04, 2h08, 4h16, 8h32, 17h04, 24h as Voucherify writes them.
    assert DEFAULT_RETRY_DELAYS[6] == timedelta(hours=1, minutes=4)
    assert DEFAULT_RETRY_DELAYS[10] == timedelta(hours=17, minutes=4)
    assert DEFAULT_RETRY_DELAYS[11] == timedelta(hours=24)


def test_retries_without_jitter_land_on_the_exact_offsets_from_the_first_attempt() -> None:
    times = [
        next_attempt_at(DEFAULT_RETRY_SCHEDULE, FIRST_ATTEMPT, attempts, no_jitter)
        for attempts in range(1, 13)
    ]
    assert times == [FIRST_ATTEMPT + delay for delay in DEFAULT_RETRY_DELAYS]


def test_retries_are_exhausted_after_twelve() -> None:
    assert next_attempt_at(DEFAULT_RETRY_SCHEDULE, FIRST_ATTEMPT, 12, no_jitter) is not None
    assert next_attempt_at(DEFAULT_RETRY_SCHEDULE, FIRST_ATTEMPT, 13, no_jitter) is None
    assert next_attempt_at(DEFAULT_RETRY_SCHEDULE, FIRST_ATTEMPT, 50, no_jitter) is None


def test_attempts_made_counts_the_first_attempt() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        next_attempt_at(DEFAULT_RETRY_SCHEDULE, FIRST_ATTEMPT, 0)


def test_naive_first_attempt_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_attempt_at(DEFAULT_RETRY_SCHEDULE, datetime(2025, 3, 1, 12, 0), 1)  # noqa: DTZ001


def test_next_attempt_is_returned_in_utc() -> None:
    warsaw = timezone(timedelta(hours=1))
    first = datetime(2025, 3, 1, 13, 0, tzinfo=warsaw)
    result = next_attempt_at(DEFAULT_RETRY_SCHEDULE, first, 1, no_jitter)
    assert result == datetime(2025, 3, 1, 12, 1, tzinfo=UTC)
    assert result is not None and result.utcoffset() == timedelta(0)


# --- jitter ----------------------------------------------------------------------------------


def test_jitter_extremes_are_plus_minus_the_fraction() -> None:
    schedule = RetrySchedule((timedelta(minutes=10),), jitter=0.1)
    earliest = next_attempt_at(schedule, FIRST_ATTEMPT, 1, lambda: 0.0)
    latest = next_attempt_at(schedule, FIRST_ATTEMPT, 1, lambda: 1.0)
    assert earliest == FIRST_ATTEMPT + timedelta(minutes=9)
    assert latest == FIRST_ATTEMPT + timedelta(minutes=11)


def test_jittered_delay_is_never_below_one_second() -> None:
    schedule = RetrySchedule((timedelta(seconds=1),), jitter=0.9)
    assert next_attempt_at(schedule, FIRST_ATTEMPT, 1, lambda: 0.0) == FIRST_ATTEMPT + MIN_DELAY


@given(
    attempts=st.integers(1, 12),
    jitter=st.floats(0.0, 0.99),
    rand=st.floats(0.0, 1.0, exclude_max=True),
)
def test_jittered_retry_stays_within_the_jitter_band(
    attempts: int, jitter: float, rand: float
) -> None:
    schedule = RetrySchedule(DEFAULT_RETRY_DELAYS, jitter=jitter)
    when = next_attempt_at(schedule, FIRST_ATTEMPT, attempts, lambda: rand)
    assert when is not None
    delay = when - FIRST_ATTEMPT
    nominal = DEFAULT_RETRY_DELAYS[attempts - 1]
    tolerance = timedelta(microseconds=1)  # timedelta * float rounds to whole microseconds
    assert delay >= max(nominal * (1 - jitter), MIN_DELAY) - tolerance
    assert delay <= nominal * (1 + jitter) + tolerance


@given(attempts=st.integers(1, 11), rand_a=st.floats(0, 1), rand_b=st.floats(0, 1))
def test_default_jitter_keeps_retries_in_order(attempts: int, rand_a: float, rand_b: float) -> None:
    # ±10 % of doubling delays (and of the 17h04 -> 24h step) never overlap.
    this = next_attempt_at(DEFAULT_RETRY_SCHEDULE, FIRST_ATTEMPT, attempts, lambda: rand_a)
    after = next_attempt_at(DEFAULT_RETRY_SCHEDULE, FIRST_ATTEMPT, attempts + 1, lambda: rand_b)
    assert this is not None and after is not None
    assert this < after


# --- RetrySchedule validation ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("delays", "jitter", "message"),
    [
        ((timedelta(0),), 0.1, "positive"),
        ((timedelta(seconds=-5),), 0.1, "positive"),
        ((timedelta(minutes=2), timedelta(minutes=1)), 0.1, "strictly increasing"),
        ((timedelta(minutes=1), timedelta(minutes=1)), 0.1, "strictly increasing"),
        ((timedelta(minutes=1),), 1.0, "jitter"),
        ((timedelta(minutes=1),), -0.1, "jitter"),
    ],
)
def test_nonsensical_schedule_is_rejected(
    delays: tuple[timedelta, ...], jitter: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        RetrySchedule(delays, jitter=jitter)


def test_empty_schedule_means_no_retries() -> None:
    assert next_attempt_at(RetrySchedule(()), FIRST_ATTEMPT, 1) is None


# --- Retry-After -----------------------------------------------------------------------------


def test_retry_after_seconds() -> None:
    assert retry_after_delay("120", NOW) == timedelta(seconds=120)
    assert retry_after_delay(" 0 ", NOW) == timedelta(0)


def test_retry_after_seconds_is_clamped_to_max_delay() -> None:
    assert retry_after_delay("999999999999999999999999", NOW) == timedelta(hours=24)
    assert retry_after_delay("600", NOW, max_delay=timedelta(minutes=5)) == timedelta(minutes=5)


def test_retry_after_http_date_is_relative_to_now() -> None:
    header = "Sat, 01 Mar 2025 12:10:30 GMT"
    assert retry_after_delay(header, NOW) == timedelta(minutes=10)


def test_retry_after_http_date_in_the_past_means_now() -> None:
    assert retry_after_delay("Wed, 21 Oct 2015 07:28:00 GMT", NOW) == timedelta(0)


def test_retry_after_http_date_far_ahead_is_clamped() -> None:
    assert retry_after_delay("Fri, 01 Jan 2100 00:00:00 GMT", NOW) == timedelta(hours=24)


def test_retry_after_http_date_without_zone_is_read_as_gmt() -> None:
    assert retry_after_delay("Sat, 01 Mar 2025 12:01:30 -0000", NOW) == timedelta(minutes=1)


@pytest.mark.parametrize(
    "header",
    [None, "", "   ", "soon", "-5", "1.5", "1e3", "12 s", "٣٠", "Mon, 99 Foo 2025 12:00:00 GMT"],
)
def test_absent_or_invalid_retry_after_is_ignored(header: str | None) -> None:
    assert retry_after_delay(header, NOW) is None


def test_retry_after_needs_an_aware_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        retry_after_delay("5", datetime(2025, 3, 1))  # noqa: DTZ001


# --- parse_schedule --------------------------------------------------------------------------


def test_schedule_with_units() -> None:
    schedule = parse_schedule("1m,2m,4m,1h,24h")
    assert schedule.delays == (
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(hours=1),
        timedelta(hours=24),
    )
    assert schedule.jitter == 0.1


def test_schedule_of_bare_numbers_is_seconds() -> None:
    assert parse_schedule("60,120").delays == (timedelta(seconds=60), timedelta(seconds=120))


def test_schedule_accepts_compound_units_spaces_and_upper_case() -> None:
    schedule = parse_schedule(" 30s , 1H04M, 1d12h ")
    assert schedule.delays == (
        timedelta(seconds=30),
        timedelta(hours=1, minutes=4),
        timedelta(days=1, hours=12),
    )


def test_default_schedule_can_be_written_as_a_setting() -> None:
    text = "1m,2m,4m,8m,16m,32m,1h04m,2h08m,4h16m,8h32m,17h04m,24h"
    assert parse_schedule(text).delays == DEFAULT_RETRY_DELAYS


def test_schedule_jitter_can_be_set() -> None:
    assert parse_schedule("1m", jitter=0.0).jitter == 0.0


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  ",
        "soon",
        "1x",
        "1m,,2m",
        "1m,",
        "-5",
        "0",
        "0m",
        "1.5m",
        "m",
        "1m2h",
        "2m,1m",
        "1m,60",
        "99999999999999999999d",
    ],
)
def test_nonsense_schedule_setting_is_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        parse_schedule(text)
