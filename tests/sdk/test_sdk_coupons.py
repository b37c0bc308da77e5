"""The official SDK drives the coupon flow end to end: campaigns, publications, stacked
validation and redemption (a discount code plus gift credits), and rollbacks.

Every call goes through the SDK's own request models and response parsing, so a response the
SDK cannot read fails here as a `pydantic.ValidationError`, which is a server bug.
"""

from __future__ import annotations

from typing import Any

import pytest
import voucherify as V
from voucherify.exceptions import BadRequestException

from tests.support import SEED_ORDER_ITEMS, SPRING_CAMPAIGN

GIFT_CAMPAIGN: dict[str, Any] = {
    "name": "Gift Cards",
    "campaign_type": "GIFT_VOUCHERS",
    "type": "STATIC",
    "voucher": {
        "type": "GIFT_VOUCHER",
        "gift": {"amount": 5000, "effect": "APPLY_TO_ORDER"},
        "redemption": {"quantity": None},
        "code_config": {"prefix": "GIFT-", "length": 8, "charset": "ABCDEFGHJKLMNPQRSTUVWXYZ"},
    },
}

# 10 % of 11499 (ORDER_AMOUNT 114.99 is not > 150) rounds to 1150.
ORDER_AMOUNT = 3500 + 7999
SPRING_DISCOUNT = 1150
GIFT_CREDITS = 2000


def _spring(count: int) -> Any:
    return V.CampaignsCreateRequestBody.from_dict({**SPRING_CAMPAIGN, "vouchers_count": count})


def _gift(count: int) -> Any:
    return V.CampaignsCreateRequestBody.from_dict({**GIFT_CAMPAIGN, "vouchers_count": count})


def _order() -> Any:
    return V.Order(items=[V.OrderItem.from_dict(item) for item in SEED_ORDER_ITEMS])


def _publish(sdk: Any, campaign: str, customer: str, *, join_once: bool = False) -> Any:
    return V.PublicationsApi(sdk).create_publication(
        join_once=join_once,
        publications_create_request_body=V.PublicationsCreateRequestBody(
            campaign=V.CreatePublicationCampaign(name=campaign),
            customer=V.Customer(source_id=customer, name=customer.title()),
        ),
    )


def test_campaigns_are_created_with_their_codes(sdk: Any) -> None:
    api = V.CampaignsApi(sdk)
    spring = api.create_campaign(_spring(3))
    assert spring.id.startswith("camp_")
    assert spring.name == "Spring Discounts"
    assert spring.campaign_type == "DISCOUNT_COUPONS"
    assert spring.type == "AUTO_UPDATE"
    assert spring.vouchers_count == 3
    assert spring.active is True
    assert spring.voucher.type == "DISCOUNT_VOUCHER"
    assert spring.voucher.discount.type == "PERCENT"
    assert spring.voucher.discount.percent_off == 10
    assert spring.voucher.discount.amount_limit == 3000
    assert spring.voucher.discount.percent_off_formula == "IF(ORDER_AMOUNT > 150;15;10)"
    assert spring.voucher.code_config.prefix == "SPRING-2024-"
    assert spring.voucher.code_config.pattern == "###"
    assert spring.voucher.redemption.quantity == 1

    gift = api.create_campaign(_gift(2))
    assert gift.campaign_type == "GIFT_VOUCHERS"
    assert gift.vouchers_count == 2
    assert gift.voucher.type == "GIFT_VOUCHER"
    assert gift.voucher.gift.amount == 5000
    assert gift.voucher.code_config.prefix == "GIFT-"

    fetched = api.get_campaign(spring.id)
    assert fetched.id == spring.id
    assert fetched.name == "Spring Discounts"
    assert fetched.vouchers_count == 3
    assert fetched.voucher.discount.percent_off == 10
    assert api.get_campaign("Gift Cards").id == gift.id

    codes = V.VouchersApi(sdk).list_vouchers(campaign_id=spring.id, limit=10).vouchers
    assert len(codes) == 3
    for voucher in codes:
        assert voucher.code.startswith("SPRING-2024-")
        assert len(voucher.code) == len("SPRING-2024-") + 3
        assert voucher.campaign_id == spring.id
    gift_codes = V.VouchersApi(sdk).list_vouchers(campaign_id=gift.id).vouchers
    assert len(gift_codes) == 2
    assert all(v.gift.balance == 5000 for v in gift_codes)


