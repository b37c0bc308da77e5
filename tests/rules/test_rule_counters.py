"""Counter rules ("once per customer") are exact under concurrency and undone by rollback."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.rules.support import assign_rule, coupon, rule
from tests.support import ProjectKeys
from voucherd.kit.clock import clock
from voucherd.kit.db import Database

ONCE_PER_CUSTOMER = {
    "1": rule("redemption.count.per_customer", {"$less_than_or_equal": [1]}),
    "logic": "1",
}


def _redeem(code: str, customer: str) -> dict[str, Any]:
    return {
        "redeemables": [{"object": "voucher", "id": code}],
        "order": {"amount": 2000},
        "customer": {"source_id": customer},
    }


async def _unlimited_code(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys, name: str, limit: int
) -> str:
    """A multi-use code whose counter `name` may reach `limit` (this attempt included)."""
    voucher = await coupon(
        client,
        {"type": "AMOUNT", "amount_off": 100, "effect": "APPLY_TO_ORDER"},
        redemption={"quantity": None},
    )
    rules = {"1": rule(name, {"$less_than_or_equal": [limit]}), "logic": "1"}
    await assign_rule(db, project, voucher["id"], rules, error="Once per customer")
    return str(voucher["code"])


async def _once_per_customer_code(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> str:
    code = await _unlimited_code(client, db, project, "redemption.count.per_customer", 1)
    for name in ("ann", "bob"):
        assert (await client.post("/v1/customers", json={"source_id": name})).status_code == 200
    return code


async def test_once_per_customer_holds_under_20_concurrent_redemptions(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    code = await _once_per_customer_code(client, db, project)
    responses = await asyncio.gather(
        *(client.post("/v1/redemptions", json=_redeem(code, "ann")) for _ in range(20))
    )
    outcomes = Counter("ok" if r.status_code == 200 else r.json()["key"] for r in responses)
    assert outcomes == {"ok": 1, "redemption_rules_violated": 19}
    refused = next(r.json() for r in responses if r.status_code != 200)
    assert refused["error"] == {"message": "Once per customer"}
    assert (
        "customer's redemptions of this code (with this one) 2 is more than 1"
        in (refused["details"])
    )
    # Another customer still may.
    other = await client.post("/v1/redemptions", json=_redeem(code, "bob"))
    assert other.status_code == 200, other.text
    voucher = (await client.get(f"/v1/vouchers/{code}")).json()
    assert voucher["redemption"]["redeemed_quantity"] == 2


async def test_a_rollback_gives_the_customer_their_use_back(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    code = await _once_per_customer_code(client, db, project)
    first = await client.post("/v1/redemptions", json=_redeem(code, "ann"))
    assert first.status_code == 200, first.text
    again = await client.post("/v1/redemptions", json=_redeem(code, "ann"))
    assert again.json()["key"] == "redemption_rules_violated"
    # Validation reads the same counter without moving it.
    check = (await client.post("/v1/validations", json=_redeem(code, "ann"))).json()
    assert check["valid"] is False

    redemption_id = first.json()["redemptions"][0]["id"]
    rolled = await client.post(f"/v1/redemptions/{redemption_id}/rollback")
    assert rolled.status_code == 200, rolled.text

    assert (await client.post("/v1/validations", json=_redeem(code, "ann"))).json()["valid"]
    after = await client.post("/v1/redemptions", json=_redeem(code, "ann"))
    assert after.status_code == 200, after.text


async def test_daily_window_resets_at_midnight_of_the_project_zone(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    clock.freeze(datetime(2026, 12, 7, 23, 30, tzinfo=UTC))
    code = await _unlimited_code(client, db, project, "redemption.count.daily", 1)
    body = {"redeemables": [{"object": "voucher", "id": code}], "order": {"amount": 900}}
    assert (await client.post("/v1/redemptions", json=body)).status_code == 200
    assert (await client.post("/v1/redemptions", json=body)).status_code == 400
    clock.advance(timedelta(hours=1))  # 00:30 the next day (UTC, the default zone)
    assert (await client.post("/v1/redemptions", json=body)).status_code == 200


async def test_a_shared_counter_admits_exactly_its_limit_under_concurrency(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    # No customer: no customer row lock serialises these, only the counter's row lock does.
    code = await _unlimited_code(client, db, project, "redemption.count.daily", 3)
    body = {"redeemables": [{"object": "voucher", "id": code}], "order": {"amount": 900}}
    responses = await asyncio.gather(
        *(client.post("/v1/redemptions", json=body) for _ in range(20))
    )
    outcomes = Counter("ok" if r.status_code == 200 else r.json()["key"] for r in responses)
    assert outcomes == {"ok": 3, "redemption_rules_violated": 17}
