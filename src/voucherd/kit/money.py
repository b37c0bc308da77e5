"""Money is integer minor units (cents); the one place where fractions become cents."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENTS_PER_UNIT = 100
# The largest amount accepted anywhere ($10 billion in cents): far above any real order or
# card, and a sum of a million of them still fits the 64-bit columns.
MAX_AMOUNT = 10**12
# The largest points figure accepted in one request.
MAX_POINTS = 10**9


def round_half_up(value: Decimal) -> int:
    """Round a fractional amount of cents to whole cents, halves away from zero.

    Voucherify rounds percent discounts half up (seed 004: 10 % of 11499 = 1149.9 -> 1150).
    """
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def percent_of(amount: int, percent: Decimal) -> int:
    """`percent` % of `amount` cents, rounded with :func:`round_half_up`."""
    return round_half_up(Decimal(amount) * percent / Decimal(100))


def cents_to_major(cents: int) -> Decimal:
    """Formulas see money in major units (114.99 for 11499 cents)."""
    return Decimal(cents) / CENTS_PER_UNIT


def major_to_cents(major: Decimal) -> int:
    """A formula's money result back to cents."""
    return round_half_up(major * CENTS_PER_UNIT)
