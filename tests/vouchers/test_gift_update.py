"""`PUT /v1/vouchers/{code}` with `gift`: a new amount moves the balance by the difference,
relatively and recorded as a gift transaction, so it never undoes concurrent spends."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx

INITIAL = 100_000
SPEND = 500
SPENDS = 10


async def _gift_card(client: httpx.AsyncClient, amount: int) -> dict[str, Any]:
    resp = await client.post(
        "/v1/vouchers", json={"type": "GIFT_VOUCHER", "gift": {"amount": amount}}
    )
    assert resp.status_code == 200, resp.text
    card: dict[str, Any] = resp.json()
    return card


async def _card(client: httpx.AsyncClient, code: str) -> dict[str, Any]:
    resp = await client.get(f"/v1/vouchers/{code}")
    assert resp.status_code == 200, resp.text
    card: dict[str, Any] = resp.json()
    return card


async def _transactions(client: httpx.AsyncClient, code: str) -> list[dict[str, Any]]:
    resp = await client.get(f"/v1/vouchers/{code}/transactions")
    assert resp.status_code == 200, resp.text
    data: list[dict[str, Any]] = resp.json()["data"]
    return data


def _amount(tx: dict[str, Any]) -> int:
    amount: int = tx["details"]["balance"]["amount"]
    return amount


async def test_gift_amount_update_racing_redemptions_loses_no_spend(
    client: httpx.AsyncClient,
) -> None:
    # Several rounds: on PostgreSQL one round may happen to serialize; five rarely all do.
    for _ in range(5):
        card = await _gift_card(client, INITIAL)
        code = card["code"]
        spend = {
            "redeemables": [{"object": "voucher", "id": code, "gift": {"credits": SPEND}}],
            "order": {"amount": SPEND},
        }
        raise_by_one = client.put(f"/v1/vouchers/{code}", json={"gift": {"amount": INITIAL + 1}})
        responses = await asyncio.gather(
            *(client.post("/v1/redemptions", json=spend) for _ in range(SPENDS)), raise_by_one
        )
        assert Counter(r.status_code for r in responses) == {200: SPENDS + 1}, [
            r.text for r in responses if r.status_code != 200
        ]

        after = await _card(client, code)
        assert after["gift"]["amount"] == INITIAL + 1
        assert after["gift"]["balance"] == INITIAL + 1 - SPENDS * SPEND
        # The ledger explains the balance: the opening amount plus every recorded movement.
        txs = await _transactions(client, code)
        assert INITIAL + sum(_amount(t) for t in txs) == after["gift"]["balance"]
        kinds = Counter(t["type"] for t in txs)
        assert kinds == {"CREDITS_REDEMPTION": SPENDS, "CREDITS_ADDITION": 1}


async def test_gift_amount_update_records_the_difference_as_a_transaction(
    client: httpx.AsyncClient,
) -> None:
    code = (await _gift_card(client, 10_000))["code"]
    spend = {
        "redeemables": [{"object": "voucher", "id": code, "gift": {"credits": 3_000}}],
        "order": {"amount": 3_000},
    }
    assert (await client.post("/v1/redemptions", json=spend)).status_code == 200

    lowered = await client.put(f"/v1/vouchers/{code}", json={"gift": {"amount": 8_000}})
    assert lowered.status_code == 200, lowered.text
    assert lowered.json()["gift"] == {"amount": 8_000, "balance": 5_000, "effect": "APPLY_TO_ORDER"}
    removal = (await _transactions(client, code))[0]
    assert (removal["type"], _amount(removal)) == ("CREDITS_REMOVAL", -2_000)
    assert "voucher update" in removal["reason"]

    # Same amount again: nothing moves, nothing is recorded; the effect alone can change.
    same = await client.put(
        f"/v1/vouchers/{code}", json={"gift": {"amount": 8_000, "effect": "APPLY_TO_ITEMS"}}
    )
    assert same.status_code == 200, same.text
    assert same.json()["gift"] == {"amount": 8_000, "balance": 5_000, "effect": "APPLY_TO_ITEMS"}
    effect_only = await client.put(
        f"/v1/vouchers/{code}", json={"gift": {"effect": "APPLY_TO_ORDER"}}
    )
    assert effect_only.status_code == 200, effect_only.text
    assert effect_only.json()["gift"]["effect"] == "APPLY_TO_ORDER"
    assert len(await _transactions(client, code)) == 2


async def test_gift_amount_decrease_beyond_the_balance_is_refused_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    code = (await _gift_card(client, 10_000))["code"]
    spend = {
        "redeemables": [{"object": "voucher", "id": code, "gift": {"credits": 7_000}}],
        "order": {"amount": 7_000},
    }
    assert (await client.post("/v1/redemptions", json=spend)).status_code == 200

    # 7,000 spent: the amount can go down by 3,000 at most (to 7,000), not to 5,000.
    refused = await client.put(
        f"/v1/vouchers/{code}",
        json={"gift": {"amount": 5_000, "effect": "APPLY_TO_ITEMS"}, "category": "changed"},
    )
    assert refused.status_code == 400, refused.text
    body = refused.json()
    assert body["key"] == "gift_amount_exceeded"
    assert "3000 left" in body["details"]

    after = await _card(client, code)
    assert after["gift"] == {"amount": 10_000, "balance": 3_000, "effect": "APPLY_TO_ORDER"}
    assert after["category"] is None
    assert [t["type"] for t in await _transactions(client, code)] == ["CREDITS_REDEMPTION"]

    to_zero = await client.put(f"/v1/vouchers/{code}", json={"gift": {"amount": 7_000}})
    assert to_zero.status_code == 200, to_zero.text
    assert to_zero.json()["gift"]["balance"] == 0


async def test_concurrent_balance_additions_all_grow_the_face_value(
    client: httpx.AsyncClient,
) -> None:
    # The face value grows in the same relative UPDATE as the balance (it was an ORM
    # read-modify-write of gift_amount, which lost concurrent additions).
    code = (await _gift_card(client, 1_000))["code"]
    responses = await asyncio.gather(
        *(client.post(f"/v1/vouchers/{code}/balance", json={"amount": 100}) for _ in range(12))
    )
    assert [r.status_code for r in responses] == [200] * 12, [r.text for r in responses]
    after = await _card(client, code)
    assert after["gift"]["amount"] == after["gift"]["balance"] == 1_000 + 12 * 100


async def test_update_keeps_the_voucher_type(client: httpx.AsyncClient) -> None:
    body = {"code": "TYPED-1", "type": "GIFT_VOUCHER", "gift": {"amount": 1000}}
    assert (await client.post("/v1/vouchers", json=body)).status_code == 200
    changed = await client.put("/v1/vouchers/TYPED-1", json={"type": "DISCOUNT_VOUCHER"})
    assert changed.status_code == 400 and "type" in changed.json()["details"]
    same = await client.put("/v1/vouchers/TYPED-1", json={"type": "GIFT_VOUCHER"})
    assert same.status_code == 200 and same.json()["type"] == "GIFT_VOUCHER"
