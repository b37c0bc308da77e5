"""Aggregates of vouchers for reports (the console's liability page)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.vouchers import repository
from voucherd.vouchers.models import Voucher


@dataclass(frozen=True)
class GiftLiability:
    campaign_id: str  # "" for standalone gift cards
    cards: int
    balance: int  # cents still to be spent


async def gift_outstanding(session: AsyncSession, project_id: str) -> list[GiftLiability]:
    """Unspent gift-card money per campaign (disabled and expired cards included: the money
    is owed until the shop writes it off)."""
    rows = await session.execute(
        select(Voucher.campaign_id, func.count(), func.coalesce(func.sum(Voucher.gift_balance), 0))
        .where(
            Voucher.project_id == project_id,
            Voucher.type == "GIFT_VOUCHER",
            Voucher.gift_balance > 0,
        )
        .group_by(Voucher.campaign_id)
        .order_by(Voucher.campaign_id)
    )
    return [GiftLiability(str(c or ""), int(n), int(b or 0)) for c, n, b in rows.all()]


def campaign_vouchers_query(project_id: str, campaign_id: str) -> Select[Voucher]:
    """A campaign's codes, as `GET /v1/vouchers?campaign_id=` lists them (the console pages
    through them by id)."""
    return repository.list_query(project_id, campaign_id=campaign_id)
