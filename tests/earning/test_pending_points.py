"""Pending points over HTTP: lists, manual activation, cancel, adjust, and the daily job."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.earning.helpers import (
    add_member,
    balances_agree,
    create_program,
    create_rules,
    fixed_rule,
    get_card,
    item,
    pay_order,
)
from tests.support import ProjectKeys, recorded_events
from voucherd.earning import jobs as _jobs  # noqa: F401  (registers the activation job)
from voucherd.kit.clock import clock
from voucherd.kit.db import Database
from voucherd.worker import run_once

PENDING_3_DAYS = {"period_type": "DAY", "period_value": 3}


async def _setup(client: httpx.AsyncClient, points: int = 10) -> dict[str, Any]:
    clock.freeze(datetime(2025, 3, 10, 12, 0, tzinfo=UTC))
    program = await create_program(client)
    await create_rules(client, program["id"], fixed_rule(points, pending_points=PENDING_3_DAYS))
    card = await add_member(client, program["id"], "jack")
    order = await pay_order(client, "jack", [item("a", 1000)], source_id="o-1")
    resp = await client.get(f"/v1/loyalties/members/{card['code']}/pending-points")
    assert resp.status_code == 200, resp.text
    [entry] = resp.json()["data"]
    return {"program": program, "card": card, "order": order, "entry": entry}


def _path(setup: dict[str, Any], action: str) -> str:
    return (
        f"/v1/loyalties/members/{setup['card']['code']}/pending-points/"
        f"{setup['entry']['id']}/{action}"
    )


async def test_pending_rule_holds_points_until_activation(client: httpx.AsyncClient) -> None:
    setup = await _setup(client)
    entry = setup["entry"]
    assert entry["points"] == 10
    assert entry["activates_at"] == "2025-03-13"
    assert entry["order_id"] == setup["order"]["id"]
    card = await get_card(client, setup["card"]["code"])
    assert card["loyalty_card"]["balance"] == 0
    assert card["loyalty_card"]["pending_points"] == 10

    program_id = setup["program"]["id"]
    by_campaign = (await client.get(f"/v1/loyalties/{program_id}/pending-points")).json()
    assert by_campaign["object"] == "list" and by_campaign["data_ref"] == "data"
    assert [e["id"] for e in by_campaign["data"]] == [entry["id"]]
    assert by_campaign["has_more"] is False
    scoped = await client.get(
        f"/v1/loyalties/{program_id}/members/{setup['card']['code']}/pending-points"
    )
    assert [e["id"] for e in scoped.json()["data"]] == [entry["id"]]


async def test_manual_activation_credits_the_card_once(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    setup = await _setup(client)
    resp = await client.post(_path(setup, "activate"))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["points"] == 10 and body["balance"] == 10
    assert body["operation_type"] == "MANUAL" and body["object"] == "balance"
    card = await get_card(client, setup["card"]["code"])
    assert card["loyalty_card"]["balance"] == 10
    assert card["loyalty_card"]["pending_points"] == 0

    again = await client.post(_path(setup, "activate"))
    assert again.status_code == 404, again.text
    assert again.json()["key"] == "not_found"
    assert "activated" in again.json()["details"]
    assert await balances_agree(db, setup["card"]["id"]) == 10
    [event] = await recorded_events(db, project, "voucher.loyalty_card.pending_points.activated")
    assert event.data["transaction"]["type"] == "PENDING_POINTS_ACTIVATION"
    assert event.data["transaction"]["source_id"] == "o-1"
    assert (
        len(
            await recorded_events(
                db, project, "customer.voucher.loyalty_card.pending_points.activated"
            )
        )
        == 1
    )


async def test_concurrent_activations_credit_once(client: httpx.AsyncClient, db: Database) -> None:
    setup = await _setup(client)
    results = await asyncio.gather(*(client.post(_path(setup, "activate")) for _ in range(10)))
    assert sorted(r.status_code for r in results) == [200] + [404] * 9
    assert await balances_agree(db, setup["card"]["id"]) == 10
    card = await get_card(client, setup["card"]["code"])
    assert card["loyalty_card"]["pending_points"] == 0


async def test_cancel_drops_the_points(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    setup = await _setup(client)
    resp = await client.post(_path(setup, "cancel"))
    assert resp.status_code == 204, resp.text
    card = await get_card(client, setup["card"]["code"])
    assert card["loyalty_card"]["pending_points"] == 0
    assert card["loyalty_card"]["balance"] == 0
    [event] = await recorded_events(db, project, "voucher.loyalty_card.pending_points.canceled")
    assert event.data["voucher_pending_points_balance"]["points"] == -10
    assert event.data["voucher_pending_points_balance"]["total"] == 0

    assert (await client.post(_path(setup, "activate"))).status_code == 404
    assert (await client.post(_path(setup, "cancel"))).status_code == 404
    clock.advance(timedelta(days=5))
    await run_once(db)
    assert (await get_card(client, setup["card"]["code"]))["loyalty_card"]["balance"] == 0


async def test_adjust_moves_the_entry_and_the_pending_total(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    setup = await _setup(client)
    resp = await client.post(_path(setup, "balance"), json={"points": 5})
    assert resp.status_code == 200, resp.text
    assert resp.json()["points"] == 5 and resp.json()["total"] == 15
    resp = await client.post(_path(setup, "balance"), json={"points": -12})
    assert resp.json()["total"] == 3

    too_much = await client.post(_path(setup, "balance"), json={"points": -4})
    assert too_much.status_code == 400, too_much.text
    assert too_much.json()["key"] == "invalid_payload"
    zero = await client.post(_path(setup, "balance"), json={"points": 0})
    assert zero.status_code == 400
    not_int = await client.post(_path(setup, "balance"), json={"points": "3"})
    assert not_int.status_code == 400

    listed = await client.get(f"/v1/loyalties/members/{setup['card']['code']}/pending-points")
    assert listed.json()["data"][0]["points"] == 3
    activated = await client.post(_path(setup, "activate"))
    assert activated.json()["points"] == 3
    assert await balances_agree(db, setup["card"]["id"]) == 3
    updates = await recorded_events(db, project, "voucher.loyalty_card.pending_points.updated")
    moves = sorted(e.data["voucher_pending_points_balance"]["points"] for e in updates)
    assert moves == [-12, 5]


async def test_unknown_member_or_entry_is_404(client: httpx.AsyncClient) -> None:
    setup = await _setup(client)
    other = await add_member(client, setup["program"]["id"], "jill")
    for path in (
        f"/v1/loyalties/members/NOPE/pending-points/{setup['entry']['id']}/activate",
        f"/v1/loyalties/members/{other['code']}/pending-points/{setup['entry']['id']}/activate",
        f"/v1/loyalties/members/{setup['card']['code']}/pending-points/lopp_nope/cancel",
    ):
        resp = await client.post(path)
        assert resp.status_code == 404, (path, resp.text)
    assert (await client.get("/v1/loyalties/members/NOPE/pending-points")).status_code == 404
    assert (await client.get("/v1/loyalties/camp_nope/pending-points")).status_code == 404


async def test_job_activates_on_the_due_day_only(
    client: httpx.AsyncClient, db: Database, project: ProjectKeys
) -> None:
    setup = await _setup(client)
    code = setup["card"]["code"]
    clock.freeze(datetime(2025, 3, 12, 23, 59, tzinfo=UTC))
    await run_once(db)
    assert (await get_card(client, code))["loyalty_card"]["balance"] == 0

    clock.freeze(datetime(2025, 3, 13, 0, 1, tzinfo=UTC))
    await run_once(db)
    card = await get_card(client, code)
    assert card["loyalty_card"]["balance"] == 10
    assert card["loyalty_card"]["pending_points"] == 0
    [event] = await recorded_events(db, project, "voucher.loyalty_card.pending_points.activated")
    assert event.data["balance"]["operation_type"] == "AUTOMATIC"
    await run_once(db)
    assert await balances_agree(db, setup["card"]["id"]) == 10


async def test_each_rule_and_order_holds_points_once(client: httpx.AsyncClient) -> None:
    setup = await _setup(client)
    for _ in range(2):
        await client.put(f"/v1/orders/{setup['order']['id']}", json={"status": "PAID"})
    listed = await client.get(f"/v1/loyalties/members/{setup['card']['code']}/pending-points")
    assert len(listed.json()["data"]) == 1
    second = await pay_order(client, "jack", [item("b", 100)], source_id="o-2")
    listed = await client.get(f"/v1/loyalties/members/{setup['card']['code']}/pending-points")
    assert {e["order_id"] for e in listed.json()["data"]} == {setup["order"]["id"], second["id"]}
    assert (await get_card(client, setup["card"]["code"]))["loyalty_card"]["pending_points"] == 20


async def test_an_entry_that_keeps_failing_does_not_hold_back_the_others(
    client: httpx.AsyncClient, db: Database, monkeypatch: Any
) -> None:
    from voucherd.earning import jobs, pending

    setup = await _setup(client)
    await pay_order(client, "jack", [item("b", 1000)], source_id="o-2")
    code = setup["card"]["code"]
    broken = setup["entry"]["id"]  # the older entry: first in every batch
    real_activate = pending.activate

    async def activate(session: Any, ctx: Any, entry: Any, *args: Any, **kwargs: Any) -> Any:
        if entry.id == broken:
            raise RuntimeError("this entry always fails")
        return await real_activate(session, ctx, entry, *args, **kwargs)

    monkeypatch.setattr(pending, "activate", activate)
    monkeypatch.setattr(jobs, "BATCH_SIZE", 1)  # a whole batch of one failing entry
    clock.freeze(datetime(2025, 3, 13, 0, 1, tzinfo=UTC))
    for _ in range(20):  # other tests' due entries may come first; ours get their turn
        await jobs.activate_due_pending_points(db)
        if (await get_card(client, code))["loyalty_card"]["balance"] == 10:
            break
    card = (await get_card(client, code))["loyalty_card"]
    assert (card["balance"], card["pending_points"]) == (10, 10)  # the second one activated

    monkeypatch.setattr(pending, "activate", real_activate)
    await jobs.activate_due_pending_points(db)  # still held back: nothing retried yet
    assert (await get_card(client, code))["loyalty_card"]["pending_points"] == 10
    clock.advance(timedelta(minutes=11))
    for _ in range(20):
        await jobs.activate_due_pending_points(db)
        if (await get_card(client, code))["loyalty_card"]["pending_points"] == 0:
            break
    assert (await get_card(client, code))["loyalty_card"]["balance"] == 20
    assert await balances_agree(db, setup["card"]["id"]) == 20
