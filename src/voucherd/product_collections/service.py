"""Product collection rules: creation (validated, nothing stored on a 400), members, deletion."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.kit.context import RequestContext
from voucherd.kit.errors import DuplicateFound, InvalidPayload, NotFound
from voucherd.kit.ids import Prefix, new_id
from voucherd.product_collections import filters, repository
from voucherd.product_collections.filters import Collection, Item, StaticEntry
from voucherd.product_collections.models import ProductCollection
from voucherd.product_collections.schemas import ProductCollectionCreate, StaticEntryIn
from voucherd.products import service as products
from voucherd.products.models import Product, Sku


async def get(session: AsyncSession, ctx: RequestContext, key: str) -> ProductCollection:
    found = await repository.get(session, ctx.project_id, key)
    if found is None:
        raise NotFound("products_collection", key)
    return found


async def create(
    session: AsyncSession, ctx: RequestContext, body: ProductCollectionCreate
) -> ProductCollection:
    kind = body.type or ("AUTO_UPDATE" if body.filter is not None else "STATIC")
    collection = ProductCollection(
        id=new_id(Prefix.PRODUCT_COLLECTION), project_id=ctx.project_id, name=body.name, type=kind
    )
    if kind == "STATIC":
        if body.filter is not None:
            raise InvalidPayload("filter is only for AUTO_UPDATE collections")
        collection.products = await _checked_entries(session, ctx, body.products or [])
    else:
        if body.products:
            raise InvalidPayload("products is only for STATIC collections")
        if body.filter is None:
            raise InvalidPayload("An AUTO_UPDATE collection needs a filter")
        filters.parse(body.filter)  # a 400 naming what is unsupported
        collection.filter = body.filter
    if await repository.get_by_name(session, ctx.project_id, body.name) is not None:
        raise DuplicateFound(f"Product collection named {body.name} already exists")
    session.add(collection)
    try:
        # The unique (project, name) index settles two concurrent creates with one name.
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise DuplicateFound(f"Product collection named {body.name} already exists") from exc
    return collection


async def _checked_entries(
    session: AsyncSession, ctx: RequestContext, entries: Sequence[StaticEntryIn]
) -> list[dict[str, Any]]:
    """Stored entries of a STATIC collection; a 400 naming every id that is not a product /
    SKU of the project (or a SKU given with another product's id)."""
    if not entries:
        raise InvalidPayload("A STATIC collection needs products")
    found = await products.catalogue_entries(session, ctx, [e.id for e in entries])
    unknown: list[str] = []
    stored: list[dict[str, Any]] = []
    seen: set[str] = set()
    for entry in entries:
        product, sku = found.get(entry.id, (None, None))
        if entry.object == "product" and (product is None or sku is not None):
            unknown.append(f"product {entry.id}")
        elif entry.object == "sku" and (
            sku is None or entry.product_id not in (None, sku.product_id)
        ):
            unknown.append(
                f"sku {entry.id}" + (f" of product {entry.product_id}" if entry.product_id else "")
            )
        elif entry.id not in seen:
            seen.add(entry.id)
            stored.append(
                {"id": entry.id, "object": "sku", "product_id": sku.product_id}
                if sku is not None
                else {"id": entry.id, "object": "product"}
            )
    if unknown:
        raise InvalidPayload(f"Unknown {', '.join(unknown)}")
    return stored


async def existing_ids(session: AsyncSession, ctx: RequestContext, ids: Iterable[str]) -> set[str]:
    """Which of these collection ids exist in the project (one query: rule references)."""
    return await repository.existing_ids(session, ctx.project_id, ids)


async def delete(session: AsyncSession, ctx: RequestContext, key: str) -> None:
    await session.delete(await get(session, ctx, key))
    await session.flush()


def rule(collection: ProductCollection) -> Collection:
    """The pure view `filters.matches` takes."""
    if collection.type == "STATIC":
        entries = tuple(
            StaticEntry(e["id"], e["object"], e.get("product_id"))
            for e in collection.products or []
        )
        return Collection("STATIC", products=entries)
    return Collection("AUTO_UPDATE", filter=filters.parse(collection.filter))


async def rules_by_id(
    session: AsyncSession, ctx: RequestContext, ids: Sequence[str] | set[str]
) -> dict[str, Collection]:
    """The collections validation rules name, as `filters.matches` takes them (one query)."""
    found = await repository.get_many(session, ctx.project_id, set(ids))
    return {collection.id: rule(collection) for collection in found}


def product_item(product: Product) -> Item:
    return Item(
        "product",
        product.id,
        None,
        product.source_id,
        product.name,
        product.price,
        product.image_url,
        product.created_at,
        product.updated_at,
        product.metadata_ or {},
    )


def sku_item(sku: Sku) -> Item:
    return Item(
        "sku",
        sku.id,
        sku.product_id,
        sku.source_id,
        sku.sku,
        sku.price,
        sku.image_url,
        sku.created_at,
        sku.updated_at,
        sku.metadata_ or {},
    )


Member = tuple[Product, Sku | None]


async def members(
    session: AsyncSession, ctx: RequestContext, collection: ProductCollection
) -> list[Member]:
    """Every product and SKU in the collection (unordered).

    STATIC: the listed ids, one query. AUTO_UPDATE: under an AND junction the conditions on
    columns (id, source_id, name, price, image_url, product_id, dates) narrow the products
    and SKUs in SQL; conditions on metadata and `object`, and every condition of an OR
    junction, are evaluated in Python by `filters.matches`, which decides every member.
    """
    view = rule(collection)
    if view.type == "STATIC":
        found = await products.catalogue_entries(session, ctx, [e.id for e in view.products])
        # Entries whose product or SKU was deleted since are left out.
        return [found[e.id] for e in view.products if e.id in found]
    assert view.filter is not None
    terms = [(c.field, c.op, c.values) for c in filters.sql_terms(view.filter)]
    candidates_products, candidates_skus = await products.narrowed(session, ctx, terms)
    chosen: list[Member] = [
        (p, None) for p in candidates_products if filters.matches(view, product_item(p))
    ]
    skus = [s for s in candidates_skus if filters.matches(view, sku_item(s))]
    if skus:
        parents = await products.catalogue_entries(session, ctx, {s.product_id for s in skus})
        chosen += [(parents[s.product_id][0], s) for s in skus if s.product_id in parents]
    return chosen
