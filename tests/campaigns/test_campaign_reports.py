"""`GET /v1/campaigns/{id}/transactions` and `/summary` over HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

GIFTS: dict[str, Any] = {
    "name": "Gifts",
    "campaign_type": "GIFT_VOUCHERS",
    "vouchers_count": 2,
    "voucher": {"type": "GIFT_VOUCHER", "gift": {"amount": 5000}},
}
COUPONS: dict[str, Any] = {
    "name": "Coupons",
    "campaign_type": "DISCOUNT_COUPONS",
    "vouchers_count": 3,
    "voucher": {
        "type": "DISCOUNT_VOUCHER",
        "discount": {"type": "AMOUNT", "amount_off": 1000},
        "redemption": {"quantity": 1},
    },
}
BASE_KEYS = {
    "object",
    "campaign",
    "redemptions",
    "redemptions_succeeded",
    "redemptions_failed",
    "rollbacks",
    "rollbacks_succeeded",
    "rollbacks_failed",
    "validations",
    "validations_succeeded",
    "validations_failed",
    "orders_amount",
    "orders_rolledback_amount",
    "vouchers_created",
    "vouchers_deleted",
    "publications",
    "publications_succeeded",
    "publications_failed",
}
GIFT_KEYS = {
    "created_vouchers_amount",
    "amount_added",
    "amount_deleted",
    "amount_redeemed",
    "amount_rolledback",
    "amount_subtracted",
}


async def _campaign(client: httpx.AsyncClient, body: dict[str, Any]) -> tuple[str, list[str]]:
    resp = await client.post("/v1/campaigns", json=body)
    assert resp.status_code == 200, resp.text
    campaign_id = resp.json()["id"]
    listing = await client.get("/v1/vouchers", params={"campaign_id": campaign_id})
    codes = sorted(v["code"] for v in listing.json()["vouchers"])
    return campaign_id, codes


async def _redeem(client: httpx.AsyncClient, redeemable: dict[str, Any], amount: int) -> str:
    resp = await client.post(
        "/v1/redemptions",
        json={"redeemables": [redeemable], "order": {"amount": amount}},
    )
    assert resp.status_code == 200, resp.text
    return str(resp.json()["redemptions"][0]["id"])


async def _gift_activity(client: httpx.AsyncClient) -> tuple[str, list[str]]:
    """Card A: +1000 added. Card B: 2000 redeemed, then rolled back."""
    campaign_id, (a, b) = await _campaign(client, GIFTS)
    assert (await client.post(f"/v1/vouchers/{a}/balance", json={"amount": 1000})).is_success
    redemption = await _redeem(
        client, {"object": "voucher", "id": b, "gift": {"credits": 2000}}, 3000
    )
    assert (await client.post(f"/v1/redemptions/{redemption}/rollback")).is_success
    return campaign_id, [a, b]


async def test_transactions_of_every_card_in_the_campaign_newest_first(
    client: httpx.AsyncClient,
) -> None:
    campaign_id, _ = await _gift_activity(client)
    other = await client.post("/v1/vouchers", json={"type": "GIFT_VOUCHER", "gift": {"amount": 9}})
    await client.post(f"/v1/vouchers/{other.json()['code']}/balance", json={"amount": 1})

    resp = await client.get(f"/v1/campaigns/{campaign_id}/transactions")

    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["object"], body["data_ref"], body["has_more"]) == ("list", "data", False)
    txs = body["data"]
    assert [t["type"] for t in txs] == ["CREDITS_REFUND", "CREDITS_REDEMPTION", "CREDITS_ADDITION"]
    assert {t["campaign_id"] for t in txs} == {campaign_id}
    assert all(t["id"].startswith("vtx_") for t in txs)
    assert txs[1]["details"]["balance"]["amount"] == -2000
    assert txs[1]["details"]["balance"]["balance"] == 3000
    by_name = await client.get("/v1/campaigns/Gifts/transactions")
    assert [t["id"] for t in by_name.json()["data"]] == [t["id"] for t in txs]


async def test_transactions_page_with_starting_after_id_and_order(
    client: httpx.AsyncClient,
) -> None:
    campaign_id, _ = await _gift_activity(client)
    url = f"/v1/campaigns/{campaign_id}/transactions"
    first = (await client.get(url, params={"limit": 2})).json()
    assert len(first["data"]) == 2 and first["has_more"] is True
    rest = (
        await client.get(url, params={"starting_after_id": first["more_starting_after"]})
    ).json()
    assert [t["type"] for t in rest["data"]] == ["CREDITS_ADDITION"]
    oldest_first = (await client.get(url, params={"order": "id"})).json()["data"]
    assert oldest_first[0]["type"] == "CREDITS_ADDITION"


async def test_transactions_filter_by_voucher_and_id(client: httpx.AsyncClient) -> None:
    campaign_id, (_, b) = await _gift_activity(client)
    url = f"/v1/campaigns/{campaign_id}/transactions"
    card_b = (await client.get(f"/v1/vouchers/{b}")).json()["id"]
    only_b = (
        await client.get(url, params={"filters[voucher_id][conditions][$is]": card_b})
    ).json()["data"]
    assert {t["voucher_id"] for t in only_b} == {card_b} and len(only_b) == 2
    wanted = only_b[0]["id"]
    by_id = (await client.get(f"{url}?filters[id][conditions][$in][0]={wanted}")).json()
    assert [t["id"] for t in by_id["data"]] == [wanted]
    # $starts_with is one of the spec's string conditions (refused before #12); a date
    # condition on a string field, or a field the spec does not list, is still a 400.
    for op, part in (("$starts_with", card_b), ("$ends_with", card_b[-8:])):
        params = {f"filters[voucher_id][conditions][{op}]": part}
        assert (await client.get(url, params=params)).json()["data"] == only_b
    for name in ("filters[voucher_id][conditions][$after]", "filters[amount][conditions][$is]"):
        bad = await client.get(url, params={name: "v"})
        assert bad.status_code == 400 and bad.json()["key"] == "invalid_query_params"


async def test_discount_campaign_has_no_transactions_and_unknown_campaign_is_404(
    client: httpx.AsyncClient,
) -> None:
    campaign_id, _ = await _campaign(client, COUPONS)
    body = (await client.get(f"/v1/campaigns/{campaign_id}/transactions")).json()
    assert (body["data"], body["total"]) == ([], 0)
    missing = await client.get("/v1/campaigns/camp_missing/transactions")
    assert missing.status_code == 404
    assert (await client.get("/v1/campaigns/camp_missing/summary")).status_code == 404


async def test_discount_campaign_summary_counts_what_happened(client: httpx.AsyncClient) -> None:
    campaign_id, (one, two, three) = await _campaign(client, COUPONS)
    await _redeem(client, {"object": "voucher", "id": one}, 5000)
    second = await _redeem(client, {"object": "voucher", "id": two}, 7000)
    await client.post(f"/v1/redemptions/{second}/rollback")
    refused = await client.post(
        "/v1/redemptions",
        json={"redeemables": [{"object": "voucher", "id": one}], "order": {"amount": 100}},
    )
    assert refused.status_code == 400
    published = await client.post(
        "/v1/publications", json={"voucher": three, "customer": {"source_id": "pat"}}
    )
    assert published.status_code == 200, published.text
    assert (await client.delete(f"/v1/vouchers/{three}")).status_code == 204

    resp = await client.get(f"/v1/campaigns/{campaign_id}/summary")

    assert resp.status_code == 200, resp.text
    summary = resp.json()
    assert set(summary) == BASE_KEYS | {"discounted_amount", "rolledback_discounted_amount"}
    assert summary["object"] == "campaign_summary"
    assert summary["campaign"]["id"] == campaign_id
    assert {k: v for k, v in summary.items() if k not in ("object", "campaign")} == {
        "redemptions": 3,
        "redemptions_succeeded": 2,
        "redemptions_failed": 1,
        "rollbacks": 1,
        "rollbacks_succeeded": 1,
        "rollbacks_failed": 0,
        "validations": 0,
        "validations_succeeded": 0,
        "validations_failed": 0,
        "vouchers_created": 3,
        "vouchers_deleted": 1,
        "publications": 1,
        "publications_succeeded": 1,
        "publications_failed": 0,
        "discounted_amount": 2000,
        "rolledback_discounted_amount": 1000,
        "orders_amount": 12000,
        "orders_rolledback_amount": 7000,
    }


async def test_gift_campaign_summary_reads_the_ledger(client: httpx.AsyncClient) -> None:
    campaign_id, _ = await _gift_activity(client)
    summary = (await client.get(f"/v1/campaigns/{campaign_id}/summary")).json()
    assert set(summary) == BASE_KEYS | GIFT_KEYS
    assert {k: summary[k] for k in GIFT_KEYS} == {
        "created_vouchers_amount": 10000,
        "amount_added": 1000,
        "amount_deleted": 0,
        "amount_redeemed": 2000,
        "amount_rolledback": 2000,
        "amount_subtracted": 0,
    }
    assert (summary["redemptions_succeeded"], summary["rollbacks"]) == (1, 1)
    assert summary["orders_amount"] == summary["orders_rolledback_amount"] == 3000


async def test_summary_counts_only_the_given_dates(client: httpx.AsyncClient) -> None:
    campaign_id, (one, _, _) = await _campaign(client, COUPONS)
    await _redeem(client, {"object": "voucher", "id": one}, 5000)
    url = f"/v1/campaigns/{campaign_id}/summary"
    future = (await client.get(url, params={"start_date": "2999-01-01"})).json()
    assert (future["redemptions"], future["vouchers_created"], future["orders_amount"]) == (0, 0, 0)
    past = (await client.get(url, params={"end_date": "2000-01-01"})).json()
    assert past["redemptions"] == 0
    wide = (
        await client.get(url, params={"start_date": "2000-01-01", "end_date": "2999-12-31"})
    ).json()
    assert (wide["redemptions"], wide["vouchers_created"], wide["discounted_amount"]) == (
        1,
        3,
        1000,
    )


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "yesterday"},
        {"end_date": "2024-13-01"},
        {"start_date": "2024-02-01", "end_date": "2024-01-01"},
    ],
)
async def test_summary_refuses_bad_dates(client: httpx.AsyncClient, params: dict[str, str]) -> None:
    campaign_id, _ = await _campaign(client, COUPONS)
    resp = await client.get(f"/v1/campaigns/{campaign_id}/summary", params=params)
    assert resp.status_code == 400 and resp.json()["key"] == "invalid_query_params"
