"""Candidates of a qualification, by scenario, from the indexed queries of repository.py."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns.models import Campaign
from voucherd.customers.models import Customer
from voucherd.kit.context import RequestContext
from voucherd.promotions.models import PromotionStack, PromotionTier
from voucherd.qualifications import repository
from voucherd.qualifications.judge import Offer
from voucherd.vouchers.models import Voucher

# Which sources each scenario draws from (VOUCHERIFY-RULES.md f).
WALLET = frozenset(
    {
        "ALL",
        "CUSTOMER_WALLET",
        "AUDIENCE_ONLY",
        "PRODUCTS_BY_CUSTOMER",
        "PRODUCTS_DISCOUNT_BY_CUSTOMER",
    }
)
AUDIENCE = frozenset(
    {
        "ALL",
        "AUDIENCE_ONLY",
        "PRODUCTS",
        "PRODUCTS_DISCOUNT",
        "PRODUCTS_BY_CUSTOMER",
        "PRODUCTS_DISCOUNT_BY_CUSTOMER",
    }
)


def voucher_offer(voucher: Voucher, campaign: Campaign | None, role: str | None = None) -> Offer:
    category = voucher.category_ref or (campaign.category_ref if campaign else None)
    return Offer(
        object="voucher",
        id=voucher.code,
        key=voucher.id,
        created_at=voucher.created_at,
        campaign=campaign,
        voucher=voucher,
        category=category,
        role=role,
    )


def tier_offer(tier: PromotionTier, campaign: Campaign | None) -> Offer:
    # The tier's own category, else its campaign's (as the engine's stacking does).
    category = tier.category_ref or (campaign.category_ref if campaign is not None else None)
    return Offer(
        object="promotion_tier",
        id=tier.id,
        key=tier.id,
        created_at=tier.created_at,
        campaign=campaign,
        tier=tier,
        category=category,
    )


class Sources:
    """The candidates one request draws, loaded lazily so each query runs at most once."""

    def __init__(self, session: AsyncSession, ctx: RequestContext) -> None:
        self.session, self.ctx = session, ctx
        self._campaigns: dict[str, Campaign] | None = None

    async def campaigns(self) -> dict[str, Campaign]:
        if self._campaigns is None:
            found = await repository.open_campaigns(self.session, self.ctx.project_id)
            self._campaigns = {c.id: c for c in found}
        return self._campaigns

    async def wallet(self, customer: Customer) -> list[Offer]:
        rows = await repository.wallet(self.session, customer.id)
        return [voucher_offer(v, c, "REFERRER" if v.is_referral_code else "OWNER") for v, c in rows]

    async def generic(self) -> list[Offer]:
        campaigns = await self.campaigns()
        ids = [c.id for c in campaigns.values() if c.campaign_type == "DISCOUNT_COUPONS"]
        codes = await repository.generic_codes(self.session, self.ctx.project_id, ids)
        return [voucher_offer(v, campaigns.get(v.campaign_id or "")) for v in codes]

    async def tiers(self, tiers: Sequence[PromotionTier] | None = None) -> list[Offer]:
        campaigns = await self.campaigns()
        if tiers is None:
            tiers = await repository.live_tiers(self.session, self.ctx.project_id)
        # Tiers of campaigns that are not live (disabled, another kind) never qualify.
        tiers = [t for t in tiers if t.campaign_id in campaigns]
        return [tier_offer(t, campaigns.get(t.campaign_id)) for t in tiers]

    async def stacks(self) -> list[PromotionStack]:
        campaigns = await self.campaigns()
        ids = [c.id for c in campaigns.values() if c.campaign_type == "PROMOTION"]
        return list(await repository.stacks_of(self.session, self.ctx.project_id, ids))


async def for_scenario(sources: Sources, scenario: str, customer: Customer | None) -> list[Offer]:
    offers: list[Offer] = []
    if scenario in WALLET and customer is not None:
        offers += await sources.wallet(customer)
    if scenario in AUDIENCE:
        held = {o.key for o in offers}
        offers += [o for o in await sources.generic() if o.key not in held]
        offers += await sources.tiers()
    return offers
