"""Referral queries: conditional inserts for "once" (conversions, grants), counts, lists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.referrals.models import (
    RedeemableHolder,
    Referral,
    ReferralRewardGrant,
    ReferralRewardTier,
)


async def _insert_once(
    session: AsyncSession, model: type[Referral] | type[ReferralRewardGrant], values: dict[str, Any]
) -> bool:
    """INSERT … ON CONFLICT DO NOTHING: True when this call inserted the row. On PostgreSQL a
    concurrent insert of the same key waits for the other transaction and then inserts
    nothing, so exactly one of them sees True."""
    build = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = build(model).values(**values).on_conflict_do_nothing().returning(model.id)
    return (await session.execute(stmt)).first() is not None


async def insert_referral(session: AsyncSession, values: dict[str, Any]) -> bool:
    return await _insert_once(session, Referral, values)


async def insert_grant(session: AsyncSession, values: dict[str, Any]) -> bool:
    return await _insert_once(session, ReferralRewardGrant, values)


async def referrals_of_referee(session: AsyncSession, referee_id: str) -> Sequence[Referral]:
    stmt = select(Referral).where(Referral.referee_id == referee_id).order_by(Referral.id)
    return (await session.execute(stmt)).scalars().all()


async def count_referees(session: AsyncSession, campaign_id: str, referrer_id: str) -> int:
    stmt = select(func.count()).where(
        Referral.campaign_id == campaign_id, Referral.referrer_id == referrer_id
    )
    return int((await session.execute(stmt)).scalar_one())


# -- holders -----------------------------------------------------------------------------------


def holders_query(project_id: str, voucher_id: str) -> Select[RedeemableHolder]:
    return select(RedeemableHolder).where(
        RedeemableHolder.project_id == project_id, RedeemableHolder.voucher_id == voucher_id
    )


async def holders_of(
    session: AsyncSession, voucher_id: str, customer_ids: Sequence[str], role: str
) -> set[str]:
    """The customers among `customer_ids` already holding the code in `role`."""
    if not customer_ids:
        return set()
    stmt = select(RedeemableHolder.customer_id).where(
        RedeemableHolder.voucher_id == voucher_id,
        RedeemableHolder.holder_role == role,
        RedeemableHolder.customer_id.in_(customer_ids),
    )
    return set((await session.execute(stmt)).scalars())


async def get_holder(
    session: AsyncSession, project_id: str, voucher_id: str, holder_id: str
) -> RedeemableHolder | None:
    stmt = holders_query(project_id, voucher_id).where(RedeemableHolder.id == holder_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def delete_holder(session: AsyncSession, holder_id: str) -> bool:
    result = await session.execute(delete(RedeemableHolder).where(RedeemableHolder.id == holder_id))
    return bool(getattr(result, "rowcount", 0))


# -- reward tiers ------------------------------------------------------------------------------


def tiers_query(project_id: str, campaign_id: str) -> Select[ReferralRewardTier]:
    return select(ReferralRewardTier).where(
        ReferralRewardTier.project_id == project_id,
        ReferralRewardTier.campaign_id == campaign_id,
    )


async def tiers_of(
    session: AsyncSession, project_id: str, campaign_id: str
) -> Sequence[ReferralRewardTier]:
    stmt = tiers_query(project_id, campaign_id).order_by(ReferralRewardTier.id)
    return (await session.execute(stmt)).scalars().all()


async def get_tier(
    session: AsyncSession, project_id: str, campaign_id: str, tier_id: str
) -> ReferralRewardTier | None:
    stmt = tiers_query(project_id, campaign_id).where(ReferralRewardTier.id == tier_id)
    return (await session.execute(stmt)).scalar_one_or_none()
