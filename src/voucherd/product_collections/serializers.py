"""Product collections and their members on the wire."""

from __future__ import annotations

from typing import Any

from voucherd.kit.timefmt import iso
from voucherd.product_collections.models import ProductCollection
from voucherd.products.models import Product, Sku
from voucherd.products.serializers import product_body, sku_body


def collection_body(collection: ProductCollection) -> dict[str, Any]:
    body: dict[str, Any] = {"id": collection.id, "name": collection.name, "type": collection.type}
    # Each type carries only its own definition, as Voucherify's examples show.
    if collection.type == "STATIC":
        body["products"] = list(collection.products or [])
    else:
        body["filter"] = collection.filter
    body["created_at"] = iso(collection.created_at)
    body["object"] = "products_collection"
    return body


def member_body(product: Product, sku: Sku | None) -> dict[str, Any]:
    """`ProductWithoutSkus` for a product, `SkuWithProduct` for a SKU."""
    if sku is None:
        body = product_body(product)
        del body["skus"]
        return body
    body = sku_body(sku)
    # The official SDK parses every member with one model whose `attributes` is a list of
    # strings, so a SKU's attribute object (Voucherify's form) would break `list products` for
    # SDK users: left out here; GET /v1/skus/{id} has it.
    del body["attributes"]
    return {
        **body,
        "product": {
            "id": product.id,
            "source_id": product.source_id,
            "name": product.name,
            "price": product.price,
            "attributes": product.attributes or [],
            "metadata": product.metadata_ or {},
            "object": "product",
        },
    }
