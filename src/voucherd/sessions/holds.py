"""What validation sessions hold on a voucher, read from its row (pure).

The voucher row carries the sums of its LOCK reservations and their earliest and latest
expiry. A reservation past its expiry stops counting without any job: once the latest one
has expired, nothing is held. While some have expired and others not (`stale`), the sums
still include the expired ones; `sessions.service` then recomputes them under the row's
lock before relying on them.
"""

from __future__ import annotations

from datetime import datetime

from voucherd.vouchers.models import Voucher


def live(voucher: Voucher, now: datetime) -> bool:
    """Whether any reservation on the voucher is still running."""
    last = voucher.locks_expire_last
    return last is not None and last > now


def stale(voucher: Voucher, now: datetime) -> bool:
    """Some reservations have expired and others not: the sums overcount."""
    first = voucher.locks_expire_first
    return first is not None and first <= now and live(voucher, now)


def held_quantity(voucher: Voucher, now: datetime) -> int:
    return voucher.locked_quantity if live(voucher, now) else 0


def held_credits(voucher: Voucher, now: datetime) -> int:
    return voucher.locked_credits if live(voucher, now) else 0


def free_credits(voucher: Voucher, now: datetime) -> int:
    """The gift balance no other session holds."""
    return max((voucher.gift_balance or 0) - held_credits(voucher, now), 0)


def used_up(voucher: Voucher, now: datetime) -> bool:
    """No redemption left once the running reservations are counted."""
    quantity = voucher.redemption_quantity
    return quantity is not None and voucher.redeemed_quantity + held_quantity(voucher, now) >= (
        quantity
    )
