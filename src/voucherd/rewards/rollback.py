"""Rolling back a reward redemption: the points come back, and the unit to the stock.

`POST /v1/redemptions/{id}/rollback` belongs to the redemptions domain, which knows nothing
of rewards. It records `redemption.rollback.succeeded` in its transaction; this module
subscribes to that event (the in-process dispatcher runs it in the same transaction) and
undoes the reward's part when the redemption paid for a reward. The issued code, gift
credits or points a CAMPAIGN reward handed over stay with the customer.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns import service as campaigns
from voucherd.customers import service as customers
from voucherd.events.dispatcher import RecordedEvent, subscribe
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.loyalty import ledger
from voucherd.redemptions.models import Redemption
from voucherd.rewards import events, repository, rules
from voucherd.vouchers import service as vouchers


async def rollback_reward_redemption(
    session: AsyncSession, ctx: RequestContext, redemption: Redemption, rollback_id: str | None
) -> bool:
    """Undo the reward redemption `redemption` paid for; False if it paid for none.

    Runs once per reward redemption: the COMPLETED -> ROLLEDBACK change is conditional, so
    a second (or simultaneous) rollback finds nothing to do.
    """
    if redemption.reward is None:  # a coupon's or gift card's redemption: no query needed
        return False
    rr = await repository.reward_redemption_of(session, ctx.project_id, redemption.id)
    if rr is None:
        return False
    now = utcnow()
    if not await repository.move_state(session, rr.id, rules.COMPLETED, rules.ROLLEDBACK, now):
        return True
    await session.refresh(rr)
    card = await vouchers.get(session, ctx, rr.voucher_id)
    spent = await repository.ledger_entry(session, str(rr.result.get("transaction_id")))
    if spent is not None:
        # The card first, then the reward: the lock order of a redemption (see redeem.py).
        await ledger.refund(
            session,
            ctx,
            card,
            spent,
            reason="Reward redemption rolled back",
            redemption_id=redemption.id,
            details={
                "redemption": {"id": redemption.id},
                "rollback": {"id": rollback_id},
                "reward": {"id": rr.reward_id},
            },
        )
    await repository.give_back_one(session, rr.reward_id)
    holder = await customers.get_by_id(session, ctx, rr.customer_id) if rr.customer_id else None
    if holder is not None:
        await customers.record_redemption(session, holder.id, loyalty_points=-rr.points)
        assignment = await repository.get_assignment(
            session, ctx.project_id, rr.reward_assignment_id
        )
        program = await campaigns.get_by_id(session, ctx, rr.campaign_id)
        flow = events.RewardFlow(
            card, program, holder, assignment, rr, redemption, redemption.reward or {}
        )
        await events.record_state(session, ctx, flow)
    return True


@subscribe("redemption.rollback.succeeded")
async def _on_rollback(session: AsyncSession, ctx: RequestContext, event: RecordedEvent) -> None:
    original = (event.data.get("redemption") or {}).get("id")
    rollback_id = (event.data.get("redemption_rollback") or {}).get("id")
    if not original:
        return
    redemption = await session.get(Redemption, original)
    if redemption is not None and redemption.project_id == ctx.project_id:
        await rollback_reward_redemption(session, ctx, redemption, rollback_id)
