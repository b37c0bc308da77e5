"""Tier rules without a database: ranges, tier choice, mappings, qualification periods."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from voucherd.tiers.rules import (
    PointsRange,
    TierSettings,
    apply_mapping,
    change_kind,
    first_overlap,
    map_points,
    period_end,
    period_start,
    previous_period_start,
    qualifying_points,
    ranges_overlap,
    tier_expiration_date,
    tier_for,
    tier_settings,
)

BOTTOM = PointsRange(0, 99)
MIDDLE = PointsRange(100, 499)
TOP = PointsRange(500, None)


def test_ranges_are_inclusive_at_both_ends() -> None:
    assert BOTTOM.contains(0) and BOTTOM.contains(99) and not BOTTOM.contains(100)
    assert TOP.contains(500) and TOP.contains(10**9)


def test_adjacent_ranges_do_not_overlap_but_shared_ends_do() -> None:
    assert not ranges_overlap(PointsRange(151, 250), PointsRange(251, 350))
    assert ranges_overlap(PointsRange(151, 250), PointsRange(250, 350))
    assert ranges_overlap(PointsRange(0, None), PointsRange(10**6, None))


def test_first_overlap_names_the_clashing_pair() -> None:
    assert first_overlap([("a", BOTTOM), ("b", MIDDLE), ("c", TOP)]) is None
    assert first_overlap([("top", TOP), ("wide", PointsRange(50, 600))]) == ("wide", "top")


@given(st.lists(st.tuples(st.integers(0, 200), st.integers(1, 50) | st.none()), max_size=6))
def test_first_overlap_agrees_with_checking_every_pair(raw: list[tuple[int, int | None]]) -> None:
    ranges = [
        (str(i), PointsRange(start, None if width is None else start + width))
        for i, (start, width) in enumerate(raw)
    ]
    any_pair = any(
        ranges_overlap(a, b) for i, (_, a) in enumerate(ranges) for _, b in ranges[i + 1 :]
    )
    assert (first_overlap(ranges) is not None) == any_pair


def test_a_member_is_in_the_tier_whose_range_holds_their_points() -> None:
    tiers = [BOTTOM, MIDDLE, TOP]
    assert tier_for(0, tiers, lambda r: r) is BOTTOM
    assert tier_for(100, tiers, lambda r: r) is MIDDLE
    assert tier_for(499, tiers, lambda r: r) is MIDDLE
    assert tier_for(5000, tiers, lambda r: r) is TOP
    assert tier_for(50, [MIDDLE, TOP], lambda r: r) is None


def test_moves_are_named_by_the_lower_bounds_of_the_tiers() -> None:
    assert change_kind(None, 100) == "joined"
    assert change_kind(100, 500) == "upgraded"
    assert change_kind(500, 100) == "downgraded"
    assert change_kind(100, None) == "left"
    assert change_kind(100, 100) is None
    assert change_kind(None, None) is None


def test_multiply_mapping_scales_half_up_and_custom_replaces() -> None:
    assert apply_mapping(10, {"type": "MULTIPLY", "multiplier": 2}) == 20
    assert apply_mapping(15, {"type": "MULTIPLY", "multiplier": 1.5}) == 23  # 22.5 -> 23
    assert apply_mapping(3, {"type": "MULTIPLY", "multiplier": 1.1}) == 3  # exact 3.3
    assert apply_mapping(10, {"type": "CUSTOM", "points": 7}) == 7
    assert apply_mapping(10, None) == 10


def test_mapping_reaches_fixed_and_proportional_points() -> None:
    double = {"type": "MULTIPLY", "multiplier": 2}
    assert map_points({"type": "FIXED", "points": 5}, double) == {"type": "FIXED", "points": 10}
    proportional = {
        "type": "PROPORTIONAL",
        "calculation_type": "ORDER_AMOUNT",
        "order": {"amount": {"every": 1000, "points": 3}},
    }
    mapped = map_points(proportional, double)
    assert mapped["order"]["amount"] == {"every": 1000, "points": 6}
    assert proportional["order"]["amount"]["points"] == 3  # the stored rule is untouched
    assert map_points(proportional, None) == proportional


def test_balance_is_the_default_qualification() -> None:
    assert tier_settings(None) == TierSettings()
    assert tier_settings({"qualification_type": "BALANCE"}).qualification == "BALANCE"
    settings = TierSettings()
    assert qualifying_points(settings, balance=40, this_period=900, last_period=0) == 40
    assert tier_expiration_date(settings, date(2025, 5, 5)) is None


def test_points_in_period_counts_what_was_earned_in_the_calendar_period() -> None:
    settings = tier_settings(
        {
            "qualification_type": "POINTS_IN_PERIOD",
            "qualification_period": "QUARTER",
            "expiration_date": {"type": "END_OF_PERIOD"},
        }
    )
    assert settings == TierSettings("POINTS_IN_PERIOD", "QUARTER", keeps_next_period=False)
    assert qualifying_points(settings, balance=0, this_period=300, last_period=900) == 300
    assert tier_expiration_date(settings, date(2025, 5, 5)) == date(2025, 6, 30)


def test_end_of_next_period_keeps_last_periods_points() -> None:
    settings = tier_settings(
        {
            "qualification_type": "POINTS_IN_PERIOD",
            "qualification_period": "MONTH",
            "expiration_date": {"type": "END_OF_NEXT_PERIOD"},
        }
    )
    assert settings.keeps_next_period
    assert qualifying_points(settings, balance=0, this_period=30, last_period=900) == 900
    assert tier_expiration_date(settings, date(2025, 1, 15)) == date(2025, 2, 28)


def test_calendar_periods() -> None:
    day = date(2025, 8, 20)
    assert period_start("MONTH", day) == date(2025, 8, 1)
    assert period_start("QUARTER", day) == date(2025, 7, 1)
    assert period_start("HALF_YEAR", day) == date(2025, 7, 1)
    assert period_start("YEAR", day) == date(2025, 1, 1)
    assert previous_period_start("QUARTER", date(2025, 2, 1)) == date(2024, 10, 1)
    assert period_end("MONTH", date(2024, 2, 10)) == date(2024, 2, 29)
    assert period_end("HALF_YEAR", day) == date(2025, 12, 31)
