"""Builders shared by the earning tests: a program, its rules, members and paid orders."""

from __future__ import annotations

from typing import Any

import httpx

from voucherd.kit.db import Database
from voucherd.loyalty import repository
from voucherd.vouchers.models import Voucher

SEED_EXPIRATION_RULES: dict[str, Any] = {
    "period_type": "MONTH",
    "period_value": 2,
    "rounding_type": "PARTICULAR_MONTH",
    "rounding_value": 1,
}


async def create_program(
    client: httpx.AsyncClient,
    *,
    name: str = "Loyalty programme",
    expiration_rules: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    card: dict[str, Any] = {"points": 0}
    if expiration_rules is not None:
        card["expiration_rules"] = expiration_rules
    body = {
        "name": name,
        "campaign_type": "LOYALTY_PROGRAM",
        "type": "AUTO_UPDATE",
        "voucher": {"type": "LOYALTY_CARD", "loyalty_card": card},
        **extra,
    }
    resp = await client.post("/v1/loyalties", json=body)
    assert resp.status_code == 200, resp.text
    program: dict[str, Any] = resp.json()
    return program


async def create_rules(
    client: httpx.AsyncClient, program_id: str, *rules: dict[str, Any]
) -> list[dict[str, Any]]:
    resp = await client.post(f"/v1/loyalties/{program_id}/earning-rules", json=list(rules))
    assert resp.status_code == 200, resp.text
    created: list[dict[str, Any]] = resp.json()
    return created


def fixed_rule(points: int, **extra: Any) -> dict[str, Any]:
    return {
        "event": "order.paid",
        "loyalty": {"type": "FIXED", "points": points},
        "source": {"banner": f"{points} points per order"},
        **extra,
    }


def proportional_rule(calculation_type: str, group: str, key: str, **step: Any) -> dict[str, Any]:
    return {
        "event": "order.paid",
        "loyalty": {
            "type": "PROPORTIONAL",
            "calculation_type": calculation_type,
            group: {key: step},
        },
        "source": {"banner": calculation_type},
    }


async def add_member(
    client: httpx.AsyncClient, program_id: str, source_id: str, **customer: Any
) -> dict[str, Any]:
    resp = await client.post(
        f"/v1/loyalties/{program_id}/members",
        json={"customer": {"source_id": source_id, **customer}},
    )
    assert resp.status_code == 200, resp.text
    card: dict[str, Any] = resp.json()
    return card


async def get_card(client: httpx.AsyncClient, code: str) -> dict[str, Any]:
    resp = await client.get(f"/v1/loyalties/members/{code}")
    assert resp.status_code == 200, resp.text
    card: dict[str, Any] = resp.json()
    return card


async def pay_order(
    client: httpx.AsyncClient,
    customer_source_id: str,
    items: list[dict[str, Any]],
    **extra: Any,
) -> dict[str, Any]:
    resp = await client.post(
        "/v1/orders",
        json={
            "status": "PAID",
            "customer": {"source_id": customer_source_id},
            "items": items,
            **extra,
        },
    )
    assert resp.status_code == 200, resp.text
    order: dict[str, Any] = resp.json()
    return order


def item(source_id: str, price: int, quantity: int = 1) -> dict[str, Any]:
    return {
        "source_id": source_id,
        "related_object": "product",
        "quantity": quantity,
        "price": price,
    }


async def balances_agree(db: Database, card_id: str) -> int:
    """The ledger invariant: ledger sum == bucket sum == cached balance; returns the balance."""
    async with db.transaction(write=False) as session:
        card = await session.get(Voucher, card_id)
        assert card is not None
        ledger = await repository.ledger_sum(session, card_id)
        buckets = await repository.buckets_sum(session, card_id)
        assert ledger == buckets == (card.loyalty_balance or 0), (ledger, buckets, card)
        return ledger
