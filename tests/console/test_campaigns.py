"""Console campaigns through the real ASGI app on both engines: forms make the same rows and
events as the API, refusals are shown by their field and change nothing, roles, CSRF,
project scope and escaping hold on every page and form."""

from __future__ import annotations

import csv
import io
import re
import secrets
from typing import Any

import httpx
from sqlalchemy import func, select

from tests.console.test_console_auth import _csrf, _log_in, _user, browser  # noqa: F401
from tests.exports.helpers import run_exports
from tests.support import ProjectKeys, make_project
from voucherd.config import Settings
from voucherd.console.models import AuditEntry
from voucherd.events.models import Event
from voucherd.kit.db import Database
from voucherd.rules.models import ValidationRule

RULE_FORM = {
    "rule_name_1": "order.amount",
    "rule_operator_1": "$more_than",
    "rule_value_1": "5000",
    "rule_name_2": "customer.metadata",
    "rule_property_2": "tier",
    "rule_operator_2": "$in",
    "rule_value_2": "gold, silver",
    "rule_logic": "1 and 2",
}
# What the builder rows above make, as an API client would send it.
RULE_JSON = {
    "rules": {
        "1": {"name": "order.amount", "conditions": {"$more_than": [5000]}, "rules": {}},
        "2": {
            "name": "customer.metadata",
            "property": "tier",
            "conditions": {"$in": ["gold", "silver"]},
            "rules": {},
        },
        "logic": "1 and 2",
    },
    "applicable_to": {"included": [], "excluded": []},
}


def _email(role: str) -> str:
    return f"camp-{role}-{secrets.token_hex(4)}@shop.example"


async def _signed_in(
    browser: httpx.AsyncClient,  # noqa: F811
    db: Database,
    project: ProjectKeys,
    role: str = "editor",
) -> str:
    email = _email(role)
    await _user(db, project, email, role=role)
    assert (await _log_in(browser, email)).status_code == 303
    return _csrf((await browser.get("/console")).text)


def _discount_form(csrf: str, name: str, **extra: str) -> dict[str, str]:
    return {
        "csrf_token": csrf,
        "campaign_type": "DISCOUNT_COUPONS",
        "name": name,
        "description": "Ten off",
        "discount_type": "AMOUNT",
        "discount_value": "1000",
        "vouchers_count": "3",
        "redemption_quantity": "1",
        "code_prefix": "TEN-",
        "code_pattern": "####",
        "code_charset": "numbers",
        "metadata": '{"season": "winter"}',
        **extra,
    }


async def _events(db: Database, project: ProjectKeys) -> list[Event]:
    async with db.transaction(write=False) as session:
        rows = await session.execute(
            select(Event).where(Event.project_id == project.project_id).order_by(Event.id)
        )
        return list(rows.scalars())


