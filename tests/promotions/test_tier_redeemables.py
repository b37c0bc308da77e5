"""Promotion tiers and stacks as redeemables: validations, redemptions, rollbacks, stacking
rules and validation rules decide them as they decide codes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from tests.support import ProjectKeys, recorded_events
from voucherd.campaigns.models import Campaign
from voucherd.kit import clock
from voucherd.kit.db import Database
from voucherd.kit.ids import Prefix, new_id
from voucherd.promotions.models import PromotionStack, PromotionTier


def ok(resp: httpx.Response) -> Any:
    assert resp.status_code == 200, resp.text
    return resp.json()


def percent(off: int) -> dict[str, Any]:
    return {"discount": {"type": "PERCENT", "percent_off": off, "effect": "APPLY_TO_ORDER"}}


async def make_promotion(
    db: Database, project: ProjectKeys, tiers: list[dict[str, Any]], name: str = "Cart promo"
) -> tuple[str, list[str]]:
    """A PROMOTION campaign and its tiers (hierarchy in list order); returns their ids."""
    campaign_id = new_id(Prefix.CAMPAIGN)
    tier_ids: list[str] = []
    async with db.transaction() as session:
        session.add(
            Campaign(
                id=campaign_id,
                project_id=project.project_id,
                name=name,
                campaign_type="PROMOTION",
                type="STATIC",
                voucher={},
            )
        )
        await session.flush()
        for hierarchy, fields in enumerate(tiers, start=1):
            tier_id = new_id(Prefix.PROMOTION_TIER)
            tier_ids.append(tier_id)
            session.add(
                PromotionTier(
                    id=tier_id,
                    project_id=project.project_id,
                    campaign_id=campaign_id,
                    hierarchy=hierarchy,
                    **{"name": f"Tier {hierarchy}", "action": percent(5)} | fields,
                )
            )
    return campaign_id, tier_ids


async def make_stack(
    db: Database, project: ProjectKeys, campaign_id: str, tier_ids: list[str]
) -> str:
    stack_id = new_id(Prefix.PROMOTION_STACK)
    async with db.transaction() as session:
        session.add(
            PromotionStack(
                id=stack_id,
                project_id=project.project_id,
                campaign_id=campaign_id,
                name="Both",
                tiers={"ids": tier_ids, "hierarchy_mode": "MANUAL"},
            )
        )
    return stack_id


async def assign_rule(client: httpx.AsyncClient, tier_id: str, rules: dict[str, Any]) -> None:
    rule = ok(await client.post("/v1/validation-rules", json={"name": tier_id, "rules": rules}))
    ok(
        await client.post(
            f"/v1/validation-rules/{rule['id']}/assignments",
            json={"related_object_type": "promotion_tier", "related_object_id": tier_id},
        )
    )


def above(cents: int) -> dict[str, Any]:
    return {
        "1": {"name": "order.amount", "conditions": {"$more_than": [cents]}, "rules": {}},
        "logic": "1",
    }


def cart(amount: int) -> dict[str, Any]:
    return {"items": [{"source_id": "bag", "quantity": 1, "price": amount}]}


def tier(tier_id: str) -> dict[str, str]:
    return {"object": "promotion_tier", "id": tier_id}


async def two_tiers(client: httpx.AsyncClient, db: Database, project: ProjectKeys) -> list[str]:
    """5 % above 100.00, 10 % above 200.00."""
    _, ids = await make_promotion(
        db,
        project,
        [
            {"name": "5 % over 100", "action": percent(5)},
            {"name": "10 % over 200", "action": percent(10)},
        ],
    )
    await assign_rule(client, ids[0], above(10000))
    await assign_rule(client, ids[1], above(20000))
    return ids


async def test_a_two_tier_promotion_gives_the_right_tier_and_numbers(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    low, high = await two_tiers(client, db, project)
    at_150 = ok(
        await client.post(
            "/v1/validations", json={"redeemables": [tier(low)], "order": cart(15000)}
        )
    )
    assert at_150["valid"] is True
    entry = at_150["redeemables"][0]
    assert (entry["object"], entry["id"], entry["name"]) == ("promotion_tier", low, "5 % over 100")
    assert entry["result"]["discount"]["percent_off"] == 5
    assert at_150["order"]["total_discount_amount"] == 750
    assert at_150["order"]["total_amount"] == 14250

    refused = ok(
        await client.post(
            "/v1/validations", json={"redeemables": [tier(high)], "order": cart(15000)}
        )
    )
    assert refused["valid"] is False
    error = refused["inapplicable_redeemables"][0]["result"]["error"]
    assert error["key"] == "order_rules_violated"
    assert "150.00" in str(error["details"]) and "200.00" in str(error["details"])

    at_250 = ok(
        await client.post(
            "/v1/validations", json={"redeemables": [tier(high)], "order": cart(25000)}
        )
    )
    assert at_250["valid"] is True and at_250["order"]["total_discount_amount"] == 2500


async def test_a_disabled_tier_an_expired_tier_and_unknown_tiers_are_inapplicable(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys, app: Any
) -> None:
    now = clock.utcnow()
    _, (off, old, fine) = await make_promotion(
        db,
        project,
        [{"active": False}, {"expiration_date": now - timedelta(days=1)}, {}],
    )
    # A tier of another project is as unknown as one that never existed.
    other = await make_project_with_tier(db)
    body = ok(
        await client.post(
            "/v1/validations",
            json={
                "redeemables": [tier(off), tier(old), tier("promo_nope"), tier(other), tier(fine)],
                "order": cart(10000),
                "options": {},
            },
        )
    )
    errors = {e["id"]: e["result"]["error"] for e in body["inapplicable_redeemables"]}
    assert errors[off]["key"] == "promotion_inactive"
    assert errors[old]["key"] == "promotion_inactive"
    for unknown in ("promo_nope", other):
        assert (errors[unknown]["key"], errors[unknown]["resource_type"]) == (
            "not_found",
            "promotion_tier",
        )
    assert body["valid"] is False  # mode ALL: one inapplicable spoils the request


async def make_project_with_tier(db: Database) -> str:
    from tests.support import make_project

    other = await make_project(db, "Other")
    _, (tier_id,) = await make_promotion(db, other, [{}])
    return tier_id


async def test_a_tier_redemption_counts_in_its_summary_and_rolls_back(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    _, (tier_id,) = await make_promotion(db, project, [{"action": percent(10)}])
    redeemed = ok(
        await client.post(
            "/v1/redemptions",
            json={
                "redeemables": [tier(tier_id)],
                "order": cart(8000),
                "customer": {"source_id": "ann"},
            },
        )
    )
    (redemption,) = redeemed["redemptions"]
    assert (redemption["related_object_type"], redemption["related_object_id"]) == (
        "promotion_tier",
        tier_id,
    )
    assert redemption["amount"] == 800 and redemption.get("voucher") is None
    summary = redemption["promotion_tier"]["summary"]
    assert summary["redemptions"]["total_redeemed"] == 1
    assert summary["orders"] == {"total_amount": 8000, "total_discount_amount": 800}
    assert redeemed["order"]["total_amount"] == 7200
    (event,) = await recorded_events(db, project, "redemption.succeeded")
    assert event.data["promotion_tier"]["id"] == tier_id and event.data["voucher"] is None
    assert event.data["campaign"]["campaign_type"] == "PROMOTION"

    listed = ok(await client.get(f"/v1/redemptions/{redemption['id']}"))
    assert listed["promotion_tier"]["id"] == tier_id

    rolled = ok(await client.post(f"/v1/redemptions/{redemption['id']}/rollback"))
    assert rolled["promotion_tier"]["summary"]["redemptions"]["total_redeemed"] == 0
    assert rolled["promotion_tier"]["summary"]["orders"]["total_discount_amount"] == 0
    (back,) = await recorded_events(db, project, "redemption.rollback.succeeded")
    assert back.data["promotion_tier"]["id"] == tier_id


async def test_a_stack_applies_its_tiers_in_order_and_a_redemption_names_the_stack(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    amount_off = {"discount": {"type": "AMOUNT", "amount_off": 1000, "effect": "APPLY_TO_ORDER"}}
    campaign_id, ids = await make_promotion(
        db, project, [{"action": percent(10)}, {"action": amount_off}]
    )
    # The stack's order, not the hierarchy: 10.00 off first, then 10 % of 90.00.
    stack_id = await make_stack(db, project, campaign_id, [ids[1], ids[0]])
    redeemed = ok(
        await client.post(
            "/v1/redemptions",
            json={
                "redeemables": [{"object": "promotion_stack", "id": stack_id}],
                "order": cart(10000),
            },
        )
    )
    assert [r["related_object_id"] for r in redeemed["redemptions"]] == [ids[1], ids[0]]
    assert [r["amount"] for r in redeemed["redemptions"]] == [1000, 900]
    assert redeemed["order"]["total_amount"] == 8100
    events = await recorded_events(db, project, "redemption.succeeded")
    assert {e.data["promotion_stack"]["id"] for e in events} == {stack_id}


async def test_a_code_and_a_tier_stack_under_the_category_rules(
    client: httpx.AsyncClient, mgmt: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    exclusive = ok(await client.post("/v1/categories", json={"name": "Exclusive", "hierarchy": 1}))
    _, (tier_id,) = await make_promotion(
        db, project, [{"action": percent(10), "category_id": exclusive["id"]}]
    )
    ok(
        await client.post(
            "/v1/vouchers",
            json={
                "code": "TENOFF",
                "type": "DISCOUNT_VOUCHER",
                "discount": {"type": "AMOUNT", "amount_off": 1000, "effect": "APPLY_TO_ORDER"},
            },
        )
    )
    request = {
        "redeemables": [{"object": "voucher", "id": "TENOFF"}, tier(tier_id)],
        "order": cart(10000),
    }
    both = ok(await client.post("/v1/validations", json=request))
    assert both["valid"] is True and both["order"]["total_discount_amount"] == 1900

    created = await mgmt.post(
        f"/management/v1/projects/{project.project_id}/stacking-rules",
        json={"exclusive_categories": [exclusive["id"]]},
    )
    assert created.status_code == 200, created.text
    alone = ok(await client.post("/v1/validations", json=request))
    # An exclusive category's redeemable applies alone: the code is skipped.
    assert [e["id"] for e in alone["redeemables"] if e["status"] == "APPLICABLE"] == [tier_id]
    assert [e["id"] for e in alone["skipped_redeemables"]] == ["TENOFF"]
    assert alone["order"]["total_discount_amount"] == 1000
    tier_entry = next(e for e in alone["redeemables"] if e["id"] == tier_id)
    assert tier_entry["categories"][0]["stacking_rules_type"] == "EXCLUSIVE"


async def test_once_per_customer_on_a_tier_and_a_refused_tier_changes_nothing(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    _, (tier_id,) = await make_promotion(db, project, [{"action": percent(10)}])
    await assign_rule(
        client,
        tier_id,
        {
            "1": {
                "name": "redemption.count.per_customer",
                "conditions": {"$less_than_or_equal": [1]},
                "rules": {},
            },
            "logic": "1",
        },
    )
    request = {"redeemables": [tier(tier_id)], "order": cart(5000), "customer": {"source_id": "bo"}}
    ok(await client.post("/v1/redemptions", json=request))
    again = await client.post("/v1/redemptions", json=request)
    assert again.status_code == 400, again.text
    assert again.json()["key"] == "redemption_rules_violated"
    failed = ok(await client.get("/v1/redemptions?result=FAILURE"))["redemptions"]
    assert [(r["related_object_type"], r["related_object_id"]) for r in failed] == [
        ("promotion_tier", tier_id)
    ]
    async with db.transaction() as session:
        row = await session.get(PromotionTier, tier_id)
        assert row is not None and row.redeemed_quantity == 1
    # Another customer still may.
    ok(await client.post("/v1/redemptions", json=request | {"customer": {"source_id": "cy"}}))


async def test_concurrent_tier_redemptions_lose_no_count_and_a_tier_budget_holds(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    """20 redemptions of a tier at once, no customer (no row lock serialises them): the
    summary counts all 20, and a tier budget of 5 redemptions a day (a rule) admits 5."""
    import asyncio

    _, (counted, budgeted) = await make_promotion(db, project, [{}, {}])
    await assign_rule(
        client,
        budgeted,
        {
            "1": {
                "name": "redemption.count.daily",
                "conditions": {"$less_than_or_equal": [5]},
                "rules": {},
            },
            "logic": "1",
        },
    )

    def body(tier_id: str) -> dict[str, Any]:
        return {"redeemables": [tier(tier_id)], "order": cart(4000)}

    counted_answers = await asyncio.gather(
        *(client.post("/v1/redemptions", json=body(counted)) for _ in range(20))
    )
    assert [r.status_code for r in counted_answers] == [200] * 20
    budget_answers = await asyncio.gather(
        *(client.post("/v1/redemptions", json=body(budgeted)) for _ in range(20))
    )
    assert sorted(r.status_code for r in budget_answers) == [200] * 5 + [400] * 15
    async with db.transaction() as session:
        rows = {t: await session.get(PromotionTier, t) for t in (counted, budgeted)}
    assert rows[counted] is not None and rows[counted].redeemed_quantity == 20
    assert rows[counted].total_discount_amount == 20 * 200
    assert rows[budgeted] is not None and rows[budgeted].redeemed_quantity == 5
