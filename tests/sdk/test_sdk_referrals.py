"""The official SDK drives a referral program: CampaignsApi creates and reads a
REFERRAL_PROGRAM campaign, PublicationsApi gives the referrer a code, ReferralsApi manages its
holders, and a referee's first redemption rewards both sides exactly once. A response the SDK
cannot parse fails as a `pydantic.ValidationError`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import voucherify as V
from voucherify.exceptions import BadRequestException

from tests.conftest import LiveServer
from tests.support import ProjectKeys


def _loyalty(sdk: Any) -> Any:
    return V.CampaignsApi(sdk).create_campaign(
        V.CampaignsCreateRequestBody.from_dict(
            {
                "name": "SDK referral points",
                "campaign_type": "LOYALTY_PROGRAM",
                "type": "AUTO_UPDATE",
                "join_once": True,
                "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}},
            }
        )
    )


def _referral(sdk: Any, points_id: str) -> Any:
    return V.CampaignsApi(sdk).create_campaign(
        V.CampaignsCreateRequestBody.from_dict(
            {
                "name": "SDK refer a friend",
                "campaign_type": "REFERRAL_PROGRAM",
                "type": "AUTO_UPDATE",
                "voucher": {
                    "type": "DISCOUNT_VOUCHER",
                    "discount": {"type": "AMOUNT", "amount_off": 1000},
                    "is_referral_code": True,
                },
                "referral_program": {
                    "conversion_event_type": "redemption",
                    "referee_reward": {
                        "related_object_parent": {"id": points_id, "object": "CAMPAIGN"},
                        "type": "LOYALTY_CARD",
                        "amount": "100",  # the SDK types it as a string
                    },
                },
            }
        )
    )


def _card_balance(sdk: Any, program_id: str, customer_id: str) -> int:
    listing = V.VouchersApi(sdk).list_vouchers(campaign_id=program_id, customer=customer_id)
    return sum(v.loyalty_card.balance for v in listing.vouchers)


def test_referral_program_through_the_sdk(
    sdk: Any, live_server: LiveServer, project: ProjectKeys
) -> None:
    points = _loyalty(sdk)
    campaign = _referral(sdk, points.id)
    assert campaign.campaign_type == "REFERRAL_PROGRAM"
    assert campaign.referral_program.referee_reward.amount == "100"
    again = V.CampaignsApi(sdk).get_campaign(campaign.id)
    assert again.referral_program.conversion_event_type == "redemption"
    assert again.voucher.is_referral_code is True

    # Referrer rewards: our own endpoint (no SDK method), one tier of 50 points per referee.
    tier = httpx.post(
        f"{live_server.base_url}/v1/referrals/{campaign.id}/reward-tiers",
        headers=project.headers,
        json={
            "name": "Each friend",
            "parameters": {"event_type": "each"},
            "reward": {"type": "LOYALTY_POINTS", "campaign_id": points.id, "points": 50},
        },
    )
    assert tier.status_code == 200, tier.text

    published = V.PublicationsApi(sdk).create_publication(
        publications_create_request_body=V.PublicationsCreateRequestBody(
            campaign=V.CreatePublicationCampaign(name=campaign.name),
            customer=V.Customer(source_id="sdk-ann"),
        )
    )
    code = published.voucher.code
    ann = V.CustomersApi(sdk).get_customer("sdk-ann")

    referrals = V.ReferralsApi(sdk)
    added = referrals.referrals_add_holders1(
        campaign.id,
        code,
        V.ReferralsMembersHoldersCreateInBulkRequestBody.from_dict(
            {"holders": [{"source_id": "sdk-bob"}, {"source_id": "sdk-cat"}]}
        ),
    )
    assert [x.holder_role for x in added.holders] == ["REFEREE", "REFEREE"]
    listing = referrals.referrals_code_holders(campaign.id, code, limit=10)
    assert listing.total == 2 and {x.id for x in listing.data} == {x.id for x in added.holders}
    assert referrals.referrals_code_holders1(code).total == 2
    referrals.referrals_remove_holder(code, added.holders[1].id)
    assert referrals.referrals_code_holders1(code).total == 1
    # The same two operations without the campaign in the path.
    dan = referrals.referrals_add_holders(
        code,
        V.ReferralsMembersHoldersCreateInBulkRequestBody.from_dict(
            {"holders": [{"source_id": "sdk-dan"}]}
        ),
    )
    assert referrals.referrals_code_holders1(code).total == 2
    referrals.referrals_remove_holder1(campaign.id, code, dan.holders[0].id)
    assert {x.id for x in referrals.referrals_code_holders1(code).data} == {added.holders[0].id}

    redemptions = V.RedemptionsApi(sdk)
    body = V.RedemptionsRedeemRequestBody.from_dict(
        {
            "redeemables": [{"object": "voucher", "id": code}],
            "customer": {"source_id": "sdk-bob"},
            "order": {"amount": 5000},
        }
    )
    first = redemptions.redeem_stacked_discounts(body)
    assert first.order.referrer_id == ann.id
    redemptions.redeem_stacked_discounts(body)  # the same referee again: no second reward

    bob = V.CustomersApi(sdk).get_customer("sdk-bob")
    assert bob.referrals.total == 1
    assert bob.referrals.campaigns[0].referrer_id == ann.id
    assert bob.referrals.campaigns[0].related_object_id == first.redemptions[0].id
    assert _card_balance(sdk, points.id, bob.id) == 100
    assert _card_balance(sdk, points.id, ann.id) == 50

    with pytest.raises(BadRequestException) as refused:
        redemptions.redeem_stacked_discounts(
            V.RedemptionsRedeemRequestBody.from_dict(
                {
                    "redeemables": [{"object": "voucher", "id": code}],
                    "customer": {"source_id": "sdk-ann"},
                    "order": {"amount": 5000},
                }
            )
        )
    assert "referrer_not_permitted_to_redeem" in str(refused.value.body)
