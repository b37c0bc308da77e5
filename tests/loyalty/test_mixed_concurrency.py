"""Different operations on one customer's loyalty cards at once (SQLite and PostgreSQL).

Each path takes the customer's row first, then cards, then reward stock; these tests fire the
combinations that would deadlock (a 500) or double-enrol if any path took them in another
order, and check the ledger invariant afterwards.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx

from tests.earning.helpers import balances_agree, item
from tests.rewards import helpers as h
from tests.support import ProjectKeys, recorded_events
from voucherd.kit.db import Database


def _outcomes(responses: list[httpx.Response]) -> Counter[str]:
    return Counter(
        "ok" if r.status_code == 200 else r.json().get("key", str(r.status_code)) for r in responses
    )


async def _earning_program(client: httpx.AsyncClient, points: int) -> dict[str, Any]:
    program = await h.program(client, name="Mixed")
    rules = await client.post(
        f"/v1/loyalties/{program['id']}/earning-rules",
        json=[{"event": "order.paid", "loyalty": {"type": "FIXED", "points": points}}],
    )
    assert rules.status_code == 200, rules.text
    return program


async def test_paid_orders_and_reward_redemptions_of_one_customer_race_safely(
    client: httpx.AsyncClient, db: Database
) -> None:
    program = await _earning_program(client, points=10)
    card = await h.member(client, program["id"], source_id="racer", points=100)
    bottle = await h.product(client)
    reward = await h.material_reward(client, bottle["id"])
    await h.assign(client, reward["id"], program["id"], points=10)
    orders = [
        client.post(
            "/v1/orders",
            json={
                "status": "PAID",
                "customer": {"source_id": "racer"},
                "items": [item("cup", 500)],
            },
        )
        for _ in range(15)
    ]
    redemptions = [h.redeem(client, card["code"], reward["id"]) for _ in range(15)]
    responses = await asyncio.gather(*orders, *redemptions)
    assert all(r.status_code == 200 for r in responses[:15]), _outcomes(responses[:15])
    outcome = _outcomes(responses[15:])
    assert set(outcome) <= {"ok", "loyalty_card_points_exceeded"}, outcome
    # 100 + 15 orders x 10 earned; each success spent 10.
    assert await balances_agree(db, card["id"]) == 100 + 150 - 10 * outcome["ok"]


async def test_rollbacks_and_new_reward_redemptions_race_safely(
    client: httpx.AsyncClient, db: Database
) -> None:
    program = await h.program(client, name="Rollbacks")
    card = await h.member(client, program["id"], source_id="undoer", points=200)
    bottle = await h.product(client)
    reward = await h.material_reward(client, bottle["id"])
    await h.assign(client, reward["id"], program["id"], points=20)
    first = [h.ok(await h.redeem(client, card["code"], reward["id"])) for _ in range(5)]
    rollbacks = [client.post(f"/v1/redemptions/{r['id']}/rollback") for r in first]
    redemptions = [h.redeem(client, card["code"], reward["id"]) for _ in range(5)]
    responses = await asyncio.gather(*rollbacks, *redemptions)
    assert _outcomes(responses) == {"ok": 10}
    # 200 - 5x20 + 5x20 refunded - 5x20 again.
    assert await balances_agree(db, card["id"]) == 100


async def test_concurrent_enrolment_of_one_customer_gives_one_card(
    client: httpx.AsyncClient,
) -> None:
    program = await h.program(client, name="Once")
    # An existing customer: a new one would be serialised by the customer insert itself.
    h.ok(await client.post("/v1/customers", json={"source_id": "twin", "name": "Twin"}))
    body = {"customer": {"source_id": "twin"}}
    responses = await asyncio.gather(
        *(client.post(f"/v1/loyalties/{program['id']}/members", json=body) for _ in range(10))
    )
    assert _outcomes(responses) == {"ok": 10}
    assert len({r.json()["code"] for r in responses}) == 1
    members = (await client.get(f"/v1/loyalties/{program['id']}/members")).json()
    assert members["total"] == 1


async def test_rewards_crediting_each_others_program_do_not_deadlock(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    stars = await h.program(client, name="Stars")
    moons = await h.program(client, name="Moons")
    star_card = await h.member(client, stars["id"], source_id="both", points=100)
    moon_card = await h.member(client, moons["id"], source_id="both", points=100)
    to_moons = await h.reward(
        client,
        {"name": "Moon points", "parameters": {"campaign": {"id": moons["id"], "balance": 5}}},
    )
    to_stars = await h.reward(
        client,
        {"name": "Star points", "parameters": {"campaign": {"id": stars["id"], "balance": 5}}},
    )
    await h.assign(client, to_moons["id"], stars["id"], points=10)
    await h.assign(client, to_stars["id"], moons["id"], points=10)
    responses = await asyncio.gather(
        *(h.redeem(client, star_card["code"], to_moons["id"]) for _ in range(8)),
        *(h.redeem(client, moon_card["code"], to_stars["id"]) for _ in range(8)),
    )
    assert _outcomes(responses) == {"ok": 16}
    assert await balances_agree(db, star_card["id"]) == 100 - 80 + 40
    assert await balances_agree(db, moon_card["id"]) == 100 - 80 + 40
    rewarded = await recorded_events(db, project, "customer.rewarded.loyalty_points")
    assert len(rewarded) == 16
    assert {e.data["balance"]["points"] for e in rewarded} == {5}
    assert {e.data["voucher"]["id"] for e in rewarded} == {star_card["id"], moon_card["id"]}


async def test_paid_orders_enrolling_one_customer_at_once_do_not_deadlock(
    client: httpx.AsyncClient, db: Database
) -> None:
    # Each order's INSERT holds KEY SHARE on the customer it names; the customer lock must
    # not wait for that (FOR NO KEY UPDATE), or two orders deadlock on auto_join.
    program = h.ok(
        await client.post(
            "/v1/loyalties",
            json={
                "name": "Auto",
                "auto_join": True,
                "join_once": True,
                "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}},
            },
        )
    )
    rules = [{"event": "order.paid", "loyalty": {"type": "FIXED", "points": 5}}]
    h.ok(await client.post(f"/v1/loyalties/{program['id']}/earning-rules", json=rules))
    h.ok(await client.post("/v1/customers", json={"source_id": "newbie"}))
    responses = await asyncio.gather(
        *(
            client.post(
                "/v1/orders",
                json={
                    "source_id": f"auto-{i}",
                    "status": "PAID",
                    "amount": 100,
                    "customer": {"source_id": "newbie"},
                },
            )
            for i in range(10)
        )
    )
    assert _outcomes(responses) == {"ok": 10}
    members = h.ok(await client.get(f"/v1/loyalties/{program['id']}/members"))
    assert members["total"] == 1
    assert await balances_agree(db, members["vouchers"][0]["id"]) == 50
