"""A member's tier follows their points: recomputed after every balance change.

Registered with the ledger (`on_balance_changed`), so it runs in the transaction of every
points movement, after the ledger has moved (and locked) the card row; and on publication, for
cards that arrive with initial points. A change is stored on `vouchers.loyalty_tier_id` with a
conditional UPDATE and recorded as `customer.loyalty.tier.joined|upgraded|downgraded|left`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from voucherd.campaigns import service as campaigns
from voucherd.campaigns.serializers import simple_campaign
from voucherd.customers.serializers import simple_customer
from voucherd.events.dispatcher import RecordedEvent, subscribe
from voucherd.events.service import record_event
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.timefmt import iso
from voucherd.loyalty import ledger
from voucherd.loyalty.events import card_parties
from voucherd.tiers import repository, rules
from voucherd.tiers.models import LoyaltyTier
from voucherd.tiers.serializers import tier_body
from voucherd.tiers.service import points_range
from voucherd.vouchers import service as vouchers
from voucherd.vouchers.models import Voucher


async def _qualifying_points(
    session: AsyncSession, card: Voucher, settings: rules.TierSettings
) -> int:
    if settings.qualification == "BALANCE":
        return card.loyalty_balance or 0
    today = utcnow().date()
    this_start = rules.period_start(settings.period, today)
    this_period = await repository.points_earned(
        session, card.id, ledger.LIFETIME_CREDITS, this_start, None
    )
    last_period = 0
    if settings.keeps_next_period:
        last_start = rules.previous_period_start(settings.period, today)
        last_period = await repository.points_earned(
            session, card.id, ledger.LIFETIME_CREDITS, last_start, this_start
        )
    return rules.qualifying_points(
        settings,
        balance=card.loyalty_balance or 0,
        this_period=this_period,
        last_period=last_period,
    )


async def recompute_member_tier(session: AsyncSession, ctx: RequestContext, card: Voucher) -> bool:
    """Put the card in the tier its points qualify for, recording the move; True if moved."""
    if card.type != "LOYALTY_CARD" or card.campaign_id is None:
        return False
    tiers = await repository.program_tiers(session, card.campaign_id)
    if not tiers and card.loyalty_tier_id is None:
        return False  # a program without tiers: nothing to do, and no program read
    program = await campaigns.get_by_id(session, ctx, card.campaign_id)
    settings = rules.tier_settings((program.extra or {}).get("loyalty_tiers_expiration"))
    points = await _qualifying_points(session, card, settings)
    new = rules.tier_for(points, tiers, points_range)
    old_id = card.loyalty_tier_id
    new_id = new.id if new is not None else None
    if old_id == new_id:
        return False
    # Conditional on the tier we started from: the change and its event happen once.
    if not await repository.set_card_tier(session, card.id, old_id, new_id):
        return False
    set_committed_value(card, "loyalty_tier_id", new_id)
    old = next((t for t in tiers if t.id == old_id), None)
    await _record_change(session, ctx, card, old, new)
    return True


async def _record_change(
    session: AsyncSession,
    ctx: RequestContext,
    card: Voucher,
    old: LoyaltyTier | None,
    new: LoyaltyTier | None,
) -> None:
    kind = rules.change_kind(
        old.points_from if old is not None else None,
        new.points_from if new is not None else None,
    )
    if kind is None:
        return
    customer, campaign = await card_parties(session, ctx, card)
    data: dict[str, Any] = {
        "customer": simple_customer(customer) if customer else None,
        "campaign": simple_campaign(campaign) if campaign else None,
    }
    if kind == "joined" and new is not None:
        data["loyalty_tier"] = tier_body(new)
    elif kind == "left" and old is not None:
        data["loyalty_tier"] = tier_body(old)
    elif old is not None and new is not None:
        data["loyalty_tier_from"] = tier_body(old)
        data["loyalty_tier_to"] = tier_body(new)
    data["created_at"] = iso(utcnow())
    await record_event(
        session,
        ctx,
        f"customer.loyalty.tier.{kind}",
        entity_id=customer.id if customer else card.id,
        data=data,
    )


@ledger.on_balance_changed
async def _after_balance_change(session: AsyncSession, ctx: RequestContext, card: Voucher) -> None:
    await recompute_member_tier(session, ctx, card)


@subscribe("voucher.published")
async def _after_publication(
    session: AsyncSession, ctx: RequestContext, event: RecordedEvent
) -> None:
    """A card handed to a customer may already hold points (the program's initial points,
    written without the ledger's per-card path): place the new member in their tier."""
    voucher = event.data.get("voucher") or {}
    if voucher.get("type") != "LOYALTY_CARD" or not voucher.get("id"):
        return
    card = await vouchers.get(session, ctx, str(voucher["id"]))
    await session.flush()
    await session.refresh(card)
    await recompute_member_tier(session, ctx, card)
