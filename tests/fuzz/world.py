"""A small project with one of everything (built through the API), and a valid request body for
each write endpoint that uses it: what the fuzz tests mutate and aim at."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

# A public address literal: webhooks are saved without a DNS lookup and never delivered here.
PUBLIC_TARGET = "http://93.184.216.34/hook"

_serial = itertools.count()


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_serial)}"


def _ok(resp: httpx.Response) -> dict[str, Any]:
    assert resp.status_code == 200, resp.text
    body: Any = resp.json()
    return body[0] if isinstance(body, list) else body


@dataclass
class World:
    customer: dict[str, Any]
    product: dict[str, Any]
    sku: dict[str, Any]
    campaign: dict[str, Any]
    coupon: str
    gift: str
    program: dict[str, Any]
    card: str
    other_card: str
    rule: dict[str, Any]
    reward: dict[str, Any]
    assignment: dict[str, Any]
    order: dict[str, Any]
    redemption: dict[str, Any]

    def path_values(self) -> dict[str, str]:
        """Real values for every path parameter of the API, so fuzzed bodies reach the code
        behind the lookups."""
        return {
            "customer_id": self.customer["id"],
            "product_id": self.product["id"],
            "sku_id": self.sku["id"],
            "campaign_id": self.program["id"],
            "code": self.gift,
            "member_id": self.card,
            "rule_id": self.rule["id"],
            "reward_id": self.reward["id"],
            "assignment_id": self.assignment["id"],
            "order_id": self.order["id"],
            "redemption_id": self.redemption["id"],
            "parent_redemption_id": self.redemption["id"],
        }


async def build_world(client: httpx.AsyncClient) -> World:
    customer = _ok(await client.post("/v1/customers", json={"source_id": unique("ann")}))
    product = _ok(await client.post("/v1/products", json={"source_id": unique("p"), "price": 1000}))
    sku = _ok(
        await client.post(
            f"/v1/products/{product['id']}/skus", json={"source_id": unique("s"), "price": 900}
        )
    )
    campaign = _ok(await client.post("/v1/campaigns", json=campaign_body()))
    coupon = _ok(await client.post("/v1/vouchers", json=voucher_body()))["code"]
    gift = _ok(
        await client.post("/v1/vouchers", json={"type": "GIFT_VOUCHER", "gift": {"amount": 5000}})
    )["code"]
    program = _ok(await client.post("/v1/loyalties", json=program_body()))
    card = _ok(
        await client.post(f"/v1/loyalties/{program['id']}/members", json=member_body(customer))
    )["code"]
    other_card = _ok(
        await client.post(
            f"/v1/loyalties/{program['id']}/members",
            json={"customer": {"source_id": unique("bob")}},
        )
    )["code"]
    _ok(await client.post(f"/v1/loyalties/members/{card}/balance", json={"points": 10_000}))
    rule = _ok(
        await client.post(f"/v1/loyalties/{program['id']}/earning-rules", json=[rule_body()])
    )
    reward = _ok(await client.post("/v1/rewards", json=reward_body(campaign)))
    assignment = _ok(
        await client.post(
            f"/v1/rewards/{reward['id']}/assignments",
            json={"campaign": program["id"], "parameters": {"loyalty": {"points": 100}}},
        )
    )
    order = _ok(await client.post("/v1/orders", json=order_body(customer, product)))
    redemption = _ok(
        await client.post(
            "/v1/redemptions",
            json={
                "redeemables": [{"object": "voucher", "id": gift, "gift": {"credits": 100}}],
                "order": {"amount": 2000},
            },
        )
    )["redemptions"][0]
    return World(
        customer=customer,
        product=product,
        sku=sku,
        campaign=campaign,
        coupon=coupon,
        gift=gift,
        program=program,
        card=card,
        other_card=other_card,
        rule=rule,
        reward=reward,
        assignment=assignment,
        order=order,
        redemption=redemption,
    )


def campaign_body() -> dict[str, Any]:
    return {
        "name": unique("camp"),
        "campaign_type": "DISCOUNT_COUPONS",
        "type": "AUTO_UPDATE",
        "voucher": {
            "type": "DISCOUNT_VOUCHER",
            "discount": {"type": "AMOUNT", "amount_off": 500, "effect": "APPLY_TO_ORDER"},
            "redemption": {"quantity": 5},
            "code_config": {"length": 8, "prefix": "FZ-"},
        },
        "vouchers_count": 2,
        "metadata": {"region": "eu"},
    }


def voucher_body() -> dict[str, Any]:
    return {
        "type": "DISCOUNT_VOUCHER",
        "discount": {"type": "PERCENT", "percent_off": 10, "amount_limit": 1000},
        "redemption": {"quantity": 3},
        "metadata": {"batch": 1},
    }


def program_body() -> dict[str, Any]:
    return {
        "name": unique("program"),
        "type": "AUTO_UPDATE",
        "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}},
    }


def member_body(customer: dict[str, Any]) -> dict[str, Any]:
    return {"customer": {"id": customer["id"]}, "metadata": {"joined": "web"}}


def rule_body() -> dict[str, Any]:
    return {
        "event": "order.paid",
        "loyalty": {"type": "FIXED", "points": 10},
        "source": {"banner": "10 points"},
        "metadata": {"k": "v"},
    }


def reward_body(campaign: dict[str, Any]) -> dict[str, Any]:
    return {"name": unique("reward"), "parameters": {"campaign": {"id": campaign["id"]}}}


def order_body(customer: dict[str, Any], product: dict[str, Any]) -> dict[str, Any]:
    return {
        "source_id": unique("ord"),
        "status": "CREATED",
        "customer": {"id": customer["id"]},
        "items": [{"product_id": product["id"], "quantity": 2, "price": 1000}],
        "metadata": {"channel": "web"},
    }


@dataclass(frozen=True)
class WriteEndpoint:
    name: str
    method: str
    path: Callable[[World], str]
    body: Callable[[World], Any]


# One valid body per main write endpoint; the targeted fuzz mutates one field at a time.
WRITE_ENDPOINTS = [
    WriteEndpoint(
        "customers.create",
        "POST",
        lambda w: "/v1/customers",
        lambda w: {
            "source_id": unique("c"),
            "name": "Ann",
            "email": "ann@example.com",
            "birthdate": "1990-01-02",
            "address": {"city": "Paris", "country": "FR"},
            "metadata": {"vip": True},
        },
    ),
    WriteEndpoint(
        "customers.update",
        "PUT",
        lambda w: f"/v1/customers/{w.customer['id']}",
        lambda w: {"name": "Ann B", "phone": "+33 1", "metadata": {"vip": False}},
    ),
    WriteEndpoint(
        "products.create",
        "POST",
        lambda w: "/v1/products",
        lambda w: {
            "source_id": unique("prod"),
            "name": "Mug",
            "price": 1500,
            "attributes": ["color"],
            "metadata": {"steel": True},
        },
    ),
    WriteEndpoint(
        "skus.create",
        "POST",
        lambda w: f"/v1/products/{w.product['id']}/skus",
        lambda w: {"source_id": unique("sku"), "sku": "Large", "price": 1700, "currency": "EUR"},
    ),
    WriteEndpoint(
        "orders.create",
        "POST",
        lambda w: "/v1/orders",
        lambda w: order_body(w.customer, w.product),
    ),
    WriteEndpoint(
        "orders.update",
        "PUT",
        lambda w: f"/v1/orders/{w.order['id']}",
        lambda w: {"status": "PAID", "metadata": {"paid_by": "card"}},
    ),
    WriteEndpoint("campaigns.create", "POST", lambda w: "/v1/campaigns", lambda w: campaign_body()),
    WriteEndpoint("vouchers.create", "POST", lambda w: "/v1/vouchers", lambda w: voucher_body()),
    WriteEndpoint(
        "vouchers.update",
        "PUT",
        lambda w: f"/v1/vouchers/{w.coupon}",
        lambda w: {"metadata": {"batch": 2}, "redemption": {"quantity": 4}},
    ),
    WriteEndpoint(
        "publications.create",
        "POST",
        lambda w: "/v1/publications",
        lambda w: {
            "campaign": {"name": w.campaign["name"]},
            "customer": {"source_id": unique("pub")},
            "metadata": {"via": "email"},
        },
    ),
    WriteEndpoint(
        "validations",
        "POST",
        lambda w: "/v1/validations",
        lambda w: {
            "redeemables": [{"object": "voucher", "id": w.coupon}],
            "order": {"amount": 3000, "items": [{"product_id": w.product["id"], "quantity": 1}]},
            "customer": {"source_id": unique("v")},
            "metadata": {"m": 1},
        },
    ),
    WriteEndpoint(
        "redemptions",
        "POST",
        lambda w: "/v1/redemptions",
        lambda w: {
            "redeemables": [{"object": "voucher", "id": w.gift, "gift": {"credits": 1}}],
            "order": {"amount": 3000, "metadata": {"o": 1}},
            "customer": {"source_id": unique("r")},
            "metadata": {"m": 1},
        },
    ),
    WriteEndpoint(
        "rollbacks",
        "POST",
        lambda w: f"/v1/redemptions/{w.redemption['id']}/rollback",
        lambda w: {"reason": "fuzz", "metadata": {"why": "test"}},
    ),
    WriteEndpoint("loyalties.create", "POST", lambda w: "/v1/loyalties", lambda w: program_body()),
    WriteEndpoint(
        "members.create",
        "POST",
        lambda w: f"/v1/loyalties/{w.program['id']}/members",
        lambda w: {"customer": {"source_id": unique("m")}, "metadata": {"joined": "shop"}},
    ),
    WriteEndpoint(
        "members.balance",
        "POST",
        lambda w: f"/v1/loyalties/members/{w.card}/balance",
        lambda w: {"points": 5, "reason": "fuzz", "source_id": unique("bal")},
    ),
    WriteEndpoint(
        "members.transfers",
        "POST",
        lambda w: f"/v1/loyalties/{w.program['id']}/members/{w.other_card}/transfers",
        lambda w: [{"code": w.card, "points": 1, "reason": "fuzz"}],
    ),
    WriteEndpoint(
        "vouchers.balance",
        "POST",
        lambda w: f"/v1/vouchers/{w.gift}/balance",
        lambda w: {"amount": 10, "reason": "fuzz", "source_id": unique("gb")},
    ),
    WriteEndpoint(
        "earning_rules.create",
        "POST",
        lambda w: f"/v1/loyalties/{w.program['id']}/earning-rules",
        lambda w: [rule_body()],
    ),
    WriteEndpoint(
        "rewards.create",
        "POST",
        lambda w: "/v1/rewards",
        lambda w: reward_body(w.campaign),
    ),
    WriteEndpoint(
        "assignments.update",
        "PUT",
        lambda w: f"/v1/rewards/{w.reward['id']}/assignments/{w.assignment['id']}",
        lambda w: {"parameters": {"loyalty": {"points": 120}}},
    ),
    WriteEndpoint(
        "rewards.redeem",
        "POST",
        lambda w: f"/v1/loyalties/members/{w.card}/redemption",
        lambda w: {"reward": {"id": w.reward["id"]}, "metadata": {"m": 1}},
    ),
    WriteEndpoint(
        "events",
        "POST",
        lambda w: "/v1/events",
        lambda w: {
            "event": "signed_up",
            "customer": {"source_id": unique("e")},
            "metadata": {"plan": "pro"},
        },
    ),
    WriteEndpoint(
        "webhooks.create",
        "POST",
        lambda w: "/management/v1/projects/{project_id}/webhooks",
        lambda w: {"target_url": PUBLIC_TARGET, "events": ["customer.created"]},
    ),
    WriteEndpoint(
        "product_collections.create",
        "POST",
        lambda w: "/v1/product-collections",
        lambda w: {
            "name": unique("pc"),
            "type": "AUTO_UPDATE",
            "filter": {
                "junction": "or",
                "metadata.brand": {"conditions": {"$is": ["V"]}},
                "name": {"conditions": {"$starts_with": "Mu"}},
            },
        },
    ),
]
