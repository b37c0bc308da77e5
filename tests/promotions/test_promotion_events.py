"""`campaign.promotion_tier.*` events: one per change, in the change's transaction, shaped as
the webhook spec's `EventCampaignPromotionTier` ({campaign: SimpleCampaign, promotion_tier})."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.promotions.support import make_promotion, ok, tier
from tests.support import ProjectKeys, recorded_events, voucherify_spec_file
from voucherd.kit.db import Database

WEBHOOKS = json.loads(
    (voucherify_spec_file().parent / "voucherify-webhooks-openapi.json").read_text()
)["components"]["schemas"]
KINDS = ("created", "updated", "enabled", "disabled", "deleted")


def _props(name: str) -> set[str]:
    return set(WEBHOOKS[name]["properties"])


def _assert_shaped(data: dict[str, Any]) -> None:
    assert set(data) == _props("EventCampaignPromotionTier")
    assert set(data["campaign"]) <= _props("SimpleCampaign")
    assert data["campaign"]["object"] == "campaign"
    body = data["promotion_tier"]
    assert set(body) <= _props("PromotionTier")
    assert set(body["campaign"]) <= set(
        WEBHOOKS["PromotionTier"]["properties"]["campaign"]["properties"]
    )
    assert body["object"] == "promotion_tier" and body["campaign_id"] == data["campaign"]["id"]


async def test_every_tier_change_records_one_event_shaped_as_the_webhook_spec(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    campaign = await make_promotion(client, tiers=[tier("one", 5)])
    tier_id = campaign["promotion"]["tiers"][0]["id"]
    ok(await client.put(f"/v1/promotions/tiers/{tier_id}", json={"banner": "new"}))
    ok(await client.post(f"/v1/promotions/tiers/{tier_id}/disable"))
    ok(await client.post(f"/v1/promotions/tiers/{tier_id}/enable"))
    ok(await client.delete(f"/v1/promotions/tiers/{tier_id}"), 204)
    for kind in KINDS:
        events = await recorded_events(db, project, f"campaign.promotion_tier.{kind}")
        assert len(events) == 1, kind
        assert events[0].data["promotion_tier"]["id"] == tier_id
        _assert_shaped(events[0].data)
    updated = await recorded_events(db, project, "campaign.promotion_tier.updated")
    assert updated[0].data["promotion_tier"]["banner"] == "new"


async def test_a_refused_change_records_no_event(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    campaign = await make_promotion(client, tiers=[tier("one", 5)])
    tier_id = campaign["promotion"]["tiers"][0]["id"]
    resp = await client.put(
        f"/v1/promotions/tiers/{tier_id}", json={"banner": "x", "validation_rules": ["val_nope"]}
    )
    assert resp.status_code == 404
    assert await recorded_events(db, project, "campaign.promotion_tier.updated") == []
    assert ok(await client.get(f"/v1/promotions/tiers/{tier_id}"))["banner"] == "5% off"
    resp = await client.post(
        f"/v1/promotions/{campaign['id']}/tiers",
        json=tier("two", 7, category_id="cat_nope"),
    )
    assert resp.status_code == 404
    assert len(await recorded_events(db, project, "campaign.promotion_tier.created")) == 1
    assert ok(await client.get(f"/v1/promotions/{campaign['id']}/tiers"))["total"] == 1
