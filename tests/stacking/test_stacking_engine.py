"""The project's stacking rules in `POST /v1/validations` and `POST /v1/redemptions`: one test
per rule, each on both engines, with the exact fields Voucherify's spec gives them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from voucherd.stacking.rules import SKIP_MESSAGES

Rules = dict[str, Any]


async def set_rules(mgmt: httpx.AsyncClient, url: str, **rules: Any) -> None:
    resp = await mgmt.post(url, json=rules)
    assert resp.status_code == 200, resp.text


async def category(client: httpx.AsyncClient, name: str, hierarchy: int = 1) -> dict[str, Any]:
    resp = await client.post("/v1/categories", json={"name": name, "hierarchy": hierarchy})
    assert resp.status_code == 200, resp.text
    created: dict[str, Any] = resp.json()
    return created


async def voucher(
    client: httpx.AsyncClient,
    cat: dict[str, Any] | None = None,
    *,
    amount_off: int = 100,
    percent_off: int | None = None,
) -> str:
    discount: dict[str, Any] = (
        {"type": "PERCENT", "percent_off": percent_off}
        if percent_off is not None
        else {"type": "AMOUNT", "amount_off": amount_off}
    )
    body: dict[str, Any] = {"type": "DISCOUNT_VOUCHER", "discount": discount}
    if cat is not None:
        body["category_id"] = cat["id"]
    resp = await client.post("/v1/vouchers", json=body)
    assert resp.status_code == 200, resp.text
    code: str = resp.json()["code"]
    return code


def request(*codes: str, amount: int = 10_000) -> dict[str, Any]:
    return {
        "redeemables": [{"object": "voucher", "id": c} for c in codes],
        "order": {"amount": amount},
    }


async def validate(client: httpx.AsyncClient, *codes: str, amount: int = 10_000) -> Any:
    resp = await client.post("/v1/validations", json=request(*codes, amount=amount))
    assert resp.status_code == 200, resp.text
    return resp.json()


async def redeem(client: httpx.AsyncClient, *codes: str, amount: int = 10_000) -> httpx.Response:
    return await client.post("/v1/redemptions", json=request(*codes, amount=amount))


def statuses(body: Any) -> list[tuple[str, str]]:
    return [(r["id"], r["status"]) for r in body["redeemables"]]


def skipped(body: Any) -> dict[str, str]:
    return {s["id"]: s["result"]["details"]["key"] for s in body.get("skipped_redeemables", [])}


async def redeemed_quantity(client: httpx.AsyncClient, code: str) -> int:
    quantity: int = (await client.get(f"/v1/vouchers/{code}")).json()["redemption"][
        "redeemed_quantity"
    ]
    return quantity


async def test_applicable_limit_skips_the_extra_ones_in_both_answers(
    client: httpx.AsyncClient, mgmt: httpx.AsyncClient, rules_url: str
) -> None:
    await set_rules(mgmt, rules_url, applicable_redeemables_limit=2)
    a, b, c = [await voucher(client) for _ in range(3)]
    body = await validate(client, a, b, c)
    assert body["valid"] is True
    assert statuses(body) == [(a, "APPLICABLE"), (b, "APPLICABLE"), (c, "SKIPPED")]
    [entry] = body["skipped_redeemables"]
    assert entry == {
        "id": c,
        "object": "voucher",
        "status": "SKIPPED",
        "result": {
            "details": {
                "key": "applicable_redeemables_limit_exceeded",
                "message": "Applicable redeemables limit exceeded",
            }
        },
        "metadata": {},
        "categories": [],
        "campaign_name": None,
        "campaign_id": None,
    }
    assert "inapplicable_redeemables" not in body
    assert body["stacking_rules"]["applicable_redeemables_limit"] == 2
    assert body["order"]["discount_amount"] == 200

    resp = await redeem(client, a, b, c)
    assert resp.status_code == 200, resp.text
    redeemed = resp.json()
    assert [r["voucher"]["code"] for r in redeemed["redemptions"]] == [a, b]
    assert skipped(redeemed) == {c: "applicable_redeemables_limit_exceeded"}
    assert redeemed["order"]["discount_amount"] == 200
    assert [await redeemed_quantity(client, x) for x in (a, b, c)] == [1, 1, 0]


async def test_more_redeemables_than_the_project_allows_is_a_bad_request(
    client: httpx.AsyncClient, mgmt: httpx.AsyncClient, rules_url: str
) -> None:
    await set_rules(mgmt, rules_url, redeemables_limit=2, applicable_redeemables_limit=2)
    codes = [await voucher(client) for _ in range(3)]
    for path in ("/v1/validations", "/v1/redemptions"):
        resp = await client.post(path, json=request(*codes))
        assert resp.status_code == 400 and resp.json()["key"] == "invalid_payload", resp.text
        assert "redeemables_limit" in resp.json()["details"]
    assert [await redeemed_quantity(client, c) for c in codes] == [0, 0, 0]


async def test_one_per_category_by_default_and_a_category_limit_raises_it(
    client: httpx.AsyncClient, mgmt: httpx.AsyncClient, rules_url: str
) -> None:
    seasonal = await category(client, "Seasonal")
    a, b, free = (
        await voucher(client, seasonal),
        await voucher(client, seasonal),
        await voucher(client),
    )
    body = await validate(client, a, b, free)
    assert statuses(body) == [(a, "APPLICABLE"), (b, "SKIPPED"), (free, "APPLICABLE")]
    assert skipped(body) == {b: "applicable_redeemables_per_category_limit_exceeded"}
    assert body["skipped_redeemables"][0]["categories"][0]["id"] == seasonal["id"]
    redeemed = (await redeem(client, a, b, free)).json()
    assert len(redeemed["redemptions"]) == 2 and skipped(redeemed) == {
        b: "applicable_redeemables_per_category_limit_exceeded"
    }

    await set_rules(mgmt, rules_url, applicable_redeemables_category_limits={seasonal["id"]: 2})
    c, d = await voucher(client, seasonal), await voucher(client, seasonal)
    assert statuses(await validate(client, c, d)) == [(c, "APPLICABLE"), (d, "APPLICABLE")]


async def test_an_exclusive_category_beats_common_ones_and_joint_ones_stack(
    client: httpx.AsyncClient, mgmt: httpx.AsyncClient, rules_url: str
) -> None:
    never, always = await category(client, "Never"), await category(client, "Always")
    await set_rules(
        mgmt,
        rules_url,
        exclusive_categories=[never["id"]],
        joint_categories=[always["id"]],
    )
    common, exclusive, joint = (
        await voucher(client),
        await voucher(client, never),
        await voucher(client, always),
    )
    body = await validate(client, common, exclusive, joint)
    assert statuses(body) == [(common, "SKIPPED"), (exclusive, "APPLICABLE"), (joint, "APPLICABLE")]
    assert skipped(body) == {common: "exclusion_rules_not_met"}
    types = {
        r["id"]: [c.get("stacking_rules_type") for c in r["categories"]]
        for r in body["redeemables"]
    }
    assert types == {common: [], exclusive: ["EXCLUSIVE"], joint: ["JOINT"]}

    redeemed = (await redeem(client, common, exclusive, joint)).json()
    assert sorted(r["voucher"]["code"] for r in redeemed["redemptions"]) == sorted(
        [exclusive, joint]
    )
    assert skipped(redeemed) == {common: "exclusion_rules_not_met"}
    assert await redeemed_quantity(client, common) == 0

    # Without the exclusive one, the common one applies.
    assert statuses(await validate(client, common, joint)) == [
        (common, "APPLICABLE"),
        (joint, "APPLICABLE"),
    ]


async def test_exclusive_limit_skips_a_second_exclusive_redeemable(
    client: httpx.AsyncClient, mgmt: httpx.AsyncClient, rules_url: str
) -> None:
    one, two = await category(client, "One"), await category(client, "Two")
    await set_rules(mgmt, rules_url, exclusive_categories=[one["id"], two["id"]])
    a, b = await voucher(client, one), await voucher(client, two)
    body = await validate(client, a, b)
    assert skipped(body) == {b: "applicable_exclusive_redeemables_limit_exceeded"}


async def test_category_hierarchy_orders_the_discounts(
    client: httpx.AsyncClient, mgmt: httpx.AsyncClient, rules_url: str
) -> None:
    first, later = await category(client, "First", 1), await category(client, "Later", 5)
    percent = await voucher(client, later, percent_off=10)
    amount = await voucher(client, first, amount_off=1000)
    # Requested order: 10 % of 100.00, then 10.00 off -> 20.00.
    requested = await validate(client, percent, amount)
    assert requested["order"]["discount_amount"] == 2000
    await set_rules(mgmt, rules_url, redeemables_sorting_rule="CATEGORY_HIERARCHY")
    # Hierarchy: 10.00 off first, then 10 % of 90.00 -> 19.00.
    sorted_body = await validate(client, percent, amount)
    assert [r["id"] for r in sorted_body["redeemables"]] == [amount, percent]
    assert sorted_body["order"]["discount_amount"] == 1900
    redeemed = (await redeem(client, percent, amount)).json()
    assert redeemed["order"]["discount_amount"] == 1900
    amounts = {r["voucher"]["code"]: r["amount"] for r in redeemed["redemptions"]}
    assert amounts == {amount: 1000, percent: 900}


async def test_mode_all_fails_the_whole_stack_and_skips_the_rest(
    client: httpx.AsyncClient,
) -> None:
    good, bad, later = await voucher(client), await voucher(client), await voucher(client)
    await client.post(f"/v1/vouchers/{bad}/disable")
    body = await validate(client, good, bad, later)
    assert body["valid"] is False
    assert statuses(body) == [(good, "SKIPPED"), (bad, "INAPPLICABLE"), (later, "SKIPPED")]
    assert skipped(body) == dict.fromkeys((good, later), "preceding_validation_failed")
    assert body["order"]["discount_amount"] == 0
    refused = await redeem(client, good, bad, later)
    assert refused.status_code == 400 and refused.json()["key"] == "voucher_disabled"
    assert await redeemed_quantity(client, good) == 0


async def test_mode_partial_redeems_what_applies_and_reports_the_rest(
    client: httpx.AsyncClient, mgmt: httpx.AsyncClient, rules_url: str
) -> None:
    await set_rules(mgmt, rules_url, redeemables_application_mode="PARTIAL")
    good, bad = await voucher(client), await voucher(client)
    await client.post(f"/v1/vouchers/{bad}/disable")
    body = await validate(client, good, bad)
    assert body["valid"] is True
    assert statuses(body) == [(good, "APPLICABLE"), (bad, "INAPPLICABLE")]
    assert body["inapplicable_redeemables"][0]["result"]["error"]["key"] == "voucher_disabled"
    assert body["order"]["discount_amount"] == 100

    resp = await redeem(client, good, bad)
    assert resp.status_code == 200, resp.text
    redeemed = resp.json()
    assert [r["voucher"]["code"] for r in redeemed["redemptions"]] == [good]
    assert "parent_redemption" not in redeemed  # one redemption: no parent
    [dropped] = redeemed["inapplicable_redeemables"]
    assert (dropped["id"], dropped["status"]) == (bad, "INAPPLICABLE")
    assert dropped["result"]["error"]["key"] == "voucher_disabled"
    # Only the redeemed one is listed: the dropped one is reported, not a failed redemption.
    listed = (await client.get("/v1/redemptions")).json()["redemptions"]
    assert [(r["result"], r["voucher"]["code"]) for r in listed] == [("SUCCESS", good)]

    # With nothing applicable, PARTIAL refuses like ALL.
    only_bad = await redeem(client, bad)
    assert only_bad.status_code == 400 and only_bad.json()["key"] == "voucher_disabled"


async def test_no_effect_redeemables_are_redeemed_anyway_by_default(
    client: httpx.AsyncClient,
) -> None:
    whole, extra = await voucher(client, amount_off=1000), await voucher(client, amount_off=500)
    body = await validate(client, whole, extra, amount=1000)
    assert statuses(body) == [(whole, "APPLICABLE"), (extra, "APPLICABLE")]
    redeemed = (await redeem(client, whole, extra, amount=1000)).json()
    assert [r["amount"] for r in redeemed["redemptions"]] == [1000, 0]
    assert await redeemed_quantity(client, extra) == 1


@pytest.mark.parametrize("override", [False, True])
async def test_no_effect_skip_leaves_them_unredeemed_unless_their_category_says_otherwise(
    client: httpx.AsyncClient, mgmt: httpx.AsyncClient, rules_url: str, override: bool
) -> None:
    anyway = await category(client, "Anyway")
    rules: Rules = {"redeemables_no_effect_rule": "SKIP"}
    if override:
        rules["no_effect_redeem_anyway_categories"] = [anyway["id"]]
    await set_rules(mgmt, rules_url, **rules)
    whole = await voucher(client, amount_off=1000)
    extra = await voucher(client, anyway, amount_off=500)
    body = await validate(client, whole, extra, amount=1000)
    redeemed = (await redeem(client, whole, extra, amount=1000)).json()
    if override:
        assert statuses(body) == [(whole, "APPLICABLE"), (extra, "APPLICABLE")]
        assert len(redeemed["redemptions"]) == 2
    else:
        assert statuses(body) == [(whole, "APPLICABLE"), (extra, "SKIPPED")]
        assert body["skipped_redeemables"][0]["result"]["details"] == {
            "key": "no_effect",
            "message": SKIP_MESSAGES["no_effect"],
        }
        assert [r["voucher"]["code"] for r in redeemed["redemptions"]] == [whole]
        assert skipped(redeemed) == {extra: "no_effect"}
        assert await redeemed_quantity(client, extra) == 0


async def test_a_redemption_where_everything_is_skipped_is_refused(
    client: httpx.AsyncClient, mgmt: httpx.AsyncClient, rules_url: str
) -> None:
    await set_rules(mgmt, rules_url, redeemables_no_effect_rule="SKIP")
    code = await voucher(client, amount_off=500)
    body = await validate(client, code, amount=0)
    assert body["valid"] is False and skipped(body) == {code: "no_effect"}
    refused = await redeem(client, code, amount=0)
    assert refused.status_code == 400 and refused.json()["key"] == "no_effect"
    assert await redeemed_quantity(client, code) == 0


async def test_the_project_rollback_order_mode_applies_unless_the_request_sets_one(
    client: httpx.AsyncClient, mgmt: httpx.AsyncClient, rules_url: str
) -> None:
    await set_rules(mgmt, rules_url, redeemables_rollback_order_mode="WITHOUT_ORDER")
    [one] = (await redeem(client, await voucher(client))).json()["redemptions"]
    kept = await client.post(f"/v1/redemptions/{one['id']}/rollback")
    assert kept.status_code == 200, kept.text
    assert kept.json()["order"]["status"] == "PAID"  # the project's WITHOUT_ORDER
    [two] = (await redeem(client, await voucher(client))).json()["redemptions"]
    canceled = await client.post(
        f"/v1/redemptions/{two['id']}/rollback",
        json={"options": {"redeemables_rollback_order_mode": "WITH_ORDER"}},
    )
    assert canceled.json()["order"]["status"] == "CANCELED"  # the request's own mode
