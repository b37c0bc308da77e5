"""The candidate queries of a qualification: every one indexed, none reads all the vouchers.

A read model over other domains' tables (vouchers, publications, campaigns, promotion
tiers and stacks, categories), read-only, kept here until those domains offer these reads:

- the customer's wallet: codes they hold (`ix_vouchers.holder_id`) or were published to
  (`ix_publications.customer_id`), with their campaigns;
- the project's live campaigns of the kinds that reach everyone: PROMOTION campaigns and
  one-code DISCOUNT_COUPONS campaigns (the project's campaigns, by `project_id`);
- generic codes: multi-use codes published to no one, standalone or the one code of such a
  campaign (`ix_vouchers_campaign_holder` on (campaign_id, holder_id));
- live promotion tiers (`ix_promotion_tiers_project_live`) and the stacks of live promotion
  campaigns (`promotion_stacks.campaign_id`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import BindParameter, and_, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns.models import Campaign
from voucherd.kit.queries import one_of
from voucherd.promotions.models import PromotionStack, PromotionTier
from voucherd.publications.models import Publication
from voucherd.rules.models import ValidationRuleAssignment
from voucherd.vouchers.models import Voucher

# Bounds on what one qualification reads: a wallet or a project beyond them is served its
# newest candidates (documented in the README).
MAX_WALLET = 500
MAX_GENERIC = 200
MAX_TIERS = 1000
MAX_STACKS = 200

# Codes a qualification can offer (loyalty cards pay with points through rewards instead).
OFFERED_TYPES = ("DISCOUNT_VOUCHER", "GIFT_VOUCHER")


# Hot-path statements are built once (building and cache-keying one per call costs about
# as much as running it on SQLite); values go in as bound parameters.
_PROJECT: BindParameter[str] = bindparam("project_id")
_CUSTOMER: BindParameter[str] = bindparam("customer_id")
_WALLET = (
    select(Voucher, Campaign)
    .outerjoin(Campaign, Campaign.id == Voucher.campaign_id)
    .where(
        Voucher.project_id == _PROJECT,
        or_(
            Voucher.holder_id == _CUSTOMER,
            Voucher.id.in_(
                select(Publication.voucher_id).where(
                    Publication.customer_id == _CUSTOMER, Publication.project_id == _PROJECT
                )
            ),
        ),
        Voucher.type.in_(OFFERED_TYPES),
    )
    .order_by(Voucher.created_at.desc(), Voucher.id.desc())
    .limit(MAX_WALLET)
)
_OPEN_CAMPAIGNS = select(Campaign).where(
    Campaign.project_id == _PROJECT,
    Campaign.active.is_(True),
    or_(
        Campaign.campaign_type == "PROMOTION",
        and_(Campaign.campaign_type == "DISCOUNT_COUPONS", Campaign.vouchers_count == 1),
    ),
)
_GENERIC = (
    select(Voucher)
    .where(
        or_(
            Voucher.campaign_id.is_(None),
            one_of(Voucher.campaign_id, "campaign_ids"),
        ),
        Voucher.holder_id.is_(None),
        Voucher.project_id == _PROJECT,
        Voucher.type == "DISCOUNT_VOUCHER",
        Voucher.active.is_(True),
        or_(Voucher.redemption_quantity.is_(None), Voucher.redemption_quantity > 1),
        Voucher.is_referral_code.is_(False),
    )
    .order_by(Voucher.created_at.desc(), Voucher.id.desc())
    .limit(MAX_GENERIC)
)
_LIVE_TIERS = (
    select(PromotionTier)
    .where(
        PromotionTier.project_id == _PROJECT,
        PromotionTier.deleted.is_(False),
        PromotionTier.active.is_(True),
    )
    .order_by(PromotionTier.hierarchy, PromotionTier.created_at.desc())
    .limit(MAX_TIERS)
)


async def wallet(
    session: AsyncSession, project_id: str, customer_id: str
) -> list[tuple[Voucher, Campaign | None]]:
    """Codes the customer holds or was published, newest first."""
    rows = await session.execute(_WALLET, {"project_id": project_id, "customer_id": customer_id})
    return [(row[0], row[1]) for row in rows.all()]


async def open_campaigns(session: AsyncSession, project_id: str) -> list[Campaign]:
    """Active PROMOTION campaigns and one-code DISCOUNT_COUPONS campaigns (a shared code)."""
    rows = await session.execute(_OPEN_CAMPAIGNS, {"project_id": project_id})
    return list(rows.scalars().unique().all())


async def generic_codes(
    session: AsyncSession, project_id: str, campaign_ids: Collection[str]
) -> Sequence[Voucher]:
    """Multi-use codes nobody holds: standalone ones, and those of `campaign_ids`."""
    params = {"project_id": project_id, "campaign_ids": sorted(campaign_ids)}
    return (await session.execute(_GENERIC, params)).scalars().unique().all()


async def live_tiers(session: AsyncSession, project_id: str) -> Sequence[PromotionTier]:
    """Active, undeleted tiers (their dates and campaigns are judged in memory)."""
    return (await session.execute(_LIVE_TIERS, {"project_id": project_id})).scalars().all()


async def stacks_of(
    session: AsyncSession, project_id: str, campaign_ids: Collection[str]
) -> Sequence[PromotionStack]:
    if not campaign_ids:
        return []
    rows = await session.execute(
        select(PromotionStack)
        .where(
            PromotionStack.campaign_id.in_(sorted(campaign_ids)),
            PromotionStack.project_id == project_id,
        )
        .order_by(PromotionStack.created_at.desc(), PromotionStack.id.desc())
        .limit(MAX_STACKS)
    )
    return rows.scalars().all()


async def assignments(
    session: AsyncSession, project_id: str, object_ids: Collection[str]
) -> Sequence[ValidationRuleAssignment]:
    """Rule assignments of these objects (only for `expand: ["validation_rules"]`)."""
    if not object_ids:
        return []
    rows = await session.execute(
        select(ValidationRuleAssignment)
        .where(
            ValidationRuleAssignment.project_id == project_id,
            ValidationRuleAssignment.related_object_id.in_(sorted(object_ids)),
        )
        .order_by(ValidationRuleAssignment.id)
    )
    return rows.scalars().all()
