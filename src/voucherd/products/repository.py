"""Queries on products and SKUs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.kit.pagination import Sorts
from voucherd.kit.queries import one_by_either
from voucherd.products.models import Product, Sku

# Built once: order lines and rewards name products on every request.
_BY_ID_OR_SOURCE_ID = one_by_either(
    select(Product), Product.project_id, Product.id, Product.source_id
)


async def get_by_id_or_source_id(
    session: AsyncSession, project_id: str, key: str
) -> Product | None:
    result = await session.execute(_BY_ID_OR_SOURCE_ID, {"project_id": project_id, "key": key})
    return result.scalar_one_or_none()


# Built once: every order item names its product by source_id.
_BY_SOURCE_ID = select(Product).where(
    Product.project_id == bindparam("project_id"), Product.source_id == bindparam("source_id")
)

_BY_SOURCE_IDS = select(Product).where(
    Product.project_id == bindparam("project_id"),
    Product.source_id.in_(bindparam("keys", expanding=True)),
)


async def get_by_source_id(
    session: AsyncSession, project_id: str, source_id: str
) -> Product | None:
    result = await session.execute(
        _BY_SOURCE_ID, {"project_id": project_id, "source_id": source_id}
    )
    return result.scalar_one_or_none()


async def get_many_by_source_id(
    session: AsyncSession, project_id: str, source_ids: Iterable[str]
) -> dict[str, Product]:
    keys = list(set(source_ids))
    if not keys:
        return {}
    result = await session.execute(_BY_SOURCE_IDS, {"project_id": project_id, "keys": keys})
    return {p.source_id: p for p in result.scalars() if p.source_id is not None}


async def get_many(
    session: AsyncSession, project_id: str, ids: Iterable[str]
) -> dict[str, Product]:
    ids = list(set(ids))
    if not ids:
        return {}
    result = await session.execute(
        select(Product).where(Product.project_id == project_id, Product.id.in_(ids))
    )
    return {p.id: p for p in result.scalars()}


# `order` values of GET /v1/products. Voucherify's enum is shared with SKUs and collections:
# a product has no type, code, campaign or category, so under those every product ties and
# the order is the tiebreak's (id, in the asked direction).
SORTS: Sorts = {
    "created_at": Product.created_at,
    "updated_at": func.coalesce(Product.updated_at, Product.created_at),
    "type": None,
    "code": None,
    "campaign": None,
    "category": None,
}


def list_query(project_id: str) -> Select[Product]:
    return select(Product).where(Product.project_id == project_id)


async def skus_of(session: AsyncSession, product_ids: Sequence[str]) -> dict[str, list[Sku]]:
    grouped: dict[str, list[Sku]] = {pid: [] for pid in product_ids}
    if not product_ids:
        return grouped
    result = await session.execute(
        select(Sku).where(Sku.product_id.in_(product_ids)).order_by(Sku.id)
    )
    for sku in result.scalars():
        grouped[sku.product_id].append(sku)
    return grouped


async def get_sku(session: AsyncSession, project_id: str, key: str) -> Sku | None:
    result = await session.execute(
        select(Sku)
        .where(Sku.project_id == project_id, or_(Sku.id == key, Sku.source_id == key))
        .order_by((Sku.id == key).desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def get_skus(session: AsyncSession, project_id: str, ids: Iterable[str]) -> dict[str, Sku]:
    ids = list(set(ids))
    if not ids:
        return {}
    result = await session.execute(select(Sku).where(Sku.project_id == project_id, Sku.id.in_(ids)))
    return {s.id: s for s in result.scalars()}


async def products_and_skus(
    session: AsyncSession, project_id: str, ids: Iterable[str]
) -> dict[str, tuple[Product, Sku | None]]:
    """Each id that names a product or a SKU of the project -> (product, the SKU or None).

    One statement for any number of ids: products named directly, and SKUs joined to their
    product (so a SKU comes with what its added order line must name).
    """
    wanted = set(ids)
    keys = sorted(wanted)
    if not keys:
        return {}
    result = await session.execute(
        select(Product, Sku)
        .outerjoin(
            Sku,
            and_(Sku.product_id == Product.id, Sku.project_id == project_id, Sku.id.in_(keys)),
        )
        .where(Product.project_id == project_id, or_(Product.id.in_(keys), Sku.id.is_not(None)))
    )
    found: dict[str, tuple[Product, Sku | None]] = {}
    for product, sku in result:
        if product.id in wanted:
            found[product.id] = (product, None)
        if sku is not None:
            found[sku.id] = (product, sku)
    return found
