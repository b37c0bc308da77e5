"""Pure reward rules: pay-with-points arithmetic and the reward redemption lifecycle."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voucherd.rewards import rules

ratios = st.tuples(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal(1000), places=2),
    st.integers(min_value=1, max_value=10_000),
)


def test_points_are_worth_exchange_ratio_major_units_per_points_ratio() -> None:
    # 10 points = 1.00: 150 points pay 15.00 = 1500 cents.
    assert rules.points_value(150, Decimal(1), 10) == 1500
    # 0.5 per 3 points: 7 points = 1.1666… = 116.67 cents, rounded half up to 117.
    assert rules.points_value(7, Decimal("0.5"), 3) == 117
    assert rules.points_needed(2500, Decimal(1), 10) == 250
    assert rules.points_needed(2501, Decimal(1), 10) == 251
    assert rules.points_needed(0, Decimal(1), 10) == 0


@given(amount=st.integers(min_value=1, max_value=10**9), ratio=ratios)
def test_points_needed_is_the_fewest_points_that_cover_the_amount(
    amount: int, ratio: tuple[Decimal, int]
) -> None:
    cash, points_ratio = ratio
    needed = rules.points_needed(amount, cash, points_ratio)
    exact = Decimal(needed) * cash * 100 / points_ratio
    assert exact >= amount
    assert (Decimal(needed - 1) * cash * 100 / points_ratio) < amount
    assert rules.points_value(needed, cash, points_ratio) >= amount


@pytest.mark.parametrize(
    ("exchange", "points", "expected"),
    [
        (1, "10", {"exchange_ratio": 1, "points_ratio": 10}),
        (0.1, 1, {"exchange_ratio": 0.1, "points_ratio": 1}),
        ("2.50", "4", {"exchange_ratio": 2.5, "points_ratio": 4}),
    ],
)
def test_ratios_are_read_from_numbers_or_numeric_strings(
    exchange: object, points: object, expected: dict[str, object]
) -> None:
    cash, ratio = rules.parse_ratio(exchange, points)
    assert rules.stored_ratio(cash, ratio) == expected


@pytest.mark.parametrize(
    ("exchange", "points"),
    [(None, 1), (1, None), (0, 1), (-1, 1), (1, 0), (1, "1.5"), ("abc", 1), ("NaN", 1), (True, 1)],
)
def test_unusable_ratios_are_refused(exchange: object, points: object) -> None:
    with pytest.raises(rules.CoinError):
        rules.parse_ratio(exchange, points)


def test_reward_redemption_moves_created_pending_completed_then_only_rolledback() -> None:
    assert rules.can_move(rules.CREATED, rules.PENDING)
    assert rules.can_move(rules.PENDING, rules.COMPLETED)
    assert rules.can_move(rules.COMPLETED, rules.ROLLEDBACK)
    assert not rules.can_move(rules.CREATED, rules.COMPLETED)
    assert not rules.can_move(rules.ROLLEDBACK, rules.COMPLETED)
    assert not rules.can_move(rules.PENDING, rules.ROLLEDBACK)
    assert rules.event_type(rules.ROLLEDBACK) == "customer.reward_redemptions.rolledback"
