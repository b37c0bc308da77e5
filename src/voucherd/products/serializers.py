"""Products and SKUs on the wire."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from voucherd.kit.timefmt import iso
from voucherd.products.models import Product, Sku


def sku_body(sku: Sku) -> dict[str, Any]:
    return {
        "id": sku.id,
        "source_id": sku.source_id,
        "product_id": sku.product_id,
        "sku": sku.sku,
        "price": sku.price,
        "currency": sku.currency,
        "attributes": sku.attributes or {},
        "image_url": sku.image_url,
        "metadata": sku.metadata_ or {},
        "created_at": iso(sku.created_at),
        "updated_at": iso(sku.updated_at),
        "object": "sku",
    }


def product_body(product: Product, skus: Sequence[Sku] = ()) -> dict[str, Any]:
    return {
        "id": product.id,
        "source_id": product.source_id,
        "name": product.name,
        "price": product.price,
        "attributes": product.attributes or [],
        "metadata": product.metadata_ or {},
        "image_url": product.image_url,
        "created_at": iso(product.created_at),
        "updated_at": iso(product.updated_at),
        "object": "product",
        "skus": {
            "object": "list",
            "data_ref": "data",
            "data": [sku_body(s) for s in skus],
            "total": len(skus),
        },
    }


def simple_product(product: Product) -> dict[str, Any]:
    return {
        "id": product.id,
        "source_id": product.source_id,
        "name": product.name,
        "object": "product",
    }
