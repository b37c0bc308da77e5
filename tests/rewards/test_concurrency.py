"""Reward redemptions under concurrency (SQLite and PostgreSQL): points and stock are taken
by conditional UPDATEs, so simultaneous requests never overspend a card or oversell goods."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from tests.rewards import helpers as h
from voucherd.kit.db import Database
from voucherd.loyalty.repository import buckets_sum, ledger_sum

K = 4  # rewards the card can pay for
COST = 100


async def _ledger_agrees(db: Database, card_id: str) -> int:
    async with db.transaction(write=False) as session:
        ledger = await ledger_sum(session, card_id)
        buckets = await buckets_sum(session, card_id)
    assert ledger == buckets
    return ledger


async def test_card_with_points_for_k_rewards_pays_for_exactly_k_under_concurrency(
    client: httpx.AsyncClient, db: Database
) -> None:
    program = await h.program(client)
    card = await h.member(client, program["id"], points=K * COST)
    coupons = await h.discount_campaign(client)
    reward = await h.campaign_reward(client, coupons["id"])
    await h.assign(client, reward["id"], program["id"], COST)

    responses = await asyncio.gather(
        *(h.redeem(client, card["code"], reward["id"]) for _ in range(3 * K))
    )
    outcomes = Counter(
        "ok" if r.status_code == 200 else f"{r.status_code} {r.json()['key']}" for r in responses
    )
    assert outcomes == {"ok": K, "400 loyalty_card_points_exceeded": 2 * K}

    after = await h.card(client, card["code"])
    assert after["loyalty_card"]["balance"] == 0
    assert after["loyalty_card"]["points"] == K * COST
    assert after["redemption"]["redeemed_points"] == K * COST
    assert after["redemption"]["redeemed_quantity"] == K
    assert await _ledger_agrees(db, card["id"]) == after["loyalty_card"]["balance"] == 0
    # Only the successful requests left anything behind: K redemptions, K codes issued.
    listing = h.ok(await client.get("/v1/redemptions", params={"campaign": program["id"]}))
    assert listing["total"] == K
    assert {r["amount"] for r in listing["redemptions"]} == {COST}
    issued = h.ok(await client.get("/v1/vouchers", params={"campaign_id": coupons["id"]}))
    assert issued["total"] == K
    rewarded = h.ok(await client.get(f"/v1/rewards/{reward['id']}"))
    assert rewarded["redeemed"] == K


async def test_material_stock_is_never_oversold_under_concurrency(
    client: httpx.AsyncClient, db: Database
) -> None:
    program = await h.program(client)
    card = await h.member(client, program["id"], points=10_000)
    bottle = await h.product(client)
    stock = 3
    reward = await h.material_reward(client, bottle["id"], stock=stock)
    await h.assign(client, reward["id"], program["id"], 50)

    responses = await asyncio.gather(
        *(h.redeem(client, card["code"], reward["id"]) for _ in range(12))
    )
    outcomes = Counter(
        "ok" if r.status_code == 200 else f"{r.status_code} {r.json()['key']}" for r in responses
    )
    assert outcomes == {"ok": stock, "400 quantity_exceeded": 12 - stock}
    after = h.ok(await client.get(f"/v1/rewards/{reward['id']}"))
    assert after["redeemed"] == stock == after["stock"]
    # Refused requests took no points.
    member = await h.card(client, card["code"])
    assert member["loyalty_card"]["balance"] == 10_000 - stock * 50
    assert member["redemption"]["redeemed_quantity"] == stock
    assert await _ledger_agrees(db, card["id"]) == member["loyalty_card"]["balance"]


async def test_card_redemption_quantity_allows_exactly_that_many_reward_redemptions(
    client: httpx.AsyncClient, db: Database
) -> None:
    # The limit is taken in the same conditional UPDATE as the points: checked beforehand in
    # Python, all ten concurrent requests saw "0 used" on PostgreSQL.
    program = h.ok(
        await client.post(
            "/v1/loyalties",
            json={
                "name": "Once only",
                "type": "AUTO_UPDATE",
                "voucher": {
                    "type": "LOYALTY_CARD",
                    "loyalty_card": {"points": 0},
                    "redemption": {"quantity": 1},
                },
            },
        )
    )
    card = await h.member(client, program["id"], points=10 * COST)
    assert card["redemption"]["quantity"] == 1
    bottle = await h.product(client)
    reward = await h.material_reward(client, bottle["id"])
    await h.assign(client, reward["id"], program["id"], COST)

    responses = await asyncio.gather(
        *(h.redeem(client, card["code"], reward["id"]) for _ in range(10))
    )
    outcomes = Counter(
        "ok" if r.status_code == 200 else f"{r.status_code} {r.json()['key']}" for r in responses
    )
    assert outcomes == {"ok": 1, "400 quantity_exceeded": 9}
    member = await h.card(client, card["code"])
    assert member["redemption"]["redeemed_quantity"] == 1
    assert member["loyalty_card"]["balance"] == 9 * COST
    assert await _ledger_agrees(db, card["id"]) == member["loyalty_card"]["balance"]
    assert h.ok(await client.get(f"/v1/rewards/{reward['id']}"))["redeemed"] == 1
