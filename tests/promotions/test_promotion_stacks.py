"""Promotion stacks: ordered tiers of one campaign, CRUD, lists and refusals."""

from __future__ import annotations

import httpx

from tests.promotions.support import make_promotion, ok, tier


async def test_stack_crud_and_lists(client: httpx.AsyncClient) -> None:
    campaign = await make_promotion(client)
    five, ten = (t["id"] for t in campaign["promotion"]["tiers"])
    category = ok(await client.post("/v1/categories", json={"name": "Stacks", "hierarchy": 2}))
    base = f"/v1/promotions/{campaign['id']}/stacks"
    made = ok(
        await client.post(
            base,
            json={
                "name": "Both",
                "tiers": {"ids": [ten, five], "hierarchy_mode": "MANUAL"},
                "category_id": category["id"],
            },
        )
    )
    assert made["id"].startswith("stack_") and made["object"] == "promotion_stack"
    assert made["tiers"] == {"ids": [ten, five], "hierarchy_mode": "MANUAL"}
    assert made["campaign_id"] == campaign["id"] and made["category_id"] == category["id"]
    assert [c["id"] for c in made["categories"]] == [category["id"]]
    assert ok(await client.get(f"{base}/{made['id']}")) == made
    other = ok(await client.post(base, json={"name": "Five", "tiers": {"ids": [five]}}))
    assert other["categories"] == [] and other["category_id"] is None

    in_campaign = ok(await client.get(base))
    assert (in_campaign["data_ref"], in_campaign["total"]) == ("data", 2)
    assert [s["name"] for s in in_campaign["data"]] == ["Both", "Five"]
    by_name = ok(await client.get("/v1/promotions/stacks", params={"order": "name"}))
    assert [s["name"] for s in by_name["data"]] == ["Both", "Five"]
    newest = ok(await client.get("/v1/promotions/stacks", params={"limit": 1}))
    assert [s["name"] for s in newest["data"]] == ["Five"] and newest["total"] == 2
    after = ok(
        await client.get(
            "/v1/promotions/stacks", params={"created_at[after]": "2999-01-01T00:00:00Z"}
        )
    )
    assert after["total"] == 0

    updated = ok(
        await client.put(
            f"{base}/{made['id']}", json={"name": "Renamed", "tiers": {"ids": [five, ten]}}
        )
    )
    assert updated["name"] == "Renamed" and updated["tiers"]["ids"] == [five, ten]
    assert updated["category_id"] == category["id"] and updated["updated_at"] is not None
    cleared = ok(await client.put(f"{base}/{made['id']}", json={"category_id": None}))
    assert cleared["category_id"] is None and cleared["name"] == "Renamed"

    assert (await client.delete(f"{base}/{made['id']}")).status_code == 204
    assert (await client.get(f"{base}/{made['id']}")).status_code == 404
    assert (await client.delete(f"{base}/{made['id']}")).status_code == 404
    assert ok(await client.get("/v1/promotions/stacks"))["total"] == 1


async def test_stack_tiers_must_be_this_campaigns_live_tiers(client: httpx.AsyncClient) -> None:
    campaign = await make_promotion(client)
    five, ten = (t["id"] for t in campaign["promotion"]["tiers"])
    elsewhere = await make_promotion(client, name="Elsewhere", tiers=[tier("x", 1)])
    foreign = elsewhere["promotion"]["tiers"][0]["id"]
    base = f"/v1/promotions/{campaign['id']}/stacks"
    many = [five] * 31
    for ids, status in [
        ([five, five], 400),
        ([five, foreign], 400),
        ([five, "promo_nope"], 404),
        ([], 400),
        (many, 400),
    ]:
        resp = await client.post(base, json={"name": "s", "tiers": {"ids": ids}})
        assert resp.status_code == status, (ids, resp.text)
    for body in [
        {"tiers": {"ids": [five]}},
        {"name": "s"},
        {"name": "s", "tiers": {"ids": [five], "hierarchy_mode": "AUTO"}},
        {"name": "s", "tiers": {"ids": [five]}, "category_id": "cat_nope"},
    ]:
        resp = await client.post(base, json=body)
        assert resp.status_code in (400, 404), (body, resp.text)
    assert ok(await client.get("/v1/promotions/stacks"))["total"] == 0

    stack = ok(await client.post(base, json={"name": "s", "tiers": {"ids": [five, ten]}}))
    resp = await client.put(f"{base}/{stack['id']}", json={"tiers": {"ids": [foreign]}})
    assert resp.status_code == 400
    # A deleted tier cannot join a stack.
    assert (await client.delete(f"/v1/promotions/tiers/{ten}")).status_code == 204
    resp = await client.put(f"{base}/{stack['id']}", json={"tiers": {"ids": [ten]}})
    assert resp.status_code == 404
    assert ok(await client.get(f"{base}/{stack['id']}"))["tiers"]["ids"] == [five, ten]
    # The stack belongs to its campaign: another campaign's path does not find it.
    wrong = f"/v1/promotions/{elsewhere['id']}/stacks/{stack['id']}"
    assert (await client.get(wrong)).status_code == 404
