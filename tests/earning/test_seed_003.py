"""Seed 003: a paid order under a one-day pending rule emits
`voucher.loyalty_card.pending_points.added` shaped like Voucherify's example, and the worker
activates the points on the due day, not before."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.earning.helpers import SEED_EXPIRATION_RULES, balances_agree, get_card
from tests.support import ProjectKeys, assert_same_shape, recorded_events
from voucherd.earning import jobs as _jobs  # noqa: F401  (registers the activation job)
from voucherd.kit.clock import clock
from voucherd.kit.db import Database
from voucherd.worker import run_once

SEED = Path(__file__).parent / "seed_003_voucher_loyalty_card_pending_points_added.json"


def load_seed_003() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SEED.read_text())
    return data


async def _post(client: httpx.AsyncClient, path: str, body: Any) -> Any:
    resp = await client.post(path, json=body)
    assert resp.status_code == 200, resp.text
    return resp.json()


async def _seed_flow(client: httpx.AsyncClient) -> dict[str, Any]:
    """Program, tier, rule, member with 7 points, and the paid order of the seed."""
    clock.freeze(datetime(2025, 1, 27, 9, 0, 50, tzinfo=UTC))
    program = await _post(
        client,
        "/v1/loyalties",
        {
            "name": "Loyalty programme",
            "type": "AUTO_UPDATE",
            "join_once": True,
            "category": "Star Platinum",
            "voucher": {
                "type": "LOYALTY_CARD",
                "loyalty_card": {"points": 0, "expiration_rules": SEED_EXPIRATION_RULES},
            },
        },
    )
    # The seed's program had been edited since its creation (it has an `updated_at`).
    edited = await client.put(f"/v1/loyalties/{program['id']}", json={"join_once": True})
    assert edited.status_code == 200, edited.text
    await _post(
        client,
        f"/v1/loyalties/{program['id']}/tiers",
        [{"name": "Loyal Star Platinum", "points": {"from": 0, "to": 100000}}],
    )
    [rule] = await _post(
        client,
        f"/v1/loyalties/{program['id']}/earning-rules",
        [
            {
                "event": "order.paid",
                "loyalty": {"type": "FIXED", "points": 1},
                "source": {"banner": "Order-paid"},
                "pending_points": {"period_type": "DAY", "period_value": 1},
            }
        ],
    )
    card = await _post(
        client,
        f"/v1/loyalties/{program['id']}/members",
        {
            "customer": {
                "source_id": "jck-wbhk",
                "name": "Jack Webhook",
                "metadata": {"region": "EMEA", "sign-up": "true"},
            }
        },
    )
    await _post(client, f"/v1/loyalties/members/{card['code']}/balance", {"points": 7})
    product = await _post(client, "/v1/products", {"source_id": "hat", "name": "Hat"})
    sku = await _post(
        client, f"/v1/products/{product['id']}/skus", {"source_id": "hat-red", "sku": "Red hat"}
    )
    order = await _post(
        client,
        "/v1/orders",
        {
            "source_id": "test_20250127-001",
            "status": "PAID",
            "customer": {"source_id": "jck-wbhk"},
            "items": [
                {"source_id": "mug", "related_object": "product", "quantity": 1, "price": 500},
                {"source_id": "tee", "related_object": "product", "quantity": 1, "price": 900},
                {"sku_id": sku["id"], "quantity": 1, "price": 1099},
            ],
        },
    )
    return {"program": program, "rule": rule, "card": card, "order": order}


async def test_seed_003_pending_points_added(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    flow = await _seed_flow(client)
    card, rule, order = flow["card"], flow["rule"], flow["order"]

    [event] = await recorded_events(db, project, "voucher.loyalty_card.pending_points.added")
    seed = load_seed_003()
    assert_same_shape(seed, event.data)
    data = event.data
    assert event.entity_id == card["id"]
    assert data["order"]["amount"] == data["order"]["total_amount"] == 500 + 900 + 1099
    assert data["order"]["status"] == "PAID"
    entry = data["pending_points"]
    assert entry["id"].startswith("lopp_")
    assert entry["points"] == 1
    assert entry["activates_at"] == "2025-01-28"
    assert entry["voucher_id"] == card["id"] == data["voucher"]["id"]
    assert entry["order_id"] == order["id"]
    assert entry["customer_id"] == data["customer"]["id"] == data["voucher"]["holder_id"]
    assert entry["campaign_id"] == data["campaign"]["id"] == flow["program"]["id"]
    details = entry["details"]
    assert details["earning_rule"] == {"id": rule["id"], "source": {"banner": "Order-paid"}}
    assert details["order"] == {"id": order["id"], "source_id": "test_20250127-001"}
    assert details["holder_loyalty_tier"]["name"] == "Loyal Star Platinum"
    assert details["event"]["type"] == "customer.order.paid"
    assert details["event"]["category"] == "EFFECT"
    assert details["event"]["entity_id"] == data["customer"]["id"]
    assert details["event"]["event_source"]["channel"] == "API"
    [paid] = await recorded_events(db, project, "customer.order.paid")
    assert details["event"]["id"] == paid.id and details["event"]["group_id"] == paid.group_id
    balance = data["voucher_pending_points_balance"]
    assert balance == {
        "points": 1,
        "total": 1,
        "object": "balance",
        "related_object": {"type": "voucher", "id": card["id"]},
        "operation_type": "AUTOMATIC",
    }
    assert data["voucher"]["loyalty_card"]["pending_points"] == balance["total"]
    # points = balance + redeemed_points while nothing expired or was removed.
    loyalty_card = data["voucher"]["loyalty_card"]
    assert loyalty_card["points"] == loyalty_card["balance"] + 0 == 7
    assert loyalty_card["next_expiration_date"] == "2026-01-31"
    assert loyalty_card["next_expiration_points"] == 7
    assert data["voucher"]["category"] == "Star Platinum"
    assert data["campaign"]["voucher"]["loyalty_card"]["expiration_rules"] == SEED_EXPIRATION_RULES
    # The customer-scoped twin carries the same data.
    [twin] = await recorded_events(
        db, project, "customer.voucher.loyalty_card.pending_points.added"
    )
    assert twin.data == data and twin.entity_id == data["customer"]["id"]


async def test_seed_003_voucher_categories(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    await _seed_flow(client)
    [event] = await recorded_events(db, project, "voucher.loyalty_card.pending_points.added")
    seed = load_seed_003()["voucher"]["categories"]
    categories = event.data["voucher"]["categories"]
    assert_same_shape(seed, categories, "data.voucher.categories")
    # The card was issued in its program's category ("Star Platinum", created by that name).
    [category] = categories
    assert category["name"] == event.data["voucher"]["category"] == "Star Platinum"
    assert category["id"] == event.data["voucher"]["category_id"]
    assert category["id"].startswith("cat_") and category["object"] == "category"


async def test_seed_003_points_activate_on_the_due_day_not_before(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    flow = await _seed_flow(client)
    code = flow["card"]["code"]

    clock.freeze(datetime(2025, 1, 27, 23, 59, 59, tzinfo=UTC))
    await run_once(db)
    before = await get_card(client, code)
    assert before["loyalty_card"]["balance"] == 7
    assert before["loyalty_card"]["pending_points"] == 1
    assert await recorded_events(db, project, "voucher.loyalty_card.pending_points.activated") == []

    clock.advance(timedelta(seconds=1))  # 2025-01-28T00:00:00Z
    # (Other tests' projects share the database: count at least ours.)
    assert (await run_once(db))["earning.activate_pending_points"] >= 1
    after = await get_card(client, code)
    assert after["loyalty_card"]["balance"] == 8
    assert after["loyalty_card"]["points"] == 8
    assert after["loyalty_card"]["pending_points"] == 0
    # Activated 2025-01-28: + 2 months, rounded to the end of January 2026.
    assert after["loyalty_card"]["next_expiration_date"] == "2026-01-31"
    assert after["loyalty_card"]["next_expiration_points"] == 8
    assert await balances_agree(db, flow["card"]["id"]) == 8

    [activated] = await recorded_events(
        db, project, "voucher.loyalty_card.pending_points.activated"
    )
    data = activated.data
    assert data["balance"]["points"] == 1 and data["balance"]["balance"] == 8
    assert data["balance"]["operation_type"] == "AUTOMATIC"
    assert data["transaction"]["type"] == "PENDING_POINTS_ACTIVATION"
    assert data["transaction"]["details"]["pending_points"]["id"] == data["pending_points"]["id"]
    assert data["order"]["id"] == flow["order"]["id"]
    assert activated.event_source == {"channel": "INTERNAL"}
    listed = await client.get(f"/v1/loyalties/members/{code}/pending-points")
    assert listed.json()["data"] == []

    # Running again changes nothing.
    await run_once(db)
    assert (await get_card(client, code))["loyalty_card"]["balance"] == 8
