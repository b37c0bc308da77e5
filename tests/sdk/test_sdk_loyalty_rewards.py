"""The official SDK drives the rewards flow: a loyalty program and a member with points, a
reward issuing discount codes, its assignment to the program, the member's rewards, and a
reward redemption. A response the SDK cannot parse fails as a `pydantic.ValidationError`.
"""

from __future__ import annotations

from typing import Any

import pytest
import voucherify as V
from voucherify.exceptions import BadRequestException, NotFoundException

PROGRAM: dict[str, Any] = {
    "name": "SDK Loyalty",
    "type": "AUTO_UPDATE",
    "join_once": True,
    "voucher": {
        "type": "LOYALTY_CARD",
        "loyalty_card": {"points": 0},
        "code_config": {"length": 8},
    },
}
COUPONS: dict[str, Any] = {
    "name": "SDK reward coupons",
    "campaign_type": "DISCOUNT_COUPONS",
    "type": "AUTO_UPDATE",
    "voucher": {
        "type": "DISCOUNT_VOUCHER",
        "discount": {"type": "PERCENT", "percent_off": 10, "effect": "APPLY_TO_ORDER"},
        "redemption": {"quantity": 1},
        "code_config": {"length": 8},
    },
}


def _member_with_points(sdk: Any, points: int) -> tuple[Any, Any]:
    loyalties = V.LoyaltiesApi(sdk)
    program = loyalties.create_loyalty_program(
        V.LoyaltiesCreateCampaignRequestBody.from_dict(PROGRAM)
    )
    card = loyalties.add_member(
        program.id,
        V.LoyaltiesMembersCreateRequestBody.from_dict(
            {"customer": {"source_id": "sdk-member", "name": "Sdk Member"}}
        ),
    )
    loyalties.update_loyalty_card_balance(
        card.code, V.LoyaltiesMembersBalanceUpdateRequestBody(points=points)
    )
    return program, card


def test_reward_catalogue_assignment_and_redemption_through_the_sdk(sdk: Any) -> None:
    program, card = _member_with_points(sdk, 250)
    coupons = V.CampaignsApi(sdk).create_campaign(V.CampaignsCreateRequestBody.from_dict(COUPONS))
    rewards = V.RewardsApi(sdk)
    loyalties = V.LoyaltiesApi(sdk)

    reward = rewards.create_reward(
        V.RewardsCreateRequestBody.from_dict(
            {"name": "10% coupon", "parameters": {"campaign": {"id": coupons.id}}}
        )
    )
    assert reward.id.startswith("rew_") and reward.type == "CAMPAIGN"
    assert reward.parameters.campaign.id == coupons.id
    assert reward.parameters.campaign.type == "DISCOUNT_COUPONS"

    assignment = loyalties.create_reward_assignment1(
        program.id,
        [
            V.LoyaltiesRewardsCreateAssignmentItemRequestBody.from_dict(
                {"reward": reward.id, "parameters": {"loyalty": {"points": 100}}}
            )
        ],
    )
    assert assignment.id.startswith("rewa_")
    assert assignment.reward_id == reward.id and assignment.related_object_id == program.id
    assert assignment.parameters.loyalty.points == 100

    listed = loyalties.list_member_rewards(card.code, affordable_only=True)
    assert listed.total == 1
    assert listed.data[0].reward.id == reward.id
    assert listed.data[0].assignment.parameters.loyalty.points == 100

    redemption = loyalties.redeem_reward1(
        program.id,
        card.code,
        V.LoyaltiesMembersRedemptionRedeemRequestBody.from_dict({"reward": {"id": reward.id}}),
    )
    assert redemption.id.startswith("r_")
    assert redemption.result == "SUCCESS" and redemption.status == "SUCCEEDED"
    assert redemption.amount == 100 and redemption.loyalty_card.points == 100
    assert redemption.reward.id == reward.id
    assert redemption.reward.assignment_id == assignment.id
    issued = redemption.reward.voucher
    assert issued.campaign_id == coupons.id and issued.type == "DISCOUNT_VOUCHER"
    assert redemption.voucher.code == card.code
    assert redemption.voucher.loyalty_card.balance == 150

    member = loyalties.get_member(card.code)
    assert member.loyalty_card.balance == 150
    assert member.loyalty_card.points == 250
    # The code the reward issued belongs to the member.
    code = V.VouchersApi(sdk).get_voucher(issued.code)
    assert code.holder_id == redemption.customer_id


