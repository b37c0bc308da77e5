"""Seed 004: a published Spring Discounts code redeemed against a two-item order emits
`customer.redemption.succeeded` shaped exactly like Voucherify's example."""

from __future__ import annotations

import httpx

from tests.support import (
    SEED_ORDER_ITEMS,
    SPRING_CAMPAIGN,
    ProjectKeys,
    assert_same_shape,
    load_seed,
    recorded_events,
)
from voucherd.kit.db import Database


async def test_seed_004_customer_redemption_succeeded(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    campaign = await client.post("/v1/campaigns", json={**SPRING_CAMPAIGN, "vouchers_count": 5})
    assert campaign.status_code == 200, campaign.text
    await client.post(
        "/v1/customers",
        json={
            "source_id": "jck-wbhk",
            "name": "Jack Webhook",
            "metadata": {"region": "EMEA", "sign-up": "true"},
        },
    )
    publication = await client.post(
        "/v1/publications",
        json={"campaign": {"name": "Spring Discounts"}, "customer": {"source_id": "jck-wbhk"}},
    )
    assert publication.status_code == 200, publication.text
    code = publication.json()["voucher"]["code"]
    assert code.startswith("SPRING-2024-") and len(code) == len("SPRING-2024-") + 3

    redeemed = await client.post(
        "/v1/redemptions",
        json={
            "redeemables": [{"object": "voucher", "id": code}],
            "customer": {"source_id": "jck-wbhk"},
            "order": {"items": SEED_ORDER_ITEMS},
            "metadata": {"location_id": []},
        },
    )
    assert redeemed.status_code == 200, redeemed.text

    [event] = await recorded_events(db, project, "customer.redemption.succeeded")
    seed = load_seed("seed_004_customer_redemption_succeeded.json")
    assert_same_shape(seed, event.data)
    data = event.data
    # The numbers follow from the flow: 10 % (ORDER_AMOUNT 114.99 is not > 150) of 11499.
    assert data["order"]["amount"] == 11499
    assert data["order"]["discount_amount"] == 1150
    assert data["order"]["total_amount"] == 10349
    assert data["order"]["applied_discount_amount"] == 1150
    assert data["order"]["status"] == "PAID"
    assert data["redemption"]["order"]["total_amount"] == 10349
    assert data["redemption"]["status"] == "SUCCEEDED" and data["redemption"]["result"] == "SUCCESS"
    assert data["redemption"]["id"].startswith("r_")
    assert data["voucher"]["code"] == code
    assert data["voucher"]["redemption"] == {"quantity": 1, "redeemed_quantity": 1}
    assert data["voucher"]["holder_id"] == data["customer"]["id"] == data["holder"]["id"]
    assert data["voucher"]["category_id"] == data["campaign"]["category_id"]
    assert data["campaign"]["voucher"]["code_config"]["pattern"] == "###"
    assert data["promotion_tier"] is None and data["promotion_stack"] is None
    assert data["redemption"]["metadata"] == {"location_id": []}
    assert event.entity_id == data["customer"]["id"]
    # The project-level twin and the order's paid event are recorded in the same transaction.
    assert len(await recorded_events(db, project, "redemption.succeeded")) == 1
    assert len(await recorded_events(db, project, "customer.order.paid")) == 1


async def test_formula_switches_to_15_percent_above_150(client: httpx.AsyncClient) -> None:
    await client.post("/v1/campaigns", json={**SPRING_CAMPAIGN, "vouchers_count": 1})
    code = (await client.get("/v1/vouchers")).json()["vouchers"][0]["code"]
    resp = await client.post(
        "/v1/validations",
        json={"redeemables": [{"object": "voucher", "id": code}], "order": {"amount": 20000}},
    )
    body = resp.json()
    assert body["valid"] is True
    # 15 % of 20000 = 3000, which is also the amount_limit.
    assert body["order"]["discount_amount"] == 3000
    assert body["redeemables"][0]["result"]["discount"]["is_dynamic"] is True
