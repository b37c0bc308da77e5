"""Events of a reward redemption, shaped like Voucherify's webhook payloads (seeds 000-002)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns.models import Campaign
from voucherd.campaigns.serializers import simple_campaign
from voucherd.customers.models import Customer
from voucherd.customers.serializers import simple_customer
from voucherd.events.service import record_event
from voucherd.kit.context import RequestContext
from voucherd.redemptions.models import Redemption
from voucherd.rewards import rules
from voucherd.rewards.models import RewardAssignment, RewardRedemption
from voucherd.rewards.serializers import (
    assignment_body,
    redemption_internal,
    reward_redemption_body,
)
from voucherd.vouchers.models import Voucher
from voucherd.vouchers.serializers import simple_voucher


@dataclass
class RewardFlow:
    """Everything the events of one reward redemption talk about."""

    card: Voucher
    program: Campaign | None
    holder: Customer
    assignment: RewardAssignment | None  # None once deleted (a later rollback)
    reward_redemption: RewardRedemption
    redemption: Redemption
    # `RedemptionRewardResult` as it stands (the issued code appears once delivered).
    reward: dict[str, Any]
    publication: dict[str, Any] | None = None
    balance: dict[str, Any] | None = None


def _campaign(program: Campaign | None) -> dict[str, Any] | None:
    if program is None:
        return None
    return simple_campaign(program)


def _parties(flow: RewardFlow) -> dict[str, Any]:
    customer = simple_customer(flow.holder)
    return {
        "customer": customer,
        "holder": customer,
        "voucher": simple_voucher(flow.card),
        "campaign": _campaign(flow.program),
    }


async def record_state(session: AsyncSession, ctx: RequestContext, flow: RewardFlow) -> None:
    """`customer.reward_redemptions.<state>` for the state the reward redemption just entered.

    `balance` is what the reward added (gift credits, points) once it is handed over; the
    completed event of a reward that published a code carries that `publication`.
    """
    rr = flow.reward_redemption
    handed_over = rr.state in (rules.COMPLETED, rules.ROLLEDBACK)
    data: dict[str, Any] = {
        **_parties(flow),
        "reward_redemption": reward_redemption_body(rr),
        "reward": flow.reward,
        "reward_assignment": assignment_body(flow.assignment) if flow.assignment else None,
        "source": {"id": rr.redemption_id, "type": "redemption"},
        "balance": flow.balance if handed_over else None,
    }
    if rr.state == rules.COMPLETED and flow.publication is not None:
        data["publication"] = flow.publication
    await record_event(
        session, ctx, rules.event_type(rr.state), entity_id=flow.holder.id, data=data
    )


async def record_rewarded(session: AsyncSession, ctx: RequestContext, flow: RewardFlow) -> None:
    """`customer.rewarded`: the customer got the reward in exchange for points (seed 002)."""
    data = {
        **_parties(flow),
        "redemption": redemption_internal(flow.redemption, customer=flow.holder, card=flow.card),
        "reward": flow.reward,
        "referral_tier": None,
        "balance": flow.balance,
        "custom_event": None,
        "customer_event": None,
    }
    await record_event(session, ctx, "customer.rewarded", entity_id=flow.holder.id, data=data)
