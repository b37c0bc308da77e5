"""`/v1/orders`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from voucherd.kit.http import TransactionalRoute
from voucherd.kit.pagination import Page, list_body, paginate
from voucherd.kit.responses import JsonResponse
from voucherd.orders import repository, service
from voucherd.orders.models import Order
from voucherd.orders.schemas import OrderCreate, OrderOut, OrdersListOut, OrderUpdate
from voucherd.orders.serializers import order_body
from voucherd.projects.auth import AppContext, Session

router = APIRouter(prefix="/v1/orders", tags=["orders"], route_class=TransactionalRoute)


@router.post("", response_model=OrderOut)
async def create_order(body: OrderCreate, ctx: AppContext, session: Session) -> Response:
    return JsonResponse(order_body(await service.upsert(session, ctx, body)))


@router.get("", response_model=OrdersListOut)
async def list_orders(
    ctx: AppContext,
    session: Session,
    page: Page,
    customer_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    stmt = repository.list_query(ctx.project_id, customer_id=customer_id)
    rows, total, has_more = await paginate(session, stmt, Order.id, page, repository.SORTS)
    return JsonResponse(
        list_body("orders", [order_body(o) for o in rows], total, has_more=has_more)
    )


@router.get("/{order_id}", response_model=OrderOut)
async def get_order(order_id: str, ctx: AppContext, session: Session) -> Response:
    return JsonResponse(order_body(await service.get(session, ctx, order_id)))


@router.put("/{order_id}", response_model=OrderOut)
async def update_order(
    order_id: str, body: OrderUpdate, ctx: AppContext, session: Session
) -> Response:
    return JsonResponse(order_body(await service.update(session, ctx, order_id, body)))
