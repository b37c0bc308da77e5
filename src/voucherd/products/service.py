"""Product and SKU rules: upsert by id or source_id, updates, deletion."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from voucherd.kit.clock import utcnow
from voucherd.kit.context import RequestContext
from voucherd.kit.errors import DuplicateFound, NotFound
from voucherd.kit.ids import Prefix, new_id
from voucherd.metadata_schemas import service as metadata_schemas
from voucherd.products import repository
from voucherd.products.models import Product, Sku
from voucherd.products.schemas import (
    ProductCreate,
    ProductFields,
    ProductUpdate,
    SkuCreate,
    SkuFields,
    SkuUpdate,
)


def _apply(target: Product | Sku, data: ProductFields | SkuFields) -> None:
    for name in data.model_fields_set:
        if name == "metadata":
            target.metadata_ = dict(data.metadata or {})
        elif name == "attributes":
            target.attributes = data.attributes or ([] if isinstance(target, Product) else {})
        elif name in ("name", "price", "image_url", "sku", "currency"):
            setattr(target, name, getattr(data, name))


async def _flush_unique(session: AsyncSession, what: str, source_id: str | None) -> None:
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise DuplicateFound(f"{what} with source_id {source_id} already exists") from exc


async def _set_source_id(
    session: AsyncSession, ctx: RequestContext, target: Product | Sku, source_id: str | None
) -> None:
    if source_id is None or source_id == target.source_id:
        return
    if isinstance(target, Product):
        other_product = await repository.get_by_source_id(session, ctx.project_id, source_id)
        clash = other_product is not None and other_product.id != target.id
    else:
        other_sku = await repository.get_sku(session, ctx.project_id, source_id)
        clash = other_sku is not None and other_sku.id != target.id
    if clash:
        kind = "Product" if isinstance(target, Product) else "SKU"
        raise DuplicateFound(f"{kind} with source_id {source_id} already exists")
    target.source_id = source_id


async def get(session: AsyncSession, ctx: RequestContext, key: str) -> Product:
    product = await repository.get_by_id_or_source_id(session, ctx.project_id, key)
    if product is None:
        raise NotFound("product", key)
    return product


async def upsert(session: AsyncSession, ctx: RequestContext, data: ProductCreate) -> Product:
    await metadata_schemas.check(session, ctx, "product", data.metadata)
    existing: Product | None = None
    if data.id:
        existing = await repository.get_by_id_or_source_id(session, ctx.project_id, data.id)
        if existing is None or existing.id != data.id:
            raise NotFound("product", data.id)
    if existing is None and data.source_id:
        existing = await repository.get_by_source_id(session, ctx.project_id, data.source_id)
    if existing is not None:
        return await update(
            session,
            ctx,
            existing.id,
            ProductUpdate.model_validate(data.model_dump(exclude_unset=True, exclude={"id"})),
        )
    product = Product(
        id=new_id(Prefix.PRODUCT),
        project_id=ctx.project_id,
        source_id=data.source_id,
        attributes=[],
        metadata_={},
        created_at=utcnow(),
    )
    _apply(product, data)
    try:
        # Added inside the savepoint: begin_nested() flushes pending rows first, and a
        # conflicting INSERT outside the savepoint would abort the whole transaction.
        async with session.begin_nested():
            session.add(product)
            await session.flush()
    except IntegrityError as exc:
        # A concurrent request (e.g. an order line naming the same new source_id) won the
        # race: upsert means this one becomes an update of that product.
        if product in session:  # a rolled-back savepoint already dropped it
            session.expunge(product)
        raced = (
            await repository.get_by_source_id(session, ctx.project_id, data.source_id)
            if data.source_id
            else None
        )
        if raced is None:
            raise DuplicateFound(f"Product with source_id {data.source_id} already exists") from exc
        return await update(
            session,
            ctx,
            raced.id,
            ProductUpdate.model_validate(data.model_dump(exclude_unset=True, exclude={"id"})),
        )
    return product


async def update(
    session: AsyncSession, ctx: RequestContext, key: str, data: ProductUpdate
) -> Product:
    await metadata_schemas.check(session, ctx, "product", data.metadata)
    product = await get(session, ctx, key)
    _apply(product, data)
    await _set_source_id(session, ctx, product, data.source_id)
    product.updated_at = utcnow()
    await _flush_unique(session, "Product", product.source_id)
    return product


async def delete(session: AsyncSession, ctx: RequestContext, key: str) -> None:
    product = await get(session, ctx, key)
    await session.delete(product)
    await session.flush()


async def skus(session: AsyncSession, product: Product) -> Sequence[Sku]:
    return (await repository.skus_of(session, [product.id]))[product.id]


async def get_sku(session: AsyncSession, ctx: RequestContext, key: str) -> Sku:
    sku = await repository.get_sku(session, ctx.project_id, key)
    if sku is None:
        raise NotFound("sku", key)
    return sku


async def upsert_sku(
    session: AsyncSession, ctx: RequestContext, product_key: str, data: SkuCreate
) -> Sku:
    await metadata_schemas.check(session, ctx, "sku", data.metadata)
    product = await get(session, ctx, product_key)
    existing: Sku | None = None
    if data.id:
        existing = await get_sku(session, ctx, data.id)
    elif data.source_id:
        existing = await repository.get_sku(session, ctx.project_id, data.source_id)
    if existing is not None:
        if existing.product_id != product.id:
            raise DuplicateFound(
                f"SKU {data.id or data.source_id} already belongs to another product"
            )
        return await update_sku(
            session,
            ctx,
            product_key,
            existing.id,
            SkuUpdate.model_validate(data.model_dump(exclude_unset=True, exclude={"id"})),
        )
    sku = Sku(
        id=new_id(Prefix.SKU),
        project_id=ctx.project_id,
        product_id=product.id,
        source_id=data.source_id,
        attributes={},
        metadata_={},
        created_at=utcnow(),
    )
    _apply(sku, data)
    try:
        async with session.begin_nested():  # see upsert(): the INSERT belongs in the savepoint
            session.add(sku)
            await session.flush()
    except IntegrityError as exc:
        raise DuplicateFound(f"SKU with source_id {data.source_id} already exists") from exc
    return sku


async def _sku_of_product(
    session: AsyncSession, ctx: RequestContext, product_key: str, sku_key: str
) -> Sku:
    product = await get(session, ctx, product_key)
    sku = await get_sku(session, ctx, sku_key)
    if sku.product_id != product.id:
        raise NotFound("sku", sku_key)
    return sku


async def update_sku(
    session: AsyncSession, ctx: RequestContext, product_key: str, sku_key: str, data: SkuUpdate
) -> Sku:
    await metadata_schemas.check(session, ctx, "sku", data.metadata)
    sku = await _sku_of_product(session, ctx, product_key, sku_key)
    _apply(sku, data)
    await _set_source_id(session, ctx, sku, data.source_id)
    sku.updated_at = utcnow()
    await _flush_unique(session, "SKU", sku.source_id)
    return sku


async def delete_sku(
    session: AsyncSession, ctx: RequestContext, product_key: str, sku_key: str
) -> None:
    sku = await _sku_of_product(session, ctx, product_key, sku_key)
    await session.delete(sku)
    await session.flush()


async def products_named_by(
    session: AsyncSession, ctx: RequestContext, source_ids: Iterable[str | None]
) -> dict[str, Product]:
    """The existing products among these source_ids, in one query: an order's lines, read
    before `resolve_for_order_item` runs for each (which uses a hit and looks up a miss)."""
    keys = [k for k in source_ids if k]
    if len(keys) < 2:  # one line: its own lookup is the same single query
        return {}
    return await repository.get_many_by_source_id(session, ctx.project_id, keys)


# Products and SKUs by id -> (product, the SKU or None): what free items are, see below.
Catalogue = Mapping[str, tuple[Product, Sku | None]]


async def catalogue_entries(
    session: AsyncSession, ctx: RequestContext, ids: Iterable[str]
) -> dict[str, tuple[Product, Sku | None]]:
    """Products and SKUs named by id (free items of UNIT discounts), read in one query."""
    return await repository.products_and_skus(session, ctx.project_id, ids)


def unit_price(product: Product, sku: Sku | None) -> int | None:
    """What one unit costs: the SKU's price, else its product's (as order lines do)."""
    if sku is not None and sku.price is not None:
        return sku.price
    return product.price


async def resolve_for_order_item(
    session: AsyncSession,
    ctx: RequestContext,
    *,
    product_id: str | None,
    sku_id: str | None,
    source_id: str | None,
    related_object: str | None,
    product_data: dict[str, object] | None,
    sku_data: dict[str, object] | None,
    known: Mapping[str, Product] | None = None,
) -> tuple[Product | None, Sku | None]:
    """The product and SKU an order line names, by id or source_id (`known`: products
    already read by source_id for this order, see `products_named_by`).

    An unknown product named by source_id is created, as Voucherify does for order items, so
    shops can send orders without registering their catalogue first. With `override`, the
    line's name, price and metadata update the product.
    """
    product_data = product_data or {}
    sku_data = sku_data or {}
    sku: Sku | None = None
    product: Product | None = None
    sku_key = sku_id or (source_id if related_object == "sku" else None)
    sku_key = sku_key or _str(sku_data.get("id")) or _str(sku_data.get("source_id"))
    if sku_key:
        sku = await get_sku(session, ctx, sku_key)
    if product_id:
        product = await get(session, ctx, product_id)
    elif sku is not None:
        product = await get(session, ctx, sku.product_id)
    else:
        product_key = source_id if related_object in (None, "product") else None
        product_key = product_key or _str(product_data.get("source_id"))
        by_id = _str(product_data.get("id"))
        if by_id:
            product = await get(session, ctx, by_id)
        elif product_key:
            product = (known or {}).get(product_key) or await repository.get_by_source_id(
                session, ctx.project_id, product_key
            )
            if product is None:
                product = await upsert(
                    session,
                    ctx,
                    ProductCreate.model_validate(
                        {
                            "source_id": product_key,
                            **{
                                k: product_data[k]
                                for k in ("name", "price", "metadata")
                                if product_data.get(k) is not None
                            },
                        }
                    ),
                )
                return product, sku
    if product is not None and product_data.get("override"):
        await update(
            session,
            ctx,
            product.id,
            ProductUpdate.model_validate(
                {
                    k: product_data[k]
                    for k in ("name", "price", "metadata")
                    if product_data.get(k) is not None
                }
            ),
        )
    return product, sku


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


async def narrowed(
    session: AsyncSession, ctx: RequestContext, terms: Sequence[repository.Term]
) -> tuple[Sequence[Product], Sequence[Sku]]:
    """Candidates for a product filter, narrowed in SQL by its terms on columns."""
    return await repository.narrowed(session, ctx.project_id, terms)
