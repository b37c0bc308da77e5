"""Builders for reward tests: a loyalty program, members with points, rewards and assignments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

FIXTURES = Path(__file__).parent / "fixtures"


def load_reward_seed(name: str) -> dict[str, Any]:
    """A seed payload (copied from ../shared/seeds; the JSON at the top of each page)."""
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


def ok(resp: httpx.Response) -> dict[str, Any]:
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def program(client: httpx.AsyncClient, *, name: str = "loyalty_1305") -> dict[str, Any]:
    return ok(
        await client.post(
            "/v1/loyalties",
            json={
                "name": name,
                "type": "AUTO_UPDATE",
                "join_once": True,
                "voucher": {
                    "type": "LOYALTY_CARD",
                    "loyalty_card": {"points": 0},
                    "code_config": {"length": 8},
                },
            },
        )
    )


async def member(
    client: httpx.AsyncClient,
    program_id: str,
    *,
    source_id: str = "130524-01",
    name: str = "John Demo",
    metadata: dict[str, Any] | None = None,
    points: int = 0,
) -> dict[str, Any]:
    """A customer with a card of the program and `points` on it (added via the balance API)."""
    customer = {"source_id": source_id, "name": name, "metadata": metadata or {}}
    ok(await client.post("/v1/customers", json=customer))
    card = ok(
        await client.post(
            f"/v1/loyalties/{program_id}/members", json={"customer": {"source_id": source_id}}
        )
    )
    if points:
        await add_points(client, card["code"], points)
    return card


async def add_points(client: httpx.AsyncClient, code: str, points: int) -> None:
    ok(await client.post(f"/v1/loyalties/members/{code}/balance", json={"points": points}))


async def card(client: httpx.AsyncClient, code: str) -> dict[str, Any]:
    return ok(await client.get(f"/v1/loyalties/members/{code}"))


async def discount_campaign(
    client: httpx.AsyncClient, *, name: str = "Discount coupon for loyalty"
) -> dict[str, Any]:
    return ok(
        await client.post(
            "/v1/campaigns",
            json={
                "name": name,
                "campaign_type": "DISCOUNT_COUPONS",
                "type": "AUTO_UPDATE",
                "voucher": {
                    "type": "DISCOUNT_VOUCHER",
                    "discount": {
                        "type": "PERCENT",
                        "percent_off": 10,
                        "amount_limit": 10000,
                        "effect": "APPLY_TO_ORDER",
                    },
                    "redemption": {"quantity": 1},
                    "code_config": {"length": 8},
                },
            },
        )
    )


async def gift_campaign(client: httpx.AsyncClient, *, name: str = "Gift cards") -> dict[str, Any]:
    return ok(
        await client.post(
            "/v1/campaigns",
            json={
                "name": name,
                "campaign_type": "GIFT_VOUCHERS",
                "type": "AUTO_UPDATE",
                "voucher": {
                    "type": "GIFT_VOUCHER",
                    "gift": {"amount": 0},
                    "code_config": {"prefix": "GIFT-", "length": 6},
                },
            },
        )
    )


async def product(
    client: httpx.AsyncClient,
    *,
    source_id: str = "star-th-bottle",
    name: str = "Star Thermal Bottle",
    price: int = 2900,
) -> dict[str, Any]:
    return ok(
        await client.post(
            "/v1/products", json={"source_id": source_id, "name": name, "price": price}
        )
    )


async def reward(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    return ok(await client.post("/v1/rewards", json=body))


async def campaign_reward(
    client: httpx.AsyncClient, campaign_id: str, *, name: str = "10% discount coupon"
) -> dict[str, Any]:
    return await reward(client, {"name": name, "parameters": {"campaign": {"id": campaign_id}}})


async def material_reward(
    client: httpx.AsyncClient, product_id: str, *, stock: int | None = None, name: str = "Material"
) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "parameters": {"product": {"id": product_id}}}
    if stock is not None:
        body["stock"] = stock
    return await reward(client, body)


async def assign(
    client: httpx.AsyncClient, reward_id: str, program_id: str, points: int
) -> dict[str, Any]:
    return ok(
        await client.post(
            f"/v1/rewards/{reward_id}/assignments",
            json={"campaign": program_id, "parameters": {"loyalty": {"points": points}}},
        )
    )


async def redeem(
    client: httpx.AsyncClient, code: str, reward_id: str, **extra: Any
) -> httpx.Response:
    return await client.post(
        f"/v1/loyalties/members/{code}/redemption", json={"reward": {"id": reward_id}, **extra}
    )
