"""The rewards catalogue (`/v1/rewards`), assignments from both paths, a member's rewards."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.rewards import helpers as h


async def test_the_reward_type_follows_from_its_parameters(client: httpx.AsyncClient) -> None:
    coupons = await h.discount_campaign(client)
    gifts = await h.gift_campaign(client)
    program = await h.program(client)
    bottle = await h.product(client)
    digital = await h.campaign_reward(client, coupons["id"])
    assert digital["id"].startswith("rew_") and digital["object"] == "reward"
    assert digital["type"] == "CAMPAIGN"
    assert digital["parameters"] == {"campaign": {"id": coupons["id"], "type": "DISCOUNT_COUPONS"}}
    assert digital["stock"] is None and digital["redeemed"] == 0
    credits = await h.reward(
        client,
        {"name": "$10 credits", "parameters": {"campaign": {"id": gifts["id"], "balance": 1000}}},
    )
    assert credits["parameters"]["campaign"] == {
        "id": gifts["id"],
        "type": "GIFT_VOUCHERS",
        "balance": 1000,
    }
    points = await h.reward(
        client,
        {"name": "Bonus", "parameters": {"campaign": {"id": program["name"], "balance": 25}}},
    )
    assert points["parameters"]["campaign"]["id"] == program["id"]
    coin = await h.reward(
        client,
        {
            "name": "Pay with points",
            "parameters": {"coin": {"exchange_ratio": 1, "points_ratio": "10"}},
        },
    )
    assert coin["type"] == "COIN"
    assert coin["parameters"] == {"coin": {"exchange_ratio": 1, "points_ratio": 10}}
    material = await h.reward(
        client,
        {
            "name": "Bottle",
            "parameters": {"product": {"id": bottle["source_id"]}},
            "stock": 5,
            "attributes": {"image_url": "https://img.test/b.png", "description": "Steel"},
            "metadata": {"tier": "gold"},
        },
    )
    assert material["type"] == "MATERIAL" and material["stock"] == 5
    assert material["parameters"] == {"product": {"id": bottle["id"], "sku_id": None}}
    assert material["attributes"] == {"image_url": "https://img.test/b.png", "description": "Steel"}
    assert material["metadata"] == {"tier": "gold"}
    assert h.ok(await client.get(f"/v1/rewards/{material['id']}")) == material
    listing = h.ok(await client.get("/v1/rewards"))
    assert listing["object"] == "list" and listing["data_ref"] == "data"
    assert listing["total"] == 5 and listing["data"][0]["id"] == material["id"]


COIN = {"coin": {"exchange_ratio": 1, "points_ratio": 1}}
BAD = (400, "invalid_payload")
MISSING = (404, "not_found")


@pytest.mark.parametrize(
    ("body", "answer"),
    [
        ({"name": "x"}, BAD),
        ({"name": "x", "parameters": {}}, BAD),
        ({"parameters": COIN}, BAD),
        ({"name": 7, "parameters": COIN}, BAD),
        ({"name": "x", "parameters": {"campaign": {"id": "camp_nope"}}}, MISSING),
        ({"name": "x", "parameters": {"campaign": {}}}, BAD),
        ({"name": "x", "parameters": {"product": {"id": "prod_nope"}}}, MISSING),
        ({"name": "x", "parameters": {"product": {}}}, BAD),
        ({"name": "x", "parameters": {"coin": {"exchange_ratio": 0, "points_ratio": 1}}}, BAD),
        ({"name": "x", "parameters": {"coin": {"exchange_ratio": 1}}}, BAD),
        ({"name": "x", "parameters": {**COIN, "product": {"id": "p"}}}, BAD),
        ({"name": "x", "type": "MATERIAL", "parameters": COIN}, BAD),
        ({"name": "x", "parameters": COIN, "stock": 3}, BAD),
        ({"name": "x", "parameters": COIN, "stock": -1}, BAD),
    ],
)
async def test_bad_reward_bodies_are_refused(
    client: httpx.AsyncClient, body: dict[str, Any], answer: tuple[int, str]
) -> None:
    resp = await client.post("/v1/rewards", json=body)
    assert (resp.status_code, resp.json()["key"]) == answer, resp.text


async def test_campaign_rewards_check_their_source(client: httpx.AsyncClient) -> None:
    gifts = await h.gift_campaign(client)
    no_balance = await client.post(
        "/v1/rewards", json={"name": "x", "parameters": {"campaign": {"id": gifts["id"]}}}
    )
    assert no_balance.status_code == 400 and "balance" in no_balance.json()["details"]
    negative = await client.post(
        "/v1/rewards",
        json={"name": "x", "parameters": {"campaign": {"id": gifts["id"], "balance": -5}}},
    )
    assert negative.status_code == 400
    bottle = await h.product(client)
    other = await h.product(client, source_id="mug", name="Mug")
    sku = h.ok(await client.post(f"/v1/products/{other['id']}/skus", json={"source_id": "mug-l"}))
    wrong_sku = await client.post(
        "/v1/rewards",
        json={"name": "x", "parameters": {"product": {"id": bottle["id"], "sku_id": sku["id"]}}},
    )
    assert wrong_sku.status_code == 404
    right = await h.reward(
        client, {"name": "Mug L", "parameters": {"product": {"id": other["id"], "sku_id": "mug-l"}}}
    )
    assert right["parameters"]["product"] == {"id": other["id"], "sku_id": sku["id"]}


async def test_update_changes_only_what_is_sent(client: httpx.AsyncClient) -> None:
    bottle = await h.product(client)
    reward = await h.material_reward(client, bottle["id"], stock=2)
    updated = h.ok(
        await client.put(f"/v1/rewards/{reward['id']}", json={"name": "Bottle", "stock": 7})
    )
    assert updated["name"] == "Bottle" and updated["stock"] == 7
    assert updated["parameters"] == reward["parameters"]
    assert updated["updated_at"] is not None
    coupons = await h.discount_campaign(client)
    retype = await client.put(
        f"/v1/rewards/{reward['id']}", json={"parameters": {"campaign": {"id": coupons["id"]}}}
    )
    assert retype.status_code == 400
    unlimited = h.ok(await client.put(f"/v1/rewards/{reward['id']}", json={"stock": None}))
    assert unlimited["stock"] is None


async def test_stock_cannot_drop_below_what_was_redeemed(client: httpx.AsyncClient) -> None:
    program = await h.program(client)
    card = await h.member(client, program["id"], points=100)
    bottle = await h.product(client)
    reward = await h.material_reward(client, bottle["id"], stock=5)
    await h.assign(client, reward["id"], program["id"], 10)
    for _ in range(2):
        h.ok(await h.redeem(client, card["code"], reward["id"]))
    resp = await client.put(f"/v1/rewards/{reward['id']}", json={"stock": 1})
    assert resp.status_code == 400
    assert h.ok(await client.put(f"/v1/rewards/{reward['id']}", json={"stock": 2}))["stock"] == 2


async def test_deleting_a_reward_removes_its_assignments(client: httpx.AsyncClient) -> None:
    program = await h.program(client)
    coupons = await h.discount_campaign(client)
    reward = await h.campaign_reward(client, coupons["id"])
    assignment = await h.assign(client, reward["id"], program["id"], 10)
    resp = await client.delete(f"/v1/rewards/{reward['id']}")
    assert resp.status_code == 204
    assert (await client.get(f"/v1/rewards/{reward['id']}")).status_code == 404
    gone = await client.get(f"/v1/loyalties/{program['id']}/rewards/{assignment['id']}")
    assert gone.status_code == 404


async def test_assignments_from_the_reward_side(client: httpx.AsyncClient) -> None:
    program = await h.program(client)
    coupons = await h.discount_campaign(client)
    reward = await h.campaign_reward(client, coupons["id"])
    assignment = await h.assign(client, reward["id"], program["id"], 100)
    assert assignment["id"].startswith("rewa_")
    assert assignment == {
        **assignment,
        "reward_id": reward["id"],
        "related_object_id": program["id"],
        "related_object_type": "campaign",
        "parameters": {"loyalty": {"points": 100}},
        "object": "reward_assignment",
        "updated_at": None,
    }
    base = f"/v1/rewards/{reward['id']}/assignments"
    listing = h.ok(await client.get(base))
    assert listing["total"] == 1 and listing["data"] == [assignment]
    assert h.ok(await client.get(f"{base}/{assignment['id']}")) == assignment
    updated = h.ok(
        await client.put(
            f"{base}/{assignment['id']}", json={"parameters": {"loyalty": {"points": 120}}}
        )
    )
    assert updated["parameters"] == {"loyalty": {"points": 120}}
    by_assignment = h.ok(await client.get("/v1/rewards", params={"assignment_id": updated["id"]}))
    assert [r["id"] for r in by_assignment["data"]] == [reward["id"]]
    assert (await client.delete(f"{base}/{assignment['id']}")).status_code == 204
    assert (await client.get(f"{base}/{assignment['id']}")).status_code == 404


async def test_assignment_rules(client: httpx.AsyncClient) -> None:
    program = await h.program(client)
    coupons = await h.discount_campaign(client)
    reward = await h.campaign_reward(client, coupons["id"])
    base = f"/v1/rewards/{reward['id']}/assignments"

    def cost(points: int) -> dict[str, Any]:
        return {"loyalty": {"points": points}}

    cases: list[tuple[dict[str, Any], tuple[int, str]]] = [
        ({"campaign": coupons["id"], "parameters": cost(5)}, BAD),  # not a loyalty program
        ({"parameters": cost(5)}, BAD),
        ({"campaign": "camp_nope", "parameters": cost(5)}, MISSING),
        ({"campaign": program["id"]}, BAD),
        ({"campaign": program["id"], "parameters": cost(0)}, BAD),
        ({"campaign": program["id"], "parameters": cost(-3)}, BAD),
    ]
    for body, answer in cases:
        resp = await client.post(base, json=body)
        assert (resp.status_code, resp.json()["key"]) == answer, body
    await h.assign(client, reward["id"], program["id"], 5)
    again = await client.post(
        base, json={"campaign": program["id"], "parameters": {"loyalty": {"points": 9}}}
    )
    assert again.status_code == 409 and again.json()["key"] == "duplicate_found"
    elsewhere = await client.get(f"/v1/rewards/rew_other/assignments/{again.json()['resource_id']}")
    assert elsewhere.status_code == 404


async def test_assignments_from_the_program_side(client: httpx.AsyncClient) -> None:
    program = await h.program(client)
    coupons = await h.discount_campaign(client)
    first = await h.campaign_reward(client, coupons["id"], name="A")
    second = await h.campaign_reward(client, coupons["id"], name="B")
    base = f"/v1/loyalties/{program['id']}/rewards"
    created = h.ok(
        await client.post(
            base,
            json=[
                {"reward": first["id"], "parameters": {"loyalty": {"points": 10}}},
                {"reward": second["id"], "parameters": {"loyalty": {"points": 20}}},
            ],
        )
    )
    assert created["reward_id"] == first["id"]
    assert created["parameters"] == {"loyalty": {"points": 10}}
    listing = h.ok(await client.get(base))
    assert listing["total"] == 2
    only = h.ok(await client.get(base, params={"assignment_id": created["id"]}))
    assert [a["id"] for a in only["data"]] == [created["id"]]
    assert h.ok(await client.get(f"{base}/{created['id']}")) == created
    updated = h.ok(
        await client.put(
            f"{base}/{created['id']}", json={"parameters": {"loyalty": {"points": 15}}}
        )
    )
    assert updated["parameters"]["loyalty"]["points"] == 15
    legacy = f"/v1/loyalties/{program['id']}/reward-assignments"
    assert h.ok(await client.get(legacy))["total"] == 2
    camel = h.ok(await client.get(legacy, params={"assignmentId": created["id"]}))
    assert camel["total"] == 1
    assert h.ok(await client.get(f"{legacy}/{created['id']}"))["id"] == created["id"]
    assert h.ok(await client.get(f"{legacy}/{created['id']}/reward"))["id"] == first["id"]
    assert (await client.delete(f"{base}/{created['id']}")).status_code == 204
    assert h.ok(await client.get(base))["total"] == 1
    # A single object is read as a one-item array; the program must be a loyalty program.
    third = await h.campaign_reward(client, coupons["id"], name="C")
    single = h.ok(
        await client.post(
            base, json={"reward": third["id"], "parameters": {"loyalty": {"points": 3}}}
        )
    )
    assert single["reward_id"] == third["id"]
    not_program = await client.post(
        f"/v1/loyalties/{coupons['id']}/rewards",
        json=[{"reward": third["id"], "parameters": {"loyalty": {"points": 3}}}],
    )
    assert not_program.status_code == 404
    assert (await client.post(base, json=[])).status_code == 400


async def test_member_rewards_and_affordable_only(client: httpx.AsyncClient) -> None:
    program = await h.program(client)
    card = await h.member(client, program["id"], points=60)
    coupons = await h.discount_campaign(client)
    bottle = await h.product(client)
    cheap = await h.campaign_reward(client, coupons["id"], name="cheap")
    dear = await h.campaign_reward(client, coupons["id"], name="dear")
    sold_out = await h.material_reward(client, bottle["id"], stock=0, name="sold out")
    for reward, points in ((cheap, 50), (dear, 100), (sold_out, 10)):
        await h.assign(client, reward["id"], program["id"], points)
    url = f"/v1/loyalties/members/{card['code']}/rewards"
    everything = h.ok(await client.get(url))
    assert everything["object"] == "list" and everything["total"] == 3
    item = everything["data"][0]
    assert item["object"] == "loyalty_reward"
    assert item["reward"]["id"] == cheap["id"]
    assert item["assignment"]["parameters"] == {"loyalty": {"points": 50}}
    affordable = h.ok(await client.get(url, params={"affordable_only": "true"}))
    assert [i["reward"]["id"] for i in affordable["data"]] == [cheap["id"]]
    assert affordable["total"] == 1
    unknown = await client.get("/v1/loyalties/members/NOPE/rewards")
    assert unknown.status_code == 404
