"""`/v1/product-collections` and `/v1/product-collections/{id}/products`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from voucherd.kit.errors import InvalidQueryParams
from voucherd.kit.http import TransactionalRoute
from voucherd.kit.pagination import Page, paginate
from voucherd.kit.responses import JsonResponse
from voucherd.kit.timefmt import as_utc
from voucherd.product_collections import repository, service
from voucherd.product_collections.models import ProductCollection
from voucherd.product_collections.schemas import (
    CollectionProductsListOut,
    ProductCollectionCreate,
    ProductCollectionOut,
    ProductCollectionsListOut,
)
from voucherd.product_collections.serializers import collection_body, member_body
from voucherd.products.models import Product, Sku
from voucherd.projects.auth import AppContext, Session

router = APIRouter(tags=["product-collections"], route_class=TransactionalRoute)

# `order` of the members list: Voucherify's shared enum; members have no type, code,
# campaign or category, so under those they tie and id decides.
_MEMBER_ORDERS = ("id", "created_at", "updated_at", "type", "code", "campaign", "category")


@router.post("/v1/product-collections", response_model=ProductCollectionOut)
async def create_collection(
    body: ProductCollectionCreate, ctx: AppContext, session: Session
) -> Response:
    return JsonResponse(collection_body(await service.create(session, ctx, body)))


@router.get("/v1/product-collections", response_model=ProductCollectionsListOut)
async def list_collections(ctx: AppContext, session: Session, page: Page) -> Response:
    rows, total, _ = await paginate(
        session, repository.list_query(ctx.project_id), ProductCollection.id, page, repository.SORTS
    )
    data = [collection_body(c) for c in rows]
    return JsonResponse({"object": "list", "data_ref": "data", "data": data, "total": total})


@router.get("/v1/product-collections/{collection_id}", response_model=ProductCollectionOut)
async def get_collection(collection_id: str, ctx: AppContext, session: Session) -> Response:
    return JsonResponse(collection_body(await service.get(session, ctx, collection_id)))


@router.delete("/v1/product-collections/{collection_id}", status_code=204)
async def delete_collection(collection_id: str, ctx: AppContext, session: Session) -> Response:
    await service.delete(session, ctx, collection_id)
    return Response(status_code=204)


@router.get(
    "/v1/product-collections/{collection_id}/products", response_model=CollectionProductsListOut
)
async def list_collection_products(
    collection_id: str,
    ctx: AppContext,
    session: Session,
    page: Page,
    starting_after: Annotated[datetime | None, Query()] = None,
) -> Response:
    """Members sorted and paged in Python: a STATIC collection has at most 20, and an
    AUTO_UPDATE one is decided per item by `filters.matches` (see service.members)."""
    if page.sort is not None and page.sort not in _MEMBER_ORDERS:
        names = ", ".join(f"{n}, -{n}" for n in _MEMBER_ORDERS)
        raise InvalidQueryParams(f"Unsupported order '{page.order}': use one of {names}")
    collection = await service.get(session, ctx, collection_id)
    members = await service.members(session, ctx, collection)
    members.sort(key=lambda m: _sort_key(page.sort, m), reverse=page.descending)
    total = len(members)
    if starting_after is not None:
        # Voucherify's cursor is a time: members past it in the list's direction.
        cursor = as_utc(starting_after)
        members = [m for m in members if _past(_sort_key(page.sort, m)[0], cursor, page.descending)]
    elif page.starting_after_id is not None:
        ids = [(sku or product).id for product, sku in members]
        after = page.starting_after_id
        members = members[ids.index(after) + 1 :] if after in ids else []
    else:
        members = members[(page.page - 1) * page.limit :]
    data = [member_body(product, sku) for product, sku in members[: page.limit]]
    return JsonResponse({"object": "list", "data_ref": "data", "data": data, "total": total})


def _past(moment: datetime, cursor: datetime, descending: bool) -> bool:
    # Times go out with millisecond precision, so a cursor taken from a listed item names
    # that item's millisecond: compare at that precision, or the item would follow itself.
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    return moment < cursor if descending else moment > cursor


def _sort_key(sort: str | None, member: service.Member) -> tuple[datetime, str]:
    product, sku = member
    item: Product | Sku = sku if sku is not None else product
    moment = item.created_at
    if sort == "updated_at":
        moment = item.updated_at or item.created_at
    return as_utc(moment), item.id
