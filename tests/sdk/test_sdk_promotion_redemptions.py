"""Promotion tiers through the official SDK as a shop uses them: the right tier of a two-tier
promotion, a disabled tier refused, and a code stacked with a tier under category rules."""

from __future__ import annotations

from typing import Any

import voucherify as V

from tests.support import ProjectKeys


def _rule(sdk: Any, name: str, over: int) -> str:
    rules = {
        "1": {"name": "order.amount", "conditions": {"$more_than": [over]}, "rules": {}},
        "logic": "1",
    }
    created = V.ValidationRulesApi(sdk).create_validation_rules(
        V.ValidationRulesCreateRequestBody.from_dict({"name": name, "rules": rules})
    )
    return str(created.id)


def _two_tiers(sdk: Any, category_id: str | None = None) -> list[Any]:
    """5 % above 100.00, 10 % above 200.00."""
    over_100, over_200 = _rule(sdk, "Over 100", 10000), _rule(sdk, "Over 200", 20000)
    tiers = [
        {
            "name": name,
            "banner": name,
            "action": {"discount": {"type": "PERCENT", "percent_off": off}},
            "validation_rules": [rule],
            **({"category_id": category_id} if category_id else {}),
        }
        for name, off, rule in (("5 %", 5, over_100), ("10 %", 10, over_200))
    ]
    campaign = V.CampaignsApi(sdk).create_campaign(
        V.CampaignsCreateRequestBody.from_dict(
            {"name": "Spend more", "campaign_type": "PROMOTION", "promotion": {"tiers": tiers}}
        )
    )
    return list(campaign.promotion.tiers)


def _validate(sdk: Any, redeemables: list[dict[str, Any]], amount: int) -> Any:
    body = {
        "redeemables": redeemables,
        "order": {"items": [{"source_id": "bag", "quantity": 1, "price": amount}]},
    }
    return V.ValidationsApi(sdk).validate_stacked_discounts(
        V.ValidationsValidateRequestBody.from_dict(body)
    )


def test_the_right_tier_applies_with_its_numbers_and_a_disabled_tier_does_not(
    sdk: Any, project: ProjectKeys
) -> None:
    low, high = _two_tiers(sdk)
    both = [{"object": "promotion_tier", "id": t.id} for t in (low, high)]
    at_150 = _validate(sdk, both, 15000)
    assert at_150.valid is False  # mode ALL: the 10 % tier's rule fails at 150.00
    (refused,) = at_150.inapplicable_redeemables
    assert (refused.id, refused.result.error.key) == (high.id, "order_rules_violated")
    at_250 = _validate(sdk, both, 25000)
    assert at_250.valid is True
    applied = [r for r in at_250.redeemables if r.status == "APPLICABLE"]
    assert [(r.id, r.object) for r in applied] == [
        (low.id, "promotion_tier"),
        (high.id, "promotion_tier"),
    ]
    # 5 % of 250.00, then 10 % of the running 237.50.
    assert at_250.order.total_discount_amount == 1250 + 2375

    V.PromotionsApi(sdk).disable_promotion_tier(low.id)
    off = _validate(sdk, [{"object": "promotion_tier", "id": low.id}], 25000)
    assert off.valid is False
    assert off.inapplicable_redeemables[0].result.error.key == "promotion_inactive"


def test_a_code_and_a_tier_redeem_together_and_an_exclusive_tier_applies_alone(
    sdk: Any, management_sdk: Any, project: ProjectKeys
) -> None:
    categories = V.CategoriesApi(sdk)
    exclusive = categories.create_category(
        V.CategoriesCreateRequestBody(name="Exclusive", hierarchy=1)
    )
    low, _ = _two_tiers(sdk, exclusive.id)
    code = V.VouchersApi(sdk).generate_random_code(
        V.VouchersCreateRequestBody.from_dict(
            {
                "type": "DISCOUNT_VOUCHER",
                "discount": {"type": "AMOUNT", "amount_off": 1000, "effect": "APPLY_TO_ORDER"},
            }
        )
    )
    redeemables = [
        {"object": "voucher", "id": code.code},
        {"object": "promotion_tier", "id": low.id},
    ]
    redeemed = V.RedemptionsApi(sdk).redeem_stacked_discounts(
        V.RedemptionsRedeemRequestBody.from_dict(
            {
                "redeemables": redeemables,
                "order": {"items": [{"source_id": "bag", "quantity": 1, "price": 15000}]},
                "customer": {"source_id": "sdk-shopper"},
            }
        )
    )
    by_type = {r.related_object_type: r for r in redeemed.redemptions}
    assert by_type["voucher"].amount == 1000
    assert by_type["promotion_tier"].promotion_tier.id == low.id
    assert by_type["promotion_tier"].amount == 700  # 5 % of the running 140.00
    assert redeemed.order.total_amount == 15000 - 1700

    V.ManagementApi(management_sdk).create_stacking_rules(
        project.project_id,
        V.ManagementProjectsStackingRulesCreateRequestBody.from_dict(
            {"exclusive_categories": [exclusive.id]}
        ),
    )
    alone = _validate(sdk, redeemables, 15000)
    assert [r.id for r in alone.redeemables if r.status == "APPLICABLE"] == [low.id]
    assert [r.id for r in alone.skipped_redeemables] == [code.code]
