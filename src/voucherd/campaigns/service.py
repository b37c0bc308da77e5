"""Campaign rules: creation with code generation, updates, state, adding vouchers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns import repository
from voucherd.campaigns.models import Campaign
from voucherd.campaigns.schemas import (
    AddVouchers,
    CampaignCreate,
    CampaignFields,
    CampaignUpdate,
    CampaignVoucherSpec,
)
from voucherd.campaigns.serializers import campaign_body, simple_campaign
from voucherd.categories import service as categories
from voucherd.categories.models import Category
from voucherd.events.service import record_event
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import DuplicateFound, InvalidPayload, NotFound
from voucherd.kit.ids import Prefix, new_id
from voucherd.kit.timefmt import as_utc, iso
from voucherd.metadata_schemas import service as metadata_schemas
from voucherd.redemptions import summary as redemption_summary
from voucherd.rules import service as rules
from voucherd.vouchers import service as vouchers
from voucherd.vouchers.models import Voucher, VoucherTransaction
from voucherd.vouchers.schemas import VoucherCreate

CAMPAIGN_TYPE_BY_VOUCHER = {v: k for k, v in vouchers.TYPE_BY_CAMPAIGN.items()}


def _template(campaign_type: str, spec: CampaignVoucherSpec) -> dict[str, Any]:
    if campaign_type == "PROMOTION":
        # No codes: the discounts live on the tiers (promotions domain).
        if spec.model_dump(exclude_none=True):
            raise InvalidPayload("A PROMOTION campaign has no codes: voucher is not allowed")
        return {}
    vtype = spec.type or vouchers.TYPE_BY_CAMPAIGN[campaign_type]
    if vouchers.TYPE_BY_CAMPAIGN[campaign_type] != vtype:
        raise InvalidPayload(f"A {campaign_type} campaign cannot hold {vtype} vouchers")
    template: dict[str, Any] = {"type": vtype}
    if vtype == "DISCOUNT_VOUCHER":
        if spec.discount is None:
            raise InvalidPayload("voucher.discount is required for DISCOUNT_COUPONS")
        spec.discount.check_formulas()
        template["discount"] = spec.discount.as_stored()
    if vtype == "GIFT_VOUCHER":
        if spec.gift is None:
            raise InvalidPayload("voucher.gift.amount is required for GIFT_VOUCHERS")
        template["gift"] = {"amount": spec.gift.amount, "effect": spec.gift.effect}
    if vtype == "LOYALTY_CARD":
        card = spec.loyalty_card.model_dump(exclude_none=True) if spec.loyalty_card else {}
        template["loyalty_card"] = {"points": card.get("points", 0), **card}
    quantity = spec.redemption.quantity if spec.redemption else None
    template["redemption"] = {"quantity": quantity}
    template["code_config"] = vouchers.stored_code_config(vouchers.code_config(spec.code_config))
    return template


def set_category(campaign: Campaign, category: Category | None) -> None:
    campaign.category_ref = category
    campaign.category_id = category.id if category else None
    campaign.category = category.name if category else None


def is_live(campaign: Campaign, now: datetime) -> bool:
    """Active and within its dates (both ends inclusive, as a voucher's own dates)."""
    return (
        campaign.active
        and (campaign.start_date is None or now >= campaign.start_date)
        and (campaign.expiration_date is None or now <= campaign.expiration_date)
    )


async def get(session: AsyncSession, ctx: RequestContext, key: str) -> Campaign:
    campaign = await repository.get(session, ctx.project_id, key)
    if campaign is None:
        raise NotFound("campaign", key)
    return campaign


async def get_by_id(session: AsyncSession, ctx: RequestContext, campaign_id: str) -> Campaign:
    return await get(session, ctx, campaign_id)


async def _record(session: AsyncSession, ctx: RequestContext, kind: str, c: Campaign) -> None:
    await record_event(
        session,
        ctx,
        f"campaign.{kind}",
        entity_id=c.id,
        data={"campaign": campaign_body(c), "created_at": iso(utcnow())},
    )


async def create(
    session: AsyncSession,
    ctx: RequestContext,
    data: CampaignCreate,
    default_type: str | None = None,
) -> Campaign:
    await metadata_schemas.check(session, ctx, "campaign", data.metadata)
    spec = data.voucher or CampaignVoucherSpec()
    campaign_type = (
        data.campaign_type
        or default_type
        or (CAMPAIGN_TYPE_BY_VOUCHER.get(spec.type) if spec.type else None)
    )
    if campaign_type is None:
        raise InvalidPayload("campaign_type is required")
    if campaign_type == "PROMOTION" and data.vouchers_count:
        raise InvalidPayload("A PROMOTION campaign has no codes: vouchers_count is not allowed")
    if campaign_type != "PROMOTION" and data.promotion is not None:
        raise InvalidPayload("promotion is only for PROMOTION campaigns")
    if await repository.get_by_name(session, ctx.project_id, data.name) is not None:
        raise DuplicateFound(
            f"Campaign with name {data.name} already exists", resource_type="campaign"
        )
    category = await categories.resolve(
        session, ctx, category_id=data.category_id, name=data.category
    )
    windows = _windows(campaign_type, data)
    campaign = Campaign(
        **windows,
        id=new_id(Prefix.CAMPAIGN),
        project_id=ctx.project_id,
        name=data.name,
        description=data.description,
        campaign_type=campaign_type,
        # A promotion has no codes to keep generating: Voucherify's examples show STATIC.
        type=data.type or ("STATIC" if campaign_type == "PROMOTION" else "AUTO_UPDATE"),
        voucher=_template(campaign_type, spec),
        auto_join=bool(data.auto_join),
        join_once=bool(data.join_once),
        active=data.active if data.active is not None else True,
        start_date=as_utc(data.start_date) if data.start_date else None,
        expiration_date=as_utc(data.expiration_date) if data.expiration_date else None,
        # The name column is kept for processes of the previous release (migration 0007).
        category=category.name if category else None,
        category_id=category.id if category else None,
        category_ref=category,
        extra={"loyalty_tiers_expiration": data.loyalty_tiers_expiration}
        if data.loyalty_tiers_expiration
        else {},
        vouchers_count=0,
        metadata_=dict(data.metadata or {}),
        created_at=utcnow(),
    )
    try:
        # Added inside the savepoint: begin_nested() flushes pending rows first, and a
        # conflicting INSERT outside the savepoint would abort the whole transaction.
        async with session.begin_nested():
            session.add(campaign)
            await session.flush()
    except IntegrityError as exc:
        raise DuplicateFound(f"Campaign with name {data.name} already exists") from exc
    await _assign_rules(session, ctx, campaign, data)
    count = data.vouchers_count or 0
    await _generate(session, ctx, campaign, count)
    await _record(session, ctx, "created", campaign)
    return campaign


async def _generate(
    session: AsyncSession,
    ctx: RequestContext,
    campaign: Campaign,
    count: int,
    overrides: dict[str, Any] | None = None,
    config_override: dict[str, Any] | None = None,
) -> None:
    if count <= 0:
        return
    await vouchers.generate_for_campaign(session, ctx, campaign, count, overrides, config_override)
    await repository.add_to_vouchers_count(session, campaign.id, count)
    await session.refresh(campaign)
    # One event for the batch: a voucher.created per generated code would flood receivers.
    await record_event(
        session,
        ctx,
        "campaign.vouchers.generation.completed",
        entity_id=campaign.id,
        data={"campaign": simple_campaign(campaign), "count": count, "completed_at": iso(utcnow())},
    )


async def count_imported(session: AsyncSession, campaign_id: str, count: int) -> None:
    """Vouchers an import added to the campaign (vouchers/bulk.py wrote them)."""
    await repository.add_to_vouchers_count(session, campaign_id, count)


async def update(
    session: AsyncSession, ctx: RequestContext, key: str, data: CampaignUpdate
) -> Campaign:
    await metadata_schemas.check(session, ctx, "campaign", data.metadata)
    campaign = await get(session, ctx, key)
    fields = data.model_fields_set
    if campaign.campaign_type == "PROMOTION":
        # No code template: a promotion's discounts are its tiers' (PUT /v1/promotions/tiers).
        for name in ("discount", "gift", "loyalty_card", "vouchers_count"):
            if getattr(data, name) is not None:
                raise InvalidPayload(f"{name} does not apply to a PROMOTION campaign")
    if "name" in fields and data.name and data.name != campaign.name:
        if await repository.get_by_name(session, ctx.project_id, data.name):
            raise DuplicateFound(f"Campaign with name {data.name} already exists")
        campaign.name = data.name
    for name in (
        "description",
        "join_once",
        "auto_join",
        "active",
        "type",
    ):
        if name in fields and getattr(data, name) is not None:
            setattr(campaign, name, getattr(data, name))
    if data.category_id or data.category:
        # Only the campaign moves: its existing codes keep the category they were issued in
        # (each voucher has its own); codes issued from now on inherit the new one.
        set_category(
            campaign,
            await categories.resolve(
                session, ctx, category_id=data.category_id, name=data.category
            ),
        )
    if "start_date" in fields:
        campaign.start_date = as_utc(data.start_date) if data.start_date else None
    if "expiration_date" in fields:
        campaign.expiration_date = as_utc(data.expiration_date) if data.expiration_date else None
    if "metadata" in fields:
        campaign.metadata_ = dict(data.metadata or {})
    if data.unset_metadata_fields:
        campaign.metadata_ = {
            k: v for k, v in campaign.metadata_.items() if k not in data.unset_metadata_fields
        }
    if "loyalty_tiers_expiration" in fields:
        # Read by tier choice from now on (tiers.rules.tier_settings); members are re-placed
        # as their points next move (`options.recalculate_tiers` is refused).
        extra = dict(campaign.extra or {})
        extra["loyalty_tiers_expiration"] = data.loyalty_tiers_expiration or None
        campaign.extra = extra
    template = dict(campaign.voucher)
    if data.discount is not None:
        data.discount.check_formulas()
        template["discount"] = data.discount.as_stored()
    if data.gift is not None:
        template["gift"] = {"amount": data.gift.amount, "effect": data.gift.effect}
    if data.loyalty_card is not None:
        template["loyalty_card"] = data.loyalty_card.model_dump(exclude_none=True)
    campaign.voucher = template
    for name, value in _windows(campaign.campaign_type, data).items():
        setattr(campaign, name, value)
    campaign.updated_at = utcnow()
    await session.flush()
    await _assign_rules(session, ctx, campaign, data)
    await _record(session, ctx, "updated", campaign)
    return campaign


def _windows(campaign_type: str, data: CampaignFields) -> dict[str, Any]:
    windows = data.stored_windows()
    given = sorted(name for name, value in windows.items() if value is not None)
    if given and campaign_type == "LOYALTY_PROGRAM":
        # Reward redemptions do not read windows yet: refused rather than ignored.
        raise InvalidPayload(f"{given[0]} is not supported on loyalty programs yet")
    return windows


async def _assign_rules(
    session: AsyncSession, ctx: RequestContext, campaign: Campaign, data: CampaignFields
) -> None:
    # Codes published from the campaign are covered by this one assignment (the evaluator
    # reads the voucher's and its campaign's rules): no copy per code.
    if data.validation_rules is not None:
        await rules.assign_inline(session, ctx, data.validation_rules, "campaign", campaign.id)


async def set_active(
    session: AsyncSession, ctx: RequestContext, key: str, active: bool
) -> Campaign:
    campaign = await get(session, ctx, key)
    campaign.active = active
    campaign.updated_at = utcnow()
    await session.flush()
    await _record(session, ctx, "enabled" if active else "disabled", campaign)
    return campaign


async def delete(session: AsyncSession, ctx: RequestContext, key: str) -> None:
    campaign = await get(session, ctx, key)
    body = campaign_body(campaign)
    await session.delete(campaign)
    await session.flush()
    await record_event(
        session,
        ctx,
        "campaign.deleted",
        entity_id=body["id"],
        data={"campaign": body, "created_at": iso(utcnow())},
    )


async def add_voucher(
    session: AsyncSession,
    ctx: RequestContext,
    key: str,
    data: AddVouchers,
    code: str | None = None,
) -> Voucher:
    campaign = await get(session, ctx, key)
    voucher = await vouchers.create(
        session,
        ctx,
        VoucherCreate.model_validate({**data.model_dump(exclude_none=True), "code": code}),
        campaign=campaign,
    )
    await repository.add_to_vouchers_count(session, campaign.id, 1)
    return voucher


async def add_vouchers(
    session: AsyncSession, ctx: RequestContext, key: str, count: int, data: AddVouchers
) -> int:
    await metadata_schemas.check(session, ctx, "voucher", data.metadata)
    campaign = await get(session, ctx, key)
    overrides: dict[str, Any] = {}
    if data.category is not None:
        category = await categories.resolve(session, ctx, category_id=None, name=data.category)
        if category is not None:
            overrides |= {"category": category.name, "category_id": category.id}
    if data.redemption is not None:
        overrides["redemption_quantity"] = data.redemption.quantity
    if data.metadata is not None:
        overrides["metadata"] = dict(data.metadata)
    if data.additional_info is not None:
        overrides["additional_info"] = data.additional_info
    for name in ("start_date", "expiration_date"):
        if getattr(data, name) is not None:
            overrides[name] = as_utc(getattr(data, name))
    await _generate(session, ctx, campaign, count, overrides, data.code_config)
    return count


async def transactions_query(
    session: AsyncSession,
    ctx: RequestContext,
    key: str,
    *,
    where: ColumnElement[bool] | None = None,
) -> Select[VoucherTransaction]:
    """The balance movements of every voucher of the campaign (gift credits, points)."""
    campaign = await get(session, ctx, key)
    return repository.transactions_query(ctx.project_id, campaign.id, where=where)


def _gift_figures(campaign: Campaign, created: int, moves: dict[str, int]) -> dict[str, int]:
    face_value = (campaign.voucher.get("gift") or {}).get("amount") or 0
    return {
        "created_vouchers_amount": face_value * created,
        "amount_added": abs(moves.get("CREDITS_ADDITION", 0)),
        # A deleted card's remaining credits are not kept (its event carries the card only).
        "amount_deleted": 0,
        "amount_redeemed": abs(moves.get("CREDITS_REDEMPTION", 0)),
        "amount_rolledback": abs(moves.get("CREDITS_REFUND", 0)),
        "amount_subtracted": abs(moves.get("CREDITS_REMOVAL", 0)),
    }


def _loyalty_figures(campaign: Campaign, created: int, moves: dict[str, int]) -> dict[str, int]:
    points = (campaign.voucher.get("loyalty_card") or {}).get("points") or 0
    by_type = {
        "points_added": "POINTS_ADDITION",
        "points_subtracted": "POINTS_REMOVAL",
        "points_rewarded": "POINTS_ACCRUAL",
        "points_redeemed": "POINTS_REDEMPTION",
        "points_rolledback": "POINTS_REFUND",
        "points_expired": "POINTS_EXPIRATION",
        "points_transferred_out": "POINTS_TRANSFER_OUT",
        "points_transferred_in": "POINTS_TRANSFER_IN",
    }
    figures = {"created_vouchers_points": points * created, "points_deleted": 0}
    figures |= {key: abs(moves.get(kind, 0)) for key, kind in by_type.items()}
    # Pending points live outside the voucher ledger and are not summarised yet.
    figures |= {
        "pending_points_added": 0,
        "pending_points_subtracted": 0,
        "pending_points_activated": 0,
        "pending_points_canceled": 0,
    }
    return figures


async def summary(
    session: AsyncSession,
    ctx: RequestContext,
    key: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    """`GET /v1/campaigns/{id}/summary`: Voucherify's `CampaignsSummary…` for the campaign's
    type, counted over what happened in [since, until)."""
    campaign = await get(session, ctx, key)
    totals = await redemption_summary.campaign_totals(
        session, ctx, campaign.id, since=since, until=until
    )
    live = await repository.count_live_vouchers(session, campaign.id, since, until)
    deleted, deleted_created = await repository.count_deleted_vouchers(
        session, ctx.project_id, campaign.id, since, until
    )
    published = await repository.count_publications(session, campaign.id, since, until)
    created = live + deleted_created
    body: dict[str, Any] = {
        "object": "campaign_summary",
        # Voucherify's summary always shows `categories` empty (CampaignBase.categories).
        "campaign": campaign_body(campaign, with_categories=False),
        "redemptions": totals["redemptions_succeeded"] + totals["redemptions_failed"],
        "redemptions_succeeded": totals["redemptions_succeeded"],
        "redemptions_failed": totals["redemptions_failed"],
        "rollbacks": totals["rollbacks_succeeded"] + totals["rollbacks_failed"],
        "rollbacks_succeeded": totals["rollbacks_succeeded"],
        "rollbacks_failed": totals["rollbacks_failed"],
        # Validations change nothing and leave no record to count.
        "validations": 0,
        "validations_succeeded": 0,
        "validations_failed": 0,
        "vouchers_created": created,
        "vouchers_deleted": deleted,
        # Refused publications leave no record either.
        "publications": published,
        "publications_succeeded": published,
        "publications_failed": 0,
        "orders_amount": totals["orders_amount"],
        "orders_rolledback_amount": totals["orders_rolledback_amount"],
    }
    if campaign.campaign_type in ("GIFT_VOUCHERS", "LOYALTY_PROGRAM"):
        moves = await repository.transaction_totals(session, campaign.id, since, until)
        figures = _gift_figures if campaign.campaign_type == "GIFT_VOUCHERS" else _loyalty_figures
        body |= figures(campaign, created, moves)
    else:
        body["discounted_amount"] = totals["discounted_amount"]
        body["rolledback_discounted_amount"] = totals["rolledback_discounted_amount"]
    return body


@categories.on_delete
async def _leave_deleted_category(session: AsyncSession, project_id: str, category_id: str) -> None:
    await repository.unlink_category(session, project_id, category_id)


async def names(session: AsyncSession, ctx: RequestContext, ids: Iterable[str]) -> dict[str, str]:
    """Campaign names by id (reports label their rows with them)."""
    return await repository.names(session, ctx.project_id, ids)