def _campaign_id(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/console/campaigns/(camp_\w+)", response.headers["location"])
    assert found, response.headers["location"]
    return found.group(1)


async def test_anonymous_users_are_sent_to_log_in(browser: httpx.AsyncClient) -> None:  # noqa: F811
    for method, path in [
        ("GET", "/console/campaigns"),
        ("GET", "/console/campaigns/new"),
        ("POST", "/console/campaigns/new"),
        ("GET", "/console/campaigns/camp_x"),
        ("GET", "/console/campaigns/camp_x/edit"),
        ("POST", "/console/campaigns/camp_x/edit"),
        ("POST", "/console/campaigns/camp_x/enable"),
        ("POST", "/console/campaigns/camp_x/publish"),
        ("POST", "/console/campaigns/camp_x/export"),
        ("GET", "/console/checks/formula?formula=1"),
        ("GET", "/console/checks/codes"),
        ("POST", "/console/checks/rule"),
        ("GET", "/console/settings/stacking"),
        ("POST", "/console/settings/stacking"),
        ("POST", "/console/settings/stacking/reset"),
    ]:
        resp = await browser.request(method, path)
        assert resp.status_code == 303, (path, resp.text)
        assert resp.headers["location"] == "/console/login"


async def test_create_makes_the_rows_and_events_the_api_makes(
    browser: httpx.AsyncClient,  # noqa: F811
    app: Any,
    db: Database,
    project: ProjectKeys,
) -> None:
    csrf = await _signed_in(browser, db, project)
    form = _discount_form(csrf, "Winter ten", **RULE_FORM)
    campaign_id = _campaign_id(await browser.post("/console/campaigns/new", data=form))

    # The same campaign through the API, in a project of its own.
    other = await make_project(db, "API twin")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers=other.headers
    ) as api:
        rule = await api.post(
            "/v1/validation-rules", json={"name": "Winter ten rules", "type": "expression",
                                          **RULE_JSON},
        )  # fmt: skip
        assert rule.status_code == 200, rule.text
        made = await api.post(
            "/v1/campaigns",
            json={
                "name": "Winter ten", "description": "Ten off", "campaign_type": "DISCOUNT_COUPONS",
                "metadata": {"season": "winter"}, "vouchers_count": 3,
                "validation_rules": [rule.json()["id"]],
                "voucher": {
                    "type": "DISCOUNT_VOUCHER",
                    "discount": {"type": "AMOUNT", "amount_off": 1000},
                    "redemption": {"quantity": 1},
                    "code_config": {"prefix": "TEN-", "pattern": "####", "charset": "numbers"},
                },
            },
        )  # fmt: skip
        assert made.status_code == 200, made.text
        api_body = made.json()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers=project.headers
    ) as api:
        console_body = (await api.get(f"/v1/campaigns/{campaign_id}")).json()
        codes = (await api.get(f"/v1/vouchers?campaign_id={campaign_id}")).json()["vouchers"]

    def comparable(body: dict[str, Any]) -> dict[str, Any]:
        skip = {"id", "created_at", "updated_at", "validation_rules_assignments"}
        return {k: v for k, v in body.items() if k not in skip}

    assert comparable(console_body) == comparable(api_body)
    assert console_body["validation_rules_assignments"]["total"] == 1
    assert len(codes) == 3 and all(re.fullmatch(r"TEN-\d{4}", c["code"]) for c in codes)
    mine = [e.type for e in await _events(db, project)]
    theirs = [e.type for e in await _events(db, other)]
    assert mine == theirs and "campaign.created" in mine
    async with db.transaction(write=False) as session:
        stored, twin = [
            (
                await session.execute(
                    select(ValidationRule).where(ValidationRule.project_id == p.project_id)
                )
            ).scalar_one()
            for p in (project, other)
        ]
        audit = (
            await session.execute(
                select(AuditEntry).where(
                    AuditEntry.project_id == project.project_id,
                    AuditEntry.action == "campaign.create",
                )
            )
        ).scalar_one()
    assert stored.rules == twin.rules == RULE_JSON["rules"]
    assert stored.applicable_to == twin.applicable_to
    assert audit.object_id == campaign_id and audit.after["name"] == "Winter ten"

    shown = await browser.get(f"/console/campaigns/{campaign_id}")
    assert shown.status_code == 200 and "order.amount" in shown.text
    assert all(c["code"] in shown.text for c in codes)


async def test_edit_changes_campaign_and_rule_through_the_services_and_audits(
    browser: httpx.AsyncClient,  # noqa: F811
    db: Database,
    project: ProjectKeys,
) -> None:
    csrf = await _signed_in(browser, db, project)
    campaign_id = _campaign_id(
        await browser.post(
            "/console/campaigns/new", data=_discount_form(csrf, "Edit me", **RULE_FORM)
        )
    )
    edit = await browser.get(f"/console/campaigns/{campaign_id}/edit")
    assert edit.status_code == 200 and 'value="1000"' in edit.text and "gold, silver" in edit.text
    changed = {
        **_discount_form(csrf, "Edited"),
        "discount_value": "1500",
        "rule_name_1": "order.amount",
        "rule_operator_1": "$more_than_or_equal",
        "rule_value_1": "2000",
    }
    done = await browser.post(f"/console/campaigns/{campaign_id}/edit", data=changed)
    assert done.status_code == 303, done.text
    async with db.transaction(write=False) as session:
        rule = (
            await session.execute(
                select(ValidationRule).where(ValidationRule.project_id == project.project_id)
            )
        ).scalar_one()
        audit = (
            await session.execute(
                select(AuditEntry).where(
                    AuditEntry.project_id == project.project_id,
                    AuditEntry.action == "campaign.update",
                )
            )
        ).scalar_one()
    assert rule.rules == {
        "1": {"name": "order.amount", "conditions": {"$more_than_or_equal": [2000]}, "rules": {}},
        "logic": "1",
    }
    assert audit.before["name"] == "Edit me" and audit.after["name"] == "Edited"
    assert audit.before["voucher"]["discount"]["amount_off"] == 1000
    assert audit.after["voucher"]["discount"]["amount_off"] == 1500
    types = [e.type for e in await _events(db, project)]
    assert types[-2:] == ["business_validation_rule.updated", "campaign.updated"]

    # A refusal after the rule changed leaves both as they were, and shows the form again.
    refused = await browser.post(
        f"/console/campaigns/{campaign_id}/edit",
        data={**changed, "rule_value_1": "3000", "discount_formula": "ORDER_AMOUNT *"},
    )
    assert refused.status_code == 400 and "Edit Edited" in refused.text
    assert 'id="discount_formula-check" class="error"' in refused.text
    async with db.transaction(write=False) as session:
        kept = await session.get(ValidationRule, rule.id)
        assert kept is not None and kept.rules["1"]["conditions"] == {"$more_than_or_equal": [2000]}

    # Emptying the builder unassigns the rule, as `validation_rules: []` does.
    cleared = await browser.post(
        f"/console/campaigns/{campaign_id}/edit", data=_discount_form(csrf, "Edited")
    )
    assert cleared.status_code == 303
    assert "business_validation_rule.assignment.deleted" in [
        e.type for e in await _events(db, project)
    ]


