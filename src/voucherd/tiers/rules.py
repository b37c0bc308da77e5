"""Pure tier rules: points ranges, choosing a member's tier, point mappings, qualification.

No database and no clock: callers pass the points and the day. Ranges are inclusive at both
ends, as in Voucherify's examples (`151-250` then `251-350`); an open `to` has no upper bound.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import Any, Literal, TypeVar

from dateutil.relativedelta import relativedelta

from voucherd.kit.money import round_half_up

T = TypeVar("T")

ChangeKind = Literal["joined", "upgraded", "downgraded", "left"]
Qualification = Literal["BALANCE", "POINTS_IN_PERIOD"]
Period = Literal["MONTH", "QUARTER", "HALF_YEAR", "YEAR"]

PERIOD_MONTHS: dict[str, int] = {"MONTH": 1, "QUARTER": 3, "HALF_YEAR": 6, "YEAR": 12}
# Voucherify requires a period with POINTS_IN_PERIOD and documents no default; a program saved
# without one qualifies on the calendar month, the shortest (and first listed) period.
DEFAULT_PERIOD: Period = "MONTH"


@dataclass(frozen=True)
class PointsRange:
    start: int
    end: int | None = None  # inclusive; None = no upper bound

    def contains(self, points: int) -> bool:
        return points >= self.start and (self.end is None or points <= self.end)


def ranges_overlap(a: PointsRange, b: PointsRange) -> bool:
    return (b.end is None or a.start <= b.end) and (a.end is None or b.start <= a.end)


def first_overlap(ranges: Sequence[tuple[str, PointsRange]]) -> tuple[str, str] | None:
    """Two ranges that share a point, or None.

    Sorted by start, any overlap shows between neighbours: if a range reaches a later one, it
    also reaches every range starting in between (ranges are valid, start <= end).
    """
    ordered = sorted(ranges, key=lambda item: item[1].start)
    for (name_a, a), (name_b, b) in pairwise(ordered):
        if ranges_overlap(a, b):
            return name_a, name_b
    return None


def tier_for(points: int, tiers: Iterable[T], range_of: Callable[[T], PointsRange]) -> T | None:
    """The tier whose range holds `points` (the highest one, should ranges ever overlap)."""
    best: T | None = None
    for tier in tiers:
        if range_of(tier).contains(points) and (
            best is None or range_of(tier).start > range_of(best).start
        ):
            best = tier
    return best


def change_kind(old_start: int | None, new_start: int | None) -> ChangeKind | None:
    """How a member moved, from the lower bounds of the old and new tier (None = no tier)."""
    if old_start == new_start:
        return None
    if old_start is None:
        return "joined"
    if new_start is None:
        return "left"
    return "upgraded" if new_start > old_start else "downgraded"


def apply_mapping(points: int, mapping: Mapping[str, Any] | None) -> int:
    """Points after a tier's `MappingPoints`: MULTIPLY scales (half up), CUSTOM replaces."""
    if not mapping:
        return points
    if mapping.get("type") == "CUSTOM":
        return int(mapping.get("points") or 0)
    multiplier = mapping.get("multiplier")
    if multiplier is None:
        return points
    # str() first: a JSON float such as 1.1 must scale as the decimal the client wrote.
    return round_half_up(Decimal(points) * Decimal(str(multiplier)))


def map_points(loyalty: Mapping[str, Any], mapping: Mapping[str, Any] | None) -> dict[str, Any]:
    """An earning rule's `loyalty` with every `points` value passed through the tier mapping.

    FIXED rules carry `points` at the top; PROPORTIONAL ones one or two levels down
    (`order.amount.points`, `customer.metadata.points`), next to `every`.
    """

    def walk(node: Mapping[str, Any], depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "points" and isinstance(value, int) and not isinstance(value, bool):
                out[key] = apply_mapping(value, mapping)
            elif isinstance(value, Mapping) and depth < 3:
                out[key] = walk(value, depth + 1)
            else:
                out[key] = value
        return out

    return walk(loyalty, 0) if mapping else dict(loyalty)


@dataclass(frozen=True)
class TierSettings:
    """The program's `loyalty_tiers_expiration`, reduced to what tier choice needs."""

    qualification: Qualification = "BALANCE"
    period: Period = DEFAULT_PERIOD
    # END_OF_NEXT_PERIOD keeps a tier earned in one period through the next one.
    keeps_next_period: bool = False


def tier_settings(raw: Mapping[str, Any] | None) -> TierSettings:
    """Read stored settings leniently: unknown values fall back to Voucherify's defaults."""
    if not raw:
        return TierSettings()
    if raw.get("qualification_type") != "POINTS_IN_PERIOD":
        return TierSettings()
    period = raw.get("qualification_period")
    expiration = raw.get("expiration_date") or {}
    return TierSettings(
        qualification="POINTS_IN_PERIOD",
        period=period if period in PERIOD_MONTHS else DEFAULT_PERIOD,
        keeps_next_period=isinstance(expiration, Mapping)
        and expiration.get("type") == "END_OF_NEXT_PERIOD",
    )


def period_start(period: Period, day: date) -> date:
    """First day of the calendar month / quarter / half-year / year holding `day`."""
    months = PERIOD_MONTHS[period]
    return date(day.year, (day.month - 1) // months * months + 1, 1)


def previous_period_start(period: Period, day: date) -> date:
    return period_start(period, day) - relativedelta(months=PERIOD_MONTHS[period])


def period_end(period: Period, day: date) -> date:
    """Last day of the period holding `day`."""
    return period_start(period, day) + relativedelta(months=PERIOD_MONTHS[period], days=-1)


def qualifying_points(
    settings: TierSettings, *, balance: int, this_period: int, last_period: int
) -> int:
    """The points a member's tier is chosen on.

    BALANCE (Voucherify's default): the current balance, so spending or expiry can move a
    member down. POINTS_IN_PERIOD: points earned in the current calendar period (and, with
    END_OF_NEXT_PERIOD, the previous one too), which spending never lowers.
    """
    if settings.qualification == "BALANCE":
        return balance
    if settings.keeps_next_period:
        return max(this_period, last_period)
    return this_period


def tier_expiration_date(settings: TierSettings, today: date) -> date | None:
    """When the current tier lapses unless re-qualified; None for BALANCE (it never lapses)."""
    if settings.qualification == "BALANCE":
        return None
    end = period_end(settings.period, today)
    if settings.keeps_next_period:
        return period_end(settings.period, end + relativedelta(days=1))
    return end
