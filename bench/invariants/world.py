"""The objects a run plays with, created through the API before the clients start.

Deliberately few of each (a handful of gift cards, two limited loyalty cards, three
multi-use codes) so that concurrent operations meet on the same rows: hot spots find races.
Every setup request is logged too (step -1), so traces start at an object's creation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.invariants.client import Api

GIFT_AMOUNT = 20_000
CAMPAIGN_GIFT_AMOUNT = 5_000
MULTI_USE_QUANTITY = 5
LIMITED_CARD_QUANTITY = 3  # the limited program's `voucher.redemption.quantity`
OPENING_POINTS = 600
LIMITED_OPENING_POINTS = 3_000
PENDING_DAYS = 2
GIFT_REWARD = 700  # cents a gift reward adds to the holder's card of the gift campaign
POINTS_REWARD = 25  # points a points reward adds to the holder's card of the limited program


@dataclass
class Reward:
    id: str
    kind: str  # material | coupon | gift | points | coin
    costs: dict[str, int]  # program id -> points (coin: 0, priced by the order)
    gives: int = 0  # gift reward: cents added to the holder's gift card; points reward: points


@dataclass
class World:
    customers: list[str] = field(default_factory=list)  # source ids
    single_use: list[str] = field(default_factory=list)
    multi_use: list[str] = field(default_factory=list)
    gift_cards: list[str] = field(default_factory=list)
    coupon_campaign: str = ""
    gift_campaign: str = ""
    program: str = ""  # earning, pending points, expiry, transfers
    limited_program: str = ""  # cards with redemption.quantity (rewards per card)
    cards: dict[str, str] = field(default_factory=dict)  # customer -> card code (program)
    limited_cards: list[str] = field(default_factory=list)
    card_program: dict[str, str] = field(default_factory=dict)  # card code -> program id
    rewards: list[Reward] = field(default_factory=list)
    products: list[str] = field(default_factory=list)  # source ids

    @property
    def all_cards(self) -> list[str]:
        return [*self.cards.values(), *self.limited_cards]

    @property
    def publishable(self) -> list[str]:
        """Codes `POST /v1/publications` names directly (several at once: publish_count)."""
        return [*self.multi_use, *self.gift_cards[:2], *self.single_use[:2]]


def _discount_campaign(name: str, count: int, quantity: int | None) -> dict[str, Any]:
    voucher: dict[str, Any] = {
        "type": "DISCOUNT_VOUCHER",
        "discount": {"type": "AMOUNT", "amount_off": 500, "effect": "APPLY_TO_ORDER"},
    }
    if quantity is not None:
        voucher["redemption"] = {"quantity": quantity}
    return {
        "name": name,
        "campaign_type": "DISCOUNT_COUPONS",
        "type": "AUTO_UPDATE",
        "vouchers_count": count,
        "voucher": voucher,
    }


def _program(name: str, quantity: int | None) -> dict[str, Any]:
    voucher: dict[str, Any] = {
        "type": "LOYALTY_CARD",
        "loyalty_card": {
            "points": 0,
            "expiration_rules": {
                "period_type": "MONTH",
                "period_value": 1,
                "rounding_type": "END_OF_MONTH",
            },
        },
    }
    if quantity is not None:
        voucher["redemption"] = {"quantity": quantity}
    return {"name": name, "type": "AUTO_UPDATE", "join_once": True, "voucher": voucher}


async def _codes(api: Api, campaign_id: str) -> list[str]:
    listing = await api.setup("GET", f"/v1/vouchers?campaign_id={campaign_id}&limit=100")
    return sorted(v["code"] for v in listing["vouchers"])


async def build(api: Api, customers: int, single_use: int) -> World:
    w = World(customers=[f"inv-cust-{i}" for i in range(customers)])
    for source_id in w.customers:
        await api.setup("POST", "/v1/customers", {"source_id": source_id, "name": source_id})
    w.products = ["inv-shoe", "inv-bag", "inv-mug"]
    for source_id, price in zip(w.products, (3_500, 7_999, 1_200), strict=True):
        await api.setup("POST", "/v1/products", {"source_id": source_id, "price": price})

    coupons = await api.setup(
        "POST", "/v1/campaigns", _discount_campaign("inv-single", single_use, 1)
    )
    w.coupon_campaign = coupons["id"]
    w.single_use = await _codes(api, coupons["id"])
    for i in range(3):
        body = {
            "type": "DISCOUNT_VOUCHER",
            "discount": {"type": "AMOUNT", "amount_off": 300},
            "redemption": {"quantity": MULTI_USE_QUANTITY},
        }
        w.multi_use.append((await api.setup("POST", f"/v1/vouchers/INV-MULTI-{i}", body))["code"])
    for i in range(3):
        body = {"type": "GIFT_VOUCHER", "gift": {"amount": GIFT_AMOUNT}}
        w.gift_cards.append((await api.setup("POST", f"/v1/vouchers/INV-GIFT-{i}", body))["code"])
    gift_campaign = {
        "name": "inv-gift",
        "campaign_type": "GIFT_VOUCHERS",
        "type": "AUTO_UPDATE",
        "voucher": {"type": "GIFT_VOUCHER", "gift": {"amount": CAMPAIGN_GIFT_AMOUNT}},
    }
    w.gift_campaign = (await api.setup("POST", "/v1/campaigns", gift_campaign))["id"]
    for source_id in w.customers[:2]:  # the gift reward tops these up
        body = {"campaign": {"id": w.gift_campaign}, "customer": {"source_id": source_id}}
        published = await api.setup("POST", "/v1/publications", body)
        w.gift_cards.append(published["voucher"]["code"])

    await _loyalty(api, w)
    await _rewards(api, w)
    return w


async def _loyalty(api: Api, w: World) -> None:
    w.program = (await api.setup("POST", "/v1/loyalties", _program("inv-program", None)))["id"]
    rules = [
        {
            "event": "order.paid",
            "loyalty": {"type": "FIXED", "points": 10},
            "source": {"banner": "10 pending points per order"},
            "pending_points": {"period_type": "DAY", "period_value": PENDING_DAYS},
        },
        {
            "event": "order.paid",
            "loyalty": {
                "type": "PROPORTIONAL",
                "calculation_type": "ORDER_AMOUNT",
                "order": {"amount": {"every": 1000, "points": 1}},
            },
            "source": {"banner": "1 point per $10"},
        },
    ]
    await api.setup("POST", f"/v1/loyalties/{w.program}/earning-rules", rules)
    limited = _program("inv-limited", LIMITED_CARD_QUANTITY)
    w.limited_program = (await api.setup("POST", "/v1/loyalties", limited))["id"]
    for i, source_id in enumerate(w.customers):
        body = {"customer": {"source_id": source_id}}
        card = await api.setup("POST", f"/v1/loyalties/{w.program}/members", body)
        w.cards[source_id] = card["code"]
        w.card_program[card["code"]] = w.program
        points = {"points": OPENING_POINTS, "expiration_type": "NON_EXPIRING"}
        await api.setup("POST", f"/v1/loyalties/members/{card['code']}/balance", points)
        if i < 2:
            path = f"/v1/loyalties/{w.limited_program}/members"
            limited_card = await api.setup("POST", path, body)
            w.limited_cards.append(limited_card["code"])
            w.card_program[limited_card["code"]] = w.limited_program
            points = {"points": LIMITED_OPENING_POINTS}
            await api.setup("POST", f"/v1/loyalties/members/{limited_card['code']}/balance", points)


async def _reward(
    api: Api, w: World, kind: str, body: dict[str, Any], costs: dict[str, int], gives: int = 0
) -> None:
    reward = await api.setup("POST", "/v1/rewards", {"name": f"inv-{kind}", **body})
    for program_id, points in costs.items():
        assignment: dict[str, Any] = {"campaign": program_id}
        if points:
            assignment["parameters"] = {"loyalty": {"points": points}}
        await api.setup("POST", f"/v1/rewards/{reward['id']}/assignments", assignment)
    w.rewards.append(Reward(reward["id"], kind, costs, gives))


async def _rewards(api: Api, w: World) -> None:
    mug = await api.setup("GET", "/v1/products/inv-mug")
    material = {"type": "MATERIAL", "stock": 40, "parameters": {"product": {"id": mug["id"]}}}
    await _reward(api, w, "material", material, {w.program: 50, w.limited_program: 20})
    codes = await api.setup("POST", "/v1/campaigns", _discount_campaign("inv-reward-codes", 0, 1))
    coupon = {"parameters": {"campaign": {"id": codes["id"]}}}
    await _reward(api, w, "coupon", coupon, {w.program: 60, w.limited_program: 30})
    gift = {"parameters": {"campaign": {"id": w.gift_campaign, "balance": GIFT_REWARD}}}
    await _reward(api, w, "gift", gift, {w.program: 40}, GIFT_REWARD)
    points = {"parameters": {"campaign": {"id": w.limited_program, "balance": POINTS_REWARD}}}
    await _reward(api, w, "points", points, {w.program: 30}, POINTS_REWARD)
    coin = {"parameters": {"coin": {"exchange_ratio": 1, "points_ratio": 10}}}
    await _reward(api, w, "coin", coin, {w.program: 0})
