"""Promotion tiers and stacks as redeemables: what validations and redemptions need of them.

The engine (redemptions/engine.py) loads the tiers a request names in one query, checks each
here, and a redemption moves a tier's `summary` counters by relative UPDATEs.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from voucherd.campaigns.models import Campaign
from voucherd.kit.timefmt import iso
from voucherd.kit.validity import WINDOW_FIELDS, in_windows
from voucherd.promotions.models import PromotionStack, PromotionTier
from voucherd.promotions.serializers import stack_body, tier_body


async def load_tiers(
    session: AsyncSession,
    project_id: str,
    tier_ids: Collection[str],
    *,
    with_deleted: bool = False,
) -> dict[str, tuple[PromotionTier, Campaign]]:
    """The named tiers of the project with their campaigns; deleted ones only for what
    already happened (their redemptions and rollbacks)."""
    if not tier_ids:
        return {}
    stmt = (
        select(PromotionTier, Campaign)
        .join(Campaign, Campaign.id == PromotionTier.campaign_id)
        .where(
            PromotionTier.project_id == project_id,
            PromotionTier.id.in_(sorted(set(tier_ids))),
        )
    )
    if not with_deleted:
        stmt = stmt.where(PromotionTier.deleted.is_(False))
    rows = await session.execute(stmt)
    return {tier.id: (tier, campaign) for tier, campaign in rows.unique().all()}


async def load_stacks(
    session: AsyncSession, project_id: str, stack_ids: Collection[str]
) -> dict[str, PromotionStack]:
    if not stack_ids:
        return {}
    rows = await session.scalars(
        select(PromotionStack).where(
            PromotionStack.project_id == project_id,
            PromotionStack.id.in_(sorted(set(stack_ids))),
        )
    )
    return {stack.id: stack for stack in rows}


def stack_tier_ids(stack: PromotionStack) -> list[str]:
    return [str(i) for i in (stack.tiers or {}).get("ids") or []]


def tier_error(tier: PromotionTier, campaign: Campaign, now: datetime) -> tuple[str, str] | None:
    """(error key, message) when the tier may not apply now, else None.

    Voucherify: `promotion_inactive` for a disabled tier or campaign; `promotion_not_active_now`
    outside its recurring windows. Before its start or after its end is unstated: ours is
    `promotion_inactive` (VOUCHERIFY-RULES.md e). A qualification asks this of every live tier,
    so the usual answer (None) builds no message.
    """
    if not tier.active:
        return "promotion_inactive", f"Promotion tier {tier.name} is disabled"
    if not campaign.active:
        return "promotion_inactive", f"{_whose(tier, campaign)} is disabled"
    for owner in (tier, campaign):
        start, end = owner.start_date, owner.expiration_date
        if start is not None and now < start:
            return "promotion_inactive", f"{_whose(tier, owner)} starts at {iso(start)}"
        if end is not None and now > end:
            return "promotion_inactive", f"{_whose(tier, owner)} ended at {iso(end)}"
    for owner in (tier, campaign):
        fields = {name: getattr(owner, name) for name in WINDOW_FIELDS}
        if any(value is not None for value in fields.values()) and not in_windows(
            fields, owner.start_date or owner.created_at, now
        ):
            what = _whose(tier, owner)
            return "promotion_not_active_now", f"{what} is outside its validity time windows"
    return None


def _whose(tier: PromotionTier, owner: PromotionTier | Campaign) -> str:
    label = f"Promotion tier {tier.name}"
    return label if owner is tier else f"The campaign of {label.lower()}"


def tier_discount(tier: PromotionTier) -> dict[str, Any] | None:
    discount = (tier.action or {}).get("discount")
    return dict(discount) if discount else None


async def count_redemption(
    session: AsyncSession, tier: PromotionTier | str, *, sign: int, order_amount: int, discount: int
) -> None:
    """A redemption (sign 1) or its rollback (sign -1) moves the tier's summary counters:
    one relative UPDATE, so concurrent redemptions never lose a count. A loaded tier learns
    the new values (its body shows them)."""
    tier_id = tier if isinstance(tier, str) else tier.id
    row = (
        await session.execute(
            update(PromotionTier)
            .where(PromotionTier.id == tier_id)
            .values(
                redeemed_quantity=PromotionTier.redeemed_quantity + sign,
                total_amount=PromotionTier.total_amount + sign * order_amount,
                total_discount_amount=PromotionTier.total_discount_amount + sign * discount,
            )
            .returning(
                PromotionTier.redeemed_quantity,
                PromotionTier.total_amount,
                PromotionTier.total_discount_amount,
            )
            .execution_options(synchronize_session=False)
        )
    ).one_or_none()
    if row is not None and not isinstance(tier, str):
        for name, value in zip(
            ("redeemed_quantity", "total_amount", "total_discount_amount"), row, strict=True
        ):
            set_committed_value(tier, name, value)


def redemption_tier_body(tier: PromotionTier, campaign: Campaign) -> dict[str, Any]:
    """The `promotion_tier` of a redemption (a full PromotionTier) and of redemption events."""
    return tier_body(tier, campaign, categories=[tier.category_ref] if tier.category_ref else [])


def stack_event_body(stack: PromotionStack) -> dict[str, Any]:
    """The `promotion_stack` of redemption events (WH `PromotionStack`)."""
    return stack_body(stack)


async def tier_bodies(
    session: AsyncSession, project_id: str, rows: Collection[Any]
) -> dict[str, dict[str, Any]]:
    """`promotion_tier` bodies of the tier redemptions among `rows`, by tier id (one query,
    none when no row is a tier's)."""
    ids = {r.related_object_id for r in rows if r.related_object_type == "promotion_tier"}
    found = await load_tiers(session, project_id, ids, with_deleted=True)
    return {key: redemption_tier_body(tier, campaign) for key, (tier, campaign) in found.items()}
