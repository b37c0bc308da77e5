"""PROMOTION campaigns through `/v1/campaigns`: tiers made with the campaign, the
`promotion` list in its body, state changes, refusals, and deletion."""

from __future__ import annotations

import httpx

from tests.promotions.support import ORDER_OVER, make_promotion, ok, tier
from tests.support import ProjectKeys, recorded_events
from voucherd.kit.db import Database


async def test_created_campaign_shows_its_tiers_in_array_order(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    campaign = await make_promotion(client)
    assert campaign["campaign_type"] == "PROMOTION" and campaign["type"] == "STATIC"
    assert "voucher" not in campaign
    promotion = campaign["promotion"]
    assert (promotion["object"], promotion["data_ref"]) == ("list", "tiers")
    assert (promotion["total"], promotion["has_more"]) == (2, False)
    first, second = promotion["tiers"]
    assert [first["name"], second["name"]] == ["5%", "10%"]
    assert [first["hierarchy"], second["hierarchy"]] == [1, 2]
    assert first["id"].startswith("promo_") and first["object"] == "promotion_tier"
    assert first["promotion_id"] == first["campaign_id"] == campaign["id"]
    assert first["campaign"] == {
        "id": campaign["id"],
        "active": True,
        "category_id": None,
        "object": "campaign",
    }
    assert first["action"]["discount"] == {
        "type": "PERCENT",
        "percent_off": 5,
        "effect": "APPLY_TO_ORDER",
    }
    assert first["summary"] == {
        "redemptions": {"total_redeemed": 0},
        "orders": {"total_amount": 0, "total_discount_amount": 0},
    }
    assert first["validation_rule_assignments"]["total"] == 0
    assert ok(await client.get(f"/v1/campaigns/{campaign['id']}"))["promotion"] == promotion

    assert len(await recorded_events(db, project, "campaign.created")) == 1
    events = await recorded_events(db, project, "campaign.promotion_tier.created")
    assert [e.data["promotion_tier"]["id"] for e in events] == [first["id"], second["id"]]
    assert events[0].data["campaign"]["id"] == campaign["id"]
    assert events[0].data["promotion_tier"] == first


async def test_hierarchy_sent_is_kept_and_rules_are_assigned(client: httpx.AsyncClient) -> None:
    rule = ok(await client.post("/v1/validation-rules", json=ORDER_OVER))
    campaign = await make_promotion(
        client,
        tiers=[tier("a", 5, hierarchy=7, validation_rules=[rule["id"]]), tier("b", 10)],
        validation_rules=[rule["id"]],
        category="Cart",
    )
    by_name = {t["name"]: t for t in campaign["promotion"]["tiers"]}
    assert by_name["a"]["hierarchy"] == 7 and by_name["b"]["hierarchy"] == 2
    # Listed in the order they apply: the lower hierarchy first.
    assert [t["name"] for t in campaign["promotion"]["tiers"]] == ["b", "a"]
    assigned = by_name["a"]["validation_rule_assignments"]["data"]
    assert [(x["rule_id"], x["related_object_type"]) for x in assigned] == [
        (rule["id"], "promotion_tier")
    ]
    assert by_name["a"]["campaign"]["category_id"] == campaign["category_id"] is not None
    assert campaign["validation_rules_assignments"]["data"][0]["related_object_type"] == "campaign"
    listed = ok(
        await client.get(
            "/v1/validation-rules-assignments", params={"related_object_id": by_name["a"]["id"]}
        )
    )
    assert listed["total"] == 1


async def test_enable_disable_update_keep_promotion_and_tiers_see_campaign_state(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    campaign = await make_promotion(client)
    disabled = ok(await client.post(f"/v1/campaigns/{campaign['id']}/disable"))
    assert disabled["active"] is False and disabled["promotion"]["total"] == 2
    tier_id = campaign["promotion"]["tiers"][0]["id"]
    assert ok(await client.get(f"/v1/promotions/tiers/{tier_id}"))["campaign"]["active"] is False
    assert ok(await client.post(f"/v1/campaigns/{campaign['id']}/enable"))["active"] is True
    updated = ok(
        await client.put(f"/v1/campaigns/{campaign['id']}", json={"description": "Spring"})
    )
    assert updated["description"] == "Spring" and updated["promotion"]["total"] == 2
    listed = ok(await client.get("/v1/campaigns", params={"campaign_type": "PROMOTION"}))
    assert [c["id"] for c in listed["campaigns"]] == [campaign["id"]]
    assert listed["campaigns"][0]["promotion"]["total"] == 2
    assert len(await recorded_events(db, project, "campaign.disabled")) == 1
    assert len(await recorded_events(db, project, "campaign.enabled")) == 1


async def test_bad_promotion_bodies_are_refused_and_nothing_is_created(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    no_action = {"name": "x"}
    bad_discount = {"name": "x", "action": {"discount": {"type": "PERCENT"}}}
    bad_formula = {
        "name": "x",
        "action": {"discount": {"type": "PERCENT", "percent_off_formula": "IF(;"}},
    }
    for tiers, status, key in [
        ([no_action], 400, "invalid_payload"),
        ([bad_discount], 400, None),
        ([bad_formula], 400, "invalid_formula"),
        ([tier("x", 5, validation_rules=["val_nope"])], 404, "not_found"),
        ([tier("x", 5, validity_timeframe={"duration": "P1D"})], 400, None),
        ([tier("x", 5, validation_rule_assignments={"data": [{"rule_id": "val_1"}]})], 400, None),
    ]:
        resp = await client.post(
            "/v1/campaigns",
            json={"name": "Bad", "campaign_type": "PROMOTION", "promotion": {"tiers": tiers}},
        )
        assert resp.status_code == status, (tiers, resp.text)
        assert key is None or resp.json()["key"] == key
    codes = await client.post(
        "/v1/campaigns", json={"name": "Bad", "campaign_type": "PROMOTION", "vouchers_count": 3}
    )
    assert codes.status_code == 400 and "vouchers_count" in codes.json()["details"]
    not_promo = await client.post(
        "/v1/campaigns",
        json={
            "name": "Bad",
            "campaign_type": "DISCOUNT_COUPONS",
            "voucher": {"discount": {"type": "PERCENT", "percent_off": 5}},
            "promotion": {"tiers": [tier("x", 5)]},
        },
    )
    assert not_promo.status_code == 400
    assert ok(await client.get("/v1/campaigns"))["total"] == 0
    assert ok(await client.get("/v1/promotions/tiers"))["total"] == 0
    assert await recorded_events(db, project, "campaign.promotion_tier.created") == []


async def test_a_promotion_campaign_has_no_codes(client: httpx.AsyncClient) -> None:
    campaign = await make_promotion(client)
    for body in (
        {"discount": {"type": "PERCENT", "percent_off": 50}},
        {"gift": {"amount": 100}},
        {"vouchers_count": 2},
    ):
        resp = await client.put(f"/v1/campaigns/{campaign['id']}", json=body)
        assert resp.status_code == 400 and "PROMOTION" in resp.json()["details"], resp.text
    assert "voucher" not in ok(await client.get(f"/v1/campaigns/{campaign['id']}"))
    resp = await client.post(f"/v1/campaigns/{campaign['id']}/vouchers")
    assert resp.status_code == 400 and "no codes" in resp.json()["details"]
    resp = await client.post(
        f"/v1/campaigns/{campaign['id']}/vouchers", params={"vouchers_count": 3}
    )
    assert resp.status_code == 400
    assert ok(await client.get("/v1/vouchers"))["total"] == 0


async def test_deleting_the_campaign_removes_its_tiers_and_stacks_from_listings(
    client: httpx.AsyncClient,
) -> None:
    kept = await make_promotion(client, name="Kept", tiers=[tier("kept", 3)])
    gone = await make_promotion(client, name="Gone")
    ids = [t["id"] for t in gone["promotion"]["tiers"]]
    ok(
        await client.post(
            f"/v1/promotions/{gone['id']}/stacks", json={"name": "s", "tiers": {"ids": ids}}
        )
    )
    assert ok(await client.delete(f"/v1/campaigns/{gone['id']}"), 202)
    listed = ok(await client.get("/v1/promotions/tiers"))
    assert [t["id"] for t in listed["tiers"]] == [kept["promotion"]["tiers"][0]["id"]]
    assert ok(await client.get("/v1/promotions/stacks"))["total"] == 0
    assert (await client.get(f"/v1/promotions/tiers/{ids[0]}")).status_code == 404
    assert (await client.get(f"/v1/promotions/{gone['id']}/tiers")).status_code == 404
