"""`/v1/promotions/tiers` and `/v1/promotions/{campaignId}/tiers`: add, read, change,
enable/disable, soft delete, lists, categories, events, and other projects' tiers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.promotions.support import make_promotion, ok, tier
from tests.support import ProjectKeys, make_project, recorded_events
from voucherd.kit import clock
from voucherd.kit.db import Database
from voucherd.projects import service as projects
from voucherd.projects.service import ClientSettings


@pytest.fixture
async def other(app: Any, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """A client of another project."""
    keys = await make_project(db, "Other")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://voucherd.test", headers=keys.headers
    ) as c:
        yield c


async def test_a_tier_added_later_goes_last_and_reads_back(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    campaign = await make_promotion(client)
    added = ok(
        await client.post(
            f"/v1/promotions/{campaign['id']}/tiers",
            json=tier("15%", 15, metadata={"level": "C"}, start_date="2030-01-01T00:00:00Z"),
        )
    )
    assert added["hierarchy"] == 3 and added["metadata"] == {"level": "C"}
    assert added["start_date"] == "2030-01-01T00:00:00.000Z" and "expiration_date" not in added
    assert ok(await client.get(f"/v1/promotions/tiers/{added['id']}")) == added
    listed = ok(await client.get(f"/v1/promotions/{campaign['id']}/tiers"))
    assert [t["hierarchy"] for t in listed["tiers"]] == [1, 2, 3]
    assert (listed["data_ref"], listed["total"], listed["has_more"]) == ("tiers", 3, False)
    # By name, as every campaign path accepts.
    by_name = ok(await client.get(f"/v1/promotions/{campaign['name']}/tiers"))
    assert by_name["total"] == 3
    events = await recorded_events(db, project, "campaign.promotion_tier.created")
    assert events[-1].data == {
        "campaign": events[-1].data["campaign"],
        "promotion_tier": added,
    }
    assert events[-1].data["campaign"]["campaign_type"] == "PROMOTION"


async def test_update_changes_only_what_is_sent(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    campaign = await make_promotion(client)
    first = campaign["promotion"]["tiers"][0]
    updated = ok(
        await client.put(
            f"/v1/promotions/tiers/{first['id']}",
            json={
                "name": "Seven",
                "action": {"discount": {"type": "AMOUNT", "amount_off": 700}},
                "validity_day_of_week": [1, 2],
                "category": "Cart",
            },
        )
    )
    assert updated["name"] == "Seven" and updated["banner"] == first["banner"]
    assert updated["action"]["discount"]["amount_off"] == 700
    assert updated["validity_day_of_week"] == [1, 2] and updated["hierarchy"] == 1
    assert updated["categories"][0]["name"] == "Cart"
    assert updated["category_id"] == updated["categories"][0]["id"]
    assert updated["updated_at"] is not None
    events = await recorded_events(db, project, "campaign.promotion_tier.updated")
    assert [e.data["promotion_tier"]["name"] for e in events] == ["Seven"]
    for body, status in [
        ({"action": {"discount": {"type": "AMOUNT"}}}, 400),
        ({"name": ""}, 400),
        ({"hierarchy": "first"}, 400),
        ({"category_id": "cat_nope"}, 404),
        ({"validation_rules": ["val_nope"]}, 404),
        ({"start_date": "2030-01-02T00:00:00Z", "expiration_date": "2030-01-01T00:00:00Z"}, 400),
    ]:
        resp = await client.put(f"/v1/promotions/tiers/{first['id']}", json=body)
        assert resp.status_code == status, (body, resp.text)
    assert ok(await client.get(f"/v1/promotions/tiers/{first['id']}")) == updated
    assert len(await recorded_events(db, project, "campaign.promotion_tier.updated")) == 1


async def test_enable_disable_and_is_available(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    campaign = await make_promotion(client)
    five, ten = (t["id"] for t in campaign["promotion"]["tiers"])
    disabled = ok(await client.post(f"/v1/promotions/tiers/{five}/disable"))
    assert disabled["active"] is False
    available = ok(await client.get("/v1/promotions/tiers", params={"is_available": "true"}))
    assert [t["id"] for t in available["tiers"]] == [ten]
    assert ok(await client.get("/v1/promotions/tiers"))["total"] == 2
    assert ok(await client.post(f"/v1/promotions/tiers/{five}/enable"))["active"] is True
    # An expired tier, and every tier of a disabled campaign, are not available.
    ok(
        await client.put(
            f"/v1/promotions/tiers/{ten}",
            json={"expiration_date": (clock.utcnow() - timedelta(days=1)).isoformat()},
        )
    )
    available = ok(await client.get("/v1/promotions/tiers", params={"is_available": "true"}))
    assert [t["id"] for t in available["tiers"]] == [five]
    ok(await client.post(f"/v1/campaigns/{campaign['id']}/disable"))
    available = ok(await client.get("/v1/promotions/tiers", params={"is_available": "true"}))
    assert available["total"] == 0
    assert len(await recorded_events(db, project, "campaign.promotion_tier.disabled")) == 1
    enabled = await recorded_events(db, project, "campaign.promotion_tier.enabled")
    assert [e.data["promotion_tier"]["active"] for e in enabled] == [True]


async def test_list_pages_and_orders(client: httpx.AsyncClient) -> None:
    await make_promotion(client, tiers=[tier(f"t{i}", i + 1) for i in range(5)])
    page1 = ok(await client.get("/v1/promotions/tiers", params={"limit": 2}))
    page3 = ok(await client.get("/v1/promotions/tiers", params={"limit": 2, "page": 3}))
    assert [t["name"] for t in page1["tiers"]] == ["t0", "t1"] and page1["has_more"] is True
    assert [t["name"] for t in page3["tiers"]] == ["t4"] and page3["has_more"] is False
    assert page1["total"] == 5
    newest = ok(await client.get("/v1/promotions/tiers", params={"order": "-created_at"}))
    assert [t["name"] for t in newest["tiers"]] == ["t4", "t3", "t2", "t1", "t0"]
    bad = await client.get("/v1/promotions/tiers", params={"order": "banner"})
    assert bad.status_code == 400 and bad.json()["key"] == "invalid_query_params"
    assert (await client.get("/v1/promotions/tiers", params={"limit": 101})).status_code == 400


async def test_delete_is_soft_and_final(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    rule = ok(await client.post("/v1/validation-rules", json={"name": "r", "rules": {}}))
    campaign = await make_promotion(
        client, tiers=[tier("a", 5, validation_rules=[rule["id"]]), tier("b", 10)]
    )
    a = campaign["promotion"]["tiers"][0]
    assert (await client.delete(f"/v1/promotions/tiers/{a['id']}")).status_code == 204
    assert (await client.get(f"/v1/promotions/tiers/{a['id']}")).status_code == 404
    assert (await client.delete(f"/v1/promotions/tiers/{a['id']}")).status_code == 404
    assert (await client.post(f"/v1/promotions/tiers/{a['id']}/enable")).status_code == 404
    assert ok(await client.get("/v1/promotions/tiers"))["total"] == 1
    assert ok(await client.get(f"/v1/campaigns/{campaign['id']}"))["promotion"]["total"] == 1
    deleted = await recorded_events(db, project, "campaign.promotion_tier.deleted")
    assert [e.data["promotion_tier"]["id"] for e in deleted] == [a["id"]]
    # Its rule assignment went with it; the row stays for redemptions that name it.
    assert ok(await client.get(f"/v1/validation-rules/{rule['id']}/assignments"))["total"] == 0
    gone = await recorded_events(db, project, "business_validation_rule.assignment.deleted")
    assert gone[0].data["promotion_tier"]["id"] == a["id"]
    # A later tier never reuses the deleted one's hierarchy.
    added = ok(await client.post(f"/v1/promotions/{campaign['id']}/tiers", json=tier("c", 1)))
    assert added["hierarchy"] == 3


async def test_unknown_and_other_projects_tiers_are_not_found(
    client: httpx.AsyncClient, other: httpx.AsyncClient
) -> None:
    campaign = await make_promotion(client)
    tier_id = campaign["promotion"]["tiers"][0]["id"]
    for method, path in [
        ("GET", f"/v1/promotions/tiers/{tier_id}"),
        ("PUT", f"/v1/promotions/tiers/{tier_id}"),
        ("DELETE", f"/v1/promotions/tiers/{tier_id}"),
        ("POST", f"/v1/promotions/tiers/{tier_id}/disable"),
        ("GET", f"/v1/promotions/{campaign['id']}/tiers"),
        ("POST", f"/v1/promotions/{campaign['id']}/tiers"),
        ("GET", "/v1/promotions/tiers/promo_nope"),
    ]:
        body = tier("x", 1) if method in ("PUT", "POST") else None
        resp = await other.request(method, path, json=body)
        assert resp.status_code == 404, (method, path, resp.text)
        error = resp.json()
        assert error["code"] == 404 and error["key"] == "not_found" and "request_id" in error
    assert ok(await other.get("/v1/promotions/tiers"))["total"] == 0
    assert ok(await client.get(f"/v1/promotions/tiers/{tier_id}"))["active"] is True
    # A campaign that is not a promotion has no tiers.
    coupons = ok(
        await client.post(
            "/v1/campaigns",
            json={
                "name": "Coupons",
                "campaign_type": "DISCOUNT_COUPONS",
                "voucher": {"discount": {"type": "PERCENT", "percent_off": 5}},
            },
        )
    )
    resp = await client.post(f"/v1/promotions/{coupons['id']}/tiers", json=tier("x", 1))
    assert resp.status_code == 404
    malformed = await client.post(f"/v1/promotions/{campaign['id']}/tiers", content=b"{nope")
    assert malformed.status_code == 400


async def test_client_key_lists_tiers(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    campaign = await make_promotion(client)
    ok(await client.post(f"/v1/promotions/tiers/{campaign['promotion']['tiers'][0]['id']}/disable"))
    async with db.transaction() as session:
        key = await projects.issue_key(
            session,
            kind="client",
            project_id=project.project_id,
            client=ClientSettings(origins=("*",)),
        )
    headers = {
        "X-Client-Application-Id": key.key_id,
        "X-Client-Token": key.token,
        "Origin": "https://shop.example",
    }
    listed = ok(
        await anon_client.get(
            "/client/v1/promotions/tiers",
            params={"is_available": "true", "origin": "https://shop.example"},
            headers=headers,
        )
    )
    assert [t["name"] for t in listed["tiers"]] == ["10%"]
    assert (await anon_client.get("/client/v1/promotions/tiers")).status_code == 401
