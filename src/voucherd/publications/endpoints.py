"""`/v1/publications`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from voucherd.campaigns import service as campaigns
from voucherd.customers import service as customers
from voucherd.kit.http import TransactionalRoute
from voucherd.kit.pagination import Page, list_body, paginate
from voucherd.kit.responses import JsonResponse
from voucherd.projects.auth import AppContext, Session
from voucherd.publications import repository, service
from voucherd.publications.models import Publication
from voucherd.publications.schemas import PublicationCreate
from voucherd.publications.serializers import publication_body, publication_list_item
from voucherd.vouchers import service as vouchers

router = APIRouter(prefix="/v1/publications", tags=["publications"], route_class=TransactionalRoute)


@router.post("")
async def create_publication(
    body: PublicationCreate,
    ctx: AppContext,
    session: Session,
    join_once: Annotated[bool, Query()] = False,
) -> Response:
    done = await service.create(session, ctx, body, join_once=join_once)
    return JsonResponse(publication_body(done.publication, done.customer, done.voucher))


@router.get("")
async def list_publications(
    ctx: AppContext,
    session: Session,
    page: Page,
    customer: Annotated[str | None, Query(max_length=200)] = None,
    campaign: Annotated[str | None, Query(max_length=200)] = None,
    voucher: Annotated[str | None, Query(max_length=300)] = None,
) -> Response:
    customer_id = (await customers.get(session, ctx, customer)).id if customer else None
    campaign_id = None
    if campaign:
        campaign_id = (await campaigns.get(session, ctx, campaign)).id
    stmt = repository.list_query(
        ctx.project_id, customer_id=customer_id, campaign_id=campaign_id, voucher_code=voucher
    )
    rows, total, has_more = await paginate(session, stmt, Publication.id, page, repository.SORTS)
    people = await customers.get_many(session, ctx, [p.customer_id for p in rows])
    codes = await vouchers.get_many(session, ctx, [p.voucher_id for p in rows])
    items = [
        publication_list_item(p, people.get(p.customer_id), codes.get(p.voucher_id)) for p in rows
    ]
    return JsonResponse(list_body("publications", items, total, has_more=has_more))
