"""`/v1/products`, `/v1/products/{id}/skus` and `/v1/skus`."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from voucherd.kit.http import TransactionalRoute
from voucherd.kit.pagination import Page, list_body, paginate
from voucherd.kit.responses import JsonResponse
from voucherd.products import repository, service
from voucherd.products.models import Product
from voucherd.products.schemas import (
    ProductCreate,
    ProductOut,
    ProductsListOut,
    ProductUpdate,
    SkuCreate,
    SkuOut,
    SkusOfProductListOut,
    SkuUpdate,
)
from voucherd.products.serializers import product_body, sku_body
from voucherd.projects.auth import AppContext, Session

router = APIRouter(tags=["products"], route_class=TransactionalRoute)


async def _product_response(session: Session, product: Product) -> Response:
    return JsonResponse(product_body(product, await service.skus(session, product)))


@router.post("/v1/products", response_model=ProductOut)
async def create_product(body: ProductCreate, ctx: AppContext, session: Session) -> Response:
    return await _product_response(session, await service.upsert(session, ctx, body))


@router.get("/v1/products", response_model=ProductsListOut)
async def list_products(ctx: AppContext, session: Session, page: Page) -> Response:
    rows, total, has_more = await paginate(
        session, repository.list_query(ctx.project_id), Product.id, page, repository.SORTS
    )
    skus = await repository.skus_of(session, [p.id for p in rows])
    items = [product_body(p, skus[p.id]) for p in rows]
    return JsonResponse(list_body("products", items, total, has_more=has_more))


@router.get("/v1/products/{product_id}", response_model=ProductOut)
async def get_product(product_id: str, ctx: AppContext, session: Session) -> Response:
    return await _product_response(session, await service.get(session, ctx, product_id))


@router.put("/v1/products/{product_id}", response_model=ProductOut)
async def update_product(
    product_id: str, body: ProductUpdate, ctx: AppContext, session: Session
) -> Response:
    return await _product_response(session, await service.update(session, ctx, product_id, body))


@router.delete("/v1/products/{product_id}", status_code=204)
async def delete_product(product_id: str, ctx: AppContext, session: Session) -> Response:
    await service.delete(session, ctx, product_id)
    return Response(status_code=204)


@router.post("/v1/products/{product_id}/skus", response_model=SkuOut)
async def create_sku(
    product_id: str, body: SkuCreate, ctx: AppContext, session: Session
) -> Response:
    return JsonResponse(sku_body(await service.upsert_sku(session, ctx, product_id, body)))


@router.get("/v1/products/{product_id}/skus", response_model=SkusOfProductListOut)
async def list_skus(product_id: str, ctx: AppContext, session: Session) -> Response:
    product = await service.get(session, ctx, product_id)
    skus = [sku_body(s) for s in await service.skus(session, product)]
    return JsonResponse(list_body("skus", skus, len(skus)))


@router.get("/v1/products/{product_id}/skus/{sku_id}", response_model=SkuOut)
@router.get("/v1/skus/{sku_id}", response_model=SkuOut)
async def get_sku(sku_id: str, ctx: AppContext, session: Session) -> Response:
    return JsonResponse(sku_body(await service.get_sku(session, ctx, sku_id)))


@router.put("/v1/products/{product_id}/skus/{sku_id}", response_model=SkuOut)
async def update_sku(
    product_id: str, sku_id: str, body: SkuUpdate, ctx: AppContext, session: Session
) -> Response:
    return JsonResponse(sku_body(await service.update_sku(session, ctx, product_id, sku_id, body)))


@router.delete("/v1/products/{product_id}/skus/{sku_id}", status_code=204)
async def delete_sku(product_id: str, sku_id: str, ctx: AppContext, session: Session) -> Response:
    await service.delete_sku(session, ctx, product_id, sku_id)
    return Response(status_code=204)
