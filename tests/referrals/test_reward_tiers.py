"""Referrer reward tiers (voucherd's own API): CRUD, each / at_least grants, once each."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.referrals import helpers as h
from tests.support import ProjectKeys, recorded_events
from voucherd.kit.db import Database


async def _setup(client: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any], str]:
    points = await h.loyalty_program(client)
    campaign = await h.referral_program(client, points["id"])
    code = await h.publish(client, campaign["id"], "ann")
    return points, campaign, code


def _tier(event_type: str, reward: dict[str, Any], referrals: int = 1) -> dict[str, Any]:
    return {
        "name": f"{event_type} {referrals}",
        "banner": "Bring your friends",
        "parameters": {"event_type": event_type, "referrals": referrals},
        "reward": reward,
    }


async def test_tier_crud(client: httpx.AsyncClient) -> None:
    points, campaign, _ = await _setup(client)
    base = f"/v1/referrals/{campaign['id']}/reward-tiers"
    reward = {"type": "LOYALTY_POINTS", "campaign_id": points["id"], "points": 50}
    tier = h.ok(await client.post(base, json=_tier("each", reward)))
    assert tier["id"].startswith("rt_") and tier["object"] == "referral_tier"
    assert tier["parameters"]["event_type"] == "each" and tier["reward"] == reward
    listing = h.ok(await client.get(base))
    assert [t["id"] for t in listing["data"]] == [tier["id"]] and listing["total"] == 1
    changed = h.ok(
        await client.put(f"{base}/{tier['id']}", json={"name": "Renamed", "banner": None})
    )
    assert changed["name"] == "Renamed" and changed["banner"] is None
    assert h.ok(await client.get(f"{base}/{tier['id']}"))["name"] == "Renamed"
    assert (await client.delete(f"{base}/{tier['id']}")).status_code == 204
    assert (await client.get(f"{base}/{tier['id']}")).status_code == 404
    assert h.ok(await client.get(base))["total"] == 0


async def test_bad_tiers_are_refused(client: httpx.AsyncClient) -> None:
    points, campaign, _ = await _setup(client)
    coupons = await h.coupon_campaign(client)
    base = f"/v1/referrals/{campaign['id']}/reward-tiers"
    pts = {"type": "LOYALTY_POINTS", "campaign_id": points["id"], "points": 5}
    bad = [
        _tier("each", {**pts, "campaign_id": coupons["id"]}),  # wrong source type
        _tier("each", {"type": "LOYALTY_POINTS", "campaign_id": points["id"]}),  # no points
        _tier("each", {**pts, "amount": 3}),  # amount does not apply
        _tier("each", pts, referrals=3),  # each takes every referee
        _tier("sometimes", pts),
        {**_tier("each", pts), "segment": {"id": "seg_1"}},  # unsupported
    ]
    for body in bad:
        resp = await client.post(base, json=body)
        assert resp.status_code == 400, resp.text
        assert set(resp.json()) >= {"code", "key", "message", "details", "request_id"}
    missing = await client.post(
        f"{base.replace(campaign['id'], 'camp_nope')}", json=_tier("each", pts)
    )
    assert missing.status_code == 404
    not_referral = await client.post(
        f"/v1/referrals/{coupons['id']}/reward-tiers", json=_tier("each", pts)
    )
    assert not_referral.status_code == 400
    assert h.ok(await client.get(base))["total"] == 0


async def test_each_and_at_least_tiers_reward_the_referrer_once(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    points, campaign, code = await _setup(client)
    gifts = await h.gift_campaign(client)
    coupons = await h.coupon_campaign(client)
    base = f"/v1/referrals/{campaign['id']}/reward-tiers"
    each = h.ok(
        await client.post(
            base,
            json=_tier(
                "each", {"type": "LOYALTY_POINTS", "campaign_id": points["id"], "points": 30}
            ),
        )
    )
    two = h.ok(
        await client.post(
            base,
            json=_tier(
                "at_least", {"type": "GIFT_CREDITS", "campaign_id": gifts["id"], "amount": 700}, 2
            ),
        )
    )
    h.ok(
        await client.post(
            base, json=_tier("at_least", {"type": "COUPON", "campaign_id": coupons["id"]}, 3)
        )
    )
    ann = await h.customer(client, "ann")
    h.ok(await client.post("/v1/redemptions", json=h.redemption(code, "bob")))
    h.ok(await client.post("/v1/redemptions", json=h.redemption(code, "bob")))  # same referee
    assert await h.points_of(client, points["id"], "ann") == 30
    h.ok(await client.post("/v1/redemptions", json=h.redemption(code, "cat")))
    assert await h.points_of(client, points["id"], "ann") == 60
    gift_cards = h.ok(
        await client.get("/v1/vouchers", params={"campaign_id": gifts["id"], "customer": ann["id"]})
    )["vouchers"]
    assert [c["gift"]["balance"] for c in gift_cards] == [700]
    h.ok(await client.post("/v1/redemptions", json=h.redemption(code, "dan")))
    gift_cards = h.ok(
        await client.get("/v1/vouchers", params={"campaign_id": gifts["id"], "customer": ann["id"]})
    )["vouchers"]
    assert [c["gift"]["balance"] for c in gift_cards] == [700]  # at_least 2: once
    coupons_held = h.ok(
        await client.get(
            "/v1/vouchers", params={"campaign_id": coupons["id"], "customer": ann["id"]}
        )
    )["vouchers"]
    assert len(coupons_held) == 1
    assert await h.points_of(client, points["id"], "ann") == 90
    rewarded = [
        e
        for e in await recorded_events(db, project, "customer.rewarded")
        if e.entity_id == ann["id"]
    ]
    tiers = [e.data["referral_tier"]["id"] for e in rewarded]
    assert tiers.count(each["id"]) == 3 and tiers.count(two["id"]) == 1 and len(tiers) == 5
    tier = rewarded[0].data["referral_tier"]
    assert tier["campaign_id"] == campaign["id"] and tier["parameters"]["event_type"] == "each"


async def test_at_least_tier_is_granted_once_when_referees_convert_together(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    # No referee reward: publishing the referees' cards would serialise the conversions.
    points = await h.loyalty_program(client)
    campaign = await h.referral_program(client)
    code = await h.publish(client, campaign["id"], "ann")
    base = f"/v1/referrals/{campaign['id']}/reward-tiers"
    reward = {"type": "LOYALTY_POINTS", "campaign_id": points["id"], "points": 1000}
    h.ok(await client.post(base, json=_tier("at_least", reward, 6)))
    friends = [f"friend-{i}" for i in range(6)]
    for friend in friends:
        h.ok(await client.post("/v1/customers", json={"source_id": friend}))
    # Three codes of the same referrer (no join_once): their rows do not serialise the
    # conversions, the referrer's lock must.
    codes = [code, *[await h.publish(client, campaign["id"], "ann") for _ in range(2)]]
    assert len(set(codes)) == 3
    responses = await asyncio.gather(
        *(
            client.post("/v1/redemptions", json=h.redemption(codes[i % 3], f))
            for i, f in enumerate(friends)
        )
    )
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    # Exactly one grant: not zero (a threshold crossed unseen), not several.
    assert await h.points_of(client, points["id"], "ann") == 1000
    ann = await h.customer(client, "ann")
    granted = [
        e
        for e in await recorded_events(db, project, "customer.rewarded")
        if e.entity_id == ann["id"]
    ]
    assert len(granted) == 1


async def test_mutual_referrals_redeemed_at_once_both_succeed(client: httpx.AsyncClient) -> None:
    """Ann refers Bob and Bob refers Ann; each redeems the other's code at the same moment.
    Each conversion locks its referee, then its referrer: a deadlock PostgreSQL may break
    is retried by the HTTP layer, so both succeed and both referrers are rewarded once."""
    points = await h.loyalty_program(client)
    campaign = await h.referral_program(client)
    base = f"/v1/referrals/{campaign['id']}/reward-tiers"
    reward = {"type": "LOYALTY_POINTS", "campaign_id": points["id"], "points": 10}
    h.ok(await client.post(base, json=_tier("each", reward)))
    for _ in range(3):
        pair = [f"a{_}", f"b{_}"]
        codes = [await h.publish(client, campaign["id"], who) for who in pair]
        responses = await asyncio.gather(
            client.post("/v1/redemptions", json=h.redemption(codes[0], pair[1])),
            client.post("/v1/redemptions", json=h.redemption(codes[1], pair[0])),
        )
        assert [r.status_code for r in responses] == [200, 200], [r.text for r in responses]
        for who in pair:
            assert await h.points_of(client, points["id"], who) == 10
