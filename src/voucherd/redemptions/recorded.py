"""What a successful redemption leaves besides its rows: the gift card's transaction and the
`redemption.succeeded` / `customer.redemption.succeeded` events, in the request's
transaction (the outbox)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns.serializers import simple_campaign
from voucherd.customers import service as customers
from voucherd.customers.models import Customer
from voucherd.customers.serializers import simple_customer
from voucherd.events.service import record_event
from voucherd.kit.context import RequestContext
from voucherd.kit.timefmt import iso
from voucherd.promotions import redeemables as promotions
from voucherd.redemptions.candidates import Candidate
from voucherd.redemptions.engine import Evaluation
from voucherd.redemptions.models import Redemption
from voucherd.redemptions.serializers import simple_redemption
from voucherd.vouchers import gift
from voucherd.vouchers.serializers import simple_voucher


async def redeemed(
    session: AsyncSession,
    ctx: RequestContext,
    evaluation: Evaluation,
    children: list[Redemption],
    customer: Customer | None,
    order: dict[str, Any],
) -> None:
    """Each applied redeemable's transaction and events, with its redemption."""
    holders = await customers.get_many(
        session,
        ctx,
        [c.voucher.holder_id for c in evaluation.applicable if c.voucher and c.voucher.holder_id],
    )
    for candidate, redemption in zip(evaluation.applicable, children, strict=True):
        if candidate.tier is not None:
            await _tier_redeemed(session, ctx, candidate, redemption, customer, order)
            continue
        voucher = candidate.voucher  # current: consume/spend read their new values back
        assert voucher is not None
        if candidate.gift_credits:
            await gift.add_transaction(
                session,
                ctx,
                voucher,
                kind="CREDITS_REDEMPTION",
                amount=-candidate.gift_credits,
                redemption_id=redemption.id,
                details={"order": {"id": redemption.order_id}, "redemption": {"id": redemption.id}},
            )
        holder = holders.get(voucher.holder_id or "")
        data = {
            "customer": simple_customer(customer) if customer else None,
            "order": order,
            "campaign": simple_campaign(candidate.campaign) if candidate.campaign else None,
            "voucher": simple_voucher(voucher),
            "holder": simple_customer(holder) if holder else None,
            "promotion_tier": None,
            "promotion_stack": None,
            "redemption": simple_redemption(
                redemption, customer=customer, voucher=voucher, order=order
            ),
        }
        await _events(session, ctx, redemption, customer, data)


async def _tier_redeemed(
    session: AsyncSession,
    ctx: RequestContext,
    candidate: Candidate,
    redemption: Redemption,
    customer: Customer | None,
    order: dict[str, Any],
) -> None:
    """A tier's redemption events: as a code's, with `promotion_tier` (and the stack it was
    named through) instead of `voucher`."""
    tier, campaign, stack = candidate.tier, candidate.campaign, candidate.stack
    assert tier is not None and campaign is not None
    data = {
        "customer": simple_customer(customer) if customer else None,
        "order": order,
        "campaign": simple_campaign(campaign),
        "voucher": None,
        "holder": None,
        "promotion_tier": promotions.redemption_tier_body(tier, campaign),
        "promotion_stack": promotions.stack_event_body(stack) if stack else None,
        "redemption": simple_redemption(redemption, customer=customer, voucher=None, order=order),
    }
    await _events(session, ctx, redemption, customer, data)


async def _events(
    session: AsyncSession,
    ctx: RequestContext,
    redemption: Redemption,
    customer: Customer | None,
    data: dict[str, Any],
) -> None:
    await record_event(
        session,
        ctx,
        "redemption.succeeded",
        entity_id=redemption.id,
        data={**data, "created_at": iso(redemption.created_at)},
    )
    if customer is not None:
        await record_event(
            session, ctx, "customer.redemption.succeeded", entity_id=customer.id, data=data
        )
