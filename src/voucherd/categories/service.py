"""Category rules: unique names per project, and how campaigns and vouchers name theirs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.categories import repository
from voucherd.categories.models import Category
from voucherd.categories.schemas import CategoryCreate, CategoryUpdate
from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import DuplicateFound, InvalidPayload, NotFound
from voucherd.kit.ids import Prefix, new_id

# Voucherify's docs give a new category hierarchy 1 when none is sent.
DEFAULT_HIERARCHY = 1

# Called with (session, project id, category id) when a category is deleted: campaigns and
# vouchers register how they let go of it (they import this module, not the reverse).
Unlinker = Callable[[AsyncSession, str, str], Awaitable[None]]
_unlinkers: list[Unlinker] = []


def on_delete(unlinker: Unlinker) -> Unlinker:
    _unlinkers.append(unlinker)
    return unlinker


async def get(session: AsyncSession, ctx: RequestContext, category_id: str) -> Category:
    category = await repository.get(session, ctx.project_id, category_id)
    if category is None:
        raise NotFound("category", category_id)
    return category


async def missing(session: AsyncSession, project_id: str, ids: list[str]) -> list[str]:
    """Those of `ids` that name no category of the project (in the order given)."""
    if not ids:
        return []
    found = await repository.existing_ids(session, project_id, ids)
    return [i for i in ids if i not in found]


async def _insert(session: AsyncSession, category: Category) -> None:
    try:
        # In a savepoint: a concurrent create of the same name fails alone, not the request's
        # whole transaction (the unique constraint settles the race).
        async with session.begin_nested():
            session.add(category)
            await session.flush()
    except IntegrityError as exc:
        raise DuplicateFound(
            f"Category with name {category.name} already exists", resource_type="category"
        ) from exc


async def create(session: AsyncSession, ctx: RequestContext, data: CategoryCreate) -> Category:
    if await repository.get_by_name(session, ctx.project_id, data.name) is not None:
        raise DuplicateFound(
            f"Category with name {data.name} already exists", resource_type="category"
        )
    category = Category(
        id=new_id(Prefix.CATEGORY),
        project_id=ctx.project_id,
        name=data.name,
        hierarchy=DEFAULT_HIERARCHY if data.hierarchy is None else data.hierarchy,
        created_at=utcnow(),
    )
    await _insert(session, category)
    return category


async def update(
    session: AsyncSession, ctx: RequestContext, category_id: str, data: CategoryUpdate
) -> Category:
    category = await get(session, ctx, category_id)
    if data.name is not None and data.name != category.name:
        if await repository.get_by_name(session, ctx.project_id, data.name) is not None:
            raise DuplicateFound(
                f"Category with name {data.name} already exists", resource_type="category"
            )
        category.name = data.name
    if data.hierarchy is not None:
        category.hierarchy = data.hierarchy
    category.updated_at = utcnow()
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise DuplicateFound(
            f"Category with name {data.name} already exists", resource_type="category"
        ) from exc
    return category


async def delete(session: AsyncSession, ctx: RequestContext, category_id: str) -> None:
    """Deletes the category; the campaigns and vouchers in it stay, with no category.

    Voucherify's DELETE answers 204 with no refusal documented, so a category in use is
    unlinked rather than protected."""
    category = await get(session, ctx, category_id)
    for unlink in _unlinkers:
        await unlink(session, ctx.project_id, category.id)
    await session.delete(category)
    await session.flush()


async def resolve(
    session: AsyncSession,
    ctx: RequestContext,
    *,
    category_id: str | None,
    name: str | None,
) -> Category | None:
    """The category a campaign or voucher body names by `category_id` or `category`.

    An unknown id is a 404. An unknown name creates the category (hierarchy 1): before
    categories were objects, Voucherify's `category` was a free tag, and its API still
    accepts any name there. Both given must agree."""
    if category_id:
        category = await get(session, ctx, category_id)
        if name and name != category.name:
            raise InvalidPayload(
                f"category '{name}' and category_id '{category_id}' name different categories"
            )
        return category
    if not name:
        return None
    found = await repository.get_by_name(session, ctx.project_id, name)
    if found is not None:
        return found
    try:
        return await create(session, ctx, CategoryCreate(name=name))
    except DuplicateFound:
        # Another request created it between our read and our insert (the unique constraint
        # refused ours in its savepoint): that one is the category this name means.
        found = await repository.get_by_name(session, ctx.project_id, name)
        if found is None:
            raise
        return found
