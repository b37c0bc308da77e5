"""The program simulator: past paid orders replayed through a draft earning rule or a draft
discount, next to what happened; its numbers against an independent computation on a small
fixture, on both engines. It changes no row, refuses anonymous users and stale forms, and
never counts another project's orders."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.console.test_console_auth import _csrf, _log_in, _user, browser  # noqa: F401
from tests.console.test_inspector import snapshot
from tests.earning.helpers import create_program, create_rules
from tests.support import ProjectKeys, make_project
from voucherd.kit.clock import clock
from voucherd.kit.db import Database

RANGE = {"start": "2026-03-01", "end": "2026-03-31"}
# Orders paid in March by members (ann twice, ben once), and by a customer who is no member.
MARCH = [("ann", 2500), ("ann", 4750), ("ben", 1000), ("cal", 9000)]
FEBRUARY = [("ann", 3000)]  # outside the range: counted nowhere, but in ann's balance
REDEEMED = ("ben", 1200)  # paid in March too, with a 7.00 code


def ok(resp: httpx.Response) -> Any:
    assert resp.status_code == 200, resp.text
    return resp.json()


async def _pay(client: httpx.AsyncClient, n: int, who: str, cents: int) -> None:
    ok(
        await client.post(
            "/v1/orders",
            json={
                "source_id": f"sim-{who}-{n}-{cents}",
                "status": "PAID",
                "customer": {"source_id": f"sim-{who}"},
                "items": [{"source_id": "mug", "quantity": 1, "price": cents}],
            },
        )
    )


@pytest.fixture
async def shop(client: httpx.AsyncClient) -> dict[str, Any]:
    """A program earning 1 point per 10.00 with tiers Bronze 10-49 and Silver 50+, two
    members, a 7.00 voucher redeemed once in March, and the orders above."""
    clock.freeze(datetime(2026, 2, 20, 12, tzinfo=UTC))
    program = await create_program(client, name="Sim Stars")
    ok(
        await client.post(
            f"/v1/loyalties/{program['id']}/tiers",
            json=[
                {"name": "Bronze", "points": {"from": 10, "to": 49}},
                {"name": "Silver", "points": {"from": 50}},
            ],
        )
    )
    (rule,) = await create_rules(
        client,
        program["id"],
        {
            "event": "order.paid",
            "loyalty": {
                "type": "PROPORTIONAL",
                "calculation_type": "ORDER_AMOUNT",
                "order": {"amount": {"every": 1000, "points": 1}},
            },
        },
    )
    for who in ("ann", "ben"):
        ok(
            await client.post(
                f"/v1/loyalties/{program['id']}/members",
                json={"customer": {"source_id": f"sim-{who}"}},
            )
        )
    for n, (who, cents) in enumerate(FEBRUARY):
        await _pay(client, n, who, cents)
    clock.freeze(datetime(2026, 3, 10, 12, tzinfo=UTC))
    for n, (who, cents) in enumerate(MARCH):
        await _pay(client, n, who, cents)
    voucher = ok(
        await client.post(
            "/v1/vouchers",
            json={
                "type": "DISCOUNT_VOUCHER",
                "discount": {"type": "AMOUNT", "amount_off": 700, "effect": "APPLY_TO_ORDER"},
            },
        )
    )
    ok(
        await client.post(
            "/v1/redemptions",
            json={
                "redeemables": [{"object": "voucher", "id": voucher["code"]}],
                "customer": {"source_id": "sim-ben"},
                "order": {"items": [{"source_id": "cup", "quantity": 1, "price": REDEEMED[1]}]},
            },
        )
    )
    clock.freeze(datetime(2026, 4, 2, 9, tzinfo=UTC))
    return {"program": program, "rule": rule}


def metric(page: str, name: str) -> str:
    marker = f'data-metric="{name}">'
    start = page.index(marker) + len(marker)
    return page[start : page.index("<", start)]


def tier_row(page: str, tier: str) -> tuple[str, str]:
    row = page[page.index(f'data-tier="{tier}"') :]
    return metric(row, "tier-simulated"), metric(row, "tier-actual")


async def _logged_in(
    browser: httpx.AsyncClient,  # noqa: F811
    db: Database,
    project: ProjectKeys,
    email: str,
) -> str:
    await _user(db, project, email, role="viewer")
    assert (await _log_in(browser, email)).status_code == 303
    form = await browser.get("/console/simulator")
    assert form.status_code == 200 and 'aria-current="page">Simulator' in form.text
    return _csrf(form.text)


async def test_a_changed_earning_rule_against_the_ledger(
    browser: httpx.AsyncClient,  # noqa: F811
    db: Database,
    project: ProjectKeys,
    shop: dict[str, Any],
) -> None:
    csrf = await _logged_in(browser, db, project, "sim-viewer@shop.example")
    rule = shop["rule"]
    assert f'value="rule:{rule["id"]}"' in (await browser.get("/console/simulator")).text
    before = await snapshot(db)
    page = await browser.post(
        "/console/simulator",
        data={
            **RANGE,
            "kind": "earning",
            "base": f"rule:{rule['id']}",
            "calculation": "ORDER_AMOUNT",
            "every": "5.00",
            "points": "2",
            "csrf_token": csrf,
        },
    )
    assert page.status_code == 200, page.text
    assert await snapshot(db) == before  # nothing stored, nothing changed
    # cal is no member: his order earns nothing either way.
    members = [(who, cents) for who, cents in [*MARCH, REDEEMED] if who != "cal"]
    # Independently: 2 points per whole 5.00 (on the amount before the discount, as earning
    # reads it), against 1 per whole 10.00 actually credited.
    simulated = sum(cents // 500 * 2 for _, cents in members)
    actual = sum(cents // 1000 for _, cents in members)
    assert (simulated, actual) == (36, 8)
    assert metric(page.text, "simulated-total") == str(simulated)
    assert metric(page.text, "actual-total") == str(actual)
    assert metric(page.text, "simulated-orders") == metric(page.text, "actual-orders") == "4"
    assert metric(page.text, "simulated-customers") == "2"
    assert metric(page.text, "actual-customers") == "2"
    assert metric(page.text, "orders") == "5"  # cal's order is replayed, earns nothing
    # ann holds 3 (February) + 6 = 9 points: no tier; with the draft 3 + 28 = 31: Bronze.
    # ben holds 2 points, 8 with the draft: no tier either way.
    assert tier_row(page.text, "No tier") == ("1", "2")
    assert tier_row(page.text, "Bronze") == ("1", "0")
    assert tier_row(page.text, "Silver") == ("0", "0")


async def test_a_new_fixed_rule_with_a_validation_rule(
    browser: httpx.AsyncClient,  # noqa: F811
    db: Database,
    project: ProjectKeys,
    shop: dict[str, Any],
) -> None:
    csrf = await _logged_in(browser, db, project, "sim-new@shop.example")
    page = await browser.post(
        "/console/simulator",
        data={
            **RANGE,
            "kind": "earning",
            "base": f"new:{shop['program']['id']}",
            "loyalty_json": '{"type": "FIXED", "points": 5}',
            "rule_json": '{"1": {"name": "order.amount", "conditions": {"$more_than": [3000]}},'
            ' "logic": "1"}',
            "csrf_token": csrf,
        },
    )
    assert page.status_code == 200, page.text
    # The program's own rule stays: 1 per 10.00; the new one adds 5 on orders above 30.00.
    members = [(who, cents) for who, cents in [*MARCH, REDEEMED] if who != "cal"]
    expected = sum(c // 1000 for _, c in members) + sum(5 for _, c in members if c > 3000)
    assert metric(page.text, "simulated-total") == str(expected) == "13"


async def test_a_draft_discount_against_the_redemptions(
    browser: httpx.AsyncClient,  # noqa: F811
    db: Database,
    project: ProjectKeys,
    shop: dict[str, Any],
) -> None:
    csrf = await _logged_in(browser, db, project, "sim-discount@shop.example")
    before = await snapshot(db)
    page = await browser.post(
        "/console/simulator",
        data={
            **RANGE,
            "kind": "discount",
            "discount_type": "PERCENT",
            "discount_value": "10",
            "effect": "APPLY_TO_ORDER",
            "rule_json": '{"rules": {"1": {"name": "order.amount", "conditions":'
            ' {"$more_than": [2000]}}, "logic": "1"}}',
            "csrf_token": csrf,
        },
    )
    assert page.status_code == 200, page.text
    assert await snapshot(db) == before
    # Every order paid in March: the four above and the redeemed 12.00 one (Voucherify's
    # half-up cents); only those above 20.00 qualify.
    orders = [cents for _, cents in [*MARCH, REDEEMED]]
    qualifying = [c for c in orders if c > 2000]
    expected = sum((c * 10 + 50) // 100 for c in qualifying)
    assert metric(page.text, "simulated-total") == f"{expected / 100:,.2f}" == "16.25"
    assert metric(page.text, "simulated-orders") == str(len(qualifying))
    assert metric(page.text, "simulated-customers") == "2"  # ann and cal
    assert metric(page.text, "actual-total") == "7.00"
    assert metric(page.text, "actual-orders") == "1"
    assert metric(page.text, "actual-customers") == "1"
    assert metric(page.text, "orders") == "5"


async def test_mistakes_in_the_draft_are_named(
    browser: httpx.AsyncClient,  # noqa: F811
    db: Database,
    project: ProjectKeys,
    shop: dict[str, Any],
) -> None:
    csrf = await _logged_in(browser, db, project, "sim-bad@shop.example")
    base = {**RANGE, "kind": "earning", "base": f"new:{shop['program']['id']}", "points": "1"}
    for data, message in [
        ({**base, "calculation": "ORDER_AMOUNT", "every": "abc"}, "is not an amount"),
        ({**base, "start": "2026-04-01", "end": "2026-03-01"}, "ends before it starts"),
        ({**base, "loyalty_json": '{"type": "PROPORTIONAL"}'}, "calculation_type is required"),
        ({**base, "rule_json": '{"1": {"name": "nope"}, "logic": "1"}'}, "rules"),
        ({**base, "base": "new:camp_elsewhere"}, "Choose one of your loyalty programs"),
        ({**RANGE, "kind": "discount", "discount_json": '{"type": "AMOUNT"}'}, "amount_off"),
    ]:
        resp = await browser.post("/console/simulator", data={**data, "csrf_token": csrf})
        assert resp.status_code == 400, (data, resp.text)
        assert message in html.unescape(resp.text), (message, resp.text)


async def test_anonymous_stale_forms_and_other_projects(
    browser: httpx.AsyncClient,  # noqa: F811
    client: httpx.AsyncClient,
    db: Database,
    project: ProjectKeys,
    shop: dict[str, Any],
) -> None:
    for method in ("GET", "POST"):
        resp = await browser.request(method, "/console/simulator")
        assert resp.status_code == 303 and resp.headers["location"] == "/console/login"
    other = await make_project(db, "Elsewhere")
    csrf = await _logged_in(browser, db, other, "sim-outsider@other.example")
    forged = await browser.post(
        "/console/simulator", data={**RANGE, "kind": "discount", "csrf_token": "forged"}
    )
    assert forged.status_code == 403 and "expired" in forged.text
    form = (await browser.get("/console/simulator")).text
    assert shop["program"]["id"] not in form and "Sim Stars" not in form
    page = await browser.post(
        "/console/simulator",
        data={**RANGE, "kind": "discount", "discount_type": "AMOUNT",
              "discount_value": "1.00", "csrf_token": csrf},
    )  # fmt: skip
    assert page.status_code == 200, page.text
    assert metric(page.text, "orders") == "0"  # the first project's orders are not its own
    assert metric(page.text, "actual-total") == "0.00"
    stolen = await browser.post(
        "/console/simulator",
        data={**RANGE, "kind": "earning", "base": f"rule:{shop['rule']['id']}",
              "points": "1", "calculation": "FIXED", "csrf_token": csrf},
    )  # fmt: skip
    assert stolen.status_code == 400 and "Choose an earning rule" in html.unescape(stolen.text)


async def test_a_draft_discount_on_the_items_its_rule_targets(
    browser: httpx.AsyncClient,  # noqa: F811
    db: Database,
    project: ProjectKeys,
    shop: dict[str, Any],
) -> None:
    csrf = await _logged_in(browser, db, project, "sim-items@shop.example")
    page = await browser.post(
        "/console/simulator",
        data={
            **RANGE,
            "kind": "discount",
            "discount_json": '{"type": "AMOUNT", "amount_off": 300, "effect": "APPLY_TO_ITEMS"}',
            "rule_json": '{"rules": {"logic": ""}, "applicable_to": {"included": [{"object":'
            ' "product", "id": "prod_cup", "source_id": "cup"}]}}',
            "csrf_token": csrf,
        },
    )
    assert page.status_code == 200, page.text
    # Only ben's redeemed order has a cup (12.00): 3.00 off it, nothing off the mugs.
    assert metric(page.text, "simulated-total") == f"{min(300, REDEEMED[1]) / 100:.2f}"
    assert metric(page.text, "simulated-orders") == "1"
    assert metric(page.text, "simulated-customers") == "1"
