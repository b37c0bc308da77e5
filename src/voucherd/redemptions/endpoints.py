"""`/v1/validations`, `/v1/redemptions` and rollbacks."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from voucherd.campaigns import service as campaigns
from voucherd.customers import service as customers
from voucherd.kit.errors import ApiError
from voucherd.kit.http import TransactionalRoute, get_db
from voucherd.kit.pagination import Page, list_body, paginate
from voucherd.kit.responses import JsonResponse
from voucherd.orders.serializers import order_body
from voucherd.projects.auth import AppContext, Session
from voucherd.promotions import redeemables as promotions
from voucherd.redemptions import failures, repository, rollback, service
from voucherd.redemptions.models import Redemption
from voucherd.redemptions.schemas import RollbackRequest, StackableRequest
from voucherd.redemptions.serializers import redemption_body
from voucherd.vouchers import service as vouchers

log = logging.getLogger("voucherd.redemptions")

router = APIRouter(tags=["redemptions"], route_class=TransactionalRoute)


@router.post("/v1/validations")
async def validate(body: StackableRequest, ctx: AppContext, session: Session) -> Response:
    return JsonResponse(await service.validate(session, ctx, body))


class FailureRecordingRoute(TransactionalRoute):
    """The redemption edge: a refused redemption's unit of work rolls back as usual, then a
    second one records the refusal (Voucherify lists failed redemptions and sends
    `redemption.failed`) and the refusal is answered exactly as before."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def recording_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except failures.RedemptionFailed as refused:
                try:
                    async with get_db(request).transaction(write=True) as session:
                        await failures.record(session, refused.attempt)
                except Exception:  # losing the record must not change the client's answer
                    log.exception("could not record a failed redemption")
                raise

        return recording_handler

    async def after_refusal(self, session: AsyncSession, error: ApiError) -> None:
        # Idempotency-Key (kit/idempotency.py): the refusal is recorded in the request's own
        # unit of work, which commits it with the stored answer (a replay records nothing).
        if isinstance(error, failures.RedemptionFailed):
            await failures.record(session, error.attempt)


async def redeem(body: StackableRequest, ctx: AppContext, session: Session) -> Response:
    return JsonResponse(service.redeemed_body(await service.redeem(session, ctx, body)))


router.add_api_route(
    "/v1/redemptions", redeem, methods=["POST"], route_class_override=FailureRecordingRoute
)


async def _bodies(session: Session, ctx: AppContext, rows: list[Redemption]) -> list[dict]:  # type: ignore[type-arg]
    people = await customers.get_many(session, ctx, [r.customer_id for r in rows if r.customer_id])
    codes = await vouchers.get_many(session, ctx, [r.voucher_id for r in rows if r.voucher_id])
    tiers = await promotions.tier_bodies(session, ctx.project_id, rows)
    return [
        redemption_body(
            r,
            customer=people.get(r.customer_id or ""),
            voucher=codes.get(r.voucher_id or ""),
            order=None,
            promotion_tier=tiers.get(r.related_object_id),
        )
        for r in rows
    ]


@router.get("/v1/redemptions")
async def list_redemptions(
    ctx: AppContext,
    session: Session,
    page: Page,
    customer: Annotated[str | None, Query(max_length=200)] = None,
    campaign: Annotated[str | None, Query(max_length=200)] = None,
    # `order` is the sort (Voucherify's spec); filtering by order is our `order_id` extension.
    order_id: Annotated[str | None, Query(max_length=200)] = None,
    # Voucherify: "You can provide multiple values by repeating the param."
    result: Annotated[list[Literal["SUCCESS", "FAILURE"]] | None, Query()] = None,
) -> Response:
    customer_id = (await customers.get(session, ctx, customer)).id if customer else None
    campaign_id = None
    if campaign:
        campaign_id = (await campaigns.get(session, ctx, campaign)).id
    stmt = repository.list_query(
        ctx.project_id,
        customer_id=customer_id,
        campaign_id=campaign_id,
        order_id=order_id,
        result=result,
    )
    rows, total, has_more = await paginate(session, stmt, Redemption.id, page, repository.SORTS)
    items = await _bodies(session, ctx, list(rows))
    return JsonResponse(list_body("redemptions", items, total, has_more=has_more))


@router.get("/v1/redemptions/{redemption_id}")
async def get_redemption(redemption_id: str, ctx: AppContext, session: Session) -> Response:
    r = await rollback.get(session, ctx, redemption_id)
    return JsonResponse((await _bodies(session, ctx, [r]))[0])


def _rollback_request(
    body: RollbackRequest | None, reason: str | None, tracking_id: str | None
) -> RollbackRequest:
    # The SDK sends reason and tracking_id in the query string; the body may carry them too.
    data = body or RollbackRequest()
    return data.model_copy(
        update={"reason": data.reason or reason, "tracking_id": data.tracking_id or tracking_id}
    )


@router.post("/v1/redemptions/{redemption_id}/rollback")
async def rollback_redemption(
    redemption_id: str,
    ctx: AppContext,
    session: Session,
    reason: Annotated[str | None, Query(max_length=1000)] = None,
    tracking_id: Annotated[str | None, Query(max_length=200)] = None,
    body: Annotated[RollbackRequest | None, Body()] = None,
) -> Response:
    done = await rollback.rollback(
        session, ctx, redemption_id, _rollback_request(body, reason, tracking_id)
    )
    return JsonResponse(rollback.rollback_body(done))


@router.post("/v1/redemptions/{parent_redemption_id}/rollbacks")
async def rollback_stacked(
    parent_redemption_id: str,
    ctx: AppContext,
    session: Session,
    reason: Annotated[str | None, Query(max_length=1000)] = None,
    tracking_id: Annotated[str | None, Query(max_length=200)] = None,
    body: Annotated[RollbackRequest | None, Body()] = None,
) -> Response:
    done, parent = await rollback.rollback_stacked(
        session, ctx, parent_redemption_id, _rollback_request(body, reason, tracking_id)
    )
    return JsonResponse(
        {
            "rollbacks": [rollback.rollback_body(d) for d in done],
            "parent_rollback": rollback.rollback_body(parent),
            "order": order_body(parent.order) if parent.order else None,
        }
    )
