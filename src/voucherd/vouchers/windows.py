"""Whether a code is inside its time windows now: its own `validity_*` and its campaign's."""

from __future__ import annotations

from datetime import datetime

from voucherd.campaigns.models import Campaign
from voucherd.kit.validity import WINDOW_FIELDS, in_windows
from voucherd.vouchers.models import Voucher

# Voucherify's key for a code that is not active at this moment (its windows reopen later):
# the same as before its start date.
OUTSIDE_KEY = "voucher_not_active"


def window_error(
    voucher: Voucher, campaign: Campaign | None, now: datetime
) -> tuple[str, str] | None:
    """(error key, message) when `now` is outside a window of the code or its campaign."""
    for owner, what in ((voucher, "Voucher"), (campaign, "The campaign of voucher")):
        if owner is None:
            continue
        fields = {name: getattr(owner, name) for name in WINDOW_FIELDS}
        # A timeframe recurs from the start date, else from creation (as earning rules).
        anchor = owner.start_date or owner.created_at
        if not in_windows(fields, anchor, now):
            return OUTSIDE_KEY, f"{what} {voucher.code} is outside its validity time windows"
    return None
