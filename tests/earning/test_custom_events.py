"""`POST /v1/events`: custom events are recorded and earn on the rules named after them."""

from __future__ import annotations

from typing import Any

import httpx

from tests.earning.helpers import add_member, balances_agree, create_program, create_rules, get_card
from tests.support import ProjectKeys, recorded_events
from voucherd.kit.db import Database


def _event_rule(event: str, loyalty: dict[str, Any]) -> dict[str, Any]:
    return {"event": event, "loyalty": loyalty, "source": {"banner": event}}


async def test_custom_event_earns_fixed_and_metadata_points(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    program = await create_program(client)
    await create_rules(
        client,
        program["id"],
        _event_rule("cart_abandoned", {"type": "FIXED", "points": 5}),
        _event_rule(
            "cart_abandoned",
            {
                "type": "PROPORTIONAL",
                "calculation_type": "CUSTOM_EVENT_METADATA",
                "custom_event": {"metadata": {"every": 2, "points": 3, "property": "items"}},
            },
        ),
        _event_rule("other_event", {"type": "FIXED", "points": 100}),
    )
    card = await add_member(client, program["id"], "jack")

    resp = await client.post(
        "/v1/events",
        json={
            "event": "cart_abandoned",
            "customer": {"source_id": "jack"},
            "loyalty": {"code": card["code"]},
            "metadata": {"items": 5},
        },
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["object"] == "event" and body["type"] == "cart_abandoned"
    assert body["customer"]["source_id"] == "jack" and body["customer"]["object"] == "customer"
    assert body["metadata"] == {"items": 5}
    assert body["loyalty"] == {"code": card["code"]}
    # 5 fixed + floor(5 / 2) * 3.
    assert (await get_card(client, card["code"]))["loyalty_card"]["balance"] == 11
    assert await balances_agree(db, card["id"]) == 11

    [event] = await recorded_events(db, project, "customer.custom_event")
    assert event.data["event"]["type"] == "cart_abandoned"
    assert event.data["customer"]["source_id"] == "jack"
    assert event.data["loyalty"]["voucher"]["code"] == card["code"]
    transactions = (await client.get(f"/v1/loyalties/members/{card['code']}/transactions")).json()
    details = transactions["data"][0]["details"]
    assert details["custom_event"] == {"id": event.data["event"]["id"], "type": "cart_abandoned"}

    # Each event earns on its own: a second one earns again.
    await client.post(
        "/v1/events", json={"event": "cart_abandoned", "customer": {"source_id": "jack"}}
    )
    assert (await get_card(client, card["code"]))["loyalty_card"]["balance"] == 16


async def test_custom_event_creates_the_customer(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        "/v1/events", json={"event": "signed_up", "customer": {"source_id": "new-one"}}
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["referral"] is None and resp.json()["loyalty"] is None
    customer = await client.get("/v1/customers/new-one")
    assert customer.status_code == 200


async def test_custom_event_auto_joins(client: httpx.AsyncClient) -> None:
    program = await create_program(client, auto_join=True)
    await create_rules(client, program["id"], _event_rule("signed_up", {"points": 50}))
    await client.post("/v1/events", json={"event": "signed_up", "customer": {"source_id": "ann"}})
    [card] = (await client.get(f"/v1/loyalties/{program['id']}/members")).json()["vouchers"]
    assert card["loyalty_card"]["balance"] == 50


async def test_bad_custom_events_are_400_or_404(client: httpx.AsyncClient) -> None:
    program = await create_program(client)
    other = await add_member(client, program["id"], "jill")
    cases = [
        ({"event": "x"}, 400),
        ({"event": "x", "customer": {}}, 400),
        ({"customer": {"source_id": "jack"}}, 400),
        ({"event": "order.paid", "customer": {"source_id": "jack"}}, 400),
        ({"event": "x", "customer": {"source_id": "jack"}, "loyalty": {"code": "NOPE"}}, 404),
        (
            {"event": "x", "customer": {"source_id": "jack"}, "loyalty": {"code": other["code"]}},
            400,
        ),
    ]
    for body, status in cases:
        resp = await client.post("/v1/events", json=body)
        assert resp.status_code == status, (body, resp.text)