def test_publications_hand_out_distinct_codes(sdk: Any) -> None:
    campaign = V.CampaignsApi(sdk).create_campaign(_spring(2))
    first = _publish(sdk, "Spring Discounts", "sdk-ann")
    assert first.id.startswith("pub_")
    assert first.result == "SUCCESS"
    assert first.channel == "API"
    assert first.customer.source_id == "sdk-ann"
    assert first.customer_id == first.customer.id
    assert first.voucher.campaign_id == campaign.id
    assert first.voucher.code.startswith("SPRING-2024-")
    assert first.voucher.holder_id == first.customer_id

    second = _publish(sdk, "Spring Discounts", "sdk-bob")
    assert second.voucher.code != first.voucher.code
    assert second.customer_id != first.customer_id

    # join_once: the customer who already holds a code of the campaign gets that one back.
    again = _publish(sdk, "Spring Discounts", "sdk-ann", join_once=True)
    assert again.voucher.code == first.voucher.code
    assert again.id == first.id

    publications = V.PublicationsApi(sdk)
    listing = publications.list_publications(campaign="Spring Discounts", limit=10)
    assert listing.total == 2
    assert {p.id for p in listing.publications} == {first.id, second.id}
    by_id = {p.id: p for p in listing.publications}
    assert by_id[first.id].vouchers == [first.voucher.code]
    assert by_id[first.id].customer_id == first.customer_id
    only_bob = publications.list_publications(customer="sdk-bob")
    assert [p.id for p in only_bob.publications] == [second.id]
    assert only_bob.total == 1


def test_stacked_validation_redemption_and_rollback(sdk: Any) -> None:
    V.CampaignsApi(sdk).create_campaign(_spring(2))
    V.CampaignsApi(sdk).create_campaign(_gift(1))
    code = _publish(sdk, "Spring Discounts", "sdk-carol").voucher.code
    card = _publish(sdk, "Gift Cards", "sdk-carol").voucher.code
    customer = V.Customer(source_id="sdk-carol")

    validation = V.ValidationsApi(sdk).validate_stacked_discounts(
        V.ValidationsValidateRequestBody(
            redeemables=[
                V.ValidationsValidateRequestBodyRedeemablesItem(object="voucher", id=code),
                V.ValidationsValidateRequestBodyRedeemablesItem(
                    object="voucher",
                    id=card,
                    gift=V.ValidationsValidateRequestBodyRedeemablesItemGift(credits=GIFT_CREDITS),
                ),
            ],
            order=_order(),
            customer=customer,
        )
    )
    assert validation.valid is True
    assert validation.id.startswith("valid_")
    assert [r.id for r in validation.redeemables] == [code, card]
    assert [r.status for r in validation.redeemables] == ["APPLICABLE", "APPLICABLE"]
    assert validation.redeemables[0].result.discount.percent_off == 10
    assert validation.redeemables[1].result.gift.credits == GIFT_CREDITS
    # Everything applies: the key is left out (as Voucherify does), which the SDK reads as None.
    assert validation.inapplicable_redeemables is None
    assert validation.order.amount == ORDER_AMOUNT
    assert validation.order.discount_amount == SPRING_DISCOUNT + GIFT_CREDITS
    assert validation.order.total_amount == ORDER_AMOUNT - SPRING_DISCOUNT - GIFT_CREDITS
    # A validation changes nothing.
    assert V.VouchersApi(sdk).get_voucher(card).gift.balance == 5000
    assert V.VouchersApi(sdk).get_voucher(code).redemption.redeemed_quantity == 0

    redeemed = V.RedemptionsApi(sdk).redeem_stacked_discounts(
        V.RedemptionsRedeemRequestBody(
            redeemables=[
                V.RedemptionsRedeemRequestBodyRedeemablesItem(object="voucher", id=code),
                V.RedemptionsRedeemRequestBodyRedeemablesItem(
                    object="voucher",
                    id=card,
                    gift=V.RedemptionsRedeemRequestBodyRedeemablesItemGift(credits=GIFT_CREDITS),
                ),
            ],
            order=_order(),
            customer=customer,
            metadata={"channel": "sdk"},
        )
    )
    parent = redeemed.parent_redemption
    assert parent is not None
    assert parent.id.startswith("r_")
    assert parent.status == "SUCCEEDED" and parent.result == "SUCCESS"
    assert len(redeemed.redemptions) == 2
    discount_child, gift_child = redeemed.redemptions
    assert discount_child.voucher.code == code
    assert gift_child.voucher.code == card
    assert all(r.redemption == parent.id for r in redeemed.redemptions)
    assert all(r.status == "SUCCEEDED" for r in redeemed.redemptions)
    assert gift_child.gift.amount == GIFT_CREDITS
    assert {r.id for r in parent.related_redemptions.redemptions} == {
        r.id for r in redeemed.redemptions
    }
    assert redeemed.order.status == "PAID"
    assert redeemed.order.amount == ORDER_AMOUNT
    assert redeemed.order.discount_amount == SPRING_DISCOUNT + GIFT_CREDITS
    assert redeemed.order.total_amount == ORDER_AMOUNT - SPRING_DISCOUNT - GIFT_CREDITS
    customer_id = discount_child.customer_id
    assert customer_id is not None and parent.customer_id == customer_id
    assert V.VouchersApi(sdk).get_voucher(card).gift.balance == 5000 - GIFT_CREDITS
    assert V.VouchersApi(sdk).get_voucher(code).redemption.redeemed_quantity == 1

    redemptions = V.RedemptionsApi(sdk)
    fetched = redemptions.get_redemption(gift_child.id)
    assert fetched.id == gift_child.id
    assert fetched.redemption == parent.id
    assert fetched.voucher.code == card
    assert fetched.customer_id == customer_id
    assert fetched.metadata == {"channel": "sdk"}
    listing = redemptions.list_redemptions(customer=customer_id, limit=10)
    listed = {r.id for r in listing.redemptions}
    assert {discount_child.id, gift_child.id} <= listed

    undone = redemptions.rollback_stacked_redemptions(parent.id, reason="changed mind")
    assert undone.parent_rollback.status == "SUCCEEDED"
    assert undone.parent_rollback.redemption == parent.id
    assert len(undone.rollbacks) == 2
    assert {r.redemption for r in undone.rollbacks} == {discount_child.id, gift_child.id}
    assert all(r.status == "SUCCEEDED" for r in undone.rollbacks)
    assert all(r.reason == "changed mind" for r in undone.rollbacks)
    assert undone.order.total_amount == ORDER_AMOUNT
    assert undone.order.discount_amount == 0
    assert V.VouchersApi(sdk).get_voucher(card).gift.balance == 5000
    assert V.VouchersApi(sdk).get_voucher(code).redemption.redeemed_quantity == 0
    assert redemptions.get_redemption(gift_child.id).status == "ROLLED_BACK"
    assert redemptions.get_redemption(parent.id).status == "ROLLED_BACK"

    with pytest.raises(BadRequestException) as info:
        redemptions.rollback_stacked_redemptions(parent.id)
    assert V.Error.from_json(info.value.body).key == "already_rolled_back"


