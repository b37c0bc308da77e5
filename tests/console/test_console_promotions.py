"""Console PROMOTION campaigns through the real ASGI app on both engines: the create form
makes the campaign, tiers and events `POST /v1/campaigns` makes; tiers are added, switched
and listed with their redemption counts through the promotions service; roles, CSRF,
project scope and escaping hold."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from tests.console.test_campaigns import _campaign_id, _events, _signed_in
from tests.console.test_console_auth import browser  # noqa: F401
from tests.support import ProjectKeys, make_project
from voucherd.console.models import AuditEntry
from voucherd.kit.db import Database

# Keys that differ between two projects' copies of the same campaign.
_IDS = {"id", "created_at", "updated_at", "campaign_id", "promotion_id", "campaign"}


def _api(app: Any, project: ProjectKeys) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers=project.headers
    )


def _form(csrf: str, name: str, **extra: str) -> dict[str, str]:
    return {
        "csrf_token": csrf,
        "campaign_type": "PROMOTION",
        "name": name,
        "description": "Spend more, save more",
        "category": "Seasonal",
        "metadata": '{"season": "summer"}',
        "tier_name_1": "Ten off",
        "tier_banner_1": "10 off any order",
        "tier_discount_type_1": "AMOUNT",
        "tier_discount_value_1": "1000",
        "tier_name_2": "Five percent",
        "tier_banner_2": "5% off",
        "tier_discount_type_2": "PERCENT",
        "tier_discount_value_2": "5",
        **extra,
    }


def _comparable(body: dict[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in body.items() if k not in _IDS | {"promotion", "category_id"}}
    kept["categories"] = [c["name"] for c in body.get("categories") or []]
    tiers = (body.get("promotion") or {}).get("tiers") or []
    kept["tiers"] = [
        {k: v for k, v in t.items() if k not in _IDS | {"validation_rule_assignments"}}
        for t in tiers
    ]
    return kept


async def _promotion(api: httpx.AsyncClient, name: str) -> dict[str, Any]:
    made = await api.post(
        "/v1/campaigns",
        json={
            "name": name, "description": "Spend more, save more", "campaign_type": "PROMOTION",
            "category": "Seasonal", "metadata": {"season": "summer"},
            "promotion": {"tiers": [
                {"name": "Ten off", "banner": "10 off any order",
                 "action": {"discount": {"type": "AMOUNT", "amount_off": 1000}}},
                {"name": "Five percent", "banner": "5% off",
                 "action": {"discount": {"type": "PERCENT", "percent_off": 5}}},
            ]},
        },
    )  # fmt: skip
    assert made.status_code == 200, made.text
    body: dict[str, Any] = made.json()
    return body


async def test_create_makes_the_campaign_tiers_and_events_the_api_makes(
    browser: httpx.AsyncClient,  # noqa: F811
    app: Any,
    db: Database,
    project: ProjectKeys,
) -> None:
    csrf = await _signed_in(browser, db, project)
    new = await browser.get("/console/campaigns/new?type=PROMOTION")
    assert new.status_code == 200 and 'for="tier_name_1"' in new.text
    assert 'id="code_pattern"' not in new.text  # a promotion has no codes
    campaign_id = _campaign_id(
        await browser.post("/console/campaigns/new", data=_form(csrf, "Summer"))
    )

    other = await make_project(db, "API twin")
    async with _api(app, other) as api:
        api_body = await _promotion(api, "Summer")
    async with _api(app, project) as api:
        console_body = (await api.get(f"/v1/campaigns/{campaign_id}")).json()
    assert _comparable(console_body) == _comparable(api_body)
    assert [t["name"] for t in console_body["promotion"]["tiers"]] == ["Ten off", "Five percent"]
    assert [t["hierarchy"] for t in console_body["promotion"]["tiers"]] == [1, 2]
    mine = [e.type for e in await _events(db, project)]
    assert mine == [e.type for e in await _events(db, other)]
    assert mine.count("campaign.promotion_tier.created") == 2

    listed = await browser.get("/console/campaigns?type=PROMOTION")
    assert "Summer" in listed.text and "Promotion" in listed.text
    assert "Summer" not in (await browser.get("/console/campaigns?type=GIFT_VOUCHERS")).text
    async with db.transaction(write=False) as session:
        audit = (
            await session.execute(
                select(AuditEntry).where(
                    AuditEntry.project_id == project.project_id,
                    AuditEntry.action == "campaign.create",
                )
            )
        ).scalar_one()
    assert audit.object_id == campaign_id and audit.after["campaign_type"] == "PROMOTION"


async def test_a_create_without_tiers_or_with_a_bad_one_changes_nothing(
    browser: httpx.AsyncClient,  # noqa: F811
    db: Database,
    project: ProjectKeys,
) -> None:
    csrf = await _signed_in(browser, db, project)
    empty = {k: v for k, v in _form(csrf, "No tiers").items() if not k.startswith("tier_")}
    refused = await browser.post("/console/campaigns/new", data=empty)
    assert refused.status_code == 400 and 'id="tier_name_1-error"' in refused.text
    bad = await browser.post(
        "/console/campaigns/new", data=_form(csrf, "Bad tier", tier_discount_value_2="lots")
    )
    assert bad.status_code == 400 and "promotion.tiers" in bad.text
    assert 'value="Bad tier"' in bad.text  # the form is shown again as it was filled
    assert await _events(db, project) == []


async def test_tiers_are_listed_added_and_switched_through_the_service(
    browser: httpx.AsyncClient,  # noqa: F811
    app: Any,
    db: Database,
    project: ProjectKeys,
) -> None:
    async with _api(app, project) as api:
        made = await _promotion(api, "Tiered")
        first = made["promotion"]["tiers"][0]["id"]
        stack = await api.post(
            f"/v1/promotions/{made['id']}/stacks",
            json={"name": "Both together", "tiers": {"ids": [first]}},
        )
        assert stack.status_code == 200, stack.text
        redeemed = await api.post(
            "/v1/redemptions",
            json={"redeemables": [{"object": "promotion_tier", "id": first}],
                  "order": {"items": [{"source_id": "bag", "quantity": 1, "price": 8000}]}},
        )  # fmt: skip
        assert redeemed.status_code == 200, redeemed.text
    csrf = await _signed_in(browser, db, project)
    shown = await browser.get(f"/console/campaigns/{made['id']}")
    assert shown.status_code == 200
    assert "10 off any order" in shown.text and "Both together" in shown.text
    assert f'data-tier-state="{first}">enabled' in shown.text
    assert f'data-tier-discount="{first}">10.00 off' in shown.text
    assert "5% off" in shown.text
    assert f'data-tier-redemptions="{first}">1<' in shown.text

    added = await browser.post(
        f"/console/campaigns/{made['id']}/tiers",
        data={"csrf_token": csrf, "tier_name": "Free shipping", "tier_banner": "Ship free",
              "tier_discount_type": "FIXED", "tier_discount_value": "0"},
    )  # fmt: skip
    assert added.status_code == 303, added.text
    off = await browser.post(
        f"/console/campaigns/{made['id']}/tiers/{first}/disable", data={"csrf_token": csrf}
    )
    assert off.status_code == 303
    async with _api(app, project) as api:
        tiers = (await api.get(f"/v1/promotions/{made['id']}/tiers")).json()["tiers"]
    assert [t["name"] for t in tiers] == ["Ten off", "Five percent", "Free shipping"]
    assert tiers[2]["hierarchy"] == 3 and tiers[2]["action"]["discount"]["type"] == "FIXED"
    assert tiers[0]["active"] is False
    types = [e.type for e in await _events(db, project)]
    assert types[-2:] == ["campaign.promotion_tier.created", "campaign.promotion_tier.disabled"]
    shown = await browser.get(f"/console/campaigns/{made['id']}")
    assert f'data-tier-state="{first}">disabled' in shown.text and "Ship free" in shown.text

    refused = await browser.post(
        f"/console/campaigns/{made['id']}/tiers",
        data={"csrf_token": csrf, "tier_name": "Bad", "tier_discount_type": "PERCENT",
              "tier_discount_value": "250"},
    )  # fmt: skip
    assert refused.status_code == 400
    assert [e.type for e in await _events(db, project)] == types
    async with db.transaction(write=False) as session:
        actions = (
            await session.execute(
                select(AuditEntry.action, AuditEntry.before, AuditEntry.after).where(
                    AuditEntry.project_id == project.project_id
                )
            )
        ).all()
    assert ("promotion_tier.disable", {"active": True}, {"active": False}) in actions
    assert any(a == "promotion_tier.create" and after["name"] == "Free shipping"
               for a, _, after in actions)  # fmt: skip


async def test_viewer_csrf_anonymous_and_other_projects_are_refused(
    browser: httpx.AsyncClient,  # noqa: F811
    app: Any,
    db: Database,
    project: ProjectKeys,
) -> None:
    async with _api(app, project) as api:
        mine = await _promotion(api, "Mine")
    other = await make_project(db, "Someone else")
    async with _api(app, other) as api:
        theirs = await _promotion(api, "Their secret promotion")
    tier = mine["promotion"]["tiers"][0]["id"]
    tier_form = {"tier_name": "X", "tier_discount_type": "AMOUNT", "tier_discount_value": "1"}
    for path in (
        f"/console/campaigns/{mine['id']}/tiers",
        f"/console/campaigns/{mine['id']}/tiers/{tier}/disable",
    ):
        assert (await browser.post(path, data=tier_form)).headers["location"] == "/console/login"
    before = [e.type for e in await _events(db, project)]

    csrf = await _signed_in(browser, db, project, role="viewer")
    page = await browser.get(f"/console/campaigns/{mine['id']}")
    assert page.status_code == 200 and "Ten off" in page.text and "Add a tier" not in page.text
    assert (await browser.get("/console/campaigns/new?type=PROMOTION")).status_code == 403
    for path in (
        f"/console/campaigns/{mine['id']}/tiers",
        f"/console/campaigns/{mine['id']}/tiers/{tier}/disable",
    ):
        assert (await browser.post(path, data={"csrf_token": csrf, **tier_form})).status_code == 403
    viewer_create = await browser.post("/console/campaigns/new", data=_form(csrf, "Viewer's"))
    assert viewer_create.status_code == 403

    await browser.post("/console/logout", data={"csrf_token": csrf})
    csrf = await _signed_in(browser, db, project, role="editor")
    no_token = await browser.post(f"/console/campaigns/{mine['id']}/tiers", data=tier_form)
    assert no_token.status_code == 403
    assert (await browser.get(f"/console/campaigns/{theirs['id']}")).status_code == 404
    their_tier = theirs["promotion"]["tiers"][0]["id"]
    for path in (
        f"/console/campaigns/{theirs['id']}/tiers",
        f"/console/campaigns/{theirs['id']}/tiers/{their_tier}/disable",
        f"/console/campaigns/{mine['id']}/tiers/{their_tier}/disable",
    ):
        resp = await browser.post(path, data={"csrf_token": csrf, **tier_form})
        assert resp.status_code == 400, path
    assert "Their secret" not in (await browser.get("/console/campaigns?type=PROMOTION")).text
    assert [e.type for e in await _events(db, project)] == before
    assert [e.type for e in await _events(db, other)].count("campaign.promotion_tier.created") == 2


async def test_a_tier_name_and_banner_are_escaped(
    browser: httpx.AsyncClient,  # noqa: F811
    db: Database,
    project: ProjectKeys,
) -> None:
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    csrf = await _signed_in(browser, db, project)
    campaign_id = _campaign_id(
        await browser.post(
            "/console/campaigns/new",
            data=_form(csrf, "Escaped", tier_name_1=evil, tier_banner_1=evil),
        )
    )
    for path in (f"/console/campaigns/{campaign_id}", "/console/audit"):
        text = (await browser.get(path)).text
        assert "<script>alert" not in text and "<img src=x" not in text, path
    assert "&lt;script&gt;" in (await browser.get(f"/console/campaigns/{campaign_id}")).text


async def test_edit_changes_the_campaign_and_keeps_its_tiers(
    browser: httpx.AsyncClient,  # noqa: F811
    app: Any,
    db: Database,
    project: ProjectKeys,
) -> None:
    async with _api(app, project) as api:
        made = await _promotion(api, "Before")
    csrf = await _signed_in(browser, db, project)
    page = await browser.get(f"/console/campaigns/{made['id']}")
    assert "Publish a code" not in page.text and "Export codes" not in page.text
    edit = await browser.get(f"/console/campaigns/{made['id']}/edit")
    assert edit.status_code == 200 and 'id="tier_name_1"' not in edit.text
    done = await browser.post(
        f"/console/campaigns/{made['id']}/edit",
        data={"csrf_token": csrf, "name": "After", "description": "Changed", "metadata": "{}"},
    )
    assert done.status_code == 303, done.text
    async with _api(app, project) as api:
        body = (await api.get(f"/v1/campaigns/{made['id']}")).json()
    assert body["name"] == "After" and body["description"] == "Changed"
    assert [t["name"] for t in body["promotion"]["tiers"]] == ["Ten off", "Five percent"]
    assert [e.type for e in await _events(db, project)][-1] == "campaign.updated"
