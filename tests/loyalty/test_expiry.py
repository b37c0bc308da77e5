"""Loyalty points expiration dates from ``expiration_rules`` (voucherd.loyalty.expiry)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voucherd.loyalty.expiry import (
    ROUNDING_TYPES,
    ExpirationRules,
    ExpirationRulesError,
    expiration_date,
    parse_expiration_rules,
)


def month_rules(
    months: int, rounding: str | None = None, rounding_value: int | None = None
) -> ExpirationRules:
    raw: dict[str, object] = {"period_type": "MONTH", "period_value": months}
    if rounding is not None:
        raw["rounding_type"] = rounding
        raw["rounding_value"] = rounding_value if rounding_value is not None else 0
    rules = parse_expiration_rules(raw)
    assert rules is not None
    return rules


def fixed_day_rules(month: int, day: int) -> ExpirationRules:
    rules = parse_expiration_rules(
        {"period_type": "FIXED_DAY_OF_YEAR", "fixed_month": month, "fixed_day": day}
    )
    assert rules is not None
    return rules


# --- MONTH -----------------------------------------------------------------------------------


def test_particular_month_rounding_seed_example() -> None:
    # Seed: 2025-01-27 + 2 months = 2025-03-27; the next end of January is 2026-01-31.
    rules = month_rules(2, "PARTICULAR_MONTH", 1)
    assert expiration_date(rules, date(2025, 1, 27)) == date(2026, 1, 31)


def test_month_period_without_rounding_adds_calendar_months() -> None:
    assert expiration_date(month_rules(3), date(2025, 5, 14)) == date(2025, 8, 14)
    assert expiration_date(month_rules(12), date(2025, 5, 14)) == date(2026, 5, 14)


def test_month_period_clamps_to_the_end_of_a_shorter_month() -> None:
    assert expiration_date(month_rules(1), date(2025, 1, 31)) == date(2025, 2, 28)
    assert expiration_date(month_rules(3), date(2025, 1, 31)) == date(2025, 4, 30)


def test_month_period_lands_on_february_29_in_leap_years() -> None:
    assert expiration_date(month_rules(1), date(2024, 1, 31)) == date(2024, 2, 29)
    assert expiration_date(month_rules(12), date(2024, 2, 29)) == date(2025, 2, 28)
    assert expiration_date(month_rules(48), date(2024, 2, 29)) == date(2028, 2, 29)


def test_period_zero_expires_at_the_end_of_the_same_day() -> None:
    assert expiration_date(month_rules(0), date(2025, 6, 10)) == date(2025, 6, 10)


def test_period_zero_with_rounding_still_rounds_forward() -> None:
    assert expiration_date(month_rules(0, "END_OF_MONTH"), date(2025, 6, 10)) == date(2025, 6, 30)


@pytest.mark.parametrize(
    ("rounding", "earned_on", "expected"),
    [
        # earned_on + 1 month, then forward to the end of the containing period
        ("END_OF_MONTH", date(2025, 1, 10), date(2025, 2, 28)),
        ("END_OF_MONTH", date(2024, 1, 10), date(2024, 2, 29)),
        ("END_OF_MONTH", date(2025, 3, 31), date(2025, 4, 30)),
        ("END_OF_QUARTER", date(2025, 1, 10), date(2025, 3, 31)),
        ("END_OF_QUARTER", date(2025, 3, 10), date(2025, 6, 30)),
        ("END_OF_QUARTER", date(2025, 8, 1), date(2025, 9, 30)),
        ("END_OF_QUARTER", date(2025, 11, 15), date(2025, 12, 31)),
        ("END_OF_HALF_YEAR", date(2025, 4, 30), date(2025, 6, 30)),
        ("END_OF_HALF_YEAR", date(2025, 6, 1), date(2025, 12, 31)),
        ("END_OF_HALF_YEAR", date(2025, 12, 5), date(2026, 6, 30)),
        ("END_OF_YEAR", date(2025, 2, 1), date(2025, 12, 31)),
        ("END_OF_YEAR", date(2025, 12, 1), date(2026, 12, 31)),
    ],
)
def test_rounding_moves_forward_to_the_end_of_the_containing_period(
    rounding: str, earned_on: date, expected: date
) -> None:
    assert expiration_date(month_rules(1, rounding), earned_on) == expected


def test_rounding_keeps_a_date_already_at_the_period_end() -> None:
    # 2025-05-31 + 1 month = 2025-06-30, already the end of June, of Q2 and of the half-year.
    for rounding in ("END_OF_MONTH", "END_OF_QUARTER", "END_OF_HALF_YEAR"):
        assert expiration_date(month_rules(1, rounding), date(2025, 5, 31)) == date(2025, 6, 30)
    assert expiration_date(month_rules(0, "END_OF_YEAR"), date(2025, 12, 31)) == date(2025, 12, 31)


def test_particular_month_in_the_same_month_rounds_to_its_end() -> None:
    rules = month_rules(2, "PARTICULAR_MONTH", 3)
    assert expiration_date(rules, date(2025, 1, 5)) == date(2025, 3, 31)


def test_particular_month_later_in_the_year_stays_in_the_same_year() -> None:
    rules = month_rules(1, "PARTICULAR_MONTH", 9)
    assert expiration_date(rules, date(2025, 1, 5)) == date(2025, 9, 30)


def test_particular_month_already_passed_rounds_into_next_year() -> None:
    rules = month_rules(1, "PARTICULAR_MONTH", 2)
    assert expiration_date(rules, date(2025, 6, 5)) == date(2026, 2, 28)
    assert expiration_date(rules, date(2027, 6, 5)) == date(2028, 2, 29)


# --- FIXED_DAY_OF_YEAR -----------------------------------------------------------------------


def test_fixed_day_later_this_year() -> None:
    assert expiration_date(fixed_day_rules(12, 31), date(2025, 3, 1)) == date(2025, 12, 31)


def test_fixed_day_already_passed_is_next_year() -> None:
    assert expiration_date(fixed_day_rules(3, 1), date(2025, 7, 1)) == date(2026, 3, 1)


def test_fixed_day_is_strictly_after_the_earning_day() -> None:
    assert expiration_date(fixed_day_rules(7, 1), date(2025, 7, 1)) == date(2026, 7, 1)
    assert expiration_date(fixed_day_rules(7, 1), date(2025, 6, 30)) == date(2025, 7, 1)


def test_fixed_february_29_clamps_to_february_28_in_common_years() -> None:
    rules = fixed_day_rules(2, 29)
    assert expiration_date(rules, date(2025, 1, 1)) == date(2025, 2, 28)
    assert expiration_date(rules, date(2024, 1, 1)) == date(2024, 2, 29)
    assert expiration_date(rules, date(2025, 2, 28)) == date(2026, 2, 28)
    assert expiration_date(rules, date(2027, 3, 1)) == date(2028, 2, 29)


def test_fixed_day_past_a_short_month_clamps_to_its_last_day() -> None:
    assert expiration_date(fixed_day_rules(4, 31), date(2025, 1, 1)) == date(2025, 4, 30)


# --- parse_expiration_rules ------------------------------------------------------------------


def test_no_rules_mean_points_never_expire() -> None:
    assert parse_expiration_rules(None) is None
    assert parse_expiration_rules({}) is None
    assert parse_expiration_rules({"period_type": None, "period_value": None}) is None


def test_period_type_defaults_to_month() -> None:
    assert parse_expiration_rules({"period_value": 6}) == ExpirationRules("MONTH", period_value=6)


def test_fields_of_the_other_period_type_are_ignored() -> None:
    rules = parse_expiration_rules(
        {"period_type": "MONTH", "period_value": 6, "fixed_month": 99, "fixed_day": "x"}
    )
    assert rules == ExpirationRules("MONTH", period_value=6)
    rules = parse_expiration_rules(
        {
            "period_type": "FIXED_DAY_OF_YEAR",
            "fixed_month": 3,
            "fixed_day": 1,
            "period_value": 2,
            "rounding_type": "END_OF_YEAR",
        }
    )
    assert rules == ExpirationRules("FIXED_DAY_OF_YEAR", fixed_month=3, fixed_day=1)


def test_rounding_value_is_kept_only_for_particular_month() -> None:
    assert month_rules(1, "END_OF_QUARTER", 0).rounding_value is None
    assert month_rules(1, "PARTICULAR_MONTH", 4).rounding_value == 4


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"period_type": "WEEK", "period_value": 1}, "period_type must be one of"),
        ({"period_type": 1}, "period_type must be one of"),
        ({"period_type": "MONTH"}, "period_value is required for period_type MONTH"),
        ({"period_type": "MONTH", "period_value": -1}, "period_value must be between 0 and"),
        ({"period_type": "MONTH", "period_value": 10_000}, "period_value must be between 0 and"),
        ({"period_type": "MONTH", "period_value": "3"}, "period_value must be an integer"),
        ({"period_type": "MONTH", "period_value": 2.5}, "period_value must be an integer"),
        ({"period_type": "MONTH", "period_value": True}, "period_value must be an integer"),
        ({"period_value": 1, "rounding_type": "END_OF_WEEK"}, "rounding_type must be one of"),
        (
            {"period_value": 1, "rounding_type": "PARTICULAR_MONTH"},
            "rounding_value is required for rounding_type PARTICULAR_MONTH",
        ),
        (
            {"period_value": 1, "rounding_type": "PARTICULAR_MONTH", "rounding_value": 0},
            "rounding_value must be between 1 and 12",
        ),
        (
            {"period_value": 1, "rounding_type": "PARTICULAR_MONTH", "rounding_value": 13},
            "rounding_value must be between 1 and 12",
        ),
        (
            {"period_value": 1, "rounding_type": "END_OF_MONTH", "rounding_value": "0"},
            "rounding_value must be an integer",
        ),
        ({"period_type": "FIXED_DAY_OF_YEAR", "fixed_day": 1}, "fixed_month is required"),
        ({"period_type": "FIXED_DAY_OF_YEAR", "fixed_month": 1}, "fixed_day is required"),
        (
            {"period_type": "FIXED_DAY_OF_YEAR", "fixed_month": 13, "fixed_day": 1},
            "fixed_month must be between 1 and 12",
        ),
        (
            {"period_type": "FIXED_DAY_OF_YEAR", "fixed_month": 1, "fixed_day": 32},
            "fixed_day must be between 1 and 31",
        ),
        (
            {"period_type": "FIXED_DAY_OF_YEAR", "fixed_month": 1, "fixed_day": 0},
            "fixed_day must be between 1 and 31",
        ),
    ],
)
def test_invalid_rules_are_rejected_with_a_client_message(
    raw: dict[str, object], message: str
) -> None:
    with pytest.raises(ExpirationRulesError, match=re.escape(message)):
        parse_expiration_rules(raw)


def test_rules_that_are_not_an_object_are_rejected() -> None:
    with pytest.raises(ExpirationRulesError, match="must be an object"):
        parse_expiration_rules("MONTH")  # type: ignore[arg-type]


# --- properties ------------------------------------------------------------------------------

earning_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2900, 12, 31))


@st.composite
def any_rules(draw: st.DrawFn) -> ExpirationRules:
    if draw(st.booleans()):
        return fixed_day_rules(draw(st.integers(1, 12)), draw(st.integers(1, 31)))
    rounding = draw(st.none() | st.sampled_from(ROUNDING_TYPES))
    return month_rules(draw(st.integers(0, 1200)), rounding, draw(st.integers(1, 12)))


@given(rules=any_rules(), earned_on=earning_dates)
def test_points_never_expire_before_they_are_earned(
    rules: ExpirationRules, earned_on: date
) -> None:
    assert expiration_date(rules, earned_on) >= earned_on


@given(rules=any_rules(), earned_on=earning_dates)
def test_fixed_day_expiry_is_within_a_year_and_a_day(
    rules: ExpirationRules, earned_on: date
) -> None:
    if rules.period_type == "FIXED_DAY_OF_YEAR":
        assert (expiration_date(rules, earned_on) - earned_on).days <= 366


@given(
    months=st.integers(0, 1200),
    rounding=st.sampled_from(ROUNDING_TYPES),
    rounding_value=st.integers(1, 12),
    earned_on=earning_dates,
)
def test_rounding_never_moves_the_date_backwards(
    months: int, rounding: str, rounding_value: int, earned_on: date
) -> None:
    rounded = month_rules(months, rounding, rounding_value)
    unrounded = replace(rounded, rounding_type=None, rounding_value=None)
    assert expiration_date(rounded, earned_on) >= expiration_date(unrounded, earned_on)


def test_program_rules_read_off_the_campaign_template() -> None:
    from voucherd.loyalty.expiry import program_rules

    rules = {"period_type": "MONTH", "period_value": 2}
    assert (
        program_rules({"type": "LOYALTY_CARD", "loyalty_card": {"expiration_rules": rules}})
        == rules
    )
    assert program_rules({"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}) is None
    assert program_rules({"type": "DISCOUNT_VOUCHER", "loyalty_card": None}) is None
    assert program_rules(None) is None
