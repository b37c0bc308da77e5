"""Rolling back a reward redemption (`POST /v1/redemptions/{id}/rollback`): the points come
back through the ledger, a MATERIAL unit returns to stock, the reward redemption ends
ROLLEDBACK with `customer.reward_redemptions.rolledback`.

The rewards side runs on the redemptions domain's `redemption.rollback.succeeded` event (see
voucherd.rewards.rollback); the card's `redemption.redeemed_quantity` comes back with the
ledger refund, exactly once.
"""

from __future__ import annotations

import httpx

from tests.rewards import helpers as h
from tests.support import ProjectKeys, recorded_events
from voucherd.kit.db import Database
from voucherd.loyalty.repository import buckets_sum, ledger_sum


async def test_rollback_refunds_the_points_and_returns_the_stock(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    program = await h.program(client)
    card = await h.member(client, program["id"], points=120)
    bottle = await h.product(client)
    reward = await h.material_reward(client, bottle["id"], stock=1)
    await h.assign(client, reward["id"], program["id"], 100)
    redeemed = h.ok(await h.redeem(client, card["code"], reward["id"]))
    sold_out = await h.redeem(client, card["code"], reward["id"])
    assert sold_out.status_code == 400

    rollback = await client.post(f"/v1/redemptions/{redeemed['id']}/rollback")
    assert rollback.status_code == 200, rollback.text
    after = await h.card(client, card["code"])
    assert after["loyalty_card"]["balance"] == 120
    assert after["loyalty_card"]["points"] == 120  # a refund is not new lifetime points
    assert after["redemption"]["redeemed_points"] == 0
    assert after["redemption"]["redeemed_quantity"] == 0
    async with db.transaction(write=False) as session:
        assert await ledger_sum(session, card["id"]) == 120
        assert await buckets_sum(session, card["id"]) == 120
    txs = h.ok(await client.get(f"/v1/loyalties/members/{card['code']}/transactions"))
    assert (
        txs["data"][0]["type"] == "POINTS_REFUND"
        and txs["data"][0]["details"]["balance"]["points"] == 100
    )
    stock = h.ok(await client.get(f"/v1/rewards/{reward['id']}"))
    assert stock["redeemed"] == 0
    [event] = await recorded_events(db, project, "customer.reward_redemptions.rolledback")
    assert event.data["reward_redemption"]["state"] == "ROLLEDBACK"
    assert event.data["reward_redemption"]["source_id"] == redeemed["id"]
    assert event.data["voucher"]["loyalty_card"]["balance"] == 120
    # The unit is back: the reward can be redeemed again.
    h.ok(await h.redeem(client, card["code"], reward["id"]))

    again = await client.post(f"/v1/redemptions/{redeemed['id']}/rollback")
    assert (again.status_code, again.json()["key"]) == (400, "already_rolled_back")
    assert len(await recorded_events(db, project, "customer.reward_redemptions.rolledback")) == 1


async def test_rolling_back_pay_with_points_gives_back_points_and_discount(
    client: httpx.AsyncClient,
) -> None:
    program = await h.program(client)
    card = await h.member(client, program["id"], points=300)
    coin = await h.reward(
        client, {"name": "Coin", "parameters": {"coin": {"exchange_ratio": 1, "points_ratio": 10}}}
    )
    h.ok(await client.post(f"/v1/loyalties/{program['id']}/rewards", json=[{"reward": coin["id"]}]))
    paid = h.ok(
        await h.redeem(
            client,
            card["code"],
            coin["id"],
            reward={"id": coin["id"], "points": 200},
            order={"source_id": "o-1", "items": [{"source_id": "a", "quantity": 1, "price": 5000}]},
        )
    )
    assert paid["order"]["total_amount"] == 3000
    h.ok(await client.post(f"/v1/redemptions/{paid['id']}/rollback"))
    assert (await h.card(client, card["code"]))["loyalty_card"]["balance"] == 300
    order = h.ok(await client.get("/v1/orders/o-1"))
    assert order["discount_amount"] == 0 and order["total_amount"] == 5000
