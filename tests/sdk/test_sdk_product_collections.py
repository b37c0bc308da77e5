"""The official SDK's ProductCollectionsApi against voucherd: create (both types), get,
list, list products (products and SKUs), delete."""

from __future__ import annotations

from typing import Any

import pytest
import voucherify as V
from voucherify.exceptions import BadRequestException, NotFoundException


def test_sdk_product_collections(sdk: Any) -> None:
    products = V.ProductsApi(sdk)
    shoe = products.create_product(
        V.ProductsCreateRequestBody(
            source_id="shoe", name="Shoe", price=7000, metadata={"brand": "V"}
        )
    )
    tee = products.create_product(
        V.ProductsCreateRequestBody(source_id="tee", name="Tee", price=1000)
    )
    tee_l = products.create_sku(
        tee.id,
        V.ProductsSkusCreateRequestBody(source_id="tee-l", sku="L", attributes={"size": "L"}),
    )
    api = V.ProductCollectionsApi(sdk)

    static = api.create_product_collection(
        V.ProductCollectionsCreateRequestBody.from_dict(
            {
                "type": "STATIC",
                "name": "Picked",
                "products": [
                    {"id": shoe.id, "object": "product"},
                    {"id": tee_l.id, "object": "sku", "product_id": tee.id},
                ],
            }
        )
    )
    assert static.id.startswith("pc_") and static.type == "STATIC"
    assert [p.id for p in static.products] == [shoe.id, tee_l.id]
    assert static.products[1].product_id == tee.id

    dynamic = api.create_product_collection(
        V.ProductCollectionsCreateRequestBody.from_dict(
            {
                "type": "AUTO_UPDATE",
                "name": "Branded",
                "filter": {
                    "junction": "and",
                    "metadata.brand": {"conditions": {"$is": ["V"]}},
                    "price": {"conditions": {"$more_than": [5000]}},
                },
            }
        )
    )
    assert dynamic.type == "AUTO_UPDATE" and dynamic.filter["junction"] == "and"

    fetched = api.get_product_collection(static.id)
    assert fetched.name == "Picked" and fetched.object == "products_collection"
    listed = api.list_product_collections(limit=10, order="created_at")
    assert listed.total == 2 and [c.id for c in listed.data] == [static.id, dynamic.id]

    members = api.list_products_in_collection(static.id, order="created_at")
    assert members.total == 2
    kinds = {m.id: (m.object, m.product.id if m.product else None) for m in members.data}
    assert kinds == {shoe.id: ("product", None), tee_l.id: ("sku", tee.id)}
    branded = api.list_products_in_collection(dynamic.id, limit=1, page=1)
    assert [m.id for m in branded.data] == [shoe.id]

    with pytest.raises(BadRequestException):
        api.create_product_collection(
            V.ProductCollectionsCreateRequestBody.from_dict(
                {
                    "type": "STATIC",
                    "name": "Ghost",
                    "products": [{"id": "prod_x", "object": "product"}],
                }
            )
        )
    api.delete_product_collection(static.id)
    with pytest.raises(NotFoundException):
        api.get_product_collection(static.id)
