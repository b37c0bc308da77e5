"""Validation sessions under concurrency: what a session holds is never taken by requests
without it, and a code's last use is held by one session only (real races on PostgreSQL;
SQLite serialises writers, so there these check the same outcomes without a race)."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx


async def _gift_card(client: httpx.AsyncClient, amount: int) -> str:
    resp = await client.post(
        "/v1/vouchers", json={"type": "GIFT_VOUCHER", "gift": {"amount": amount}}
    )
    assert resp.status_code == 200, resp.text
    return str(resp.json()["code"])


def _body(code: str, credits: int | None = None, key: str | None = None) -> dict[str, Any]:
    redeemable: dict[str, Any] = {"object": "voucher", "id": code}
    if credits is not None:
        redeemable["gift"] = {"credits": credits}
    body: dict[str, Any] = {"redeemables": [redeemable], "order": {"amount": 10000}}
    if key is not None:
        body["session"] = {"type": "LOCK", "key": key}
    return body


def _outcome(resp: httpx.Response) -> str:
    return "ok" if resp.status_code == 200 else str(resp.json()["key"])


async def test_a_held_gift_amount_wins_against_concurrent_redemptions_without_it(
    client: httpx.AsyncClient,
) -> None:
    card = await _gift_card(client, 10000)
    held = await client.post("/v1/validations", json=_body(card, 6000, "checkout"))
    assert held.json()["valid"] is True
    # Ten plain redemptions of 3,000 race the session's own redemption of 6,000: only 4,000
    # are free, so one plain one fits and the session always gets its credits.
    plain = [client.post("/v1/redemptions", json=_body(card, 3000)) for _ in range(10)]
    mine = client.post("/v1/redemptions", json=_body(card, 6000, "checkout"))
    *others, own = await asyncio.gather(*plain, mine)
    assert _outcome(own) == "ok", own.text
    assert Counter(map(_outcome, others)) == {"ok": 1, "gift_amount_exceeded": 9}
    after = (await client.get(f"/v1/vouchers/{card}")).json()
    assert after["gift"]["balance"] == 10000 - 6000 - 3000


async def test_a_lock_taken_while_redemptions_race_is_honoured(
    client: httpx.AsyncClient,
) -> None:
    card = await _gift_card(client, 10000)
    plain = [client.post("/v1/redemptions", json=_body(card, 2000)) for _ in range(8)]
    lock = client.post("/v1/validations", json=_body(card, 6000, "late"))
    *others, locked = await asyncio.gather(*plain, lock)
    assert locked.status_code == 200, locked.text
    taken = 2000 * sum(_outcome(r) == "ok" for r in others)
    if locked.json()["valid"]:
        # Whatever ran first, what the session was promised is still there.
        assert taken <= 4000
        own = await client.post("/v1/redemptions", json=_body(card, 6000, "late"))
        assert own.status_code == 200, own.text
        taken += 6000
    else:
        assert taken > 4000
    after = (await client.get(f"/v1/vouchers/{card}")).json()
    assert after["gift"]["balance"] == 10000 - taken >= 0


async def test_concurrent_sessions_on_a_single_use_code_one_holds(
    client: httpx.AsyncClient,
) -> None:
    resp = await client.post(
        "/v1/vouchers",
        json={
            "type": "DISCOUNT_VOUCHER",
            "discount": {"type": "AMOUNT", "amount_off": 500},
            "redemption": {"quantity": 1},
        },
    )
    code = resp.json()["code"]
    answers = await asyncio.gather(
        *(client.post("/v1/validations", json=_body(code, key=f"s{i}")) for i in range(20))
    )
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    holders = [a.json()["session"]["key"] for a in answers if a.json()["valid"]]
    assert len(holders) == 1
    refused = Counter(
        a.json()["inapplicable_redeemables"][0]["result"]["error"]["key"]
        for a in answers
        if not a.json()["valid"]
    )
    assert refused == {"quantity_exceeded": 19}
    # Only the holder redeems it.
    other = await client.post("/v1/redemptions", json=_body(code, key="nobody"))
    assert other.json()["key"] == "quantity_exceeded"
    own = await client.post("/v1/redemptions", json=_body(code, key=holders[0]))
    assert own.status_code == 200, own.text
