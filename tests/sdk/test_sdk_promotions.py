"""The official SDK's PromotionsApi (tiers and stacks) and CampaignsApi for a PROMOTION
campaign against voucherd."""

from __future__ import annotations

from typing import Any

import pytest
import voucherify as V
from voucherify.exceptions import BadRequestException, NotFoundException


def _promotion(sdk: Any) -> Any:
    return V.CampaignsApi(sdk).create_campaign(
        V.CampaignsCreateRequestBody.from_dict(
            {
                "name": "Cart promotion",
                "campaign_type": "PROMOTION",
                "promotion": {
                    "tiers": [
                        {
                            "name": "5% over 100.00",
                            "banner": "5% off",
                            "action": {"discount": {"type": "PERCENT", "percent_off": 5}},
                        },
                        {
                            "name": "10% over 200.00",
                            "banner": "10% off",
                            "action": {"discount": {"type": "PERCENT", "percent_off": 10}},
                            "metadata": {"level": "A"},
                        },
                    ]
                },
            }
        )
    )


def test_campaigns_api_creates_and_gets_a_promotion_campaign(sdk: Any) -> None:
    campaign = _promotion(sdk)
    assert isinstance(campaign, V.CampaignsCreateResponseBody)
    assert campaign.campaign_type == "PROMOTION" and campaign.promotion is not None
    tiers = campaign.promotion.tiers or []
    assert [(t.name, t.hierarchy) for t in tiers] == [("5% over 100.00", 1), ("10% over 200.00", 2)]
    assert tiers[1].action.discount.percent_off == 10 and tiers[1].metadata == {"level": "A"}
    assert tiers[0].campaign.id == campaign.id and tiers[0].summary.redemptions.total_redeemed == 0
    got = V.CampaignsApi(sdk).get_campaign(campaign.id)
    assert [t.id for t in got.promotion.tiers or []] == [t.id for t in tiers]


def test_promotions_api_tiers_crud_enable_disable(sdk: Any) -> None:
    api = V.PromotionsApi(sdk)
    campaign = _promotion(sdk)
    added = api.add_promotion_tier_to_campaign(
        campaign.id,
        V.PromotionsTiersCreateRequestBody.from_dict(
            {
                "name": "15% over 300.00",
                "banner": "15% off",
                "action": {"discount": {"type": "AMOUNT", "amount_off": 1500}},
                "validity_day_of_week": [1, 2, 3],
            }
        ),
    )
    assert isinstance(added, V.PromotionsTiersCreateResponseBody)
    assert added.hierarchy == 3 and added.action.discount.amount_off == 1500
    assert added.validity_day_of_week == [1, 2, 3] and added.object == "promotion_tier"

    got = api.get_promotion_tier(added.id)
    assert (got.id, got.promotion_id, got.campaign_id) == (added.id, campaign.id, campaign.id)

    updated = api.update_promotion_tier(
        added.id, V.PromotionsTiersUpdateRequestBody.from_dict({"banner": "Now 15 off"})
    )
    assert updated.banner == "Now 15 off" and updated.name == "15% over 300.00"

    assert api.disable_promotion_tier(added.id).active is False
    available = api.list_promotion_tiers(is_available=True)
    assert added.id not in [t.id for t in available.tiers or []] and available.total == 2
    assert api.enable_promotion_tier(added.id).active is True

    listed = api.list_promotion_tiers(limit=2, page=1, order="created_at")
    assert (listed.total, listed.has_more, len(listed.tiers or [])) == (3, True, 2)
    in_campaign = api.list_promotion_tiers_from_campaign(campaign.id)
    assert [t.hierarchy for t in in_campaign.tiers or []] == [1, 2, 3]

    api.delete_promotion_tier(added.id)
    with pytest.raises(NotFoundException):
        api.get_promotion_tier(added.id)
    with pytest.raises(BadRequestException):
        api.add_promotion_tier_to_campaign(
            campaign.id,
            V.PromotionsTiersCreateRequestBody.from_dict(
                {"name": "No discount", "action": {"discount": {"type": "PERCENT"}}}
            ),
        )


def test_promotions_api_stacks_crud(sdk: Any) -> None:
    api = V.PromotionsApi(sdk)
    campaign = _promotion(sdk)
    five, ten = (t.id for t in campaign.promotion.tiers or [])
    made = api.create_promotion_stack(
        campaign.id,
        V.PromotionsStacksCreateRequestBody.from_dict(
            {"name": "Both", "tiers": {"ids": [ten, five], "hierarchy_mode": "MANUAL"}}
        ),
    )
    assert isinstance(made, V.PromotionsStacksCreateResponseBody)
    assert made.tiers.ids == [ten, five] and made.campaign_id == campaign.id

    got = api.get_promotion_stack(campaign.id, made.id)
    assert (got.id, got.name, got.object) == (made.id, "Both", "promotion_stack")
    updated = api.update_promotion_stack(
        campaign.id,
        made.id,
        V.PromotionsStacksUpdateRequestBody.from_dict(
            {"name": "Renamed", "tiers": {"ids": [five]}}
        ),
    )
    assert updated.name == "Renamed" and updated.tiers.ids == [five]

    assert [s.id for s in api.list_promotion_stacks_in_campaign(campaign.id).data or []] == [
        made.id
    ]
    everything = api.list_all_promotion_stacks(limit=10, order="-name")
    assert everything.total == 1 and everything.data[0].name == "Renamed"

    with pytest.raises(BadRequestException):
        api.create_promotion_stack(
            campaign.id,
            V.PromotionsStacksCreateRequestBody.from_dict(
                {"name": "Twice", "tiers": {"ids": [five, five]}}
            ),
        )
    api.delete_promotion_stack(campaign.id, made.id)
    with pytest.raises(NotFoundException):
        api.get_promotion_stack(campaign.id, made.id)
