"""`/management/v1/projects/{projectId}/stacking-rules`: one set of rules per project, the
defaults until custom ones are created, every field stored or refused by name."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.support import ProjectKeys

DEFAULTS: dict[str, Any] = {
    "redeemables_limit": 30,
    "applicable_redeemables_limit": 5,
    "applicable_redeemables_per_category_limit": 1,
    "applicable_redeemables_category_limits": {},
    "applicable_exclusive_redeemables_limit": 1,
    "applicable_exclusive_redeemables_per_category_limit": 1,
    "exclusive_categories": [],
    "joint_categories": [],
    "discount_calculation_mode": "DISCOUNTED_AMOUNT",
    "initial_amount_mode_categories": [],
    "discounted_amount_mode_categories": [],
    "redeemables_application_mode": "ALL",
    "redeemables_sorting_rule": "REQUESTED_ORDER",
    "redeemables_products_application_mode": "STACK",
    "redeemables_no_effect_rule": "REDEEM_ANYWAY",
    "no_effect_skip_categories": [],
    "no_effect_redeem_anyway_categories": [],
    "redeemables_rollback_order_mode": "WITH_ORDER",
}


async def _categories(client: httpx.AsyncClient, *names: str) -> list[str]:
    return [
        (await client.post("/v1/categories", json={"name": n, "hierarchy": i})).json()["id"]
        for i, n in enumerate(names)
    ]


async def test_the_list_holds_the_defaults_without_an_id_until_rules_are_created(
    mgmt: httpx.AsyncClient, rules_url: str
) -> None:
    resp = await mgmt.get(rules_url)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"object": "list", "data_ref": "data", "data": [DEFAULTS], "total": 1}


async def test_create_get_update_delete_returns_to_the_defaults(
    mgmt: httpx.AsyncClient, client: httpx.AsyncClient, rules_url: str
) -> None:
    created = await mgmt.post(rules_url, json={"applicable_redeemables_limit": 3})
    assert created.status_code == 200, created.text
    rules = created.json()
    assert rules["id"].startswith("stk_") and rules["created_at"].endswith("Z")
    assert "updated_at" not in rules
    assert {k: rules[k] for k in DEFAULTS} == DEFAULTS | {"applicable_redeemables_limit": 3}

    listed = (await mgmt.get(rules_url)).json()
    assert listed["total"] == 1 and listed["data"] == [rules]
    assert (await mgmt.get(f"{rules_url}/{rules['id']}")).json() == rules

    updated = await mgmt.put(
        f"{rules_url}/{rules['id']}", json={"redeemables_application_mode": "PARTIAL"}
    )
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert body["applicable_redeemables_limit"] == 3  # kept
    assert body["redeemables_application_mode"] == "PARTIAL"
    assert body["updated_at"] is not None and body["created_at"] == rules["created_at"]

    # The validation follows and reports them at once.
    voucher = (
        await client.post(
            "/v1/vouchers",
            json={"type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 1}},
        )
    ).json()
    validation = await client.post(
        "/v1/validations",
        json={"redeemables": [{"object": "voucher", "id": voucher["code"]}]},
    )
    reported = validation.json()["stacking_rules"]
    assert reported["applicable_redeemables_limit"] == 3
    assert reported["redeemables_application_mode"] == "PARTIAL"
    assert "discount_calculation_mode" not in reported  # Management-only

    assert (await mgmt.delete(f"{rules_url}/{rules['id']}")).status_code == 204
    assert (await mgmt.get(rules_url)).json()["data"] == [DEFAULTS]
    gone = await mgmt.get(f"{rules_url}/{rules['id']}")
    assert gone.status_code == 404 and gone.json()["key"] == "not_found"
    assert (await mgmt.delete(f"{rules_url}/{rules['id']}")).status_code == 404


async def test_a_second_create_is_refused_while_custom_rules_exist(
    mgmt: httpx.AsyncClient, rules_url: str
) -> None:
    assert (await mgmt.post(rules_url, json={})).status_code == 200
    again = await mgmt.post(rules_url, json={"redeemables_limit": 3})
    assert again.status_code == 409 and again.json()["key"] == "duplicate_found"
    assert (await mgmt.get(rules_url)).json()["data"][0]["redeemables_limit"] == 30


async def test_every_field_is_stored_and_read_back(
    mgmt: httpx.AsyncClient, client: httpx.AsyncClient, rules_url: str
) -> None:
    a, b, c, d = await _categories(client, "A", "B", "C", "D")
    sent = {
        "redeemables_limit": 20,
        "applicable_redeemables_limit": 10,
        "applicable_redeemables_per_category_limit": 2,
        "applicable_redeemables_category_limits": {a: 1, b: 10},
        "applicable_exclusive_redeemables_limit": 3,
        "applicable_exclusive_redeemables_per_category_limit": 2,
        "exclusive_categories": [a],
        "joint_categories": [b, c],
        "discount_calculation_mode": "DISCOUNTED_AMOUNT",
        "discounted_amount_mode_categories": [d],
        "redeemables_application_mode": "PARTIAL",
        "redeemables_sorting_rule": "CATEGORY_HIERARCHY",
        "redeemables_products_application_mode": "STACK",
        "redeemables_no_effect_rule": "SKIP",
        "no_effect_skip_categories": [c],
        "no_effect_redeem_anyway_categories": [d],
        "redeemables_rollback_order_mode": "WITHOUT_ORDER",
    }
    created = (await mgmt.post(rules_url, json=sent)).json()
    read = (await mgmt.get(f"{rules_url}/{created['id']}")).json()
    assert {k: read[k] for k in sent} == sent


@pytest.mark.parametrize(
    "field,value",
    [
        ("redeemables_limit", 0),
        ("redeemables_limit", 31),
        ("applicable_redeemables_limit", 31),
        ("applicable_redeemables_per_category_limit", 0),
        ("applicable_exclusive_redeemables_limit", 6),
        ("applicable_exclusive_redeemables_per_category_limit", 31),
        ("redeemables_application_mode", "SOME"),
        ("redeemables_sorting_rule", "ALPHABETICAL"),
        ("redeemables_no_effect_rule", "IGNORE"),
        ("redeemables_rollback_order_mode", "LATER"),
        ("redeemables_limit", "5"),
        ("exclusive_categories", "cat_1"),
    ],
)
async def test_out_of_range_values_are_refused_naming_the_field(
    mgmt: httpx.AsyncClient, rules_url: str, field: str, value: Any
) -> None:
    resp = await mgmt.post(rules_url, json={field: value})
    assert resp.status_code == 400 and resp.json()["key"] == "invalid_payload", resp.text
    assert field in resp.json()["details"]
    assert (await mgmt.get(rules_url)).json()["data"][0] == DEFAULTS  # nothing stored


@pytest.mark.parametrize(
    "body,named",
    [
        ({"applicable_redeemables_limit": 10, "redeemables_limit": 5}, "redeemables_limit"),
        ({"applicable_redeemables_per_category_limit": 6}, "applicable_redeemables_limit"),
        (
            {"applicable_exclusive_redeemables_per_category_limit": 2},
            "applicable_exclusive_redeemables_limit",
        ),
    ],
)
async def test_a_limit_may_not_exceed_the_limit_above_it(
    mgmt: httpx.AsyncClient, rules_url: str, body: dict[str, Any], named: str
) -> None:
    resp = await mgmt.post(rules_url, json=body)
    assert resp.status_code == 400 and named in resp.json()["details"], resp.text


async def test_category_lists_name_existing_disjoint_categories(
    mgmt: httpx.AsyncClient, client: httpx.AsyncClient, rules_url: str
) -> None:
    [a] = await _categories(client, "A")
    unknown = await mgmt.post(rules_url, json={"joint_categories": ["cat_nope"]})
    assert unknown.status_code == 400 and "joint_categories" in unknown.json()["details"]
    limits = await mgmt.post(rules_url, json={"applicable_redeemables_category_limits": {a: 11}})
    assert limits.status_code == 400
    assert "applicable_redeemables_category_limits" in limits.json()["details"]
    both = await mgmt.post(rules_url, json={"exclusive_categories": [a], "joint_categories": [a]})
    assert both.status_code == 400 and a in both.json()["details"]
    overlap = {"no_effect_skip_categories": [a], "no_effect_redeem_anyway_categories": [a]}
    resp = await mgmt.post(rules_url, json=overlap)
    assert resp.status_code == 400 and "no_effect_skip_categories" in resp.json()["details"]


@pytest.mark.parametrize(
    "field,value",
    [
        ("discount_calculation_mode", "INITIAL_AMOUNT"),
        ("redeemables_products_application_mode", "ONCE"),
        ("initial_amount_mode_categories", ["cat_1"]),
        ("grouped_redeemables_sorting_rule", "JOINT_ALWAYS_LAST"),
    ],
)
async def test_settings_voucherd_cannot_compute_are_refused_by_name(
    mgmt: httpx.AsyncClient, rules_url: str, field: str, value: Any
) -> None:
    resp = await mgmt.post(rules_url, json={field: value})
    assert resp.status_code == 400 and field in resp.json()["details"], resp.text
    # Left unset (null), as SDKs send them, they are accepted.
    assert (await mgmt.post(rules_url, json={field: None})).status_code == 200


async def test_deleting_a_category_takes_it_out_of_the_rules(
    mgmt: httpx.AsyncClient, client: httpx.AsyncClient, rules_url: str
) -> None:
    a, b = await _categories(client, "A", "B")
    body = {"exclusive_categories": [a, b], "applicable_redeemables_category_limits": {a: 2}}
    created = (await mgmt.post(rules_url, json=body)).json()
    assert (await client.delete(f"/v1/categories/{a}")).status_code == 204
    read = (await mgmt.get(f"{rules_url}/{created['id']}")).json()
    assert read["exclusive_categories"] == [b]
    assert read["applicable_redeemables_category_limits"] == {}


async def test_only_management_keys_reach_the_rules_of_an_existing_project(
    mgmt: httpx.AsyncClient, client: httpx.AsyncClient, rules_url: str, project: ProjectKeys
) -> None:
    assert (await client.get(rules_url)).status_code == 401  # an App key is not enough
    missing = await mgmt.get("/management/v1/projects/proj_nope/stacking-rules")
    assert missing.status_code == 404 and missing.json()["key"] == "not_found"
    wrong = await mgmt.get(f"{rules_url}/stk_nope")
    assert wrong.status_code == 404


async def test_concurrent_creates_make_one_set_of_rules(
    mgmt: httpx.AsyncClient, rules_url: str
) -> None:
    # Meaningful on PostgreSQL (SQLite has one writer): the unique project_id decides, and
    # the losers answer 409 rather than 500.
    bodies = [{"applicable_redeemables_limit": n} for n in range(1, 9)]
    responses = await asyncio.gather(*(mgmt.post(rules_url, json=b) for b in bodies))
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 7, [r.text for r in responses]
    [winner] = [r.json() for r in responses if r.status_code == 200]
    assert (await mgmt.get(rules_url)).json()["data"] == [winner]


async def test_concurrent_updates_of_different_fields_keep_both(
    mgmt: httpx.AsyncClient, rules_url: str
) -> None:
    created = (await mgmt.post(rules_url, json={})).json()
    url = f"{rules_url}/{created['id']}"
    changes = [
        {"applicable_redeemables_limit": 4},
        {"redeemables_application_mode": "PARTIAL"},
        {"redeemables_sorting_rule": "CATEGORY_HIERARCHY"},
        {"redeemables_no_effect_rule": "SKIP"},
        {"redeemables_rollback_order_mode": "WITHOUT_ORDER"},
        {"redeemables_limit": 20},
    ]
    responses = await asyncio.gather(*(mgmt.put(url, json=c) for c in changes))
    assert [r.status_code for r in responses] == [200] * len(changes)
    read = (await mgmt.get(url)).json()
    for change in changes:
        assert {k: read[k] for k in change} == change
