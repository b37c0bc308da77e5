"""`/v1/exports` over HTTP on both engines: the file has exactly the rows and columns asked
for, the link expires, bad parameters are refused with nothing stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.exports.helpers import (
    download,
    export_files,
    export_rows,
    finished_rows,
    ok,
    read_csv,
    run_exports,
)
from tests.loyalty.test_expiry_job import END_OF_MONTH_RULES
from tests.support import make_project
from tests.tiers.helpers import add_member, create_program, move_points
from voucherd.config import Settings
from voucherd.kit.clock import clock, utcnow
from voucherd.kit.db import Database

DISCOUNT = {"type": "AMOUNT", "amount_off": 500, "effect": "APPLY_TO_ORDER"}


async def _campaign(client: httpx.AsyncClient, name: str, count: int, **extra: Any) -> Any:
    body = {
        "name": name,
        "campaign_type": "DISCOUNT_COUPONS",
        "vouchers_count": count,
        "voucher": {"type": "DISCOUNT_VOUCHER", "discount": DISCOUNT},
        **extra,
    }
    return ok(await client.post("/v1/campaigns", json=body))


async def _codes(client: httpx.AsyncClient, campaign_id: str) -> list[str]:
    listed = ok(await client.get(f"/v1/vouchers?campaign_id={campaign_id}&limit=100"))
    return sorted(v["code"] for v in listed["vouchers"])


async def test_voucher_export_has_the_asked_columns_and_rows(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    summer = await _campaign(client, "Summer", 3)
    winter = await _campaign(client, "Winter", 2)
    standalone = {"code": "SOLO-1", "type": "GIFT_VOUCHER", "gift": {"amount": 2500}}
    ok(await client.post("/v1/vouchers", json=standalone))

    rows = await export_rows(
        client,
        db,
        settings,
        "voucher",
        {
            "fields": ["code", "campaign", "value", "discount_type", "active"],
            "filters": {"campaign_id": {"conditions": {"$in": [summer["id"]]}}},
            "order": "-code",
        },
    )
    assert rows[0] == ["code", "campaign", "value", "discount_type", "active"]
    codes = await _codes(client, summer["id"])
    assert rows[1:] == [[code, "Summer", "500", "AMOUNT", "true"] for code in reversed(codes)]

    # `parameters.campaign_id` narrows a voucher export too; the gift card's value is its balance.
    winter_rows = await export_rows(
        client, db, settings, "voucher", {"campaign_id": winter["id"], "fields": ["code"]}
    )
    assert sorted(r[0] for r in winter_rows[1:]) == await _codes(client, winter["id"])
    gift = await export_rows(
        client,
        db,
        settings,
        "voucher",
        {"filters": {"code": {"conditions": {"$is": "SOLO-1"}}}},
    )
    assert gift == [
        ["code", "voucher_type", "value", "discount_type"],
        ["SOLO-1", "GIFT_VOUCHER", "2500", ""],
    ]


async def test_metadata_fields_and_filters(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    for source_id, region, tier in (("c-1", "north", 1), ("c-2", "south", 2), ("c-3", None, 3)):
        metadata: dict[str, Any] = {"tier": tier} | ({"region": region} if region else {})
        body = {"source_id": source_id, "name": source_id.upper(), "metadata": metadata}
        ok(await client.post("/v1/customers", json=body))
    rows = await export_rows(
        client,
        db,
        settings,
        "customer",
        {
            "fields": ["source_id", "metadata.region", "metadata"],
            "filters": {
                "junction": "or",
                "metadata.region": {"conditions": {"$is": "south"}},
                "source_id": {"conditions": {"$is": "c-3"}},
            },
            "order": "source_id",
        },
    )
    # `metadata` expands into a column per property of the exported rows; `region`, asked
    # for by name, keeps its place.
    assert rows == [
        ["source_id", "metadata.region", "metadata.tier"],
        ["c-2", "south", "2"],
        ["c-3", "", "3"],
    ]


async def test_redemption_and_order_exports(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    campaign = await _campaign(client, "Spring", 2)
    codes = await _codes(client, campaign["id"])
    ok(await client.post("/v1/customers", json={"source_id": "buyer", "name": "Buyer"}))
    for code, amount in zip(codes, (1000, 3000), strict=True):
        body = {
            "redeemables": [{"object": "voucher", "id": code}],
            "order": {"amount": amount, "source_id": f"o-{code}"},
            "customer": {"source_id": "buyer"},
        }
        ok(await client.post("/v1/redemptions", json=body))

    rows = await export_rows(
        client,
        db,
        settings,
        "redemption",
        {
            "fields": ["voucher_code", "customer_source_id", "customer_name", "campaign", "result"],
            "filters": {"result": {"conditions": {"$is": "SUCCESS"}}},
            "order": "voucher_code",
        },
    )
    # The parent redemption of each call names no voucher; the child rows do.
    children = [r for r in rows[1:] if r[0]]
    assert children == [[code, "buyer", "Buyer", "Spring", "SUCCESS"] for code in codes]

    orders = await export_rows(
        client,
        db,
        settings,
        "order",
        {
            "fields": ["source_id", "amount", "total_discount_amount", "total_amount"],
            "filters": {"amount": {"conditions": {"$more_than": 1500}}},
        },
    )
    assert orders == [
        ["source_id", "amount", "total_discount_amount", "total_amount"],
        [f"o-{codes[1]}", "3000", "500", "2500"],
    ]


async def test_publication_export(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    campaign = await _campaign(client, "Publish", 2)
    body = {"campaign": {"name": "Publish"}, "customer": {"source_id": "fan"}}
    published = ok(await client.post("/v1/publications", json=body))
    code = published["voucher"]["code"]
    rows = await export_rows(client, db, settings, "publication", {"fields": []})
    assert rows[0] == ["voucher_code", "customer_id", "date", "channel"]
    assert [(r[0], r[3]) for r in rows[1:]] == [(code, "API")]
    assert rows[1][1].startswith("cust_")
    # The voucher export names the holder through the customer join.
    held = await export_rows(
        client,
        db,
        settings,
        "voucher",
        {
            "fields": ["code", "customer_id", "customer_source_id"],
            "filters": {"customer_source_id": {"conditions": {"$is": "fan"}}},
        },
    )
    assert held == [["code", "customer_id", "customer_source_id"], [code, rows[1][1], "fan"]]
    assert campaign["id"]


async def test_campaign_transactions_shortcut_exports_that_campaigns_cards_only(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    programs = []
    for name in ("Points A", "Points B"):
        body = {
            "name": name,
            "campaign_type": "LOYALTY_PROGRAM",
            "vouchers_count": 1,
            "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}},
        }
        programs.append(ok(await client.post("/v1/campaigns", json=body)))
    cards = [(await _codes(client, p["id"]))[0] for p in programs]
    for card, points in zip(cards, (40, 70), strict=True):
        moved = await client.post(
            f"/v1/loyalties/members/{card}/balance", json={"points": points, "reason": "gift"}
        )
        assert moved.status_code == 200, moved.text

    created = ok(
        await client.post(
            f"/v1/campaigns/{programs[0]['id']}/transactions/export",
            json={"parameters": {"fields": ["type", "amount", "balance", "reason"]}},
        )
    )
    assert (created["status"], created["exported_object"]) == ("SCHEDULED", "voucher_transactions")
    assert created["parameters"]["filters"] == {
        "campaign_id": {"conditions": {"$is": programs[0]["id"]}}
    }
    await run_exports(db, settings)
    done = ok(await client.get(f"/v1/exports/{created['id']}"))
    rows = read_csv(await download(done["result"]["url"], client))
    assert rows == [
        ["type", "amount", "balance", "reason"],
        ["POINTS_ADDITION", "40", "40", "gift"],
    ]

    # The loyalty path narrows the same way, and a member's path to the one card.
    for path in (
        f"/v1/loyalties/{programs[1]['id']}/transactions/export",
        f"/v1/loyalties/members/{cards[1]}/transactions/export",
        f"/v1/loyalties/{programs[1]['id']}/members/{cards[1]}/transactions/export",
    ):
        created = ok(await client.post(path, json={"parameters": {"fields": ["amount"]}}))
        await run_exports(db, settings)
        done = ok(await client.get(f"/v1/exports/{created['id']}"))
        assert read_csv(await download(done["result"]["url"], client)) == [["amount"], ["70"]]

    # The path already names the campaign: a filter on it contradicts the path.
    clash = await client.post(
        f"/v1/campaigns/{programs[0]['id']}/transactions/export",
        json={"parameters": {"filters": {"campaign_id": {"conditions": {"$is": "x"}}}}},
    )
    assert clash.status_code == 400 and "campaign_id" in clash.json()["details"]
    missing = await client.post("/v1/campaigns/nope/transactions/export", json={})
    assert missing.status_code == 404


async def test_status_moves_from_scheduled_to_done_and_the_link_is_absent_before(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    created = ok(await client.post("/v1/exports", json={"exported_object": "order"}))
    assert created["id"].startswith("exp_")
    assert (created["object"], created["status"], created["channel"]) == (
        "export",
        "SCHEDULED",
        "API",
    )
    assert created["result"] is None and created["parameters"] == {}
    assert ok(await client.get(f"/v1/exports/{created['id']}"))["result"] is None
    await run_exports(db, settings)
    done = ok(await client.get(f"/v1/exports/{created['id']}"))
    assert done["status"] == "DONE"
    assert done["result"]["url"].startswith(
        f"http://voucherd.test/v1/exports/{created['id']}?token="
    )
    # An empty export is a header row.
    assert read_csv(await download(done["result"]["url"], client)) == [
        ["id", "source_id", "status"]
    ]


async def test_expired_and_forged_tokens_are_refused(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    created = ok(await client.post("/v1/exports", json={"exported_object": "customer"}))
    other = ok(await client.post("/v1/exports", json={"exported_object": "order"}))
    await run_exports(db, settings)
    url = ok(await client.get(f"/v1/exports/{created['id']}"))["result"]["url"]
    token = parse_qs(urlsplit(url).query)["token"][0]
    path = f"/v1/exports/{created['id']}"

    forged = await client.get(
        path, params={"token": token[:-2] + ("AA" if token[-2:] != "AA" else "BB")}
    )
    assert forged.status_code == 403 and forged.json()["key"] == "forbidden"
    # A genuine token of another export opens nothing here.
    other_url = ok(await client.get(f"/v1/exports/{other['id']}"))["result"]["url"]
    other_token = parse_qs(urlsplit(other_url).query)["token"][0]
    assert (await client.get(path, params={"token": other_token})).status_code == 403
    assert (await client.get(path, params={"token": "garbage"})).status_code == 403

    clock.advance(timedelta(seconds=settings.export_link_ttl_seconds + 5))
    expired = await client.get(path, params={"token": token})
    assert expired.status_code == 403 and "expired" in expired.json()["details"]
    # A fresh read hands out a fresh link.
    fresh = ok(await client.get(path))["result"]["url"]
    assert (await client.get(fresh)).status_code == 200


async def test_unknown_field_is_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    for body in (
        {"exported_object": "voucher", "parameters": {"fields": ["code", "colour"]}},
        {
            "exported_object": "order",
            "parameters": {"filters": {"colour": {"conditions": {"$is": "x"}}}},
        },
        {"exported_object": "redemption", "parameters": {"order": "-amount"}},
        {"exported_object": "gift_cards"},
        {"parameters": {"fields": ["code"]}},
    ):
        resp = await client.post("/v1/exports", json=body)
        assert resp.status_code == 400, resp.text
        assert resp.json()["key"] == "invalid_payload"
    assert (
        "colour"
        in (
            await client.post(
                "/v1/exports",
                json={"exported_object": "voucher", "parameters": {"fields": ["colour"]}},
            )
        ).json()["details"]
    )
    listed = ok(await client.get("/v1/exports"))
    assert (listed["object"], listed["data_ref"], listed["total"], listed["exports"]) == (
        "list",
        "exports",
        0,
        [],
    )
    assert await run_exports(db, settings) == 0


async def test_list_get_and_delete(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    first = ok(await client.post("/v1/exports", json={"exported_object": "order"}))
    second = ok(await client.post("/v1/exports", json={"exported_object": "customer"}))
    await run_exports(db, settings)
    listed = ok(await client.get("/v1/exports?limit=1&order=created_at"))
    assert listed["total"] == 2 and [e["id"] for e in listed["exports"]] == [first["id"]]
    url = ok(await client.get(f"/v1/exports/{second['id']}"))["result"]["url"]
    files = export_files(settings, second["id"])
    assert len(files) == 1

    assert (await client.delete(f"/v1/exports/{second['id']}")).status_code == 204
    assert export_files(settings, second["id"]) == []
    assert (await client.get(f"/v1/exports/{second['id']}")).status_code == 404
    assert (await client.get(url)).status_code == 404
    assert (await client.delete(f"/v1/exports/{second['id']}")).status_code == 404
    assert ok(await client.get("/v1/exports"))["total"] == 1


async def test_exports_need_an_app_key_and_stay_in_their_project(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    created = ok(await client.post("/v1/exports", json={"exported_object": "order"}))
    assert (await anon_client.get(f"/v1/exports/{created['id']}")).status_code == 401
    assert (await anon_client.get("/v1/exports")).status_code == 401
    stranger = await make_project(db, "Stranger")
    seen = await client.get(f"/v1/exports/{created['id']}", headers=stranger.headers)
    assert seen.status_code == 404
    assert (
        await client.delete(f"/v1/exports/{created['id']}", headers=stranger.headers)
    ).status_code == 404
    # Written here, not by another test's worker run into its own data directory.
    await run_exports(db, settings)


async def test_points_expiration_export_lists_the_programs_expiring_points(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    clock.freeze(datetime(2025, 1, 27, 9, tzinfo=UTC))
    programs = [
        await create_program(client, name=name, expiration_rules=END_OF_MONTH_RULES)
        for name in ("Expiring A", "Expiring B")
    ]
    card = await add_member(client, programs[0]["id"], "jack")
    other = await add_member(client, programs[1]["id"], "jill")
    await move_points(client, card["code"], 100)
    await move_points(client, card["code"], 30, expiration_type="NON_EXPIRING")
    await move_points(client, other["code"], 5)

    created = ok(
        await client.post(
            f"/v1/loyalties/{programs[0]['id']}/points-expiration/export",
            json={"parameters": {"fields": ["voucher_id", "points", "status", "expires_at"]}},
        )
    )
    assert created["exported_object"] == "points_expiration"
    rows = await finished_rows(client, db, settings, created["id"])
    # The non-expiring 30 points and the other program's card are not in it.
    assert rows == [
        ["voucher_id", "points", "status", "expires_at"],
        [card["id"], "100", "ACTIVE", "2025-02-28"],
    ]


async def test_gift_card_transactions_export(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    for code in ("GIFT-X", "GIFT-Y"):
        body = {"code": code, "type": "GIFT_VOUCHER", "gift": {"amount": 1000}}
        ok(await client.post("/v1/vouchers", json=body))
    for code, amount in (("GIFT-X", 700), ("GIFT-Y", 300), ("GIFT-X", -200)):
        moved = await client.post(
            f"/v1/vouchers/{code}/balance", json={"amount": amount, "source_id": f"s{amount}"}
        )
        assert moved.status_code == 200, moved.text
    created = ok(
        await client.post(
            "/v1/vouchers/GIFT-X/transactions/export",
            json={
                "parameters": {
                    "order": "-created_at",
                    "fields": ["type", "source_id", "amount", "balance", "source"],
                }
            },
        )
    )
    rows = await finished_rows(client, db, settings, created["id"])
    # Date-time filters compare UTC instants on both engines.
    before = (utcnow() - timedelta(days=1)).isoformat()
    none = ok(
        await client.post(
            "/v1/vouchers/GIFT-X/transactions/export",
            json={"parameters": {"filters": {"created_at": {"conditions": {"$before": before}}}}},
        )
    )
    assert len(await finished_rows(client, db, settings, none["id"])) == 1
    recent = ok(
        await client.post(
            "/v1/vouchers/GIFT-X/transactions/export",
            json={"parameters": {"filters": {"created_at": {"conditions": {"$after": before}}}}},
        )
    )
    assert len(await finished_rows(client, db, settings, recent["id"])) == 3
    assert rows == [
        ["type", "source_id", "amount", "balance", "source"],
        ["CREDITS_REMOVAL", "s-200", "-200", "1500", "API"],
        ["CREDITS_ADDITION", "s700", "700", "1700", "API"],
    ]
