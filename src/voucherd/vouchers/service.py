"""Voucher rules: creation from a campaign template or standalone, codes, state, gift balance."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns.codes import (
    CodeConfig,
    CodeConfigError,
    ensure_capacity,
    generate_unique_codes,
    normalize_code_config,
)
from voucherd.campaigns.serializers import simple_campaign
from voucherd.categories import service as categories
from voucherd.events.service import record_event
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import ApiError, DuplicateFound, InvalidPayload, NotFound
from voucherd.kit.ids import Prefix, new_id
from voucherd.kit.timefmt import as_utc
from voucherd.kit.validity import WINDOW_FIELDS
from voucherd.loyalty.expiry import expires_on, program_rules
from voucherd.metadata_schemas import service as metadata_schemas
from voucherd.vouchers import gift as gift_cards
from voucherd.vouchers import repository
from voucherd.vouchers.models import Voucher
from voucherd.vouchers.opening_points import record_opening_points
from voucherd.vouchers.schemas import VoucherCreate, VoucherUpdate
from voucherd.vouchers.serializers import voucher_body

if TYPE_CHECKING:
    from voucherd.campaigns.models import Campaign
    from voucherd.categories.models import Category

TYPE_BY_CAMPAIGN = {
    "DISCOUNT_COUPONS": "DISCOUNT_VOUCHER",
    "GIFT_VOUCHERS": "GIFT_VOUCHER",
    "LOYALTY_PROGRAM": "LOYALTY_CARD",
}


class InvalidCodeConfig(ApiError):
    status = 400
    key = "invalid_code_config"
    message = "Invalid code config"


def code_config(raw: dict[str, Any] | None) -> CodeConfig:
    try:
        return normalize_code_config(raw)
    except CodeConfigError as exc:
        raise InvalidCodeConfig(str(exc)) from exc


def stored_code_config(config: CodeConfig) -> dict[str, Any]:
    return {
        "length": config.pattern.count("#"),
        "charset": config.charset,
        "prefix": config.prefix,
        "postfix": config.postfix,
        "pattern": config.pattern,
    }


def _dt(value: datetime | None) -> datetime | None:
    return as_utc(value) if value else None


def template_fields(campaign: Campaign) -> dict[str, Any]:
    """Column values every voucher of `campaign` starts with."""
    template = campaign.voucher
    if campaign.campaign_type not in TYPE_BY_CAMPAIGN:
        # A PROMOTION campaign gives discounts through its tiers and has no codes.
        raise InvalidPayload(f"A {campaign.campaign_type} campaign has no codes")
    vtype = template.get("type") or TYPE_BY_CAMPAIGN[campaign.campaign_type]
    gift = template.get("gift") or {}
    loyalty = template.get("loyalty_card") or {}
    fields: dict[str, Any] = {
        "campaign_id": campaign.id,
        "campaign_name": campaign.name,
        # A code issued from a campaign is in the campaign's category (seed 004).
        "category": campaign.category_ref.name if campaign.category_ref else None,
        "category_id": campaign.category_ref.id if campaign.category_ref else None,
        "type": vtype,
        "discount": template.get("discount"),
        "redemption_quantity": (template.get("redemption") or {}).get("quantity"),
        "start_date": campaign.start_date,
        "expiration_date": campaign.expiration_date,
        "active": True,
    }
    if vtype == "GIFT_VOUCHER":
        amount = int(gift.get("amount", 0))
        fields |= {
            "gift_amount": amount,
            "gift_balance": amount,
            "gift_effect": gift.get("effect", "APPLY_TO_ORDER"),
        }
    if vtype == "LOYALTY_CARD":
        points = int(loyalty.get("points", 0))
        fields |= {
            "loyalty_points": points,
            "loyalty_balance": points,
            "loyalty_pending_points": 0,
            "loyalty_expired_points": 0,
            "loyalty_subtracted_points": 0,
        }
    return fields


def _with_opening_expiry(
    ctx: RequestContext, fields: dict[str, Any], campaign: Campaign | None
) -> dict[str, Any]:
    """A card opening with points starts with its next-expiry cache set, as every later
    credit keeps it: spends rely on it to know whether any bucket is past its expiry."""
    points = fields.get("loyalty_balance") or 0
    if fields.get("type") != "LOYALTY_CARD" or points <= 0:
        return fields
    rules = program_rules(campaign.voucher) if campaign else None
    last_day = expires_on(rules, ctx.today())  # the day record_opening_points uses
    if last_day is None:
        return fields
    return fields | {
        "loyalty_next_expiration_date": last_day,
        "loyalty_next_expiration_points": points,
    }


# Rounds of "draw, check storage" before giving up on a nearly full code space.
MAX_CODE_ROUNDS = 50


async def fresh_codes(
    session: AsyncSession, project_id: str, config: CodeConfig, count: int, already_used: int = 0
) -> list[str]:
    """`count` new codes no voucher of the project has, checked against storage in bulk."""
    try:
        ensure_capacity(config, count, already_used)
        chosen: list[str] = []
        seen: set[str] = set()
        for _ in range(MAX_CODE_ROUNDS):
            need = count - len(chosen)
            if need == 0:
                return chosen
            candidates = [c for c in generate_unique_codes(config, need) if c not in seen]
            seen.update(candidates)
            taken = await repository.existing_codes(session, project_id, candidates)
            chosen.extend(c for c in candidates if c not in taken)
        raise CodeConfigError("not enough free codes left for this code_config")
    except CodeConfigError as exc:
        raise InvalidCodeConfig(str(exc)) from exc


def _row(ctx: RequestContext, code: str, fields: dict[str, Any]) -> dict[str, Any]:
    now = utcnow()
    return {
        "id": new_id(Prefix.VOUCHER),
        "project_id": ctx.project_id,
        "code": code,
        "redeemed_quantity": 0,
        "redeemed_points": 0,
        "redeemed_amount": 0,
        "is_referral_code": False,
        "publish_count": 0,
        "metadata": {},
        "created_at": now,
        **fields,
    }


async def generate_for_campaign(
    session: AsyncSession,
    ctx: RequestContext,
    campaign: Campaign,
    count: int,
    overrides: dict[str, Any] | None = None,
    config_override: dict[str, Any] | None = None,
) -> int:
    """Create `count` vouchers from the campaign template in one bulk insert."""
    if count <= 0:
        return 0
    config = code_config(config_override or campaign.voucher.get("code_config"))
    codes = await fresh_codes(session, ctx.project_id, config, count, campaign.vouchers_count)
    fields = _with_opening_expiry(ctx, template_fields(campaign) | (overrides or {}), campaign)
    rows = [_row(ctx, code, fields) for code in codes]
    await repository.bulk_insert(session, rows)
    if fields.get("loyalty_balance"):
        await record_opening_points(
            session, ctx, rows, program_rules(campaign.voucher) if campaign else None
        )
    return count


async def _insert_one(session: AsyncSession, voucher: Voucher) -> None:
    try:
        # Added inside the savepoint: begin_nested() flushes pending rows first, and a
        # conflicting INSERT outside the savepoint would abort the whole transaction.
        async with session.begin_nested():
            session.add(voucher)
            await session.flush()
    except IntegrityError as exc:
        if voucher in session:  # a rolled-back savepoint already dropped it
            session.expunge(voucher)
        raise DuplicateFound(
            f"Voucher with code {voucher.code} already exists",
            resource_id=voucher.code,
            resource_type="voucher",
        ) from exc


CategoryResolver = Callable[..., Awaitable["Category | None"]]


async def new_row(
    session: AsyncSession,
    ctx: RequestContext,
    data: VoucherCreate,
    campaign: Campaign | None = None,
    *,
    resolve_category: CategoryResolver = categories.resolve,
) -> tuple[dict[str, Any], Category | None]:
    """The `vouchers` row `data` describes (in `campaign`: its template, then `data`
    overrides), checked by the rules of a single create; nothing is written. Imports build
    their rows here too, then insert them in bulk."""
    await metadata_schemas.check(session, ctx, "voucher", data.metadata)
    if data.discount is not None:
        data.discount.check_formulas()
    fields: dict[str, Any] = template_fields(campaign) if campaign else {}
    vtype = (
        fields.get("type")
        or data.type
        or (
            "GIFT_VOUCHER"
            if data.gift
            else "LOYALTY_CARD"
            if data.loyalty_card
            else "DISCOUNT_VOUCHER"
        )
    )
    if vtype == "DISCOUNT_VOUCHER" and data.discount is None and not fields.get("discount"):
        raise InvalidPayload("A discount voucher needs `discount`")
    if vtype == "GIFT_VOUCHER" and data.gift is None and campaign is None:
        raise InvalidPayload("A gift voucher needs `gift.amount`")
    fields["type"] = vtype
    if data.discount is not None:
        fields["discount"] = data.discount.as_stored()
    if data.gift is not None:
        balance = data.gift.balance if data.gift.balance is not None else data.gift.amount
        fields |= {
            "gift_amount": data.gift.amount,
            "gift_balance": balance,
            "gift_effect": data.gift.effect,
        }
    if data.loyalty_card is not None:
        pts = data.loyalty_card.points
        fields |= {
            "loyalty_points": pts,
            "loyalty_balance": pts,
            "loyalty_pending_points": 0,
            "loyalty_expired_points": 0,
            "loyalty_subtracted_points": 0,
        }
    category = campaign.category_ref if campaign else None
    if data.category_id or data.category:
        category = await resolve_category(
            session, ctx, category_id=data.category_id, name=data.category
        )
    fields["category"] = category.name if category else None
    fields["category_id"] = category.id if category else None
    if data.additional_info is not None:
        fields["additional_info"] = data.additional_info
    if data.start_date is not None:
        fields["start_date"] = _dt(data.start_date)
    if data.expiration_date is not None:
        fields["expiration_date"] = _dt(data.expiration_date)
    if data.active is not None:
        fields["active"] = data.active
    if data.redemption is not None:
        fields["redemption_quantity"] = data.redemption.quantity
    fields |= data.stored_windows()
    if vtype == "LOYALTY_CARD" and any(fields.get(name) for name in WINDOW_FIELDS):
        # Reward redemptions do not read windows yet: refused rather than ignored.
        raise InvalidPayload("validity windows are not supported on loyalty cards yet")
    code = data.code
    if code is None:
        raw_config = data.code_config or (campaign.voucher.get("code_config") if campaign else None)
        config = code_config(raw_config)
        code = (await fresh_codes(session, ctx.project_id, config, 1))[0]
    row = _row(ctx, code, _with_opening_expiry(ctx, fields, campaign))
    row["metadata_"] = dict(data.metadata or {})
    del row["metadata"]
    return row, category


async def create(
    session: AsyncSession,
    ctx: RequestContext,
    data: VoucherCreate,
    campaign: Campaign | None = None,
) -> Voucher:
    """One voucher: in `campaign` (its template, then `data` overrides) or standalone."""
    row, category = await new_row(session, ctx, data, campaign)
    voucher = Voucher(**row)
    # Set on the new object: its body is serialized before any read would join it.
    voucher.category_ref = category
    await _insert_one(session, voucher)
    if voucher.loyalty_balance:
        await record_opening_points(
            session, ctx, [row], program_rules(campaign.voucher) if campaign else None
        )
    await record_voucher_event(session, ctx, "voucher.created", voucher, campaign)
    return voucher


async def record_voucher_event(
    session: AsyncSession,
    ctx: RequestContext,
    event_type: str,
    voucher: Voucher,
    campaign: Campaign | None = None,
) -> None:
    await record_event(
        session,
        ctx,
        event_type,
        entity_id=voucher.id,
        data={
            "voucher": voucher_body(voucher),
            "campaign": simple_campaign(campaign) if campaign else None,
        },
    )


async def get(session: AsyncSession, ctx: RequestContext, key: str) -> Voucher:
    voucher = await repository.get(session, ctx.project_id, key)
    if voucher is None:
        raise NotFound("voucher", key)
    return voucher


async def get_with_campaign(
    session: AsyncSession, ctx: RequestContext, key: str
) -> tuple[Voucher, Campaign | None]:
    found = await repository.get_with_campaign(session, ctx.project_id, key)
    if found is None:
        raise NotFound("voucher", key)
    return found


async def update(
    session: AsyncSession, ctx: RequestContext, key: str, data: VoucherUpdate
) -> Voucher:
    await metadata_schemas.check(session, ctx, "voucher", data.metadata)
    gift_change = data.gift if "gift" in data.model_fields_set else None
    # A new gift amount moves the balance by the difference from the stored amount: read the
    # voucher under its row lock, so a redemption spending from the card concurrently cannot
    # slip between that read and the move (it waits, or this waits for it).
    voucher = (
        await repository.get(session, ctx.project_id, key, for_update=True)
        if gift_change is not None and gift_change.amount is not None
        else await repository.get(session, ctx.project_id, key)
    )
    if voucher is None:
        raise NotFound("voucher", key)
    fields = data.model_fields_set
    if data.type is not None and data.type != voucher.type:
        raise InvalidPayload(f"type cannot be changed: the voucher is a {voucher.type}")
    if "discount" in fields and data.discount is not None:
        data.discount.check_formulas()
        voucher.discount = data.discount.as_stored()
    if gift_change is not None and voucher.type == "GIFT_VOUCHER":
        if gift_change.amount is not None:
            await gift_cards.set_gift_amount(session, ctx, voucher, gift_change.amount)
        if gift_change.effect is not None:
            voucher.gift_effect = gift_change.effect
    for name in ("additional_info", "active"):
        if name in fields and getattr(data, name) is not None:
            setattr(voucher, name, getattr(data, name))
    if data.category_id or data.category:
        category = await categories.resolve(
            session, ctx, category_id=data.category_id, name=data.category
        )
        voucher.category_ref = category
        voucher.category_id = category.id if category else None
        voucher.category = category.name if category else None
    if "start_date" in fields:
        voucher.start_date = _dt(data.start_date)
    if "expiration_date" in fields:
        voucher.expiration_date = _dt(data.expiration_date)
    if "metadata" in fields:
        voucher.metadata_ = dict(data.metadata or {})
    if "redemption" in fields and data.redemption is not None:
        voucher.redemption_quantity = data.redemption.quantity
    for name, value in data.stored_windows().items():
        setattr(voucher, name, value)
    voucher.updated_at = utcnow()
    await session.flush()
    await record_voucher_event(session, ctx, "voucher.updated", voucher)
    return voucher


async def set_active(session: AsyncSession, ctx: RequestContext, key: str, active: bool) -> Voucher:
    voucher = await get(session, ctx, key)
    voucher.active = active
    voucher.updated_at = utcnow()
    await session.flush()
    await record_voucher_event(
        session, ctx, "voucher.enabled" if active else "voucher.disabled", voucher
    )
    return voucher


async def delete(session: AsyncSession, ctx: RequestContext, key: str) -> None:
    voucher = await get(session, ctx, key)
    body = voucher_body(voucher)
    await session.delete(voucher)
    await session.flush()
    await record_event(
        session,
        ctx,
        "voucher.deleted",
        entity_id=body["id"],
        data={"voucher": body, "campaign": None},
    )


def status_error(
    voucher: Voucher, now: datetime, campaign_active: bool = True
) -> tuple[str, str] | None:
    """Why the voucher cannot be used now (Voucherify error key, message), or None."""
    if not voucher.active:
        return "voucher_disabled", f"Voucher {voucher.code} is disabled"
    if not campaign_active:
        return "voucher_disabled", f"The campaign of voucher {voucher.code} is disabled"
    if voucher.start_date is not None and now < voucher.start_date:
        return "voucher_not_active", f"Voucher {voucher.code} is not active yet"
    if voucher.expiration_date is not None and now > voucher.expiration_date:
        return "voucher_expired", f"Voucher {voucher.code} has expired"
    if (
        voucher.redemption_quantity is not None
        and voucher.redeemed_quantity >= voucher.redemption_quantity
    ):
        return "quantity_exceeded", f"Voucher {voucher.code} has been used up"
    return None


async def consume(session: AsyncSession, voucher: Voucher) -> bool:
    return await repository.try_consume_redemption(session, voucher)


async def release(session: AsyncSession, voucher: Voucher) -> None:
    await repository.release_redemption(session, voucher)


async def claim_for_customer(
    session: AsyncSession, campaign_id: str, customer_id: str
) -> Voucher | None:
    return await repository.claim_free_voucher(session, campaign_id, customer_id)


async def customer_voucher_in_campaign(
    session: AsyncSession, campaign_id: str, customer_id: str
) -> Voucher | None:
    return await repository.holder_has_campaign_voucher(session, campaign_id, customer_id)


async def get_many(
    session: AsyncSession, ctx: RequestContext, ids: list[str]
) -> dict[str, Voucher]:
    return await repository.get_many(session, ctx.project_id, ids)


async def assign_holder(session: AsyncSession, voucher: Voucher, customer_id: str) -> None:
    """Publishing a given code: it now belongs to the customer (the first holder stays)."""
    await repository.add_publication(session, voucher, customer_id)


@categories.on_delete
async def _leave_deleted_category(session: AsyncSession, project_id: str, category_id: str) -> None:
    await repository.unlink_category(session, project_id, category_id)


async def held_by(
    session: AsyncSession, ctx: RequestContext, customer_id: str, limit: int = 100
) -> Sequence[Voucher]:
    """The codes, gift cards and loyalty cards a customer holds, newest first."""
    stmt = repository.list_query(ctx.project_id, holder_id=customer_id)
    return (await session.execute(stmt.order_by(Voucher.id.desc()).limit(limit))).scalars().all()
