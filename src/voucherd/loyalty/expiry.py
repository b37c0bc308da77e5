"""When earned loyalty points expire, from Voucherify's ``expiration_rules``.

Rules come in two shapes:

* ``period_type: "MONTH"`` -- points live ``period_value`` calendar months (0 = until the end of
  the day they were earned), optionally rounded *forward* to the end of the month, quarter,
  half-year or year, or to the end of the next occurrence of one particular month;
* ``period_type: "FIXED_DAY_OF_YEAR"`` -- points expire on the next ``fixed_month``/``fixed_day``
  after the day they were earned.

:func:`expiration_date` returns the last day on which the points are still valid; they expire at
the end of that day.  Pure date arithmetic: no clock (the caller supplies the earning date), no
I/O.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal, TypeAlias, cast

from dateutil.relativedelta import relativedelta

__all__ = [
    "MAX_PERIOD_MONTHS",
    "PERIOD_TYPES",
    "ROUNDING_TYPES",
    "ExpirationRules",
    "ExpirationRulesError",
    "PeriodType",
    "RoundingType",
    "expiration_date",
    "expires_on",
    "parse_expiration_rules",
    "program_rules",
]

PeriodType: TypeAlias = Literal["MONTH", "FIXED_DAY_OF_YEAR"]
RoundingType: TypeAlias = Literal[
    "END_OF_MONTH", "END_OF_QUARTER", "END_OF_HALF_YEAR", "END_OF_YEAR", "PARTICULAR_MONTH"
]

PERIOD_TYPES: tuple[PeriodType, ...] = ("MONTH", "FIXED_DAY_OF_YEAR")
ROUNDING_TYPES: tuple[RoundingType, ...] = (
    "END_OF_MONTH",
    "END_OF_QUARTER",
    "END_OF_HALF_YEAR",
    "END_OF_YEAR",
    "PARTICULAR_MONTH",
)

# 100 years.  Longer periods mean "never expires", which is expressed by sending no rules, and
# they would push dates towards date.max (year 9999) where the arithmetic overflows.
MAX_PERIOD_MONTHS = 1200


class ExpirationRulesError(ValueError):
    """Invalid ``expiration_rules``; the message is client-facing."""

    key = "invalid_expiration_rules"


@dataclass(frozen=True)
class ExpirationRules:
    """Validated ``expiration_rules``.

    Only the fields that matter for ``period_type`` are kept; the others are ``None``.
    ``rounding_value`` is kept only for ``PARTICULAR_MONTH``, where it is the month (January = 1).
    """

    period_type: PeriodType
    period_value: int | None = None
    rounding_type: RoundingType | None = None
    rounding_value: int | None = None
    fixed_month: int | None = None
    fixed_day: int | None = None


def _int_field(raw: Mapping[str, object], key: str) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    # bool is an int subclass, but `true` is not a number of months.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ExpirationRulesError(f"expiration_rules.{key} must be an integer")
    return value


def _required_int(raw: Mapping[str, object], key: str, low: int, high: int, needed_for: str) -> int:
    value = _int_field(raw, key)
    if value is None:
        raise ExpirationRulesError(f"expiration_rules.{key} is required for {needed_for}")
    if not low <= value <= high:
        raise ExpirationRulesError(f"expiration_rules.{key} must be between {low} and {high}")
    return value


def _enum_field(raw: Mapping[str, object], key: str, allowed: tuple[str, ...]) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or value not in allowed:
        raise ExpirationRulesError(f"expiration_rules.{key} must be one of: {', '.join(allowed)}")
    return value


def parse_expiration_rules(raw: Mapping[str, object] | None) -> ExpirationRules | None:
    """Validate client ``expiration_rules``; ``None`` means points never expire.

    An object whose values are all null (or ``{}``) also means "no rules".  ``period_type``
    defaults to ``MONTH``, as in Voucherify's SDK models.  Fields irrelevant to the period type
    (e.g. ``fixed_day`` with ``MONTH``, rounding with ``FIXED_DAY_OF_YEAR``) are ignored, as is
    ``rounding_value`` for roundings other than ``PARTICULAR_MONTH``: Voucherify documents it as
    required whenever a rounding is set, so clients send a placeholder there.  Raises
    :class:`ExpirationRulesError`.
    """
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ExpirationRulesError("expiration_rules must be an object")
    if all(value is None for value in raw.values()):
        return None

    period_type = cast(PeriodType, _enum_field(raw, "period_type", PERIOD_TYPES) or "MONTH")

    if period_type == "FIXED_DAY_OF_YEAR":
        needed = "period_type FIXED_DAY_OF_YEAR"
        fixed_month = _required_int(raw, "fixed_month", 1, 12, needed)
        # Days beyond the month's length (Feb 30, Apr 31) are clamped to its last day, like
        # Feb 29 in common years; see _clamped_date.
        fixed_day = _required_int(raw, "fixed_day", 1, 31, needed)
        return ExpirationRules(period_type, fixed_month=fixed_month, fixed_day=fixed_day)

    period_value = _required_int(raw, "period_value", 0, MAX_PERIOD_MONTHS, "period_type MONTH")
    rounding_type = cast(RoundingType | None, _enum_field(raw, "rounding_type", ROUNDING_TYPES))
    rounding_value: int | None = None
    if rounding_type == "PARTICULAR_MONTH":
        rounding_value = _required_int(
            raw, "rounding_value", 1, 12, "rounding_type PARTICULAR_MONTH"
        )
    else:
        _int_field(raw, "rounding_value")  # still reject a wrongly typed value
    return ExpirationRules(
        period_type,
        period_value=period_value,
        rounding_type=rounding_type,
        rounding_value=rounding_value,
    )


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _clamped_date(year: int, month: int, day: int) -> date:
    """``year-month-day``, with a day past the month's end moved back to the last day."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _round_forward(day: date, rounding_type: RoundingType, rounding_value: int | None) -> date:
    """The end of the period of ``rounding_type`` that contains ``day`` (never earlier)."""
    if rounding_type == "END_OF_MONTH":
        return _month_end(day.year, day.month)
    if rounding_type == "END_OF_QUARTER":
        return _month_end(day.year, (day.month - 1) // 3 * 3 + 3)
    if rounding_type == "END_OF_HALF_YEAR":
        return _month_end(day.year, 6 if day.month <= 6 else 12)
    if rounding_type == "END_OF_YEAR":
        return date(day.year, 12, 31)
    # PARTICULAR_MONTH: the end of that month this year if we have not passed it, else next year.
    if rounding_value is None:
        raise ValueError("PARTICULAR_MONTH rounding needs rounding_value")
    year = day.year if day.month <= rounding_value else day.year + 1
    return _month_end(year, rounding_value)


def expiration_date(rules: ExpirationRules, earned_on: date) -> date:
    """The last day on which points earned on ``earned_on`` are valid.

    ``MONTH`` n: ``earned_on`` + n calendar months (Jan 31 + 1 month = Feb 28/29), then rounded
    forward when a rounding is set.  ``FIXED_DAY_OF_YEAR``: the next ``fixed_month``/``fixed_day``
    strictly after ``earned_on`` -- points earned on the expiry day itself live a full year
    rather than a few hours.  The result is never before ``earned_on``.
    """
    if rules.period_type == "FIXED_DAY_OF_YEAR":
        if rules.fixed_month is None or rules.fixed_day is None:
            raise ValueError("FIXED_DAY_OF_YEAR rules need fixed_month and fixed_day")
        candidate = _clamped_date(earned_on.year, rules.fixed_month, rules.fixed_day)
        if candidate <= earned_on:
            candidate = _clamped_date(earned_on.year + 1, rules.fixed_month, rules.fixed_day)
        return candidate

    if rules.period_value is None:
        raise ValueError("MONTH rules need period_value")
    # relativedelta clamps the day to the target month's length, which is what "n months" means
    # for points earned on the 29th-31st.
    expires = earned_on + relativedelta(months=rules.period_value)
    if rules.rounding_type is not None:
        expires = _round_forward(expires, rules.rounding_type, rules.rounding_value)
    return expires


def program_rules(voucher_template: Mapping[str, object] | None) -> Mapping[str, object] | None:
    """A loyalty program's stored `voucher.loyalty_card.expiration_rules` (None = never)."""
    card = (voucher_template or {}).get("loyalty_card")
    rules = card.get("expiration_rules") if isinstance(card, Mapping) else None
    return rules if isinstance(rules, Mapping) else None


def expires_on(raw_rules: Mapping[str, object] | None, earned_on: date) -> date | None:
    """The last valid day of points earned on `earned_on` under stored rules (None = never).

    Rules are validated when saved, so stored rules always parse.
    """
    rules = parse_expiration_rules(raw_rules)
    return expiration_date(rules, earned_on) if rules is not None else None
