"""Events about loyalty cards, shaped like Voucherify's webhook payloads."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns import repository as campaigns
from voucherd.campaigns.models import Campaign
from voucherd.campaigns.serializers import simple_campaign
from voucherd.customers import repository as customers
from voucherd.customers.models import Customer
from voucherd.customers.serializers import simple_customer
from voucherd.events.service import record_event
from voucherd.kit.context import RequestContext
from voucherd.loyalty.serializers import (
    expiration_bucket_body,
    points_balance,
    transaction_body,
)
from voucherd.vouchers.models import PointsBucket, Voucher, VoucherTransaction
from voucherd.vouchers.serializers import simple_voucher, voucher_body


async def card_parties(
    session: AsyncSession, ctx: RequestContext, card: Voucher
) -> tuple[Customer | None, Campaign | None]:
    customer = (
        await customers.get(session, ctx.project_id, card.holder_id) if card.holder_id else None
    )
    campaign = (
        await campaigns.get(session, ctx.project_id, card.campaign_id) if card.campaign_id else None
    )
    return customer, campaign


def _simple(customer: Customer | None) -> dict[str, Any] | None:
    return simple_customer(customer) if customer else None


async def record_card_movement(
    session: AsyncSession,
    ctx: RequestContext,
    card: Voucher,
    tx: VoucherTransaction,
    *,
    points_added: bool,
    operation_type: str,
) -> None:
    """`voucher.loyalty_card.transaction.created` for every ledger row, and for credits
    `voucher.loyalty_card.points_added` with its customer-scoped twin."""
    customer, campaign = await card_parties(session, ctx, card)
    transaction = transaction_body(tx)
    await record_event(
        session,
        ctx,
        "voucher.loyalty_card.transaction.created",
        entity_id=card.id,
        data={
            "transaction": transaction,
            "voucher": voucher_body(card),
            "campaign": simple_campaign(campaign) if campaign else None,
            "holder": _simple(customer),
        },
    )
    if not points_added:
        return
    data = {
        "customer": _simple(customer),
        "campaign": simple_campaign(campaign) if campaign else None,
        "voucher": simple_voucher(card),
        "balance": points_balance(card, tx.amount, operation_type=operation_type),
        "transaction": transaction,
    }
    await record_event(
        session, ctx, "voucher.loyalty_card.points_added", entity_id=card.id, data=data
    )
    if customer is not None:
        await record_event(
            session,
            ctx,
            "customer.voucher.loyalty_card.points_added",
            entity_id=customer.id,
            data=data,
        )


def _expired_bucket_body(bucket: PointsBucket, expired: int) -> dict[str, Any]:
    """`LoyaltyPointsBucket` as it stood when it expired (the row itself is now empty)."""
    return {**expiration_bucket_body(bucket), "bucket": {"total_points": expired}}


async def record_points_expired(
    session: AsyncSession,
    ctx: RequestContext,
    card: Voucher,
    tx: VoucherTransaction,
    buckets: list[PointsBucket],
    expired: dict[str, int],
) -> None:
    """`voucher.loyalty_card.points_expired` and its customer twin, for the expiry job and
    for points expired on the spot before a spend (the same events either way)."""
    customer, campaign = await card_parties(session, ctx, card)
    data = {
        "voucher": simple_voucher(card),
        "points": -tx.amount,
        "campaign": simple_campaign(campaign) if campaign else None,
        "customer": _simple(customer),
        "buckets": [_expired_bucket_body(b, expired.get(b.id, 0)) for b in buckets],
        "transaction": transaction_body(tx),  # source "Automation" when the worker made it
    }
    await record_event(
        session, ctx, "voucher.loyalty_card.points_expired", entity_id=card.id, data=data
    )
    if customer is not None:
        await record_event(
            session,
            ctx,
            "customer.voucher.loyalty_card.points_expired",
            entity_id=customer.id,
            data=data,
        )
