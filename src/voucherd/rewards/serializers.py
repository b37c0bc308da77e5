"""Rewards on the wire: `Reward`, `RewardAssignment`, `RewardRedemption`, the reward result of
a redemption (`RedemptionRewardResult`) and the redemption of a reward."""

from __future__ import annotations

from typing import Any

from voucherd.customers.models import Customer
from voucherd.customers.serializers import simple_customer
from voucherd.kit.timefmt import iso
from voucherd.kit.wire import omit_absent
from voucherd.products.models import Product, Sku
from voucherd.products.serializers import simple_product, sku_body
from voucherd.redemptions.models import Redemption
from voucherd.redemptions.serializers import REDEMPTION_OMITTED_WHEN_ABSENT
from voucherd.rewards.models import Reward, RewardAssignment, RewardRedemption
from voucherd.vouchers.models import Voucher
from voucherd.vouchers.serializers import simple_voucher, voucher_body


def reward_body(reward: Reward) -> dict[str, Any]:
    return {
        "id": reward.id,
        "name": reward.name,
        "stock": reward.stock,
        "redeemed": reward.redeemed,
        "attributes": reward.attributes or {},
        "metadata": reward.metadata_ or {},
        "type": reward.type,
        "parameters": reward.parameters or {},
        "created_at": iso(reward.created_at),
        "updated_at": iso(reward.updated_at),
        "object": "reward",
    }


def assignment_body(assignment: RewardAssignment) -> dict[str, Any]:
    return {
        "id": assignment.id,
        "reward_id": assignment.reward_id,
        "related_object_id": assignment.campaign_id,
        "related_object_type": "campaign",
        "parameters": assignment.parameters or {},
        "created_at": iso(assignment.created_at),
        "updated_at": iso(assignment.updated_at),
        "object": "reward_assignment",
    }


def member_reward_body(reward: Reward, assignment: RewardAssignment) -> dict[str, Any]:
    """One item of `GET /v1/loyalties/members/{memberId}/rewards`."""
    return {
        "reward": reward_body(reward),
        "assignment": assignment_body(assignment),
        "object": "loyalty_reward",
    }


def reward_redemption_body(rr: RewardRedemption) -> dict[str, Any]:
    return {
        "id": rr.id,
        "state": rr.state,
        "created_at": iso(rr.created_at),
        "updated_at": iso(rr.updated_at),
        "voucher_id": rr.voucher_id,
        "campaign_id": rr.campaign_id,
        "customer_id": rr.customer_id,
        "reward_assignment_id": rr.reward_assignment_id,
        "source_id": rr.redemption_id,
        "source_type": "redemption",
    }


def reward_result(
    reward: Reward,
    assignment: RewardAssignment,
    *,
    customer: Customer | None,
    card: Voucher,
    product: Product | None = None,
    sku: Sku | None = None,
) -> dict[str, Any]:
    """Voucherify's `RedemptionRewardResult`: what the member got, stored on the redemption.

    `voucher` (the code a CAMPAIGN reward issues, or the card it credits) is filled in by the
    redemption once delivered; `product` and `sku` are set for MATERIAL rewards only.
    """
    return {
        "customer": simple_customer(customer) if customer else None,
        "assignment_id": assignment.id,
        "voucher": None,
        "product": simple_product(product) if product else None,
        "sku": sku_body(sku) if sku else None,
        "loyalty_tier_id": card.loyalty_tier_id,
        "id": reward.id,
        "name": reward.name,
        "object": "reward",
        "created_at": iso(reward.created_at),
        "updated_at": iso(reward.updated_at),
        "parameters": reward.parameters or {},
        "metadata": reward.metadata_ or {},
        "type": reward.type,
    }


def _channel() -> dict[str, Any]:
    return {"channel_id": None, "channel_type": "API"}


def redemption_response(
    r: Redemption, *, customer: Customer | None, card: Voucher
) -> dict[str, Any]:
    """`LoyaltiesMembersRedemptionRedeemResponseBody`: the redemption with its reward and card."""
    body = {
        "id": r.id,
        "object": "redemption",
        "date": iso(r.created_at),
        "customer_id": r.customer_id,
        "tracking_id": r.tracking_id,
        "metadata": r.metadata_ or {},
        "amount": r.amount,
        "redemption": None,
        "result": r.result,
        "status": r.status,
        "failure_code": None,
        "failure_message": None,
        "order": r.order_snapshot,
        "channel": _channel(),
        "customer": simple_customer(customer) if customer else None,
        "related_object_type": r.related_object_type,
        "related_object_id": r.related_object_id,
        "promotion_tier": None,
        "reward": r.reward,
        "loyalty_card": {"points": r.points},
        "voucher": {
            **voucher_body(card),
            "holder": simple_customer(customer) if customer else None,
        },
    }
    return omit_absent(body, REDEMPTION_OMITTED_WHEN_ABSENT)


def redemption_internal(
    r: Redemption, *, customer: Customer | None, card: Voucher
) -> dict[str, Any]:
    """`RedemptionInternal`, the `redemption` of `customer.rewarded` (seed 002)."""
    return {
        "id": r.id,
        "object": "redemption",
        "date": iso(r.created_at),
        "created_at": iso(r.created_at),
        "customer_id": r.customer_id,
        "tracking_id": r.tracking_id,
        "metadata": r.metadata_ or {},
        "amount": r.amount,
        "order": r.order_snapshot,
        "previous_order": None,
        "reward": r.reward,
        "customer": simple_customer(customer) if customer else None,
        "result": r.result,
        "status": r.status,
        "reason": None,
        "failure_code": None,
        "failure_message": None,
        "channel_type": "API",
        "channel_id": None,
        "redemption": None,
        "parent_redemption_id": None,
        "related_object_type": r.related_object_type,
        "related_object_id": r.related_object_id,
        "related_object_parent_id": card.campaign_id,
        "campaign_name": card.campaign_name,
        "voucher": simple_voucher(card),
        "promotion_tier": None,
    }
