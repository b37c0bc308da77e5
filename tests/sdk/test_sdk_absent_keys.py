"""The official SDK parses the answers that now leave out optional objects Voucherify omits
(voucherd/kit/wire.py): an omitted key reads as None, a present one as its model.

A response the SDK cannot parse fails as `pydantic.ValidationError`: a server bug.
"""

from __future__ import annotations

from typing import Any

import voucherify as V

EXPIRATION_RULES: dict[str, Any] = {
    "period_type": "MONTH",
    "period_value": 2,
    "rounding_type": "PARTICULAR_MONTH",
    "rounding_value": 1,
}


def test_redemption_and_orders_without_optional_objects(sdk: Any) -> None:
    voucher = V.VouchersApi(sdk).create_voucher(
        "SDK-ABSENT-1",
        V.VouchersCreateWithSpecificCodeRequestBody.from_dict(
            {"type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 100}}
        ),
    )
    redeemed = V.RedemptionsApi(sdk).redeem_stacked_discounts(
        V.RedemptionsRedeemRequestBody(
            redeemables=[
                V.RedemptionsRedeemRequestBodyRedeemablesItem(object="voucher", id=voucher.code)
            ],
            order=V.Order(amount=1000),
        )
    )
    assert redeemed.inapplicable_redeemables is None and redeemed.skipped_redeemables is None
    [redemption] = redeemed.redemptions
    assert redemption.promotion_tier is None and redemption.reward is None
    fetched = V.RedemptionsApi(sdk).get_redemption(redemption.id)
    assert fetched.id == redemption.id and fetched.promotion_tier is None

    orders = V.OrdersApi(sdk)
    bare = orders.create_order(V.OrdersCreateRequestBody(amount=500))
    assert bare.customer is None and bare.referrer is None
    full = orders.create_order(
        V.OrdersCreateRequestBody(
            amount=500,
            customer=V.Customer(source_id="sdk-buyer"),
            referrer=V.Referrer(source_id="sdk-friend"),
        )
    )
    assert full.customer is not None and full.customer.id == full.customer_id
    assert full.referrer is not None and full.referrer.id == full.referrer_id
    assert orders.get_order(bare.id).customer is None
    # Also the redemption's order, without customer: the list parses with and without.
    listed = {o.id: o for o in orders.list_orders().orders}
    assert {bare.id, full.id, redeemed.order.id} == set(listed)
    assert listed[full.id].referrer is not None and listed[bare.id].referrer is None


def test_earning_rules_and_cleared_campaign_dates(sdk: Any) -> None:
    loyalties = V.LoyaltiesApi(sdk)
    program = loyalties.create_loyalty_program(
        V.LoyaltiesCreateCampaignRequestBody.from_dict(
            {
                "name": "SDK absent",
                "campaign_type": "LOYALTY_PROGRAM",
                "type": "AUTO_UPDATE",
                "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}},
            }
        )
    )
    rules = [
        {
            "event": "order.paid",
            "loyalty": {"type": "FIXED", "points": 1},
            "source": {"banner": "a"},
        },
        {
            "event": "order.paid",
            "loyalty": {"type": "FIXED", "points": 2},
            "source": {"banner": "b"},
            "expiration_rules": EXPIRATION_RULES,
        },
    ]
    plain, expiring = loyalties.create_earning_rule(
        program.id,
        [V.LoyaltiesEarningRulesCreateRequestBodyItem.from_dict(rule) for rule in rules],
    )
    assert plain.expiration_rules is None and plain.start_date is None
    assert expiring.expiration_rules is not None
    assert expiring.expiration_rules.period_value == 2
    assert loyalties.get_earning_rule(program.id, plain.id).expiration_rules is None
    assert len(loyalties.list_earning_rules(program.id).data) == 2

    campaigns = V.CampaignsApi(sdk)
    campaign = campaigns.create_campaign(
        V.CampaignsCreateRequestBody.from_dict(
            {
                "name": "SDK dated",
                "type": "AUTO_UPDATE",
                "expiration_date": "2099-01-01T00:00:00Z",
                "voucher": {
                    "type": "DISCOUNT_VOUCHER",
                    "discount": {"type": "AMOUNT", "amount_off": 1},
                },
            }
        )
    )
    assert campaign.expiration_date is not None and campaign.start_date is None
    cleared = campaigns.update_campaign(
        campaign.id, V.CampaignsUpdateRequestBody(expiration_date=None)
    )
    assert cleared.expiration_date is None
    assert campaigns.get_campaign(campaign.id).expiration_date is None
