"""`/v1/categories`."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from voucherd.categories import repository, service
from voucherd.categories.models import Category
from voucherd.categories.schemas import (
    CategoriesListOut,
    CategoryCreate,
    CategoryOut,
    CategoryUpdate,
)
from voucherd.categories.serializers import category_body
from voucherd.kit.http import TransactionalRoute
from voucherd.kit.pagination import list_body
from voucherd.kit.responses import JsonResponse
from voucherd.projects.auth import AppContext, Session

router = APIRouter(tags=["categories"], route_class=TransactionalRoute)


@router.post("/v1/categories", response_model=CategoryOut)
async def create_category(body: CategoryCreate, ctx: AppContext, session: Session) -> Response:
    return JsonResponse(category_body(await service.create(session, ctx, body)))


@router.get("/v1/categories", response_model=CategoriesListOut)
async def list_categories(ctx: AppContext, session: Session) -> Response:
    # Voucherify's list takes no paging parameters and returns every category, newest first
    # (its example); a project holds a handful of them.
    stmt = repository.list_query(ctx.project_id).order_by(
        Category.created_at.desc(), Category.id.desc()
    )
    rows = (await session.execute(stmt)).scalars().all()
    total = len(rows)
    return JsonResponse(list_body("data", [category_body(c) for c in rows], total))


@router.get("/v1/categories/{category_id}", response_model=CategoryOut)
async def get_category(category_id: str, ctx: AppContext, session: Session) -> Response:
    return JsonResponse(category_body(await service.get(session, ctx, category_id)))


@router.put("/v1/categories/{category_id}", response_model=CategoryOut)
async def update_category(
    category_id: str, body: CategoryUpdate, ctx: AppContext, session: Session
) -> Response:
    return JsonResponse(category_body(await service.update(session, ctx, category_id, body)))


@router.delete("/v1/categories/{category_id}", status_code=204)
async def delete_category(category_id: str, ctx: AppContext, session: Session) -> Response:
    await service.delete(session, ctx, category_id)
    return Response(status_code=204)
