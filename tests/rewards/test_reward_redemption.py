"""Redeeming rewards with points: what each reward type hands over, what it costs, the
response body, the events, and bad input answered with a clear 4xx and nothing changed."""

from __future__ import annotations

from typing import Any

import httpx

from tests.rewards import helpers as h
from tests.support import ProjectKeys, recorded_events
from voucherd.kit.db import Database


async def _setup(client: httpx.AsyncClient, points: int = 500) -> tuple[dict[str, Any], ...]:
    program = await h.program(client)
    card = await h.member(client, program["id"], points=points)
    coupons = await h.discount_campaign(client)
    reward = await h.campaign_reward(client, coupons["id"])
    await h.assign(client, reward["id"], program["id"], 100)
    return program, card, coupons, reward


async def test_campaign_reward_issues_a_code_and_answers_with_the_redemption(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    program, card, coupons, reward = await _setup(client)
    body = h.ok(await h.redeem(client, card["code"], reward["id"], metadata={"shop": "a"}))
    assert body["id"].startswith("r_") and body["object"] == "redemption"
    assert body["result"] == "SUCCESS" and body["status"] == "SUCCEEDED"
    assert body["amount"] == 100 and body["loyalty_card"] == {"points": 100}
    assert body["related_object_type"] == "voucher" and body["related_object_id"] == card["id"]
    assert body["metadata"] == {"shop": "a"}
    assert body["voucher"]["code"] == card["code"]
    assert body["voucher"]["loyalty_card"]["balance"] == 400
    assert body["voucher"]["holder"]["source_id"] == "130524-01"
    issued = body["reward"]["voucher"]
    assert body["reward"]["id"] == reward["id"] and body["reward"]["type"] == "CAMPAIGN"
    assert issued["campaign_id"] == coupons["id"] and issued["holder_id"] == body["customer_id"]
    # The same redemption is listed and read back through /v1/redemptions.
    stored = h.ok(await client.get(f"/v1/redemptions/{body['id']}"))
    assert stored["amount"] == 100 and stored["reward"]["voucher"]["code"] == issued["code"]
    # The points left through the ledger, with the redemption and reward in the details.
    txs = h.ok(await client.get(f"/v1/loyalties/members/{card['code']}/transactions"))
    spent = txs["data"][0]
    assert spent["type"] == "POINTS_REDEMPTION"
    assert spent["details"]["redemption"] == {"id": body["id"]}
    assert spent["details"]["reward"] == {"id": reward["id"], "name": reward["name"]}
    # Every step was recorded, in one request.
    for kind in ("created", "pending", "completed"):
        [event] = await recorded_events(db, project, f"customer.reward_redemptions.{kind}")
        assert event.data["reward_redemption"]["state"] == kind.upper()
    assert len(await recorded_events(db, project, "customer.rewarded")) == 1
    # Two publications: the member's card, then the reward's code.
    published = await recorded_events(db, project, "publication.succeeded")
    assert [e.data["voucher"]["code"] for e in published] == [card["code"], issued["code"]]
    moved = await recorded_events(db, project, "voucher.loyalty_card.transaction.created")
    assert moved[-1].data["transaction"]["type"] == "POINTS_REDEMPTION"
    assert program["id"] == card["campaign_id"]


async def test_campaign_scoped_path_needs_the_card_of_that_program(
    client: httpx.AsyncClient,
) -> None:
    program, card, _, reward = await _setup(client)
    url = f"/v1/loyalties/{program['id']}/members/{card['code']}/redemption"
    assert h.ok(await client.post(url, json={"reward": {"id": reward["id"]}}))["amount"] == 100
    other = await h.program(client, name="Other program")
    wrong = await client.post(
        f"/v1/loyalties/{other['id']}/members/{card['code']}/redemption",
        json={"reward": {"id": reward["id"]}},
    )
    assert wrong.status_code == 404


async def test_gift_reward_adds_credits_to_the_customers_gift_card(
    client: httpx.AsyncClient,
) -> None:
    program = await h.program(client)
    card = await h.member(client, program["id"], points=100)
    gifts = await h.gift_campaign(client)
    reward = await h.reward(
        client, {"name": "$10", "parameters": {"campaign": {"id": gifts["id"], "balance": 1000}}}
    )
    await h.assign(client, reward["id"], program["id"], 30)
    first = h.ok(await h.redeem(client, card["code"], reward["id"]))
    second = h.ok(await h.redeem(client, card["code"], reward["id"]))
    gift_code = first["reward"]["voucher"]["code"]
    assert second["reward"]["voucher"]["code"] == gift_code  # the same card, topped up
    gift = h.ok(await client.get(f"/v1/vouchers/{gift_code}"))
    assert gift["gift"]["balance"] == 2000
    assert gift["holder_id"] == first["customer_id"]


async def test_loyalty_reward_adds_points_in_another_program(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    program = await h.program(client)
    partner = await h.program(client, name="Partner points")
    card = await h.member(client, program["id"], points=100)
    points = {"campaign": {"id": partner["id"], "balance": 25}}
    reward = await h.reward(client, {"name": "25 partner pts", "parameters": points})
    await h.assign(client, reward["id"], program["id"], 40)
    body = h.ok(await h.redeem(client, card["code"], reward["id"]))
    partner_card = body["reward"]["voucher"]
    assert partner_card["campaign_id"] == partner["id"]
    after = await h.card(client, partner_card["code"])
    assert after["loyalty_card"]["balance"] == 25 and after["loyalty_card"]["points"] == 25
    assert (await h.card(client, card["code"]))["loyalty_card"]["balance"] == 60
    [completed] = await recorded_events(db, project, "customer.reward_redemptions.completed")
    assert completed.data["balance"] == {"points": 25}
    assert "publication" not in completed.data
    added = await recorded_events(db, project, "voucher.loyalty_card.points_added")
    assert [e.data["voucher"]["code"] for e in added][-1] == partner_card["code"]


async def test_pay_with_points_discounts_the_order(client: httpx.AsyncClient) -> None:
    program = await h.program(client)
    card = await h.member(client, program["id"], points=1000)
    ratio = {"coin": {"exchange_ratio": 1, "points_ratio": 10}}
    coin = await h.reward(client, {"name": "Pay with points", "parameters": ratio})
    h.ok(await client.post(f"/v1/loyalties/{program['id']}/rewards", json=[{"reward": coin["id"]}]))
    order = {"items": [{"source_id": "shoe", "quantity": 1, "price": 2500}]}
    # 150 points at 10 points per 1.00 pay 15.00 of the 25.00 order.
    pick = {"id": coin["id"], "points": 150}
    paid = h.ok(await h.redeem(client, card["code"], coin["id"], reward=pick, order=order))
    assert paid["amount"] == 150
    assert paid["order"]["discount_amount"] == 1500 and paid["order"]["total_amount"] == 1000
    assert paid["order"]["status"] == "PAID"
    # Without `points`, as many as the whole order needs.
    rest = h.ok(await h.redeem(client, card["code"], coin["id"], order=order))
    assert rest["amount"] == 250 and rest["order"]["total_amount"] == 0
    assert (await h.card(client, card["code"]))["loyalty_card"]["balance"] == 1000 - 150 - 250
    too_many = await h.redeem(
        client, card["code"], coin["id"], reward={"id": coin["id"], "points": 251}, order=order
    )
    assert too_many.status_code == 400
    no_order = await h.redeem(client, card["code"], coin["id"])
    assert (no_order.status_code, no_order.json()["key"]) == (400, "missing_order")


async def test_bad_reward_redemptions_get_a_clear_4xx_and_change_nothing(
    client: httpx.AsyncClient,
) -> None:
    _, card, coupons, reward = await _setup(client, points=150)
    unassigned = await h.campaign_reward(client, coupons["id"], name="not in the program")
    url = f"/v1/loyalties/members/{card['code']}/redemption"
    nobody = "/v1/loyalties/members/NOPE/redemption"
    cases: list[tuple[str, Any, int, str]] = [
        (nobody, {"reward": {"id": reward["id"]}}, 404, "not_found"),
        (url, {}, 400, "missing_reward"),
        (url, {"reward": {}}, 400, "missing_reward"),
        (url, {"reward": {"id": "rew_nope"}}, 404, "not_found"),
        (url, {"reward": {"id": unassigned["id"]}}, 400, "missing_reward"),
        (url, {"reward": {"id": reward["id"], "points": -5}}, 400, "invalid_payload"),
        (url, {"reward": {"id": reward["id"], "points": "10"}}, 400, "invalid_payload"),
        (url, {"reward": "rew"}, 400, "invalid_payload"),
        (url, [], 400, "invalid_payload"),
    ]
    for path, body, status, key in cases:
        resp = await client.post(path, json=body)
        assert (resp.status_code, resp.json()["key"]) == (status, key), (body, resp.text)
    h.ok(await h.redeem(client, card["code"], reward["id"]))
    broke = await h.redeem(client, card["code"], reward["id"])
    assert (broke.status_code, broke.json()["key"]) == (400, "loyalty_card_points_exceeded")
    after = await h.card(client, card["code"])
    assert after["loyalty_card"]["balance"] == 50
    assert after["redemption"]["redeemed_quantity"] == 1
    issued = h.ok(await client.get("/v1/vouchers", params={"campaign_id": coupons["id"]}))
    assert issued["total"] == 1


async def test_a_disabled_card_cannot_redeem(client: httpx.AsyncClient) -> None:
    _, card, _, reward = await _setup(client)
    h.ok(await client.post(f"/v1/vouchers/{card['code']}/disable"))
    resp = await h.redeem(client, card["code"], reward["id"])
    assert (resp.status_code, resp.json()["key"]) == (400, "voucher_disabled")
    assert (await h.card(client, card["code"]))["loyalty_card"]["balance"] == 500


async def test_a_card_of_a_program_that_has_ended_cannot_redeem(client: httpx.AsyncClient) -> None:
    # The program's dates count as they do for any voucher of a campaign.
    program, card, _, reward = await _setup(client)
    h.ok(
        await client.put(
            f"/v1/loyalties/{program['id']}", json={"expiration_date": "2001-01-01T00:00:00Z"}
        )
    )
    resp = await h.redeem(client, card["code"], reward["id"])
    assert (resp.status_code, resp.json()["key"]) == (400, "voucher_disabled")
    assert (await h.card(client, card["code"]))["loyalty_card"]["balance"] == 500
