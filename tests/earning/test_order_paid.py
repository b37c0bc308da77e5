"""Earning on `customer.order.paid`: every live rule of every program, exactly once per order."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.earning.helpers import (
    SEED_EXPIRATION_RULES,
    add_member,
    balances_agree,
    create_program,
    create_rules,
    fixed_rule,
    get_card,
    item,
    pay_order,
    proportional_rule,
)
from tests.support import ProjectKeys, recorded_events
from voucherd.kit.clock import clock
from voucherd.kit.db import Database


async def _transactions(client: httpx.AsyncClient, code: str) -> list[dict[str, Any]]:
    resp = await client.get(f"/v1/loyalties/members/{code}/transactions")
    assert resp.status_code == 200, resp.text
    rows: list[dict[str, Any]] = resp.json()["data"]
    return rows


async def test_fixed_rule_credits_points_with_program_expiry(
    client: httpx.AsyncClient, db: Database
) -> None:
    clock.freeze(datetime(2025, 1, 27, 9, 0, tzinfo=UTC))
    program = await create_program(client, expiration_rules=SEED_EXPIRATION_RULES)
    [rule] = await create_rules(client, program["id"], fixed_rule(10))
    card = await add_member(client, program["id"], "jack")

    order = await pay_order(client, "jack", [item("shoe", 2500)], source_id="ord-1")

    after = await get_card(client, card["code"])
    assert after["loyalty_card"]["balance"] == 10
    assert after["loyalty_card"]["points"] == 10
    # Earned 2025-01-27: + 2 months = 2025-03-27, rounded to the end of January -> 2026-01-31.
    assert after["loyalty_card"]["next_expiration_date"] == "2026-01-31"
    [tx] = await _transactions(client, card["code"])
    assert tx["type"] == "POINTS_ACCRUAL"
    assert tx["source_id"] == "ord-1"
    assert tx["details"]["order"] == {"id": order["id"], "source_id": "ord-1"}
    assert tx["details"]["earning_rule"] == {
        "id": rule["id"],
        "source": {"banner": "10 points per order"},
    }
    assert tx["details"]["event"]["type"] == "customer.order.paid"
    assert await balances_agree(db, card["id"]) == 10


async def test_rule_expiration_rules_override_the_programs(client: httpx.AsyncClient) -> None:
    clock.freeze(datetime(2025, 1, 27, 9, 0, tzinfo=UTC))
    program = await create_program(client, expiration_rules=SEED_EXPIRATION_RULES)
    rule = fixed_rule(5, expiration_rules={"period_type": "MONTH", "period_value": 1})
    await create_rules(client, program["id"], rule)
    card = await add_member(client, program["id"], "jack")
    await pay_order(client, "jack", [item("shoe", 2500)])
    after = await get_card(client, card["code"])
    assert after["loyalty_card"]["next_expiration_date"] == "2025-02-27"


async def test_paying_an_order_again_earns_nothing_more(client: httpx.AsyncClient) -> None:
    program = await create_program(client)
    await create_rules(client, program["id"], fixed_rule(10))
    card = await add_member(client, program["id"], "jack")
    order = await pay_order(client, "jack", [item("shoe", 2500)], source_id="o-1")
    for _ in range(3):
        resp = await client.put(f"/v1/orders/{order['id']}", json={"status": "PAID"})
        assert resp.status_code == 200, resp.text
        await pay_order(client, "jack", [item("shoe", 2500)], source_id="o-1")
    assert (await get_card(client, card["code"]))["loyalty_card"]["balance"] == 10


async def test_order_marked_paid_by_20_concurrent_requests_earns_once(
    client: httpx.AsyncClient, db: Database
) -> None:
    program = await create_program(client)
    await create_rules(client, program["id"], fixed_rule(7), fixed_rule(3))
    card = await add_member(client, program["id"], "jack")
    resp = await client.post(
        "/v1/orders",
        json={"source_id": "race", "customer": {"source_id": "jack"}, "items": [item("a", 900)]},
    )
    order_id = resp.json()["id"]

    results = await asyncio.gather(
        *(client.put(f"/v1/orders/{order_id}", json={"status": "PAID"}) for _ in range(20))
    )
    assert all(r.status_code == 200 for r in results), [r.text for r in results]
    assert await balances_agree(db, card["id"]) == 10
    assert len(await _transactions(client, card["code"])) == 2


async def test_inactive_rule_does_not_earn(client: httpx.AsyncClient) -> None:
    program = await create_program(client)
    [rule] = await create_rules(client, program["id"], fixed_rule(10, active=False))
    card = await add_member(client, program["id"], "jack")
    await pay_order(client, "jack", [item("shoe", 2500)])
    assert (await get_card(client, card["code"]))["loyalty_card"]["balance"] == 0

    resp = await client.post(f"/v1/loyalties/{program['id']}/earning-rules/{rule['id']}/enable")
    assert resp.json()["active"] is True
    await pay_order(client, "jack", [item("shoe", 2500)])
    assert (await get_card(client, card["code"]))["loyalty_card"]["balance"] == 10


async def test_rule_outside_its_dates_does_not_earn(client: httpx.AsyncClient) -> None:
    clock.freeze(datetime(2025, 1, 27, 9, 0, tzinfo=UTC))
    program = await create_program(client)
    await create_rules(
        client,
        program["id"],
        fixed_rule(1, start_date="2025-02-01T00:00:00Z"),
        fixed_rule(2, expiration_date="2025-01-20T00:00:00Z"),
        fixed_rule(4, validity_day_of_week=[1]),  # Monday; 2025-01-27 is a Monday
        fixed_rule(8, validity_day_of_week=[2]),
    )
    card = await add_member(client, program["id"], "jack")
    await pay_order(client, "jack", [item("shoe", 2500)])
    assert (await get_card(client, card["code"]))["loyalty_card"]["balance"] == 4


async def test_customer_without_a_card_earns_nothing_unless_auto_join(
    client: httpx.AsyncClient,
) -> None:
    closed = await create_program(client, name="Closed")
    opened = await create_program(client, name="Open", auto_join=True)
    await create_rules(client, closed["id"], fixed_rule(10))
    await create_rules(client, opened["id"], fixed_rule(20))

    await pay_order(client, "newcomer", [item("shoe", 2500)])

    closed_members = (await client.get(f"/v1/loyalties/{closed['id']}/members")).json()
    assert closed_members["vouchers"] == []
    [card] = (await client.get(f"/v1/loyalties/{opened['id']}/members")).json()["vouchers"]
    assert card["loyalty_card"]["balance"] == 20


async def test_order_without_customer_earns_nothing(client: httpx.AsyncClient) -> None:
    program = await create_program(client, auto_join=True)
    await create_rules(client, program["id"], fixed_rule(10))
    resp = await client.post("/v1/orders", json={"status": "PAID", "items": [item("a", 100)]})
    assert resp.status_code == 200
    assert (await client.get(f"/v1/loyalties/{program['id']}/members")).json()["vouchers"] == []


async def test_proportional_order_amounts(client: httpx.AsyncClient) -> None:
    program = await create_program(client)
    await create_rules(
        client,
        program["id"],
        # 1 point per full $10 before discounts: 2499 -> 2.
        proportional_rule("ORDER_AMOUNT", "order", "amount", every=1000, points=1),
        # 3 points per full $5 after discounts: 2499 - 500 = 1999 -> 3 steps -> 9.
        proportional_rule("ORDER_TOTAL_AMOUNT", "order", "total_amount", every=500, points=3),
        # 2 points per 2 store visits in the order's metadata: 5 -> 2 steps -> 4.
        proportional_rule(
            "ORDER_METADATA", "order", "metadata", every=2, points=2, property="visits"
        ),
        # 1 point per year of loyalty in customer metadata ("3.5" -> 3).
        proportional_rule(
            "CUSTOMER_METADATA", "customer", "metadata", every=1, points=1, property="years"
        ),
    )
    card = await add_member(client, program["id"], "jack", metadata={"years": "3.5"})
    await pay_order(
        client,
        "jack",
        [item("a", 500), item("b", 900), item("c", 1099)],
        discount_amount=500,
        metadata={"visits": 5},
    )
    assert (await get_card(client, card["code"]))["loyalty_card"]["balance"] == 2 + 9 + 4 + 3


async def test_proportional_order_items_count_only_the_named_product(
    client: httpx.AsyncClient,
) -> None:
    program = await create_program(client)
    shoe = (await client.post("/v1/products", json={"source_id": "shoe", "price": 1500})).json()
    await create_rules(
        client,
        program["id"],
        proportional_rule(
            "ORDER_ITEMS_QUANTITY",
            "order_items",
            "quantity",
            every=1,
            points=5,
            object="product",
            id=shoe["id"],
        ),
        proportional_rule(
            "ORDER_ITEMS_AMOUNT",
            "order_items",
            "amount",
            every=1000,
            points=1,
            object="product",
            id=shoe["id"],
        ),
        proportional_rule(
            "ORDER_ITEMS_SUBTOTAL_AMOUNT",
            "order_items",
            "subtotal_amount",
            every=1000,
            points=10,
            applicable_to=[{"object": "product", "id": "nothing"}],
        ),
    )
    card = await add_member(client, program["id"], "jack")
    await pay_order(client, "jack", [item("shoe", 1500, quantity=3), item("bag", 9900)])
    # 3 shoes -> 15 points; 4500 of shoes -> 4 points; the third rule matches no item.
    assert (await get_card(client, card["code"]))["loyalty_card"]["balance"] == 19


async def test_points_formula_and_fallback(client: httpx.AsyncClient) -> None:
    program = await create_program(client)
    await create_rules(
        client,
        program["id"],
        {
            "event": "order.paid",
            "loyalty": {"type": "FIXED", "points": 1, "points_formula": "ORDER_AMOUNT * 2"},
        },
        {
            "event": "order.paid",
            # The metadata is absent: the formula fails and the static 3 points apply.
            "loyalty": {"type": "FIXED", "points": 3, "points_formula": 'ORDER_METADATA("x") + 1'},
        },
    )
    card = await add_member(client, program["id"], "jack")
    await pay_order(client, "jack", [item("a", 2550)])
    # 25.50 * 2 = 51 (floored), plus the 3-point fallback.
    assert (await get_card(client, card["code"]))["loyalty_card"]["balance"] == 54


async def test_tier_multiplier_applies_to_members_of_the_tier(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    program = await create_program(client)
    [rule, other] = await create_rules(client, program["id"], fixed_rule(10), fixed_rule(4))
    card = await add_member(client, program["id"], "jack")
    await _put_member_in_tier(
        db,
        program["id"],
        card["id"],
        {
            rule["id"]: {"type": "MULTIPLY", "multiplier": 2.5},
            other["id"]: {"type": "CUSTOM", "points": 1},
        },
    )
    await pay_order(client, "jack", [item("a", 100)])
    assert (await get_card(client, card["code"]))["loyalty_card"]["balance"] == 25 + 1
    [added, _] = [
        e.data for e in await recorded_events(db, project, "voucher.loyalty_card.points_added")
    ]
    assert added["transaction"]["details"]["loyalty_tier"]["name"] == "Gold"


async def _put_member_in_tier(
    db: Database, program_id: str, card_id: str, mapping: dict[str, Any]
) -> str:
    from voucherd.kit.ids import Prefix, new_id
    from voucherd.tiers.models import LoyaltyTier
    from voucherd.vouchers.models import Voucher

    async with db.transaction() as session:
        card = await session.get(Voucher, card_id)
        assert card is not None
        tier = LoyaltyTier(
            id=new_id(Prefix.LOYALTY_TIER),
            project_id=card.project_id,
            campaign_id=program_id,
            name="Gold",
            points_from=0,
            points_to=None,
            earning_rules=mapping,
            rewards={},
            metadata_={},
        )
        session.add(tier)
        card.loyalty_tier_id = tier.id
    return tier.id


async def test_program_outside_its_dates_does_not_earn(client: httpx.AsyncClient) -> None:
    clock.freeze(datetime(2025, 1, 27, 9, 0, tzinfo=UTC))
    program = await create_program(client, expiration_date="2025-01-26T00:00:00Z")
    await create_rules(client, program["id"], fixed_rule(10))
    card = await add_member(client, program["id"], "jack")
    await pay_order(client, "jack", [item("a", 100)])
    assert (await get_card(client, card["code"]))["loyalty_card"]["balance"] == 0
    clock.advance(timedelta(days=-2))
    await pay_order(client, "jack", [item("a", 100)])
    assert (await get_card(client, card["code"]))["loyalty_card"]["balance"] == 10


async def test_auto_join_without_a_free_card_does_not_fail_the_order(
    client: httpx.AsyncClient,
) -> None:
    program = await create_program(client, type="STATIC", auto_join=True)
    await create_rules(client, program["id"], fixed_rule(10))
    order = await pay_order(client, "jack", [item("a", 100)])
    assert order["status"] == "PAID"
    assert (await client.get(f"/v1/loyalties/{program['id']}/members")).json()["vouchers"] == []
