"""Console REFERRAL_PROGRAM campaigns through the real ASGI app on both engines: the create
form makes the campaign, codes and events `POST /v1/campaigns` makes; referrer reward tiers
are listed, added and removed through the referrals service; roles, CSRF, project scope and
escaping hold."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from tests.console.test_campaigns import _campaign_id, _events, _signed_in
from tests.console.test_console_auth import browser  # noqa: F401
from tests.referrals.helpers import coupon_campaign, gift_campaign, loyalty_program, ok
from tests.support import ProjectKeys, make_project
from voucherd.console.models import AuditEntry
from voucherd.kit.db import Database

_IDS = {"id", "created_at", "updated_at", "campaign_id"}


def _api(app: Any, project: ProjectKeys) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers=project.headers
    )


def _form(csrf: str, name: str, parent: str, **extra: str) -> dict[str, str]:
    return {
        "csrf_token": csrf,
        "campaign_type": "REFERRAL_PROGRAM",
        "name": name,
        "description": "Bring a friend",
        "discount_type": "PERCENT",
        "discount_value": "10",
        "vouchers_count": "2",
        "code_prefix": "REF-",
        "code_pattern": "####",
        "code_charset": "numbers",
        "conversion_event_type": "custom_event",
        "custom_event_name": "signed_up",
        "referee_reward_type": "LOYALTY_CARD",
        "referee_reward_campaign": parent,
        "referee_reward_amount": "200",
        **extra,
    }


def _api_body(name: str, parent: str) -> dict[str, Any]:
    return {
        "name": name, "description": "Bring a friend", "campaign_type": "REFERRAL_PROGRAM",
        "metadata": {}, "vouchers_count": 2,
        "voucher": {
            "type": "DISCOUNT_VOUCHER", "discount": {"type": "PERCENT", "percent_off": 10},
            "redemption": {"quantity": None},
            "code_config": {"prefix": "REF-", "pattern": "####", "charset": "numbers"},
        },
        "referral_program": {
            "conversion_event_type": "custom_event", "custom_event": {"name": "signed_up"},
            "referee_reward": {"type": "LOYALTY_CARD", "amount": 200,
                               "related_object_parent": {"id": parent}},
        },
    }  # fmt: skip


def _comparable(body: dict[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in body.items() if k not in _IDS}
    program = dict(kept.get("referral_program") or {})
    reward = dict(program.get("referee_reward") or {})
    reward.pop("related_object_parent", None)
    kept["referral_program"] = {**program, "referee_reward": reward}
    return kept


async def test_create_makes_the_campaign_codes_and_events_the_api_makes(
    browser: httpx.AsyncClient,  # noqa: F811
    app: Any,
    db: Database,
    project: ProjectKeys,
) -> None:
    async with _api(app, project) as api:
        points = await loyalty_program(api, "House points")
    csrf = await _signed_in(browser, db, project)
    new = await browser.get("/console/campaigns/new?type=REFERRAL_PROGRAM")
    assert new.status_code == 200 and f'value="{points["id"]}"' in new.text
    assert 'for="custom_event_name"' in new.text and 'for="discount_value"' in new.text
    campaign_id = _campaign_id(
        await browser.post("/console/campaigns/new", data=_form(csrf, "Friends", points["id"]))
    )

    other = await make_project(db, "API twin")
    async with _api(app, other) as api:
        twin_points = await loyalty_program(api, "House points")
        api_body = ok(await api.post("/v1/campaigns", json=_api_body("Friends", twin_points["id"])))
    async with _api(app, project) as api:
        console_body = ok(await api.get(f"/v1/campaigns/{campaign_id}"))
        codes = ok(await api.get(f"/v1/vouchers?campaign_id={campaign_id}"))["vouchers"]
    assert _comparable(console_body) == _comparable(api_body)
    parent = console_body["referral_program"]["referee_reward"]["related_object_parent"]
    assert parent["id"] == points["id"]
    assert len(codes) == 2 and all(c["code"].startswith("REF-") for c in codes)
    mine = [e.type for e in await _events(db, project)]
    assert mine == [e.type for e in await _events(db, other)]

    shown = await browser.get(f"/console/campaigns/{campaign_id}")
    assert shown.status_code == 200 and "signed_up" in shown.text and "House points" in shown.text


async def test_refused_settings_are_shown_and_change_nothing(
    browser: httpx.AsyncClient,  # noqa: F811
    app: Any,
    db: Database,
    project: ProjectKeys,
) -> None:
    async with _api(app, project) as api:
        gift = await gift_campaign(api)
    before = [e.type for e in await _events(db, project)]
    csrf = await _signed_in(browser, db, project)
    no_name = await browser.post(
        "/console/campaigns/new", data=_form(csrf, "No event", gift["id"], custom_event_name="")
    )
    assert no_name.status_code == 400 and "custom_event.name is required" in no_name.text
    wrong_parent = await browser.post(
        "/console/campaigns/new", data=_form(csrf, "Wrong parent", gift["id"])
    )  # a LOYALTY_CARD reward from a gift campaign
    assert wrong_parent.status_code == 400 and "LOYALTY_PROGRAM" in wrong_parent.text
    assert [e.type for e in await _events(db, project)] == before


async def test_reward_tiers_are_added_listed_and_deleted_through_the_service(
    browser: httpx.AsyncClient,  # noqa: F811
    app: Any,
    db: Database,
    project: ProjectKeys,
) -> None:
    async with _api(app, project) as api:
        points = await loyalty_program(api)
        coupons = await coupon_campaign(api)
    csrf = await _signed_in(browser, db, project)
    campaign_id = _campaign_id(
        await browser.post("/console/campaigns/new", data=_form(csrf, "Tiers", points["id"]))
    )
    page = await browser.get(f"/console/campaigns/{campaign_id}")
    assert f'<option value="{coupons["id"]}">' in page.text
    added = await browser.post(
        f"/console/campaigns/{campaign_id}/reward-tiers",
        data={"csrf_token": csrf, "name": "3 friends", "banner": "Bring 3, get 500",
              "event_type": "at_least", "referrals": "3", "reward_type": "LOYALTY_POINTS",
              "reward_campaign": points["id"], "reward_quantity": "500"},
    )  # fmt: skip
    assert added.status_code == 303, added.text
    coupon = await browser.post(
        f"/console/campaigns/{campaign_id}/reward-tiers",
        data={"csrf_token": csrf, "name": "Each friend", "event_type": "each",
              "reward_type": "COUPON", "reward_campaign": coupons["id"]},
    )  # fmt: skip
    assert coupon.status_code == 303, coupon.text
    async with _api(app, project) as api:
        listed = ok(await api.get(f"/v1/referrals/{campaign_id}/reward-tiers"))["data"]
    assert [t["name"] for t in listed] == ["3 friends", "Each friend"]
    assert listed[0]["parameters"]["event_type"] == "at_least"
    assert listed[0]["parameters"]["referrals"] == 3
    assert listed[0]["reward"] == {
        "type": "LOYALTY_POINTS", "campaign_id": points["id"], "points": 500
    }  # fmt: skip
    shown = await browser.get(f"/console/campaigns/{campaign_id}")
    assert "at least 3 referrals" in shown.text and "Bring 3, get 500" in shown.text

    refused = await browser.post(
        f"/console/campaigns/{campaign_id}/reward-tiers",
        data={"csrf_token": csrf, "name": "Wrong", "event_type": "each",
              "reward_type": "GIFT_CREDITS", "reward_campaign": points["id"],
              "reward_quantity": "100"},
    )  # fmt: skip
    assert refused.status_code == 400 and "GIFT_VOUCHERS" in refused.text

    gone = await browser.post(
        f"/console/campaigns/{campaign_id}/reward-tiers/{listed[0]['id']}/delete",
        data={"csrf_token": csrf},
    )
    assert gone.status_code == 303
    async with _api(app, project) as api:
        left = ok(await api.get(f"/v1/referrals/{campaign_id}/reward-tiers"))["data"]
    assert [t["name"] for t in left] == ["Each friend"]
    async with db.transaction(write=False) as session:
        audit = (
            await session.execute(
                select(AuditEntry).where(
                    AuditEntry.project_id == project.project_id,
                    AuditEntry.action == "referral_tier.delete",
                )
            )
        ).scalar_one()
    assert audit.object_id == listed[0]["id"] and audit.before["name"] == "3 friends"


async def test_viewer_csrf_anonymous_and_other_projects_are_refused(
    browser: httpx.AsyncClient,  # noqa: F811
    app: Any,
    db: Database,
    project: ProjectKeys,
) -> None:
    evil = '<script>alert("x")</script>'
    async with _api(app, project) as api:
        points = await loyalty_program(api)
        mine = ok(await api.post("/v1/campaigns", json=_api_body("Mine", points["id"])))
        tier = ok(
            await api.post(
                f"/v1/referrals/{mine['id']}/reward-tiers",
                json={
                    "name": evil,
                    "parameters": {"event_type": "each"},
                    "reward": {"type": "LOYALTY_POINTS", "campaign_id": points["id"], "points": 10},
                },
            )
        )
    other = await make_project(db, "Someone else")
    async with _api(app, other) as api:
        their_points = await loyalty_program(api)
        theirs = ok(await api.post("/v1/campaigns", json=_api_body("Theirs", their_points["id"])))
    rt_form = {"name": "X", "event_type": "each", "reward_type": "LOYALTY_POINTS",
               "reward_campaign": points["id"], "reward_quantity": "1"}  # fmt: skip
    paths = (
        f"/console/campaigns/{mine['id']}/reward-tiers",
        f"/console/campaigns/{mine['id']}/reward-tiers/{tier['id']}/delete",
    )
    for path in paths:
        assert (await browser.post(path, data=rt_form)).headers["location"] == "/console/login"
    before = [e.type for e in await _events(db, project)]

    csrf = await _signed_in(browser, db, project, role="viewer")
    page = await browser.get(f"/console/campaigns/{mine['id']}")
    assert page.status_code == 200 and "Add a referrer reward" not in page.text
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text
    for path in paths:
        assert (await browser.post(path, data={"csrf_token": csrf, **rt_form})).status_code == 403

    await browser.post("/console/logout", data={"csrf_token": csrf})
    csrf = await _signed_in(browser, db, project, role="editor")
    assert (await browser.post(paths[0], data=rt_form)).status_code == 403  # no CSRF token
    assert (await browser.get(f"/console/campaigns/{theirs['id']}")).status_code == 404
    for path in (
        f"/console/campaigns/{theirs['id']}/reward-tiers",
        f"/console/campaigns/{theirs['id']}/reward-tiers/{tier['id']}/delete",
    ):
        resp = await browser.post(path, data={"csrf_token": csrf, **rt_form})
        assert resp.status_code == 400, path
    new = await browser.get("/console/campaigns/new?type=REFERRAL_PROGRAM")
    assert their_points["id"] not in new.text and points["id"] in new.text
    assert [e.type for e in await _events(db, project)] == before
    async with _api(app, project) as api:
        kept = ok(await api.get(f"/v1/referrals/{mine['id']}/reward-tiers"))["data"]
    assert [t["id"] for t in kept] == [tier["id"]]


async def test_edit_changes_the_referee_discount(
    browser: httpx.AsyncClient,  # noqa: F811
    app: Any,
    db: Database,
    project: ProjectKeys,
) -> None:
    async with _api(app, project) as api:
        points = await loyalty_program(api)
        made = ok(await api.post("/v1/campaigns", json=_api_body("Edit me", points["id"])))
    csrf = await _signed_in(browser, db, project)
    edit = await browser.get(f"/console/campaigns/{made['id']}/edit")
    assert edit.status_code == 200 and 'value="10"' in edit.text
    assert 'id="custom_event_name"' not in edit.text  # settings are fixed once made
    done = await browser.post(
        f"/console/campaigns/{made['id']}/edit",
        data={"csrf_token": csrf, "name": "Edited", "metadata": "{}",
              "discount_type": "PERCENT", "discount_value": "15"},
    )  # fmt: skip
    assert done.status_code == 303, done.text
    async with _api(app, project) as api:
        body = ok(await api.get(f"/v1/campaigns/{made['id']}"))
    assert body["name"] == "Edited" and body["voucher"]["discount"]["percent_off"] == 15
    assert body["referral_program"]["custom_event"]["name"] == "signed_up"
