"""A customer given inline by data only (say just an `email`, no id or source_id) is created
from that data wherever a request accepts a customer reference (publications, loyalty members,
orders, redemptions, custom events); never matched by email (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import httpx

PROGRAM: dict[str, Any] = {
    "name": "Stars",
    "type": "AUTO_UPDATE",
    "join_once": True,
    "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}},
}


async def _customers_with_email(client: httpx.AsyncClient, email: str) -> list[dict[str, Any]]:
    listing = (await client.get("/v1/customers", params={"limit": 100})).json()
    return [c for c in listing["customers"] if c["email"] == email]


async def _discount_campaign(client: httpx.AsyncClient) -> str:
    resp = await client.post(
        "/v1/campaigns",
        json={
            "name": "Ten off",
            "type": "AUTO_UPDATE",
            "voucher": {
                "type": "DISCOUNT_VOUCHER",
                "discount": {"type": "AMOUNT", "amount_off": 10},
            },
        },
    )
    assert resp.status_code == 200, resp.text
    campaign_id: str = resp.json()["id"]
    return campaign_id


async def test_publication_for_a_customer_given_only_by_email_creates_the_customer(
    client: httpx.AsyncClient,
) -> None:
    campaign_id = await _discount_campaign(client)
    resp = await client.post(
        "/v1/publications",
        json={"campaign": {"id": campaign_id}, "customer": {"email": "ann@example.com"}},
    )
    # Was 400 missing_customer.
    assert resp.status_code == 200, resp.text
    body = resp.json()
    [customer] = await _customers_with_email(client, "ann@example.com")
    assert body["customer_id"] == customer["id"] == body["customer"]["id"]
    assert body["customer"]["email"] == "ann@example.com"
    assert customer["source_id"] is None
    assert body["voucher"]["holder_id"] == customer["id"]

    # Not matched by email: a second publication makes a second customer (emails are not keys).
    again = await client.post(
        "/v1/publications",
        json={
            "campaign": {"id": campaign_id},
            "customer": {"email": "ann@example.com", "name": "Ann"},
        },
    )
    assert again.status_code == 200, again.text
    assert again.json()["customer_id"] != customer["id"]
    assert len(await _customers_with_email(client, "ann@example.com")) == 2


async def test_publication_retry_by_source_id_creates_no_second_customer(
    client: httpx.AsyncClient,
) -> None:
    campaign_id = await _discount_campaign(client)
    body = {
        "campaign": {"id": campaign_id},
        "customer": {"email": "retry@example.com"},
        "source_id": "crm-1",
    }
    first = await client.post("/v1/publications", json=body)
    second = await client.post("/v1/publications", json=body)
    assert first.status_code == second.status_code == 200, second.text
    assert second.json()["id"] == first.json()["id"]
    assert len(await _customers_with_email(client, "retry@example.com")) == 1


async def test_empty_customer_reference_is_still_missing(client: httpx.AsyncClient) -> None:
    campaign_id = await _discount_campaign(client)
    for customer in ({}, {"metadata": {}}, {"email": None}):
        resp = await client.post(
            "/v1/publications", json={"campaign": {"id": campaign_id}, "customer": customer}
        )
        assert resp.status_code == 400, resp.text
        assert resp.json()["key"] == "missing_customer"
    assert (await client.get("/v1/customers")).json()["total"] == 0
    assert (await client.get("/v1/publications")).json()["total"] == 0


async def test_loyalty_member_given_only_by_email(client: httpx.AsyncClient) -> None:
    program = (await client.post("/v1/loyalties", json=PROGRAM)).json()
    resp = await client.post(
        f"/v1/loyalties/{program['id']}/members",
        json={"customer": {"email": "bob@example.com", "name": "Bob"}},
    )
    assert resp.status_code == 200, resp.text
    [customer] = await _customers_with_email(client, "bob@example.com")
    assert customer["name"] == "Bob"
    assert resp.json()["holder_id"] == customer["id"]


async def test_order_and_event_with_a_customer_given_only_by_email(
    client: httpx.AsyncClient,
) -> None:
    order = await client.post(
        "/v1/orders", json={"amount": 1000, "customer": {"email": "cid@example.com"}}
    )
    assert order.status_code == 200, order.text
    [buyer] = await _customers_with_email(client, "cid@example.com")
    assert order.json()["customer_id"] == buyer["id"]

    event = await client.post(
        "/v1/events", json={"event": "signed_up", "customer": {"email": "dan@example.com"}}
    )
    assert event.status_code == 200, event.text
    [dan] = await _customers_with_email(client, "dan@example.com")
    assert event.json()["customer"]["id"] == dan["id"]


async def test_redemption_with_a_customer_given_only_by_email(client: httpx.AsyncClient) -> None:
    voucher = await client.post(
        "/v1/vouchers", json={"discount": {"type": "AMOUNT", "amount_off": 100}}
    )
    code = voucher.json()["code"]
    resp = await client.post(
        "/v1/redemptions",
        json={
            "redeemables": [{"object": "voucher", "id": code}],
            "customer": {"email": "eve@example.com"},
            "order": {"amount": 1000},
        },
    )
    assert resp.status_code == 200, resp.text
    [eve] = await _customers_with_email(client, "eve@example.com")
    [redemption] = resp.json()["redemptions"]
    assert redemption["customer_id"] == eve["id"]