def test_single_redemption_and_rollback(sdk: Any) -> None:
    V.CampaignsApi(sdk).create_campaign(_spring(1))
    code = _publish(sdk, "Spring Discounts", "sdk-dave").voucher.code
    redemptions = V.RedemptionsApi(sdk)

    def redeem() -> Any:
        return redemptions.redeem_stacked_discounts(
            V.RedemptionsRedeemRequestBody(
                redeemables=[
                    V.RedemptionsRedeemRequestBodyRedeemablesItem(object="voucher", id=code)
                ],
                order=_order(),
                customer=V.Customer(source_id="sdk-dave"),
            )
        )

    redeemed = redeem()
    assert redeemed.parent_redemption is None
    [redemption] = redeemed.redemptions
    assert redemption.voucher.code == code
    assert redemption.amount == SPRING_DISCOUNT
    assert redeemed.order.discount_amount == SPRING_DISCOUNT
    assert redeemed.order.total_amount == ORDER_AMOUNT - SPRING_DISCOUNT

    # The code is single use.
    with pytest.raises(BadRequestException) as used_up:
        redeem()
    assert V.Error.from_json(used_up.value.body).key == "quantity_exceeded"

    rollback = redemptions.rollback_redemption(
        redemption.id, reason="returned", tracking_id="track-sdk"
    )
    assert rollback.id.startswith("rr_")
    assert rollback.status == "SUCCEEDED" and rollback.result == "SUCCESS"
    assert rollback.redemption == redemption.id
    assert rollback.reason == "returned"
    assert rollback.tracking_id == "track-sdk"
    assert rollback.amount == -SPRING_DISCOUNT
    assert rollback.voucher.code == code
    assert rollback.voucher.redemption.redeemed_quantity == 0
    assert rollback.order.total_amount == ORDER_AMOUNT

    fetched = redemptions.get_redemption(redemption.id)
    assert fetched.status == "ROLLED_BACK"
    with pytest.raises(BadRequestException) as twice:
        redemptions.rollback_redemption(redemption.id)
    assert V.Error.from_json(twice.value.body).key == "already_rolled_back"

    # Rolled back, the code is usable again.
    assert redeem().redemptions[0].voucher.code == code
    listing = redemptions.list_redemptions(campaign="Spring Discounts", limit=10)
    # Two redemptions, one rollback, and the refused (used-up) attempt listed as a failure.
    assert listing.total == 4
    assert sorted(r.result for r in listing.redemptions).count("FAILURE") == 1
    assert {r.object for r in listing.redemptions} == {"redemption", "redemption_rollback"}
