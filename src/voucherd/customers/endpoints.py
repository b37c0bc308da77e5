"""`/v1/customers`: HTTP to service calls and back."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from voucherd.customers import erasure, repository, service
from voucherd.customers.models import Customer
from voucherd.customers.schemas import CustomerCreate, CustomerOut, CustomersListOut, CustomerUpdate
from voucherd.customers.serializers import customer_body
from voucherd.kit.http import TransactionalRoute
from voucherd.kit.pagination import Page, list_body, paginate
from voucherd.kit.responses import JsonResponse
from voucherd.kit.timefmt import as_utc
from voucherd.projects.auth import AppContext, Session
from voucherd.segments import service as segments

router = APIRouter(prefix="/v1/customers", tags=["customers"], route_class=TransactionalRoute)


@router.post("", response_model=CustomerOut)
async def create_customer(body: CustomerCreate, ctx: AppContext, session: Session) -> Response:
    customer, _created = await service.upsert(session, ctx, body)
    return JsonResponse(customer_body(customer))


@router.get("", response_model=CustomersListOut)
async def list_customers(
    ctx: AppContext,
    session: Session,
    page: Page,
    email: Annotated[str | None, Query(max_length=500)] = None,
    name: Annotated[str | None, Query(max_length=500)] = None,
    city: Annotated[str | None, Query(max_length=500)] = None,
    created_before: Annotated[datetime | None, Query(alias="created_at[before]")] = None,
    created_after: Annotated[datetime | None, Query(alias="created_at[after]")] = None,
    segment_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    member_ids = (
        await segments.member_ids(session, ctx, segment_id) if segment_id is not None else None
    )
    stmt = repository.list_query(
        ctx.project_id,
        email=email,
        name=name,
        city=city,
        created_before=as_utc(created_before) if created_before else None,
        created_after=as_utc(created_after) if created_after else None,
        member_ids=member_ids,
    )
    rows, total, has_more = await paginate(session, stmt, Customer.id, page, repository.SORTS)
    return JsonResponse(
        list_body("customers", [customer_body(c) for c in rows], total, has_more=has_more)
    )


@router.get("/{customer_id}", response_model=CustomerOut)
async def get_customer(customer_id: str, ctx: AppContext, session: Session) -> Response:
    return JsonResponse(customer_body(await service.get(session, ctx, customer_id)))


@router.put("/{customer_id}", response_model=CustomerOut)
async def update_customer(
    customer_id: str, body: CustomerUpdate, ctx: AppContext, session: Session
) -> Response:
    return JsonResponse(customer_body(await service.update(session, ctx, customer_id, body)))


@router.delete("/{customer_id}", status_code=204)
async def delete_customer(customer_id: str, ctx: AppContext, session: Session) -> Response:
    await service.delete(session, ctx, customer_id)
    return Response(status_code=204)


@router.post("/{customer_id}/permanent-deletion")
async def permanently_delete_customer(
    customer_id: str, ctx: AppContext, session: Session
) -> Response:
    return JsonResponse(await erasure.permanently_delete(session, ctx, customer_id))
