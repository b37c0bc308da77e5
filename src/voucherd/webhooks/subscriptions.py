"""Which endpoint wants which event (pure): exact names, plus the SDK's `…aded` spellings.

Voucherify's Management API enum (and so the official SDK) misspells four `…added` events as
`…aded`; clients that can only send those must still receive the correctly named events.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

ALIASES = {
    "voucher.loyalty_card.pending_points.aded": "voucher.loyalty_card.pending_points.added",
    "voucher.loyalty_card.points_aded": "voucher.loyalty_card.points_added",
    "voucher.gift.balance_aded": "voucher.gift.balance_added",
    "campaign.vouchers.aded": "campaign.vouchers.added",
}

# Voucherify's names: lower-case dotted words (`customer.rewarded.loyalty_points`). Anything
# else cannot be an event any domain records, so it is refused instead of silently never firing.
EVENT_NAME = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)+")


def canonical(name: str) -> str:
    return ALIASES.get(name, name)


def is_valid_name(name: str) -> bool:
    return len(name) <= 120 and EVENT_NAME.fullmatch(name) is not None


def wants(subscribed: Iterable[str], event_type: str) -> bool:
    return any(canonical(name) == event_type for name in subscribed)
