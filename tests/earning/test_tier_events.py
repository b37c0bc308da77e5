"""Rules on tier events give their points when a member joins or moves into the tier."""

from __future__ import annotations

import httpx

from tests.earning.helpers import add_member, balances_agree, create_program, create_rules, get_card
from voucherd.kit.db import Database


async def test_joining_and_upgrading_earn_the_tier_rules(
    client: httpx.AsyncClient, db: Database
) -> None:
    program = await create_program(client)
    resp = await client.post(
        f"/v1/loyalties/{program['id']}/tiers",
        json=[
            {"name": "Bronze", "points": {"from": 0, "to": 99}},
            {"name": "Silver", "points": {"from": 100, "to": 100000}},
        ],
    )
    assert resp.status_code == 200, resp.text
    bronze, silver = resp.json()
    await create_rules(
        client,
        program["id"],
        {
            "event": "customer.loyalty.tier.joined",
            "loyalty_tier": {"id": "__ANY__"},
            "loyalty": {"type": "FIXED", "points": 10},
        },
        {
            "event": "customer.loyalty.tier.upgraded",
            "loyalty_tier": {"id": silver["id"]},
            "loyalty": {"type": "FIXED", "points": 50},
        },
        {
            "event": "customer.loyalty.tier.upgraded",
            "loyalty_tier": {"id": bronze["id"]},
            "loyalty": {"type": "FIXED", "points": 1000},
        },
    )
    card = await add_member(client, program["id"], "jack")
    assert (await get_card(client, card["code"]))["loyalty_card"]["balance"] == 10

    moved = await client.post(f"/v1/loyalties/members/{card['code']}/balance", json={"points": 95})
    assert moved.status_code == 200, moved.text
    after = await get_card(client, card["code"])
    assert after["loyalty_card"]["balance"] == 10 + 95 + 50
    assert await balances_agree(db, card["id"]) == 155
    transactions = await client.get(f"/v1/loyalties/members/{card['code']}/transactions")
    [upgrade] = [t for t in transactions.json()["data"] if t["details"]["balance"]["points"] == 50]
    assert upgrade["details"]["event"]["type"] == "customer.loyalty.tier.upgraded"
    assert upgrade["details"]["loyalty_tier"]["id"] == silver["id"]
