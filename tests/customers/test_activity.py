"""Customer and loyalty-member activity, read from the event log, over HTTP on both engines."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx

from voucherd.events.activity import CUSTOMER_ACTIVITY_TYPES, MEMBER_ACTIVITY_TYPES

DISCOUNT = {"type": "AMOUNT", "amount_off": 500, "effect": "APPLY_TO_ORDER"}
ORDER = {"items": [{"source_id": "mug", "quantity": 1, "price": 2000}]}


def ok(resp: httpx.Response) -> Any:
    assert resp.status_code == 200, resp.text
    return resp.json()


async def _customer_with_history(client: httpx.AsyncClient) -> tuple[dict[str, Any], str]:
    """A customer created, given a code, redeeming it, then failing to redeem it again."""
    customer = ok(await client.post("/v1/customers", json={"source_id": "ada", "name": "Ada"}))
    campaign = ok(
        await client.post(
            "/v1/campaigns",
            json={
                "name": "Autumn",
                "campaign_type": "DISCOUNT_COUPONS",
                "vouchers_count": 1,
                "voucher": {
                    "type": "DISCOUNT_VOUCHER",
                    "discount": DISCOUNT,
                    "redemption": {"quantity": 1},
                },
            },
        )
    )
    published = ok(
        await client.post(
            "/v1/publications",
            json={"campaign": {"id": campaign["id"]}, "customer": {"source_id": "ada"}},
        )
    )
    code = published["voucher"]["code"]
    redeem = {
        "redeemables": [{"object": "voucher", "id": code}],
        "customer": {"id": customer["id"]},
    }
    ok(await client.post("/v1/redemptions", json={**redeem, "order": ORDER}))
    again = await client.post("/v1/redemptions", json={**redeem, "order": ORDER})
    assert again.status_code == 400
    return customer, campaign["id"]


async def test_customer_activity_lists_each_moment_once_newest_first(
    client: httpx.AsyncClient,
) -> None:
    customer, campaign_id = await _customer_with_history(client)
    other = ok(await client.post("/v1/customers", json={"source_id": "bob"}))

    listed = ok(await client.get(f"/v1/customers/{customer['id']}/activity?limit=100"))
    assert listed["object"] == "list" and listed["data_ref"] == "data"
    assert listed["has_more"] is False
    types = [a["type"] for a in listed["data"]]
    assert set(types) <= CUSTOMER_ACTIVITY_TYPES
    # The webhook twin `redemption.succeeded` is not listed beside its activity.
    assert Counter(types)["customer.redemption.succeeded"] == 1
    assert Counter(types)["customer.redemption.failed"] == 1
    assert Counter(types)["customer.publication.succeeded"] == 1
    assert types[-1] == "customer.created"  # the oldest last
    ids = [a["id"] for a in listed["data"]]
    assert ids == sorted(ids, reverse=True)
    first = listed["data"][0]
    assert set(first) == {"id", "type", "data", "created_at", "group_id"}
    assert first["data"]["data"]["customer"]["id"] == customer["id"]
    assert "event_source" in first["data"]
    # Another customer's activity holds only its own creation.
    assert [a["type"] for a in ok(await client.get("/v1/customers/bob/activity"))["data"]] == [
        "customer.created"
    ]
    assert other["id"] not in str(listed)

    # Paging: two at a time, by cursor, gives the same list.
    paged: list[str] = []
    after = None
    while True:
        query = "limit=2" + (f"&starting_after_id={after}" if after else "")
        page = ok(await client.get(f"/v1/customers/ada/activity?{query}"))
        paged += [a["id"] for a in page["data"]]
        if not page["has_more"]:
            assert "more_starting_after" not in page
            break
        after = page["more_starting_after"]
    assert paged == ids

    oldest_first = ok(await client.get("/v1/customers/ada/activity?limit=100&order=created_at"))
    assert [a["id"] for a in oldest_first["data"]] == ids[::-1]

    by_type = ok(
        await client.get("/v1/customers/ada/activity?type=customer.redemption.failed&limit=100")
    )
    assert [a["type"] for a in by_type["data"]] == ["customer.redemption.failed"]

    in_campaign = ok(await client.get(f"/v1/customers/ada/activity?campaign_id={campaign_id}"))
    assert in_campaign["data"] and "customer.created" not in {
        a["type"] for a in in_campaign["data"]
    }
    future = ok(await client.get("/v1/customers/ada/activity?start_date=2999-01-01"))
    assert future["data"] == []


async def test_activity_bad_input_gets_4xx(client: httpx.AsyncClient) -> None:
    ok(await client.post("/v1/customers", json={"source_id": "ada"}))
    for query, status in [
        ("type=customer.nonsense", 400),
        ("campaign_type=PROMOTION", 400),
        ("category=ACTION", 400),
        ("start_date=yesterday", 400),
        ("limit=0", 400),
        ("order=name", 400),
    ]:
        resp = await client.get(f"/v1/customers/ada/activity?{query}")
        assert resp.status_code == status, (query, resp.text)
        assert resp.json()["code"] == status
    missing = await client.get("/v1/customers/nobody/activity")
    assert missing.status_code == 404 and missing.json()["key"] == "not_found"


async def test_member_activity_lists_the_cards_events_in_the_sdks_names(
    client: httpx.AsyncClient,
) -> None:
    program = ok(
        await client.post(
            "/v1/loyalties",
            json={
                "name": "Stars",
                "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}},
            },
        )
    )
    card = ok(
        await client.post(
            f"/v1/loyalties/{program['id']}/members", json={"customer": {"source_id": "ada"}}
        )
    )
    ok(
        await client.post(
            f"/v1/loyalties/{program['id']}/members/{card['code']}/balance", json={"points": 30}
        )
    )
    for path in (
        f"/v1/loyalties/members/{card['code']}/activity",
        f"/v1/loyalties/{program['id']}/members/{card['id']}/activity",
    ):
        listed = ok(await client.get(path))
        types = [a["type"] for a in listed["data"]]
        assert "customer.voucher.loyalty_card.points_added" in types, types
        assert set(types) <= MEMBER_ACTIVITY_TYPES | {
            "customer.redemption.succceeded",
            "customer.redemption.rollback.succceeded",
        }
        assert all(a["data"]["data"]["voucher"]["id"] == card["id"] for a in listed["data"])
    assert (await client.get("/v1/loyalties/members/NOPE/activity")).status_code == 404