async def test_refusals_are_shown_by_field_and_change_nothing(
    browser: httpx.AsyncClient,  # noqa: F811
    db: Database,
    project: ProjectKeys,
) -> None:
    csrf = await _signed_in(browser, db, project)
    bad_formula = await browser.post(
        "/console/campaigns/new",
        data=_discount_form(csrf, "Bad formula", discount_formula="IF(ORDER_AMOUNT > ;1;2)"),
    )
    assert bad_formula.status_code == 400
    assert "position 18" in bad_formula.text
    assert 'id="discount_formula"' in bad_formula.text and 'aria-invalid="true"' in bad_formula.text

    bad_rule = await browser.post(
        "/console/campaigns/new",
        data=_discount_form(csrf, "Bad rule", **{**RULE_FORM, "rule_operator_2": "$timeframe"}),
    )
    assert bad_rule.status_code == 400
    assert re.search(
        r'id="rule_row_2-error">[^<]*\$timeframe: [^<]* is not a window', bad_rule.text
    )

    bad_pattern = await browser.post(
        "/console/campaigns/new", data=_discount_form(csrf, "Bad pattern", code_pattern="#" * 70)
    )
    assert bad_pattern.status_code == 400 and 'id="code_pattern-error"' in bad_pattern.text

    checked = await browser.get("/console/checks/formula", params={"formula": "1 + * 2"})
    assert checked.json()["ok"] is False and checked.json()["position"] == 4
    assert (await browser.get("/console/checks/formula?formula=ORDER_AMOUNT*2")).json()["ok"]
    preview = await browser.post("/console/checks/rule", data={"csrf_token": csrf, **RULE_FORM})
    assert preview.json()["error"] is None and '"order.amount"' in preview.json()["json"]

    assert await _events(db, project) == []
    async with db.transaction(write=False) as session:
        rules = await session.execute(
            select(func.count())
            .select_from(ValidationRule)
            .where(ValidationRule.project_id == project.project_id)
        )
        assert rules.scalar_one() == 0


async def test_code_preview_uses_the_campaign_code_generator(
    browser: httpx.AsyncClient,  # noqa: F811
    db: Database,
    project: ProjectKeys,
) -> None:
    await _signed_in(browser, db, project)
    codes = await browser.get(
        "/console/checks/codes",
        params={"code_prefix": "X-", "code_pattern": "##-##", "code_charset": "numbers"},
    )
    assert codes.status_code == 200
    assert len(codes.json()["codes"]) == 3
    assert all(re.fullmatch(r"X-\d\d-\d\d", c) for c in codes.json()["codes"])
    refused = await browser.get("/console/checks/codes", params={"code_length": "100"})
    assert refused.json()["codes"] == [] and refused.json()["error"]
    form = await browser.get("/console/campaigns/new?type=GIFT_VOUCHERS")
    assert form.status_code == 200 and "Amount on each card" in form.text


