"""Referral programs: conversion by redemption and by custom event, the referrer refused,
the referee rewarded once (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from tests.referrals import helpers as h
from tests.support import ProjectKeys, recorded_events
from voucherd.kit.db import Database


async def test_campaign_create_shows_the_program(client: httpx.AsyncClient) -> None:
    points = await h.loyalty_program(client)
    campaign = await h.referral_program(client, points["id"])
    assert campaign["campaign_type"] == "REFERRAL_PROGRAM"
    assert campaign["voucher"]["is_referral_code"] is True
    program = campaign["referral_program"]
    assert program["conversion_event_type"] == "redemption"
    assert program["referee_reward"] == {
        "related_object_parent": {"id": points["id"], "name": "Points", "object": "CAMPAIGN"},
        "type": "LOYALTY_CARD",
        "amount": "100",  # a string, as the official SDK types it
    }
    again = h.ok(await client.get(f"/v1/campaigns/{campaign['id']}"))
    assert again["referral_program"] == program
    code = await h.publish(client, campaign["id"], "ann")
    voucher = h.ok(await client.get(f"/v1/vouchers/{code}"))
    assert voucher["is_referral_code"] is True and voucher["campaign_id"] == campaign["id"]


async def test_referee_converts_once_and_is_rewarded(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    points = await h.loyalty_program(client)
    campaign = await h.referral_program(client, points["id"])
    code = await h.publish(client, campaign["id"], "ann")
    ann = await h.customer(client, "ann")
    first = h.ok(await client.post("/v1/redemptions", json=h.redemption(code, "bob")))
    assert first["order"]["referrer_id"] == ann["id"]
    stored = h.ok(await client.get(f"/v1/redemptions/{first['redemptions'][0]['id']}"))
    assert stored["order"]["referrer_id"] == ann["id"]
    order = h.ok(await client.get(f"/v1/orders/{first['order']['id']}"))
    assert order["referrer_id"] == ann["id"]
    assert first["order"]["discount_amount"] == 1000
    bob = await h.customer(client, "bob")
    assert bob["referrals"]["total"] == 1
    (entry,) = bob["referrals"]["campaigns"]
    assert entry["campaign_id"] == campaign["id"] and entry["referrer_id"] == ann["id"]
    assert entry["related_object_type"] == "redemption"
    assert entry["related_object_id"] == first["redemptions"][0]["id"]
    assert await h.points_of(client, points["id"], "bob") == 100  # a card was published
    # A second redemption by the same referee: a discount again, no second conversion.
    h.ok(await client.post("/v1/redemptions", json=h.redemption(code, "bob")))
    assert (await h.customer(client, "bob"))["referrals"]["total"] == 1
    assert await h.points_of(client, points["id"], "bob") == 100
    (referred,) = await recorded_events(db, project, "customer.referred")
    assert referred.data["referrer"]["id"] == ann["id"]
    assert referred.data["customer"]["id"] == bob["id"]
    assert referred.data["redemption"]["id"] == entry["related_object_id"]
    (rewarded,) = await recorded_events(db, project, "customer.rewarded")
    assert rewarded.data["balance"]["points"] == 100 and rewarded.data["referral_tier"] is None


async def test_gift_credit_reward_for_the_referee(client: httpx.AsyncClient) -> None:
    gifts = await h.gift_campaign(client)
    reward = {"related_object_parent": {"id": gifts["id"]}, "type": "GIFT_VOUCHER", "amount": 2500}
    campaign = h.ok(await client.post("/v1/campaigns", json=h.referral_body(reward=reward)))
    code = await h.publish(client, campaign["id"], "ann")
    h.ok(await client.post("/v1/redemptions", json=h.redemption(code, "bob")))
    bob = await h.customer(client, "bob")
    cards = h.ok(
        await client.get("/v1/vouchers", params={"campaign_id": gifts["id"], "customer": bob["id"]})
    )["vouchers"]
    assert [c["gift"]["balance"] for c in cards] == [2500]


async def test_referrer_cannot_redeem_own_code(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    points = await h.loyalty_program(client)
    campaign = await h.referral_program(client, points["id"])
    code = await h.publish(client, campaign["id"], "ann")
    refused = await client.post("/v1/redemptions", json=h.redemption(code, "ann"))
    assert refused.status_code == 400
    assert refused.json()["key"] == "referrer_not_permitted_to_redeem"
    assert refused.json()["message"] == "voucher cannot be redeemed by referrer"
    assert refused.json()["details"] == code
    voucher = h.ok(await client.get(f"/v1/vouchers/{code}"))
    assert voucher["redemption"]["redeemed_quantity"] == 0
    assert (await h.customer(client, "ann"))["referrals"]["total"] == 0
    assert await recorded_events(db, project, "customer.referred") == []
    validation = h.ok(
        await client.post(
            "/v1/validations",
            json={
                "redeemables": [{"object": "voucher", "id": code}],
                "customer": {"source_id": "ann"},
                "order": {"amount": 5000},
            },
        )
    )
    assert validation["valid"] is False
    (entry,) = validation["inapplicable_redeemables"]
    assert entry["result"]["error"]["key"] == "referrer_not_permitted_to_redeem"


async def test_concurrent_redemptions_of_one_referee_convert_once(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    points = await h.loyalty_program(client)
    campaign = await h.referral_program(client, points["id"])
    code = await h.publish(client, campaign["id"], "ann")
    h.ok(await client.post("/v1/customers", json={"source_id": "bob"}))
    responses = await asyncio.gather(
        *(client.post("/v1/redemptions", json=h.redemption(code, "bob")) for _ in range(8))
    )
    assert Counter(r.status_code for r in responses) == {200: 8}
    bob = await h.customer(client, "bob")
    assert bob["referrals"]["total"] == 1
    assert await h.points_of(client, points["id"], "bob") == 100
    assert len(await recorded_events(db, project, "customer.referred")) == 1
    assert len(await recorded_events(db, project, "customer.rewarded")) == 1


async def test_plain_codes_are_untouched(client: httpx.AsyncClient) -> None:
    coupons = await h.coupon_campaign(client)
    code = await h.publish(client, coupons["id"], "ann")
    body = h.ok(await client.post("/v1/redemptions", json=h.redemption(code, "bob")))
    assert body["order"]["referrer_id"] is None
    assert (await h.customer(client, "bob"))["referrals"] == {"total": 0, "campaigns": []}


async def test_conversion_by_custom_event(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    points = await h.loyalty_program(client)
    campaign = await h.referral_program(
        client,
        points["id"],
        conversion_event_type="custom_event",
        custom_event={"name": "signed_up"},
    )
    code = await h.publish(client, campaign["id"], "ann")
    ann = await h.customer(client, "ann")
    # A redemption does not convert in a custom-event program.
    h.ok(await client.post("/v1/redemptions", json=h.redemption(code, "carl")))
    assert (await h.customer(client, "carl"))["referrals"]["total"] == 0
    event = {"event": "signed_up", "customer": {"source_id": "bob"}, "referral": {"code": code}}
    h.ok(await client.post("/v1/events", json=event))
    h.ok(await client.post("/v1/events", json=event))  # converts once
    bob = await h.customer(client, "bob")
    assert bob["referrals"]["total"] == 1
    entry = bob["referrals"]["campaigns"][0]
    assert entry["related_object_type"] == "custom_event" and entry["referrer_id"] == ann["id"]
    assert await h.points_of(client, points["id"], "bob") == 100
    # Another event name records the event only.
    other = {**event, "event": "opened_app", "customer": {"source_id": "dan"}}
    h.ok(await client.post("/v1/events", json=other))
    assert (await h.customer(client, "dan"))["referrals"]["total"] == 0
    assert len(await recorded_events(db, project, "customer.referred")) == 1


async def test_custom_event_bad_referral_changes_nothing(client: httpx.AsyncClient) -> None:
    points = await h.loyalty_program(client)
    campaign = await h.referral_program(
        client,
        points["id"],
        conversion_event_type="custom_event",
        custom_event={"name": "signed_up"},
    )
    code = await h.publish(client, campaign["id"], "ann")
    h.ok(await client.post("/v1/customers", json={"source_id": "other"}))
    unknown = await client.post(
        "/v1/events",
        json={"event": "signed_up", "customer": {"source_id": "x1"}, "referral": {"code": "NOPE"}},
    )
    assert unknown.status_code == 404
    own = await client.post(
        "/v1/events",
        json={"event": "signed_up", "customer": {"source_id": "ann"}, "referral": {"code": code}},
    )
    assert (own.status_code, own.json()["key"]) == (400, "referrer_not_permitted_to_redeem")
    wrong = await client.post(
        "/v1/events",
        json={
            "event": "signed_up",
            "customer": {"source_id": "x2"},
            "referral": {"code": code, "referrer_id": "other"},
        },
    )
    assert wrong.status_code == 400
    for who in ("x1", "x2"):
        assert (await client.get(f"/v1/customers/{who}")).status_code == 404


async def test_bad_programs_are_refused(client: httpx.AsyncClient) -> None:
    coupons = await h.coupon_campaign(client)
    wrong_parent = h.referral_body(
        reward={"related_object_parent": {"id": coupons["id"]}, "type": "LOYALTY_CARD", "amount": 5}
    )
    missing_parent = h.referral_body(
        reward={"related_object_parent": {"id": "camp_nope"}, "type": "LOYALTY_CARD", "amount": 5}
    )
    no_event = h.referral_body(conversion_event_type="custom_event")
    on_coupons = {
        "name": "x",
        "campaign_type": "DISCOUNT_COUPONS",
        "voucher": {"type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 1}},
        "referral_program": {"conversion_event_type": "redemption"},
    }
    zero = h.referral_body(
        reward={"related_object_parent": {"id": coupons["id"]}, "type": "LOYALTY_CARD", "amount": 0}
    )
    for body, status in (
        (wrong_parent, 400),
        (missing_parent, 404),
        (no_event, 400),
        (on_coupons, 400),
        (zero, 400),
    ):
        resp = await client.post("/v1/campaigns", json=body)
        assert resp.status_code == status, resp.text
    listing = h.ok(await client.get("/v1/campaigns"))
    assert [c["name"] for c in listing["campaigns"]] == ["Thanks"]
