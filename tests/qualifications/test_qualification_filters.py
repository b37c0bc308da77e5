"""`options.filters`, PROMOTION_STACKS and bad input of `POST /v1/qualifications`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.qualifications.support import (
    amount,
    code,
    customer,
    ids,
    ok,
    percent,
    promotion,
    published,
    qualification,
    stack,
)
from tests.rules.support import assign_rule, rule
from tests.support import ProjectKeys
from voucherd.kit.db import Database


async def _qualify(client: httpx.AsyncClient, **options: Any) -> Any:
    return await ok(
        client, "POST", "/v1/qualifications", qualification(options={"limit": 50, **options})
    )


def _filter(**conditions: dict[str, Any]) -> dict[str, Any]:
    return {key: {"conditions": value} for key, value in conditions.items()}


async def test_filters_narrow_by_resource_campaign_code_holder_and_category(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    await customer(client, "anna")
    category = await ok(client, "POST", "/v1/categories", {"name": "Big", "hierarchy": 1})
    mine = await published(client, amount(500), "anna", category_id=category["id"])
    generic = await code(client, amount(300))
    campaign_id, (tier,) = await promotion(
        db, project, "P", [{"name": "t", "discount": percent(5)}]
    )

    async def only(**filters: Any) -> list[str]:
        return sorted(ids(await _qualify(client, filters=filters)))

    assert await only(**_filter(resource_type={"$in": ["promotion_tier"]})) == [tier]
    assert await only(**_filter(resource_type={"$is_not": ["promotion_tier"]})) == sorted(
        [mine["code"], generic["code"]]
    )
    assert await only(**_filter(campaign_id={"$is": [campaign_id]})) == [tier]
    assert await only(**_filter(code={"$in": [generic["code"], "NOPE"]})) == [generic["code"]]
    assert await only(**_filter(resource_id={"$is": [mine["id"]]})) == [mine["code"]]
    assert await only(**_filter(holder_role={"$is": ["OWNER"]})) == [mine["code"]]
    assert await only(**_filter(category_id={"$is": [category["id"]]})) == [mine["code"]]
    assert await only(**_filter(category_id={"$is_unknown": True})) == sorted(
        [generic["code"], tier]
    )
    assert await only(**_filter(voucher_type={"$has_value": True})) == sorted(
        [mine["code"], generic["code"]]
    )
    assert await only(**_filter(campaign_type={"$is": ["PROMOTION"]})) == [tier]
    either = {
        "junction": "or",
        **_filter(code={"$is": [generic["code"]]}, campaign_id={"$is": [campaign_id]}),
    }
    assert await only(**either) == sorted([generic["code"], tier])
    both = {
        "junction": "and",
        **_filter(code={"$is": [generic["code"]]}, campaign_id={"$is": [campaign_id]}),
    }
    assert await only(**both) == []


async def test_promotion_stacks_apply_their_tiers_in_order_on_the_running_order(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    await customer(client, "anna")
    campaign_id, (ten, fixed, picky) = await promotion(
        db,
        project,
        "Stacked",
        [
            {"name": "10 %", "discount": percent(10)},
            {"name": "5.00", "discount": amount(500)},
            {"name": "picky", "discount": amount(100)},
        ],
    )
    await assign_rule(
        db,
        project,
        picky,
        {"1": rule("order.amount", {"$more_than": [9000]}), "logic": "1"},
        related_object_type="promotion_tier",
    )
    good = await stack(db, project, campaign_id, "Good", [ten, fixed])
    # 100.00 - 10 % - 5.00 = 85.00 is not more than 90.00: the third tier fails.
    await stack(db, project, campaign_id, "Bad", [ten, fixed, picky])

    answer = await ok(
        client, "POST", "/v1/qualifications", qualification(scenario="PROMOTION_STACKS")
    )

    assert ids(answer) == [good]
    entry = answer["redeemables"]["data"][0]
    assert entry["object"] == "promotion_stack"
    assert entry["order"]["total_discount_amount"] == 1500
    assert [r["id"] for r in entry["redeemables"]] == [ten, fixed]


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"scenario": "EVERYTHING"}, "EVERYTHING"),
        ({"options": {"filters": {"colour": {"conditions": {"$is": ["red"]}}}}}, "colour"),
        (
            {"options": {"filters": {"code": {"conditions": {"$starts_with": ["A"]}}}}},
            "$starts_with",
        ),
        (
            {"options": {"filters": {"resource_type": {"conditions": {"$is": ["coupon"]}}}}},
            "coupon",
        ),
        ({"options": {"filters": {"junction": "xor"}}}, "junction"),
        ({"options": {"limit": 51}}, "limit"),
        ({"options": {"expand": ["everything"]}}, "everything"),
        ({"options": {"sorting_rule": "CHEAPEST"}}, "CHEAPEST"),
        ({"options": {"page": 2}}, "page"),
    ],
)
async def test_unknown_scenarios_filters_and_options_are_refused_by_name(
    client: httpx.AsyncClient, body: dict[str, Any], named: str
) -> None:
    resp = await client.post("/v1/qualifications", json=body)
    assert resp.status_code == 400, resp.text
    error = resp.json()
    assert error["code"] == 400
    assert named in error["details"], error


async def test_expand_validation_rules_lists_the_assignments_of_each_result(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    await customer(client, "anna")
    generic = await code(client, amount(300))
    rule_id = await assign_rule(
        db, project, generic["id"], {"1": rule("order.amount", {"$more_than": [100]}), "logic": "1"}
    )
    plain = await ok(client, "POST", "/v1/qualifications", qualification())
    assert "validation_rules_assignments" not in plain["redeemables"]["data"][0]
    assert plain["redeemables"]["data"][0]["validation_rule_id"] == rule_id

    expanded = await _qualify(client, expand=["validation_rules", "redeemable", "category"])
    listing = expanded["redeemables"]["data"][0]["validation_rules_assignments"]
    assert listing["total"] == 1
    assert listing["data"][0]["rule_id"] == rule_id
    assert listing["data"][0]["related_object_id"] == generic["id"]
