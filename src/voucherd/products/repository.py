"""Queries on products and SKUs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    false,
    func,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.kit.filters import string_condition
from voucherd.kit.pagination import Sorts
from voucherd.kit.queries import filter_only, one_by_either
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
    # The products' ids from two indexed reads (products by id, SKUs by id), then the
    # products by primary key: an OR of the two in one WHERE read every product of the
    # project, on every redemption whose rules name a product (tests/perf/test_hot_plans.py).
    named = union_all(
        select(Product.id).where(
            Product.id.in_(keys), filter_only(Product.project_id) == project_id
        ),
        select(Sku.product_id).where(Sku.id.in_(keys), filter_only(Sku.project_id) == project_id),
    )
    result = await session.execute(
        select(Product, Sku)
        .outerjoin(
            Sku,
            and_(Sku.product_id == Product.id, Sku.project_id == project_id, Sku.id.in_(keys)),
        )
        .where(Product.id.in_(named))
    )
    found: dict[str, tuple[Product, Sku | None]] = {}
    for product, sku in result:
        if product.id in wanted:
            found[product.id] = (product, None)
        if sku is not None:
            found[sku.id] = (product, sku)
    return found


# A filter term over product / SKU fields: (field, operator without `$`, operands).
Term = tuple[str, str, tuple[Any, ...]]


def _term(column: Any, op: str, values: tuple[Any, ...]) -> ColumnElement[bool]:
    """One term as SQL with the same meaning as product_collections.filters.holds (a missing
    value matches only $is_not, $not_in, $not_contain and $is_unknown)."""
    if op == "has_value":
        return column.is_not(None)  # type: ignore[no-any-return]
    if op == "is_unknown":
        return column.is_(None)  # type: ignore[no-any-return]
    if op in ("is", "in"):
        return column.in_(values) if values else false()
    if op in ("is_not", "not_in"):
        return or_(column.is_(None), column.not_in(values)) if values else true()
    value = values[0]
    if op in ("starts_with", "ends_with", "contains", "not_contain"):
        return string_condition(column, op, value)
    comparisons = {
        "more_than": column > value,
        "after": column > value,
        "less_than": column < value,
        "before": column < value,
        "more_than_equal": column >= value,
        "less_than_equal": column <= value,
    }
    return comparisons[op]  # type: ignore[no-any-return]


# Columns a term may name; other fields (metadata, object) are left to the caller's check.
_PRODUCT_COLUMNS: dict[str, Any] = {
    "id": Product.id,
    "source_id": Product.source_id,
    "name": Product.name,
    "image_url": Product.image_url,
    "price": Product.price,
    "created_at": Product.created_at,
    "updated_at": Product.updated_at,
}
_SKU_COLUMNS: dict[str, Any] = {
    "id": Sku.id,
    "product_id": Sku.product_id,
    "source_id": Sku.source_id,
    "name": Sku.sku,
    "image_url": Sku.image_url,
    "price": Sku.price,
    "created_at": Sku.created_at,
    "updated_at": Sku.updated_at,
}


async def narrowed(
    session: AsyncSession, project_id: str, terms: Sequence[Term]
) -> tuple[Sequence[Product], Sequence[Sku]]:
    """The project's products and SKUs that satisfy every term on a column (terms on other
    fields are skipped, so the result is a superset for the caller to check exactly). A term
    on `product_id` rules products out: a product has none."""
    product_where: list[ColumnElement[bool]] = [Product.project_id == project_id]
    sku_where: list[ColumnElement[bool]] = [Sku.project_id == project_id]
    for field, op, values in terms:
        if field in _PRODUCT_COLUMNS:
            product_where.append(_term(_PRODUCT_COLUMNS[field], op, values))
        elif field == "product_id" and op not in ("is_not", "not_in", "not_contain", "is_unknown"):
            product_where.append(false())
        if field in _SKU_COLUMNS:
            sku_where.append(_term(_SKU_COLUMNS[field], op, values))
    products = (await session.execute(select(Product).where(*product_where))).scalars().all()
    skus = (await session.execute(select(Sku).where(*sku_where))).scalars().all()
    return products, skus
