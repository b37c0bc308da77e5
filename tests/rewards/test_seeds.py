"""Seeds 000, 001 and 002 from real flows: a CAMPAIGN reward costing 100 points (its reward
redemption goes pending, then completed with the publication of the issued code) and a
MATERIAL reward costing 50 points (`customer.rewarded`)."""

from __future__ import annotations

import copy

import httpx

from tests.rewards import helpers as h
from tests.support import ProjectKeys, assert_same_shape, recorded_events
from voucherd.kit.db import Database


async def _campaign_reward_redeemed_three_times(
    client: httpx.AsyncClient,
) -> tuple[dict[str, object], str]:
    program = await h.program(client)
    card = await h.member(client, program["id"], points=370)
    coupons = await h.discount_campaign(client)
    reward = await h.campaign_reward(client, coupons["id"])
    await h.assign(client, reward["id"], program["id"], 100)
    for _ in range(3):
        h.ok(await h.redeem(client, card["code"], reward["id"]))
    return reward, card["code"]


async def test_seed_000_reward_redemption_pending(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    reward, code = await _campaign_reward_redeemed_three_times(client)
    events = await recorded_events(db, project, "customer.reward_redemptions.pending")
    assert len(events) == 3
    data = events[-1].data
    seed = copy.deepcopy(h.load_reward_seed("seed_000_customer_reward_redemptions_pending.json"))
    # Doc artefact: the page shows a CAMPAIGN reward carrying a `product`. A CAMPAIGN reward
    # has no product; voucherd sends `product: null` for it (checked below), so the seed's
    # product object is not compared.
    del seed["reward"]["product"]
    assert_same_shape(seed, data)
    assert data["reward"]["product"] is None
    assert data["reward"]["type"] == "CAMPAIGN" and data["reward"]["id"] == reward["id"]
    # The numbers follow from the flow: 370 earned, three rewards of 100 taken.
    card = data["voucher"]
    assert card["code"] == code
    assert card["loyalty_card"]["points"] == 370
    assert card["loyalty_card"]["balance"] == 70
    assert card["redemption"]["redeemed_points"] == 300
    assert card["redemption"]["redeemed_quantity"] == 3
    assert card["loyalty_card"]["points"] == (
        card["loyalty_card"]["balance"] + card["redemption"]["redeemed_points"]
    )
    rr = data["reward_redemption"]
    assert rr["state"] == "PENDING" and rr["id"].startswith("rewr_")
    assert rr["source_type"] == "redemption" and rr["source_id"].startswith("r_")
    assert data["source"] == {"id": rr["source_id"], "type": "redemption"}
    assert rr["voucher_id"] == card["id"] and rr["campaign_id"] == data["campaign"]["id"]
    assert rr["customer_id"] == data["customer"]["id"] == data["holder"]["id"]
    assert data["reward_assignment"]["id"] == rr["reward_assignment_id"]
    assert data["reward_assignment"]["parameters"] == {"loyalty": {"points": 100}}
    assert data["reward"]["assignment_id"] == rr["reward_assignment_id"]
    assert data["campaign"]["campaign_type"] == "LOYALTY_PROGRAM"
    assert data["balance"] is None
    # Pending comes before the code is issued: the reward has no voucher yet.
    assert data["reward"]["voucher"] is None


async def test_seed_001_reward_redemption_completed_carries_the_publication(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    reward, code = await _campaign_reward_redeemed_three_times(client)
    events = await recorded_events(db, project, "customer.reward_redemptions.completed")
    assert len(events) == 3
    second = events[1].data
    seed = h.load_reward_seed("seed_001_customer_reward_redemptions_completed.json")
    # The seed's `assets.*.url` are template placeholders (`{{voucher_qr_code.url}}`): ours
    # are strings too, absolute links to the images voucherd serves.
    assert_same_shape(seed, second)
    for kind, asset in second["publication"]["voucher"]["assets"].items():
        assert asset["url"].startswith(f"http://voucherd.test/v1/assets/{kind}/")
    # Seed 001 is the second redemption of the card: redeemed_quantity 2, redeemed_points
    # 200, and points = balance + redeemed_points (here 370 = 170 + 200).
    card = second["voucher"]
    assert card["redemption"] == {"quantity": None, "redeemed_quantity": 2, "redeemed_points": 200}
    assert card["loyalty_card"]["balance"] == 170
    assert card["loyalty_card"]["points"] == 170 + 200
    assert second["reward_redemption"]["state"] == "COMPLETED"
    issued = second["reward"]["voucher"]
    publication = second["publication"]
    assert issued["type"] == "DISCOUNT_VOUCHER"
    assert issued["holder_id"] == second["customer"]["id"]
    assert issued["discount"]["percent_off"] == 10
    assert publication["id"].startswith("pub_") and publication["result"] == "SUCCESS"
    assert publication["voucher"]["code"] == issued["code"]
    assert publication["vouchers_id"] == [issued["id"]]
    assert publication["customer_id"] == second["customer"]["id"]
    assert publication["tracking_id"] == "130524-01"
    # Each redemption issued its own code, held by the member.
    codes = {e.data["reward"]["voucher"]["code"] for e in events}
    assert len(codes) == 3
    vouchers = h.ok(await client.get("/v1/vouchers", params={"customer": issued["holder_id"]}))
    assert codes <= {v["code"] for v in vouchers["vouchers"]}
    assert second["reward"]["id"] == reward["id"] and code == card["code"]


async def test_seed_002_customer_rewarded_for_a_material_reward(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    program = await h.program(client, name="Loyalty programme")
    card = await h.member(
        client,
        program["id"],
        source_id="jck-wbhk",
        name="Jack Webhook",
        metadata={"region": "EMEA"},
        points=900,
    )
    bottle = await h.product(client)
    reward = await h.material_reward(client, bottle["id"], stock=10)
    await h.assign(client, reward["id"], program["id"], 50)
    redeemed = h.ok(
        await h.redeem(
            client,
            card["code"],
            reward["id"],
            order={"items": [{"product_id": bottle["id"], "quantity": 1, "price": 2900}]},
            metadata={"location_id": []},
        )
    )

    [event] = await recorded_events(db, project, "customer.rewarded")
    seed = h.load_reward_seed("seed_002_customer_rewarded.json")
    data = event.data
    assert_same_shape(seed, data)
    # Doc artefact: the page labels the top-level reward CAMPAIGN; it is the MATERIAL one.
    assert data["reward"]["type"] == "MATERIAL" == data["redemption"]["reward"]["type"]
    assert data["reward"]["product"]["id"] == bottle["id"]
    assert data["reward"]["parameters"] == {"product": {"id": bottle["id"], "sku_id": None}}
    r = data["redemption"]
    assert r["id"] == redeemed["id"] and r["id"].startswith("r_")
    assert r["amount"] == 50
    assert r["result"] == "SUCCESS" and r["status"] == "SUCCEEDED"
    assert r["tracking_id"].startswith("track_")
    assert r["metadata"] == {"location_id": []}
    assert r["order"]["status"] == "PAID" and r["order"]["amount"] == 2900
    assert r["order"]["total_amount"] == 2900
    assert r["order"]["items"][0]["product_id"] == bottle["id"]
    assert r["reward"]["assignment_id"] == data["reward"]["assignment_id"]
    voucher = data["voucher"]
    assert voucher["loyalty_card"] == {**voucher["loyalty_card"], "points": 900, "balance": 850}
    assert voucher["redemption"]["redeemed_points"] == 50
    assert voucher["redemption"]["redeemed_quantity"] == 1
    assert r["voucher"]["loyalty_card"]["balance"] == 850
    for key in ("referral_tier", "balance", "custom_event", "customer_event"):
        assert data[key] is None
    assert data["customer"]["metadata"] == {"region": "EMEA"}
    # The stock counts the unit handed out.
    after = h.ok(await client.get(f"/v1/rewards/{reward['id']}"))
    assert after["redeemed"] == 1 and after["stock"] == 10