async def test_gift_and_loyalty_forms_create_their_campaigns(
    browser: httpx.AsyncClient,  # noqa: F811
    db: Database,
    project: ProjectKeys,
) -> None:
    csrf = await _signed_in(browser, db, project)
    gift = await browser.post(
        "/console/campaigns/new",
        data={"csrf_token": csrf, "campaign_type": "GIFT_VOUCHERS", "name": "Gift 50",
              "gift_amount": "5000", "vouchers_count": "2"},
    )  # fmt: skip
    gift_page = await browser.get(f"/console/campaigns/{_campaign_id(gift)}")
    assert gift_page.text.count("50.00") == 2
    loyalty = await browser.post(
        "/console/campaigns/new",
        data={"csrf_token": csrf, "campaign_type": "LOYALTY_PROGRAM", "name": "Stars",
              "loyalty_points": "10", "vouchers_count": "1"},
    )  # fmt: skip
    stars = await browser.get(f"/console/campaigns/{_campaign_id(loyalty)}")
    assert "10 points" in stars.text
    listed = await browser.get("/console/campaigns", params={"type": "GIFT_VOUCHERS"})
    assert "Gift 50" in listed.text and "Stars" not in listed.text
    found = await browser.get("/console/campaigns", params={"q": "STA"})
    assert "Stars" in found.text and "Gift 50" not in found.text
    unknown = await browser.get("/console/campaigns/new?type=LOTTERY")
    assert unknown.status_code == 400


async def test_enable_disable_publish_and_export(
    browser: httpx.AsyncClient,  # noqa: F811
    anon_client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    project: ProjectKeys,
) -> None:
    csrf = await _signed_in(browser, db, project)
    campaign_id = _campaign_id(
        await browser.post("/console/campaigns/new", data=_discount_form(csrf, "Publish me"))
    )
    published = await browser.post(
        f"/console/campaigns/{campaign_id}/publish", data={"csrf_token": csrf, "customer": "ann-1"}
    )
    assert published.status_code == 303
    tab = await browser.get(published.headers["location"])
    assert "Published TEN-" in tab.text and "Console" in tab.text
    types = [e.type for e in await _events(db, project)]
    assert "publication.succeeded" in types and "voucher.published" in types

    disabled = await browser.post(
        f"/console/campaigns/{campaign_id}/disable", data={"csrf_token": csrf}
    )
    assert disabled.status_code == 303
    page_text = (await browser.get(f"/console/campaigns/{campaign_id}")).text
    assert 'data-metric="state">disabled' in page_text
    assert (await _events(db, project))[-1].type == "campaign.disabled"
    assert (await browser.get("/console/campaigns?state=disabled")).text.count("Publish me") == 1
    assert "Publish me" not in (await browser.get("/console/campaigns?state=live")).text

    exported = await browser.post(
        f"/console/campaigns/{campaign_id}/export", data={"csrf_token": csrf}
    )
    assert exported.status_code == 303
    exports_tab = await browser.get(exported.headers["location"])
    assert "SCHEDULED" in exports_tab.text and "Download CSV" not in exports_tab.text
    await run_exports(db, settings)
    done = await browser.get(exported.headers["location"])
    link = re.search(r'href="http://voucherd\.test(/v1/exports/[^"]+)">Download CSV', done.text)
    assert link, done.text
    csv_file = await anon_client.get(link[1].replace("&amp;", "&"))
    assert csv_file.status_code == 200, csv_file.text
    rows = list(csv.reader(io.StringIO(csv_file.text)))
    assert rows[0][:3] == ["code", "voucher_type", "value"]
    assert len(rows) == 4 and all(
        r[0].startswith("TEN-") and r[4] == "Publish me" for r in rows[1:]
    )
    audit = (await browser.get("/console/audit")).text
    for action in ("publication.create", "campaign.disable", "export.create"):
        assert action in audit


async def test_lists_page_by_id_without_counting(
    browser: httpx.AsyncClient,  # noqa: F811
    db: Database,
    project: ProjectKeys,
) -> None:
    csrf = await _signed_in(browser, db, project)
    campaign_id = _campaign_id(
        await browser.post(
            "/console/campaigns/new",
            data=_discount_form(csrf, "Many", vouchers_count="30", code_pattern="########"),
        )
    )
    first = await browser.get(f"/console/campaigns/{campaign_id}?tab=vouchers")
    assert first.text.count("<td>active</td>") == 25
    after = re.search(r'after=(v_\w+)">Next page', first.text)
    assert after
    second = await browser.get(f"/console/campaigns/{campaign_id}?tab=vouchers&after={after[1]}")
    assert second.text.count("<td>active</td>") == 5 and "Next page" not in second.text


