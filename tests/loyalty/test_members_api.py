"""Loyalty programs, members and the points ledger over HTTP (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.earning.helpers import balances_agree
from tests.support import ProjectKeys, recorded_events
from voucherd.kit.clock import clock
from voucherd.kit.db import Database

PROGRAM: dict[str, Any] = {
    "name": "Loyalty programme",
    "type": "AUTO_UPDATE",
    "join_once": True,
    "voucher": {
        "type": "LOYALTY_CARD",
        "loyalty_card": {
            "points": 0,
            "expiration_rules": {
                "period_type": "MONTH",
                "period_value": 2,
                "rounding_type": "PARTICULAR_MONTH",
                "rounding_value": 1,
            },
        },
    },
}


async def _program(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    resp = await client.post("/v1/loyalties", json={**PROGRAM, **overrides})
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def _member(client: httpx.AsyncClient, program_id: str, source_id: str) -> dict[str, Any]:
    resp = await client.post(
        f"/v1/loyalties/{program_id}/members", json={"customer": {"source_id": source_id}}
    )
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def test_program_crud_and_member_enrolment(client: httpx.AsyncClient) -> None:
    program = await _program(client)
    assert program["campaign_type"] == "LOYALTY_PROGRAM"
    assert program["voucher"]["loyalty_card"]["expiration_rules"]["period_value"] == 2
    assert (await client.get(f"/v1/loyalties/{program['id']}")).json()["name"] == PROGRAM["name"]
    listing = (await client.get("/v1/loyalties")).json()
    assert [c["id"] for c in listing["campaigns"]] == [program["id"]]

    card = await _member(client, program["id"], "jck-wbhk")
    assert card["type"] == "LOYALTY_CARD"
    assert card["loyalty_card"]["balance"] == 0
    # join_once: enrolling again gives the same card.
    again = await _member(client, program["id"], "jck-wbhk")
    assert again["code"] == card["code"]
    assert (await client.get(f"/v1/loyalties/members/{card['code']}")).json()["id"] == card["id"]
    scoped = await client.get(f"/v1/loyalties/{program['id']}/members/{card['code']}")
    assert scoped.status_code == 200
    members = (await client.get(f"/v1/loyalties/{program['id']}/members")).json()
    assert members["data_ref"] == "vouchers" and members["total"] == 1

    renamed = await client.put(f"/v1/loyalties/{program['id']}", json={"description": "Stars"})
    assert renamed.json()["description"] == "Stars"
    deleted = await client.delete(f"/v1/loyalties/{program['id']}")
    assert deleted.status_code == 200
    assert (await client.get(f"/v1/loyalties/{program['id']}")).status_code == 404


async def test_points_added_and_removed_through_the_ledger(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    clock.freeze(datetime(2025, 1, 27, 9, 0, tzinfo=UTC))
    program = await _program(client)
    card = await _member(client, program["id"], "cust-1")
    added = await client.post(
        f"/v1/loyalties/members/{card['code']}/balance", json={"points": 100, "reason": "welcome"}
    )
    assert added.status_code == 200, added.text
    assert added.json() == {
        "points": 100,
        "total": 100,
        "balance": 100,
        "type": "loyalty_card",
        "object": "balance",
        "related_object": {"type": "voucher", "id": card["id"]},
        "operation_type": "MANUAL",
    }
    removed = await client.post(
        f"/v1/loyalties/{program['id']}/members/{card['code']}/balance", json={"points": -30}
    )
    assert removed.json()["balance"] == 70
    after = (await client.get(f"/v1/loyalties/members/{card['code']}")).json()["loyalty_card"]
    # Seed 003's rule: earned in January 2025, valid through the end of January 2026.
    assert after["points"] == 100
    assert after["balance"] == 70
    assert after["subtracted_points"] == 30
    assert after["next_expiration_date"] == "2026-01-31"
    assert after["next_expiration_points"] == 70
    assert await balances_agree(db, card["id"]) == 70

    txs = (await client.get(f"/v1/loyalties/members/{card['code']}/transactions")).json()
    assert [t["type"] for t in txs["data"]] == ["POINTS_REMOVAL", "POINTS_ADDITION"]
    assert txs["data"][0]["details"]["balance"]["balance"] == 70
    assert "_buckets" not in txs["data"][0]["details"]
    program_txs = (await client.get(f"/v1/loyalties/{program['id']}/transactions")).json()
    assert program_txs["total"] == 2
    expiring = (
        await client.get(f"/v1/loyalties/{program['id']}/members/{card['code']}/points-expiration")
    ).json()
    assert [(b["expires_at"], b["bucket"]["total_points"]) for b in expiring["data"]] == [
        ("2026-01-31", 70)
    ]
    events = await recorded_events(db, project, "voucher.loyalty_card.points_added")
    assert len(events) == 1 and events[0].data["balance"]["points"] == 100
    assert len(await recorded_events(db, project, "voucher.loyalty_card.transaction.created")) == 2


async def test_removing_more_than_the_balance_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, db: Database
) -> None:
    program = await _program(client)
    card = await _member(client, program["id"], "cust-2")
    await client.post(f"/v1/loyalties/members/{card['code']}/balance", json={"points": 10})
    resp = await client.post(f"/v1/loyalties/members/{card['code']}/balance", json={"points": -11})
    assert resp.status_code == 400
    assert resp.json()["key"] == "loyalty_card_points_exceeded"
    assert await balances_agree(db, card["id"]) == 10


async def test_points_are_spent_soonest_expiring_first(
    client: httpx.AsyncClient, db: Database
) -> None:
    clock.freeze(datetime(2025, 3, 1, tzinfo=UTC))
    program = await _program(client)
    code = (await _member(client, program["id"], "cust-3"))["code"]
    url = f"/v1/loyalties/members/{code}/balance"
    await client.post(url, json={"points": 50, "expiration_type": "NON_EXPIRING"})
    await client.post(
        url,
        json={"points": 40, "expiration_type": "CUSTOM_DATE", "expiration_date": "2025-06-30"},
    )
    await client.post(url, json={"points": 30})  # program rules: end of January 2026
    await client.post(url, json={"points": -60})
    buckets = (
        await client.get(f"/v1/loyalties/{program['id']}/members/{code}/points-expiration")
    ).json()["data"]
    # The June bucket is gone (40), then 20 from January 2026; the non-expiring 50 untouched.
    assert [(b["expires_at"], b["bucket"]["total_points"]) for b in buckets] == [("2026-01-31", 10)]
    card = (await client.get(f"/v1/loyalties/members/{code}")).json()["loyalty_card"]
    assert card["balance"] == 60
    assert (card["next_expiration_date"], card["next_expiration_points"]) == ("2026-01-31", 10)


async def test_transfers_move_points_between_cards_of_one_program(
    client: httpx.AsyncClient, db: Database
) -> None:
    program = await _program(client)
    source = await _member(client, program["id"], "giver")
    target = await _member(client, program["id"], "taker")
    await client.post(f"/v1/loyalties/members/{source['code']}/balance", json={"points": 80})
    resp = await client.post(
        f"/v1/loyalties/{program['id']}/members/{target['code']}/transfers",
        json=[{"code": source["code"], "points": 30, "reason": "gift"}],
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["loyalty_card"]["balance"] == 30
    assert resp.json()["active"] == "true"  # the spec types it as a string; the SDK insists
    assert await balances_agree(db, source["id"]) == 50
    assert await balances_agree(db, target["id"]) == 30
    too_much = await client.post(
        f"/v1/loyalties/{program['id']}/members/{target['code']}/transfers",
        json=[{"code": source["code"], "points": 51}],
    )
    assert too_much.json()["key"] == "loyalty_card_points_exceeded"
    assert await balances_agree(db, source["id"]) == 50


async def test_concurrent_removals_never_take_the_balance_below_zero(
    client: httpx.AsyncClient, db: Database
) -> None:
    program = await _program(client)
    card = await _member(client, program["id"], "cust-4")
    url = f"/v1/loyalties/members/{card['code']}/balance"
    await client.post(url, json={"points": 25})
    await client.post(url, json={"points": 25, "expiration_type": "NON_EXPIRING"})
    responses = await asyncio.gather(*(client.post(url, json={"points": -10}) for _ in range(15)))
    outcomes = Counter("ok" if r.status_code == 200 else r.json()["key"] for r in responses)
    assert outcomes == {"ok": 5, "loyalty_card_points_exceeded": 10}
    assert await balances_agree(db, card["id"]) == 0


async def test_initial_points_of_generated_cards_are_in_the_ledger(
    client: httpx.AsyncClient, db: Database
) -> None:
    program = await _program(
        client,
        vouchers_count=3,
        voucher={"type": "LOYALTY_CARD", "loyalty_card": {"points": 15}},
    )
    cards = (await client.get(f"/v1/loyalties/{program['id']}/members")).json()["vouchers"]
    assert len(cards) == 3
    for card in cards:
        assert card["loyalty_card"]["points"] == card["loyalty_card"]["balance"] == 15
        assert await balances_agree(db, card["id"]) == 15


async def test_bad_loyalty_input_gets_clear_4xx(client: httpx.AsyncClient) -> None:
    bad_rules = await client.post(
        "/v1/loyalties",
        json={
            **PROGRAM,
            "voucher": {
                "type": "LOYALTY_CARD",
                "loyalty_card": {"points": 0, "expiration_rules": {"period_type": "WEEK"}},
            },
        },
    )
    assert bad_rules.status_code == 400 and bad_rules.json()["key"] == "invalid_payload"
    program = await _program(client)
    unknown = await client.get("/v1/loyalties/members/NO-SUCH-CARD")
    assert unknown.status_code == 404
    card = await _member(client, program["id"], "cust-5")
    url = f"/v1/loyalties/members/{card['code']}/balance"
    for body in ({"points": 0}, {"points": 1.5}, {"points": "10"}, {}):
        resp = await client.post(url, json=body)
        assert resp.status_code == 400, (body, resp.text)
    custom = await client.post(url, json={"points": 5, "expiration_type": "CUSTOM_DATE"})
    assert custom.status_code == 400
    coupon = await client.post(
        "/v1/vouchers",
        json={"type": "DISCOUNT_VOUCHER", "discount": {"type": "PERCENT", "percent_off": 5}},
    )
    not_a_card = await client.get(f"/v1/loyalties/members/{coupon.json()['code']}")
    assert not_a_card.status_code == 404
    self_transfer = await client.post(
        f"/v1/loyalties/{program['id']}/members/{card['code']}/transfers",
        json=[{"code": card["code"], "points": 1}],
    )
    assert self_transfer.status_code == 400


async def test_balances_past_32_bits_and_oversized_amounts(
    client: httpx.AsyncClient, db: Database
) -> None:
    program = await _program(client)
    card = await _member(client, program["id"], "whale")
    url = f"/v1/loyalties/members/{card['code']}/balance"
    for _ in range(3):  # 3e9 points: past PostgreSQL's 32-bit INTEGER
        resp = await client.post(url, json={"points": 1_000_000_000})
        assert resp.status_code == 200, resp.text
    assert await balances_agree(db, card["id"]) == 3_000_000_000
    too_many = await client.post(url, json={"points": 1_000_000_001})
    assert too_many.status_code == 400
    huge = {"status": "PAID", "customer": {"source_id": "whale"}}
    for body in (
        {**huge, "amount": 9_223_372_036_854_775_813},
        {**huge, "amount": 10**15},
        {**huge, "items": [{"source_id": "yacht", "quantity": 1_000_000, "price": 10**12}]},
    ):
        resp = await client.post("/v1/orders", json=body)
        assert resp.status_code == 400, resp.text
        assert resp.json()["key"] in {"invalid_payload", "invalid_order"}


async def test_points_expiration_pages_list_the_soonest_first(client: httpx.AsyncClient) -> None:
    clock.freeze(datetime(2025, 3, 1, tzinfo=UTC))
    program = await _program(client)
    code = (await _member(client, program["id"], "pager"))["code"]
    for last_day in ("2025-12-31", "2025-06-30", "2025-09-30"):
        await client.post(
            f"/v1/loyalties/members/{code}/balance",
            json={"points": 10, "expiration_type": "CUSTOM_DATE", "expiration_date": last_day},
        )
    url = f"/v1/loyalties/{program['id']}/members/{code}/points-expiration"
    pages = [(await client.get(url, params={"limit": 1, "page": n})).json() for n in (1, 2, 3)]
    assert [p["data"][0]["expires_at"] for p in pages] == ["2025-06-30", "2025-09-30", "2025-12-31"]
    assert {p["total"] for p in pages} == {3}
