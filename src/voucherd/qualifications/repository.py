"""The candidate queries of a qualification: every one indexed, none reads all the vouchers.

A read model over other domains' tables (vouchers, publications, campaigns, promotion
tiers and stacks, categories), read-only, kept here until those domains offer these reads:

- the customer's wallet: codes they hold (`ix_vouchers_holder_id`) or were published to
  (`ix_publications_customer_id`), with their campaigns;
- the project's live campaigns of the kinds that reach everyone: PROMOTION campaigns and
  one-code DISCOUNT_COUPONS campaigns (the project's campaigns, by `project_id`);
- generic codes: multi-use codes published to no one, standalone (the partial index
  `ix_vouchers_standalone_generic`) or the one code of such a campaign (the partial index
  of free codes `ix_vouchers_campaign_free`);

tests/qualifications/test_candidate_plans.py holds both engines to these plans in a project
of 20,000 codes nobody holds.
- live promotion tiers (`ix_promotion_tiers_project_live`) and the stacks of live promotion
  campaigns (`promotion_stacks.campaign_id`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import (
    BindParameter,
    Select,
    and_,
    bindparam,
    literal_column,
    or_,
    select,
    union_all,
)
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
# The wallet's ids come from the two customer indexes (`ix_vouchers_holder_id`,
# `ix_publications_customer_id`), THEN the codes by primary key: an OR of the two inside one
# WHERE made both engines scan every code of the project (a parallel seq scan of 50,000 codes
# on PostgreSQL: 20 ms per qualification instead of 0.3). The outer query names no project:
# a customer is one project's, and SQLite would walk `ix_vouchers_project_id` instead of
# the primary key (tests/qualifications/test_candidate_plans.py).
_HELD_IDS = union_all(
    select(Voucher.id).where(Voucher.holder_id == _CUSTOMER),
    select(Publication.voucher_id).where(Publication.customer_id == _CUSTOMER),
)
_WALLET = (
    select(Voucher, Campaign)
    .outerjoin(Campaign, Campaign.id == Voucher.campaign_id)
    .where(Voucher.id.in_(_HELD_IDS), Voucher.type.in_(OFFERED_TYPES))
    .order_by(Voucher.created_at.desc(), Voucher.id.desc())
    .limit(MAX_WALLET)
)
# Multi-use: the same literal terms as the partial index `ix_vouchers_standalone_generic`
# (a bound parameter in place of the 1 would keep either engine from using it).
_MULTI_USE = or_(
    Voucher.redemption_quantity.is_(None), Voucher.redemption_quantity > literal_column("1")
)
_OFFERED_GENERIC = (
    Voucher.type == "DISCOUNT_VOUCHER",
    Voucher.active.is_(True),
    Voucher.is_referral_code.is_(False),
    _MULTI_USE,
)
_ONE_CODE = and_(Campaign.campaign_type == "DISCOUNT_COUPONS", Campaign.vouchers_count == 1)
_OPEN_CAMPAIGNS = select(Campaign).where(
    Campaign.project_id == _PROJECT,
    Campaign.active.is_(True),
    or_(Campaign.campaign_type == "PROMOTION", _ONE_CODE),
)
# Generic codes: the project's standalone ones, newest first from the partial index (it holds
# nothing else), and the shared code of each one-code campaign, from the partial index of free
# codes (`ix_vouchers_campaign_free`); then the codes themselves by primary key. Statistics
# see campaigns of thousands of codes on average, and each engine needs its own wording to
# still look the shared codes up: PostgreSQL estimates `campaign_id = ANY(ids)` per id (a
# correlated lookup gets the average, and it then walks the primary key); analyzed SQLite
# scans every code for `IN (ids)` but keeps to the index for a correlated lookup.
_STANDALONE_IDS = (
    select(Voucher.id)
    .where(
        Voucher.project_id == _PROJECT,
        Voucher.campaign_id.is_(None),
        Voucher.holder_id.is_(None),
        *_OFFERED_GENERIC,
    )
    .order_by(Voucher.created_at.desc(), Voucher.id.desc())
    .limit(MAX_GENERIC)
    .subquery()
)
_SHARED_BY_IDS = select(Voucher.id).where(
    one_of(Voucher.campaign_id, "campaign_ids"), Voucher.holder_id.is_(None)
)
_SHARED_BY_LOOKUP = (
    select(
        select(Voucher.id)
        .where(Voucher.campaign_id == Campaign.id, Voucher.holder_id.is_(None))
        .order_by(Voucher.id)
        .limit(1)
        .scalar_subquery()
        .correlate(Campaign)
    )
    .select_from(Campaign)
    .where(one_of(Campaign.id, "campaign_ids"))
)


def _generic(shared: Select[Any]) -> Select[Any]:
    return (
        select(Voucher)
        .where(
            # By primary key only: naming the project or `holder_id IS NULL` here would make
            # SQLite walk those indexes instead (tests/qualifications/test_candidate_plans.py).
            Voucher.id.in_(union_all(select(_STANDALONE_IDS.c.id), shared)),
            *_OFFERED_GENERIC,
        )
        .order_by(Voucher.created_at.desc(), Voucher.id.desc())
        .limit(MAX_GENERIC)
    )


_GENERIC = {"postgresql": _generic(_SHARED_BY_IDS), "sqlite": _generic(_SHARED_BY_LOOKUP)}
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


async def wallet(session: AsyncSession, customer_id: str) -> list[tuple[Voucher, Campaign | None]]:
    """Codes the customer holds or was published, newest first. A customer (an id found in
    the request's project) has codes of that project only: none is asked for."""
    rows = await session.execute(_WALLET, {"customer_id": customer_id})
    return [(row[0], row[1]) for row in rows.all()]


async def open_campaigns(session: AsyncSession, project_id: str) -> list[Campaign]:
    """Active PROMOTION campaigns and one-code DISCOUNT_COUPONS campaigns (a shared code)."""
    rows = await session.execute(_OPEN_CAMPAIGNS, {"project_id": project_id})
    return list(rows.scalars().unique().all())


async def generic_codes(
    session: AsyncSession, project_id: str, campaign_ids: Collection[str]
) -> Sequence[Voucher]:
    """Multi-use codes nobody holds: standalone ones and the shared codes of the one-code
    campaigns `campaign_ids`, newest first."""
    stmt = _GENERIC[session.get_bind().dialect.name]
    params = {"project_id": project_id, "campaign_ids": sorted(campaign_ids)}
    found: Sequence[Voucher] = (await session.execute(stmt, params)).scalars().all()
    return found


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
