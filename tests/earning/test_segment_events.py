"""Rules on `customer.segment.entered` give their points each time a member enters the
rule's auto-update segment, in the transaction that moved the customer in."""

from __future__ import annotations

import httpx

from tests.earning.helpers import add_member, balances_agree, create_program, create_rules, get_card
from voucherd.kit.db import Database


async def _segment(client: httpx.AsyncClient, tier: str) -> str:
    tier_is = {"junction": "and", "metadata.tier": {"conditions": {"$is": tier}}}
    resp = await client.post(
        "/v1/segments", json={"name": tier, "type": "auto-update", "filter": tier_is}
    )
    assert resp.status_code == 200, resp.text
    return str(resp.json()["id"])


async def test_entering_the_rules_segment_earns_each_time(
    client: httpx.AsyncClient, db: Database
) -> None:
    program = await create_program(client)
    gold = await _segment(client, "gold")
    platinum = await _segment(client, "platinum")
    await create_rules(
        client,
        program["id"],
        {
            "event": "customer.segment.entered",
            "segment": {"id": gold},
            "loyalty": {"type": "FIXED", "points": 20},
        },
        {
            "event": "customer.segment.entered",
            "segment": {"id": platinum},
            "loyalty": {"type": "FIXED", "points": 1000},
        },
    )
    card = await add_member(client, program["id"], "jack", metadata={"tier": "silver"})
    assert (await get_card(client, card["code"]))["loyalty_card"]["balance"] == 0

    async def tier(value: str) -> None:
        resp = await client.put("/v1/customers/jack", json={"metadata": {"tier": value}})
        assert resp.status_code == 200, resp.text

    await tier("gold")
    assert (await get_card(client, card["code"]))["loyalty_card"]["balance"] == 20
    await tier("gold")  # still in: no new entry, no points
    assert (await get_card(client, card["code"]))["loyalty_card"]["balance"] == 20
    await tier("silver")
    await tier("gold")  # entered again
    assert (await get_card(client, card["code"]))["loyalty_card"]["balance"] == 40
    assert await balances_agree(db, card["id"]) == 40
    transactions = await client.get(f"/v1/loyalties/members/{card['code']}/transactions")
    earned = [t for t in transactions.json()["data"] if t["details"].get("segment")]
    assert [t["details"]["segment"]["id"] for t in earned] == [gold, gold]
    assert all(t["details"]["event"]["type"] == "customer.segment.entered" for t in earned)
