"""The redemption path's one referral check, pure (no SQL): a referrer may not redeem their
own referral code. Validations report it as an inapplicable redeemable, redemptions refuse."""

from __future__ import annotations

from voucherd.campaigns.models import Campaign
from voucherd.customers.models import Customer
from voucherd.kit.errors import ApiError
from voucherd.referrals.program import is_referral
from voucherd.vouchers.models import Voucher

REFERRER_REFUSED = "referrer_not_permitted_to_redeem"


class ReferrerNotPermitted(ApiError):
    status = 400
    key = REFERRER_REFUSED
    message = "voucher cannot be redeemed by referrer"


def referrer_error(
    voucher: Voucher | None, campaign: Campaign | None, customer: Customer | None
) -> ApiError | None:
    """Voucherify's 400 when the code's referrer (its holder) redeems it; None otherwise."""
    if voucher is None or customer is None or not is_referral(campaign):
        return None
    if voucher.holder_id is not None and voucher.holder_id == customer.id:
        return ReferrerNotPermitted(voucher.code)
    return None
