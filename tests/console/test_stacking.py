"""Console stacking rules: admins change them through the stacking service (the Management
API then answers the change), errors are shown by field and change nothing, other roles only
look, every change is audited with before and after; both engines."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
from sqlalchemy import select

from tests.console.test_console_auth import _csrf, _log_in, _user, browser  # noqa: F401
from tests.support import ProjectKeys
from voucherd.console.models import AuditEntry
from voucherd.kit.db import Database
from voucherd.stacking import service as stacking


async def _signed_in(
    browser: httpx.AsyncClient,  # noqa: F811
    db: Database,
    project: ProjectKeys,
    role: str,
) -> str:
    email = f"stack-{role}-{secrets.token_hex(4)}@shop.example"
    await _user(db, project, email, role=role)
    assert (await _log_in(browser, email)).status_code == 303
    return _csrf((await browser.get("/console/settings/stacking")).text)


def _form(csrf: str, **changes: str) -> dict[str, str]:
    return {
        "csrf_token": csrf,
        "redeemables_limit": "30",
        "applicable_redeemables_limit": "5",
        "applicable_redeemables_per_category_limit": "1",
        "applicable_exclusive_redeemables_limit": "1",
        "applicable_exclusive_redeemables_per_category_limit": "1",
        "applicable_redeemables_category_limits": "",
        "redeemables_application_mode": "ALL",
        "redeemables_sorting_rule": "REQUESTED_ORDER",
        "redeemables_no_effect_rule": "REDEEM_ANYWAY",
        "discount_calculation_mode": "DISCOUNTED_AMOUNT",
        "redeemables_products_application_mode": "STACK",
        "redeemables_rollback_order_mode": "WITH_ORDER",
        "exclusive_categories": "",
        "joint_categories": "",
        "discounted_amount_mode_categories": "",
        "no_effect_skip_categories": "",
        "no_effect_redeem_anyway_categories": "",
        **changes,
    }


async def _rules(db: Database, project: ProjectKeys) -> Any:
    async with db.transaction(write=False) as session:
        return (await stacking.current(session, project.project_id))[0]


async def test_admin_changes_the_rules_the_engine_follows_and_it_is_audited(
    browser: httpx.AsyncClient,  # noqa: F811
    db: Database,
    project: ProjectKeys,
    mgmt: httpx.AsyncClient,
) -> None:
    csrf = await _signed_in(browser, db, project, "admin")
    page = await browser.get("/console/settings/stacking")
    assert page.status_code == 200 and "follows the default rules" in page.text
    saved = await browser.post(
        "/console/settings/stacking",
        data=_form(csrf, applicable_redeemables_limit="3", redeemables_application_mode="PARTIAL"),
    )
    assert saved.status_code == 303, saved.text
    rules = await _rules(db, project)
    assert rules.applicable_redeemables_limit == 3
    assert rules.redeemables_application_mode == "PARTIAL"
    listed = await mgmt.get(f"/management/v1/projects/{project.project_id}/stacking-rules")
    assert listed.json()["data"][0]["applicable_redeemables_limit"] == 3

    again = await browser.post(
        "/console/settings/stacking", data=_form(csrf, applicable_redeemables_limit="4")
    )
    assert again.status_code == 303
    assert (await _rules(db, project)).applicable_redeemables_limit == 4
    async with db.transaction(write=False) as session:
        entries = (
            (
                await session.execute(
                    select(AuditEntry)
                    .where(
                        AuditEntry.project_id == project.project_id,
                        AuditEntry.object_type == "stacking_rules",
                    )
                    .order_by(AuditEntry.id)
                )
            )
            .scalars()
            .all()
        )
    assert [e.action for e in entries] == ["stacking_rules.update", "stacking_rules.update"]
    assert entries[1].before["applicable_redeemables_limit"] == 3
    assert entries[1].after["applicable_redeemables_limit"] == 4

    reset = await browser.post("/console/settings/stacking/reset", data={"csrf_token": csrf})
    assert reset.status_code == 303
    assert (await _rules(db, project)).applicable_redeemables_limit == 5
    assert "stacking_rules.reset" in (await browser.get("/console/audit")).text


async def test_errors_are_shown_by_field_and_change_nothing(
    browser: httpx.AsyncClient,  # noqa: F811
    db: Database,
    project: ProjectKeys,
) -> None:
    csrf = await _signed_in(browser, db, project, "admin")
    limit, per_category = "applicable_redeemables_limit", "applicable_redeemables_category_limits"
    for changes, field in [
        ({limit: "31"}, limit),
        ({"redeemables_limit": "2", limit: "3"}, limit),
        ({"exclusive_categories": "cat_nope"}, "exclusive_categories"),
        ({"discount_calculation_mode": "INITIAL_AMOUNT"}, "discount_calculation_mode"),
        ({per_category: "no equals"}, per_category),
        ({limit: "many"}, limit),
    ]:
        refused = await browser.post("/console/settings/stacking", data=_form(csrf, **changes))
        assert refused.status_code == 400, (changes, refused.text)
        assert f'id="{field}-error"' in refused.text, (changes, refused.text)
    async with db.transaction(write=False) as session:
        assert (await stacking.current(session, project.project_id))[1] is None


async def test_only_admins_change_stacking_rules(
    browser: httpx.AsyncClient,  # noqa: F811
    db: Database,
    project: ProjectKeys,
) -> None:
    csrf = await _signed_in(browser, db, project, "editor")
    page = await browser.get("/console/settings/stacking")
    assert page.status_code == 200 and "Only admins change stacking rules." in page.text
    refused = await browser.post(
        "/console/settings/stacking", data=_form(csrf, applicable_redeemables_limit="2")
    )
    assert refused.status_code == 403
    forged = await browser.post(
        "/console/settings/stacking", data=_form("forged", applicable_redeemables_limit="2")
    )
    assert forged.status_code == 403
    reset = await browser.post("/console/settings/stacking/reset", data={"csrf_token": csrf})
    assert reset.status_code == 403
    assert (await _rules(db, project)).applicable_redeemables_limit == 5
