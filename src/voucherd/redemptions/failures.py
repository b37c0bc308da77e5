"""Failed redemptions: what a refused `POST /v1/redemptions` leaves behind.

A refusal changes nothing, so the request's unit of work rolls back whole; Voucherify still
lists the attempt (`rf_…`, result FAILURE, status FAILED) and sends `redemption.failed`.
`RedemptionFailed` carries what to record, and the redemption route writes it in a unit of
work of its own once the refused one is gone (see `endpoints.FailureRecordingRoute`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.campaigns import service as campaigns
from voucherd.campaigns.models import Campaign
from voucherd.campaigns.serializers import simple_campaign
from voucherd.customers import service as customers
from voucherd.customers.models import Customer
from voucherd.customers.serializers import simple_customer
from voucherd.events.service import record_event
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import ApiError, NotFound
from voucherd.kit.ids import Prefix, new_id, new_tracking_id
from voucherd.kit.timefmt import iso
from voucherd.promotions import redeemables as promotions
from voucherd.promotions.models import PromotionTier
from voucherd.redemptions.candidates import Candidate
from voucherd.redemptions.models import Redemption
from voucherd.redemptions.schemas import StackableRequest
from voucherd.redemptions.serializers import simple_redemption
from voucherd.vouchers import service as vouchers
from voucherd.vouchers.models import Voucher
from voucherd.vouchers.serializers import simple_voucher


@dataclass(frozen=True, slots=True)
class FailedRedeemable:
    object: str  # voucher | promotion_tier | promotion_stack, as sent
    id: str  # the code or id as sent
    voucher_id: str | None  # None when the code named no voucher
    failure_code: str  # the error key, e.g. quantity_exceeded
    failure_message: str
    tier_id: str | None = None  # a known promotion tier's id


@dataclass(frozen=True, slots=True)
class FailedAttempt:
    ctx: RequestContext
    customer_key: str | None  # id or source_id the request named
    tracking_id: str | None
    metadata: dict[str, Any]
    failures: tuple[FailedRedeemable, ...]


class RedemptionFailed(ApiError):
    """A business refusal of a redemption, answered exactly like `error`.

    Only refusals of redeemables (unknown, disabled, expired, used up, not enough credits)
    are raised as this; a malformed request stays a plain `invalid_payload`.
    """

    def __init__(self, error: ApiError, attempt: FailedAttempt) -> None:
        super().__init__(
            error.details,
            key=error.key,
            message=error.message,
            status=error.status,
            resource_id=error.resource_id,
            resource_type=error.resource_type,
            extra=error.extra,
        )
        self.attempt = attempt


def _failed(candidate: Candidate, error: ApiError) -> FailedRedeemable:
    return FailedRedeemable(
        object=candidate.redeemable.object,
        id=candidate.redeemable.id,
        voucher_id=candidate.voucher.id if candidate.voucher else None,
        failure_code=error.key,
        failure_message=error.message,
        tier_id=candidate.tier.id if candidate.tier else None,
    )


def refused(
    ctx: RequestContext,
    body: StackableRequest,
    candidates: Iterable[Candidate],
    error: ApiError | None = None,
) -> RedemptionFailed:
    """The refusal of `candidates`: each with its own error, or all with `error`.

    The response is the first failure's error (or `error`), as before failures were recorded.
    """
    pairs = [(c, error or c.error) for c in candidates]
    failures = tuple(_failed(c, e) for c, e in pairs if e is not None)
    first = next(e for _, e in pairs if e is not None)
    ref = body.customer
    attempt = FailedAttempt(
        ctx=ctx,
        customer_key=(ref.id or ref.source_id) if ref else None,
        tracking_id=body.tracking_id,
        metadata=dict(body.metadata or {}),
        failures=failures,
    )
    return RedemptionFailed(first, attempt)


async def _customer(session: AsyncSession, attempt: FailedAttempt) -> Customer | None:
    # Only a customer that existed before: the refused request's upsert was rolled back.
    if attempt.customer_key is None:
        return None
    try:
        return await customers.get(session, attempt.ctx, attempt.customer_key)
    except NotFound:
        return None


async def _voucher(
    session: AsyncSession, ctx: RequestContext, failure: FailedRedeemable
) -> Voucher | None:
    if failure.voucher_id is not None:
        found = await vouchers.get_many(session, ctx, [failure.voucher_id])
        return found.get(failure.voucher_id)
    if failure.object != "voucher":
        return None
    try:  # e.g. a code given twice: refused before the engine kept its voucher
        return await vouchers.get(session, ctx, failure.id)
    except NotFound:
        return None


def _row(
    attempt: FailedAttempt,
    failure: FailedRedeemable,
    voucher: Voucher | None,
    customer: Customer | None,
    tier: tuple[PromotionTier, Campaign] | None,
) -> Redemption:
    failed_id = new_id(Prefix.FAILED_REDEMPTION)
    # Voucherify's failure for an unknown resource points at itself (its docs' example).
    related_type, related_id, campaign_id = "redemption", failed_id, None
    if voucher is not None:
        related_type, related_id, campaign_id = "voucher", voucher.id, voucher.campaign_id
    elif tier is not None:
        related_type, related_id, campaign_id = "promotion_tier", tier[0].id, tier[1].id
    return Redemption(
        id=failed_id,
        project_id=attempt.ctx.project_id,
        object="redemption",
        status="FAILED",
        result="FAILURE",
        related_object_type=related_type,
        related_object_id=related_id,
        customer_id=customer.id if customer else None,
        voucher_id=voucher.id if voucher else None,
        campaign_id=campaign_id,
        amount=0,
        tracking_id=attempt.tracking_id or (new_tracking_id() if customer else None),
        metadata_=dict(attempt.metadata),
        applied={},
        failure_code=failure.failure_code,
        failure_message=failure.failure_message,
        created_at=utcnow(),
    )


async def record(session: AsyncSession, attempt: FailedAttempt) -> list[Redemption]:
    """One FAILURE redemption and one `redemption.failed` event per refused redeemable.

    Vouchers, balances and orders are left as they are; only the customer's
    `summary.redemptions.total_failed` counts the attempt, as in Voucherify.
    """
    ctx = attempt.ctx
    customer = await _customer(session, attempt)
    tiers = await promotions.load_tiers(
        session, ctx.project_id, [f.tier_id for f in attempt.failures if f.tier_id]
    )
    rows: list[tuple[Redemption, Voucher | None]] = []
    for failure in attempt.failures:
        voucher = await _voucher(session, ctx, failure)
        tier = tiers.get(failure.tier_id) if failure.tier_id else None
        rows.append((_row(attempt, failure, voucher, customer, tier), voucher))
    session.add_all([r for r, _ in rows])
    await session.flush()
    if customer is not None and rows:
        await customers.record_redemption(session, customer.id, failed=len(rows))
    holders = await customers.get_many(
        session, ctx, [v.holder_id for _, v in rows if v is not None and v.holder_id]
    )
    for redemption, voucher in rows:
        tier = tiers.get(redemption.related_object_id)
        campaign = (
            await campaigns.get_by_id(session, ctx, voucher.campaign_id)
            if voucher is not None and voucher.campaign_id
            else (tier[1] if tier else None)
        )
        holder = holders.get(voucher.holder_id or "") if voucher else None
        data = {
            "customer": simple_customer(customer) if customer else None,
            # Nothing was ordered: the refused request's order was rolled back with it.
            "order": None,
            "campaign": simple_campaign(campaign) if campaign else None,
            "voucher": simple_voucher(voucher) if voucher else None,
            "holder": simple_customer(holder) if holder else None,
            "promotion_tier": promotions.redemption_tier_body(*tier) if tier else None,
            "promotion_stack": None,
            "redemption": simple_redemption(
                redemption, customer=customer, voucher=voucher, order=None
            ),
            "created_at": iso(redemption.created_at),
        }
        await record_event(session, ctx, "redemption.failed", entity_id=redemption.id, data=data)
    return [r for r, _ in rows]
