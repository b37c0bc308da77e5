"""Referral code holders (`/v1/referrals/[{campaignId}/]members/{code}/holders`): referees
assigned to a referrer's code, all or nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns.models import Campaign
from voucherd.customers import service as customers
from voucherd.customers.models import Customer
from voucherd.kit import filters
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import DuplicateFound, InvalidPayload, NotFound
from voucherd.kit.ids import Prefix, new_id
from voucherd.metadata_schemas import service as metadata_schemas
from voucherd.referrals import program, repository
from voucherd.referrals.events import record_holder
from voucherd.referrals.models import RedeemableHolder
from voucherd.referrals.schemas import HoldersCreate
from voucherd.vouchers import service as vouchers
from voucherd.vouchers.models import Voucher

REFEREE = "REFEREE"
FILTERS: filters.Fields = {
    "id": (RedeemableHolder.id, filters.Kind.STRING),
    "created_at": (RedeemableHolder.created_at, filters.Kind.DATETIME),
    "holder_role": (RedeemableHolder.holder_role, filters.Kind.STRING),
    "customer_id": (RedeemableHolder.customer_id, filters.Kind.STRING),
}


async def referral_code(
    session: AsyncSession, ctx: RequestContext, campaign_key: str | None, code: str
) -> tuple[Voucher, Campaign]:
    """The referral code (`memberId`: its code or id), in the campaign when one is named."""
    voucher, campaign = await vouchers.get_with_campaign(session, ctx, code)
    if campaign_key is not None and (
        campaign is None or campaign_key not in (campaign.id, campaign.name)
    ):
        raise NotFound("voucher", code)
    if campaign is None or not program.is_referral(campaign):
        raise InvalidPayload(f"{voucher.code} is not a referral code", key="invalid_voucher")
    return voucher, campaign


async def add(
    session: AsyncSession,
    ctx: RequestContext,
    campaign_key: str | None,
    code: str,
    data: HoldersCreate,
) -> tuple[Voucher, Campaign, list[RedeemableHolder]]:
    await metadata_schemas.check(session, ctx, "publication", data.metadata)
    voucher, campaign = await referral_code(session, ctx, campaign_key, code)
    people: list[Customer] = []
    for index, ref in enumerate(data.holders):
        if ref.id is None and ref.source_id is None:
            raise InvalidPayload(f"holders[{index}] needs an id or a source_id")
        customer = await customers.resolve_reference(session, ctx, ref)
        assert customer is not None  # it has an id or a source_id
        if customer.id == voucher.holder_id:
            raise InvalidPayload(
                f"holders[{index}]: {customer.id} is the code's referrer", key="invalid_customer"
            )
        if any(p.id == customer.id for p in people):
            raise InvalidPayload(f"holders[{index}]: {customer.id} is given twice")
        people.append(customer)
    held = await repository.holders_of(session, voucher.id, [p.id for p in people], REFEREE)
    if held:
        raise DuplicateFound(f"{sorted(held)[0]} already holds {voucher.code} as a referee")
    now = utcnow()
    rows = [
        RedeemableHolder(
            id=new_id(Prefix.REDEEMABLE_HOLDER),
            project_id=ctx.project_id,
            campaign_id=campaign.id,
            voucher_id=voucher.id,
            customer_id=person.id,
            holder_role=REFEREE,
            metadata_=dict(data.metadata or {}),
            created_at=now,
        )
        for person in people
    ]
    try:
        # A concurrent request adding one of them: the unique key refuses, a clean 409.
        async with session.begin_nested():
            session.add_all(rows)
            await session.flush()
    except IntegrityError as exc:
        raise DuplicateFound(f"A holder of {voucher.code} was added meanwhile") from exc
    for row, person in zip(rows, people, strict=True):
        await record_holder(session, ctx, "created", row, voucher, campaign, person)
    return voucher, campaign, rows


def list_query(ctx: RequestContext, voucher: Voucher, params: Any) -> Select[RedeemableHolder]:
    stmt = repository.holders_query(ctx.project_id, voucher.id)
    where: ColumnElement[bool] | None = filters.condition(params, FILTERS)
    return stmt if where is None else stmt.where(where)


async def remove(
    session: AsyncSession, ctx: RequestContext, campaign_key: str | None, code: str, holder_id: str
) -> None:
    """Only referees are removed; the referrer holds the code through its publication."""
    voucher, campaign = await referral_code(session, ctx, campaign_key, code)
    holder = await repository.get_holder(session, ctx.project_id, voucher.id, holder_id)
    if holder is None:
        raise NotFound("redeemable_holder", holder_id)
    if holder.holder_role != REFEREE:
        raise InvalidPayload("Only referees can be removed from a referral code")
    if not await repository.delete_holder(session, holder.id):
        raise NotFound("redeemable_holder", holder_id)
    customer = await customers.get_by_id(session, ctx, holder.customer_id)
    await record_holder(session, ctx, "deleted", holder, voucher, campaign, customer)
