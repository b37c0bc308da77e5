"""The redeemables of one validation or redemption, each on its own: loaded (codes by code or
id, tiers and stacks of the project), checked (status, dates, windows, sessions' holds) and
given their discount with formulas evaluated. `engine.py` then stacks them on the order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns.models import Campaign
from voucherd.customers.models import Customer
from voucherd.discounts.calculation import DiscountInput, OrderInput, UnitChange
from voucherd.discounts.resolve import resolve_discount
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import ApiError, NotFound
from voucherd.promotions import redeemables as promotions
from voucherd.promotions.models import PromotionStack, PromotionTier
from voucherd.redemptions import redeemable_checks as checks
from voucherd.redemptions.schemas import RedeemableIn
from voucherd.rules import decisions
from voucherd.rules.targeting import UNLIMITED, Targeted
from voucherd.sessions import service as sessions
from voucherd.vouchers import service as vouchers
from voucherd.vouchers.models import Voucher


@dataclass
class Candidate:
    redeemable: RedeemableIn
    voucher: Voucher | None = None
    # A promotion tier (no code): `voucher` stays None; `stack` when named through a stack.
    tier: PromotionTier | None = None
    stack: PromotionStack | None = None
    campaign: Campaign | None = None
    error: ApiError | None = None
    discount: DiscountInput | None = None
    is_dynamic: bool = False
    applied: int = 0
    applied_items: dict[int, int] = field(default_factory=dict)
    # What a UNIT discount did to the order's units, by line: a rollback undoes it.
    unit_changes: dict[int, UnitChange] = field(default_factory=dict)
    # Why the stacking rules left it out (a `ValidationsRedeemableSkippedResult` key).
    skipped: str | None = None
    # What its validation rules decided: the lines it may touch, the counters it moves.
    targeted: Targeted = UNLIMITED
    decision: decisions.Decision | None = None

    @property
    def object_id(self) -> str | None:
        """The voucher's or the tier's id once loaded (rules and counters are keyed by it)."""
        if self.voucher is not None:
            return self.voucher.id
        return self.tier.id if self.tier is not None else None

    @property
    def label(self) -> str:
        """How messages name it."""
        if self.tier is not None:
            return f"Promotion tier {self.tier.name}"
        return f"Voucher {self.voucher.code if self.voucher else self.redeemable.id}"

    @property
    def gift_credits(self) -> int:
        return (
            self.applied if self.voucher is not None and self.voucher.type == "GIFT_VOUCHER" else 0
        )


def inapplicable(key: str, message: str, status: int = 400) -> ApiError:
    return ApiError(message, key=key, message=message, status=status)


async def load(
    session: AsyncSession,
    ctx: RequestContext,
    candidate: Candidate,
    seen_codes: set[str],
    tiers: Mapping[str, tuple[PromotionTier, Campaign]],
) -> None:
    redeemable = candidate.redeemable
    if redeemable.object == "promotion_tier":
        found = tiers.get(redeemable.id)
        if found is None:
            candidate.error = not_found("promotion_tier", redeemable.id)
        elif redeemable.id in seen_codes:
            candidate.error = inapplicable(
                "duplicate_found", f"Promotion tier {redeemable.id} is given twice"
            )
        else:
            seen_codes.add(redeemable.id)
            candidate.tier, candidate.campaign = found
        return
    try:
        voucher, campaign = await vouchers.get_with_campaign(session, ctx, redeemable.id)
    except NotFound:
        candidate.error = inapplicable(
            "resource_not_found", f"Voucher {redeemable.id} does not exist", 404
        )
        return
    if voucher.id in seen_codes:
        candidate.error = inapplicable("duplicate_found", f"Voucher {voucher.code} is given twice")
        return
    seen_codes.add(voucher.id)
    candidate.voucher = voucher
    # The identity map makes vouchers of one campaign share one Campaign object.
    candidate.campaign = campaign


def not_found(kind: str, key: str) -> ApiError:
    """Voucherify's INAPPLICABLE entry for an unknown tier or stack (VOUCHERIFY-RULES.md e):
    `not_found` naming the resource; a tier of another project is as unknown."""
    label = kind.replace("_", " ").capitalize()
    return ApiError(
        f"{label} {key} does not exist",
        key="not_found",
        message=f"{label} {key} does not exist",
        status=404,
        resource_id=key,
        resource_type=kind,
    )


async def expand_stacks(
    session: AsyncSession, ctx: RequestContext, redeemables: list[RedeemableIn]
) -> list[Candidate]:
    """One candidate per redeemable, a stack's tiers in the stack's order in its place (an
    answer may only name vouchers and tiers: VOUCHERIFY-RULES.md e, ours). So an unknown
    stack cannot be an INAPPLICABLE entry: it is a 404 of the request, which changes nothing."""
    stack_ids = [r.id for r in redeemables if r.object == "promotion_stack"]
    stacks = await promotions.load_stacks(session, ctx.project_id, stack_ids)
    candidates: list[Candidate] = []
    for redeemable in redeemables:
        if redeemable.object != "promotion_stack":
            candidates.append(Candidate(redeemable))
            continue
        stack = stacks.get(redeemable.id)
        if stack is None:
            raise NotFound("promotion_stack", redeemable.id)
        for tier_id in promotions.stack_tier_ids(stack):
            tier_in = RedeemableIn(object="promotion_tier", id=tier_id)
            candidates.append(Candidate(tier_in, stack=stack))
    return candidates


def check(candidate: Candidate, now: Any) -> None:
    if candidate.error is not None or (candidate.voucher is None and candidate.tier is None):
        return
    found = checks.problem(candidate.voucher, candidate.tier, candidate.campaign, now)
    if found is not None:
        candidate.error = inapplicable(*found)
    elif candidate.voucher is not None and candidate.voucher.type == "LOYALTY_CARD":
        candidate.error = inapplicable(
            "invalid_voucher", f"Loyalty card {candidate.voucher.code}: redeem rewards instead"
        )


def resolve(
    candidate: Candidate,
    order: OrderInput,
    customer: Customer | None,
    order_metadata: dict[str, Any],
    request_metadata: dict[str, Any],
    now: Any,
) -> None:
    voucher, tier = candidate.voucher, candidate.tier
    if candidate.error is not None or (voucher is None and tier is None):
        return
    if voucher is not None and voucher.type == "GIFT_VOUCHER":
        _resolve_gift(candidate, voucher, now)
        return
    raw = voucher.discount if voucher is not None else checks.tier_discount(tier)
    if not raw:
        return
    context = checks.formula_context(
        voucher,
        tier,
        order,
        customer=customer,
        order_metadata=order_metadata,
        request_metadata=request_metadata,
        now=now,
    )
    candidate.discount, candidate.is_dynamic = resolve_discount(raw, context)


def _resolve_gift(candidate: Candidate, voucher: Voucher, now: Any) -> None:
    balance = sessions.free_credits(voucher, now)  # what validation sessions don't hold
    wanted = candidate.redeemable.gift.credits if candidate.redeemable.gift else None
    credits = balance if wanted is None else wanted
    if wanted is not None and wanted > balance:
        candidate.error = inapplicable(
            "gift_amount_exceeded", f"Gift card {voucher.code} has {balance} left"
        )
    elif credits <= 0:
        candidate.error = inapplicable(
            "gift_amount_exceeded", f"Gift card {voucher.code} has no balance left"
        )
    else:
        candidate.discount = DiscountInput(
            type="AMOUNT", effect="APPLY_TO_ORDER", amount_off=credits
        )