async def test_viewer_sees_but_changes_nothing(
    browser: httpx.AsyncClient,  # noqa: F811
    app: Any,
    db: Database,
    project: ProjectKeys,
) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers=project.headers
    ) as api:
        made = await api.post(
            "/v1/campaigns",
            json={"name": "Look only", "campaign_type": "DISCOUNT_COUPONS", "vouchers_count": 1,
                  "voucher": {"type": "DISCOUNT_VOUCHER",
                              "discount": {"type": "AMOUNT", "amount_off": 100}}},
        )  # fmt: skip
    campaign_id = made.json()["id"]
    before = len(await _events(db, project))
    csrf = await _signed_in(browser, db, project, role="viewer")
    shown = await browser.get(f"/console/campaigns/{campaign_id}")
    assert shown.status_code == 200 and "Publish a code" not in shown.text
    assert (await browser.get("/console/campaigns/new")).status_code == 403
    assert (await browser.get(f"/console/campaigns/{campaign_id}/edit")).status_code == 403
    for path, data in [
        ("/console/campaigns/new", _discount_form(csrf, "Viewer made")),
        (f"/console/campaigns/{campaign_id}/edit", _discount_form(csrf, "Viewer edit")),
        (f"/console/campaigns/{campaign_id}/disable", {"csrf_token": csrf}),
        (f"/console/campaigns/{campaign_id}/publish", {"csrf_token": csrf, "customer": "v-1"}),
        (f"/console/campaigns/{campaign_id}/export", {"csrf_token": csrf}),
    ]:
        refused = await browser.post(path, data=data)
        assert refused.status_code == 403, (path, refused.text)
    assert len(await _events(db, project)) == before


async def test_forms_need_the_session_csrf_token(
    browser: httpx.AsyncClient,  # noqa: F811
    db: Database,
    project: ProjectKeys,
) -> None:
    csrf = await _signed_in(browser, db, project)
    for token in (None, "forged", csrf[:-1]):
        data = _discount_form(csrf, "No token")
        if token is None:
            del data["csrf_token"]
        else:
            data["csrf_token"] = token
        assert (await browser.post("/console/campaigns/new", data=data)).status_code == 403
        rule = await browser.post("/console/checks/rule", data={**RULE_FORM, "csrf_token": "x"})
        assert rule.status_code == 403
    assert await _events(db, project) == []


async def test_another_projects_campaigns_are_invisible(
    browser: httpx.AsyncClient,  # noqa: F811
    app: Any,
    db: Database,
    project: ProjectKeys,
) -> None:
    other = await make_project(db, "Someone else")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers=other.headers
    ) as api:
        made = await api.post(
            "/v1/campaigns",
            json={"name": "Their secret sale", "campaign_type": "GIFT_VOUCHERS",
                  "vouchers_count": 1, "voucher": {"type": "GIFT_VOUCHER", "gift": {"amount": 1}}},
        )  # fmt: skip
    theirs = made.json()["id"]
    csrf = await _signed_in(browser, db, project)
    assert "Their secret sale" not in (await browser.get("/console/campaigns")).text
    assert "Their secret sale" not in (await browser.get("/console/campaigns?q=secret")).text
    assert (await browser.get(f"/console/campaigns/{theirs}")).status_code == 404
    assert (await browser.get("/console/campaigns/Their secret sale")).status_code == 404
    for action in ("edit", "disable", "publish", "export"):
        resp = await browser.post(
            f"/console/campaigns/{theirs}/{action}", data={"csrf_token": csrf, "customer": "x"}
        )
        assert resp.status_code == 400, action
    assert [e.type for e in await _events(db, other)] == [
        "campaign.vouchers.generation.completed",
        "campaign.created",
    ]


async def test_stored_xss_in_name_and_metadata_is_escaped(
    browser: httpx.AsyncClient,  # noqa: F811
    app: Any,
    db: Database,
    project: ProjectKeys,
) -> None:
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers=project.headers
    ) as api:
        made = await api.post(
            "/v1/campaigns",
            json={"name": evil, "description": evil, "metadata": {"k": evil, evil: 1},
                  "campaign_type": "DISCOUNT_COUPONS", "vouchers_count": 1,
                  "voucher": {"type": "DISCOUNT_VOUCHER",
                              "discount": {"type": "AMOUNT", "amount_off": 100}}},
        )  # fmt: skip
    campaign_id = made.json()["id"]
    await _signed_in(browser, db, project)
    for path in (
        "/console/campaigns",
        f"/console/campaigns?q={evil}",
        f"/console/campaigns/{campaign_id}",
        f"/console/campaigns/{campaign_id}/edit",
        "/console/audit",
    ):
        text = (await browser.get(path)).text
        assert "<script>alert" not in text and "<img src=x" not in text, path
    assert "&lt;script&gt;" in (await browser.get("/console/campaigns")).text
