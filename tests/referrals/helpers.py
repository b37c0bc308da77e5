"""Builders for referral tests: a loyalty program and gift campaign for rewards, a referral
program, and a referral code published to a referrer."""

from __future__ import annotations

from typing import Any

import httpx


def ok(resp: httpx.Response) -> dict[str, Any]:
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def loyalty_program(client: httpx.AsyncClient, name: str = "Points") -> dict[str, Any]:
    return ok(
        await client.post(
            "/v1/campaigns",
            json={
                "name": name,
                "campaign_type": "LOYALTY_PROGRAM",
                "type": "AUTO_UPDATE",
                "join_once": True,
                "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}},
            },
        )
    )


async def gift_campaign(client: httpx.AsyncClient, name: str = "Gift cards") -> dict[str, Any]:
    return ok(
        await client.post(
            "/v1/campaigns",
            json={
                "name": name,
                "campaign_type": "GIFT_VOUCHERS",
                "type": "AUTO_UPDATE",
                "voucher": {"type": "GIFT_VOUCHER", "gift": {"amount": 0}},
            },
        )
    )


async def coupon_campaign(client: httpx.AsyncClient, name: str = "Thanks") -> dict[str, Any]:
    return ok(
        await client.post(
            "/v1/campaigns",
            json={
                "name": name,
                "campaign_type": "DISCOUNT_COUPONS",
                "type": "AUTO_UPDATE",
                "voucher": {
                    "type": "DISCOUNT_VOUCHER",
                    "discount": {"type": "AMOUNT", "amount_off": 500},
                },
            },
        )
    )


def referral_body(
    name: str = "Refer a friend", *, reward: dict[str, Any] | None = None, **program: Any
) -> dict[str, Any]:
    referral_program: dict[str, Any] = {"conversion_event_type": "redemption", **program}
    if reward is not None:
        referral_program["referee_reward"] = reward
    return {
        "name": name,
        "campaign_type": "REFERRAL_PROGRAM",
        "type": "AUTO_UPDATE",
        "voucher": {
            "type": "DISCOUNT_VOUCHER",
            "discount": {"type": "AMOUNT", "amount_off": 1000},
            "code_config": {"prefix": "REF-", "pattern": "####"},
            "is_referral_code": True,
        },
        "referral_program": referral_program,
    }


async def referral_program(
    client: httpx.AsyncClient, loyalty_id: str | None = None, **kwargs: Any
) -> dict[str, Any]:
    reward = (
        {
            "related_object_parent": {"id": loyalty_id, "object": "CAMPAIGN"},
            "type": "LOYALTY_CARD",
            "amount": 100,
        }
        if loyalty_id
        else None
    )
    return ok(await client.post("/v1/campaigns", json=referral_body(reward=reward, **kwargs)))


async def publish(client: httpx.AsyncClient, campaign_id: str, source_id: str) -> str:
    body = ok(
        await client.post(
            "/v1/publications",
            json={"campaign": {"id": campaign_id}, "customer": {"source_id": source_id}},
        )
    )
    return str(body["voucher"]["code"])


def redemption(code: str, customer: str, amount: int = 5000) -> dict[str, Any]:
    return {
        "redeemables": [{"object": "voucher", "id": code}],
        "customer": {"source_id": customer},
        "order": {"amount": amount},
    }


async def customer(client: httpx.AsyncClient, source_id: str) -> dict[str, Any]:
    return ok(await client.get(f"/v1/customers/{source_id}"))


async def points_of(client: httpx.AsyncClient, program_id: str, source_id: str) -> int:
    """The customer's card balance in the program (0 without a card)."""
    who = await customer(client, source_id)
    listing = ok(
        await client.get("/v1/vouchers", params={"campaign_id": program_id, "customer": who["id"]})
    )
    cards = listing["vouchers"]
    return sum(int(c["loyalty_card"]["balance"]) for c in cards)
