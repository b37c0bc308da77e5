"""`/v1/referrals/[{campaignId}/]members/{code}/holders`: referees added all or nothing."""

from __future__ import annotations

import httpx

from tests.referrals import helpers as h
from tests.support import ProjectKeys, recorded_events
from voucherd.kit.db import Database


async def test_add_list_delete_holders(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    campaign = await h.referral_program(client)
    code = await h.publish(client, campaign["id"], "ann")
    base = f"/v1/referrals/{campaign['id']}/members/{code}/holders"
    added = h.ok(
        await client.post(
            base,
            json={
                "holders": [{"source_id": "bob", "name": "Bob"}, {"source_id": "cat"}],
                "metadata": {"channel": "email"},
            },
        )
    )
    holders = added["holders"]
    assert [x["holder_role"] for x in holders] == ["REFEREE", "REFEREE"]
    bob = await h.customer(client, "bob")
    assert bob["name"] == "Bob"  # upserted
    first = holders[0]
    assert first["id"].startswith("rh_") and first["object"] == "redeemable_holder"
    assert first["customer_id"] == bob["id"] and first["campaign_type"] == "REFERRAL_PROGRAM"
    assert first["voucher_type"] == "DISCOUNT_VOUCHER" and first["redeemable_object"] == "voucher"
    assert first["metadata"] == {"channel": "email"}
    voucher = h.ok(await client.get(f"/v1/vouchers/{code}"))
    assert first["redeemable_id"] == voucher["id"]
    listing = h.ok(await client.get(f"/v1/referrals/members/{code}/holders", params={"limit": 1}))
    assert listing["total"] == 2 and listing["has_more"] is True
    assert listing["data"][0]["id"] == holders[1]["id"]  # newest first
    rest = h.ok(
        await client.get(
            base, params={"limit": 1, "starting_after_id": listing["more_starting_after"]}
        )
    )
    assert [x["id"] for x in rest["data"]] == [first["id"]]
    filtered = h.ok(
        await client.get(base, params={"filters[customer_id][conditions][$is]": bob["id"]})
    )
    assert [x["id"] for x in filtered["data"]] == [first["id"]]
    created = await recorded_events(db, project, "customer.holder.assignment.created")
    assert len(created) == 2 and created[0].data["holder"]["id"] == first["id"]
    assert (await client.delete(f"{base}/{first['id']}")).status_code == 204
    assert (await client.delete(f"{base}/{first['id']}")).status_code == 404
    assert h.ok(await client.get(base))["total"] == 1
    (deleted,) = await recorded_events(db, project, "customer.holder.assignment.deleted")
    assert deleted.data["customer"]["id"] == bob["id"]


async def test_bad_holders_change_nothing(client: httpx.AsyncClient) -> None:
    campaign = await h.referral_program(client)
    code = await h.publish(client, campaign["id"], "ann")
    coupons = await h.coupon_campaign(client)
    coupon = await h.publish(client, coupons["id"], "zed")
    base = f"/v1/referrals/members/{code}/holders"
    h.ok(await client.post(base, json={"holders": [{"source_id": "bob"}]}))
    cases = [
        (base, {"holders": []}, 400),
        (base, {"holders": [{"source_id": f"p{i}"} for i in range(101)]}, 400),
        (base, {"holders": [{"source_id": "new1"}, {"source_id": "ann"}]}, 400),  # referrer
        (base, {"holders": [{"source_id": "new1"}, {"source_id": "new1"}]}, 400),  # twice
        (base, {"holders": [{"source_id": "new1"}, {"name": "No key"}]}, 400),
        (base, {"holders": [{"source_id": "new1"}, {"source_id": "bob"}]}, 409),  # held
        ("/v1/referrals/members/NOPE/holders", {"holders": [{"source_id": "new1"}]}, 404),
        (f"/v1/referrals/members/{coupon}/holders", {"holders": [{"source_id": "new1"}]}, 400),
        (
            f"/v1/referrals/{coupons['id']}/members/{code}/holders",
            {"holders": [{"source_id": "new1"}]},
            404,
        ),
    ]
    for url, body, status in cases:
        resp = await client.post(url, json=body)
        assert resp.status_code == status, (url, body, resp.text)
        assert resp.json()["key"]
    assert (await client.get("/v1/customers/new1")).status_code == 404  # all or nothing
    assert h.ok(await client.get(base))["total"] == 1
    bad_filter = await client.get(base, params={"filters[voucher][conditions][$is]": "x"})
    assert bad_filter.status_code == 400
