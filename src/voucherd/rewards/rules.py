"""Pure reward rules: pay-with-points arithmetic and the reward redemption lifecycle."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal, InvalidOperation

from voucherd.kit.money import CENTS_PER_UNIT, round_half_up

# Voucherify's `RewardRedemption.state`. The spec gives no transition table; the event names
# (`customer.reward_redemptions.created|pending|completed|rolledback`) give this lifecycle.
CREATED = "CREATED"
PENDING = "PENDING"
COMPLETED = "COMPLETED"
ROLLEDBACK = "ROLLEDBACK"

TRANSITIONS: dict[str, frozenset[str]] = {
    CREATED: frozenset({PENDING}),
    PENDING: frozenset({COMPLETED}),
    COMPLETED: frozenset({ROLLEDBACK}),
    ROLLEDBACK: frozenset(),
}


def can_move(state: str, to: str) -> bool:
    return to in TRANSITIONS.get(state, frozenset())


def event_type(state: str) -> str:
    """The event recorded when a reward redemption enters `state`."""
    return f"customer.reward_redemptions.{state.lower()}"


# Bounds that keep the arithmetic in 64-bit cents for any points balance.
MAX_EXCHANGE_RATIO = Decimal(1_000_000)
MAX_POINTS_RATIO = Decimal(1_000_000_000)


class CoinError(ValueError):
    """A pay-with-points ratio or amount that cannot be used (message fit for a 400)."""


def parse_ratio(exchange_ratio: object, points_ratio: object) -> tuple[Decimal, int]:
    """`exchange_ratio` (cash in major units, > 0) and `points_ratio` (whole points, >= 1).

    Numbers may come as JSON numbers or numeric strings (the SDK sends `points_ratio` as a
    string). Floats go through `str` so 0.1 stays 0.1.
    """
    if exchange_ratio is None or points_ratio is None or isinstance(exchange_ratio, bool):
        raise CoinError("parameters.coin needs exchange_ratio and points_ratio")
    try:
        cash = Decimal(str(exchange_ratio).strip())
        points = Decimal(str(points_ratio).strip())
    except InvalidOperation as exc:
        raise CoinError("exchange_ratio and points_ratio must be numbers") from exc
    if not cash.is_finite() or cash <= 0:
        raise CoinError("exchange_ratio must be a positive number")
    if not points.is_finite() or points < 1 or points != points.to_integral_value():
        raise CoinError("points_ratio must be a whole number of points, at least 1")
    if cash > MAX_EXCHANGE_RATIO or points > MAX_POINTS_RATIO:
        raise CoinError("exchange_ratio or points_ratio is too large")
    return cash, int(points)


def stored_ratio(cash: Decimal, points: int) -> dict[str, int | float]:
    """The ratio as stored and shown (`RewardTypeCoin`: number and integer)."""
    whole = cash == cash.to_integral_value()
    return {"exchange_ratio": int(cash) if whole else float(cash), "points_ratio": points}


def points_value(points: int, cash: Decimal, points_ratio: int) -> int:
    """What `points` pay, in cents: `points * exchange_ratio / points_ratio` major units."""
    return round_half_up(Decimal(points) * cash * CENTS_PER_UNIT / points_ratio)


def points_needed(amount: int, cash: Decimal, points_ratio: int) -> int:
    """The fewest points whose exact (unrounded) value covers `amount` cents."""
    if amount <= 0:
        return 0
    exact = Decimal(amount) * points_ratio / (cash * CENTS_PER_UNIT)
    return int(exact.to_integral_value(rounding=ROUND_CEILING))