def test_material_reward_through_the_sdk_and_its_refusals(sdk: Any) -> None:
    program, card = _member_with_points(sdk, 60)
    product = V.ProductsApi(sdk).create_product(
        V.ProductsCreateRequestBody(source_id="sdk-bottle", name="Bottle", price=2900)
    )
    rewards = V.RewardsApi(sdk)
    reward = rewards.create_reward(
        V.RewardsCreateRequestBody.from_dict(
            {
                "name": "Bottle",
                "parameters": {"product": {"id": product.id}},
                "stock": 1,
                "attributes": {"description": "Steel"},
            }
        )
    )
    assert reward.type == "MATERIAL" and reward.stock == 1
    assignment = rewards.create_reward_assignment(
        reward.id,
        V.RewardsAssignmentsCreateRequestBody.from_dict(
            {"campaign": program.id, "parameters": {"loyalty": {"points": 50}}}
        ),
    )
    assert assignment.parameters.loyalty.points == 50
    loyalties = V.LoyaltiesApi(sdk)
    body = V.LoyaltiesMembersRedemptionRedeemRequestBody.from_dict({"reward": {"id": reward.id}})
    done = loyalties.redeem_reward1(program.id, card.code, body)
    assert done.reward.product.id == product.id and done.amount == 50
    assert rewards.get_reward(reward.id).redeemed == 1
    with pytest.raises(BadRequestException) as refused:
        loyalties.redeem_reward1(program.id, card.code, body)
    assert "loyalty_card_points_exceeded" in str(refused.value.body)
    with pytest.raises(NotFoundException):
        loyalties.redeem_reward1(program.id, "NO-SUCH-CARD", body)
    assert loyalties.list_member_rewards(card.code, affordable_only=True).total == 0


def test_reward_and_assignment_reads_and_updates_parse(sdk: Any) -> None:
    program, _ = _member_with_points(sdk, 10)
    rewards = V.RewardsApi(sdk)
    loyalties = V.LoyaltiesApi(sdk)
    coin = rewards.create_reward(
        V.RewardsCreateRequestBody.from_dict(
            {"name": "Coin", "parameters": {"coin": {"exchange_ratio": 0.5, "points_ratio": "10"}}}
        )
    )
    assert coin.type == "COIN" and coin.parameters.coin.exchange_ratio == 0.5
    assert coin.parameters.coin.points_ratio == 10
    renamed = rewards.update_reward(
        coin.id, V.RewardsUpdateRequestBody.from_dict({"name": "Pay with points"})
    )
    assert renamed.name == "Pay with points"
    assignment = rewards.create_reward_assignment(
        coin.id, V.RewardsAssignmentsCreateRequestBody.from_dict({"campaign": program.id})
    )
    assert rewards.get_reward_assignment(coin.id, assignment.id).id == assignment.id
    assert rewards.list_reward_assignments(coin.id).total == 1
    assert rewards.list_rewards(assignment_id=assignment.id).data[0].id == coin.id
    assert loyalties.list_reward_assignments1(program.id).total == 1
    assert loyalties.list_reward_assignments2(program.id, assignment_id=assignment.id).total == 1
    assert loyalties.get_reward_assignment1(program.id, assignment.id).reward_id == coin.id
    assert loyalties.get_reward_assignment2(program.id, assignment.id).reward_id == coin.id
    assert loyalties.get_reward_details(program.id, assignment.id).id == coin.id
    loyalties.delete_reward_assignment1(program.id, assignment.id)
    assert loyalties.list_reward_assignments2(program.id).total == 0
    rewards.delete_reward(coin.id)
    with pytest.raises(NotFoundException):
        rewards.get_reward(coin.id)
