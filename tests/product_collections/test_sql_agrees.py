"""The SQL that narrows an AUTO_UPDATE collection's candidates never drops a member that
`filters.matches` accepts (and the listing is exactly the members), on both engines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from voucherd.product_collections.filters import Collection as Rule
from voucherd.product_collections.filters import Item, matches, parse

# Awkward values on purpose: NULLs, LIKE wildcards, case, empty strings.
NAMES = ["Coffee", None, "coffee%", "a_b", "", "Cof"]
PRICES = [None, 0, 100, 5000]

FILTERS: list[dict[str, Any]] = [
    {"name": {"conditions": {"$is": "Coffee"}}},
    {"name": {"conditions": {"$is_not": "Coffee"}}},
    {"name": {"conditions": {"$in": ["Cof", "a_b"]}}},
    {"name": {"conditions": {"$not_in": ["Cof", "a_b"]}}},
    {"name": {"conditions": {"$starts_with": "Cof"}}},
    {"name": {"conditions": {"$starts_with": "cof"}}},
    {"name": {"conditions": {"$ends_with": "%"}}},
    {"name": {"conditions": {"$contains": "_"}}},
    {"name": {"conditions": {"$contains": ""}}},
    {"name": {"conditions": {"$not_contain": "o"}}},
    {"name": {"conditions": {"$has_value": True}}},
    {"name": {"conditions": {"$is_unknown": True}}},
    {"price": {"conditions": {"$more_than": 0}}},
    {"price": {"conditions": {"$less_than_equal": 100}}},
    {"price": {"conditions": {"$is_not": 100}}},
    {"price": {"conditions": {"$in": [0, 5000]}}},
    {"product_id": {"conditions": {"$is_unknown": True}}},
    {"product_id": {"conditions": {"$not_in": ["prod_x"]}}},
    {"source_id": {"conditions": {"$starts_with": "s"}}},
    {"created_at": {"conditions": {"$after": "2000-01-01T00:00:00Z"}}},
    {"updated_at": {"conditions": {"$has_value": True}}},
    {"metadata.n": {"conditions": {"$more_than": 1}}, "price": {"conditions": {"$has_value": 1}}},
]


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _items(products: list[dict[str, Any]]) -> list[Item]:
    found: list[Item] = []
    for p in products:
        found.append(
            Item(
                "product",
                p["id"],
                None,
                p["source_id"],
                p["name"],
                p["price"],
                p["image_url"],
                _when(p["created_at"]),
                _when(p["updated_at"]),
                p["metadata"],  # type: ignore[arg-type]
            )
        )
        for s in p["skus"]["data"]:
            found.append(
                Item(
                    "sku",
                    s["id"],
                    s["product_id"],
                    s["source_id"],
                    s["sku"],
                    s["price"],
                    s["image_url"],
                    _when(s["created_at"]),
                    _when(s["updated_at"]),  # type: ignore[arg-type]
                    s["metadata"],
                )
            )
    return found


async def test_listing_is_exactly_what_matches_accepts(client: httpx.AsyncClient) -> None:
    for i, (name, price) in enumerate(zip(NAMES, PRICES * 2, strict=False)):
        body: dict[str, Any] = {"source_id": f"p{i}", "price": price, "metadata": {"n": i}}
        if name is not None:
            body["name"] = name
        product = (await client.post("/v1/products", json=body)).json()
        sku = {"source_id": f"s{i}", "price": price, "metadata": {"n": i}}
        if name is not None:
            sku["sku"] = name
        assert (
            await client.post(f"/v1/products/{product['id']}/skus", json=sku)
        ).status_code == 200
        if i % 2:
            await client.put(f"/v1/products/{product['id']}", json={"image_url": "x"})
    listed = (await client.get("/v1/products?limit=100")).json()["products"]
    items = _items(listed)
    assert len(items) == 2 * len(NAMES)
    for n, conditions in enumerate(FILTERS):
        for junction in ("and", "or"):
            raw = {"junction": junction, **conditions}
            resp = await client.post(
                "/v1/product-collections", json={"name": f"f{n}{junction}", "filter": raw}
            )
            assert resp.status_code == 200, resp.text
            page = await client.get(
                f"/v1/product-collections/{resp.json()['id']}/products?limit=100"
            )
            got = sorted(m["id"] for m in page.json()["data"])
            rule = Rule("AUTO_UPDATE", filter=parse(raw))
            want = sorted(i.id for i in items if matches(rule, i))
            assert got == want, raw
