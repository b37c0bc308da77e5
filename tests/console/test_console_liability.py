"""The liability report: points held per program and their money value, points expiring by
month, unspent gift-card money; on the page and as CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.console.test_console_auth import _log_in, _user, browser  # noqa: F401
from tests.support import ProjectKeys
from voucherd.kit.clock import clock
from voucherd.kit.db import Database


def ok(resp: httpx.Response) -> Any:
    assert resp.status_code == 200, resp.text
    return resp.json()


async def test_points_their_value_expiry_months_and_gift_money(
    browser: httpx.AsyncClient,  # noqa: F811
    client: httpx.AsyncClient,
    db: Database,
    project: ProjectKeys,
) -> None:
    clock.freeze(datetime(2026, 3, 10, 12, tzinfo=UTC))
    program = ok(
        await client.post(
            "/v1/loyalties",
            json={
                "name": "Stars",
                "voucher": {
                    "type": "LOYALTY_CARD",
                    "loyalty_card": {
                        "points": 0,
                        "expiration_rules": {
                            "period_type": "MONTH",
                            "period_value": 2,
                            "rounding_type": "END_OF_MONTH",
                        },
                    },
                },
            },
        )
    )
    coin = ok(
        await client.post(
            "/v1/rewards",
            json={
                "name": "Pay with points",
                "parameters": {"coin": {"exchange_ratio": 1, "points_ratio": 10}},
            },
        )
    )
    ok(await client.post(f"/v1/loyalties/{program['id']}/rewards", json=[{"reward": coin["id"]}]))
    for source_id, points in (("ann", 300), ("ben", 200)):
        card = ok(
            await client.post(
                f"/v1/loyalties/{program['id']}/members",
                json={"customer": {"source_id": source_id}},
            )
        )
        ok(
            await client.post(
                f"/v1/loyalties/members/{card['code']}/balance", json={"points": points}
            )
        )
    gifts = ok(
        await client.post(
            "/v1/campaigns",
            json={
                "name": "Gift cards",
                "campaign_type": "GIFT_VOUCHERS",
                "vouchers_count": 2,
                "voucher": {"type": "GIFT_VOUCHER", "gift": {"amount": 5000}},
            },
        )
    )
    code = ok(await client.get(f"/v1/vouchers?campaign_id={gifts['id']}"))["vouchers"][0]["code"]
    ok(
        await client.post(
            "/v1/redemptions",
            json={
                "redeemables": [{"object": "voucher", "id": code, "gift": {"credits": 1250}}],
                "order": {"items": [{"source_id": "mug", "quantity": 1, "price": 2000}]},
            },
        )
    )

    await _user(db, project, "accounts@shop.example", role="viewer")
    assert (await _log_in(browser, "accounts@shop.example")).status_code == 303
    page = (await browser.get("/console/liability")).text
    assert f'data-program="{program["id"]}"' in page
    assert 'data-metric="points">500<' in page
    assert 'data-metric="value">50.00<' in page  # 500 points at 1.00 per 10
    assert 'data-metric="gift-total">87.50<' in page  # two cards of 50.00, 12.50 spent

    exported = await browser.get("/console/liability.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    [points] = [r for r in rows if r["kind"] == "loyalty_points"]
    assert (points["name"], points["cards"], points["balance"], points["value"]) == (
        "Stars", "2", "500", "50.00",
    )  # fmt: skip
    # Earned in March, valid two months rounded to the end of the month: expiring in May.
    assert points["expiring_2026-05"] == "500"
    assert points["expiring_2026-03"] == "0" and points["expiring_2026-04"] == "0"
    [gift] = [r for r in rows if r["kind"] == "gift_balance"]
    assert (gift["name"], gift["cards"], gift["balance"]) == ("Gift cards", "2", "87.50")
