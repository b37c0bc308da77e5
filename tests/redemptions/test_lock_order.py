"""Concurrent redemptions and rollbacks take their row locks in one order, so PostgreSQL never
has to break a deadlock (which the API would answer with a 500).

The order: customer, then the redemption rows being rolled back (parent first, then children
by id), then the order, then vouchers by id. Only PostgreSQL can show a deadlock; on SQLite
(one writer) these tests check the counters only.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx

from tests.support import SEED_ORDER_ITEMS, ProjectKeys, recorded_events
from voucherd.kit.db import Database

# Children start this long after their parent's rollback: the spread makes some of them
# meet the parent half way (which deadlocked before the lock order); the rest are early/late.
DELAYS = [0, 0.01, 0.02, 0.05, 0.1, 0.2]

# Requests in flight at once: enough to deadlock before the lock order (it did at 16), few
# enough that the test server's `max_connections`, shared with other runs, is not the limit
# being tested.
IN_FLIGHT = 16


async def _code(client: httpx.AsyncClient, **overrides: Any) -> str:
    body = {"type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 100}}
    resp = await client.post("/v1/vouchers", json=body | overrides)
    assert resp.status_code == 200, resp.text
    return str(resp.json()["code"])


def _outcomes(responses: list[httpx.Response | BaseException]) -> Counter[str]:
    """Answers by kind; an error the app did not answer (a deadlock) by its message."""
    return Counter(
        str(r).splitlines()[0][-60:]
        if isinstance(r, BaseException)
        else "ok"
        if r.status_code == 200
        else f"{r.status_code} {r.json().get('key')}"
        for r in responses
    )


async def test_redemptions_naming_one_new_customer_do_not_deadlock_on_the_customer_row(
    client: httpx.AsyncClient,
) -> None:
    # One multi-use code; half the requests name the same (not yet existing) customer, so the
    # voucher row and that customer's row are both contended by the same transactions.
    code = await _code(client)
    bodies = [
        {
            "redeemables": [{"object": "voucher", "id": code}],
            "order": {"amount": 1000},
            **({"customer": {"source_id": "shared-new"}} if i % 2 else {}),
        }
        for i in range(100)
    ]
    in_flight = asyncio.Semaphore(IN_FLIGHT)

    async def redeem(body: dict[str, Any]) -> httpx.Response:
        async with in_flight:
            return await client.post("/v1/redemptions", json=body)

    responses = await asyncio.gather(*(redeem(b) for b in bodies), return_exceptions=True)

    assert _outcomes(responses) == {"ok": 100}
    voucher = (await client.get(f"/v1/vouchers/{code}")).json()
    assert voucher["redemption"]["redeemed_quantity"] == 100
    summary = (await client.get("/v1/customers/shared-new")).json()["summary"]
    assert summary["redemptions"]["total_succeeded"] == 50
    assert summary["orders"]["total_count"] == 50
    # Each order of 1000 got 100 off: the customer's paid total counts what was paid.
    assert summary["orders"]["total_amount"] == 50 * 900
    listing = (await client.get("/v1/redemptions", params={"result": "SUCCESS"})).json()
    assert listing["total"] == 100


async def test_parent_rollback_racing_child_rollbacks_releases_each_use_once(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    rounds = len(DELAYS)
    codes = [await _code(client) for _ in range(3)]
    gift = (
        await client.post("/v1/vouchers", json={"type": "GIFT_VOUCHER", "gift": {"amount": 50000}})
    ).json()["code"]
    parents: list[dict[str, Any]] = []
    for i in range(rounds):
        redeemed = await client.post(
            "/v1/redemptions",
            json={
                "redeemables": [
                    *({"object": "voucher", "id": c} for c in codes),
                    {"object": "voucher", "id": gift, "gift": {"credits": 1000}},
                ],
                "order": {"items": SEED_ORDER_ITEMS},
                "customer": {"source_id": f"stacker-{i % 2}"},
            },
        )
        assert redeemed.status_code == 200, redeemed.text
        parents.append(redeemed.json())

    async def child_rollback(child_id: str, delay: float) -> httpx.Response:
        await asyncio.sleep(delay)  # let the parent's rollback get under way first
        return await client.post(f"/v1/redemptions/{child_id}/rollback")

    responses: list[httpx.Response | BaseException] = []
    for delay, body in zip(DELAYS, parents, strict=True):
        parent_id = body["parent_redemption"]["id"]
        # The children in reverse id order: the opposite of the order the parent takes them.
        children = sorted(body["redemptions"], key=lambda r: r["id"], reverse=True)
        responses += await asyncio.gather(
            client.post(f"/v1/redemptions/{parent_id}/rollbacks"),
            *(child_rollback(c["id"], delay) for c in children),
            return_exceptions=True,
        )
    outcomes = _outcomes(responses)
    assert set(outcomes) <= {"ok", "400 already_rolled_back"}, outcomes
    for code in codes:
        voucher = (await client.get(f"/v1/vouchers/{code}")).json()
        assert voucher["redemption"]["redeemed_quantity"] == 0
    card = (await client.get(f"/v1/vouchers/{gift}")).json()
    assert card["gift"]["balance"] == 50000  # refunded once per redemption, never twice
    refunds = (await client.get(f"/v1/vouchers/{gift}/transactions")).json()["data"]
    assert Counter(t["type"] for t in refunds) == {
        "CREDITS_REDEMPTION": rounds,
        "CREDITS_REFUND": rounds,
    }
    # Exactly one rollback per child redemption, whoever did it.
    child_rollbacks = await recorded_events(db, project, "redemption.rollback.succeeded")
    assert len(child_rollbacks) == rounds * 4
    undone = Counter(e.data["redemption"]["id"] for e in child_rollbacks)
    assert set(undone.values()) == {1}
    for body in parents:
        for r in body["redemptions"]:
            assert (await client.get(f"/v1/redemptions/{r['id']}")).json()["status"] == (
                "ROLLED_BACK"
            )
        parent = (await client.get(f"/v1/redemptions/{body['parent_redemption']['id']}")).json()
        assert parent["status"] == "ROLLED_BACK"
    for i in range(2):
        summary = (await client.get(f"/v1/customers/stacker-{i}")).json()["summary"]
        redemptions = summary["redemptions"]
        assert redemptions["total_rolled_back"] == redemptions["total_succeeded"]
