"""The console's customer pages: lookup, wallet, redemptions, a card's ledger and a manual
points adjustment (editor or admin only, CSRF-checked, audited)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.console.test_console_auth import _csrf, _log_in, _user, browser  # noqa: F401
from tests.support import ProjectKeys
from voucherd.kit.db import Database


def ok(resp: httpx.Response) -> Any:
    assert resp.status_code == 200, resp.text
    return resp.json()


@pytest.fixture
async def member(client: httpx.AsyncClient) -> dict[str, Any]:
    ok(
        await client.post(
            "/v1/customers",
            json={"source_id": "zoe", "name": "Zoë <b>Bold</b>", "email": "zoe@shop.example"},
        )
    )
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
            f"/v1/loyalties/{program['id']}/members", json={"customer": {"source_id": "zoe"}}
        )
    )
    ok(await client.post(f"/v1/loyalties/members/{card['code']}/balance", json={"points": 40}))
    return card


async def test_lookup_wallet_and_points_adjustment(
    browser: httpx.AsyncClient,  # noqa: F811
    db: Database,
    project: ProjectKeys,
    client: httpx.AsyncClient,
    member: dict[str, Any],
) -> None:
    await _user(db, project, "cust-editor@shop.example", role="editor")
    assert (await _log_in(browser, "cust-editor@shop.example")).status_code == 303

    for query in ("zoe", "zoe@shop.example", member["holder_id"]):
        found = await browser.get("/console/customers", params={"q": query})
        assert found.status_code == 303, query
        assert found.headers["location"] == f"/console/customers/{member['holder_id']}"
    missing = await browser.get("/console/customers", params={"q": "nobody"})
    assert "No customer has" in missing.text

    page = (await browser.get(f"/console/customers/{member['holder_id']}")).text
    assert member["code"] in page and "40 points" in page
    assert "Zoë &lt;b&gt;Bold&lt;/b&gt;" in page and "<b>Bold</b>" not in page

    card_page = await browser.get(f"/console/cards/{member['code']}")
    csrf = _csrf(card_page.text)
    adjusted = await browser.post(
        f"/console/cards/{member['code']}/points",
        data={"points": "-15", "reason": "goodwill fix", "csrf_token": csrf},
    )
    assert adjusted.status_code == 303, adjusted.text
    card_page = await browser.get(f"/console/cards/{member['code']}")
    assert 'data-metric="balance">25 points' in card_page.text
    assert "goodwill fix" in card_page.text
    # The API sees the same ledger: one implementation.
    api_card = ok(await client.get(f"/v1/loyalties/members/{member['code']}"))
    assert api_card["loyalty_card"]["balance"] == 25
    audit = (await browser.get("/console/audit")).text
    assert "loyalty_card.points" in audit and "goodwill fix" in audit

    for bad in ({"points": "lots", "reason": "x"}, {"points": "5", "reason": " "}):
        refused = await browser.post(
            f"/console/cards/{member['code']}/points", data={**bad, "csrf_token": csrf}
        )
        assert refused.status_code == 400
    too_many = await browser.post(
        f"/console/cards/{member['code']}/points",
        data={"points": "-1000", "reason": "oops", "csrf_token": csrf},
    )
    assert too_many.status_code == 400
    assert (
        ok(await client.get(f"/v1/loyalties/members/{member['code']}"))["loyalty_card"]["balance"]
        == 25
    )


async def test_a_viewer_cannot_adjust_points(
    browser: httpx.AsyncClient,  # noqa: F811
    db: Database,
    project: ProjectKeys,
    client: httpx.AsyncClient,
    member: dict[str, Any],
) -> None:
    await _user(db, project, "cust-viewer@shop.example", role="viewer")
    assert (await _log_in(browser, "cust-viewer@shop.example")).status_code == 303
    card_page = await browser.get(f"/console/cards/{member['code']}")
    assert "Adjust points" not in card_page.text
    home = await browser.get("/console")
    refused = await browser.post(
        f"/console/cards/{member['code']}/points",
        data={"points": "100", "reason": "sneaky", "csrf_token": _csrf(home.text)},
    )
    assert refused.status_code == 403
    assert (
        ok(await client.get(f"/v1/loyalties/members/{member['code']}"))["loyalty_card"]["balance"]
        == 40
    )


async def test_another_projects_customer_is_not_found(
    browser: httpx.AsyncClient,  # noqa: F811
    db: Database,
    project: ProjectKeys,
    member: dict[str, Any],
) -> None:
    from tests.support import make_project

    other = await make_project(db, "Elsewhere")
    await _user(db, other, "outsider@other.example")
    assert (await _log_in(browser, "outsider@other.example")).status_code == 303
    assert (await browser.get(f"/console/customers/{member['holder_id']}")).status_code == 404
    assert (await browser.get(f"/console/cards/{member['code']}")).status_code == 404
    assert (await browser.get("/console/customers", params={"q": "zoe"})).status_code == 200
