"""/v1/validation-rules and its assignments over HTTP (both engines via `client`)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.earning.helpers import create_program, create_rules, fixed_rule
from tests.rewards import helpers as rewards
from tests.support import ProjectKeys, recorded_events
from voucherd.kit.db import Database

ORDER_OVER_50 = {
    "1": {"name": "order.amount", "conditions": {"$more_than": [5000]}, "rules": {}},
    "logic": "1",
}
DISCOUNT = {"type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 100}}


def ok(resp: httpx.Response) -> dict[str, Any]:
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def make_rule(client: httpx.AsyncClient, name: str = "Over 50", **extra: Any) -> Any:
    return ok(
        await client.post(
            "/v1/validation-rules", json={"name": name, "rules": ORDER_OVER_50, **extra}
        )
    )


async def names(client: httpx.AsyncClient) -> list[str]:
    body = ok(await client.get("/v1/validation-rules?limit=100"))
    return [rule["name"] for rule in body["data"]]


async def refused(client: httpx.AsyncClient, body: dict[str, Any], *expected: str) -> None:
    """A 400 naming the fault, and nothing stored."""
    before = await names(client)
    resp = await client.post("/v1/validation-rules", json={"name": "Refused", **body})
    assert resp.status_code == 400, resp.text
    error = resp.json()
    assert error["key"] == "invalid_payload"
    for text in expected:
        assert text in error["details"]
    assert await names(client) == before


async def test_create_get_update_delete(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    created = await make_rule(
        client,
        error={"message": "Spend more"},
        applicable_to={"included_all": True},
        context_type="campaign.discount_coupons",
    )
    assert created["id"].startswith("val_")
    assert created["object"] == "validation_rules"
    assert created["rules"] == ORDER_OVER_50
    assert created["applicable_to"] == {"excluded": [], "included": [], "included_all": True}
    assert (created["type"], created["context_type"]) == ("expression", "campaign.discount_coupons")
    assert created["error"] == {"message": "Spend more"}
    assert created["assignments_count"] == 0
    assert "updated_at" not in created and "bundle_rules" not in created

    got = ok(await client.get(f"/v1/validation-rules/{created['id']}"))
    assert got == created

    changed = ok(
        await client.put(
            f"/v1/validation-rules/{created['id']}",
            json={"name": "Renamed", "rules": {"logic": ""}, "bundle_rules": None, "type": "basic"},
        )
    )
    assert (changed["name"], changed["rules"], changed["type"]) == (
        "Renamed",
        {"logic": ""},
        "basic",
    )
    assert changed["bundle_rules"] == {}  # PUT null clears; Voucherify answers {}
    assert changed["error"] == {"message": "Spend more"}  # not sent: kept
    assert changed["updated_at"] is not None

    resp = await client.delete(f"/v1/validation-rules/{created['id']}")
    assert resp.status_code == 204
    resp = await client.get(f"/v1/validation-rules/{created['id']}")
    assert resp.status_code == 404 and resp.json()["key"] == "not_found"

    for kind in ("created", "updated", "deleted"):
        (event,) = await recorded_events(db, project, f"business_validation_rule.{kind}")
        assert event.data["rule"]["id"] == created["id"]
        assert f"{kind}_at" in event.data


async def test_only_targeting_rule_has_empty_logic(client: httpx.AsyncClient) -> None:
    body = ok(
        await client.post("/v1/validation-rules", json={"name": "Any", "applicable_to": None})
    )
    assert body["rules"] == {"logic": ""}
    assert body["applicable_to"] == {"excluded": [], "included": [], "included_all": False}


async def test_duplicate_name_is_409(client: httpx.AsyncClient) -> None:
    first = await make_rule(client, "One")
    await make_rule(client, "Two")
    resp = await client.post("/v1/validation-rules", json={"name": "One"})
    assert resp.status_code == 409 and resp.json()["key"] == "duplicate_found"
    resp = await client.put(f"/v1/validation-rules/{first['id']}", json={"name": "Two"})
    assert resp.status_code == 409 and resp.json()["key"] == "duplicate_found"
    assert sorted(await names(client)) == ["One", "Two"]


async def test_list_pages_sorts_and_filters_by_date(client: httpx.AsyncClient) -> None:
    for name in ("b", "c", "a"):
        await make_rule(client, name)
    body = ok(await client.get("/v1/validation-rules?order=name"))
    assert (body["object"], body["data_ref"], body["total"]) == ("list", "data", 3)
    assert [r["name"] for r in body["data"]] == ["a", "b", "c"]
    assert [
        r["name"]
        for r in ok(await client.get("/v1/validation-rules?order=-name&limit=2&page=2"))["data"]
    ] == ["a"]
    assert [r["name"] for r in ok(await client.get("/v1/validation-rules"))["data"]] == [
        "a",
        "c",
        "b",
    ]
    assert ok(await client.get("/v1/validation-rules?end_date=2000-01-01T00:00:00Z"))["total"] == 0
    assert (
        ok(await client.get("/v1/validation-rules?start_date=2000-01-01T00:00:00Z"))["total"] == 3
    )
    for bad in ("limit=0", "limit=101", "order=code"):
        assert (await client.get(f"/v1/validation-rules?{bad}")).status_code == 400


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"rules": {"1": {"name": "order.colour", "conditions": {"$is": ["x"]}}, "logic": "1"}},
            ["rule 1: unknown rule name order.colour"],
        ),
        (
            {
                "rules": {
                    "1": {"name": "redemption.count.per_user", "conditions": {"$is": [1]}},
                    "logic": "1",
                }
            },
            ["not supported", "dashboard users"],
        ),
        (
            {
                "rules": {
                    "1": {"name": "order.amount", "conditions": {"$matches": [1]}},
                    "logic": "1",
                }
            },
            ["rule 1: operator $matches is not allowed for order.amount"],
        ),
        ({"rules": {**ORDER_OVER_50, "logic": "1 and and 1"}}, ["is not an expression"]),
        ({"rules": {**ORDER_OVER_50, "logic": "1 or 2"}}, ["logic names rule 2"]),
        ({"rules": {"2": ORDER_OVER_50["1"], "logic": "2"}}, ["consecutive from 1"]),
        (
            {
                "rules": {
                    "1": {"name": "order.metadata", "conditions": {"$is": ["x"]}},
                    "logic": "1",
                }
            },
            ["needs a property"],
        ),
        (
            {
                "rules": {
                    "1": {"name": "customer.segment", "conditions": {"$is": ["vip"]}},
                    "logic": "1",
                }
            },
            ["seg_"],
        ),
        (
            {
                "applicable_to": {
                    "included": [{"object": "product", "id": "prod_x", "effect": "NOPE"}]
                }
            },
            ["effect must be one of"],
        ),
        (
            {
                "bundle_rules": {
                    "1": {
                        "name": "order.items.any",
                        "conditions": {"$is": [{"id": "prod_1", "object": "product"}]},
                        "rules": {
                            "1": {
                                "name": "order.items.aggregated_quantity",
                                "conditions": {"$is": [2]},
                            },
                            "logic": "1",
                        },
                    },
                    "logic": "1",
                }
            },
            ["bundle_rules", "not evaluated yet"],
        ),
        ({"type": "fancy"}, []),
    ],
)
async def test_bad_rules_are_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, body: dict[str, Any], expected: list[str]
) -> None:
    await make_rule(client, "Existing")
    await refused(client, body, *expected)


async def test_references_to_unknown_catalogue_entries_are_refused(
    client: httpx.AsyncClient,
) -> None:
    product = ok(await client.post("/v1/products", json={"source_id": "p1", "name": "Coffee"}))
    sku = ok(
        await client.post(
            f"/v1/products/{product['id']}/skus", json={"source_id": "s1", "sku": "S"}
        )
    )
    items = {
        "name": "order.items.any",
        "conditions": {
            "$is": [
                {"id": product["id"], "object": "product"},
                {"id": "prod_missing", "object": "product"},
            ]
        },
    }
    await refused(client, {"rules": {"1": items, "logic": "1"}}, "Unknown product prod_missing")
    await refused(
        client,
        {
            "applicable_to": {
                "included": [{"id": "pc_missing", "object": "products_collection"}],
                "excluded": [{"id": "sku_missing", "object": "sku"}],
            }
        },
        "sku sku_missing",
        "products_collection pc_missing",
    )
    # A SKU id given as a product is unknown as a product.
    await refused(
        client,
        {"applicable_to": {"included": [{"id": sku["id"], "object": "product"}]}},
        "a product item needs its id",
    )
    collection = ok(
        await client.post(
            "/v1/product-collections",
            json={
                "type": "STATIC",
                "name": "Pc",
                "products": [{"id": product["id"], "object": "product"}],
            },
        )
    )
    fine = ok(
        await client.post(
            "/v1/validation-rules",
            json={
                "name": "Known",
                "rules": {
                    "1": {
                        **items,
                        "conditions": {"$is": [{"id": product["id"], "object": "product"}]},
                    },
                    "logic": "1",
                },
                "applicable_to": {
                    "included": [
                        {
                            "id": collection["id"],
                            "object": "products_collection",
                            "quantity_limit": 2,
                        }
                    ],
                    "excluded": [{"id": sku["id"], "object": "sku", "product_id": product["id"]}],
                },
            },
        )
    )
    assert fine["applicable_to"]["included"] == [
        {
            "object": "products_collection",
            "id": collection["id"],
            "effect": "APPLY_TO_EVERY",
            "quantity_limit": 2,
        }
    ]


async def test_update_is_validated_too(client: httpx.AsyncClient) -> None:
    rule = await make_rule(client)
    resp = await client.put(
        f"/v1/validation-rules/{rule['id']}", json={"rules": {"1": {"name": "x"}, "logic": "1"}}
    )
    assert resp.status_code == 400
    assert ok(await client.get(f"/v1/validation-rules/{rule['id']}"))["rules"] == ORDER_OVER_50


async def _campaign(
    client: httpx.AsyncClient, name: str = "Spring", **extra: Any
) -> dict[str, Any]:
    body = {
        "name": name,
        "campaign_type": "DISCOUNT_COUPONS",
        "type": "STATIC",
        "voucher": DISCOUNT,
        **extra,
    }
    return ok(await client.post("/v1/campaigns", json=body))


async def test_assignments_to_every_kind_of_object(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    rule = await make_rule(client)
    base = f"/v1/validation-rules/{rule['id']}/assignments"
    campaign = await _campaign(client)
    voucher = ok(await client.post("/v1/vouchers/CODE1", json=DISCOUNT))
    program = await create_program(client)
    (earning_rule,) = await create_rules(client, program["id"], fixed_rule(5))
    product = ok(await client.post("/v1/products", json={"source_id": "mug", "name": "Mug"}))
    reward = await rewards.material_reward(client, product["id"])
    reward_assignment = await rewards.assign(client, reward["id"], program["id"], points=10)
    made = []
    for kind, ident in (
        ("campaign", campaign["id"]),
        ("voucher", voucher["id"]),
        ("earning_rule", earning_rule["id"]),
        ("reward_assignment", reward_assignment["id"]),
    ):
        body = ok(
            await client.post(base, json={"related_object_type": kind, "related_object_id": ident})
        )
        assert body["id"].startswith("asgm_")
        assert (body["rule_id"], body["related_object_type"], body["related_object_id"]) == (
            rule["id"],
            kind,
            ident,
        )
        assert body["object"] == "validation_rules_assignment"
        made.append(body)
    assert ok(await client.get(f"/v1/validation-rules/{rule['id']}"))["assignments_count"] == 4
    listed = ok(await client.get(base))
    assert listed["total"] == 4 and {a["id"] for a in listed["data"]} == {a["id"] for a in made}
    everywhere = ok(
        await client.get(f"/v1/validation-rules-assignments?related_object_id={voucher['id']}")
    )
    assert [a["id"] for a in everywhere["data"]] == [made[1]["id"]]
    assert ok(await client.get(f"/v1/validation-rules-assignments?rule={rule['id']}"))["total"] == 4
    assert ok(await client.get("/v1/validation-rules/val_unknown/assignments"))["total"] == 0

    # Again: 409; with force: replaced by a new assignment.
    again = {"related_object_type": "campaign", "related_object_id": campaign["id"]}
    resp = await client.post(base, json=again)
    assert resp.status_code == 409 and resp.json()["key"] == "duplicate_found"
    forced = ok(await client.post(f"{base}?force=true", json=again))
    assert forced["id"] != made[0]["id"]

    resp = await client.delete(f"{base}/{forced['id']}")
    assert resp.status_code == 204
    assert ok(await client.get(base))["total"] == 3
    assert (await client.delete(f"{base}/{forced['id']}")).status_code == 404

    created = await recorded_events(db, project, "business_validation_rule.assignment.created")
    assert [e.data["assignment"]["related_object_type"] for e in created] == [
        "campaign",
        "voucher",
        "earning_rule",
        "reward_assignment",
        "campaign",
    ]
    assert created[1].data["voucher"]["code"] == "CODE1"
    assert created[2].data["earning_rule"]["id"] == earning_rule["id"]
    assert created[2].data["campaign"] == {"id": program["id"], "object": "campaign"}
    deleted = await recorded_events(db, project, "business_validation_rule.assignment.deleted")
    assert [e.data["assignment"]["id"] for e in deleted] == [made[0]["id"], forced["id"]]

    # Deleting the rule deletes its assignments.
    assert (await client.delete(f"/v1/validation-rules/{rule['id']}")).status_code == 204
    assert ok(await client.get("/v1/validation-rules-assignments"))["total"] == 0


async def test_assignment_refusals(client: httpx.AsyncClient) -> None:
    rule = await make_rule(client)
    base = f"/v1/validation-rules/{rule['id']}/assignments"
    resp = await client.post(
        base, json={"related_object_type": "distribution", "related_object_id": "x"}
    )
    assert resp.status_code == 400 and "not built yet" in resp.json()["details"]
    resp = await client.post(
        base, json={"related_object_type": "promotion_tier", "related_object_id": "promo_nope"}
    )
    assert resp.status_code == 404
    resp = await client.post(
        base, json={"related_object_type": "voucher", "related_object_id": "v_nope"}
    )
    assert resp.status_code == 404
    resp = await client.post(base, json={"related_object_type": "planet", "related_object_id": "x"})
    assert resp.status_code == 400
    resp = await client.post(
        "/v1/validation-rules/val_nope/assignments", json={"related_object_id": "x"}
    )
    assert resp.status_code == 404
    assert ok(await client.get(base))["total"] == 0


async def test_rules_naming_unknown_segments_are_refused(client: httpx.AsyncClient) -> None:
    vip = ok(
        await client.post(
            "/v1/segments",
            json={
                "name": "VIP",
                "type": "auto-update",
                "filter": {"junction": "and", "metadata.vip": {"conditions": {"$is": [True]}}},
            },
        )
    )

    def segment_rule(*ids: str) -> dict[str, Any]:
        condition = {"name": "customer.segment", "conditions": {"$in": list(ids)}, "rules": {}}
        return {"rules": {"1": condition, "logic": "1"}}

    await refused(client, segment_rule(vip["id"], "seg_missing"), "Unknown segment seg_missing")
    made = ok(
        await client.post(
            "/v1/validation-rules", json={"name": "VIP only", **segment_rule(vip["id"])}
        )
    )
    assert made["rules"]["1"]["conditions"]["$in"] == [vip["id"]]
